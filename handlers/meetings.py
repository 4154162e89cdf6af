"""`meet`, `meeting accept|decline|propose|move|cancel|late`, `meetings` and `agenda`: B2B meetings
booked in chat with buttons.

A request holds its slot for both members at once (store/meetings.py), so whatever the other side
answers, the time is still theirs; answering buttons are confirmation buttons of the member who
must answer, so nobody else in a shared chat can press them for them.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Literal

from core.errors import NotAllowed, NotFound, UsageError
from core.types import Button, Reply, Text, bold, fill, short
from handlers.checkbacks import refuse_if_paused
from handlers.engine.confirmations import confirmation
from handlers.engine.context import Context
from handlers.engine.forms import about, positive_int
from handlers.engine.paging import add_more, page_of, turns_page
from handlers.engine.resolving import member_named
from handlers.engine.timefmt import local, zone
from handlers.events import load_event
from handlers.meeting_notices import (
    MeetingView,
    ended_notice,
    hhmm,
    late_notice,
    meeting_card,
    meeting_view,
    request_notice,
    tell,
)
from handlers.meeting_sessions import session_of_event, slot_starts
from store.meetings import SlotTaken
from store.models import Event, MeetingSession, Member
from store.repository import Store

MAX_PENDING = 20
SLOT_BUTTONS_PER_ROW = 4
MAX_SLOT_BUTTONS = 24
BOOK_PAGE = 8
# Where a pending meeting stands for the reader (`meetings`).
PendingKind = Literal["superseded", "schedule", "asked", "waiting"]


# Finding what can be booked ---------------------------------------------------------------------


def pairing_allows(found: MeetingSession, one: Member, other: Member) -> bool:
    """Without a pairing anyone may meet anyone; with one, a member from each of its two sides."""
    if found.pairing is None:
        return True
    sides = set(found.pairing.get("from", [])), set(found.pairing.get("to", []))
    return (one.cluster_id in sides[0] and other.cluster_id in sides[1]) or (
        other.cluster_id in sides[0] and one.cluster_id in sides[1]
    )


async def _may_meet(store: Store, found: MeetingSession, event: Event, one: Member, other: Member) -> bool:
    """Everyone going to the event, or one member from each side of the coordinator's pairing."""
    if found.pairing is None:
        return await store.meetings.is_going(event.id, [one.id, other.id])
    return pairing_allows(found, one, other)


def _booking_open(found: MeetingSession, now: datetime) -> bool:
    return (found.opens_at is None or found.opens_at <= now) and (
        found.closes_at is None or now < found.closes_at
    )


async def shared_session(store: Store, one: Member, other: Member, now: datetime) -> Event | None:
    """The soonest event whose B2B session is open for booking and lets these two meet: what a
    "Meet" button on a find card or a suggestion books in (None: no such button)."""
    return (await shared_sessions(store, one, [other], now)).get(other.id)


async def shared_sessions(
    store: Store, one: Member, others: Sequence[Member], now: datetime
) -> dict[int, Event]:
    """`shared_session` for each of `others` (by member id; left out: no Meet button), with the open
    sessions read once and one query per session, not per member (a find page shows ten cards)."""
    shared: dict[int, Event] = {}
    for found, event in await store.meetings.open_sessions(now):
        waiting = [other for other in others if other.id not in shared]
        if not waiting or not _booking_open(found, now):
            continue
        if found.pairing is None:
            going = await store.meetings.going_among(event.id, [one.id, *(o.id for o in waiting)])
            allowed = [o for o in waiting if one.id in going and o.id in going]
        else:
            allowed = [o for o in waiting if pairing_allows(found, one, o)]
        shared.update((other.id, event) for other in allowed)
    return shared


def meet_button(name: str, other_id: int, event_id: int, language: str) -> Button:
    """Opens the free slots the reader and `other_id` share at the event, as buttons."""
    return Button(fill(language, "Meet {name}", name=short(name)), f"/meet #{other_id} {event_id}")


async def _free_slots(
    ctx: Context, found: MeetingSession, event: Event, member_ids: list[int]
) -> list[datetime]:
    """Slots still ahead in which both members are free and a table is (or the meeting is online)."""
    busy = await ctx.store.meetings.busy_starts(member_ids)
    taken = await ctx.store.meetings.places_taken(found.id)
    return [
        start
        for start in slot_starts(found, event)
        if start > ctx.now
        and start not in busy
        and (not found.tables or len(taken.get(start, ())) < len(found.tables))
    ]


