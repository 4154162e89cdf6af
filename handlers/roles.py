"""Who may do what: admins grant coordinator rights, coordinators act within their cluster, and
every coordinator action is written to the audit log that admins read with `audit`."""

from __future__ import annotations

import shlex

from core.errors import UsageError
from core.types import Reply, Text, bold, command, fill
from handlers.engine.context import Context
from handlers.engine.forms import positive_int
from handlers.engine.resolving import Retype, cluster_named, member_named
from handlers.engine.timefmt import when
from handlers.notices import notify
from store.models import Cluster, Member

AUDIT_DEFAULT = 20
AUDIT_MAX = 100


def segment_text(kind: str, value: str) -> str:
    """The segment as it is typed (`cluster:Name`, `everyone`): the same in every language."""
    return "everyone" if kind == "everyone" else f"{kind}:{value}"


async def record(ctx: Context, action: str, detail: str, segment: str = "") -> None:
    await ctx.store.audit.record(ctx.member, action, ctx.now, detail=detail, segment=segment)


async def _member(ctx: Context, typed: str, retype: Retype) -> Member:
    if not typed.strip():
        raise UsageError(ctx.tr("Whom? Give their member number (#12) or their name."))
    return await member_named(ctx, typed, retype)


async def _cluster(ctx: Context, scopes: list[str], retype: Retype) -> Cluster | None:
    if len(scopes) > 1:
        raise UsageError(ctx.tr("Give at most one cluster:NAME."))
    if not scopes:
        return None
    return await cluster_named(ctx, scopes[0].partition(":")[2], retype)


async def coordinator_add(ctx: Context) -> list[Reply]:
    scopes = [arg for arg in ctx.args if arg.lower().startswith("cluster:")]
    typed = " ".join(arg for arg in ctx.args if arg not in scopes)
    cluster = await _cluster(
        ctx, scopes, lambda name: "/coordinator add " + shlex.join([*typed.split(), f"cluster:{name}"])
    )
    scope_word = [f"cluster:{cluster.name}"] if cluster else []
    member = await _member(ctx, typed, lambda number: "/coordinator add " + shlex.join([number, *scope_word]))
    await ctx.store.roles.grant(member, cluster.id if cluster else None, ctx.now)
    await record(
        ctx,
        "coordinator add",
        f"{member.name} (#{member.id})",
        f"cluster:{cluster.name}" if cluster else "all",
    )

    def reach(language: str) -> str:
        return cluster.name if cluster else fill(language, "all clusters")

    def notice(language: str) -> Reply:
        text = Text(language=language).t(
            "You are now a coordinator for {reach}. Send {help} to see what you can do.",
            reach=reach(language),
            help=command("help"),
        )
        return text.reply()

    await notify(ctx, [member.id], f"role:coordinator:{ctx.now.isoformat()}", notice)
    text = ctx.text().t(
        "{member} is now a coordinator for {reach}.",
        member=bold(f"{member.name} (#{member.id})"),
        reach=reach(ctx.language),
    )
    return [text.reply()]


async def coordinator_remove(ctx: Context) -> list[Reply]:
    member = await _member(ctx, " ".join(ctx.args), lambda number: f"/coordinator remove {number}")
    who = f"{member.name} (#{member.id})"
    if not member.is_coordinator:
        return [ctx.text().t("{member} is not a coordinator.", member=bold(who)).reply()]
    await ctx.store.roles.revoke(member, ctx.now)
    await record(ctx, "coordinator remove", who)
    text = ctx.text().t("{member} is no longer a coordinator.", member=bold(who))
    accounts = await ctx.store.people.identities(member.id)
    if any(ctx.options.lists_admin(account.platform, account.user_id) for account in accounts):
        text.add(" ").t("They stay an admin: that comes from CLUSTERBOT_ADMINS.")
    return [text.reply()]


async def coordinators(ctx: Context) -> list[Reply]:
    found = await ctx.store.roles.coordinators()
    if not found:
        return [
            ctx.text()
            .t("There are no coordinators yet. Add one with {command}", command=command("coordinator add"))
            .reply()
        ]
    text = ctx.text().bold(ctx.tr("Coordinators")).line().line()
    everywhere = ctx.tr("all clusters")
    for member, cluster in found:
        text.add(f"#{member.id} ").add(member.name).line(f" — {cluster or everywhere}")
    return [text.reply()]


async def audit(ctx: Context) -> list[Reply]:
    limit = (
        min(positive_int(ctx.args[0], ctx.tr("number of entries"), ctx.language), AUDIT_MAX)
        if ctx.args
        else AUDIT_DEFAULT
    )
    entries = await ctx.store.audit.latest(limit)
    if not entries:
        return [ctx.text().t("The audit log is empty.").reply()]
    text = ctx.text().bold(ctx.tr("Audit log — the last {count}, newest first", count=len(entries)))
    text.line().line()
    for entry in entries:
        text.add(when(entry.created_at, ctx.member.timezone, ctx.language)).add(" · ").bold(entry.actor_name)
        text.add(f" (#{entry.actor_id})" if entry.actor_id else "").add(" · ").add(entry.action)
        text.add(f": {entry.detail}" if entry.detail else "").add(
            f" → {entry.segment}" if entry.segment else ""
        )
        text.line()
    return [text.reply()]
