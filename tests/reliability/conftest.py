"""What the reliability tests share: a small seeded network, a fingerprint of the whole store, an
assistant that remembers why it refused, and the checks every reply must pass on each platform.

The tests here attack the bot, so they judge it by what a person would see: a reply that renders
on Telegram and Slack, never the apology of the bug path, and a store that a refused command left
exactly as it was.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.slack_render import FIELDS_PER_SECTION, ITEM_BLOCK, long_payloads, render_reply
from bot.telegram_render import MESSAGE_LIMIT, command_span, keyboard, render_text, size
from core.errors import UserError
from core.types import Incoming, Item, Reply
from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from handlers.engine.context import Context
from store.db import Database
from store.models import (
    Announcement,
    Base,
    Cluster,
    Conversation,
    Event,
    Follow,
    Identity,
    Introduction,
    Member,
    Opportunity,
    Organisation,
    Rsvp,
)
from tests.conftest import Clock
from tests.fakes.slack_api import validate_message
from tests.fakes.telegram_rules import check_keyboard, message_text, parse_html

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PLATFORMS = ("console", "telegram", "slack")
BUG_PATH = "Something went wrong (ref"
UNAVAILABLE = "temporarily unavailable"


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who chats with the bot, with an identity on each platform."""

    handle: str
    name: str
    telegram_id: int
    coordinator: bool = False

    def address(self, platform: str) -> tuple[str, str]:
        """(user id, private chat id) on `platform`."""
        if platform == "telegram":
            return str(self.telegram_id), str(self.telegram_id)
        if platform == "slack":
            return f"U0{self.handle.upper()}", f"D0{self.handle.upper()}"
        return self.handle, self.handle

    def says(self, text: str, platform: str = "console", **options: Any) -> Incoming:
        user_id, chat_id = self.address(platform)
        return Incoming(platform, user_id, chat_id, text=text, display_name=self.name, **options)

    def presses(self, payload: str, platform: str = "console", **options: Any) -> Incoming:
        user_id, chat_id = self.address(platform)
        return Incoming(platform, user_id, chat_id, payload=payload, display_name=self.name, **options)


ANA = Person("ana", "Ana Puig", 1001)
BEN = Person("ben", "Ben Costa", 1002)
CORA = Person("cora", "Cora Vidal", 1003, coordinator=True)
NEWBIE = Person("newbie", "Nou Vingut", 1004)  # half-way through onboarding on every platform
PEOPLE = (ANA, BEN, CORA, NEWBIE)


@dataclass(frozen=True, slots=True)
class Seeded:
    """The ids of what `seed` wrote, so tests can aim at real rows (or just past them)."""

    members: dict[str, int]
    open_event: int  # capacity 3; Ana is going
    full_event: int  # capacity 1; Cora has the place, Ben waits
    cancelled_event: int
    past_event: int
    opportunity: int  # posted by Ana; Ben follows it
    introduction: int  # Ben asked to meet Ana; only Ana may answer
    announcement: int  # Cora's draft to everyone


