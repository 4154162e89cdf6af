"""The outcome ladder through the real adapters: one press on Telegram and on Slack records the step
once, and a second press of the same button records nothing more."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.slack import SlackAdapter
from scheduler.outcomes import add_months, queue_outcome_prompts
from store.db import Database
from store.models import Checkback, Introduction, Outcome
from tests.conftest import Clock
from tests.factories import add_member
from tests.fakes.slack_api import FakeSlackApi, SlackSender
from tests.fakes.telegram_api import FakeTelegram
from tests.test_meetings_adapters import member_of, press_on_slack, slack  # noqa: F401 - fixture
from tests.test_outbox import worker
from tests.test_slack_events import USER as LAIA
from tests.test_telegram_adapter import ANA, bot, say, telegram  # noqa: F401 - fixtures

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)


async def cooperation(db: Database, clock: Clock, member: int, other: int) -> None:
    """An introduction between the two, accepted now, that `member` marked "Cooperation possible"."""
    async with db.transaction() as session:
        introduction = Introduction(
            requester_id=other,
            target_id=member,
            status="accepted",
            created_at=clock.now,
            decided_at=clock.now,
        )
        session.add(introduction)
        await session.flush()
        session.add(
            Checkback(
                subject="introduction",
                subject_id=introduction.id,
                member_id=member,
                answer="cooperation",
                asked_at=clock.now,
                answered_at=clock.now,
            )
        )


async def steps(db: Database, member: int) -> list[str]:
    async with db.transaction() as session:
        return list((await session.scalars(select(Outcome.step).where(Outcome.member_id == member))).all())


async def test_a_telegram_member_answers_the_ladder_with_one_press(
    telegram: FakeTelegram,  # noqa: F811 - the fixture imported above
    bot,  # noqa: F811 - the fixture imported above
    db: Database,
    clock: Clock,
) -> None:
    await say(telegram, ANA, "/events")
    ana = await member_of(db, "telegram", str(ANA.id))
    joan = await add_member(db, clock.now, "Joan Ferrer", handle="joan")
    await cooperation(db, clock, ana, joan)
    clock.now = add_months(clock.now, 3)
    assert await queue_outcome_prompts(db, clock.now) == 2
    before = len(telegram.sent(ANA.id))
    await worker(db, clock, bot).drain_once()
    [prompt] = (await telegram.wait_for_messages(ANA.id, before + 1))[before:]
    assert "3 months ago you and Joan Ferrer saw a possible cooperation" in prompt.text
    assert [label for label, _ in prompt.buttons][2] == "Joint proposal submitted"

    data = dict(prompt.buttons)["Joint proposal submitted"]
    await telegram.press(ANA, prompt, data)
    noted, question = (await telegram.wait_for_messages(ANA.id, before + 3))[before + 1 :]
    assert "Noted: Joint proposal submitted, with Joan Ferrer." in noted.text
    assert "What is the call or project called?" in question.text
    [thanks] = await say(telegram, ANA, "Circular textiles pilot")
    assert "Thank you, noted." in thanks.text
    await telegram.press(ANA, prompt, data)
    [again] = (await telegram.wait_for_messages(ANA.id, before + 5))[before + 4 :]
    assert "expired or was used already" in again.text
    assert await steps(db, ana) == ["proposal"]
    async with db.transaction() as session:
        line = await session.scalar(select(Outcome.line).where(Outcome.member_id == ana))
    assert line == "Circular textiles pilot"


async def test_a_slack_member_answers_the_ladder_with_one_press(
    slack: tuple[FakeSlackApi, SlackSender, SlackAdapter],  # noqa: F811 - the fixture imported above
    db: Database,
    clock: Clock,
) -> None:
    api, sender, adapter = slack
    await sender.dm(LAIA, "events")
    await api.wait_for(lambda: api.dm_messages(LAIA))
    laia = await member_of(db, "slack", LAIA)
    joan = await add_member(db, clock.now, "Joan Ferrer", handle="joan")
    await cooperation(db, clock, laia, joan)
    clock.now = add_months(clock.now, 6) + timedelta(hours=2)
    assert await queue_outcome_prompts(db, clock.now) == 2
    await worker(db, clock, adapter).drain_once()
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == 2)
    prompt = api.dm_messages(LAIA)[1]
    assert "6 months ago you and *Joan Ferrer* saw a possible cooperation" in prompt.text

    # After a press Slack shows the choice instead of the buttons: a second press of the same button
    # comes from a view of the message as it was (another device, a retried click).
    as_it_was = copy.deepcopy(prompt)
    await press_on_slack(sender, LAIA, prompt, "No further contact")
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == 3)
    assert "Noted: *No further contact*, with Joan Ferrer." in api.dm_messages(LAIA)[2].text
    await press_on_slack(sender, LAIA, as_it_was, "No further contact")
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == 4)
    assert "expired or was used already" in api.dm_messages(LAIA)[3].text
    assert await steps(db, laia) == ["none"]
