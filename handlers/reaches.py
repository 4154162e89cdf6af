"""What each coordinator's command acts on, found from its arguments, for the router's scope check.

Each resolver loads what the command names (refusing bad input exactly as the command would) and
says which clusters that touches; the commands then run knowing the reader may act on them.
"""

from __future__ import annotations

from core.types import N_
from handlers.announce import load_draft, typed_segment
from handlers.engine.context import Context
from handlers.engine.resolving import Retype, cluster_named
from handlers.engine.scopes import Reach, Target, scope
from handlers.event_admin import retyped
from handlers.events import load_event
from handlers.opportunities import load_opportunity
from handlers.reports import scope_label, typed_scope
from handlers.roles import segment_text
from store.text import fold

OUTSIDE_SEGMENT = N_(
    'You coordinate {cluster} only, so you can announce to cluster:"{cluster}" or to event:NUMBER '
    "for one of its events; {segment} would reach members outside it."
)


async def _typed_cluster(ctx: Context, words: list[str], retype: Retype, what: str) -> list[Reach]:
    """The cluster a `cluster=NAME` field names, if the form has one (the last, as the form reads)."""
    typed = [word.partition("=")[2].strip() for word in words if word.lower().startswith("cluster=")]
    if not typed or not typed[-1]:
        return []
    return [Reach((await cluster_named(ctx, typed[-1], retype)).id, what)]


async def new_event(ctx: Context) -> Target:
    """`event add`: the cluster it names, else the coordinator's own."""
    what = ctx.tr("the cluster of this event")
    named = await _typed_cluster(ctx, ctx.args, retyped(ctx, None), what)
    return Target(named or [Reach(scope(ctx) or ctx.member.cluster_id, what)])


async def event(ctx: Context) -> Target:
    """`event cancel N`: the event's cluster."""
    found = await load_event(ctx)
    return Target([Reach(found.cluster_id, ctx.tr("event #{number}", number=found.id))])


async def edited_event(ctx: Context) -> Target:
    """`event edit N`: the event's cluster, and the one the edit moves it to."""
    found = await load_event(ctx)
    moved = ctx.tr("the cluster you moved it to")
    reaches = [Reach(found.cluster_id, ctx.tr("event #{number}", number=found.id))]
    return Target(reaches + await _typed_cluster(ctx, ctx.args[1:], retyped(ctx, found), moved))


async def own_cluster(ctx: Context) -> Target:
    """`opportunity add` publishes in the coordinator's own cluster: always within scope."""
    return Target([Reach(scope(ctx) or ctx.member.cluster_id, "")])


async def opportunity(ctx: Context) -> Target:
    """`opportunity edit|close N`: its cluster; the member who posted it may act too."""
    found = await load_opportunity(ctx)
    what = ctx.tr("opportunity #{number}", number=found.id)
    return Target([Reach(found.cluster_id, what)], poster_id=found.posted_by)


async def _segment(ctx: Context, kind: str, value: str) -> Reach:
    """A scoped coordinator announces to their cluster, or to attendees of their cluster's events.

    Other segments (a region, a tag, everyone) would reach members of other clusters.
    """
    cluster_id = None
    if kind == "cluster":
        wanted = fold(value).strip()
        clusters = await ctx.store.people.clusters()
        cluster_id = next((c.id for c in clusters if fold(c.name).strip() == wanted), None)
    elif kind == "event":
        found = await ctx.store.events.get(int(value))
        cluster_id = found.cluster_id if found else None
    return Reach(cluster_id, segment_text(kind, value), OUTSIDE_SEGMENT)


async def segment(ctx: Context) -> Target:
    """`announce SEGMENT TEXT`: the segment's cluster."""
    kind, value, _ = await typed_segment(ctx)
    return Target([await _segment(ctx, kind, value)])


async def draft(ctx: Context) -> Target:
    """`announce confirm|discard|status N`: the cluster of the draft's segment."""
    found = await load_draft(ctx)
    return Target([await _segment(ctx, found.segment_kind, found.segment_value)])


async def report(ctx: Context) -> Target:
    """`report [SCOPE]`: every cluster the scope covers (the whole partnership: none in particular)."""
    found, _ = await typed_scope(ctx)
    what = scope_label(found, ctx.language)
    if not found.cluster_ids:
        return Target([Reach(None, what)])
    return Target([Reach(cluster_id, what) for cluster_id in found.cluster_ids])
