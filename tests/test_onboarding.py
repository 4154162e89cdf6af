"""A new person introduces themselves, one question at a time, and can stop and resume."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.types import Incoming
from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from store.db import Database
from store.models import Conversation, Member, Organisation
from tests.conftest import Chat
from tests.factories import add_cluster, add_event
from tests.test_erasure import erase_through_the_button

ANSWERS = [
    "Marta Puig",
    "Teixits Vallès",
    "Tèxtil Innova",
    "skip",  # the time zone: the one suggested for her cluster's country
    "Recycled-polyester finishing",
    "A partner for smart-textile sensors",
    "recycling, Smart Textiles",
    "yes",
    "marta@teixits.example",
    "yes",
]


async def say_all(chat: Chat, *lines: str) -> str:
    """Each line in turn, as the person would type them; what the last one got back."""
    answer = ""
    for line in lines:
        answer = await chat.say(line)
    return answer


async def answers_so_far(db: Database) -> dict[str, Any]:
    """The answers of the one conversation under way."""
    async with db.transaction() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    return dict(conversation.answers)


async def test_new_member_is_listed_after_answering_every_question(db: Database, chat_as) -> None:
    await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textiles"])
    chat = chat_as("marta")
    first = await chat.say("/start")
    assert "What is your name?" in first
    for answer in ANSWERS[:7]:
        await chat.say(answer)
    assert ("Yes, list me", "yes") in chat.buttons
    await chat.press("yes")
    await chat.say("marta@teixits.example")
    assert ("Yes, share my contact", "yes") in chat.buttons
    done = await chat.press("yes")
    assert "You're all set" in done

    async with db.transaction() as session:
        member = await session.scalar(select(Member))
        organisation = await session.scalar(select(Organisation))
        assert member is not None and organisation is not None
        assert (member.name, member.listed, member.onboarded) == ("Marta Puig", True, True)
        assert (member.email, member.share_contact, member.timezone) == (
            "marta@teixits.example",
            True,
            "Europe/Madrid",
        )
        assert member.tags == ["recycling", "smart textiles"]
        assert organisation.name == "Teixits Vallès"
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 0


async def test_onboarding_resumes_at_the_same_question_after_a_restart(db: Database, clock, chat_as) -> None:
    chat = chat_as("joao")
    await chat.say("/start")
    await chat.say("João Silva")
    await chat.say("/help")  # a command in the middle does not lose the flow

    restarted = Assistant(db, build_router(), build_flows(), clock=clock)
    chat.assistant = restarted
    resumed = await chat.say("/start")
    assert "carry on where we left off" in resumed
    assert "Which organisation" in resumed


async def test_an_unknown_cluster_is_refused_and_the_question_stays(db: Database, chat_as) -> None:
    await add_cluster(db, "Ocean Tech Bergen", "Vestland", "Norway", ["ocean technology"])
    chat = chat_as("ola")
    await chat.say("/start")
    await chat.say("Ola Nordmann")
    await chat.say("Subsea AS")
    refused = await chat.say("Atlantis Cluster")
    assert "I don't know the cluster 'Atlantis Cluster'" in refused
    assert "Ocean Tech Bergen" in refused
    typo = await chat.say("ocean tech bergn")
    assert "Did you mean one of these?\n[Ocean Tech Bergen → Ocean Tech Bergen]" in typo
    accepted = await chat.press("Ocean Tech Bergen")
    assert "(4/10)" in accepted
    assert "Suggested: Europe/Oslo (Oslo)." in accepted


async def test_cancel_stops_the_flow_and_keeps_nothing(db: Database, chat_as) -> None:
    chat = chat_as("pierre")
    await chat.say("/start")
    await chat.say("Pierre Martin")
    assert "Stopped" in await chat.say("cancel")
    async with db.transaction() as session:
        member = await session.scalar(select(Member))
        assert member is not None and member.name == "pierre" and not member.onboarded
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 0


async def test_a_bad_consent_answer_asks_again(chat_as) -> None:
    chat = chat_as("ana")
    await chat.say("/start")
    for answer in ["Ana", "Org", "skip", "skip", "offers", "seeks", "skip", "no", "skip"]:
        await chat.say(answer)
    assert "Please answer yes or no" in await chat.say("maybe")
    assert "You're all set" in await chat.say("no")


async def test_a_telegram_member_in_porto_gets_lisbon_time_and_sees_events_in_it(
    db: Database, clock, chat_as
) -> None:
    """Telegram tells no time zone: the member's cluster does. Before, everyone started in Madrid."""
    await add_cluster(db, "Avetex Norte", "Norte", "Portugal", ["textiles"])
    event_id = await add_event(db, clock.now, "Porto fair", starts_in=timedelta(days=2))
    joao = chat_as("4242", platform="telegram")
    await say_all(joao, "/start", "João Silva", "Malhas do Ave")
    asked = await joao.press("Avetex Norte")
    assert "Suggested: Europe/Lisbon (Lisbon)." in asked
    assert joao.buttons[:3] == [
        ("Lisbon", "Europe/Lisbon"),
        ("Madeira", "Atlantic/Madeira"),
        ("Azores", "Atlantic/Azores"),
    ]
    await say_all(joao, "skip", "Knitting", "Recycled yarn", "skip", "yes", "skip", "no")

    async with db.transaction() as session:
        member = await session.scalar(select(Member))
        assert member is not None and member.timezone == "Europe/Lisbon"
    lisbon = (clock.now + timedelta(days=2)).astimezone(ZoneInfo("Europe/Lisbon"))
    assert f"{lisbon:%H:%M} WET" in await joao.say(f"/event {event_id}")


