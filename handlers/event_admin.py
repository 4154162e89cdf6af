"""`event add|edit|cancel` for coordinators; attendees hear about every change."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from datetime import datetime
from typing import Any

from core.errors import UsageError
from core.types import Button, Reply, Text, bold, fill
from handlers.engine.confirmations import confirmation
from handlers.engine.context import Context
from handlers.engine.forms import (
    about,
    choice,
    parse_form,
    positive_int,
    require,
    sized,
    tag_list,
    title,
    web_url,
)
from handlers.engine.kinds import kind_label
from handlers.engine.resolving import cluster_named
from handlers.engine.scopes import scope
from handlers.engine.timefmt import parse_duration, parse_local, span, valid_zone, when
from handlers.event_changes import Change, change_lines, changes
from handlers.events import load_event
from handlers.notices import notify, tell_promoted
from handlers.roles import record
from store.fields import MAX_TAGS
from store.models import EVENT_KINDS, Event

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
    with about("tz"):
        timezone = (
            valid_zone(form["tz"], language)
            if form.get("tz")
            else (event.timezone if event else ctx.member.timezone)
        )
    if "tz" in form:
        values["timezone"] = timezone
    if "title" in form:
        values["title"] = title(form["title"], language)
    if "kind" in form:
        with about("kind"):
            values["kind"] = choice(form["kind"], EVENT_KINDS, ctx.tr("kind of event"), language)
    for key in ("place", "description"):
        if key in form:
            values[key] = sized(form, key, language)
    if "url" in form:
        values["online_url"] = web_url(form["url"], language)
    if "capacity" in form:
        with about("capacity"):
            values["capacity"] = (
                positive_int(form["capacity"], ctx.tr("capacity"), language) if form["capacity"] else None
            )
    if "tags" in form:
        values["tags"] = tag_list(form["tags"], MAX_TAGS, "tags", language)
    if "cluster" in form:
        with about("cluster"):
            values["cluster_id"] = (await cluster_named(ctx, form["cluster"], retyped(ctx, event))).id
    with about("start"):
        starts = (
            parse_local(form["start"], timezone, language)
            if form.get("start")
            else (event.starts_at if event else None)
        )
    if starts is None:
        raise UsageError(ctx.tr("Missing: {fields}.", fields="start"), field="start")
    ending = "end" if form.get("end") else "duration"
    with about(ending):
        if form.get("end"):
            ends = parse_local(form["end"], timezone, language)
        elif form.get("duration"):
            ends = starts + parse_duration(form["duration"], language)
        else:
            ends = event.ends_at - event.starts_at + starts if event else starts + parse_duration("2h")
        if ends <= starts:
            raise UsageError(ctx.tr("The event must end after it starts."))
    moved_start = bool(form.get("start")) and starts < ctx.now
    if moved_start or (("end" in form or "duration" in form) and ends <= ctx.now):
        raise UsageError(
            ctx.tr(
                "That would put the event in the past ({when}). Give a date and time still to come.",
                when=when(starts if form.get("start") else ends, timezone, language),
            ),
            field="start" if moved_start else ending,
        )
    if "start" in form or "end" in form or "duration" in form:
        values["starts_at"], values["ends_at"] = starts, ends
    return values


def _refuse_the_past(ctx: Context, form: dict[str, str], starts: datetime, ends: datetime, zone: str) -> None:
    """A new start, or a new end, must still be to come (an event under way may still be edited)."""
    moved_start = bool(form.get("start")) and starts < ctx.now
    moved_end = ("end" in form or "duration" in form) and ends <= ctx.now
    if moved_start or moved_end:
        raise UsageError(
            ctx.tr(
                "That would put the event in the past ({when}). Give a date and time still to come.",
                when=when(starts if moved_start else ends, zone, ctx.language),
            )
        )


def retyped(ctx: Context, event: Event | None) -> Callable[[str], str]:
    """The same `event add|edit` line with another cluster=, for "did you mean" buttons."""
    words = ctx.args if event is None else ctx.args[1:]
    start = "/event add" if event is None else f"/event edit {event.id}"

    def retype(name: str) -> str:
        form = [f"cluster={name}" if w.lower().startswith("cluster=") else w for w in words]
        return f"{start} {shlex.join(form)}"

    return retype


async def event_add(ctx: Context) -> list[Reply]:
    form = parse_form(ctx.args, EVENT_FIELDS, ctx.language)
    require(form, "title", "start", language=ctx.language)
    values = await _event_values(ctx, form, None)
    values.setdefault("timezone", ctx.member.timezone)
    values.setdefault("cluster_id", scope(ctx) or ctx.member.cluster_id)
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
    form = parse_form(ctx.args[1:], EVENT_FIELDS, ctx.language)
    if not form:
        raise UsageError(ctx.tr("What should change? Fields: {fields}.", fields=", ".join(EVENT_FIELDS)))
    values = await _event_values(ctx, form, event)
    changed = changes(event, values)
    clusters = await _cluster_names(ctx, changed)
    await ctx.store.events.update(event, ctx.now, **values)
    if "capacity" in values:
        await tell_promoted(ctx, event, await ctx.store.events.promote_waitlist(event, ctx.now))

    def notice(language: str) -> Reply:
        moment = span(event.starts_at, event.ends_at, event.timezone, language)
        text = Text(language=language).t(
            "Update: {title} has changed. Now: {when}.",
            title=bold(event.title),
            when=f"{moment} · {event.place}" if event.place else moment,
        )
        for line in change_lines(changed, event.timezone, clusters, language):
            text.line().add(line)
        return text.reply(buttons=((Button(fill(language, "Details"), f"/event {event.id}"),),))

    notified = await _notify_attendees(ctx, event, f"event{event.id}:changed:{ctx.now.isoformat()}", notice)
    detail = f"#{event.id} {event.title}: {', '.join(sorted(form))}; {notified} attendees told"
    await record(ctx, "event edit", detail, f"event:{event.id}")
    text = ctx.text().t(
        "Saved {event}; {count} attendees will be told.", event=bold(f"#{event.id}"), count=notified
    )
    return [text.reply()]


async def _cluster_names(ctx: Context, changed: list[Change]) -> dict[int, str]:
    """The names of the clusters an edit moved the event between, for the notice."""
    ids = {value for c in changed if c.column == "cluster_id" for value in (c.old, c.new) if value}
    clusters = [await ctx.store.people.get_cluster(cluster_id) for cluster_id in ids]
    return {cluster.id: cluster.name for cluster in clusters if cluster is not None}


async def _cancellable(ctx: Context) -> Event:
    event = await load_event(ctx)
    if event.cancelled:
        raise UsageError(ctx.tr("#{number} is already cancelled.", number=event.id))
    return event


async def event_cancel_prompt(ctx: Context) -> list[Reply]:
    """Cancelling tells every attendee and cannot be taken back, so it is asked first."""
    event = await _cancellable(ctx)
    attendees = len(await ctx.store.events.attendee_ids(event.id))
    text = ctx.text().tn(
        "Cancel {event}? The {count} person going or waitlisted will be told.",
        "Cancel {event}? The {count} people going or waitlisted will be told.",
        attendees,
        event=bold(f"#{event.id} {event.title}"),
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
    text = ctx.text().tn(
        "Cancelled {event}; {count} attendee will be told.",
        "Cancelled {event}; {count} attendees will be told.",
        notified,
        event=bold(f"#{event.id} {event.title}"),
    )
    return [text.reply()]


async def _notify_attendees(ctx: Context, event: Event, cause: str, notice: Callable[[str], Reply]) -> int:
    attendees = await ctx.store.events.attendee_ids(event.id)
    await notify(ctx, attendees, cause, notice)
    return len(attendees)
