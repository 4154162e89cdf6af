"""No English reaches a member who reads another language: every command's reply, in every language.

Each command of the registry runs with its own example on the demo network, as the demo member (a
coordinator, listed as an admin so that every command answers). What comes back, text and buttons,
is searched for the English message ids that the reader's catalog translates: one found there is a
message that was shown without going through the catalog (an unmarked string, a label passed as a
variable, a join with an English word). The demo network is written in English, so a run of words
that its own data holds (a tag "trade fair" is also the kind "trade fair") is what members wrote.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from core.i18n import LANGUAGES, LOCALE_DIR, PLACEHOLDER
from core.types import Incoming, Reply, Text, bold
from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from handlers.engine.context import Options
from store.db import Database
from store.demo import DEMO_HANDLE, seed_demo
from store.models import Base
from tests.conftest import Clock

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OTHER_LANGUAGES = [code for code in LANGUAGES if code != "en"]
# A fragment shorter than this (one word, a "#" or a ":") says nothing about where it came from.
MIN_WORDS = 2


@cache
def english_fragments(language: str) -> frozenset[str]:
    """The runs of English between placeholders, of every message `language` translates differently.

    A run the translation itself contains (a command word kept as typed, a unit) is no offence.
    """
    with (LOCALE_DIR / f"{language}.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    translations = []
    sources: list[str] = []
    for entry in catalog:
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        translations.extend(strings)
        sources.extend(message for message in ids if message not in strings)
    translated = "\n".join(translations)
    fragments = set()
    for message in sources:
        for piece in PLACEHOLDER.split(message)[::2]:
            run = " ".join(piece.split()).strip(" ,.;:—()")
            if len(run.split()) >= MIN_WORDS and run not in translated:
                fragments.add(run)
    return frozenset(fragments)


def shown(replies: list[Reply]) -> str:
    """What a member reads: the text and the button labels, whitespace folded."""
    parts = [reply.plain_text for reply in replies]
    parts += [button.label for reply in replies for row in reply.buttons for button in row]
    return " ".join(" ".join(parts).split())


def english_in(replies: list[Reply], language: str, data: str = "") -> list[str]:
    """The English runs found, each only once (not again as a part of a longer one), but for those
    the members' own `data` holds."""
    text = shown(replies)
    found = [f for f in english_fragments(language) if f in text and f.casefold() not in data]
    return sorted(f for f in found if not any(f != longer and f in longer for longer in found))


def test_the_check_finds_an_english_label_in_a_catalan_reply() -> None:
    """The self-test: an unmarked label and an English sentence are caught, their translations not."""
    leaking = Text(language="ca").t("Your profile").line().add("Listed in the directory: sí").reply()
    assert english_in([leaking], "ca") == ["Listed in the directory"]
    english_sentence = Text(language="en").t("You're going to {title}.", title=bold("Visit")).reply()
    assert english_in([english_sentence], "ca") == ["You're going to"]
    catalan = Text(language="ca").t("You're going to {title}.", title=bold("Visit")).reply()
    assert english_in([catalan], "ca") == []
    label = Text(language="ca").add("Time zone: Europe/Lisbon").reply()
    assert english_in([label], "ca") == ["Time zone"]
    tagged = Text(language="ca").t("Tags:").add(" trade fair").reply()
    assert english_in([tagged], "ca") == ["trade fair"]
    assert english_in([tagged], "ca", data="fashion\ntrade fair") == [], "what members wrote is theirs"


def test_the_check_knows_enough_english_to_be_worth_running() -> None:
    assert all(len(english_fragments(language)) > 300 for language in OTHER_LANGUAGES)


def command_lines() -> list[str]:
    """Every command's example; `lang` last, as it changes the language the others are read in."""
    examples = [command.example for command in build_router().commands.values()]
    return sorted(examples, key=lambda example: example.startswith("lang "))


async def stored_text(db: Database) -> str:
    """Every text the database holds (names, offers, tags, titles), folded, one value a line."""
    values: list[str] = []
    async with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                values.extend(str(value) for value in row if isinstance(value, str | list))
    return "\n".join(values).casefold()


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
async def test_every_command_answers_without_english_in(db: Database, language: str) -> None:
    await seed_demo(db, NOW)
    data = await stored_text(db)
    options = Options(admins=frozenset({f"console:{DEMO_HANDLE}"}))
    assistant = Assistant(db, build_router(), build_flows(), options=options, clock=Clock(NOW))

    async def say(text: str) -> list[Reply]:
        return await assistant.respond(
            Incoming("console", DEMO_HANDLE, DEMO_HANDLE, text=text, display_name="Marta")
        )

    await say(f"/lang {language}")
    offences = {}
    for line in command_lines():
        replies = await say(f"/{line}")
        await say("/cancel")  # a command that starts a conversation must not take the next as an answer
        found = english_in(replies, language, data)
        if found:
            offences[line] = found
    assert offences == {}, f"English in {language} replies: {offences}"
