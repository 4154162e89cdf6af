"""`checkback`: "how did it go?" after a meeting or an introduction, answered with one tap.

The question's four buttons are confirmation buttons of the member asked (handlers/engine/
confirmations.py), so nobody else in a shared chat can answer for them. "Cooperation possible"
asks for a next step and then a date (buttons: in 1 week, 2 weeks, 1 month, or a typed date), one
question at a time (NEXT_STEP_FLOW), and the scheduler follows up on that date. "Did not take
place" after a meeting asks who did not come, so absences are recorded per person; a meeting one
side says did not take place while the other says it did is recorded as a no-show.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from core.errors import NotFound, UsageError
from core.types import N_, Button, Reply, Text, bold, fill
from handlers.engine.confirmations import confirmation
from handlers.engine.context import Context
from handlers.engine.flows import Flow, Step, as_text, begin_flow
from handlers.engine.forms import choice, parse_form, positive_int, require, within
from store.checkbacks import ABSENT, ANSWERS, MEETING
from store.models import Checkback, Member
from store.repository import Store

# The buttons' labels, in the order of store.checkbacks.ANSWERS.
LABELS = (
    N_("Did not take place"),
    N_("Not a fit"),
    N_("Useful, no cooperation planned"),
    N_("Cooperation possible"),
)
NEXT_STEP_LIMIT = 300
# Members who left this many requests to expire unanswered get no new ones until they act.
UNANSWERED_LIMIT = 3


def question(subject: str, other: Member, event_title: str, buttons: tuple[str, ...], language: str) -> Reply:
    """The one message each side gets: how did it go, and four buttons (payloads in `buttons`)."""
    text = Text(language=language).add("💬 ")
    if subject == MEETING:
        text.t("How was your meeting with {name} at {event}?", name=bold(other.name), event=event_title)
    else:
        text.t("Two weeks ago you were introduced to {name}. How did it go?", name=bold(other.name))
    rows = tuple(
        (Button(fill(language, label), payload),) for label, payload in zip(LABELS, buttons, strict=True)
    )
    return text.reply(buttons=rows)


def follow_up(row: Checkback, other: Member, language: str) -> Reply:
    """On the planned date: the next step the member wrote down, with whom."""
    text = Text(language=language).add("📌 ")
    text.t(
        "Today is the day you planned a next step with {name}: {step}",
        name=bold(other.name),
        step=row.next_step,
    )
    return text.reply()


async def other_side(store: Store, row: Checkback) -> Member | None:
    """The member the check-back is about (None if their meeting or introduction is gone)."""
    if row.subject == MEETING:
        meeting = await store.meetings.get(row.subject_id)
        pair = (meeting.requester_id, meeting.invitee_id) if meeting else None
    else:
        introduction = await store.introductions.get(row.subject_id)
        pair = (introduction.requester_id, introduction.target_id) if introduction else None
    if pair is None:
        return None
    other_id = pair[1] if pair[0] == row.member_id else pair[0]
    return (await store.meetings.members([other_id])).get(other_id)


async def checkback(ctx: Context) -> list[Reply]:
    """`checkback N ANSWER` (what the buttons send) or `checkback N next="…" date=YYYY-MM-DD`."""
    if not ctx.args:
        raise UsageError(ctx.tr("Which check-back? Give its number."))
    number = positive_int(ctx.args[0].lstrip("#"), ctx.tr("check-back number"), ctx.language)
    row = await ctx.store.checkbacks.get(number)
    if row is None or row.member_id != ctx.member.id:
        raise NotFound(ctx.tr("You have no check-back #{number}.", number=number))
    rest = ctx.args[1:]
    if len(rest) == 2 and rest[0].lower() == "absent":
        return [await _absent(ctx, row, choice(rest[1], ABSENT, ctx.tr("who did not come"), ctx.language))]
    if len(rest) == 1 and "=" not in rest[0]:
        return [await _answer(ctx, row, choice(rest[0], ANSWERS, ctx.tr("answer"), ctx.language))]
    if rest and rest[0].lower() == "cooperation":
        rest = rest[1:]
    return [await _plan(ctx, row, rest)]


async def _answer(ctx: Context, row: Checkback, answer: str) -> Reply:
    await ctx.store.checkbacks.answer(row, answer, ctx.now)
    await ctx.store.checkbacks.seen_requests(ctx.member, ctx.now)
    if row.subject == MEETING:
        await _record_no_show(ctx.store, row.subject_id)
        if answer == "none":
            return await _who_was_absent(ctx, row)
    if answer != "cooperation":
        return ctx.text().t("Thank you, noted.").reply()
    return await begin_flow(ctx, NEXT_STEP_FLOW, {"checkback": row.id})


async def _who_was_absent(ctx: Context, row: Checkback) -> Reply:
    """After "Did not take place": who did not come, with buttons only this member can press."""
    other = await other_side(ctx.store, row)
    name = other.name if other else "?"
    labels = (
        ctx.tr("{name} did not come", name=name),
        ctx.tr("I could not come"),
        ctx.tr("Neither of us came"),
    )
    rows = tuple(
        [
            (Button(label, await confirmation(ctx, f"checkback {row.id} absent {who}")),)
            for label, who in zip(labels, ABSENT, strict=True)
        ]
    )
    return ctx.text().t("Thank you. Who did not come?").reply(buttons=rows)


async def _absent(ctx: Context, row: Checkback, who: str) -> Reply:
    if row.subject != MEETING:
        raise UsageError(ctx.tr("Only a meeting's check-back records who did not come."))
    await ctx.store.checkbacks.report_absent(row, who)
    if row.answered_at is None:
        row.answered_at = ctx.now
    await _record_no_show(ctx.store, row.subject_id)
    return ctx.text().t("Thank you, noted.").reply()


async def _record_no_show(store: Store, meeting_id: int) -> None:
    """The meeting counts as a no-show in `session status` when someone is said to have stayed
    away, or when one side says it did not take place while the other says it did."""
    rows = await store.checkbacks.answers(MEETING, meeting_id)
    answers = [answer for answer in rows.values() if answer]
    meeting = await store.meetings.get(meeting_id)
    if meeting is None or meeting.status != "accepted":
        return
    someone_absent = any(absent for absent in (await store.checkbacks.absences(MEETING, meeting_id)))
    if someone_absent or (len(answers) == 2 and answers.count("none") == 1):
        await store.checkbacks.mark_no_show(meeting)


async def _plan(ctx: Context, row: Checkback, words: list[str]) -> Reply:
    form = parse_form(words, ("next", "date"), ctx.language)
    require(form, "next", "date", language=ctx.language)
    step = within(form["next"].strip(), NEXT_STEP_LIMIT, "next", ctx.language)
    try:
        on = date.fromisoformat(form["date"])
    except ValueError:
        raise UsageError(
            ctx.tr("Give the date as YYYY-MM-DD, for example {example}.", example="2027-01-15")
        ) from None
    return await _save_plan(ctx, row, step, on)


async def _save_plan(ctx: Context, row: Checkback, step: str, on: date) -> Reply:
    if on <= ctx.now.date():
        raise UsageError(ctx.tr("The date of the next step must be after today."))
    if row.answer != "cooperation":
        await ctx.store.checkbacks.answer(row, "cooperation", ctx.now)
    await ctx.store.checkbacks.plan(row, step, on)
    return ctx.text().t("Noted: {step}. I'll remind you on {date}.", step=step, date=on.isoformat()).reply()


# "Cooperation possible": the next step, then its date, one question at a time -----------------

# A date button's answer, and how far ahead it is.
AHEAD = {"1w": timedelta(weeks=1), "2w": timedelta(weeks=2), "1m": timedelta(days=30)}
TYPE_A_DATE = "date"


async def _next_step(ctx: Context, answer: str) -> str:
    return await as_text(ctx, answer, NEXT_STEP_LIMIT)


async def _follow_up_date(ctx: Context, answer: str) -> str:
    """A button's "1w"/"2w"/"1m", or a typed YYYY-MM-DD after today; kept as text in the flow."""
    typed = answer.strip().lower()
    if typed in AHEAD:
        return (ctx.now.date() + AHEAD[typed]).isoformat()
    try:
        on = date.fromisoformat(typed)
    except ValueError:
        raise UsageError(
            ctx.tr("Type the date as YYYY-MM-DD, for example {example}.", example=_example(ctx))
        ) from None
    if on <= ctx.now.date():
        raise UsageError(ctx.tr("The date of the next step must be after today."))
    return on.isoformat()


