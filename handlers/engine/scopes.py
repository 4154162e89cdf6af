"""Who may run a command, declared where it is registered and checked by the router before it runs.

A coordinator may be scoped to one cluster; a command a coordinator runs therefore names the
clusters it acts on (a `Reach` each), found from its arguments by a resolver, so that no handler
has to remember the check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from core.errors import NotAllowed
from core.types import N_
from handlers.engine.context import Context

Role = Literal["member", "coordinator", "admin"]

OUTSIDE = N_(
    "You coordinate {cluster} only, and {what} is outside it. "
    "A coordinator for all clusters or an admin can do this."
)
NOT_POSTER = N_("Only the member who posted it or a coordinator can change it.")


@dataclass(frozen=True, slots=True)
class Reach:
    """One cluster a command acts on (None: the whole network), named for a refusal.

    `refusal` is a message id filled with `cluster` (the coordinator's) and `what` (also as
    `segment`, for announcements, whose refusal names the segment as typed).
    """

    cluster_id: int | None
    what: str
    refusal: str = OUTSIDE


@dataclass(frozen=True, slots=True)
class Target:
    """What a resolver found: the clusters acted on and the member who posted the thing, if any."""

    reaches: Sequence[Reach]
    poster_id: int | None = None


Resolver = Callable[[Context], Awaitable[Target]]


@dataclass(frozen=True, slots=True)
class Scope:
    """`role` decides who sees the command in help and who may try it; `resolver`, for the
    coordinator's commands, which clusters it acts on. `poster` lets the member who posted the
    thing act on it whatever their role."""

    role: Role
    resolver: Resolver | None = None
    poster: bool = False

    @staticmethod
    def coordinator_of(resolver: Resolver) -> Scope:
        return Scope("coordinator", resolver)

    @staticmethod
    def poster_or_coordinator_of(resolver: Resolver) -> Scope:
        return Scope("member", resolver, poster=True)

    def visible(self, ctx: Context) -> bool:
        if self.role == "admin":
            return ctx.is_admin
        if self.role == "coordinator":
            return ctx.is_coordinator
        return True

    async def check(self, ctx: Context) -> None:
        """Raise NotAllowed unless the reader may run the command with these arguments."""
        if self.resolver is None or (ctx.is_coordinator and scope(ctx) is None):
            # Nothing to look up for someone who may act on every cluster.
            return
        target = await self.resolver(ctx)
        if self.poster and target.poster_id == ctx.member.id:
            return
        if not ctx.is_coordinator:
            raise NotAllowed(ctx.tr(NOT_POSTER))
        for reach in target.reaches:
            await within_scope(ctx, reach)


MEMBER = Scope("member")
ADMIN = Scope("admin")


def scope(ctx: Context) -> int | None:
    """The one cluster the person may coordinate, or None when they may act on every cluster."""
    return None if ctx.is_admin else ctx.member.coordinator_cluster_id


async def within_scope(ctx: Context, reach: Reach) -> None:
    """Refuse a scoped coordinator anything outside their cluster (network-wide things included)."""
    mine = scope(ctx)
    if mine is None or reach.cluster_id == mine:
        return
    cluster = await ctx.store.people.get_cluster(mine)
    name = cluster.name if cluster else ctx.tr("cluster {number}", number=mine)
    raise NotAllowed(ctx.tr(reach.refusal, cluster=name, what=reach.what, segment=reach.what))
