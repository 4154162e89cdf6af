"""`report [SCOPE] [PERIOD]`: what a cluster, a region or the whole partnership achieved, in a short
text and charts. `clusterbot report … --out DIR` writes the same report as files (bot/report_files.py).

SCOPE is `cluster:NAME`, `region:NAME`, `country:NAME` or `all`; without one, a coordinator of one
cluster gets their cluster and anyone else the whole partnership. PERIOD is a quarter (`2026Q3`), a
year (`2026`) or `since 2026-01-01` (until now); without one, the current quarter. Periods are in
UTC, from the first day's midnight to the midnight after the last day.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from dataclasses import dataclass
from datetime import UTC, date, datetime

from core.errors import UsageError
from core.types import Nn_, Reply, Text, fill, fill_n
from handlers.engine.context import Context
from handlers.engine.resolving import Retype, segment_value
from handlers.engine.scopes import scope
from handlers.exchanges import STATUS_LABELS as EXCHANGE_LABELS
from handlers.outcomes import STEP_LABELS
from handlers.report_charts import as_images, report_charts
from store.models import Cluster
from store.report_values import Period, Report
from store.repository import Store

SCOPE_KINDS = ("cluster", "region", "country")
QUARTER = re.compile(r"(\d{4})\s*[qQ]([1-4])")
YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True, slots=True)
class ReportScope:
    """The clusters a report covers (None: the whole partnership) and how the reader named them."""

    cluster_ids: tuple[int, ...] | None
    kind: str
    value: str


# How many pairs reached each step of the outcomes ladder, in the order the funnel goes.
REACHED = {
    "discussion": Nn_("{count} in discussion", "{count} in discussion"),
    "proposal": Nn_("{count} joint proposal", "{count} joint proposals"),
    "agreement": Nn_("{count} agreement", "{count} agreements"),
    "project": Nn_("{count} project running", "{count} projects running"),
    "none": Nn_("{count} no further contact", "{count} no further contact"),
}


def quarter_of(day: date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = datetime(day.year, first_month, 1, tzinfo=UTC)
    end = datetime(day.year + first_month // 10, (first_month + 2) % 12 + 1, 1, tzinfo=UTC)
    return Period(start, end, f"{day.year}Q{(first_month - 1) // 3 + 1}")


def parse_period(words: list[str], now: datetime, language: str) -> Period:
    """A quarter, a year or `since DATE`; none: the quarter `now` is in."""
    typed = " ".join(words).strip()
    if not typed:
        return quarter_of(now.date())
    if quarter := QUARTER.fullmatch(typed):
        return quarter_of(date(int(quarter.group(1)), 3 * int(quarter.group(2)), 1))
    if YEAR.fullmatch(typed):
        year = int(typed)
        return Period(datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC), typed)
    since, _, day = typed.partition(" ")
    if since.lower() == "since":
        try:
            start = datetime.combine(date.fromisoformat(day.strip()), datetime.min.time(), UTC)
        except ValueError:
            start = None
        if start is not None and start < now:
            return Period(start, now, f"since {start.date().isoformat()}")
    raise UsageError(
        fill(
            language,
            "I can't read the period '{period}'. Give a quarter (2026Q3), a year (2026) or since "
            "YYYY-MM-DD (a day in the past).",
            period=typed[:40],
        )
    )


def split_words(words: list[str]) -> tuple[tuple[str, str] | None, list[str]]:
    """The scope a report line names (kind and value as typed; `("all", "")` for everything), if
    any, and the words left for the period."""
    found: tuple[str, str] | None = None
    rest: list[str] = []
    for word in words:
        kind, colon, value = word.partition(":")
        if word.lower() in ("all", "everyone"):
            found = ("all", "")
        elif colon and kind.lower() in SCOPE_KINDS and value:
            found = (kind.lower(), value)
        else:
            rest.append(word)
    return found, rest


async def scope_of(store: Store, kind: str, spelled: str) -> ReportScope:
    """The clusters of a scope named as the store spells it (`all`: the whole partnership)."""
    if kind == "all":
        return ReportScope(None, "all", "")
    clusters = await store.people.clusters()
    return ReportScope(tuple(c.id for c in clusters if _matches(c, kind, spelled)), kind, spelled)


async def typed_scope(ctx: Context) -> tuple[ReportScope, list[str]]:
    """The scope the command names (or the reader's default) and the words left for the period."""
    named, words = split_words(ctx.args)
    if named is not None:
        kind, typed = named
        spelled = "" if kind == "all" else await segment_value(ctx, kind, typed, _retype(ctx, typed, kind))
        return await scope_of(ctx.store, kind, spelled), words
    mine = scope(ctx) if ctx.is_coordinator else None
    cluster = await ctx.store.people.get_cluster(mine) if mine is not None else None
    found = ReportScope((cluster.id,), "cluster", cluster.name) if cluster else ReportScope(None, "all", "")
    return found, words


def _matches(cluster: Cluster, kind: str, value: str) -> bool:
    return {"cluster": cluster.name, "region": cluster.region, "country": cluster.country}[kind] == value


def _retype(ctx: Context, typed: str, kind: str) -> Retype:
    """The `report` line again with another name for the scope (the "did you mean" buttons)."""
    others = [word for word in ctx.args if word.partition(":")[2] != typed]
    return lambda name: "/report " + shlex.join([f"{kind}:{name}", *others])


def scope_label(found: ReportScope, language: str) -> str:
    if found.cluster_ids is None:
        return fill(language, "the whole partnership")
    if found.kind == "cluster":
        return found.value
    return f"{found.kind} {found.value}"


async def report(ctx: Context) -> list[Reply]:
    found, words = await typed_scope(ctx)
    period = parse_period(words, ctx.now, ctx.language)
    result = await ctx.store.reports.report(found.cluster_ids, period, ctx.now)
    text = summary(result, scope_label(found, ctx.language), ctx.language)
    if result.empty:
        return [text.reply()]
    images = await asyncio.to_thread(as_images, report_charts(result, ctx.language))
    return [text.reply(images=images)]


def period_text(period: Period) -> str:
    return f"{period.label} ({period.start.date().isoformat()} – {period.last_day.isoformat()})"


def summary(result: Report, scope_name: str, language: str) -> Text:
    """The report in a few lines; every number is one the charts and the CSV files show too."""
    text = Text(language=language)
    text.bold(fill(language, "📊 Report: {scope}", scope=scope_name)).line()
    text.line(period_text(result.period))
    members = result.members
    if result.empty:
        text.line()
        return text.t(
            "Nothing happened in this period: nobody joined or wrote, no events, connections, "
            "messages or opportunities. {members} members are listed.",
            members=members.listed,
        ).line()
    text.line()
    text.t(
        "Members: {members} ({listed} listed) · active {active} · new {new}",
        members=members.members,
        listed=members.listed,
        active=members.active,
        new=members.new,
    ).line()
    going = sum(e.going for e in result.events)
    waitlisted = sum(e.waitlisted for e in result.events)
    text.t(
        "Events: {held} held, {coming} to come · going {going} · waitlisted {waitlisted}",
        held=result.events_held,
        coming=len(result.events) - result.events_held,
        going=going,
        waitlisted=waitlisted,
    ).line()
    attended = [e.attended for e in result.events if e.attended is not None and e.held]
    if attended:
        text.t("Met at B2B sessions: {count} members", count=sum(attended)).line()
    intros_requested, intros_accepted = (result.stage("introductions", s) for s in ("requested", "accepted"))
    text.t(
        "Introductions: {requested} requested, {accepted} accepted ({across} across clusters)",
        requested=intros_requested.count,
        accepted=intros_accepted.count,
        across=intros_accepted.crossing.clusters,
    ).line()
    held = result.stage("meetings", "held")
    text.t(
        "Meetings: {requested} requested, {accepted} accepted, {held} held, {no_show} no-show",
        requested=result.stage("meetings", "requested").count,
        accepted=result.stage("meetings", "accepted").count,
        held=held.count,
        no_show=result.stage("meetings", "no_show").count,
    ).line()
    if held.count:
        text.t(
            "Held across clusters {clusters} · regions {regions} · countries {countries} · sectors {sectors}",
            clusters=held.crossing.clusters,
            regions=held.crossing.regions,
            countries=held.crossing.countries,
            sectors=held.crossing.sectors,
        ).line()
    announcements = result.reach_of("announcements")
    text.t(
        "Announcements: {sent} sent, {unreachable} unreachable, {failed} failed, {pending} pending",
        sent=announcements.sent,
        unreachable=announcements.unreachable,
        failed=announcements.failed,
        pending=announcements.pending,
    ).line()
    text.t(
        "Reminders sent: {reminders} · alerts sent: {alerts}",
        reminders=result.reach_of("reminders").sent,
        alerts=result.reach_of("alerts").sent,
    ).line()
    text.t(
        "Opportunities: {posted} posted, {follows} follows",
        posted=result.opportunities_posted,
        follows=result.follows,
    ).line()
    return outcomes_summary(text, result)


def outcomes_summary(text: Text, result: Report) -> Text:
    """The outcomes funnel, the named proposals, agreements and projects, and staff exchanges."""
    outcomes = result.outcomes
    language = text.language
    reached = ", ".join(
        fill_n(language, *REACHED[step], outcomes.reached(step)) for step in REACHED if step != "none"
    )
    text.t(
        "Outcomes (pairs that reached each step): {reached} · {no_further}",
        reached=reached,
        no_further=fill_n(language, *REACHED["none"], outcomes.reached("none")),
    ).line()
    for named in outcomes.named:
        text.add(f"• {fill(text.language, STEP_LABELS[named.step])}: {named.line or '—'}")
        if named.names:
            text.add(" — " + ", ".join(named.names))
        if named.unlisted:
            text.add(" ").t("(+{count} not listed)", count=named.unlisted)
        text.line()
    text.t("Opportunities answered: {count}", count=outcomes.answered).line()
    counts = dict(outcomes.exchanges)
    return text.t(
        "Staff exchanges: {planned} planned, {running} running, {done} done, {cancelled} cancelled",
        **{status: counts.get(status, 0) for status in EXCHANGE_LABELS},
    ).line()
