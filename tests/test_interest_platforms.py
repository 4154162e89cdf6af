""" "I'm interested" through the real adapters: a Slack member presses it on an opportunity, the
Telegram poster gets the message with a Reply button, answers, and the answer reaches Slack."""

from __future__ import annotations

from tests import test_introductions_platforms as platforms
from tests.factories import add_opportunity
from tests.fakes.slack_api import TEAM_ID
from tests.test_introductions_platforms import (
    ANA,
    LAIA,
    Both,
    member_on,
    slack_dm,
    slack_press,
    telegram_press,
)
from tests.test_slack_events import section_text

# The same running Telegram and Slack adapters, against the fakes, as the introductions use.
both = platforms.both


async def test_the_telegram_poster_is_told_and_answers_the_slack_member_through_the_bot(both: Both) -> None:
    ana = await member_on(both, "Ana Puig", "telegram", str(ANA.id), offers="recycled polyester finishing")
    await member_on(both, "Laia Serra", "slack", f"{TEAM_ID}:{LAIA}", offers="smart textile sensors")
    title = "Dyeing trials on recycled polyester"
    number = await add_opportunity(both.db, both.clock.now, title, posted_by=ana)
    both.telegram.open_chat(ANA)

    card = await slack_dm(both, LAIA, f"opportunity {number}")
    assert "Dyeing trials on recycled polyester" in section_text(card.blocks)
    told = await slack_press(both, LAIA, card, "I'm interested")
    assert "I told Ana Puig you're interested in" in section_text(told.blocks)

    await both.deliver()
    [notice] = await both.telegram.wait_for_messages(ANA.id, 1)
    assert f"Laia Serra is interested in your opportunity #{number} Dyeing trials on recycled polyester." in (
        notice.text
    )
    assert [label for label, _ in notice.buttons] == ["Reply"]
    [question] = await telegram_press(both, ANA, notice, "Reply")
    assert "What would you like to answer?" in question.text
    before = len(both.telegram.sent(ANA.id))
    await both.telegram.send_text(ANA, "Great, send me your fabric specs")
    [sent] = (await both.telegram.wait_for_messages(ANA.id, before + 1))[before:]
    assert "Sent to Laia Serra." in sent.text

    await both.deliver()
    answers = [m for m in both.slack_api.dm_messages(LAIA) if "answers about" in m.text]
    assert len(answers) == 1
    expected = f"Ana Puig answers about *{title}*:\nGreat, send me your fabric specs"
    assert expected in section_text(answers[0].blocks)