async def _free_places(ctx: Context, found: MeetingSession, start: datetime) -> list[str]:
    taken = (await ctx.store.meetings.places_taken(found.id)).get(start, set())
    return [place for place in found.tables if place not in taken]


def _slot_at(ctx: Context, found: MeetingSession, event: Event, typed: str) -> datetime:
    """The slot starting at `typed` (HH:MM in the event's time zone)."""
    for start in slot_starts(found, event):
        if hhmm(start, event.timezone) == typed.strip().zfill(5):
            return start
    raise UsageError(ctx.tr("There is no slot at {time} in this session.", time=typed))


def _slot_buttons(
    ctx: Context, slots: list[datetime], payload: Callable[[datetime], str]
) -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(hhmm(start, ctx.member.timezone), payload(start)) for start in slots[:MAX_SLOT_BUTTONS]]
    return tuple(
        tuple(buttons[i : i + SLOT_BUTTONS_PER_ROW]) for i in range(0, len(buttons), SLOT_BUTTONS_PER_ROW)
    )


def _reason(member: Member) -> str:
    """One line on why the asker is worth meeting, from their own profile (kept in their words)."""
    parts = [part for part in (member.offers, member.seeks) if part]
    return " · ".join(part.replace("\n", " ")[:140] for part in parts)


# book: whom to meet at an event ------------------------------------------------------------------


async def book(ctx: Context) -> list[Reply]:
    """`book EVENT [PAGE]` (the event card's "Book meetings"): the members the reader may meet
    there, each a button that shows the slots both are free in."""
    event = await load_event(ctx)
    found = await session_of_event(ctx, event)
    page = positive_int(ctx.args[1], ctx.tr("page"), ctx.language) if len(ctx.args) > 1 else 1
    if not _booking_open(found, ctx.now) or event.ends_at <= ctx.now:
        return [ctx.text().t("Booking for {title} is not open.", title=event.title).reply()]
    sides = _other_side_clusters(found, ctx.member)
    if sides == []:
        return [ctx.text().t("This B2B session is for members of other clusters.").reply()]
    if sides is None and not await ctx.store.meetings.is_going(event.id, [ctx.member.id]):
        return [
            ctx.text()
            .t(
                "Say you're going to {title} first: {command}",
                title=event.title,
                command=f"/going {event.id}",
            )
            .reply(buttons=((Button(ctx.tr("Going"), f"/going {event.id}"),),))
        ]
    candidates = [m for m in await ctx.store.meetings.candidates(event.id, sides) if m.id != ctx.member.id]
    shown = candidates[(page - 1) * BOOK_PAGE : page * BOOK_PAGE]
    if not shown:
        return [ctx.text().t("Nobody to meet at {title} yet.", title=event.title).reply()]
    text = ctx.text().t(
        "Whom would you like to meet at {title}? Pick a member to see the times you are both free.",
        title=bold(event.title),
    )
    text.line()
    rows: list[tuple[Button, ...]] = []
    for other in shown:
        text.line().bold(other.name)
        reason = _reason(other)
        if reason:
            text.add(f" · {reason}")
        rows.append((meet_button(other.name, other.id, event.id, ctx.language),))
    if len(candidates) > page * BOOK_PAGE:
        rows.append((Button(ctx.tr("More"), f"/book {event.id} {page + 1}"),))
    return [text.reply(buttons=tuple(rows))]


def _other_side_clusters(found: MeetingSession, member: Member) -> list[int] | None:
    """None when everyone going may meet; else the clusters across the pairing from the member's
    (empty when the member is on neither side)."""
    if found.pairing is None:
        return None
    sides = list(found.pairing.get("from", [])), list(found.pairing.get("to", []))
    across = [
        *(sides[1] if member.cluster_id in sides[0] else []),
        *(sides[0] if member.cluster_id in sides[1] else []),
    ]
    return list(dict.fromkeys(across))


# meet -------------------------------------------------------------------------------------------


