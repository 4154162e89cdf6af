"""Organiser-built schedules for delegations: `participants`, `wish`, `schedule draft|publish`.

Participants mark others Must meet / Meet / No thanks; the coordinator drafts a schedule with the
solver (handlers/schedule_solver.py, run off the event loop), reviews it, and publishes it as
`proposed` meetings that hold their seats like any booking; each side confirms or declines with
buttons only they can press. Confirmed by both, a meeting is `accepted` and both get the card and .ics.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from core.errors import UsageError
from core.types import Attachment, Button, Reply, Text, bold, fill
from handlers.engine.confirmations import confirmation
from handlers.engine.context import Context
from handlers.engine.forms import positive_int
from handlers.engine.paging import add_more, page_of, turns_page
from handlers.engine.resolving import member_named
from handlers.engine.timefmt import when
from handlers.events import load_event
from handlers.meeting_notices import MeetingView, ended_notice, hhmm, meeting_card, meeting_view
from handlers.meeting_sessions import place_label, session_of_event, slot_starts
from handlers.meetings import own_meeting, pairing_allows, tell_member
from handlers.schedule_solver import (
    Draft,
    Participant,
    ScheduleInputError,
    Slot,
    Wish,
    solve,
)
from handlers.schedule_solver import Meeting as Planned
from store.meetings import SlotTaken
from store.models import Event, Meeting, MeetingSession, Member

LEVELS = {"must": Wish.MUST, "meet": Wish.MEET, "no": Wish.NO_THANKS}
PAGE = 8
REVIEW_LINES = 20


# Wishes -----------------------------------------------------------------------------------------


async def _delegation(ctx: Context) -> tuple[Event, MeetingSession]:
    event = await load_event(ctx)
    return event, await session_of_event(ctx, event)


async def _require_going(ctx: Context, event: Event) -> None:
    if not await ctx.store.meetings.is_going(event.id, [ctx.member.id]):
        raise UsageError(
            ctx.tr(
                "Only participants of {title} can do this; say /going {number} first.",
                title=event.title,
                number=event.id,
            )
        )


async def participants(ctx: Context) -> list[Reply]:
    """`participants EVENT [PAGE]`: who is going, each with Must meet / Meet / No thanks buttons."""
    paged = page_of(ctx.args, PAGE)
    ctx = replace(ctx, args=paged.words)
    event, found = await _delegation(ctx)
    await _require_going(ctx, event)
    typed = positive_int(ctx.args[1], ctx.tr("page"), ctx.language) if len(ctx.args) > 1 else 1
    # `participants 5 2` as typed, `participants 5 page:2 for:7` from the More button.
    page = replace(paged, number=max(typed, paged.number))
    others = [m for m in await ctx.store.schedules.going(event.id) if m.id != ctx.member.id]
    mine = {w.other_id: w.level for w in await ctx.store.schedules.wishes(found.id, ctx.member.id)}
    shown = page.of(others)
    if not shown:
        return [ctx.text().t("No other participants to show.").reply()]
    labels = {"must": ctx.tr("Must meet"), "meet": ctx.tr("Meet"), "no_thanks": ctx.tr("No thanks")}
    text = (
        ctx.text().t("Participants of {title}: whom would you like to meet?", title=bold(event.title)).line()
    )
    rows: list[tuple[Button, ...]] = []
    for other in shown:
        wished = f" · {labels[mine[other.id]]}" if other.id in mine else ""
        buttons = tuple(
            Button(label, f"/wish {event.id} #{other.id} {word}")
            for word, label in zip(LEVELS, labels.values(), strict=True)
        )
        with text.item(other.name, (), subtitle=wished, buttons=buttons):
            text.bold(other.name).add(wished).line()
        # In a row under a text list Must meet says whom; on a Slack card, under the name, it need not.
        rows.append((replace(buttons[0], label=f"{buttons[0].label} {other.name}"), *buttons[1:]))
    add_more(ctx, text, rows, page, f"participants {event.id}", len(others))
    return [text.reply(buttons=tuple(rows), replaces_previous=turns_page(ctx, page))]


async def wish(ctx: Context) -> list[Reply]:
    """`wish EVENT MEMBER must|meet|no`: the name may have spaces; the last word is the wish."""
    if len(ctx.args) < 3 or ctx.args[-1].lower() not in LEVELS:
        raise UsageError(ctx.tr("Say the event, the member and must, meet or no, like: wish 5 #12 must."))
    event, found = await _delegation(ctx)
    await _require_going(ctx, event)
    level = LEVELS[ctx.args[-1].lower()]
    other = await member_named(
        ctx, " ".join(ctx.args[1:-1]), lambda value: f"/wish {event.id} #{value} {ctx.args[-1].lower()}"
    )
    if other.id == ctx.member.id:
        raise UsageError(ctx.tr("That is you. Give the name or number of another participant."))
    if not await ctx.store.meetings.is_going(event.id, [other.id]):
        raise UsageError(
            ctx.tr("{name} is not a participant of {title}.", name=other.name, title=event.title)
        )
    await ctx.store.schedules.wish(found.id, ctx.member.id, other.id, level.value, ctx.now)
    said = {
        Wish.MUST: ctx.tr("You must meet {name} at {title}: noted.", name=other.name, title=event.title),
        Wish.MEET: ctx.tr(
            "You would like to meet {name} at {title}: noted.", name=other.name, title=event.title
        ),
        Wish.NO_THANKS: ctx.tr(
            "No meeting with {name} at {title}: noted.", name=other.name, title=event.title
        ),
    }
    # One wish among many: the participants list it came from stays live for the next one.
    return [ctx.text().add(said[level]).reply(keeps_previous=True)]


# Drafting ---------------------------------------------------------------------------------------


async def schedule_draft(ctx: Context) -> list[Reply]:
    event, found = await _delegation(ctx)  # the router checked the event is in scope
    starts = [start for start in slot_starts(found, event) if start > ctx.now]
    people = {m.id: m for m in await ctx.store.schedules.going(event.id)}
    if not starts or len(people) < 2:
        return [
            ctx.text()
            .t("{title} has no slot ahead or fewer than two participants.", title=event.title)
            .reply()
        ]
    slot_of = {start.isoformat(): start for start in starts}
    tables = found.tables or [str(n) for n in range(1, len(people) // 2 + 1)]
    fixed = _kept(await ctx.store.schedules.holding(found.id), slot_of, tables, found)
    busy: defaultdict[int, set[str]] = defaultdict(set)
    for member_id, start in await ctx.store.schedules.seats_of(list(people)):
        busy[member_id].add(start.isoformat())
    wishes = {
        (str(w.member_id), str(w.other_id)): Wish(w.level)
        for w in await ctx.store.schedules.wishes(found.id)
        if w.member_id in people
        and w.other_id in people
        and pairing_allows(found, people[w.member_id], people[w.other_id])
    }
    try:
        draft = await asyncio.to_thread(
            solve,
            [Participant(str(i), frozenset(busy[i])) for i in people],
            [Slot(slot_id) for slot_id in slot_of],
            tables,
            wishes,
            fixed,
        )
    except ScheduleInputError:
        return [
            ctx.text()
            .t(
                "Meetings booked at {title} do not fit its slots and tables; see /session status {number}.",
                title=event.title,
                number=event.id,
            )
            .reply()
        ]
    new = [m for m in draft.meetings if not m.fixed]
    await ctx.store.schedules.replace_draft(
        found.id,
        [(int(m.first), int(m.second), slot_of[m.slot], m.table if found.tables else "") for m in new],
        ctx.now,
    )
    return [await _review(ctx, event, found, draft, people, slot_of)]


def _kept(
    holding: list[Meeting], slot_of: dict[str, datetime], tables: list[str], found: MeetingSession
) -> list[Planned]:
    """Meetings already booked become the solver's fixed meetings (an online one gets a free number)."""
    fixed: list[Planned] = []
    used: defaultdict[str, set[str]] = defaultdict(set)
    pairs: set[tuple[int, int]] = set()
    for meeting in holding:
        slot_id = meeting.starts_at.isoformat()
        pair = (min(meeting.requester_id, meeting.invitee_id), max(meeting.requester_id, meeting.invitee_id))
        table = meeting.place if found.tables else next((t for t in tables if t not in used[slot_id]), None)
        if slot_id not in slot_of or pair in pairs or table is None or table not in tables:
            continue  # past, or a second meeting of one pair: its people are busy then anyway (seats)
        pairs.add(pair)
        used[slot_id].add(table)
        fixed.append(Planned(str(pair[0]), str(pair[1]), slot_id, table))
    return fixed


