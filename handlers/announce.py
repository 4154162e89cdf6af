"""`announce` for coordinators: preview with the recipient count, confirm, then follow delivery."""

from __future__ import annotations

import asyncio
import io
import shlex
from datetime import datetime
from typing import cast

from core.errors import NotFound, UsageError
from core.types import N_, Attachment, Button, Reply, Text, bold, command, fill
from handlers.engine.confirmations import confirmation
from handlers.engine.context import Context
from handlers.engine.forms import about, positive_int
from handlers.engine.resolving import segment_value
from handlers.notify import Notifier
from handlers.places import place_label
from handlers.report_charts import as_images, delivery_chart
from handlers.roles import record, segment_text
from store.announcements import announcement_cause
from store.models import Announcement, Member
from store.report_values import STATUSES
from store.reports import reach_status
from store.repository import Store
from store.segments import SEGMENT_KINDS

MAX_TEXT = 3500


# What an announcement's status reads as; the stored value stays English.
STATUS_LABELS = {"draft": N_("draft"), "sent": N_("sent"), "discarded": N_("discarded")}


def split_segment(rest: str, language: str) -> tuple[str, str, str]:
    """`cluster:"Tèxtil Innova" Hello all` -> ("cluster", "Tèxtil Innova", "Hello all")."""
    lexer = shlex.shlex(rest, posix=True)
    lexer.whitespace_split = True
    try:
        first = lexer.get_token() or ""
    except ValueError:
        raise UsageError(fill(language, "A quote is not closed."), field="to") from None
    text = cast("io.StringIO", lexer.instream).read().strip()  # shlex wraps a str in a StringIO
    kind, _, value = first.partition(":")
    kind, value = kind.lower(), value[:200]  # the segment column holds 200 characters
    if kind not in SEGMENT_KINDS:
        kinds = ", ".join(k + ":…" for k in SEGMENT_KINDS[1:])
        raise UsageError(
            fill(language, "Say who it is for first: {kinds} or everyone.", kinds=kinds), field="to"
        )
    if kind != "everyone" and not value:
        raise UsageError(
            fill(language, "Which {kind}? Write it as {kind}:NAME (quote names with spaces).", kind=kind),
            field="to",
        )
    if kind == "event":
        with about("to"):
            value = str(positive_int(value.lstrip("#"), fill(language, "event number"), language))
    if not text:
        raise UsageError(fill(language, "What should the announcement say?"), field="text")
    if len(text) > MAX_TEXT:
        raise UsageError(
            fill(
                language,
                "That is {count} characters; keep announcements under {limit}.",
                count=len(text),
                limit=MAX_TEXT,
            ),
            field="text",
        )
    return kind, value, text


def segment_label(announcement: Announcement, language: str) -> str:
    if announcement.segment_kind == "everyone":
        return fill(language, "everyone")
    return f"{announcement.segment_kind} {announcement.segment_value}"


def status_label(announcement: Announcement, language: str) -> str:
    known = STATUS_LABELS.get(announcement.status)
    return fill(language, known) if known else announcement.status


def places_choice(rest: str) -> tuple[str, str]:
    """`channels:everyone …` / `channels:NAME …` post in the linked places only, `--channel`
    anywhere in the line posts there too: the line as a member segment, and "", "also" or "only"."""
    if rest.lower().startswith("channels:"):
        value = rest[len("channels:") :]
        return (value if value.lower().startswith("everyone") else "cluster:" + value), "only"
    words = rest.split(" ")
    if "--channel" in words:
        return " ".join(word for word in words if word != "--channel"), "also"
    return rest, ""


async def typed_segment(ctx: Context) -> tuple[str, str, str]:
    """The segment kind, its value as the store spells it, and the text of an `announce` line."""
    kind, typed, message = split_segment(places_choice(ctx.rest)[0], ctx.language)
    with about("to"):
        value = await segment_value(
            ctx, kind, typed, lambda name: f"/announce {kind}:{shlex.quote(name)} {message}"
        )
    return kind, value, message


async def announce(ctx: Context) -> list[Reply]:
    kind, value, message = await typed_segment(ctx)
    places = places_choice(ctx.rest)[1]
    if places and kind not in ("everyone", "cluster", "event"):
        raise UsageError(ctx.tr("Chats are linked to clusters: post there with everyone or cluster:NAME."))
    announcement = await ctx.store.announcements.draft(ctx.member.id, message, kind, value, ctx.now, places)
    return [await _preview(ctx, announcement)]


async def review(ctx: Context) -> list[Reply]:
    """A typed `announce confirm N` sends nothing: it shows the preview and its Send button again."""
    announcement = await load_draft(ctx)
    if announcement.status != "draft":
        return await confirm(ctx)
    return [await _preview(ctx, announcement)]


