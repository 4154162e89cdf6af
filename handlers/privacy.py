"""`mydata` and `forget`: members take their data with them, or have it erased, without asking anyone."""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial

from core.types import N_, Attachment, Button, Reply, Text, command, fill, text_reply
from handlers.engine.confirmations import confirmation
from handlers.engine.context import Context
from handlers.meeting_notices import tell_meetings_called_off
from handlers.notices import promotion_notice
from handlers.notify import Notifier
from store.models import Member
from store.repository import Store

EXPORT_FILENAME = "clusterbot-mydata.json"
# What stays of a message already sent to someone else that mentioned a member who was erased. It
# replaces a stored copy (seen in that person's `mydata` export), never a chat, so it stays English.
REDACTED = text_reply(N_("(This message mentioned a member who has since erased their data.)"))


async def notice(ctx: Context) -> list[Reply]:
    """Telegram's expected `/privacy`: what is held, who sees it, and the two commands that act on it."""
    text = ctx.text().bold(ctx.tr("Your data")).line()
    text.t(
        "I hold your profile (name, organisation, what you offer and look for, interests), the "
        "accounts you write to me from, your event answers, follows, introductions and meetings, "
        "and the messages waiting for you."
    ).line()
    text.t(
        "Other members see your profile only if you are listed in the directory; your contact "
        "details are shared only when you accept an introduction."
    ).line()
    text.t(
        "Take a copy with {mydata}; erase everything with {forget}.",
        mydata=command("mydata"),
        forget=command("forget"),
    )
    buttons = ((Button(ctx.tr("Take a copy"), "/mydata"), Button(ctx.tr("Erase my data"), "/forget")),)
    return [text.reply(buttons=buttons)]


async def mydata(ctx: Context) -> list[Reply]:
    """A JSON file of everything held about the member, readable by people and by programs."""
    export = await ctx.store.privacy.export(ctx.member)
    export["exported"] = ctx.now.isoformat()
    content = json.dumps(export, ensure_ascii=False, indent=2, sort_keys=True).encode()
    text = ctx.text().t(
        "Here is everything I hold about you: your profile, accounts, event answers, follows, "
        "introductions and the messages sent to you. To have it erased, send {command}.",
        command=command("forget"),
    )
    return [text.reply(attachment=Attachment(EXPORT_FILENAME, content, "application/json"))]


async def forget(ctx: Context) -> list[Reply]:
    """Erasure cannot be undone, so it takes a second, explicit step."""
    text = ctx.text().bold(ctx.tr("Erase your data?")).line()
    text.t(
        "I will delete your profile, your accounts' link to me, your event answers, follows, "
        "introductions and messages waiting for you. Events and opportunities you posted stay, "
        "shown as posted by a former member. This cannot be undone."
    ).line()
    text.t("You can first take a copy with {command}.", command=command("mydata"))
    erase = await confirmation(ctx, "forget confirm")
    buttons = ((Button(ctx.tr("Erase my data"), erase), Button(ctx.tr("Keep"), "/help")),)
    return [text.reply(buttons=buttons)]


async def forget_confirm(ctx: Context) -> list[Reply]:
    """Runs only from the button `forget` showed this member (typed, it shows `forget` again)."""
    await erase(ctx.store, ctx.member, ctx.now, ctx.notifier)
    text = ctx.text().t("Done: your data is erased and I have forgotten who you are.").line()
    text.t(
        "If you write to me again you start as a new person; {command} sets you up.", command=command("start")
    )
    return [text.reply()]


async def erase(store: Store, member: Member, now: datetime, notifier: Notifier) -> None:
    """The one erasure, for `forget confirm` and the retention job: places the member held at coming
    events go to the waitlist, and whoever gets one is told; so is the other side of each meeting."""
    await tell_meetings_called_off(store, member, now, notifier)
    promotions = await store.privacy.erase(member, now, REDACTED.to_dict())
    for event, member_id in promotions:
        cause = f"event{event.id}:promoted:{now.isoformat()}"
        await notifier.tell(store, [member_id], cause, partial(promotion_notice, event), now)


def retention_warning(months: int, days: int, language: str) -> Reply:
    """Sent before the retention job erases a member who has not written for a long time."""
    text = Text(language=language).t(
        "You have not written to me for {months} months. Unless you send me a message in the next "
        "{days} days, I will erase your data as {command} does.",
        months=months,
        days=days,
        command=command("forget"),
    )
    return text.reply(buttons=((Button(fill(language, "Keep my profile"), "/profile"),),))