async def _review(
    ctx: Context,
    event: Event,
    found: MeetingSession,
    draft: Draft,
    people: dict[int, Member],
    slot_of: dict[str, datetime],
) -> Reply:
    """How many meetings, the first lines of who meets whom where, unmatched Must-meets, and a CSV."""
    name = {str(i): m.name for i, m in people.items()}
    new = [m for m in draft.meetings if not m.fixed]
    text = (
        ctx.text()
        .tn(
            "Draft for {title}: {count} new meeting, {kept} booked kept; solver {status} in {seconds} s.",
            "Draft for {title}: {count} new meetings, {kept} booked kept; solver {status} in {seconds} s.",
            len(new),
            title=bold(event.title),
            kept=len(draft.meetings) - len(new),
            status=draft.status.value,
            seconds=f"{draft.seconds:.1f}",
        )
        .line()
    )
    csv_file = io.StringIO()
    writer = csv.writer(csv_file)
    writer.writerow(["start", "place", "first", "second", "already_booked"])
    ordered = sorted(draft.meetings, key=lambda m: (m.slot, m.table))
    for number, planned in enumerate(ordered):
        where = place_label(planned.table, ctx.language) if found.tables else ctx.tr("online")
        start = hhmm(slot_of[planned.slot], event.timezone)
        writer.writerow(
            [start, where, name[planned.first], name[planned.second], "yes" if planned.fixed else ""]
        )
        if number < REVIEW_LINES and not planned.fixed:
            text.add(f"{start} · {where}: ").bold(name[planned.first]).add(" × ").bold(
                name[planned.second]
            ).line()
    if len(new) > REVIEW_LINES:
        text.t("…and {count} more in the attached file.", count=len(new) - REVIEW_LINES).line()
    if draft.unmatched_musts:
        missing = ", ".join(f"{name[a]} → {name[b]}" for a, b in draft.unmatched_musts)
        text.t("Must-meets not matched: {pairs}", pairs=missing).line()
    else:
        text.t("Every Must-meet is matched.").line()
    publish = await confirmation(ctx, f"schedule publish {event.id}", lifetime=timedelta(hours=24))
    buttons = (
        (Button(ctx.tr("Publish"), publish), Button(ctx.tr("Draft again"), f"/schedule draft {event.id}")),
    )
    attachment = Attachment(f"schedule-{event.id}.csv", csv_file.getvalue().encode(), "text/csv")
    return text.reply(buttons=buttons, attachment=attachment)