async def meet(ctx: Context) -> list[Reply]:
    """`meet NAME [EVENT]`: a name may have spaces (`meet Manon Bernard 5`); a last number is the event."""
    if not ctx.args:
        raise UsageError(ctx.tr("Who would you like to meet? Give a name or a member number."))
    named_event = len(ctx.args) > 1 and ctx.args[-1].lstrip("#").isdigit()
    typed = " ".join(ctx.args[:-1] if named_event else ctx.args)
    with about("member"):
        other = await _other_member(ctx, typed, ctx.args[-1] if named_event else "")
    if named_event:
        with about("event"):
            event = await load_event(ctx, index=len(ctx.args) - 1)
        choices = [(await session_of_event(ctx, event), event)]
    else:
        choices = await ctx.store.meetings.open_sessions(ctx.now)
    for found, event in choices:
        if await _may_meet(ctx.store, found, event, ctx.member, other):
            return [await _slots_reply(ctx, found, event, other)]
    if named_event:
        return [ctx.text().t("You and {name} can't book a meeting at this event.", name=other.name).reply()]
    return [ctx.text().t("There is no B2B session you and {name} can both book.", name=other.name).reply()]


async def _other_member(ctx: Context, typed: str, event: str) -> Member:
    other = await member_named(ctx, typed, lambda value: f"/meet #{value} {event}".rstrip())
    if other.id == ctx.member.id:
        raise UsageError(ctx.tr("That is you. Give the name or number of the member you would like to meet."))
    await refuse_if_paused(ctx, other)
    return other


async def _slots_reply(ctx: Context, found: MeetingSession, event: Event, other: Member) -> Reply:
    if not _booking_open(found, ctx.now):
        return ctx.text().t("Booking for {title} is not open.", title=event.title).reply()
    slots = await _free_slots(ctx, found, event, [ctx.member.id, other.id])
    if not slots:
        return (
            ctx.text()
            .t("You and {name} have no free slot in common at {title}.", name=other.name, title=event.title)
            .reply()
        )
    text = ctx.text().t(
        "Meet {name} at {title}: pick a time ({zone}).",
        name=bold(other.name),
        title=event.title,
        zone=local(slots[0], ctx.member.timezone).tzname() or ctx.member.timezone,
    )
    reason = _reason(other)
    if reason:
        text.line().italic(reason)

    def payload(start: datetime) -> str:
        return f"/meet at {event.id} #{other.id} {hhmm(start, event.timezone)}"

    return text.reply(buttons=_slot_buttons(ctx, slots, payload))


async def meet_at(ctx: Context) -> list[Reply]:
    """`meet at EVENT MEMBER HH:MM`: what a slot button sends; asks the other member, holding the slot."""
    if len(ctx.args) < 3:
        raise UsageError(ctx.tr("Say which event, member and time, like: meet at 5 #12 15:20."))
    event = await load_event(ctx)
    found = await session_of_event(ctx, event)
    other = await _other_member(ctx, ctx.args[1], ctx.args[0])
    start = _slot_at(ctx, found, event, ctx.args[2])
    if not _booking_open(found, ctx.now) or start <= ctx.now:
        return [ctx.text().t("Booking for {title} is not open.", title=event.title).reply()]
    if not await _may_meet(ctx.store, found, event, ctx.member, other):
        return [ctx.text().t("You and {name} can't book a meeting at this event.", name=other.name).reply()]
    if await ctx.store.meetings.pending_sent(ctx.member.id) >= MAX_PENDING:
        text = ctx.text().t(
            "You have {count} requests waiting for an answer; wait for some, or cancel one in /meetings.",
            count=MAX_PENDING,
        )
        return [text.reply()]
    expires = min(ctx.now + timedelta(hours=found.expiry_hours), start)
    try:
        meeting = await ctx.store.meetings.request(
            found,
            ctx.member.id,
            other.id,
            start,
            ctx.now,
            places=await _free_places(ctx, found, start),
            reason=_reason(ctx.member),
            expires_at=expires,
        )
    except SlotTaken:
        return [await _slot_gone(ctx, found, event, other)]
    view = MeetingView(meeting, found, event, ctx.member, other)
    await _ask(ctx, view, other)
    text = ctx.text().t(
        "I've asked {name} to meet you at {time}. The slot is held for you both until they answer.",
        name=bold(other.name),
        time=view.when(ctx.member, ctx.language),
    )
    return [text.reply()]


