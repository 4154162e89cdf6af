"""A new person introduces themselves, one question at a time, and can stop and resume."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from store.db import Database
from store.models import Conversation, Member, Organisation
from tests.factories import add_cluster

ANSWERS = [
    "Marta Puig",
    "Teixits Vallès",
    "Tèxtil Innova",
    "Recycled-polyester finishing",
    "A partner for smart-textile sensors",
    "recycling, Smart Textiles",
    "yes",
]


async def test_new_member_is_listed_after_answering_every_question(db: Database, chat_as) -> None:
    await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textiles"])
    chat = chat_as("marta")
    first = await chat.say("/start")
    assert "What is your name?" in first
    for answer in ANSWERS[:-1]:
        await chat.say(answer)
    assert ("Yes, list me", "yes") in chat.buttons
    done = await chat.press("yes")
    assert "You're all set" in done

    async with db.transaction() as session:
        member = await session.scalar(select(Member))
        organisation = await session.scalar(select(Organisation))
        assert member is not None and organisation is not None
        assert (member.name, member.listed, member.onboarded) == ("Marta Puig", True, True)
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
    assert "(4/7)" in accepted


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
    for answer in ["Ana", "Org", "skip", "offers", "seeks", "skip"]:
        await chat.say(answer)
    assert "Please answer yes or no" in await chat.say("maybe")
    assert "You're all set" in await chat.say("no")
