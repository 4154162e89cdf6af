"""`session EVENT …` and `session status EVENT`: a coordinator turns an event into B2B meetings.

The slots are cut from time windows in the event's time zone on its first day; tables are a
count (named 1…N) or a list of room names; `who` says who may book: everyone going, or one side
of each meeting from each of two lists of clusters ("cluster:A>cluster:B,cluster:C").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from core.errors import NotFound, UsageError
from core.types import Reply, bold, echo, fill
from handlers.engine.context import Context
from handlers.engine.forms import parse_form, positive_int, web_url
from handlers.engine.resolving import cluster_named
from handlers.engine.timefmt import local, parse_duration, parse_local, zone
from handlers.events import load_event
from store.models import Event, MeetingSession

FIELDS = ("slot", "break", "windows", "tables", "online", "opens", "closes", "who", "expiry")
WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
MAX_TABLES = 500
MAX_SLOT_MINUTES = 240


def slot_starts(found: MeetingSession, event: Event) -> list[datetime]:
    """Every slot's start, in UTC, in the order of the windows."""
    first_day = local(event.starts_at, event.timezone).date()
    step = timedelta(minutes=found.slot_minutes + found.break_minutes)
    length = timedelta(minutes=found.slot_minutes)
    starts: list[datetime] = []
    for window in found.windows:
        begin, end = _window_times(window)
        moment = datetime.combine(first_day, begin, zone(event.timezone))
        closing = datetime.combine(first_day, end, zone(event.timezone))
        while moment + length <= closing:
            starts.append(moment.astimezone(UTC))
            moment += step
    return sorted(set(starts))


def _window_times(window: str) -> tuple[time, time]:
    found = WINDOW.match(window.strip())
    if found is None:
        raise ValueError(window)
    h1, m1, h2, m2 = (int(part) for part in found.groups())
    return time(h1, m1), time(h2, m2)


def place_label(place: str, language: str) -> str:
    """'Table 3' for a numbered table; a room's own name as it was given."""
    return fill(language, "table {number}", number=place) if place.isdigit() else place


async def session_setup(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    form = parse_form(ctx.args[1:], FIELDS, ctx.language)
    existing = await ctx.store.meetings.session_of(event.id)
    fields = await _fields(ctx, event, form)
    if existing is None and not fields.get("windows"):
        raise UsageError(ctx.tr('Give the time windows, like windows="10:00-12:00,14:00-16:00".'))
    found = await ctx.store.meetings.set_up(event.id, ctx.now, **fields)
    slots = slot_starts(found, event)
    text = ctx.text().tn(
        "B2B session for {title}: {count} slot of {minutes} min, {places}.",
        "B2B session for {title}: {count} slots of {minutes} min, {places}.",
        len(slots),
        title=bold(event.title),
        minutes=found.slot_minutes,
        places=_places_said(ctx, found),
    )
    text.line().t("Members book with {command}.", command=f"/meet MEMBER {event.id}")
    return [text.reply()]


def _places_said(ctx: Context, found: MeetingSession) -> str:
    if found.tables:
        return ctx.trn("{count} table", "{count} tables", len(found.tables))
    return ctx.tr("online")


async def _fields(ctx: Context, event: Event, form: dict[str, str]) -> dict[str, object]:
    fields: dict[str, object] = {}
    if "slot" in form:
        minutes = positive_int(form["slot"].removesuffix("m"), ctx.tr("slot length"), ctx.language)
        if minutes > MAX_SLOT_MINUTES:
            raise UsageError(ctx.tr("A slot can be at most {minutes} minutes.", minutes=MAX_SLOT_MINUTES))
        fields["slot_minutes"] = minutes
    if "break" in form:
        fields["break_minutes"] = int(parse_duration(form["break"], ctx.language).total_seconds() // 60)
    if "windows" in form:
        fields["windows"] = _windows(ctx, form["windows"])
    if "tables" in form:
        fields["tables"] = _tables(ctx, form["tables"])
    if "online" in form:
        fields["online_url"] = web_url(form["online"], ctx.language)
    for key, column in (("opens", "opens_at"), ("closes", "closes_at")):
        if key in form:
            fields[column] = parse_local(form[key], event.timezone, ctx.language)
    if "expiry" in form:
        hours = parse_duration(form["expiry"], ctx.language).total_seconds() / 3600
        fields["expiry_hours"] = max(1, int(hours))
    if "who" in form:
        fields["pairing"] = await _pairing(ctx, form["who"])
    return fields


def _windows(ctx: Context, raw: str) -> list[str]:
    windows = [part.strip() for part in raw.split(",") if part.strip()]
    for window in windows:
        try:
            begin, end = _window_times(window)
        except ValueError:
            begin = end = time()
        if not begin < end:
            raise UsageError(
                ctx.tr("'{window}' is not a time window; write it like 10:00-12:00.", window=echo(window))
            )
    if not windows:
        raise UsageError(ctx.tr('Give the time windows, like windows="10:00-12:00,14:00-16:00".'))
    return windows


def _tables(ctx: Context, raw: str) -> list[str]:
    if raw.strip().isdigit():
        count = int(raw)
        if count > MAX_TABLES:
            raise UsageError(ctx.tr("At most {count} tables.", count=MAX_TABLES))
        return [str(number) for number in range(1, count + 1)]
    return list(dict.fromkeys(name.strip()[:100] for name in raw.split(",") if name.strip()))[:MAX_TABLES]


async def _pairing(ctx: Context, raw: str) -> dict[str, list[int]] | None:
    """None for `going`; else the cluster ids on each side of `cluster:A>cluster:B,cluster:C`."""
    if raw.strip().lower() == "going":
        return None
    left, arrow, right = raw.partition(">")
    if not arrow or not left.strip() or not right.strip():
        raise UsageError(ctx.tr("Say who=going, or who=cluster:A>cluster:B,cluster:C."))
    sides = []
    for side in (left, right):
        ids = []
        for name in side.split(","):
            typed = name.strip().removeprefix("cluster:").strip()
            cluster = await cluster_named(
                ctx, typed, lambda value: f"/session {' '.join(ctx.args[:1])} who={value}"
            )
            ids.append(cluster.id)
        sides.append(ids)
    return {"from": sides[0], "to": sides[1]}


async def session_of_event(ctx: Context, event: Event) -> MeetingSession:
    found = await ctx.store.meetings.session_of(event.id)
    if found is None:
        raise NotFound(ctx.tr("Event #{number} has no B2B session.", number=event.id))
    return found


async def session_status(ctx: Context) -> list[Reply]:
    event = await load_event(ctx)
    found = await session_of_event(ctx, event)
    counts = await ctx.store.meetings.counts(found.id, ctx.now)
    absent = await ctx.store.checkbacks.absentees(found.id)
    text = ctx.text().bold(event.title).line()
    text.t(
        "Requested: {requested} (of which {proposed} from the published schedule) · accepted: "
        "{accepted} · held: {held} · no-show: {no_show} ({absent} members did not come) · expired: {expired}",
        requested=counts.requested,
        proposed=counts.proposed,
        accepted=counts.accepted,
        held=counts.held,
        no_show=counts.no_show,
        absent=len(absent),
        expired=counts.expired,
    )
    return [text.reply()]