async def _slot_gone(ctx: Context, found: MeetingSession, event: Event, other: Member) -> Reply:
    """Someone booked that time first: say so, and offer the times still free."""
    again = await _slots_reply(ctx, found, event, other)
    text = ctx.text().t("Sorry, that slot was just taken.").line()
    return Reply(spans=(*text.spans, *again.spans), buttons=again.buttons, language=ctx.language)


async def _ask(ctx: Context, view: MeetingView, reader: Member) -> None:
    """Send `reader` the request with answer buttons only they can press, valid until it expires."""
    meeting = view.meeting
    lifetime = (meeting.expires_at or ctx.now) - ctx.now + timedelta(minutes=1)

    async def payload(verb: str) -> str:
        return await confirmation(ctx, f"meeting {verb} {meeting.id}", member_id=reader.id, lifetime=lifetime)

    buttons = (await payload("accept"), await payload("propose"), await payload("decline"))
    await tell_member(
        ctx,
        reader,
        f"meeting{meeting.id}:ask:{meeting.sequence}",
        lambda lang: request_notice(view, reader, buttons, lang),
    )


async def tell_member(ctx: Context, member: Member, cause: str, build: Callable[[str], Reply]) -> None:
    await tell(ctx.notifier, ctx.store, member, cause, build, ctx.now)


# Answers ----------------------------------------------------------------------------------------


async def own_meeting(ctx: Context) -> MeetingView:
    """The meeting named in the command, which only its two members may touch."""
    if not ctx.args:
        raise UsageError(ctx.tr("Which meeting? Give its number."))
    number = positive_int(ctx.args[0].lstrip("#"), ctx.tr("meeting number"), ctx.language)
    meeting = await ctx.store.meetings.get(number)
    if meeting is None or ctx.member.id not in (meeting.requester_id, meeting.invitee_id):
        raise NotFound(ctx.tr("You have no meeting #{number}.", number=number))
    return await meeting_view(ctx.store, meeting)


async def _awaiting_me(ctx: Context) -> MeetingView | Reply:
    view = await own_meeting(ctx)
    await ctx.store.checkbacks.seen_requests(ctx.member, ctx.now)
    if view.meeting.status == "expired":
        return ctx.text().t("This meeting request has expired; the slot is free again.").reply()
    if view.meeting.status != "requested":
        return ctx.text().t("This meeting request is already answered.").reply()
    if view.meeting.awaiting_id != ctx.member.id:
        raise NotAllowed(
            ctx.tr("It is {name}'s turn to answer this request.", name=view.other(ctx.member.id).name)
        )
    return view


async def accept(ctx: Context) -> list[Reply]:
    view = await _awaiting_me(ctx)
    if isinstance(view, Reply):
        return [view]
    await ctx.store.meetings.accept(view.meeting, ctx.now)
    other = view.other(ctx.member.id)
    await tell_member(
        ctx, other, f"meeting{view.meeting.id}:accepted", lambda lang: meeting_card(view, other, lang)
    )
    return [meeting_card(view, ctx.member, ctx.language)]


async def decline(ctx: Context) -> list[Reply]:
    view = await _awaiting_me(ctx)
    if isinstance(view, Reply):
        return [view]
    await _end(ctx, view, "declined")
    return [ctx.text().t("Declined. I've let {name} know.", name=view.other(ctx.member.id).name).reply()]


async def _end(ctx: Context, view: MeetingView, status: str) -> None:
    was_agreed = view.meeting.status == "accepted"
    await ctx.store.meetings.end(view.meeting, status, ctx.now)
    other = view.other(ctx.member.id)
    cause = f"meeting{view.meeting.id}:{status}"
    await tell_member(
        ctx, other, cause, lambda lang: ended_notice(view, other, status, lang, was_agreed=was_agreed)
    )


async def propose(ctx: Context) -> list[Reply]:
    """The times both are free in, each a button that moves the request there (for this member only)."""
    view = await _awaiting_me(ctx)
    if isinstance(view, Reply):
        return [view]
    other = view.other(ctx.member.id)
    slots = await _free_slots(ctx, view.found, view.event, [ctx.member.id, other.id])
    if not slots:
        return [ctx.text().t("You and {name} have no other free slot in common.", name=other.name).reply()]
    payloads = {
        start: await confirmation(
            ctx,
            f"meeting move {view.meeting.id} {hhmm(start, view.event.timezone)}",
            lifetime=timedelta(days=2),
        )
        for start in slots[:MAX_SLOT_BUTTONS]
    }
    text = ctx.text().t("Which time would you propose to {name}?", name=bold(other.name))
    return [text.reply(buttons=_slot_buttons(ctx, slots, payloads.__getitem__))]