async def seed(db: Database, now: datetime = NOW) -> Seeded:
    """A little network with something of each kind, owned by different people."""
    async with db.transaction() as session:
        textile = Cluster(name="Tèxtil Innova", region="Catalonia", country="Spain", sectors=["textile"])
        porto = Cluster(name="Porto Têxtil", region="Norte", country="Portugal", sectors=["textile"])
        session.add_all([textile, porto])
        await session.flush()
        organisation = Organisation(name="Teixits Puig", cluster_id=textile.id, country="Spain")
        session.add(organisation)
        await session.flush()
        members: dict[str, int] = {}
        for person in PEOPLE:
            member = Member(
                name=person.name,
                cluster_id=textile.id if person is not BEN else porto.id,
                organisation_id=organisation.id if person is ANA else None,
                offers="recycled polyester finishing" if person is ANA else "smart textile pilots",
                seeks="partners",
                tags=["recycling", "smart textiles"],
                languages=["en"],
                listed=person is not NEWBIE,
                onboarded=person is not NEWBIE,
                is_coordinator=person.coordinator,
                reminder_offsets=["24h", "1h"],
                created_at=now,
                updated_at=now,
                # Seen on joining, as `identify` records it, so a first refused message writes nothing.
                last_seen_at=now,
            )
            session.add(member)
            await session.flush()
            members[person.handle] = member.id
            for platform in PLATFORMS:
                user_id, chat_id = person.address(platform)
                session.add(
                    Identity(
                        member_id=member.id,
                        platform=platform,
                        user_id=user_id,
                        chat_id=chat_id,
                        display_name=person.name,
                        created_at=now,
                    )
                )
                if person is NEWBIE:
                    session.add(
                        Conversation(
                            platform=platform,
                            user_id=user_id,
                            flow="onboarding",
                            step=2,
                            answers={"name": "Nou", "organisation": "Nou SL"},
                            updated_at=now,
                        )
                    )

        def event(title: str, starts_in: timedelta, **fields: Any) -> Event:
            return Event(
                title=title,
                kind="b2b_session",
                starts_at=now + starts_in,
                ends_at=now + starts_in + timedelta(hours=3),
                timezone="Europe/Madrid",
                place="Porto",
                tags=["b2b"],
                created_at=now,
                updated_at=now,
                **fields,
            )

        events = [
            event("B2B session <Porto> & co", timedelta(days=10), capacity=3),
            event("Learning visit *Terrassa*", timedelta(days=12), capacity=1),
            event("Cancelled fair", timedelta(days=5), cancelled=True),
            event("Last year's fair", timedelta(days=-30)),
        ]
        session.add_all(events)
        await session.flush()
        open_event, full_event = events[0].id, events[1].id
        session.add_all(
            [
                Rsvp(member_id=members["ana"], event_id=open_event, status="going", updated_at=now),
                Rsvp(member_id=members["cora"], event_id=full_event, status="going", updated_at=now),
                Rsvp(member_id=members["ben"], event_id=full_event, status="waitlisted", updated_at=now),
            ]
        )
        opportunity = Opportunity(
            kind="partner_search",
            title="Partner for smart-textile pilot",
            description="We look for <b>finishing</b> & dyeing partners.",
            tags=["smart textiles"],
            deadline=now + timedelta(days=40),
            posted_by=members["ana"],
            status="open",
            created_at=now,
            updated_at=now,
        )
        session.add(opportunity)
        await session.flush()
        session.add(Follow(member_id=members["ben"], opportunity_id=opportunity.id, created_at=now))
        introduction = Introduction(
            requester_id=members["ben"], target_id=members["ana"], status="requested", created_at=now
        )
        announcement = Announcement(
            author_id=members["cora"],
            text="The Porto agenda is out.",
            segment_kind="everyone",
            status="draft",
            recipients=len(PEOPLE),
            created_at=now,
        )
        session.add_all([introduction, announcement])
        await session.flush()
        return Seeded(
            members,
            open_event,
            full_event,
            events[2].id,
            events[3].id,
            opportunity.id,
            introduction.id,
            announcement.id,
        )