def _example(ctx: Context) -> str:
    return (ctx.now.date() + timedelta(days=10)).isoformat()


async def _date_buttons(ctx: Context, _answers: dict[str, Any]) -> list[Button]:
    return [
        Button(ctx.tr("In 1 week"), "1w"),
        Button(ctx.tr("In 2 weeks"), "2w"),
        Button(ctx.tr("In 1 month"), "1m"),
        Button(ctx.tr("Type a date"), TYPE_A_DATE),
    ]


async def _finish_plan(ctx: Context, answers: dict[str, Any]) -> list[Reply]:
    row = await ctx.store.checkbacks.get(int(answers["checkback"]))
    if row is None or row.member_id != ctx.member.id:
        raise NotFound(ctx.tr("You have no check-back #{number}.", number=answers["checkback"]))
    return [await _save_plan(ctx, row, str(answers["next"]), date.fromisoformat(str(answers["date"])))]


NEXT_STEP_FLOW = Flow(
    name="nextstep",
    intro=N_("Good news!"),
    steps=(
        Step("next", N_("What is the next step? One line, for example: send samples."), _next_step),
        Step("date", N_("When should I check with you about it?"), _follow_up_date, choices=_date_buttons),
    ),
    finish=_finish_plan,
)


async def refuse_if_paused(ctx: Context, other: Member) -> None:
    """A member who let three requests expire unanswered gets no new ones until they act."""
    if await ctx.store.checkbacks.unanswered_requests(other) >= UNANSWERED_LIMIT:
        raise NotFound(ctx.tr("{name} isn't taking new requests right now.", name=other.name))