async def move(ctx: Context) -> list[Reply]:
    """Answer a request with another time: a new request to the other side, which replaces this one
    (kept as "superseded", so both stay in `meetings`)."""
    view = await _awaiting_me(ctx)
    if isinstance(view, Reply):
        return [view]
    if len(ctx.args) < 2:
        raise UsageError(ctx.tr("Which time? Give it like 15:20."))
    start = _slot_at(ctx, view.found, view.event, ctx.args[1])
    other = view.other(ctx.member.id)
    try:
        proposal = await ctx.store.meetings.counter(
            view.found,
            view.meeting,
            ctx.member.id,
            start,
            ctx.now,
            places=await _free_places(ctx, view.found, start),
            expires_at=min(ctx.now + timedelta(hours=view.found.expiry_hours), start),
        )
    except SlotTaken:
        return [ctx.text().t("Sorry, that slot was just taken.").reply()]
    proposed = MeetingView(proposal, view.found, view.event, ctx.member, other)
    await _ask(ctx, proposed, other)
    text = ctx.text().t(
        "I've proposed {time} to {name}.", time=proposed.when(ctx.member, ctx.language), name=other.name
    )
    return [text.reply()]


async def cancel(ctx: Context) -> list[Reply]:
    view = await own_meeting(ctx)
    if view.meeting.status not in ("requested", "accepted"):
        return [ctx.text().t("This meeting is not on anymore.").reply()]
    was_agreed = view.meeting.status == "accepted"
    await _end(ctx, view, "cancelled")
    text = ctx.text().t(
        "Cancelled; the slot is free again and I've told {name}.", name=view.other(ctx.member.id).name
    )
    return [text.reply(attachment=view.invitation() if was_agreed else None)]


async def late(ctx: Context) -> list[Reply]:
    view = await own_meeting(ctx)
    if view.meeting.status != "accepted":
        return [ctx.text().t("This meeting is not on anymore.").reply()]
    other = view.other(ctx.member.id)
    await tell_member(
        ctx, other, f"meeting{view.meeting.id}:late", lambda lang: late_notice(view, other, lang)
    )
    return [ctx.text().t("I've told {name} you're running late.", name=other.name).reply()]


# Lists ------------------------------------------------------------------------------------------


async def meetings(ctx: Context) -> list[Reply]:
    """Requests waiting for my answer, and mine waiting for theirs, each with its buttons."""
    page = page_of(ctx.args)
    pending = await ctx.store.meetings.of_member(
        ctx.member.id, statuses=("requested", "proposed", "superseded"), ending_after=ctx.now
    )
    await ctx.store.checkbacks.seen_requests(ctx.member, ctx.now)
    if not pending:
        return [
            ctx.text()
            .t("No meeting requests in or out. Book one with {command}.", command="/meet MEMBER")
            .reply()
        ]
    text, rows = ctx.text(), list[tuple[Button, ...]]()
    for meeting in page.of(pending):
        view = await meeting_view(ctx.store, meeting)
        kind = _pending_kind(ctx, view)
        row = await _pending_buttons(ctx, view, kind)
        when = ((ctx.tr("When"), view.when(ctx.member, ctx.language)),)
        name = view.other(ctx.member.id).name
        with text.item(name, when, subtitle=f" · {_pending_status(ctx, view, kind)}", buttons=row):
            _pending_line(ctx, view, kind, text)
            text.line()
        if row:
            rows.append(row)
    add_more(ctx, text, rows, page, "meetings", len(pending))
    return [text.reply(buttons=tuple(rows), replaces_previous=turns_page(ctx, page))]


def _pending_kind(ctx: Context, view: MeetingView) -> PendingKind:
    """Where a pending meeting stands for the reader: answered with another time, proposed by a
    published schedule (handlers/delegations.py; each side confirms), asked of them, or theirs."""
    meeting = view.meeting
    if meeting.status == "superseded":
        return "superseded"
    if meeting.status == "proposed" and meeting.awaiting_id in (None, ctx.member.id):
        return "schedule"
    return "asked" if meeting.awaiting_id == ctx.member.id else "waiting"


