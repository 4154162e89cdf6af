"""`events`, `event`, `going`, `notgoing` and `ics`: what is coming up and who is going."""

from __future__ import annotations

import shlex

from core.errors import NotFound, UsageError
from core.i18n import join_words
from core.types import Attachment, Button, Reply, bold, command, echo, fill_n
from handlers.engine.context import Context
from handlers.engine.forms import positive_int
from handlers.engine.kinds import kind_label
from handlers.engine.paging import add_more, details_button, item_button, page_of, turns_page
from handlers.engine.timefmt import span
from handlers.ics import event_calendar
from handlers.notices import tell_promoted
from handlers.sharing import add_share_line
from store.models import EVENT_KINDS, Event
from store.text import fold, is_web_url

ATTENDEES_SHOWN = 30


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
    page = page_of(ctx.args)
    typed = " ".join(page.words)
    wanted = fold(typed.strip())
    upcoming = await ctx.store.events.upcoming(ctx.now, limit=200)
    if wanted:
        upcoming = [e for e in upcoming if _of_kind(e, wanted, ctx.language)]
    if not upcoming:
        kinds = join_words([kind_label(k, ctx.language) for k in EVENT_KINDS], ctx.language)
        if wanted:
            message = ctx.tr(
                "No upcoming events for '{wanted}'. Kinds: {kinds}.", wanted=echo(typed), kinds=kinds
            )
        else:
            message = ctx.tr("No upcoming events. Kinds: {kinds}.", kinds=kinds)
        return [ctx.text().add(message).reply()]
    shown = page.of(upcoming)
    statuses = await ctx.store.events.statuses_for(ctx.member.id, [e.id for e in shown])
    marks = {"going": ctx.tr("✅ you're going"), "waitlisted": ctx.tr("⏳ waitlisted")}
    text = ctx.text().bold(ctx.tr("Upcoming events"))
    if page.number > 1:
        text.add(" ").t("(page {page})", page=page.number)
    text.line().line()
    for event in shown:
        when = span(event.starts_at, event.ends_at, ctx.member.timezone, ctx.language)
        kind = kind_label(event.kind, ctx.language)
        mark = marks.get(statuses.get(event.id, ""), "")
        fields = (
            (ctx.tr("When"), when),
            (ctx.tr("Place"), event.place or ""),
            (ctx.tr("Kind"), kind),
            ("", mark),
        )
        with text.item(f"#{event.id} {event.title}", fields, details_button(ctx, f"/event {event.id}")):
            text.command(f"event {event.id}").add(" ").bold(event.title).line()
            text.add(f"   {when}")
            if event.place:
                text.add(f" · {event.place}")
            text.line(f" · {kind}" + (f" · {mark}" if mark else ""))
    rows: list[tuple[Button, ...]] = [(item_button(ctx, e.id, e.title, f"/event {e.id}"),) for e in shown]
    add_more(ctx, text, rows, page, shlex.join(["events", *page.words]), len(upcoming))
    return [text.reply(buttons=tuple(rows), replaces_previous=turns_page(ctx, page))]


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
    add_share_line(ctx, text, "event", event.id)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if not event.cancelled:
        buttons = (
            (
                Button(ctx.tr("Going"), f"/going {event.id}"),
                Button(ctx.tr("Not going"), f"/notgoing {event.id}"),
            ),
            (
                Button(ctx.tr("Who's going"), f"/attendees {event.id}"),
                Button(ctx.tr("Add to calendar"), f"/ics {event.id}"),
            ),
        )
        if event.ends_at > ctx.now and await ctx.store.meetings.session_of(event.id) is not None:
            buttons += ((Button(ctx.tr("Book meetings"), f"/book {event.id}"),),)
    # Opened from a list or a notice, the card it was pressed on stays live.
    return [text.reply(buttons=buttons, keeps_previous=True)]


async def going(ctx: Context) -> list[Reply]:
    """`going NUMBER` takes a place; `going` alone lists the events the member holds a place at."""
    if not page_of(ctx.args).words:
        return await my_events(ctx)
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


async def attendees(ctx: Context) -> list[Reply]:
    """Who is going: members listed in the directory by name, the others only counted."""
    event = await load_event(ctx)
    listed, unlisted = await ctx.store.events.going_listed(event.id)
    cards = await ctx.store.people.cards(listed[:ATTENDEES_SHOWN], listed_only=True)
    text = ctx.text().t("Who's going to {title}", title=bold(event.title)).line().line()
    if not listed and not unlisted:
        return [text.t("Nobody has said they're going yet.").reply(buttons=_going_button(ctx, event))]
    for card in cards:
        text.add("• ").bold(card.member.name)
        if card.organisation:
            text.add(f" — {card.organisation.name}")
        text.line()
    if len(listed) > ATTENDEES_SHOWN:
        text.t("…and {count} more from the directory.", count=len(listed) - ATTENDEES_SHOWN).line()
    if unlisted:
        text.t("{count} more going who are not listed in the directory.", count=unlisted).line()
    return [text.reply(buttons=_going_button(ctx, event))]


def _going_button(ctx: Context, event: Event) -> tuple[tuple[Button, ...], ...]:
    if event.cancelled or event.ends_at <= ctx.now:
        return ()
    return ((Button(ctx.tr("Going"), f"/going {event.id}"),),)


async def my_events(ctx: Context) -> list[Reply]:
    """The events the member is going to or waitlisted for, soonest first, a page at a time."""
    page = page_of(ctx.args)
    mine = await ctx.store.events.of_member(ctx.member.id, ctx.now)
    if not mine:
        text = ctx.text().t(
            "You're not going to any upcoming event. See what's on with {command}.", command=command("events")
        )
        return [text.reply(buttons=((Button(ctx.tr("Upcoming events"), "/events"),),))]
    text = ctx.text().bold(ctx.tr("Your events")).line().line()
    rows: list[tuple[Button, ...]] = []
    for event, status in page.of(mine):
        when = span(event.starts_at, event.ends_at, ctx.member.timezone, ctx.language)
        standing = ctx.tr("✅ you're going") if status == "going" else ctx.tr("⏳ waitlisted")
        details = details_button(ctx, f"/event {event.id}")
        with text.item(f"#{event.id} {event.title}", ((ctx.tr("When"), f"{when} · {standing}"),), details):
            text.bold(f"#{event.id} ").add(event.title).line()
            text.line(f"   {when} · {standing}")
        rows.append(
            (
                Button(ctx.tr("Details #{number}", number=event.id), details.payload),
                Button(ctx.tr("Not going #{number}", number=event.id), f"/notgoing {event.id}"),
            )
        )
    add_more(ctx, text, rows, page, "myevents", len(mine))
    return [text.reply(buttons=tuple(rows), replaces_previous=turns_page(ctx, page))]
