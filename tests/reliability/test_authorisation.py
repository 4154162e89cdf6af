"""Who may do what: staff commands are refused to members, and nobody acts on another's behalf.

A button only carries a command line, and every command acts as the person who sent it. So the
proof is behavioural: a member who types or presses every staff command is refused and nothing
changes; a member who presses another person's buttons, or forges their payloads, changes only
rows that are their own.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.errors import NotAllowed
from handlers.engine.commands import build_router
from handlers.engine.router import Command
from store.db import Database
from store.models import Announcement, Base, Event, Introduction, Opportunity, Rsvp
from tests.reliability.conftest import (
    ANA,
    BEN,
    CORA,
    PLATFORMS,
    ObservedAssistant,
    Person,
    Seeded,
    fingerprint,
    seed,
)

STAFF_COMMANDS = [c for c in build_router().commands.values() if c.role != "member"]
ADMIN_COMMANDS = [c for c in STAFF_COMMANDS if c.role == "admin"]
# Columns that say whose a row is; a member may change only rows that are theirs.
OWNER_COLUMNS = ("member_id", "posted_by", "requester_id", "author_id", "actor_id", "created_by")
# Long button payloads kept for any platform: shared plumbing, nobody's data.
SHARED_TABLES = {"button_payloads"}

Rows = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


@pytest.fixture
async def seeded(db: Database) -> Seeded:
    return await seed(db)


@pytest.mark.parametrize("command", STAFF_COMMANDS, ids=lambda c: c.name)
@pytest.mark.parametrize("pressed", [False, True], ids=["typed", "pressed"])
async def test_a_member_is_refused_every_staff_command_and_nothing_changes(
    db: Database, seeded: Seeded, command: Command, pressed: bool
) -> None:
    assistant = ObservedAssistant(db)
    before = await fingerprint(db)
    line = f"/{command.example}"

    for platform in PLATFORMS:
        message = BEN.presses(line, platform) if pressed else BEN.says(line, platform)
        replies = await assistant.respond(message)

        assert isinstance(assistant.refusal, NotAllowed), (platform, [r.plain_text for r in replies])
        assert f"'{command.name}' is for {command.role}s only." in replies[0].plain_text
    assert await fingerprint(db) == before


@pytest.mark.skipif(not ADMIN_COMMANDS, reason="no admin-only command is registered")
@pytest.mark.parametrize("command", ADMIN_COMMANDS or [None], ids=lambda c: getattr(c, "name", "none"))
async def test_a_coordinator_is_refused_every_admin_command(
    db: Database, seeded: Seeded, command: Command
) -> None:
    assistant = ObservedAssistant(db)
    before = await fingerprint(db)

    await assistant.respond(CORA.says(f"/{command.example}"))

    assert isinstance(assistant.refusal, NotAllowed)
    assert await fingerprint(db) == before


async def test_help_shows_members_no_staff_command(db: Database, seeded: Seeded) -> None:
    assistant = ObservedAssistant(db)

    [overview] = await assistant.respond(BEN.says("/help"))

    listed = [line.partition(" — ")[0] for line in overview.plain_text.splitlines()]
    assert not [command.usage for command in STAFF_COMMANDS if command.usage in listed]
    for command in STAFF_COMMANDS:
        [details] = await assistant.respond(BEN.says(f"/help {command.word}"))
        assert f"Usage: {command.usage}" not in details.plain_text


async def buttons_of(assistant: ObservedAssistant, person: Person, lines: list[str]) -> list[str]:
    """Every button payload `person` is shown while using the bot with `lines`."""
    payloads = []
    for line in lines:
        for reply in await assistant.respond(person.says(line)):
            payloads += [button.payload for row in reply.buttons for button in row]
    return payloads


def forged_payloads(seeded: Seeded) -> list[str]:
    """Payloads Ben was never given, aimed at Ana's and Cora's rows."""
    return [
        f"/intro accept {seeded.introduction}",
        f"/intro decline {seeded.introduction}",
        f"/opportunity close {seeded.opportunity}",
        f"/opportunity edit {seeded.opportunity} title=Pwned deadline=2027-01-01",
        f"/announce confirm {seeded.announcement}",
        f"/announce discard {seeded.announcement}",
        f"/event cancel {seeded.open_event}",
        f'/event edit {seeded.open_event} title=Pwned start="2027-02-01 10:00"',
        f"/notgoing {seeded.open_event}",
        f"/going {seeded.full_event}",
        f"/unfollow {seeded.opportunity}",
    ]


async def rows(db: Database) -> Rows:
    found: Rows = {}
    async with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            result = await connection.execute(select(table))
            keys = [column.name for column in table.primary_key.columns]
            found[table.name] = {
                tuple(row[key] for key in keys): dict(row) for row in result.mappings().all()
            }
    return found


def owned_by(table: str, row: dict[str, Any], member_id: int, user_ids: set[str]) -> bool:
    if table == "members":
        return row["id"] == member_id
    if table == "conversations":
        return row["user_id"] in user_ids
    owners = [row[column] for column in OWNER_COLUMNS if column in row]
    return bool(owners) and all(owner == member_id for owner in owners)


async def test_a_member_pressing_others_buttons_changes_only_their_own_rows(
    db: Database, seeded: Seeded
) -> None:
    assistant = ObservedAssistant(db)
    anas = await buttons_of(
        assistant,
        ANA,
        [
            "/events",
            f"/event {seeded.open_event}",
            f"/event {seeded.full_event}",
            f"/opportunity {seeded.opportunity}",
            f"/follow {seeded.opportunity}",
            '/post kind=offer title="Ana\'s finishing line"',
            # Only Ana matches both words: her own card, so no button (Ben pressing "Introduce me to
            # Cora" would be his own request, which does write to Cora's outbox).
            "/find recycled polyester",
            "/start",
            "/profile",
            "/settings",
        ],
    )
    coras = await buttons_of(
        assistant, CORA, ["/announce everyone Porto agenda", f"/event {seeded.open_event}"]
    )
    pressed = [*anas, *coras, *forged_payloads(seeded)]
    assert len(pressed) > 20
    before = await rows(db)

    for platform in PLATFORMS:
        for payload in pressed:
            await assistant.respond(BEN.presses(payload, platform))

    after = await rows(db)
    ben = seeded.members["ben"]
    ben_user_ids = {BEN.address(platform)[0] for platform in PLATFORMS}
    trespass = [
        (table, key, before[table].get(key), after[table].get(key))
        for table in after
        if table not in SHARED_TABLES
        for key in before[table].keys() | after[table].keys()
        if before[table].get(key) != after[table].get(key)
        and not all(
            owned_by(table, row, ben, ben_user_ids)
            for row in (before[table].get(key), after[table].get(key))
            if row is not None
        )
    ]
    assert not trespass, trespass
    async with db.transaction() as session:
        ana_rsvp = await session.scalar(
            select(Rsvp.status).where(
                Rsvp.member_id == seeded.members["ana"], Rsvp.event_id == seeded.open_event
            )
        )
        opportunity = await session.get(Opportunity, seeded.opportunity)
        introduction = await session.get(Introduction, seeded.introduction)
        announcement = await session.get(Announcement, seeded.announcement)
        event = await session.get(Event, seeded.open_event)
        assert ana_rsvp == "going"
        assert opportunity is not None and (opportunity.status, opportunity.title) == (
            "open",
            "Partner for smart-textile pilot",
        )
        assert introduction is not None and introduction.status == "requested"
        assert announcement is not None and announcement.status == "draft"
        assert event is not None and not event.cancelled and event.title == "B2B session <Porto> & co"


async def test_a_confirmation_button_works_only_for_the_person_it_was_shown_to(
    db: Database, seeded: Seeded
) -> None:
    assistant = ObservedAssistant(db)
    shown = [
        *await buttons_of(assistant, ANA, ["/forget"]),
        *await buttons_of(
            assistant, CORA, ["/announce everyone Porto agenda", f"/event cancel {seeded.open_event}"]
        ),
    ]
    confirmations = [payload for payload in shown if payload.startswith("/confirm ")]
    assert len(confirmations) == 3
    before = await fingerprint(db)

    for platform in PLATFORMS:
        for payload in confirmations:
            [refusal] = await assistant.respond(BEN.presses(payload, platform))
            assert "This button was meant for someone else" in refusal.plain_text

    assert await fingerprint(db) == before


async def test_typing_what_a_confirmation_button_confirms_only_asks_again(
    db: Database, seeded: Seeded
) -> None:
    assistant = ObservedAssistant(db)
    before = await fingerprint(db)

    for person, line in (
        (ANA, "/forget confirm"),
        (CORA, f"/announce confirm {seeded.announcement}"),
        (CORA, f"/event cancel {seeded.open_event}"),
    ):
        [prompt] = await assistant.respond(person.says(line))
        assert any(b.payload.startswith("/confirm ") for row in prompt.buttons for b in row), line

    after = await fingerprint(db)
    assert {t: d for t, d in after.items() if t != "confirmations"} == {
        t: d for t, d in before.items() if t != "confirmations"
    }
