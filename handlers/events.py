"""`events`, `event`, `going`, `notgoing` and `ics`: what is coming up and who is going."""

from __future__ import annotations

from handlers.context import Context
from handlers.errors import NotFound, UsageError
from handlers.forms import positive_int
from handlers.ics import event_calendar
from handlers.timefmt import span
from handlers.types import Attachment, Button, Reply, Text
from store.models import EVENT_KINDS, Event
from store.text import fold

LIST_LIMIT = 15


def kind_label(kind: str) -> str:
    return {"b2b_session": "B2B meeting session"}.get(kind, kind.replace("_", " "))


async def load_event(ctx: Context, *, index: int = 0) -> Event:
    if len(ctx.args) <= index:
        raise UsageError("Which event? Give its number.")
    event = await ctx.store.events.get(positive_int(ctx.args[index].lstrip("#"), "event number"))
    if event is None:
        raise NotFound(f"There is no event #{ctx.args[index].lstrip('#')}. See the list with /events.")
    return event


async def events(ctx: Context) -> list[Reply]:
    wanted = fold(ctx.rest.strip())
    upcoming = await ctx.store.events.upcoming(ctx.now, limit=200)
    if wanted:
        upcoming = [
            e
            for e in upcoming
            if fold(kind_label(e.kind)).startswith(wanted)
            or e.kind.startswith(wanted.replace(" ", "_"))
            or any(wanted in fold(tag) for tag in e.tags)
        ]
    if not upcoming:
        kinds = ", ".join(kind_label(k) for k in EVENT_KINDS)
        return [
            Text()
            .add(
                "No upcoming events" + (f" for '{ctx.rest.strip()}'" if wanted else "") + f". Kinds: {kinds}."
            )
            .reply()
        ]
    statuses = await ctx.store.events.statuses_for(ctx.member.id, [e.id for e in upcoming])
    text = Text().bold("Upcoming events").line().line()
    for event in upcoming[:LIST_LIMIT]:
        text.bold(f"#{event.id} ").add(event.title).line()
        text.add(f"   {span(event.starts_at, event.ends_at, ctx.member.timezone)}")
        if event.place:
            text.add(f" · {event.place}")
        mark = {"going": " · ✅ you're going", "waitlisted": " · ⏳ waitlisted"}.get(
            statuses.get(event.id, ""), ""
        )
        text.line(f" · {kind_label(event.kind)}{mark}")
    if len(upcoming) > LIST_LIMIT:
        text.line().line(f"…and {len(upcoming) - LIST_LIMIT} more; narrow with /events KIND or TAG.")
    text.line().add("Details: ").command("event NUMBER")
    return [text.reply()]


async def event_details(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    going = await ctx.store.events.going_count(event.id)
    waiting = await ctx.store.events.waitlist_count(event.id)
    rsvp = await ctx.store.events.rsvp_of(ctx.member.id, event.id)
    text = Text()
    if event.cancelled:
        text.bold("CANCELLED ").line()
    text.bold(f"#{event.id} {event.title}").line()
    text.italic(kind_label(event.kind).capitalize()).line()
    text.add("🕒 ").line(span(event.starts_at, event.ends_at, ctx.member.timezone))
    if event.place:
        text.add("📍 ").line(event.place)
    if event.online_url:
        text.add("🔗 ").link(event.online_url, event.online_url).line()
    if event.description:
        text.line().line(event.description).line()
    places = f" of {event.capacity} places" if event.capacity else ""
    text.add(f"👥 {going} going{places}")
    if waiting:
        text.add(f", {waiting} on the waitlist")
    text.line()
    if event.tags:
        text.italic("Tags: ").line(", ".join(event.tags))
    if rsvp is not None and rsvp.status != "not_going":
        text.line().bold("You're going." if rsvp.status == "going" else "You're on the waitlist.")
    buttons: tuple[tuple[Button, ...], ...] = ()
    if not event.cancelled:
        buttons = (
            (Button("Going", f"/going {event.id}"), Button("Not going", f"/notgoing {event.id}")),
            (Button("Add to calendar", f"/ics {event.id}"),),
        )
    return [text.reply(buttons=buttons)]


async def going(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    if event.cancelled:
        raise UsageError(f"#{event.id} {event.title} was cancelled.")
    if event.ends_at <= ctx.now:
        raise UsageError(f"#{event.id} {event.title} is already over.")
    result = await ctx.store.events.attend(event, ctx.member.id, ctx.now)
    text = Text()
    if result in ("going", "already_going"):
        text.add("You're going to ").bold(event.title).add(".")
        if result == "already_going":
            text.add(" (You had already said so.)")
        text.add(" I'll remind you before it starts.")
    else:
        position = await ctx.store.events.waitlist_count(event.id)
        text.bold(event.title).add(" is full. You're on the waitlist")
        text.add(f" (number {position})" if result == "waitlisted" else "")
        text.add("; I'll tell you as soon as a place frees up.")
    return [text.reply(buttons=((Button("Add to calendar", f"/ics {event.id}"),),))]


async def not_going(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    departure = await ctx.store.events.leave(event, ctx.member.id, ctx.now)
    if departure.promoted_member_id is not None:
        notice = (
            Text()
            .add("Good news: a place freed up and you're now going to ")
            .bold(event.title)
            .add(f" ({span(event.starts_at, event.ends_at, event.timezone)}).")
            .reply(buttons=((Button("Details", f"/event {event.id}"),),))
        )
        await ctx.store.outbox.enqueue(
            [departure.promoted_member_id],
            f"event{event.id}:promoted:{ctx.now.isoformat()}",
            notice.to_dict(),
            ctx.now,
        )
    if departure.was_attending:
        return [Text().add("Noted: you're not going to ").bold(event.title).add(".").reply()]
    return [
        Text()
        .add("Noted: you're not going to ")
        .bold(event.title)
        .add(". You had no place, so nothing else changed.")
        .reply()
    ]


async def ics(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    attachment = Attachment(f"event-{event.id}.ics", event_calendar([event]), "text/calendar")
    return [Text().add("Calendar file for ").bold(event.title).add(".").reply(attachment=attachment)]
