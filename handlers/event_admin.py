"""`event add|edit|cancel` for coordinators; attendees hear about every change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.confirmations import confirmation
from handlers.context import Context
from handlers.errors import UsageError
from handlers.events import kind_label, load_event
from handlers.forms import choice, parse_form, positive_int, require
from handlers.notices import notify
from handlers.roles import record, require_cluster, scope
from handlers.timefmt import parse_duration, parse_local, span, valid_zone
from handlers.types import Button, Reply, Text, bold, fill
from store.models import EVENT_KINDS, Event
from store.text import clean_tags

EVENT_FIELDS = (
    "title",
    "kind",
    "start",
    "end",
    "duration",
    "tz",
    "place",
    "url",
    "description",
    "capacity",
    "tags",
    "cluster",
)


async def _event_values(ctx: Context, form: dict[str, str], event: Event | None) -> dict[str, Any]:
    """Turn form fields into column values, checking each; unchanged fields are left out."""
    values: dict[str, Any] = {}
    language = ctx.language
    timezone = (
        valid_zone(form["tz"], language)
        if form.get("tz")
        else (event.timezone if event else ctx.member.timezone)
    )
    if "tz" in form:
        values["timezone"] = timezone
    if "title" in form:
        if not form["title"]:
            raise UsageError(ctx.tr("The title cannot be empty."))
        values["title"] = form["title"][:300]
    if "kind" in form:
        values["kind"] = choice(form["kind"], EVENT_KINDS, ctx.tr("kind of event"), language)
    # Cut to each column's size: PostgreSQL refuses longer values rather than cutting them.
    for key, column, size in (
        ("place", "place", 300),
        ("url", "online_url", 500),
        ("description", "description", 4000),
    ):
        if key in form:
            values[column] = form[key][:size]
    if "capacity" in form:
        values["capacity"] = (
            positive_int(form["capacity"], ctx.tr("capacity"), language) if form["capacity"] else None
        )
    if "tags" in form:
        values["tags"] = clean_tags(form["tags"])
    if "cluster" in form:
        cluster = await ctx.store.people.cluster_by_name(form["cluster"])
        if cluster is None:
            raise UsageError(ctx.tr("I don't know the cluster '{name}'.", name=form["cluster"]))
        values["cluster_id"] = cluster.id
    starts = (
        parse_local(form["start"], timezone, language)
        if form.get("start")
        else (event.starts_at if event else None)
    )
    if starts is None:
        raise UsageError(ctx.tr("Missing: {fields}.", fields="start"))
    if form.get("end"):
        ends = parse_local(form["end"], timezone, language)
    elif form.get("duration"):
        ends = starts + parse_duration(form["duration"], language)
    else:
        ends = event.ends_at - event.starts_at + starts if event else starts + parse_duration("2h")
    if ends <= starts:
        raise UsageError(ctx.tr("The event must end after it starts."))
    if "start" in form or "end" in form or "duration" in form:
        values["starts_at"], values["ends_at"] = starts, ends
    return values


async def event_add(ctx: Context) -> list[Reply]:
    form = parse_form(ctx.args, EVENT_FIELDS, ctx.language)
    require(form, "title", "start", language=ctx.language)
    values = await _event_values(ctx, form, None)
    values.setdefault("timezone", ctx.member.timezone)
    values.setdefault("cluster_id", scope(ctx) or ctx.member.cluster_id)
    await require_cluster(ctx, values["cluster_id"], ctx.tr("the cluster of this event"))
    event = await ctx.store.events.create(ctx.now, created_by=ctx.member.id, **values)
    await record(ctx, "event add", f"#{event.id} {event.title}")
    text = ctx.text().t(
        "Created {event} ({kind}, {when}).",
        event=bold(f"#{event.id} {event.title}"),
        kind=kind_label(event.kind, ctx.language),
        when=span(event.starts_at, event.ends_at, event.timezone, ctx.language),
    )
    return [text.reply(buttons=((Button(ctx.tr("Show it"), f"/event {event.id}"),),))]


async def event_edit(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    await require_cluster(ctx, event.cluster_id, ctx.tr("event #{number}", number=event.id))
    form = parse_form(ctx.args[1:], EVENT_FIELDS, ctx.language)
    if not form:
        raise UsageError(ctx.tr("What should change? Fields: {fields}.", fields=", ".join(EVENT_FIELDS)))
    values = await _event_values(ctx, form, event)
    if "cluster_id" in values:
        await require_cluster(ctx, values["cluster_id"], ctx.tr("the cluster you moved it to"))
    await ctx.store.events.update(event, ctx.now, **values)

    def notice(language: str) -> Reply:
        when = span(event.starts_at, event.ends_at, event.timezone, language)
        text = Text(language=language).t(
            "Update: {title} has changed. Now: {when}.",
            title=bold(event.title),
            when=f"{when} · {event.place}" if event.place else when,
        )
        return text.reply(buttons=((Button(fill(language, "Details"), f"/event {event.id}"),),))

    notified = await _notify_attendees(ctx, event, f"event{event.id}:changed:{ctx.now.isoformat()}", notice)
    changed = ", ".join(sorted(form))
    detail = f"#{event.id} {event.title}: {changed}; {notified} attendees told"
    await record(ctx, "event edit", detail, f"event:{event.id}")
    text = ctx.text().t(
        "Saved {event}; {count} attendees will be told.", event=bold(f"#{event.id}"), count=notified
    )
    return [text.reply()]


async def _cancellable(ctx: Context) -> Event:
    event = await load_event(ctx)
    await require_cluster(ctx, event.cluster_id, ctx.tr("event #{number}", number=event.id))
    if event.cancelled:
        raise UsageError(ctx.tr("#{number} is already cancelled.", number=event.id))
    return event


async def event_cancel_prompt(ctx: Context) -> list[Reply]:
    """Cancelling tells every attendee and cannot be taken back, so it is asked first."""
    event = await _cancellable(ctx)
    attendees = len(await ctx.store.events.attendee_ids(event.id))
    text = ctx.text().t(
        "Cancel {event}? The {count} people going or waitlisted will be told.",
        event=bold(f"#{event.id} {event.title}"),
        count=attendees,
    )
    cancel = await confirmation(ctx, f"event cancel {event.id}")
    buttons = ((Button(ctx.tr("Cancel the event"), cancel), Button(ctx.tr("Keep it"), f"/event {event.id}")),)
    return [text.reply(buttons=buttons)]


async def event_cancel(ctx: Context) -> list[Reply]:
    """Runs only from the button of `event_cancel_prompt`, pressed by the coordinator it was shown to."""
    event = await _cancellable(ctx)
    await ctx.store.events.update(event, ctx.now, cancelled=True)

    def notice(language: str) -> Reply:
        text = Text(language=language).t(
            "{title} ({when}) has been cancelled.",
            title=bold(event.title),
            when=span(event.starts_at, event.ends_at, event.timezone, language),
        )
        return text.reply()

    notified = await _notify_attendees(ctx, event, f"event{event.id}:cancelled", notice)
    detail = f"#{event.id} {event.title}; {notified} attendees told"
    await record(ctx, "event cancel", detail, f"event:{event.id}")
    text = ctx.text().t(
        "Cancelled {event}; {count} attendees will be told.",
        event=bold(f"#{event.id} {event.title}"),
        count=notified,
    )
    return [text.reply()]


async def _notify_attendees(ctx: Context, event: Event, cause: str, notice: Callable[[str], Reply]) -> int:
    attendees = await ctx.store.events.attendee_ids(event.id)
    await notify(ctx, attendees, cause, notice)
    return len(attendees)