async def _pending_buttons(ctx: Context, view: MeetingView, kind: PendingKind) -> tuple[Button, ...]:
    """Accept and Decline for the reader to answer, Cancel for their own request."""
    meeting = view.meeting
    time = hhmm(meeting.starts_at, ctx.member.timezone)
    if kind in ("schedule", "asked"):
        verb, prefix = ("confirm", "schedule") if kind == "schedule" else ("accept", "meeting")
        accept_line = await confirmation(ctx, f"{prefix} {verb} {meeting.id}")
        decline_line = await confirmation(ctx, f"{prefix} decline {meeting.id}")
        return (
            Button(ctx.tr("Accept {time}", time=time), accept_line),
            Button(ctx.tr("Decline {time}", time=time), decline_line),
        )
    if kind == "waiting" and meeting.status == "requested":
        cancel = await confirmation(ctx, f"meeting cancel {meeting.id}")
        return (Button(ctx.tr("Cancel {time}", time=time), cancel),)
    return ()


def _pending_status(ctx: Context, view: MeetingView, kind: PendingKind) -> str:
    """The few words a list item shows after the name, for `_pending_line`'s sentence."""
    if kind == "superseded":
        if view.meeting.requester_id == ctx.member.id:
            return ctx.tr("declined, another time proposed")
        return ctx.tr("you proposed another time")
    if kind == "schedule":
        return ctx.tr("from the published schedule")
    return ctx.tr("asks to meet you") if kind == "asked" else ctx.tr("waiting for their answer")


def _pending_line(ctx: Context, view: MeetingView, kind: PendingKind, text: Text) -> None:
    name, when = bold(view.other(ctx.member.id).name), view.when(ctx.member, ctx.language)
    if kind == "schedule":
        text.t("📋 {name}, from the published schedule: {when}", name=name, when=when)
    elif kind == "asked":
        text.t("← {name} asks to meet you: {when}", name=name, when=when)
    elif kind == "waiting":
        text.t("→ waiting for {name}: {when}", name=name, when=when)
    elif view.meeting.requester_id == ctx.member.id:
        # A request answered with another time stays listed, as what it became.
        text.t(
            "✗ Your request to {name} for {when}: declined, {name} proposed another time.",
            name=name,
            when=when,
        )
    else:
        text.t("✗ {name}'s request for {when}: you proposed another time.", name=name, when=when)


async def agenda(ctx: Context) -> list[Reply]:
    """My meetings still ahead (of one event, or all), in my time zone, to cancel or say I'm late."""
    page = page_of(ctx.args)
    ctx = replace(ctx, args=page.words)
    session_id = None
    if ctx.args:
        event = await load_event(ctx)
        session_id = (await session_of_event(ctx, event)).id
    agreed = await ctx.store.meetings.of_member(
        ctx.member.id, statuses=("accepted",), ending_after=ctx.now, session_id=session_id
    )
    if not agreed:
        return [
            ctx.text()
            .t("No meetings in your agenda yet. Book one with {command}.", command="/meet MEMBER")
            .reply()
        ]
    text, rows, day = ctx.text(), list[tuple[Button, ...]](), None
    for meeting in page.of(agreed):
        view = await meeting_view(ctx.store, meeting)
        shown = local(meeting.starts_at, ctx.member.timezone)
        if shown.date() != day:
            day = shown.date()
            text.bold(view.event.title).line()
        time = hhmm(meeting.starts_at, ctx.member.timezone)
        hours = f"{time}–{hhmm(meeting.ends_at, ctx.member.timezone)}"
        name, where = view.other(ctx.member.id).name, view.where(ctx.language)
        cancel_line = await confirmation(ctx, f"meeting cancel {meeting.id}")
        row = (
            Button(ctx.tr("Cancel {time}", time=time), cancel_line),
            Button(ctx.tr("Running late {time}", time=time), f"/meeting late {meeting.id}"),
        )
        with text.item(name, ((ctx.tr("When"), hours), (ctx.tr("Place"), where)), buttons=row):
            text.add(f"{hours} ").bold(name).add(f" · {where}").line()
        rows.append(row)
    add_more(ctx, text, rows, page, shlex.join(["agenda", *page.words]), len(agreed))
    text.add(f"({zone(ctx.member.timezone).key})")
    return [text.reply(buttons=tuple(rows), replaces_previous=turns_page(ctx, page))]
