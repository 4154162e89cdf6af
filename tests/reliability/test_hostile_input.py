"""Hostile input through `Assistant.respond`, the one door every platform uses.

Hypothesis writes the messages: arbitrary unicode with control and right-to-left characters,
100 KB arguments, markup of both platforms, SQL fragments, typos of real command words, key=value
forms, and button payloads nobody was ever given. For each one the bot must answer without taking
its bug path, every reply must render for Telegram and Slack within their limits with user text
escaped, and a refused command must leave the store exactly as it was.

Each example runs against a freshly seeded store (re-seeded only after a command changed it), so
an example means the same thing when hypothesis replays or shrinks it. Examples are derandomized
so CI sees the same ones on every run.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.types import ECHO_LIMIT, ChatKind, Incoming
from handlers.engine.commands import build_router
from handlers.event_admin import EVENT_FIELDS
from handlers.opportunities import FORM_FIELDS
from handlers.profile import FIELDS as PROFILE_FIELDS
from store.db import Database
from tests.reliability.conftest import (
    ANA,
    BEN,
    BUG_PATH,
    CORA,
    NEWBIE,
    PLATFORMS,
    UNAVAILABLE,
    CrashLog,
    ObservedAssistant,
    Person,
    Seeded,
    check_renders,
    fingerprint,
    seed,
    wipe,
)

EXAMPLES = int(os.environ.get("CLUSTERBOT_HOSTILE_EXAMPLES", "600"))
settings.register_profile(
    "hostile",
    deadline=None,
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
HOSTILE = settings.get_profile("hostile")
# PostgreSQL answers over a socket: fewer examples there, aimed at what differs (lengths, NUL, ints).
ON_POSTGRES = settings(HOSTILE, max_examples=max(EXAMPLES // 4, 50))

ROUTER = build_router()
COMMANDS = sorted(ROUTER.commands)
WORDS = ROUTER.words
STRANGER = Person("stranger", "", 1999)  # never wrote before: first contact creates them
SENDERS = (ANA, BEN, CORA, NEWBIE, STRANGER)

MARKUP = [
    "<b>", "</b>", "</a>", "<a href='javascript:alert(1)'>x</a>", "<i><b>", "<code>", "&", "&amp;",
    "&lt;", "&#0;", "&#x110000;", "&bogus;", "*", "_", "`", "```", "~", "*bold*", "_it_", "<!channel>",
    "<!here>", "<!everyone>", "<@U123>", "<#C123|general>", "<https://evil.example|click me>", "|",
    "\u202e", "\u200f", "\u200b", "\ufeff", "\x00", "\x07", "\x1b[31m", "\r\n", "\r", "\t", "\x0b",
    "\x1c", "\u2028", "🧵", "👩‍👩‍👧‍👦", "𝕏", "تكنولوجيا النسيج", "עברית", "Zoë", "ǅ", "İ", "ß",
]  # fmt: skip
SQL = [
    "' OR 1=1 --", "'; DROP TABLE members; --", '" OR ""="', "1; DELETE FROM rsvps", "%", "_%",
    "\\", "NULL", "null", "UNION SELECT * FROM identities", "1' AND sleep(5)#", "$1", "?", ":name",
]  # fmt: skip
NUMBERS = [
    "0", "-1", "1", "2", "3", "4", "5", "6", "#1", "#2", "999999", "2147483648", "9223372036854775808",
    "99999999999999999999999999", "1e9", "0x10", "1.5", "٣", "１", "nan", "∞", "+3", "03", " 1", "1_000",
]  # fmt: skip
FIELD_NAMES = sorted({*EVENT_FIELDS, *FORM_FIELDS, *PROFILE_FIELDS, "organisation", "cluster", "start"})
HUGE = 100_000


def near_misses(word: str) -> list[str]:
    """Every one-edit typo of `word`, plus the case and accent slips people make."""
    letters = "aeioustrnx"
    typos = {word.upper(), word.capitalize(), word + "s", word.replace("e", "é")}
    for i in range(len(word) + 1):
        typos.update(word[:i] + c + word[i:] for c in letters)
        if i < len(word):
            typos.add(word[:i] + word[i + 1 :])
            typos.update(word[:i] + c + word[i + 1 :] for c in letters)
        if i < len(word) - 1:
            typos.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    typos.discard(word)
    return sorted(typos)


TYPOS = sorted({typo for word in WORDS for typo in near_misses(word)})

printable_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
huge_text = st.sampled_from(["x", "é", "🧵", "<b>&", "<!channel> ", "' OR 1=1 -- ", "a b ", "\n"]).map(
    lambda piece: piece * (HUGE // len(piece))
)
# Longer than the store's columns (120 to 500 characters) yet far below a platform's message limit.
column_busting = st.integers(100, 6000).map(lambda n: "y" * n)
value = st.one_of(
    printable_text,
    column_busting,
    st.sampled_from(MARKUP + SQL + NUMBERS),
    st.lists(st.sampled_from(MARKUP + SQL), min_size=2, max_size=6).map("".join),
    st.integers(-(2**70), 2**70).map(str),
)
quoted = value.map(lambda v: '"' + v.replace('"', "") + '"')
key_value = st.builds(
    lambda key, v: f"{key}={v}", st.sampled_from([*FIELD_NAMES, "x", "", "=", "in:", "page:"]), value | quoted
)
argument = st.one_of(
    value, quoted, key_value, st.sampled_from(["'", '"', "add", "remove", "set", "everyone"])
)
short_arguments = st.lists(argument, max_size=6).map(" ".join)
huge_arguments = st.tuples(st.lists(argument, max_size=2), huge_text).map(lambda t: " ".join([*t[0], t[1]]))
# One in about twenty lines carries a 100 KB argument: each costs a second to render and check.
arguments = st.one_of(*[short_arguments] * 9, huge_arguments)
command_word = st.one_of(st.sampled_from(COMMANDS), st.sampled_from(TYPOS), st.sampled_from(WORDS))
command_line = st.builds(
    lambda prefix, word, args: f"{prefix}{word} {args}",
    st.sampled_from(["/", "/", "", " /", "//", "／"]),
    command_word,
    arguments,
)
# Button payloads: commands that were never offered, or offered to someone else.
forged = st.builds(
    lambda command, number: f"/{command} {number}",
    st.sampled_from(
        [
            "announce confirm", "announce discard", "announce status", "intro accept", "intro decline",
            "going", "notgoing", "ics", "event", "event cancel", "opportunity close", "follow",
            "unfollow", "introduce", "opportunity edit", "event edit",
        ]
    ),
    st.sampled_from(NUMBERS),
)  # fmt: skip
line = st.one_of(*[command_line] * 4, *[forged] * 2, printable_text, st.sampled_from(MARKUP + SQL))


@dataclass(frozen=True, slots=True)
class Message:
    """What a generated person did: typed a line or pressed a button carrying it."""

    sender: Person
    platform: str
    line: str
    pressed: bool
    chat_kind: ChatKind
    display_name: str

    def incoming(self) -> Incoming:
        user_id, chat_id = self.sender.address(self.platform)
        chat = chat_id if self.chat_kind == "private" else "G-shared"
        text, payload = ("", self.line) if self.pressed else (self.line, None)
        return Incoming(
            self.platform,
            user_id,
            chat,
            text,
            payload,
            self.chat_kind,
            self.display_name,  # type: ignore[arg-type]
        )


messages = st.builds(
    Message,
    sender=st.sampled_from(SENDERS),
    platform=st.sampled_from(PLATFORMS),
    line=line,
    pressed=st.booleans(),
    chat_kind=st.sampled_from(["private", "private", "group", "channel"]),
    display_name=st.one_of(*[st.just("Ana Puig")] * 4, printable_text, st.sampled_from(MARKUP), huge_text),
)


class SeededStore:
    """A seeded store and an assistant over it, re-seeded before an example if the last one changed it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.assistant = ObservedAssistant(db)
        self.clean: dict[str, str] = {}
        self.current: dict[str, str] = {}
        self.seeded: Seeded | None = None

    async def fresh(self) -> None:
        if self.current and self.current == self.clean:
            return
        await wipe(self.db)
        self.seeded = await seed(self.db)
        self.assistant = ObservedAssistant(self.db)  # its directory index starts afresh too
        self.clean = self.current = await fingerprint(self.db)

    async def check(self, message: Message, crash_log: CrashLog) -> None:
        logged = len(crash_log.records)
        replies = await self.assistant.respond(message.incoming())
        before, self.current = self.current, await fingerprint(self.db)
        assert len(crash_log.records) == logged, crash_log.last()  # the bug path, in any language
        for reply in replies:
            assert not reply.plain_text.startswith(BUG_PATH), crash_log.last()
            assert UNAVAILABLE not in reply.plain_text, "the database is up: nothing is unavailable"
        await check_renders(replies)
        if self.assistant.refused:
            # A first message is also a first contact: the stranger's own member row is expected.
            registered = {"members", "identities"} if message.sender is STRANGER else set()
            changed = sorted(t for t in before if before[t] != self.current[t] and t not in registered)
            assert not changed, f"refused ({self.assistant.refusal!r}) yet {changed} changed"


