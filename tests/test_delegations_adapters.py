"""A delegation day through the real Telegram adapter: wishes, the published schedule's Confirm
buttons, and the card with its .ics for both, with buttons only."""

from __future__ import annotations

import pytest

from store.db import Database
from tests.conftest import Clock
from tests.factories import add_member, make_coordinator
from tests.fakes.telegram_api import FakeTelegram
from tests.test_meetings_adapters import PAU, b2b_day, member_of
from tests.test_outbox import worker
from tests.test_telegram_adapter import ANA, bot, say, telegram  # noqa: F401 - fixtures

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)


async def test_a_wish_made_with_a_button_is_scheduled_and_both_confirm_with_buttons(
    telegram: FakeTelegram,  # noqa: F811 - the fixture imported above
    bot,  # noqa: F811 - the fixture imported above
    db: Database,
    clock: Clock,
    chat_as,
) -> None:  # type: ignore[no-untyped-def]
    for user in (ANA, PAU):
        await say(telegram, user, "/events")
    ana, pau = await member_of(db, "telegram", str(ANA.id)), await member_of(db, "telegram", str(PAU.id))
    event = await b2b_day(db, clock, [ana, pau])

    [listing] = await say(telegram, ANA, f"/participants {event}")
    assert "whom would you like to meet?" in listing.text
    before = len(telegram.sent(ANA.id))
    await telegram.press(ANA, listing, dict(listing.buttons)["Must meet Pau Vidal"])
    noted = (await telegram.wait_for_messages(ANA.id, before + 1))[-1]
    assert "You must meet Pau Vidal at B2B day: noted." in noted.text
    assert listing.edits == 0 and "Meet" in dict(listing.buttons)  # live for the next wish

    await add_member(db, clock.now, "Coordinator", handle="coord")
    await make_coordinator(db, "coord")
    coord = chat_as("coord")
    assert "1 new meeting" in await coord.say(f"/schedule draft {event}")
    assert "Published 1 meeting" in await coord.tap("Publish")

    await worker(db, clock, bot).drain_once()
    for user, other in ((PAU, "Ana Puig"), (ANA, "Pau Vidal")):
        notice = telegram.sent(user.id)[-1]
        assert "Your meetings at B2B day, please confirm each:" in notice.text and other in notice.text
        count = len(telegram.sent(user.id))
        await telegram.press(user, notice, notice.buttons[0][1])
        await telegram.wait_for_messages(user.id, count + 1)
    answers = (await telegram.wait_for_messages(ANA.id, count + 2))[count:]  # the card and its .ics
    assert "Meeting confirmed with Pau Vidal at B2B day" in answers[0].text + answers[1].text
    assert any(message.document for message in answers)
    pau_before = len(telegram.sent(PAU.id))
    await worker(db, clock, bot).drain_once()
    card = (await telegram.wait_for_messages(PAU.id, pau_before + 1))[pau_before:]
    assert any("Meeting confirmed with Ana Puig" in message.text for message in card)
