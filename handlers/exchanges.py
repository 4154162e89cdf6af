"""`outcome exchange`: staff exchanges (ClusterXchange), the outcome of their own kind.

One sub-command records one and changes its status:
    outcome exchange host=HOST from=YYYY-MM-DD to=YYYY-MM-DD [visitor=MEMBER] [status=planned]
    outcome exchange NUMBER status=running|done|cancelled
HOST is a member (a name, @handle or #number), `cluster:NAME` or `org:NAME`; the visitor is the
member writing unless named. The visitor, a host member or a coordinator may record or change it.
"""

from __future__ import annotations

from datetime import date

from core.errors import NotAllowed, NotFound, UsageError
from core.types import N_, Reply
from handlers.engine.context import Context
from handlers.engine.forms import choice, parse_form, positive_int, require
from handlers.engine.resolving import cluster_named, member_named
from store.models import EXCHANGE_STATUSES, Exchange, Member

STATUS_LABELS = dict(
    zip(
        EXCHANGE_STATUSES,
        (N_("planned"), N_("running"), N_("done"), N_("cancelled")),
        strict=True,
    )
)
FIELDS = ("host", "visitor", "from", "to", "status")


async def exchange(ctx: Context) -> list[Reply]:
    if ctx.args and "=" not in ctx.args[0]:
        return [await _change(ctx, ctx.args[0], ctx.args[1:])]
    form = parse_form(ctx.args, FIELDS, ctx.language)
    require(form, "host", "from", "to", language=ctx.language)
    starts_on, ends_on = _day(ctx, form["from"]), _day(ctx, form["to"])
    if ends_on < starts_on:
        raise UsageError(ctx.tr("The exchange cannot end before it starts."))
    status = _status(ctx, form.get("status") or "planned")
    visitor = ctx.member
    if form.get("visitor"):
        retype = lambda value: f"/outcome exchange visitor=#{value}"  # noqa: E731 - one use
        visitor = await member_named(ctx, form["visitor"], retype)
    host_member, host_organisation, host_cluster = await _host(ctx, form["host"])
    if host_member is not None and host_member.id == visitor.id:
        raise UsageError(ctx.tr("The host and the visitor must be different members."))
    if ctx.member.id not in (visitor.id, host_member.id if host_member else None) and not ctx.is_coordinator:
        raise NotAllowed(ctx.tr("Only the visitor, the host or a coordinator can record this exchange."))
    recorded = await ctx.store.outcomes.add_exchange(
        visitor.id,
        starts_on,
        ends_on,
        ctx.now,
        host_member_id=host_member.id if host_member else None,
        host_organisation_id=host_organisation,
        host_cluster_id=host_cluster,
        status=status,
    )
    return [await _summary(ctx, recorded)]


async def _change(ctx: Context, typed: str, words: list[str]) -> Reply:
    number = positive_int(typed.lstrip("#"), ctx.tr("exchange number"), ctx.language)
    found = await ctx.store.outcomes.get_exchange(number)
    if found is None:
        raise NotFound(ctx.tr("There is no exchange #{number}.", number=number))
    if ctx.member.id not in (found.visitor_id, found.host_member_id) and not ctx.is_coordinator:
        raise NotAllowed(ctx.tr("Only the visitor, the host or a coordinator can change this exchange."))
    form = parse_form(words, ("status",), ctx.language)
    require(form, "status", language=ctx.language)
    await ctx.store.outcomes.set_exchange_status(found, _status(ctx, form["status"]), ctx.now)
    return await _summary(ctx, found)


async def _host(ctx: Context, typed: str) -> tuple[Member | None, int | None, int | None]:
    """A host member, organisation id or cluster id (one of the three is set)."""
    kind, sep, name = typed.partition(":")
    if sep and kind.strip().lower() == "cluster":
        cluster = await cluster_named(ctx, name, lambda value: f'/outcome exchange host="cluster:{value}"')
        return None, None, cluster.id
    if sep and kind.strip().lower() in ("org", "organisation", "organization"):
        organisation = await ctx.store.outcomes.organisation_named(name)
        if organisation is None:
            raise NotFound(ctx.tr("I don't know the organisation '{name}'.", name=name.strip()))
        return None, organisation.id, None
    member = await member_named(ctx, typed, lambda value: f"/outcome exchange host=#{value}")
    return member, None, None


def _day(ctx: Context, typed: str) -> date:
    try:
        return date.fromisoformat(typed.strip())
    except ValueError:
        raise UsageError(
            ctx.tr("Give the date as YYYY-MM-DD, for example {example}.", example="2027-01-15")
        ) from None


def _status(ctx: Context, typed: str) -> str:
    return choice(typed, EXCHANGE_STATUSES, ctx.tr("status"), ctx.language)


async def _summary(ctx: Context, recorded: Exchange) -> Reply:
    view = await ctx.store.outcomes.exchange_view(recorded)
    return (
        ctx.text()
        .t(
            "Exchange #{number}: {visitor} with {host}, {start} to {end}, {status}.",
            number=recorded.id,
            visitor=view.visitor,
            host=view.host,
            start=recorded.starts_on.isoformat(),
            end=recorded.ends_on.isoformat(),
            status=ctx.tr(STATUS_LABELS[recorded.status]),
        )
        .reply()
    )