Run = Callable[[Coroutine[Any, Any, None]], None]


def run_examples(database_url: str, test: Callable[[SeededStore, Run], Callable[[], None]]) -> None:
    """Run a hypothesis test on one event loop that owns the database for the whole test."""
    with asyncio.Runner() as runner:
        store = SeededStore(Database(database_url))
        try:
            test(store, runner.run)()
        finally:
            runner.run(store.db.close())


def hostile_settings(database_url: str, share: int = 1) -> settings:
    chosen = HOSTILE if database_url.startswith("sqlite") else ON_POSTGRES
    return settings(chosen, max_examples=max(chosen.max_examples // share, 30))


def test_hostile_messages_get_answers_that_render_and_refusals_change_nothing(
    database_url: str, crash_log: CrashLog
) -> None:
    def examples(store: SeededStore, run: Run) -> Callable[[], None]:
        @hostile_settings(database_url)
        @given(message=messages)
        def check(message: Message) -> None:
            run(store.fresh())
            run(store.check(message, crash_log))

        return check

    run_examples(database_url, examples)


def test_conversations_of_hostile_messages_keep_every_answer_renderable(
    database_url: str, crash_log: CrashLog
) -> None:
    """Several messages in a row from one person: flows started, answered with junk, abandoned."""
    flow_words = st.sampled_from(["/start", "/post", "skip", "cancel", "/stop", "yes", "Tèxtil Innova"])

    def examples(store: SeededStore, run: Run) -> Callable[[], None]:
        @hostile_settings(database_url, share=5)
        @given(
            sender=st.sampled_from([ANA, NEWBIE, CORA]),
            platform=st.sampled_from(PLATFORMS),
            lines=st.lists(st.one_of(flow_words, line), min_size=2, max_size=6),
        )
        def check(sender: Person, platform: str, lines: list[str]) -> None:
            run(store.fresh())
            for text in lines:
                run(store.check(Message(sender, platform, text, False, "private", sender.name), crash_log))

        return check

    run_examples(database_url, examples)


def overlong_lines(seeded: Seeded) -> list[tuple[Person, str]]:
    """Every field of every form given a value longer than any column, and ids past any integer."""
    long, huge_number = "y" * 5000, "9" * 30
    lines = [(ANA, f"/profile set {field} {long}") for field in [*PROFILE_FIELDS, "organisation", "cluster"]]
    for field in FORM_FIELDS:
        lines.append((ANA, f"/post kind=offer title=Offer {field}={long}"))
        lines.append((ANA, f"/opportunity edit {seeded.opportunity} {field}={long}"))
        lines.append((CORA, f"/opportunity add kind=offer title=Offer {field}={long}"))
    for field in EVENT_FIELDS:
        lines.append((CORA, f'/event add title=Visit start="2027-01-20 10:00" {field}={long}'))
        lines.append((CORA, f"/event edit {seeded.open_event} {field}={long}"))
    for kind in ("cluster", "region", "country", "sector", "tag", "event"):
        lines.append((CORA, f"/announce {kind}:{long} Hello"))
    lines.append((CORA, f"/announce everyone {long}"))
    for word in ("interests add", "find", "events", "opportunities", "settings reminders", "start", "help"):
        lines.append((ANA, f"/{word} {long}"))
    numbered = sorted({c.name for c in ROUTER.commands.values() if "NUMBER" in c.usage or "_ID" in c.usage})
    lines += [(CORA, f"/{name} {huge_number}") for name in numbered]
    lines += [(ANA, f"/{name} {huge_number}") for name in numbered]
    return lines


def assert_no_failures(
    database_url: str, attack: Callable[[SeededStore], Coroutine[Any, Any, list[str]]]
) -> None:
    """Run one scripted attack on a seeded store of its own; it lists what went wrong."""
    with asyncio.Runner() as runner:
        store = SeededStore(Database(database_url))
        try:
            failures = runner.run(attack(store))
        finally:
            runner.run(store.db.close())
    assert not failures, "\n".join(failures)


def test_overlong_values_and_huge_numbers_in_every_field_never_take_the_bug_path(
    database_url: str, crash_log: CrashLog
) -> None:
    """PostgreSQL refuses a value longer than its column (SQLite keeps it): every field must be
    checked or cut by its handler, and every number checked before it reaches an integer column."""

    async def attack(store: SeededStore) -> list[str]:
        await store.fresh()
        assert store.seeded is not None
        failures = []
        for person, text in overlong_lines(store.seeded):
            logged = len(crash_log.records)
            try:
                await store.check(Message(person, "console", text, False, "private", person.name), crash_log)
            except AssertionError as error:
                why = (
                    crash_log.last_error() if len(crash_log.records) > logged else str(error).splitlines()[0]
                )
                failures.append(f"{person.handle}: {text[:60]}… -> {why}")
            await store.fresh()
        return failures

    assert_no_failures(database_url, attack)


def test_an_answer_never_echoes_more_than_a_short_piece_of_a_long_argument(database_url: str) -> None:
    """10,000 characters typed by mistake (or on purpose) come back as at most a short quote."""
    typed = "q" * 10_000
    lines = [f"/{typed}", f"/help {typed}", f"/profile set email {typed}@x.example"]
    for name in COMMANDS:
        lines += [f"/{name} {typed}", f"/{name} {typed}={typed}", f'/{name} x "{typed}"']

    async def attack(store: SeededStore) -> list[str]:
        failures = []
        for person in (ANA, CORA):
            for text in lines:
                await store.fresh()
                replies = await store.assistant.respond(person.says(text))
                store.current = await fingerprint(store.db)  # so that `fresh` re-seeds after a change
                runs = [len(run) for reply in replies for run in re.findall("q+", reply.plain_text)]
                longest = max(runs, default=0)
                if longest > ECHO_LIMIT:
                    failures.append(f"{person.handle}: {text[:40]}… echoed {longest} characters")
        return failures

    assert_no_failures(database_url, attack)


def test_unknown_names_bad_links_past_dates_and_overlong_texts_are_refused_and_change_nothing(
    database_url: str, crash_log: CrashLog
) -> None:
    """Nothing is guessed, cut or stored unchecked: each of these is a refusal that leaves the store."""

    async def attack(store: SeededStore) -> list[str]:
        await store.fresh()
        assert store.seeded is not None
        event, opportunity = store.seeded.open_event, store.seeded.opportunity
        lines = [
            (ANA, "/profile set cluster Nonexistent Cluster"),
            (ANA, "/profile set languages klingon"),
            (ANA, "/profile set bio " + "b" * 2001),
            (ANA, "/interests add " + "i" * 61),
            (CORA, "/announce cluster:Atlantis Hello"),
            (CORA, "/announce region:Mordor Hello"),
            (CORA, '/event add title=Visit start="2027-01-20 10:00" url=javascript:alert(1)'),
            (CORA, '/event add title=Visit start="2026-01-20 10:00"'),
            (CORA, f'/event edit {event} url="https://x.example/\r\nX-INJECTED: 1"'),
            (CORA, f"/event edit {event} cluster=Atlantis"),
            (CORA, f'/event edit {event} title="{"t" * 301}"'),
            (ANA, f"/opportunity edit {opportunity} url=javascript:alert(1)"),
        ]
        failures = []
        for person, text in lines:
            await store.fresh()
            await store.check(Message(person, "console", text, False, "private", person.name), crash_log)
            if not store.assistant.refused:
                failures.append(f"{person.handle}: {text[:60]} was accepted")
        return failures

    assert_no_failures(database_url, attack)
