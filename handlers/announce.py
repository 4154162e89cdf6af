"""`announce` for coordinators: preview with the recipient count, confirm, then follow delivery."""

from __future__ import annotations

import shlex

from handlers.context import Context
from handlers.errors import NotFound, UsageError
from handlers.forms import positive_int
from handlers.roles import record, require_segment, segment_text
from handlers.types import Button, Reply, Text
from store.announcements import announcement_cause
from store.models import Announcement
from store.outbox import Delivery
from store.segments import SEGMENT_KINDS

MAX_TEXT = 3500


def split_segment(rest: str) -> tuple[str, str, str]:
    """`cluster:"Tèxtil Innova" Hello all` -> ("cluster", "Tèxtil Innova", "Hello all")."""
    lexer = shlex.shlex(rest, posix=True)
    lexer.whitespace_split = True
    try:
        first = lexer.get_token() or ""
    except ValueError:
        raise UsageError("A quote is not closed.") from None
    text = lexer.instream.read().strip()
    kind, _, value = first.partition(":")
    kind = kind.lower()
    if kind not in SEGMENT_KINDS:
        raise UsageError(
            f"Say who it is for first: {', '.join(k + ':…' for k in SEGMENT_KINDS[1:])} or everyone."
        )
    if kind != "everyone" and not value:
        raise UsageError(f"Which {kind}? Write it as {kind}:NAME (quote names with spaces).")
    if kind == "event":
        value = str(positive_int(value.lstrip("#"), "event number"))
    if not text:
        raise UsageError("What should the announcement say?")
    if len(text) > MAX_TEXT:
        raise UsageError(f"That is {len(text)} characters; keep announcements under {MAX_TEXT}.")
    return kind, value, text


def segment_label(announcement: Announcement) -> str:
    if announcement.segment_kind == "everyone":
        return "everyone"
    return f"{announcement.segment_kind} {announcement.segment_value}"


async def announce(ctx: Context) -> list[Reply]:
    kind, value, message = split_segment(ctx.rest)
    await require_segment(ctx, kind, value)
    announcement = await ctx.store.announcements.draft(ctx.member.id, message, kind, value, ctx.now)
    text = Text().bold(f"Announcement #{announcement.id} — preview").line()
    text.add(f"To: {segment_label(announcement)} ({announcement.recipients} members)").line().line()
    text.line(message)
    if not announcement.recipients:
        return [text.line().add("Nobody is in that segment, so there is nothing to send.").reply()]
    buttons = (
        (
            Button(f"Send to {announcement.recipients}", f"/announce confirm {announcement.id}"),
            Button("Discard", f"/announce discard {announcement.id}"),
        ),
    )
    return [text.reply(buttons=buttons)]


async def _draft(ctx: Context) -> Announcement:
    if not ctx.args:
        raise UsageError("Which announcement? Give its number.")
    announcement = await ctx.store.announcements.get(
        positive_int(ctx.args[0].lstrip("#"), "announcement number")
    )
    if announcement is None:
        raise NotFound(f"There is no announcement #{ctx.args[0].lstrip('#')}.")
    return announcement


def announcement_reply(announcement: Announcement, author: str) -> Reply:
    return Text().bold("📣 Announcement").line().line(announcement.text).line().italic(f"— {author}").reply()


async def confirm(ctx: Context) -> list[Reply]:
    announcement = await _draft(ctx)
    if announcement.status == "sent":
        return await status(ctx)
    if announcement.status != "draft":
        raise UsageError(f"Announcement #{announcement.id} was {announcement.status}.")
    # Checked again here: a draft may have been written by a coordinator with a wider scope.
    await require_segment(ctx, announcement.segment_kind, announcement.segment_value)
    count = await ctx.store.announcements.send(
        announcement, announcement_reply(announcement, ctx.member.name).to_dict(), ctx.now
    )
    segment = segment_text(announcement.segment_kind, announcement.segment_value)
    await record(ctx, "announce", f"announcement #{announcement.id} to {count} members", segment)
    text = Text().add(f"Queued announcement #{announcement.id} for {count} members. Follow it with ")
    return [
        text.command(f"announce status {announcement.id}").reply(
            replaces_previous=ctx.msg.payload is not None
        )
    ]


async def discard(ctx: Context) -> list[Reply]:
    announcement = await _draft(ctx)
    if announcement.status != "draft":
        raise UsageError(f"Announcement #{announcement.id} was already {announcement.status}.")
    announcement.status = "discarded"
    return [
        Text()
        .add(f"Discarded announcement #{announcement.id}; nothing was sent.")
        .reply(replaces_previous=ctx.msg.payload is not None)
    ]


async def status(ctx: Context) -> list[Reply]:
    announcement = await _draft(ctx)
    counts = await Delivery(ctx.store.session).counts(announcement_cause(announcement.id))
    waiting = counts.get("pending", 0) + counts.get("sending", 0) + counts.get("failed", 0)
    text = Text().bold(f"Announcement #{announcement.id}").add(f" to {segment_label(announcement)}: ")
    text.line(announcement.status)
    text.line(
        f"sent {counts.get('sent', 0)} · pending {waiting} · unreachable {counts.get('unreachable', 0)}"
        f" · failed {counts.get('dead', 0)}"
    )
    buttons = ((Button("Refresh", f"/announce status {announcement.id}"),),)
    return [text.reply(buttons=buttons, replaces_previous=ctx.msg.payload is not None)]
