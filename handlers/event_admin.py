"""`event add|edit|cancel` for coordinators; attendees hear about every change."""

from __future__ import annotations

from typing import Any

from handlers.context import Context
from handlers.errors import UsageError
from handlers.events import kind_label, load_event
from handlers.forms import choice, parse_form, positive_int, require
from handlers.roles import record, require_cluster, scope
from handlers.timefmt import parse_duration, parse_local, span, valid_zone
from handlers.types import Button, Reply, Text
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
    timezone = (
        valid_zone(form["tz"]) if form.get("tz") else (event.timezone if event else ctx.member.timezone)
    )
    if "tz" in form:
        values["timezone"] = timezone
    if "title" in form:
        if not form["title"]:
            raise UsageError("The title cannot be empty.")
        values["title"] = form["title"][:300]
    if "kind" in form:
        values["kind"] = choice(form["kind"], EVENT_KINDS, "kind of event")
    for key, column in (("place", "place"), ("url", "online_url"), ("description", "description")):
        if key in form:
            values[column] = form[key][:2000]
    if "capacity" in form:
        values["capacity"] = positive_int(form["capacity"], "capacity") if form["capacity"] else None
    if "tags" in form:
        values["tags"] = clean_tags(form["tags"])
    if "cluster" in form:
        cluster = await ctx.store.people.cluster_by_name(form["cluster"])
        if cluster is None:
            raise UsageError(f"I don't know the cluster '{form['cluster']}'.")
        values["cluster_id"] = cluster.id
    starts = (
        parse_local(form["start"], timezone) if form.get("start") else (event.starts_at if event else None)
    )
    if starts is None:
        raise UsageError("Missing: start.")
    if form.get("end"):
        ends = parse_local(form["end"], timezone)
    elif form.get("duration"):
        ends = starts + parse_duration(form["duration"])
    else:
        ends = event.ends_at - event.starts_at + starts if event else starts + parse_duration("2h")
    if ends <= starts:
        raise UsageError("The event must end after it starts.")
    if "start" in form or "end" in form or "duration" in form:
        values["starts_at"], values["ends_at"] = starts, ends
    return values


async def event_add(ctx: Context) -> list[Reply]:
    form = parse_form(ctx.args, EVENT_FIELDS)
    require(form, "title", "start")
    values = await _event_values(ctx, form, None)
    values.setdefault("timezone", ctx.member.timezone)
    values.setdefault("cluster_id", scope(ctx) or ctx.member.cluster_id)
    await require_cluster(ctx, values["cluster_id"], "the cluster of this event")
    event = await ctx.store.events.create(ctx.now, created_by=ctx.member.id, **values)
    await record(ctx, "event add", f"#{event.id} {event.title}")
    text = (
        Text()
        .add("Created ")
        .bold(f"#{event.id} {event.title}")
        .add(f" ({kind_label(event.kind)}, {span(event.starts_at, event.ends_at, event.timezone)}).")
    )
    return [text.reply(buttons=((Button("Show it", f"/event {event.id}"),),))]


async def event_edit(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    await require_cluster(ctx, event.cluster_id, f"event #{event.id}")
    form = parse_form(ctx.args[1:], EVENT_FIELDS)
    if not form:
        raise UsageError(f"What should change? Fields: {', '.join(EVENT_FIELDS)}.")
    values = await _event_values(ctx, form, event)
    if "cluster_id" in values:
        await require_cluster(ctx, values["cluster_id"], "the cluster you moved it to")
    await ctx.store.events.update(event, ctx.now, **values)
    notice = (
        Text()
        .add("Update: ")
        .bold(event.title)
        .add(" has changed. Now: ")
        .add(span(event.starts_at, event.ends_at, event.timezone))
        .add(f"{' · ' + event.place if event.place else ''}.")
        .reply(buttons=((Button("Details", f"/event {event.id}"),),))
    )
    notified = await _notify_attendees(ctx, event, f"event{event.id}:changed:{ctx.now.isoformat()}", notice)
    changed = ", ".join(sorted(form))
    detail = f"#{event.id} {event.title}: {changed}; {notified} attendees told"
    await record(ctx, "event edit", detail, f"event:{event.id}")
    return [Text().add("Saved ").bold(f"#{event.id}").add(f"; {notified} attendees will be told.").reply()]


async def event_cancel(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    await require_cluster(ctx, event.cluster_id, f"event #{event.id}")
    if event.cancelled:
        raise UsageError(f"#{event.id} is already cancelled.")
    await ctx.store.events.update(event, ctx.now, cancelled=True)
    notice = (
        Text()
        .bold(event.title)
        .add(f" ({span(event.starts_at, event.ends_at, event.timezone)}) has been cancelled.")
        .reply()
    )
    notified = await _notify_attendees(ctx, event, f"event{event.id}:cancelled", notice)
    detail = f"#{event.id} {event.title}; {notified} attendees told"
    await record(ctx, "event cancel", detail, f"event:{event.id}")
    return [
        Text()
        .add("Cancelled ")
        .bold(f"#{event.id} {event.title}")
        .add(f"; {notified} attendees will be told.")
        .reply()
    ]


async def _notify_attendees(ctx: Context, event: Event, cause: str, notice: Reply) -> int:
    attendees = await ctx.store.events.attendee_ids(event.id)
    await ctx.store.outbox.enqueue(attendees, cause, notice.to_dict(), ctx.now)
    return len(attendees)