async def _preview(ctx: Context, announcement: Announcement) -> Reply:
    text = ctx.text().bold(ctx.tr("Announcement #{number} — preview", number=announcement.id)).line()
    text.tn(
        "To: {segment} ({count} member)",
        "To: {segment} ({count} members)",
        announcement.recipients,
        segment=segment_label(announcement, ctx.language),
    )
    chats = await ctx.store.announcements.places_of(announcement)
    if chats:
        where = ", ".join(place_label(place) for place in chats)
        text.line().t("Also posted in {count} linked chats: {chats}", count=len(chats), chats=where)
    text.line().line().line(announcement.text)
    if not announcement.recipients and not chats:
        return text.line().t("Nobody is in that segment, so there is nothing to send.").reply()
    send = await confirmation(ctx, f"announce confirm {announcement.id}")
    buttons = (
        (
            Button(ctx.tr("Send to {count}", count=announcement.recipients), send),
            Button(ctx.tr("Discard"), f"/announce discard {announcement.id}"),
        ),
    )
    return text.reply(buttons=buttons)


async def load_draft(ctx: Context) -> Announcement:
    """The announcement named in the command; the router has checked its segment is within the
    reader's scope (a draft may have been written by a coordinator with a wider scope)."""
    if not ctx.args:
        raise UsageError(ctx.tr("Which announcement? Give its number."))
    typed = ctx.args[0].lstrip("#")
    announcement = await ctx.store.announcements.get(
        positive_int(typed, ctx.tr("announcement number"), ctx.language)
    )
    if announcement is None:
        raise NotFound(ctx.tr("There is no announcement #{number}.", number=typed))
    return announcement


def announcement_reply(announcement: Announcement, author: str, language: str) -> Reply:
    text = Text(language=language).bold(fill(language, "📣 Announcement")).line().line(announcement.text)
    return text.line().italic(f"— {author}").reply()


async def confirm(ctx: Context) -> list[Reply]:
    announcement = await load_draft(ctx)
    if announcement.status == "sent":
        return await status(ctx)
    if announcement.status != "draft":
        raise UsageError(
            ctx.tr(
                "Announcement #{number} was {status}.",
                number=announcement.id,
                status=status_label(announcement, ctx.language),
            )
        )
    count = await send(ctx.store, ctx.notifier, announcement, ctx.member, ctx.member.name, ctx.now)
    text = ctx.text().tn(
        "Queued announcement #{number} for {count} member. Follow it with {command}",
        "Queued announcement #{number} for {count} members. Follow it with {command}",
        count,
        number=announcement.id,
        command=command(f"announce status {announcement.id}"),
    )
    if chats := await ctx.store.announcements.places_of(announcement):
        text.line().t("It is posted in {count} linked chats too.", count=len(chats))
    return [text.reply(replaces_previous=ctx.msg.payload is not None)]


async def send(
    store: Store,
    notifier: Notifier,
    announcement: Announcement,
    actor: Member | None,
    author: str,
    now: datetime,
) -> int:
    """Queue a confirmed draft for its segment, each reader's frame in their language, and audit
    who sent it: the chat's Send button and `clusterbot announce` both end here."""
    count = await store.announcements.send(
        announcement,
        lambda stored: announcement_reply(announcement, author, notifier.language(stored)).to_dict(),
        now,
    )
    segment = segment_text(announcement.segment_kind, announcement.segment_value)
    detail = f"announcement #{announcement.id} to {count} members"
    await store.audit.record(actor, "announce", now, detail=detail, segment=segment)
    return count


async def discard(ctx: Context) -> list[Reply]:
    announcement = await load_draft(ctx)
    if announcement.status != "draft":
        raise UsageError(
            ctx.tr(
                "Announcement #{number} was already {status}.",
                number=announcement.id,
                status=status_label(announcement, ctx.language),
            )
        )
    await ctx.store.announcements.discard(announcement)
    segment = segment_text(announcement.segment_kind, announcement.segment_value)
    await record(ctx, "announce discard", f"announcement #{announcement.id}", segment)
    return [
        ctx.text()
        .t("Discarded announcement #{number}; nothing was sent.", number=announcement.id)
        .reply(replaces_previous=ctx.msg.payload is not None)
    ]


async def status(ctx: Context) -> list[Reply]:
    announcement = await load_draft(ctx)
    stored = await ctx.store.delivery.counts(announcement_cause(announcement.id))
    counts = {status: 0 for status in STATUSES}
    for status, count in stored.items():
        counts[reach_status(status)] += count
    text = ctx.text().t(
        "{announcement} to {segment}:",
        announcement=bold(ctx.tr("Announcement #{number}", number=announcement.id)),
        segment=segment_label(announcement, ctx.language),
    )
    text.add(" ").line(status_label(announcement, ctx.language))
    text.t(
        "sent {sent} · pending {pending} · unreachable {unreachable} · failed {failed}",
        sent=counts["sent"],
        pending=counts["pending"],
        unreachable=counts["unreachable"],
        failed=counts["failed"],
    ).line()
    again = f"/announce status {announcement.id}"
    buttons = ((Button(ctx.tr("Refresh"), again),),)
    # While messages wait, the adapters redraw this answer in place (bot/live.py).
    running = announcement.status == "sent" and counts["pending"] > 0
    images: tuple[Attachment, ...] = ()
    if sum(counts.values()):
        title = ctx.tr("Announcement #{number}", number=announcement.id)
        chart = delivery_chart("announcement-" + str(announcement.id), title, counts, ctx.language)
        images = await asyncio.to_thread(as_images, [chart], "")
    return [
        text.reply(
            buttons=buttons,
            images=images,
            refresh=again if running else None,
            replaces_previous=ctx.msg.payload is not None,
        )
    ]
