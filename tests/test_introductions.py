"""Introductions need the target's consent; contacts travel through the outbox only on accept."""

from __future__ import annotations

from store.db import Database
from store.models import Identity, Introduction, Member
from store.privacy import Privacy
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


async def test_with_no_contact_to_pass_on_each_side_is_told_so_and_offered_the_relay(
    db: Database, clock, chat_as
) -> None:
    marta, joan = await seed(db, clock.now)
    answer = await chat_as("joan").say('/introduce Marta "we both work on recycled polyester"')
    assert "I've asked Marta" in answer
    [(to, cause, text, buttons)] = await queued_messages(db)
    assert (to, cause) == (marta, "intro:1:request")
    assert "Joan (Teixits Sala, Spain) would like to be introduced to you." in text
    assert "Their note: we both work on recycled polyester" in text
    assert [label for label, _ in buttons] == ["Accept", "Decline"]

    assert "sent you both the ways to reach each other" in await chat_as("marta").press(buttons[0][1])
    assert await status(db, 1) == "accepted"
    contacts = {
        to: (text, buttons)
        for to, cause, text, buttons in await queued_messages(db)
        if cause == "intro:1:contact"
    }
    for member, other in ((joan, "Marta (Fil Vert, France)"), (marta, "Joan (Teixits Sala, Spain)")):
        text, buttons = contacts[member]
        assert f"You are introduced to {other}" in text
        assert "I have no direct way to put you in touch, so I'll carry one message each way." in text
        assert "They got no contact of yours; they can write to you once through me." in text
        assert "@" not in text and "have your contact" not in text
        assert buttons == [("Write to them", "/relay 1")]


async def test_the_e_mail_is_passed_on_only_by_a_member_who_shares_contacts(
    db: Database, clock, chat_as
) -> None:
    marta, joan = await seed(db, clock.now, joan_shares=True)
    await chat_as("joan").say(f"/introduce #{marta}")
    await chat_as("marta").press("/intro accept 1")
    contacts = {to: text for to, cause, text, _ in await queued_messages(db) if cause == "intro:1:contact"}
    assert "E-mail: joan@teixits.example" in contacts[marta]
    assert "They got no contact of yours" in contacts[marta]  # Marta never said she shares
    assert "marta@filvert.example" not in contacts[joan]
    assert "I gave them: your e-mail joan@teixits.example." in contacts[joan]


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
    assert "no member called 'Hidden'" in await chat.say("/introduce Hidden")
    assert "That is you" in await chat.say(f"/introduce {me}")
    assert 'Usage: /introduce NAME ["NOTE"]' in await chat.say("/introduce")
    assert await queued_messages(db) == []


async def test_a_misspelt_name_gets_did_you_mean_buttons_that_keep_the_note(
    db: Database, clock, chat_as
) -> None:
    marta, _joan = await seed(db, clock.now)
    await add_member(db, clock.now, "Martina Hidden", listed=False)
    chat = chat_as("joan")
    answer = await chat.say('/introduce Martha "about finishing"')
    assert "I found no member called 'Martha'. Did you mean one of these?" in answer
    assert chat.buttons == [(f"#{marta} Marta", f'/introduce #{marta} "about finishing"')]
    assert await queued_messages(db) == []
    assert "I've asked Marta" in await chat.tap(f"#{marta} Marta")
    [(_to, _cause, text, _)] = await queued_messages(db)
    assert "Their note: about finishing" in text


async def test_a_relayed_message_arrives_once_and_can_be_answered_once(db: Database, clock, chat_as) -> None:
    marta, joan = await seed(db, clock.now)
    joan_chat, marta_chat = chat_as("joan"), chat_as("marta")
    await joan_chat.say(f"/introduce #{marta}")
    assert "only once an introduction is accepted" in await joan_chat.say("/relay 1 Hello?")
    await marta_chat.press("/intro accept 1")
    assert "Only the two members" in await chat_as("eve").say("/relay 1 Hi")

    asked = await joan_chat.press("/relay 1")
    assert "What would you like to tell them?" in asked
    assert "Sent to Marta" in await joan_chat.say("Shall we talk on Thursday?")
    assert "already sent your one message to Marta" in await joan_chat.say("/relay 1 And again")
    relayed = [row for row in await queued_messages(db) if row[1].startswith("intro:1:relay")]
    [(to, cause, text, buttons)] = relayed
    assert (to, cause) == (marta, f"intro:1:relay:{joan}")
    assert "✉️ Joan writes to you through me:\nShall we talk on Thursday?" in text
    assert buttons == [("Write back", "/relay 1")]

    assert "Sent to Joan" in await marta_chat.say("/relay 1 Yes, at ten.")
    [answer] = [row for row in await queued_messages(db) if row[1] == f"intro:1:relay:{marta}"]
    assert answer[0] == joan and "Yes, at ten." in answer[2] and answer[3] == []


async def test_mydata_holds_the_note_and_forget_takes_the_username_out_of_others_messages(
    db: Database, clock, chat_as
) -> None:
    marta, joan = await seed(db, clock.now)
    async with db.transaction() as session:
        session.add(
            Identity(
                member_id=joan,
                platform="telegram",
                user_id="77",
                chat_id="77",
                username="joan_sala",
                created_at=clock.now,
            )
        )
    await chat_as("joan").say(f'/introduce #{marta} "about finishing"')
    async with db.transaction() as session:
        exported = await Privacy(session).export(await session.get(Member, joan))
    assert exported["introductions"][0]["note"] == "about finishing"
    assert [i["username"] for i in exported["identities"]] == ["", "joan_sala"]

    await chat_as("marta").press("/intro accept 1")
    assert [text for _to, _cause, text, _ in await queued_messages(db) if "Telegram: @joan_sala" in text]
    async with db.transaction() as session:
        member = await session.get(Member, joan)
        await Privacy(session).erase(member, clock.now, {"spans": []})
    assert not [text for _to, _cause, text, _ in await queued_messages(db) if "joan_sala" in text]
