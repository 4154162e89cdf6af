"""Who may do what: admins grant coordinator rights, coordinators act within their cluster, and
every coordinator action is written to the audit log that admins read with `audit`."""

from __future__ import annotations

from handlers.context import Context
from handlers.errors import NotAllowed, NotFound, UsageError, UserError
from handlers.forms import positive_int
from handlers.timefmt import when
from handlers.types import Reply, Text
from store.models import Cluster, Member
from store.text import fold

AUDIT_DEFAULT = 20
AUDIT_MAX = 100


def scope(ctx: Context) -> int | None:
    """The one cluster the person may coordinate, or None when they may act on every cluster."""
    return None if ctx.member.is_admin else ctx.member.coordinator_cluster_id


async def _scope_name(ctx: Context, cluster_id: int) -> str:
    cluster = await ctx.store.people.get_cluster(cluster_id)
    return cluster.name if cluster else f"cluster {cluster_id}"


async def require_cluster(ctx: Context, cluster_id: int | None, what: str) -> None:
    """Refuse a scoped coordinator anything outside their cluster (network-wide things included)."""
    mine = scope(ctx)
    if mine is None or cluster_id == mine:
        return
    raise NotAllowed(
        f"You coordinate {await _scope_name(ctx, mine)} only, and {what} is outside it. "
        "A coordinator for all clusters or an admin can do this."
    )


async def require_segment(ctx: Context, kind: str, value: str) -> None:
    """A scoped coordinator announces to their cluster, or to attendees of their cluster's events.

    Other segments (a region, a tag, everyone) would reach members of other clusters.
    """
    mine = scope(ctx)
    if mine is None:
        return
    name = await _scope_name(ctx, mine)
    if kind == "cluster" and fold(value).strip() == fold(name).strip():
        return
    if kind == "event":
        event = await ctx.store.events.get(int(value))
        if event is not None and event.cluster_id == mine:
            return
    raise NotAllowed(
        f'You coordinate {name} only, so you can announce to cluster:"{name}" or to event:NUMBER '
        f"for one of its events; {segment_text(kind, value)} would reach members outside it."
    )


def segment_text(kind: str, value: str) -> str:
    return "everyone" if kind == "everyone" else f"{kind}:{value}"


async def record(ctx: Context, action: str, detail: str, segment: str = "") -> None:
    await ctx.store.audit.record(ctx.member, action, ctx.now, detail=detail, segment=segment)


async def _member(ctx: Context, typed: str) -> Member:
    if not typed.strip():
        raise UsageError("Whom? Give their member number (#12) or their name.")
    match = await ctx.store.roles.member_named(typed)
    if match.member is not None:
        return match.member
    if not match.candidates:
        raise NotFound(f"I found no member called '{typed}'. Give their number instead, like #12.")
    listed = ", ".join(f"#{member_id} {name}" for member_id, name in match.candidates)
    raise UserError(f"Several members match '{typed}': {listed}. Say which one by its number.")


async def _cluster(ctx: Context, scopes: list[str]) -> Cluster | None:
    if len(scopes) > 1:
        raise UsageError("Give at most one cluster:NAME.")
    if not scopes:
        return None
    name = scopes[0].partition(":")[2]
    cluster = await ctx.store.people.cluster_by_name(name) if name.strip() else None
    if cluster is None:
        known = ", ".join(c.name for c in await ctx.store.people.clusters())
        raise UsageError(f"I don't know the cluster '{name}'. Clusters: {known or 'none yet'}.")
    return cluster


async def coordinator_add(ctx: Context) -> list[Reply]:
    scopes = [arg for arg in ctx.args if arg.lower().startswith("cluster:")]
    cluster = await _cluster(ctx, scopes)
    member = await _member(ctx, " ".join(arg for arg in ctx.args if arg not in scopes))
    await ctx.store.roles.grant(member, cluster.id if cluster else None, ctx.now)
    reach = cluster.name if cluster else "all clusters"
    await record(
        ctx,
        "coordinator add",
        f"{member.name} (#{member.id})",
        f"cluster:{cluster.name}" if cluster else "all",
    )
    notice = Text().add(f"You are now a coordinator for {reach}. Send ").command("help")
    notice.add(" to see what you can do.")
    await ctx.store.outbox.enqueue(
        [member.id], f"role:coordinator:{ctx.now.isoformat()}", notice.reply().to_dict(), ctx.now
    )
    return [Text().bold(f"{member.name} (#{member.id})").add(f" is now a coordinator for {reach}.").reply()]


async def coordinator_remove(ctx: Context) -> list[Reply]:
    member = await _member(ctx, " ".join(ctx.args))
    who = f"{member.name} (#{member.id})"
    if not member.is_coordinator:
        return [Text().bold(who).add(" is not a coordinator.").reply()]
    await ctx.store.roles.revoke(member, ctx.now)
    await record(ctx, "coordinator remove", who)
    text = Text().bold(who).add(" is no longer a coordinator.")
    if member.is_admin:
        text.add(" They stay an admin: that comes from CLUSTERBOT_ADMINS.")
    return [text.reply()]


async def coordinators(ctx: Context) -> list[Reply]:
    found = await ctx.store.roles.coordinators()
    if not found:
        return [Text().add("There are no coordinators yet. Add one with ").command("coordinator add").reply()]
    text = Text().bold("Coordinators").line().line()
    for member, cluster in found:
        text.add(f"#{member.id} ").add(member.name).line(f" — {cluster or 'all clusters'}")
    return [text.reply()]


async def audit(ctx: Context) -> list[Reply]:
    limit = min(positive_int(ctx.args[0], "number of entries"), AUDIT_MAX) if ctx.args else AUDIT_DEFAULT
    entries = await ctx.store.audit.latest(limit)
    if not entries:
        return [Text().add("The audit log is empty.").reply()]
    text = Text().bold(f"Audit log — the last {len(entries)}, newest first").line().line()
    for entry in entries:
        text.add(when(entry.created_at, ctx.member.timezone)).add(" · ").bold(entry.actor_name)
        text.add(f" (#{entry.actor_id})" if entry.actor_id else "").add(" · ").add(entry.action)
        text.add(f": {entry.detail}" if entry.detail else "").add(
            f" → {entry.segment}" if entry.segment else ""
        )
        text.line()
    return [text.reply()]
