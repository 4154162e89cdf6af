"""The router: generated help, 'did you mean', role checks, and what users see when things break."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select

from core.types import Incoming, Reply
from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from handlers.engine.context import Context, Options
from handlers.engine.router import Router
from handlers.engine.scopes import Scope
from store.db import Database
from store.models import Identity, Member


async def test_unknown_word_gets_a_suggestion_and_a_pointer_to_help_not_the_whole_help(chat_as) -> None:
    chat = chat_as("someone")
    for typed in ("/evnts", "evnts"):
        answer = await chat.say(typed)
        assert "I don't know 'evnts'. Did you mean /events?" in answer
        assert "Send /help to see what I can do." in answer and "What I can do" not in answer
        assert ("Help on events", "/help events") in chat.buttons


async def test_plain_words_work_without_a_slash(chat_as) -> None:
    assert "No upcoming events" in await chat_as("someone").say("events")


async def test_help_on_a_command_shows_usage_and_example(chat_as) -> None:
    answer = await chat_as("someone").say("/help going")
    assert "Usage: /going [NUMBER]" in answer and "Example: /going 3" in answer


async def test_members_do_not_see_coordinator_commands_in_help(db: Database, chat_as) -> None:
    answer = await chat_as("someone").say("/help")
    assert "event add" not in answer and "find TEXT" in answer


def test_every_command_in_the_design_contract_is_registered() -> None:
    words = set(build_router().words)
    # Commands owned by later work (scheduler, identity) are checked by their own tests.
    assert {
        "start",
        "help",
        "profile",
        "find",
        "events",
        "event",
        "going",
        "notgoing",
        "ics",
        "opportunities",
        "opportunity",
        "post",
        "interests",
    } <= words


def test_registering_a_command_twice_or_with_a_wrong_usage_fails() -> None:
    router = build_router()

    async def noop(_ctx: Context) -> list[Reply]:
        return []

    with pytest.raises(ValueError, match="registered twice"):
        router.command("find", noop, summary="", usage="find", example="find")
    with pytest.raises(ValueError, match="must start with its name"):
        router.command("other", noop, summary="", usage="wrong", example="other")


def test_registering_a_coordinator_command_without_the_cluster_it_acts_on_fails() -> None:
    """A coordinator may be scoped to one cluster: the router can only enforce it if it knows which."""
    router = Router()

    async def noop(_ctx: Context) -> list[Reply]:
        return []

    with pytest.raises(ValueError, match=r"needs Scope\.coordinator_of"):
        router.command("purge", noop, summary="", usage="purge", example="purge", scope=Scope("coordinator"))
    assert "purge" not in router.commands


def test_every_coordinator_command_declares_what_it_acts_on() -> None:
    staff = [c for c in build_router().commands.values() if c.role == "coordinator"]
    assert staff and all(c.scope.resolver is not None for c in staff)


async def test_a_crash_gives_a_reference_and_logs_the_traceback(
    db: Database, clock, caplog: pytest.LogCaptureFixture
) -> None:
    router = Router()

    async def broken(_ctx: Context) -> list[Reply]:
        raise RuntimeError("secret internal detail")

    router.command("broken", broken, summary="fails", usage="broken", example="broken")
    assistant = Assistant(db, router, build_flows(), clock=clock)
    with caplog.at_level(logging.ERROR):
        [reply] = await assistant.respond(Incoming("console", "u", "u", text="/broken"))
    assert reply.plain_text.startswith("Something went wrong (ref ")
    ref = reply.plain_text.split("ref ")[1][:6]
    assert "secret internal detail" not in reply.plain_text
    assert any(ref in record.getMessage() and record.exc_info for record in caplog.records)


async def test_an_unreachable_database_gets_a_temporary_answer(clock) -> None:
    db = Database("postgresql://clusterbot@127.0.0.1:9/nowhere")  # nothing listens on port 9
    assistant = Assistant(db, build_router(), build_flows(), clock=clock)
    [reply] = await assistant.respond(Incoming("console", "u", "u", text="/events"))
    assert "temporarily unavailable" in reply.plain_text
    await db.close()


async def test_user_text_is_never_turned_into_formatting(chat_as) -> None:
    chat = chat_as("someone")
    await chat.say("/profile set name <b>Bold</b> *stars* _under_")
    [reply] = chat.last
    await chat.say("/profile")
    name_spans = [s for s in chat.last[0].spans if "<b>Bold</b>" in s.text]
    assert name_spans and all(s.style in ("plain", "bold") for s in name_spans)
    assert name_spans[0].text == "<b>Bold</b> *stars* _under_"
    assert reply.plain_text == "Saved your name."


async def test_empty_messages_get_no_answer(assistant: Assistant) -> None:
    assert await assistant.respond(Incoming("console", "u", "u", text="   ")) == []


async def test_two_first_messages_at_once_make_one_member(db: Database, assistant: Assistant) -> None:

    messages = [Incoming("telegram", "42", "42", text="/events", display_name="Eve") for _ in range(5)]
    answers = await asyncio.gather(*(assistant.respond(message) for message in messages))
    assert all("No upcoming events" in replies[0].plain_text for replies in answers)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 1
        assert await session.scalar(select(func.count()).select_from(Identity)) == 1


def test_admins_are_named_as_in_the_settings_with_or_without_the_slack_team() -> None:
    options = Options(admins=frozenset({"telegram:123", "slack:U0ABC"}))
    assert options.lists_admin("telegram", "123")
    assert options.lists_admin("slack", "T0TEAM:U0ABC")
    assert not options.lists_admin("slack", "T0TEAM:U0XYZ")
    assert not options.lists_admin("telegram", "1234")
