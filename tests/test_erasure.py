"""`forget` while the bot runs: the database files themselves no longer hold the member's data.

tests/test_privacy.py looks at the file after closing the database and checkpointing it by hand;
here the database stays open, with other connections alive as in `clusterbot run`, and the test
reads what is on disk: the SQLite file and its write-ahead log, or every page of every PostgreSQL
table, index and TOAST table (through `pageinspect`), dead row versions included.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from handlers.engine.assistant import Assistant
from store.db import Database
from store.models import Member, Organisation
from tests.conftest import Chat, Clock
from tests.factories import add_member
from tests.test_privacy import BIO, EMAIL, HANDLE, NAME, _build_a_life

# What the member told us and what the platform calls them, as they would be stored.
PERSONAL = (NAME, "Zoraida", HANDLE, EMAIL, BIO, "Zinc-free dyeing", "Tintes Vall")
PAGES = text(
    "SELECT c.oid::regclass::text, pg_relation_size(c.oid) / current_setting('block_size')::int "
    "FROM pg_class c WHERE c.relkind IN ('r', 'i', 't') AND (c.relnamespace = 'public'::regnamespace "
    "OR c.oid IN (SELECT reltoastrelid FROM pg_class WHERE relnamespace = 'public'::regnamespace))"
)


def sqlite_files(db: Database) -> bytes:
    path = Path(make_url(db.url).database or "")
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def stored_bytes(db: Database) -> bytes:
    """Every byte the database keeps for our tables right now, live or dead."""
    if db.is_sqlite:
        return sqlite_files(db)
    page = text("SELECT get_raw_page(:relation, :block)")
    async with db.engine.connect() as connection:
        relations = (await connection.execute(PAGES)).all()
        pages = [
            await connection.scalar(page, {"relation": relation, "block": block})
            for relation, blocks in relations
            for block in range(blocks)
        ]
    return b"".join(pages)


async def erase_through_the_button(chat: Chat) -> None:
    await chat.say("/forget")
    [erase] = [payload for label, payload in chat.buttons if label == "Erase my data"]
    assert "your data is erased" in await chat.press(erase)


async def test_forget_leaves_no_personal_byte_in_the_files_of_a_running_database(
    db: Database, clock: Clock, assistant: Assistant
) -> None:
    if not db.is_sqlite:
        try:
            async with db.engine.begin() as connection:
                await connection.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        except DBAPIError:
            pytest.skip("pageinspect is not available to this PostgreSQL user")
    # Another process's pool (the scheduler, a second `clusterbot run`) keeps connections open.
    other = Database(db.url)
    async with other.transaction() as session:
        assert await session.scalar(select(Member.id).limit(1)) is None
    chat = Chat(assistant, HANDLE)
    await _build_a_life(db, clock, chat, assistant)
    before = await stored_bytes(db)
    assert all(personal.encode() in before for personal in PERSONAL)

    await erase_through_the_button(chat)

    async with other.transaction() as session:  # the other process still reads and writes
        assert await session.scalar(select(Member.name).where(Member.name == NAME)) is None
    after = await stored_bytes(db)
    assert [p for p in PERSONAL if p.encode() in after] == []
    await other.close()


async def test_forget_drops_the_organisation_only_when_nobody_else_is_in_it(
    db: Database, clock: Clock, chat_as
) -> None:
    await add_member(db, clock.now, "Ona Puig", organisation="Filats Puig", handle="ona")
    await add_member(db, clock.now, "Pau Puig", organisation="Filats Puig", handle="pau")
    await add_member(db, clock.now, "Jan Solé", organisation="Solé Consulting", handle="jan")
    for handle in ("ona", "jan"):
        await erase_through_the_button(chat_as(handle))
    async with db.transaction() as session:
        assert list(await session.scalars(select(Organisation.name))) == ["Filats Puig"]
