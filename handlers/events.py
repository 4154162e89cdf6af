"""`events`, `event`, `going`, `notgoing` and `ics`: what is coming up and who is going."""

from __future__ import annotations

from core.errors import NotFound, UsageError
from core.i18n import join_words
from core.types import Attachment, Button, Reply, bold, command, echo, fill_n
from handlers.engine.context import Context
from handlers.engine.forms import positive_int
from handlers.engine.kinds import kind_label
from handlers.engine.timefmt import span
from handlers.ics import event_calendar
from handlers.notices import tell_promoted
from store.models import EVENT_KINDS, Event
from store.text import fold, is_web_url

LIST_LIMIT = 15


def going_label(count: int, language: str) -> str:
    """'1 going'; a separate message from the places, as each count takes its own plural form."""
    return fill_n(language, "{count} going", "{count} going", count)


def places_label(count: int, language: str) -> str:
    return fill_n(language, "{count} place", "{count} places", count)


async def load_event(ctx: Context, *, index: int = 0) -> Event:
    if len(ctx.args) <= index:
        raise UsageError(ctx.tr("Which event? Give its number."))
    typed = ctx.args[index].lstrip("#")
    event = await ctx.store.events.get(positive_int(typed, ctx.tr("event number"), ctx.language))
    if event is None:
        raise NotFound(ctx.tr("There is no event #{number}. See the list with /events.", number=typed))
    return event


def _of_kind(event: Event, wanted: str, language: str) -> bool:
    """`events trade fair` and `events fira` both find trade fairs, whatever the reader's language."""
    return (
        fold(kind_label(event.kind, "en")).startswith(wanted)
        or fold(kind_label(event.kind, language)).startswith(wanted)
        or event.kind.startswith(wanted.replace(" ", "_"))
        or any(wanted in fold(tag) for tag in event.tags)
    )


async def events(ctx: Context) -> list[Reply]:
    wanted = fold(ctx.rest.strip())
    upcoming = await ctx.store.events.upcoming(ctx.now, limit=200)
    if wanted:
        upcoming = [e for e in upcoming if _of_kind(e, wanted, ctx.language)]
    if not upcoming:
        kinds = join_words([kind_label(k, ctx.language) for k in EVENT_KINDS], ctx.language)
        if wanted:
            message = ctx.tr(
                "No upcoming events for '{wanted}'. Kinds: {kinds}.", wanted=echo(ctx.rest), kinds=kinds
            )
        else:
            message = ctx.tr("No upcoming events. Kinds: {kinds}.", kinds=kinds)
        return [ctx.text().add(message).reply()]
    statuses = await ctx.store.events.statuses_for(ctx.member.id, [e.id for e in upcoming])
    marks = {"going": ctx.tr("✅ you're going"), "waitlisted": ctx.tr("⏳ waitlisted")}
    text = ctx.text().bold(ctx.tr("Upcoming events")).line().line()
    for event in upcoming[:LIST_LIMIT]:
        text.bold(f"#{event.id} ").add(event.title).line()
        text.add(f"   {span(event.starts_at, event.ends_at, ctx.member.timezone, ctx.language)}")
        if event.place:
            text.add(f" · {event.place}")
        mark = statuses.get(event.id, "")
        text.line(
            f" · {kind_label(event.kind, ctx.language)}" + (f" · {marks[mark]}" if mark in marks else "")
        )
    if len(upcoming) > LIST_LIMIT:
        text.line().t(
            "…and {count} more; narrow with /events KIND or TAG.", count=len(upcoming) - LIST_LIMIT
        ).line()
    text.line().t("Details: {command}", command=command(ctx.tr("event NUMBER")))
    return [text.reply()]


async def event_details(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    going = await ctx.store.events.going_count(event.id)
    waiting = await ctx.store.events.waitlist_count(event.id)
    rsvp = await ctx.store.events.rsvp_of(ctx.member.id, event.id)
    text = ctx.text()
    if event.cancelled:
        text.bold(ctx.tr("CANCELLED") + " ").line()
    text.bold(f"#{event.id} {event.title}").line()
    text.italic(kind_label(event.kind, ctx.language).capitalize()).line()
    text.add("🕒 ").line(span(event.starts_at, event.ends_at, ctx.member.timezone, ctx.language))
    if event.place:
        text.add("📍 ").line(event.place)
    if is_web_url(event.online_url):
        text.add("🔗 ").link(event.online_url, event.online_url).line()
    if event.description:
        text.line().line(event.description).line()
    text.add("👥 ")
    if event.capacity:
        text.t(
            "{going} of {places}",
            going=going_label(going, ctx.language),
            places=places_label(event.capacity, ctx.language),
        )
    else:
        text.add(going_label(going, ctx.language))
    if waiting:
        text.tn(", {count} on the waitlist", ", {count} on the waitlist", waiting)
    text.line()
    if event.tags:
        text.italic(ctx.tr("Tags:") + " ").line(", ".join(event.tags))
    if rsvp is not None and rsvp.status != "not_going":
        text.line().bold(
            ctx.tr("You're going.") if rsvp.status == "going" else ctx.tr("You're on the waitlist.")
        )
    buttons: tuple[tuple[Button, ...], ...] = ()
    if not event.cancelled:
        buttons = (
            (
                Button(ctx.tr("Going"), f"/going {event.id}"),
                Button(ctx.tr("Not going"), f"/notgoing {event.id}"),
            ),
            (Button(ctx.tr("Add to calendar"), f"/ics {event.id}"),),
        )
    return [text.reply(buttons=buttons)]


async def going(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    if event.cancelled:
        raise UsageError(ctx.tr("#{number} {title} was cancelled.", number=event.id, title=event.title))
    if event.ends_at <= ctx.now:
        raise UsageError(ctx.tr("#{number} {title} is already over.", number=event.id, title=event.title))
    result = await ctx.store.events.attend(event, ctx.member.id, ctx.now)
    text = ctx.text()
    if result in ("going", "already_going"):
        text.t("You're going to {title}.", title=bold(event.title))
        if result == "already_going":
            text.add(" ").t("(You had already said so.)")
        text.add(" ")
        if ctx.member.reminder_offsets:
            text.t("I'll remind you before it starts.")
        else:
            text.t(
                "Your event reminders are off, so I won't remind you; {command} turns them on.",
                command=command("settings reminders 24h,1h"),
            )
    elif result == "waitlisted":
        position = await ctx.store.events.waitlist_count(event.id)
        text.t(
            "{title} is full. You're on the waitlist (number {position}); "
            "I'll tell you as soon as a place frees up.",
            title=bold(event.title),
            position=position,
        )
    else:
        text.t(
            "{title} is full. You're on the waitlist; I'll tell you as soon as a place frees up.",
            title=bold(event.title),
        )
    return [text.reply(buttons=((Button(ctx.tr("Add to calendar"), f"/ics {event.id}"),),))]


async def not_going(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    departure = await ctx.store.events.leave(event, ctx.member.id, ctx.now)
    if departure.promoted_member_id is not None:
        await tell_promoted(ctx, event, [departure.promoted_member_id])
    text = ctx.text().t("Noted: you're not going to {title}.", title=bold(event.title))
    if not departure.was_attending:
        text.add(" ").t("You had no place, so nothing else changed.")
    return [text.reply()]


async def ics(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    attachment = Attachment(f"event-{event.id}.ics", event_calendar([event]), "text/calendar")
    return [ctx.text().t("Calendar file for {title}.", title=bold(event.title)).reply(attachment=attachment)]
