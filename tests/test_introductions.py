"""Introductions need the target's consent; contacts travel through the outbox only on accept."""

from __future__ import annotations

from store.db import Database
from store.models import Introduction
from tests.factories import add_cluster, add_member, queued_messages


async def status(db: Database, introduction_id: int) -> str:
    async with db.transaction() as session:
        introduction = await session.get(Introduction, introduction_id)
        assert introduction is not None
        return introduction.status


async def seed(db: Database, now, *, joan_shares: bool = False) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    techtera = await add_cluster(db, "Techtera", "Auvergne-Rhône-Alpes", "France", ["textile"])
    textil = await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textile"])
    marta = await add_member(
        db,
        now,
        "Marta",
        cluster_id=techtera,
        organisation="Fil Vert",
        handle="marta",
        email="marta@filvert.example",
        offers="recycled-polyester finishing",
    )
    joan = await add_member(
        db,
        now,
        "Joan",
        cluster_id=textil,
        organisation="Teixits Sala",
        handle="joan",
        email="joan@teixits.example",
        share_contact=joan_shares,
        seeks="a finishing partner",
    )
    return marta, joan


async def test_accepting_sends_both_contacts_the_requester_shares_only_with_consent(
    db: Database, clock, chat_as
) -> None:
    marta, joan = await seed(db, clock.now)
    answer = await chat_as("joan").say(f"/introduce {marta}")
    assert "I've asked Marta" in answer
    [(to, cause, text, buttons)] = await queued_messages(db)
    assert (to, cause) == (marta, "intro:1:request")
    assert "Joan (Teixits Sala, Spain) would like to be introduced to you." in text
    assert [label for label, _ in buttons] == ["Accept", "Decline"]

    assert "will both get each other's contact" in await chat_as("marta").press(buttons[0][1])
    assert await status(db, 1) == "accepted"
    contacts = {to: text for to, cause, text, _ in await queued_messages(db) if cause == "intro:1:contact"}
    assert "You are introduced to Marta (Fil Vert, France)" in contacts[joan]
    assert "marta@filvert.example" in contacts[joan]  # accepting is Marta's consent
    assert "You are introduced to Joan (Teixits Sala, Spain)" in contacts[marta]
    assert "joan@teixits.example" not in contacts[marta]  # Joan never said he shares
    assert "will get in touch" in contacts[marta]


async def test_a_requester_who_shares_contacts_has_the_e_mail_passed_on(db: Database, clock, chat_as) -> None:
    marta, _joan = await seed(db, clock.now, joan_shares=True)
    await chat_as("joan").say(f"/introduce {marta}")
    await chat_as("marta").press("/intro accept 1")
    [to_marta] = [
        text for to, cause, text, _ in await queued_messages(db) if to == marta and cause.endswith("contact")
    ]
    assert "joan@teixits.example" in to_marta


async def test_declining_tells_the_requester_kindly_without_details(db: Database, clock, chat_as) -> None:
    marta, joan = await seed(db, clock.now)
    await chat_as("joan").say(f"/introduce {marta}")
    assert "without any details" in await chat_as("marta").press("/intro decline 1")
    assert await status(db, 1) == "declined"
    [(to, _cause, text, _)] = [row for row in await queued_messages(db) if row[1] == "intro:1:declined"]
    assert to == joan
    assert "was not taken up this time" in text and "@" not in text
    assert "already answered" in await chat_as("marta").press("/intro accept 1")


async def test_only_the_target_can_answer_an_introduction(db: Database, clock, chat_as) -> None:
    marta, _joan = await seed(db, clock.now)
    await chat_as("joan").say(f"/introduce {marta}")
    assert "Only the member who was asked" in await chat_as("eve").say("/intro accept 1")
    assert "Only the member who was asked" in await chat_as("joan").say("/intro accept 1")
    assert await status(db, 1) == "requested"
    assert "no introduction request #9" in await chat_as("marta").say("/intro accept 9")


async def test_asking_again_adds_nothing(db: Database, clock, chat_as) -> None:
    marta, joan = await seed(db, clock.now)
    joan_chat = chat_as("joan")
    await joan_chat.say(f"/introduce {marta}")
    assert "already asked Marta" in await joan_chat.say(f"/introduce {marta}")
    # Marta asking Joan back is pointed at the request waiting for her.
    marta_chat = chat_as("marta")
    assert "Joan has already asked to be introduced to you" in await marta_chat.say(f"/introduce {joan}")
    assert [label for label, _ in marta_chat.buttons] == ["Accept", "Decline"]
    await marta_chat.tap("Accept")
    assert "already introduced" in await joan_chat.say(f"/introduce {marta}")
    assert "already introduced" in await marta_chat.say(f"/introduce {joan}")
    assert len(await queued_messages(db)) == 3  # the request and the two contacts


async def test_introduce_needs_a_listed_member_other_than_oneself(db: Database, clock, chat_as) -> None:
    hidden = await add_member(db, clock.now, "Hidden", listed=False)
    me = await add_member(db, clock.now, "Me", handle="me")
    chat = chat_as("me")
    assert f"no member #{hidden}" in await chat.say(f"/introduce {hidden}")
    assert "That is you" in await chat.say(f"/introduce {me}")
    assert "Usage: /introduce MEMBER_ID" in await chat.say("/introduce")
