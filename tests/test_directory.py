"""`find`: typos forgiven, hidden members stay hidden, places filter, pages of ten."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import pytest

from handlers.engine.assistant import Assistant
from store import directory
from store.db import Database
from tests.factories import add_cluster, add_member


async def seed(db: Database, now) -> None:
    catalonia = await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textiles"])
    norte = await add_cluster(db, "Moda Norte", "Norte", "Portugal", ["fashion", "textiles"])
    await add_member(
        db,
        now,
        "Núria Ferrer",
        cluster_id=catalonia,
        organisation="Reteix",
        offers="Textile recycling and recycled fibres",
        tags=["circular economy"],
    )
    await add_member(
        db,
        now,
        "Tiago Costa",
        cluster_id=norte,
        organisation="Fios do Ave",
        offers="Recycled fibres spinning",
        seeks="textile waste suppliers",
    )
    await add_member(
        db,
        now,
        "Hidden Person",
        cluster_id=catalonia,
        organisation="Secret SL",
        offers="Textile recycling",
        listed=False,
    )
    await add_member(db, now, "Ingrid Berg", offers="Offshore wind maintenance robots")


async def test_find_with_typos_finds_the_recycler(db: Database, clock, chat_as) -> None:
    await seed(db, clock.now)
    answer = await chat_as("someone").say("/find textil recyclng")
    assert "Núria Ferrer" in answer
    assert answer.index("Núria Ferrer") < answer.index("Tiago Costa")
    assert "Ingrid Berg" not in answer


async def test_members_who_did_not_consent_are_never_listed(db: Database, clock, chat_as) -> None:
    await seed(db, clock.now)
    assert "Hidden Person" not in await chat_as("someone").say("/find textile recycling")


async def test_place_filter_keeps_members_of_that_country(db: Database, clock, chat_as) -> None:
    await seed(db, clock.now)
    answer = await chat_as("someone").say("/find recycled fibres in:portugal")
    assert "Tiago Costa" in answer and "Núria Ferrer" not in answer


async def test_a_place_that_names_nothing_gets_buttons_for_the_closest_places(
    db: Database, clock, chat_as
) -> None:
    await seed(db, clock.now)
    someone = chat_as("someone")

    answer = await someone.say("/find recycled fibres in:Portu")

    assert "No member matches 'recycled fibres' in Portu." in answer
    assert ("Search in Portugal", "/find 'recycled fibres' in:Portugal") in someone.buttons
    assert "Tiago Costa" in await someone.press("/find 'recycled fibres' in:Portugal")
    assert someone.buttons == [] or all("Search in" not in label for label, _ in someone.buttons)


async def test_a_profile_change_is_found_at_once(db: Database, clock, chat_as) -> None:
    await seed(db, clock.now)
    searcher = chat_as("someone")
    assert "No member matches" in await searcher.say("/find bioplastics")
    ingrid = chat_as("ingrid")
    await ingrid.say("/profile set offers compostable bioplastics for packaging")
    await ingrid.say("/profile set listed yes")
    assert "ingrid" in await searcher.say("/find bioplastcs")


async def test_more_button_pages_through_results(db: Database, clock, chat_as) -> None:
    for number in range(13):
        await add_member(db, clock.now, f"Weaver {number:02d}", offers="Jacquard weaving")
    chat = chat_as("someone")
    first = await chat.say("/find jacquard")
    assert first.count("Offers:") == 10
    *introduce, (label, payload) = chat.buttons
    assert label == "More results"
    assert len(introduce) == 10 and all(name.startswith("Introduce me to Weaver") for name, _ in introduce)
    second = await chat.press(payload)
    assert second.count("Offers:") == 3 and "page 2" in second
    assert chat.last[0].replaces_previous


async def test_find_without_words_explains_usage(chat_as) -> None:
    answer = await chat_as("someone").say("/find")
    assert "Usage: /find TEXT [in:PLACE]" in answer


async def test_a_name_beats_names_and_topics_that_only_look_alike(db: Database, clock, chat_as) -> None:
    await add_member(db, clock.now, "Marit Aasen", offers="Subsea sensors")
    await add_member(db, clock.now, "Mathieu Roux", offers="Smart textiles for care homes")
    await add_member(db, clock.now, "Ola Smart", offers="Marine robotics")
    await add_member(db, clock.now, "Marta Puig", offers="Recycled-polyester finishing")
    someone = chat_as("someone")

    answer = await someone.say("/find Marta")

    assert "Marta Puig" in answer
    for lookalike in ("Marit Aasen", "Mathieu Roux", "Ola Smart"):
        assert lookalike not in answer
    assert [label for label, _ in someone.buttons] == ["Introduce me to Marta Puig"]


async def test_a_misspelt_name_ranks_the_person_before_profiles_that_mention_them(
    db: Database, clock, chat_as
) -> None:
    await add_member(db, clock.now, "Ana Ferreira", offers="Marta Puigg's recycling partner")
    await add_member(db, clock.now, "Marta Puig", offers="Recycled-polyester finishing")

    answer = await chat_as("someone").say("/find Marta Puigg")

    assert answer.index("Marta Puig") < answer.index("Ana Ferreira")


async def test_loosely_related_members_are_cut_off(db: Database, clock, chat_as) -> None:
    await add_member(db, clock.now, "Núria Ferrer", offers="Textile recycling and recycled fibres")
    await add_member(db, clock.now, "Tiago Costa", offers="Recycled fibres spinning", seeks="textile waste")
    for number in range(12):
        await add_member(db, clock.now, f"Weaver {number:02d}", offers="Textile weaving", bio="Textiles")
    someone = chat_as("someone")

    answer = await someone.say("/find textil recyclng")

    assert answer.index("Núria Ferrer") < answer.index("Tiago Costa")
    assert "Weaver" not in answer
    assert answer.count("Offers:") == 2


async def test_places_are_found_by_local_english_misspelt_names_and_by_city(
    db: Database, clock, chat_as
) -> None:
    await seed(db, clock.now)
    loire = await add_cluster(db, "Ligéris", "Pays de la Loire", "France", ["robotics"])
    await add_member(db, clock.now, "Hélène Moreau", cluster_id=loire, offers="Textile recycling robots")
    someone = chat_as("someone")

    for place in ("Catalunya", "Cataluña", "Catalonia", "catalogne", "Terrassa"):
        answer = await someone.say(f"/find recycling in:{place}")
        assert "Núria Ferrer" in answer, place
        assert "Tiago Costa" not in answer and "Hélène Moreau" not in answer, place

    answer = await someone.say("/find recycling in:Nantes")
    assert "Members matching 'recycling' in Nantes (Pays de la Loire)" in answer
    assert "Hélène Moreau" in answer and "Núria Ferrer" not in answer

    answer = await someone.say("/find recycled fibres in:Portgual")
    assert "Members matching 'recycled fibres' in Portugal" in answer
    assert "Tiago Costa" in answer and "Núria Ferrer" not in answer


async def test_a_region_named_in_the_query_by_another_name_finds_its_members(
    db: Database, clock, chat_as
) -> None:
    await seed(db, clock.now)

    answer = await chat_as("someone").say("/find recycled fibres Catalunya")

    assert answer.index("Núria Ferrer") < answer.index("Tiago Costa")
    assert answer.index("1. Núria Ferrer")


@asynccontextmanager
async def index_building(assistant: Assistant, db: Database) -> AsyncIterator[None]:
    """The start-up index build, held in the middle until the block ends, then let finish."""
    # The build indexes in a worker thread: with the only worker busy, it waits mid-build.
    worker_busy = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as workers:
        asyncio.get_running_loop().set_default_executor(workers)
        workers.submit(worker_busy.wait)
        built = assistant.directory.warm_up(db)
        try:
            yield
        finally:
            worker_busy.set()
        await built


async def test_a_find_while_the_index_is_built_answers_exact_words_and_says_so(
    db: Database, clock, chat_as, assistant: Assistant
) -> None:
    await seed(db, clock.now)
    searcher = chat_as("someone")
    async with index_building(assistant, db):
        exact = await searcher.say("/find recycling")
        misspelt = await searcher.say("/find recyclng")
    assert "Núria Ferrer" in exact and "still starting up" in exact
    assert "Tiago Costa" not in exact and "Hidden Person" not in exact
    assert "No member matches" in misspelt and "still starting up" in misspelt
    built_answer = await searcher.say("/find recyclng")
    assert "Núria Ferrer" in built_answer and "still starting up" not in built_answer


async def test_a_find_while_the_index_is_built_keeps_to_the_place_asked_for(
    db: Database, clock, chat_as, assistant: Assistant
) -> None:
    await seed(db, clock.now)
    async with index_building(assistant, db):
        answer = await chat_as("someone").say("/find fibres in:Portugal")
    assert "Tiago Costa" in answer and "Núria Ferrer" not in answer


async def test_a_long_read_packed_as_it_goes_finds_members_by_their_latest_profile(
    db: Database, clock, chat_as, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Partitions of one row, and no compaction before the read that packs: a large read, made small.
    monkeypatch.setattr(directory, "READ_PARTITION", 1)
    monkeypatch.setattr(directory, "COMPACT_AT", 10_000)
    await seed(db, clock.now)
    clock.advance(minutes=1)
    searcher, ingrid, tiago = chat_as("someone"), chat_as("ingrid"), chat_as("tiago")
    for chat in (ingrid, tiago):
        await chat.say("/profile set listed yes")
    await ingrid.say("/profile set offers compostable bioplastics")
    assert "ingrid" in await searcher.say("/find bioplastics")
    clock.advance(minutes=1)
    await tiago.say("/profile set offers jacquard looms")
    clock.advance(minutes=1)
    await ingrid.say("/profile set offers tidal turbines")
    # The next read packs the tail (Ingrid's first profile) before it reaches her new one.
    monkeypatch.setattr(directory, "PACK_AT", 1)
    assert "ingrid" not in await searcher.say("/find bioplastics")
    assert "ingrid" in await searcher.say("/find turbines")
    assert "tiago" in await searcher.say("/find jacquard")
    assert "Núria Ferrer" in await searcher.say("/find textil recyclng")