async def wipe(db: Database) -> None:
    """Every row gone and ids starting from 1 again, so a re-seeded store is the same store."""
    tables = Base.metadata.sorted_tables
    async with db.engine.begin() as connection:
        if db.is_sqlite:
            for table in reversed(tables):
                await connection.execute(table.delete())
        else:
            names = ", ".join(f'"{table.name}"' for table in tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


async def fingerprint(db: Database) -> dict[str, str]:
    """A digest of every row of every table: equal fingerprints, equal stores.

    One query reads every table (each row as text, in key order): the hostile-input tests take a
    fingerprint after each of hundreds of messages, and a query a table made that most of their time.
    """
    tables = Base.metadata.sorted_tables
    dump = _dumped_table_pg if not db.is_sqlite else _dumped_table_sqlite
    async with db.engine.connect() as connection:
        rows = await connection.execute(text(" UNION ALL ".join(dump(table) for table in tables)))
        return {
            name: f"{count}:{hashlib.sha256(dumped.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"
            for name, count, dumped in rows
        }


def _dumped_table_sqlite(table: Any) -> str:
    """Every value with its type and every byte (hex() keeps what follows a NUL), a row a line."""
    row = " || ',' || ".join(f'typeof("{c.name}") || \':\' || hex("{c.name}")' for c in table.columns)
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    return (
        f"SELECT * FROM (SELECT '{table.name}', count(*), coalesce(group_concat(r, char(10)), '') "
        f'FROM (SELECT {row} AS r FROM "{table.name}" ORDER BY {order}))'
    )


def _dumped_table_pg(table: Any) -> str:
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    return (
        f"SELECT '{table.name}', count(*), coalesce(string_agg(t::text, E'\\n' ORDER BY {order}), '') "
        f'FROM "{table.name}" AS t'
    )


class ObservedAssistant(Assistant):
    """The real assistant, remembering whether it refused the last message and why.

    A refusal is a `UserError` (usage, not allowed, not found) or an unknown command word: the two
    answers after which the store must be exactly as it was.
    """

    def __init__(self, db: Database, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(db, build_router(), build_flows(), clock=clock or Clock(NOW))
        self.refusal: UserError | None = None
        self.unknown_word: str | None = None
        answer_unknown = self.router.unknown

        def unknown(word: str, ctx: Context) -> Reply:
            self.unknown_word = word
            return answer_unknown(word, ctx)

        self.router.unknown = unknown  # type: ignore[method-assign]

    @property
    def refused(self) -> bool:
        return self.refusal is not None or self.unknown_word is not None

    async def respond(self, msg: Incoming) -> list[Reply]:
        self.refusal, self.unknown_word = None, None
        return await super().respond(msg)

    async def _route(self, ctx: Context, text: str) -> list[Reply]:
        try:
            return await super()._route(ctx, text)
        except UserError as error:
            self.refusal = error
            raise


class CrashLog(logging.Handler):
    """Keeps the tracebacks the assistant logs on its bug path, to show in a failing assertion."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))

    def last(self) -> str:
        """The exception line first, then the end of its traceback."""
        return f"{self.last_error()}\n{self.records[-1][-3000:]}" if self.records else "(nothing logged)"

    def last_error(self) -> str:
        """The exception line of the last traceback logged."""
        return self.records[-1].splitlines()[-1][:300] if self.records else "(nothing logged)"


@pytest.fixture
def crash_log() -> Iterator[CrashLog]:
    handler = CrashLog()
    logger = logging.getLogger("handlers.engine.assistant")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database for tests that run their own event loop (hypothesis)."""
    if request.param == "sqlite":
        path = tmp_path / "reliability.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str | None = request.getfixturevalue("postgres_database")
    if url is None:
        pytest.skip("PostgreSQL not configured (set CLUSTERBOT_TEST_POSTGRES_URL)")
    return url


def compact(text: str) -> str:
    """Text without whitespace: where a long line is cut, the whitespace at the cut may go."""
    return "".join(text.split())


def shown_text(reply: Reply, command_prefix: str = "/") -> str:
    return "".join(
        command_prefix + span.text.strip().removeprefix("/") if span.style == "command" else span.text
        for span in reply.spans
    )


async def check_telegram(reply: Reply) -> None:
    """Every chunk is HTML Telegram accepts within 4096 UTF-16 units (its plain fallback too), the
    markup is only ours, and the person reads exactly the text the handler wrote."""
    chunks = render_text(reply.spans)
    for chunk in chunks:
        assert size(chunk.html) <= MESSAGE_LIMIT, f"{size(chunk.html)} UTF-16 units of HTML"
        _text, entities = message_text(chunk.html, "HTML")
        message_text(chunk.plain, None)
        assert {entity["type"] for entity in entities} <= {"bold", "italic", "code", "text_link"}
    shown = compact("".join(parse_html(chunk.html)[0] for chunk in chunks))
    written = (command_span(s.text).text if s.style == "command" else s.text for s in reply.spans)
    assert shown == compact("".join(written))
    if reply.buttons:
        assert chunks, "buttons need a message to hang from"

        async def keep(_payload: str) -> str:
            return "K" * 16

        markup = await keyboard(reply.buttons, keep)
        assert markup is not None
        check_keyboard(markup.to_dict())


_SLACK_LINK = re.compile(r"<(?:https?://|mailto:)[^|<>]*\|[^<>]*>")
_BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")
_MRKDWN_MARKERS = str.maketrans("", "", "*_`'")


def _unescape(mrkdwn: str) -> str:
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def check_slack(reply: Reply) -> None:
    """Messages Slack accepts (blocks, lengths), with `&`, `<` and `>` of user text escaped, so a
    profile can never ping `<!channel>`; without links, the words are exactly the handler's."""
    values = {payload: f"key{n}" for n, payload in enumerate(long_payloads([reply]))}
    sections: list[str] = []
    items: dict[int, list[str]] = {}
    for message in render_reply(reply, values):
        validate_message({"text": message.text, "blocks": message.blocks})
        for block in message.blocks:
            if block["type"] != "section":
                continue
            texts = [block["text"]["text"], *(field["text"] for field in block.get("fields", []))]
            for mrkdwn in texts:
                outside_links = _SLACK_LINK.sub("", mrkdwn)
                assert "<" not in outside_links and ">" not in outside_links, mrkdwn[:300]
                assert not _BARE_AMPERSAND.search(outside_links), mrkdwn[:300]
            if str(block.get("block_id", "")).startswith(ITEM_BLOCK):
                items[int(block["block_id"].removeprefix(ITEM_BLOCK))] = texts
            else:
                sections.append(block["text"]["text"])
    assert sorted(items) == list(range(len(reply.items)))
    for index, item in enumerate(reply.items):
        check_slack_item(item, items[index])
    if any(span.style == "link" for span in reply.spans):
        return
    shown = compact(_unescape("".join(sections))).translate(_MRKDWN_MARKERS)
    outside = [
        span for n, span in enumerate(reply.spans) if not any(i.first <= n < i.last for i in reply.items)
    ]
    expected = compact(shown_text(Reply(spans=tuple(outside)), "/cluster ")).translate(_MRKDWN_MARKERS)
    assert shown == expected


def check_slack_item(item: Item, shown: list[str]) -> None:
    """An item shows its title and labelled fields, each whole or cut with "…" (at most ten)."""
    written = [item.title + item.subtitle, *(label + value for label, value in item.fields if value.strip())]
    assert len(shown) == min(len(written), 1 + FIELDS_PER_SECTION)
    for got, wanted in zip(shown, written, strict=False):
        got, wanted = (compact(_unescape(text)).translate(_MRKDWN_MARKERS) for text in (got, wanted))
        assert got == wanted or (got.endswith("…") and wanted.startswith(got[:-1])), (got[:300], wanted[:300])


async def check_renders(replies: list[Reply]) -> None:
    for reply in replies:
        await check_telegram(reply)
        check_slack(reply)
