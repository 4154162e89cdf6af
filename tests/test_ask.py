"""Plain sentences: small talk gets one line and a hint; a question searches everything; the long
help only on `help`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from store.db import Database
from store.models import Identity
from tests.factories import add_cluster, add_event, add_member, add_opportunity

HELP_HEADING = "What I can do"


async def seed(db: Database, now) -> None:
    await add_member(db, now, "Quim Bosch", offers="Recycled-polyester finishing and dyeing trials")
    await add_member(db, now, "Ingrid Berg", offers="Offshore wind maintenance robots")
    await add_event(
        db,
        now,
        "Lab visit: recycled-polyester dyeing",
        starts_in=timedelta(days=9),
        tags=["recycled polyester"],
    )
    await add_event(db, now, "Offshore wind day", starts_in=timedelta(days=5))
    await add_opportunity(db, now, "Free trial runs on our recycled polyester line", tags=["dyeing"])
    await add_opportunity(db, now, "Robots for wind blade inspection")


@pytest.mark.parametrize(
    ("language", "said", "answer"),
    [
        ("en", "thanks", "You're welcome!"),
        ("en", "Hello!", "Hello, someone!"),
        ("es", "hola", "¡Hola, someone!"),
        ("fr", "merci", "De rien !"),
        ("pt", "obrigado", "De nada!"),
        ("ca", "gràcies", "De res!"),
        ("fr", "d'accord", "👍 Demandez-moi"),
    ],
)
async def test_small_talk_gets_one_line_and_a_hint_in_the_members_language(
    chat_as, language: str, said: str, answer: str
) -> None:
    chat = chat_as("someone")
    await chat.say(f"/lang {language}")

    reply = await chat.say(said)

    assert reply.startswith(answer)
    assert HELP_HEADING not in reply and len(reply.splitlines()) == 1
    assert "/help" in reply


async def member_id(db: Database, user: str) -> int:
    async with db.transaction() as session:
        found = await session.scalar(select(Identity.member_id).where(Identity.user_id == user))
    assert found is not None
    return found


async def test_a_question_finds_members_events_and_opportunities_with_buttons(
    db: Database, clock, chat_as
) -> None:
    await seed(db, clock.now)
    chat = chat_as("someone")

    reply = await chat.say("who works on recycled polyester?")

    assert HELP_HEADING not in reply
    assert "Members\n• Quim Bosch" in reply and "Ingrid Berg" not in reply
    assert "Events\n• #1 Lab visit: recycled-polyester dyeing" in reply and "Offshore wind day" not in reply
    assert "Opportunities\n• #1 Free trial runs on our recycled polyester line" in reply
    assert "Robots for wind blade" not in reply
    # The event's and opportunity's buttons act only for the member they were shown to (`for:`).
    shown_to = f" for:{await member_id(db, 'someone')}"
    assert [payload for _, payload in chat.buttons] == [
        "/introduce #1",
        f"/event 1{shown_to}",
        f"/opportunity 1{shown_to}",
    ]
    [label] = [label for label, payload in chat.buttons if payload == f"/opportunity 1{shown_to}"]
    assert "Free trial runs" in await chat.tap(label)


async def test_a_question_in_spanish_is_answered_in_spanish(db: Database, clock, chat_as) -> None:
    await seed(db, clock.now)
    chat = chat_as("someone")
    await chat.say("/lang es")

    reply = await chat.say("¿Quién trabaja con robots?")

    assert "Miembros\n• Ingrid Berg" in reply and "Quim Bosch" not in reply
    assert "Oportunidades\n• #2 Robots for wind blade inspection" in reply


async def test_a_place_named_in_a_question_filters_members_by_place(db: Database, clock, chat_as) -> None:
    loire = await add_cluster(db, "Ligéris", "Pays de la Loire", "France", ["robotics"])
    catalonia = await add_cluster(db, "TEXCAT", "Catalonia", "Spain", ["textiles"])
    await add_member(db, clock.now, "Hélène Moreau", cluster_id=loire, offers="Collaborative robots")
    await add_member(db, clock.now, "Xavier Vila", cluster_id=catalonia, offers="Collaborative robots")

    reply = await chat_as("someone").say("Who makes collaborative robots in Nantes?")

    assert "Hélène Moreau" in reply and "Xavier Vila" not in reply


async def test_a_pasted_page_is_answered_from_its_first_words(db: Database, clock, chat_as) -> None:
    await seed(db, clock.now)
    page = "recycled polyester " + " ".join(f"word{n}" for n in range(800))

    reply = await chat_as("someone").say(page)

    assert "Something went wrong" not in reply and HELP_HEADING not in reply


async def test_a_question_that_finds_nothing_says_so_in_one_line(db: Database, clock, chat_as) -> None:
    await seed(db, clock.now)

    reply = await chat_as("someone").say("anyone doing bioplastic packaging?")

    assert reply.startswith("I found no member, event or opportunity about 'bioplastic packaging'.")
    assert HELP_HEADING not in reply


async def test_the_long_help_comes_only_on_help(chat_as) -> None:
    chat = chat_as("someone")
    assert HELP_HEADING in await chat.say("help")
    assert HELP_HEADING not in await chat.say("/nonsense")
