"""`checkback`: "how did it go?" after a meeting or an introduction, answered with one tap.

The question's four buttons are confirmation buttons of the member asked (handlers/engine/
confirmations.py), so nobody else in a shared chat can answer for them. "Cooperation possible"
asks for a next step and a date, and the scheduler follows up on that date. A meeting one side
says did not take place while the other says it did is recorded as a no-show.
"""

from __future__ import annotations

from datetime import date

from core.errors import NotFound, UsageError
from core.types import N_, Button, Reply, Text, bold, fill
from handlers.engine.context import Context
from handlers.engine.forms import choice, parse_form, positive_int, require, within
from store.checkbacks import ANSWERS, MEETING
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
    if answer != "cooperation":
        return ctx.text().t("Thank you, noted.").reply()
    return (
        ctx.text()
        .t(
            "Good news! What is the next step, and when should I check with you? Send {command}",
            command=f'/checkback {row.id} next="…" date=YYYY-MM-DD',
        )
        .reply()
    )


async def _record_no_show(store: Store, meeting_id: int) -> None:
    """One side says the meeting did not take place, the other says it did: the absent side was
    a no-show, and the meeting counts as one in `session status`."""
    answers = [answer for answer in (await store.checkbacks.answers(MEETING, meeting_id)).values() if answer]
    meeting = await store.meetings.get(meeting_id)
    if meeting is None or len(answers) < 2:
        return
    said_none = answers.count("none")
    if said_none == 1:
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
    if on <= ctx.now.date():
        raise UsageError(ctx.tr("The date of the next step must be after today."))
    if row.answer != "cooperation":
        await ctx.store.checkbacks.answer(row, "cooperation", ctx.now)
    await ctx.store.checkbacks.plan(row, step, on)
    return ctx.text().t("Noted: {step}. I'll remind you on {date}.", step=step, date=on.isoformat()).reply()


async def refuse_if_paused(ctx: Context, other: Member) -> None:
    """A member who let three requests expire unanswered gets no new ones until they act."""
    if await ctx.store.checkbacks.unanswered_requests(other) >= UNANSWERED_LIMIT:
        raise NotFound(ctx.tr("{name} isn't taking new requests right now.", name=other.name))
