"""What members type is checked, never cut: limits are told, languages recognised, promises true."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.importing import import_file
from store.db import Database
from store.models import Event, Member, Opportunity
from tests.conftest import Clock
from tests.factories import add_event, add_member, make_coordinator


async def member_row(db: Database, member_id: int) -> Member:
    async with db.transaction() as session:
        member = await session.get(Member, member_id)
        assert member is not None
        return member


async def test_going_with_reminders_off_does_not_promise_a_reminder(
    db: Database, clock: Clock, chat_as
) -> None:
    event_id = await add_event(db, clock.now, "B2B session Porto", starts_in=timedelta(days=3))
    marta = chat_as("marta")
    await marta.say("/settings reminders off")

    answer = await marta.say(f"/going {event_id}")

    assert "I'll remind you" not in answer
    assert (
        "Your event reminders are off, so I won't remind you; /settings reminders 24h,1h turns them on."
        in answer
    )
    await marta.say("/settings reminders 24h")
    assert "I'll remind you before it starts." in await marta.say(f"/going {event_id}")


async def test_a_bio_title_or_tag_past_its_limit_is_refused_with_the_limit_and_nothing_saved(
    db: Database, clock: Clock, chat_as
) -> None:
    member_id = await add_member(db, clock.now, "Marta Ferrer", handle="marta", bio="Weaver.")
    marta = chat_as("marta")

    answer = await marta.say("/profile set bio " + "word " * 500)

    assert "bio is 2499 characters long, and at most 2000 fit. Nothing was saved." in answer
    assert (await member_row(db, member_id)).bio == "Weaver."
    assert "at most 60 fit" in await marta.say("/profile set interests recycling, " + "x" * 61)
    assert "interests: 21 given, and at most 20 fit" in await marta.say(
        "/profile set interests " + ", ".join(f"tag{n}" for n in range(21))
    )
    assert (await member_row(db, member_id)).tags == []
    await make_coordinator(db, "marta")
    refused = await marta.say(f'/event add title="{"T" * 301}" start="2027-01-20 10:00"')
    assert "title is 301 characters long, and at most 300 fit." in refused
    async with db.transaction() as session:
        assert (await session.scalars(select(Event))).all() == []


async def test_languages_are_known_languages_named_in_any_of_our_languages(
    db: Database, clock: Clock, chat_as
) -> None:
    member_id = await add_member(db, clock.now, "Marta Ferrer", handle="marta", languages=["ca"])
    marta = chat_as("marta")

    refused = await marta.say("/profile set languages catalan, klingon")

    assert "I don't know the language 'klingon'." in refused
    assert (await member_row(db, member_id)).languages == ["ca"]
    assert "Saved" in await marta.say("/profile set languages Català, anglais, Portuguese, es")
    assert (await member_row(db, member_id)).languages == ["ca", "en", "pt", "es"]

    typo = await marta.say("/profile set languages english, frnch")

    assert "I don't know the language 'frnch'. Did you mean one of these?" in typo
    assert ("French", "/profile set languages en, fr") in marta.buttons


async def test_a_title_one_character_over_its_column_is_refused_alike_in_chat_forms_flows_and_imports(
    db: Database, clock: Clock, chat_as, tmp_path: Path
) -> None:
    limit = Event.__table__.c.title.type.length
    assert limit == Opportunity.__table__.c.title.type.length
    title = "T" * (limit + 1)
    said = f"{limit + 1} characters long, and at most {limit} fit. Nothing was saved."
    await add_member(db, clock.now, "Marta Ferrer", handle="marta")
    await make_coordinator(db, "marta")
    marta = chat_as("marta")

    assert f"title is {said}" in await marta.say(f'/event add title="{title}" start="2027-01-20 10:00"')
    assert f"title is {said}" in await marta.say(f'/post kind=offer title="{title}"')
    await marta.say("/post")
    await marta.press("offer")
    assert f"Your answer is {said}" in await marta.say(title)
    await marta.say("/cancel")

    events, opportunities = tmp_path / "events.csv", tmp_path / "opportunities.csv"
    events.write_text(
        f"id,title,start,timezone\ne1,{title},2027-01-20 10:00,Europe/Madrid\n", encoding="utf-8"
    )
    opportunities.write_text(f"id,kind,title\no1,offer,{title}\n", encoding="utf-8")
    for kind, path in (("events", events), ("opportunities", opportunities)):
        outcome = await import_file(
            db, kind, path, now=clock.now, default_timezone="UTC", show_progress=False
        )
        assert [(r.line, r.column, r.reason) for r in outcome.rejected] == [
            (2, "title", f"is {limit + 1} characters long, and at most {limit} fit")
        ]
    async with db.transaction() as session:
        assert (await session.scalars(select(Event))).all() == []
        assert (await session.scalars(select(Opportunity))).all() == []