# Publishing -------------------------------------------------------------------------------------


async def schedule_publish(ctx: Context) -> list[Reply]:
    event, found = await _delegation(ctx)  # the router checked the event is in scope
    draft = await ctx.store.schedules.draft(found.id)
    if not draft:
        return [
            ctx.text()
            .t("No draft to publish; make one with {command}.", command=f"/schedule draft {event.id}")
            .reply()
        ]
    published: list[Meeting] = []
    skipped: list[tuple[int, int, datetime]] = []
    lifetime = timedelta(hours=found.expiry_hours)
    for row in draft:
        places = [row.place, *(p for p in found.tables if p != row.place)] if row.place else []
        try:
            if row.starts_at <= ctx.now:
                raise SlotTaken()
            meeting = await ctx.store.meetings.request(
                found,
                row.first_id,
                row.second_id,
                row.starts_at,
                ctx.now,
                places=places,
                reason="",
                # Unconfirmed, it expires like a request: after the coordinator's lifetime.
                expires_at=min(ctx.now + lifetime, row.starts_at),
            )
        except SlotTaken:
            skipped.append((row.first_id, row.second_id, row.starts_at))
            continue
        await ctx.store.schedules.propose(meeting)
        published.append(meeting)
    await ctx.store.schedules.discard_draft(found.id)
    await _ask_each(ctx, event, published)
    text = ctx.text().tn(
        "Published {count} meeting at {title}; each side confirms or declines.",
        "Published {count} meetings at {title}; each side confirms or declines.",
        len(published),
        title=bold(event.title),
    )
    if skipped:
        people = await ctx.store.meetings.members([m for row in skipped for m in row[:2]])
        text.line().t("Skipped, because the slot was taken meanwhile:").line()
        for first, second, start in skipped:
            text.add(f"{hhmm(start, event.timezone)} {people[first].name} × {people[second].name}").line()
    return [text.reply()]


