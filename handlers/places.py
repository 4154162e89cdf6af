"""`channel link|unlink|list`: a coordinator links the group chat or channel they write in to a
cluster, so that announcements to the cluster can be posted there too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from core.errors import NotFound, UsageError
from core.types import N_, Button, Incoming, Reply, Text, fill
from handlers.engine.context import Context
from handlers.engine.kinds import kind_label
from handlers.engine.resolving import cluster_named
from handlers.engine.scopes import Reach, Target, scope
from handlers.engine.timefmt import day, span
from handlers.events import load_event
from handlers.notify import Notifier
from handlers.opportunities import load_opportunity
from handlers.roles import record
from store.models import Cluster, Place
from store.repository import Store

REMOVED = N_("I was removed from {chat}, so it is no longer linked to {cluster}.")


def place_label(place: Place) -> str:
    """A linked chat as people read it: its name where known, and where it is."""
    where = f"{place.platform} {place.chat_id}"
    return f"{place.title} ({where})" if place.title else where


def team_of(msg: Incoming) -> str:
    """The Slack workspace of the chat ("" on platforms without workspaces)."""
    return msg.user_id.rpartition(":")[0]


def _typed(ctx: Context) -> str:
    kind, _, name = ctx.rest.strip().partition(":")
    if kind.lower() != "cluster" or not name.strip():
        raise UsageError(ctx.tr("Say which cluster: channel link cluster:NAME"))
    return name.strip().strip('"')


async def _linked_cluster(ctx: Context) -> Cluster:
    return await cluster_named(ctx, _typed(ctx), lambda name: f'/channel link cluster:"{name}"')


async def linked_cluster(ctx: Context) -> Target:
    """`channel link cluster:NAME`: the cluster named."""
    found = await _linked_cluster(ctx)
    return Target([Reach(found.id, found.name)])


async def _here(ctx: Context) -> Place:
    place = await ctx.store.places.find(ctx.msg.platform, team_of(ctx.msg), ctx.msg.chat_id)
    if place is None:
        raise NotFound(ctx.tr("This chat is not linked to a cluster."))
    return place


async def this_place(ctx: Context) -> Target:
    """`channel unlink`: the cluster this chat is linked to."""
    place = await _here(ctx)
    return Target([Reach(place.cluster_id, place_label(place))])


def _in_group(ctx: Context) -> None:
    if ctx.msg.chat_kind == "private":
        raise UsageError(
            ctx.tr("Add me to the group or channel first, then say this there: channel link cluster:NAME")
        )


async def link(ctx: Context) -> list[Reply]:
    _in_group(ctx)
    cluster = await _linked_cluster(ctx)
    msg = ctx.msg
    await ctx.store.places.link(
        msg.platform, team_of(msg), msg.chat_id, msg.chat_title, cluster, ctx.member.id, ctx.now
    )
    await record(ctx, "channel link", f"{msg.platform} {msg.chat_id}", f"cluster:{cluster.name}")
    text = ctx.text().t(
        "Linked: announcements to {cluster} sent with --channel will be posted here.", cluster=cluster.name
    )
    return [text.reply()]


async def unlink(ctx: Context) -> list[Reply]:
    place = await _here(ctx)
    await ctx.store.places.unlink(place)
    await record(ctx, "channel unlink", f"{place.platform} {place.chat_id}")
    return [ctx.text().t("Unlinked: nothing more will be posted here.").reply()]


async def listing(ctx: Context) -> list[Reply]:
    places = await ctx.store.places.listed(scope(ctx))
    if not places:
        return [ctx.text().t("No chat is linked yet. Say channel link cluster:NAME in one.").reply()]
    text = ctx.text().t("Linked chats:").line()
    for place, cluster in places:
        text.line(f"• {cluster}: {place_label(place)}")
    return [text.reply()]


async def bot_removed(
    store: Store, notifier: Notifier, platform: str, team_id: str, chat_id: str, now: datetime
) -> None:
    """The bot was removed from a chat (or the channel archived): unlink it and tell the
    coordinator who linked it."""
    place = await store.places.find(platform, team_id, chat_id)
    if place is None:
        return
    cluster = await store.people.get_cluster(place.cluster_id)
    await store.places.unlink(place)
    await store.audit.record(None, "channel unlink", now, detail=f"{platform} {chat_id}: the bot was removed")
    if place.linked_by_id is None:
        return
    name, chat = cluster.name if cluster else "", place_label(place)
    await notifier.tell(
        store,
        [place.linked_by_id],
        f"place:{place.id}:removed",
        lambda language: Text(language=language).t(REMOVED, chat=chat, cluster=name).reply(),
        now,
    )


async def _post(
    ctx: Context,
    kind: str,
    number: int,
    cluster_id: int | None,
    card: Callable[[str], tuple[Text, tuple[Button, ...]]],
) -> list[Reply]:
    """Post event or opportunity `number` in the linked chats of its cluster, once: `card(language)`
    gives its text and the buttons that answer whoever presses them, in private."""
    places = await ctx.store.places.of_clusters([cluster_id] if cluster_id else [])
    if not places:
        raise UsageError(ctx.tr(NO_CHAT[kind], number=number))

    def payload(_stored: Place) -> dict[str, Any]:
        text, buttons = card(ctx.notifier.language(None))
        return text.reply(buttons=(buttons,)).to_dict()

    await ctx.store.places.enqueue(places, f"{kind}:{number}:place", payload, ctx.now)
    await record(ctx, f"{kind} post", f"{kind} #{number} in {len(places)} chats")
    return [ctx.text().t("Posted in {count} linked chats.", count=len(places)).reply()]


NO_CHAT = {
    "event": N_("No chat is linked to the cluster of event #{number}."),
    "opportunity": N_("No chat is linked to the cluster of opportunity #{number}."),
}


async def post_event(ctx: Context) -> list[Reply]:
    """`event post N`: the event in its cluster's linked chats, with a Going button that answers
    whoever presses it (their own RSVP, in a private chat). Posting it again is a no-op."""
    event = await load_event(ctx)
    timezone = ctx.member.timezone

    def card(language: str) -> tuple[Text, tuple[Button, ...]]:
        text = Text(language=language).bold(f"#{event.id} {event.title}").line()
        text.add("🕒 ").line(f"{span(event.starts_at, event.ends_at, timezone, language)} ({timezone})")
        if event.place:
            text.add("📍 ").line(event.place)
        return text, (Button(fill(language, "Going"), f"/going {event.id}"),)

    return await _post(ctx, "event", event.id, event.cluster_id, card)


async def post_opportunity(ctx: Context) -> list[Reply]:
    """`opportunity post N`: the opportunity in its cluster's linked chats, with Follow (and I'm
    interested, when it has a poster) answering whoever presses them, in private. Again: a no-op."""
    opportunity = await load_opportunity(ctx)
    if opportunity.status != "open":
        closed = ctx.tr("#{number} {title} is closed.", number=opportunity.id, title=opportunity.title)
        raise UsageError(closed)
    timezone = ctx.member.timezone

    def card(language: str) -> tuple[Text, tuple[Button, ...]]:
        text = Text(language=language).bold(f"#{opportunity.id} {opportunity.title}").line()
        text.italic(kind_label(opportunity.kind, language).capitalize()).line()
        if opportunity.deadline:
            text.add("⏰ ").t("Deadline: {date}", date=day(opportunity.deadline, timezone, language)).line()
        if opportunity.region:
            text.add("📍 ").line(opportunity.region)
        buttons = [Button(fill(language, "Follow"), f"/follow {opportunity.id}")]
        if opportunity.posted_by:
            buttons.append(Button(fill(language, "I'm interested"), f"/interested {opportunity.id}"))
        return text, tuple(buttons)

    return await _post(ctx, "opportunity", opportunity.id, opportunity.cluster_id, card)