async def test_a_member_may_type_another_zone_or_a_country(db: Database, chat_as) -> None:
    await add_cluster(db, "Valtex", "Valencia", "Spain", ["textiles"])
    chat = chat_as("pilar")
    await say_all(chat, "/start", "Pilar", "Tejidos Canarios")
    await chat.press("Valtex")
    assert ("Canaries", "Atlantic/Canary") in chat.buttons  # a choice, never a guess
    assert "is not a time zone I know" in await chat.say("Mars/Olympus")
    assert "(5/10)" in await chat.say("Portugal")
    assert (await answers_so_far(db))["timezone"] == "Europe/Lisbon"


async def test_a_slack_member_keeps_the_zone_slack_gives(db: Database, assistant) -> None:
    """Slack's users.info tz is the member's own: it wins over the cluster's country."""
    await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textiles"])

    async def say(text: str) -> str:
        replies = await assistant.respond(
            Incoming("slack", "T1:U1", "D1", text=text, display_name="Laia", timezone="Europe/Lisbon")
        )
        return "\n".join(reply.plain_text for reply in replies)

    await say("/start")
    await say("Laia")
    await say("Teixits")
    assert "Suggested: Europe/Lisbon (Lisbon)." in await say("Tèxtil Innova")
    for answer in ["skip", "offers", "seeks", "skip", "no", "skip", "no"]:
        await say(answer)
    async with db.transaction() as session:
        member = await session.scalar(select(Member))
        assert member is not None and member.timezone == "Europe/Lisbon"


@pytest.mark.parametrize(
    ("language", "skip", "cancel", "stopped"),
    [
        ("es", "saltar", "cancelar", "Detenido."),
        ("fr", "passer", "annuler", "Arrêté."),
        ("ca", "omet", "cancel·la", "Aturat."),
        ("pt", "saltar", "cancelar", "Parado."),
    ],
)
async def test_skip_and_cancel_in_the_members_language_are_control_words_never_answers(
    db: Database, chat_as, language: str, skip: str, cancel: str, stopped: str
) -> None:
    chat = chat_as(f"member-{language}")
    await chat.say(f"/lang {language}")
    first = await chat.say("/start")
    assert f"'{skip}'" not in first and f"'{cancel}'" in first  # the hint names the reader's own words
    refused = await chat.say(skip)  # the name cannot be skipped, nor be the word "saltar"
    assert "(1/10)" not in refused and "(2/10)" not in refused
    await chat.say("Nom Cognom")
    await chat.say("Org")
    assert f"'{skip}'" in (moved := await chat.say(skip.upper()))  # the optional cluster is skipped
    assert "(4/10)" in moved
    assert stopped in await chat.say(cancel)
    async with db.transaction() as session:
        member = await session.scalar(select(Member))
        assert member is not None and member.name != skip and not member.onboarded
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 0


@pytest.mark.parametrize("invisible", ["\u200b\u200b", "\u3164", "\u2060 \u200d \ufeff", "\u2800"])
async def test_a_name_of_only_invisible_characters_is_refused(db: Database, chat_as, invisible: str) -> None:
    chat = chat_as("ghost")
    await chat.say("/start")
    refused = await chat.say(invisible)
    assert "I can't see any letters in that name" in refused
    assert "Which organisation" in await chat.say("Marta\u200b")
    assert "I can't see any letters" in await chat.say("/profile set name \u200b")
    assert (await answers_so_far(db))["name"] == "Marta"


async def test_email_and_consent_are_in_mydata_and_gone_after_forget(db: Database, chat_as) -> None:
    chat = chat_as("rita")
    await say_all(chat, "/start", "Rita", "Org", "skip", "skip", "offers", "seeks", "skip", "no")
    assert "does not look like an e-mail" in await chat.say("rita at example")
    await chat.say("rita@example.org")
    await chat.press("yes")
    await chat.say("/mydata")
    [export] = [reply.attachment for reply in chat.last if reply.attachment]
    assert export is not None
    exported = json.dumps(json.loads(export.content))
    assert '"email": "rita@example.org"' in exported and '"share_contact": true' in exported

    await erase_through_the_button(chat)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Member).where(Member.email != "")) == 0


@pytest.mark.parametrize(
    ("country", "region", "zone", "city"),
    [
        ("Spain", "Catalonia", "Europe/Madrid", "Madrid"),
        ("Spain", "Canary Islands", "Atlantic/Canary", "Canaries"),
        ("España", "Canarias", "Atlantic/Canary", "Canaries"),
        ("Portugal", "Norte", "Europe/Lisbon", "Lisbon"),
        ("Portugal", "Açores", "Atlantic/Azores", "Azores"),
        ("France", "Pays de la Loire", "Europe/Paris", "Paris"),
    ],
)
async def test_the_zone_suggested_follows_the_clusters_country_and_its_region(
    db: Database, chat_as, country: str, region: str, zone: str, city: str
) -> None:
    await add_cluster(db, "Home Cluster", region, country, ["textiles"])
    chat = chat_as("newcomer", platform="telegram")
    await say_all(chat, "/start", "Nova Pessoa", "Nova SL")
    assert f"Suggested: {zone} ({city})." in await chat.press("Home Cluster")
    assert chat.buttons[0] == (city, zone)
