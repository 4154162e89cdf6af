"""`find`: typos forgiven, hidden members stay hidden, places filter, pages of ten."""

from __future__ import annotations

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

    answer = await someone.say("/find recycled fibres in:Portgal")

    assert "No member matches 'recycled fibres' in Portgal." in answer
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