async def _ask_each(ctx: Context, event: Event, published: list[Meeting]) -> None:
    """One message per person: their meetings, each with Confirm / Decline only they can press."""
    mine: defaultdict[int, list[MeetingView]] = defaultdict(list)
    for meeting in published:
        view = await meeting_view(ctx.store, meeting)
        mine[meeting.requester_id].append(view)
        mine[meeting.invitee_id].append(view)
    for member_id, views in mine.items():
        member = views[0].me(member_id)
        payloads = [
            (
                await confirmation(
                    ctx,
                    f"schedule confirm {v.meeting.id}",
                    member_id=member_id,
                    lifetime=_until_expiry(ctx, v),
                ),
                await confirmation(
                    ctx,
                    f"schedule decline {v.meeting.id}",
                    member_id=member_id,
                    lifetime=_until_expiry(ctx, v),
                ),
            )
            for v in views
        ]

        build = partial(_schedule_notice, event, member, views, payloads)
        await tell_member(ctx, member, f"schedule{event.id}:{member_id}:{views[0].meeting.id}", build)


def _until_expiry(ctx: Context, view: MeetingView) -> timedelta:
    return (view.meeting.expires_at or ctx.now) - ctx.now + timedelta(minutes=1)


def _schedule_notice(
    event: Event, reader: Member, views: list[MeetingView], payloads: list[tuple[str, str]], language: str
) -> Reply:
    text = (
        Text(language=language)
        .add("🗓 ")
        .t("Your meetings at {event}, please confirm each:", event=bold(event.title))
        .line()
    )
    rows = []
    for view, (yes, no) in zip(views, payloads, strict=True):
        time = hhmm(view.meeting.starts_at, reader.timezone)
        text.add(f"{time} · {view.where(language)}: ").bold(view.other(reader.id).name).line()
        rows.append(
            (
                Button(fill(language, "Confirm {time}", time=time), yes),
                Button(fill(language, "Decline {time}", time=time), no),
            )
        )
    deadline = min((v.meeting.expires_at for v in views if v.meeting.expires_at), default=None)
    if deadline is not None:
        text.t("Unconfirmed meetings are released at {when}.", when=when(deadline, reader.timezone, language))
    return text.reply(buttons=tuple(rows))


# Answers ----------------------------------------------------------------------------------------


async def _proposed(ctx: Context) -> MeetingView | Reply:
    """The published meeting named in the command, while it waits for confirmations."""
    view = await own_meeting(ctx)
    if view.meeting.status != "proposed":
        return ctx.text().t("This meeting request is already answered.").reply()
    return view


async def schedule_confirm(ctx: Context) -> list[Reply]:
    view = await _proposed(ctx)
    if isinstance(view, Reply):
        return [view]
    other = view.other(ctx.member.id)
    if view.meeting.awaiting_id is None:
        await ctx.store.schedules.confirm_first(view.meeting, other.id)
        return [ctx.text().t("Confirmed; waiting for {name} to confirm too.", name=other.name).reply()]
    if view.meeting.awaiting_id != ctx.member.id:
        return [
            ctx.text().t("You confirmed already; waiting for {name} to confirm too.", name=other.name).reply()
        ]
    await ctx.store.meetings.accept(view.meeting, ctx.now)
    await tell_member(ctx, other, f"meeting{view.meeting.id}:accepted", partial(meeting_card, view, other))
    return [meeting_card(view, ctx.member, ctx.language)]


async def schedule_decline(ctx: Context) -> list[Reply]:
    view = await _proposed(ctx)
    if isinstance(view, Reply):
        return [view]
    await ctx.store.meetings.end(view.meeting, "declined", ctx.now)
    other = view.other(ctx.member.id)
    declined = partial(ended_notice, view, other, "declined", was_agreed=False)
    await tell_member(ctx, other, f"meeting{view.meeting.id}:declined", declined)
    return [ctx.text().t("Declined. I've let {name} know.", name=other.name).reply()]
