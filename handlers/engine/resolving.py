"""Names typed in commands turned into clusters, places and members, or a "did you mean" with buttons.

The matching itself is the store's (store/resolver.py); here a name that matched nothing for sure
becomes a refusal that changes nothing and offers the closest names as buttons, each retyping
the command with that name (`retype`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from core.errors import NotFound
from core.types import N_, Button, echo
from handlers.engine.context import Context
from store.models import Cluster, Member
from store.resolver import Resolution

T = TypeVar("T")
Retype = Callable[[str], str]

UNKNOWN = {
    "cluster": N_("I don't know the cluster '{name}'."),
    "region": N_("I don't know the region '{name}'."),
    "country": N_("I don't know the country '{name}'."),
    "sector": N_("I don't know the sector '{name}'."),
    "member": N_("I found no member called '{name}'."),
}


def _chosen(ctx: Context, kind: str, typed: str, resolution: Resolution[T], retype: Retype) -> T:
    if resolution.found is not None:
        return resolution.found
    message = ctx.tr(UNKNOWN[kind], name=echo(typed))
    if not resolution.suggestions:
        hint = N_("Give their number instead, like #12.") if kind == "member" else N_("There are none yet.")
        raise NotFound(message + " " + ctx.tr(hint))
    buttons = tuple((Button(label, retype(value)),) for label, value in resolution.suggestions)
    raise NotFound(message + " " + ctx.tr("Did you mean one of these?"), buttons=buttons)


async def cluster_named(ctx: Context, typed: str, retype: Retype) -> Cluster:
    return _chosen(ctx, "cluster", typed, await ctx.store.resolver.cluster(typed), retype)


async def segment_value(ctx: Context, kind: str, typed: str, retype: Retype) -> str:
    """A segment's cluster, region, country or sector as the store spells it (what segments compare)."""
    return _chosen(ctx, kind, typed, await ctx.store.resolver.segment(kind, typed), retype)


async def member_named(ctx: Context, typed: str, retype: Retype, *, listed_only: bool = False) -> Member:
    resolution = await ctx.store.resolver.member(typed, listed_only=listed_only)
    return _chosen(ctx, "member", typed, resolution, retype)
