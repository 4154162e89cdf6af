"""`mydata` and `forget`: members take their data with them, or have it erased, without asking anyone."""

from __future__ import annotations

import json

from handlers.context import Context
from handlers.timefmt import span
from handlers.types import Attachment, Button, Reply, Text, text_reply

EXPORT_FILENAME = "clusterbot-mydata.json"
# What stays of a message already sent to someone else that mentioned a member who was erased.
REDACTED = text_reply("(This message mentioned a member who has since erased their data.)")


async def mydata(ctx: Context) -> list[Reply]:
    """A JSON file of everything held about the member, readable by people and by programs."""
    export = await ctx.store.privacy.export(ctx.member)
    export["exported"] = ctx.now.isoformat()
    content = json.dumps(export, ensure_ascii=False, indent=2, sort_keys=True).encode()
    text = (
        Text()
        .add("Here is everything I hold about you: your profile, accounts, event answers, follows, ")
        .add("introductions and the messages sent to you. To have it erased, send ")
        .command("forget")
        .add(".")
    )
    return [text.reply(attachment=Attachment(EXPORT_FILENAME, content, "application/json"))]


async def forget(ctx: Context) -> list[Reply]:
    """Erasure cannot be undone, so it takes a second, explicit step."""
    text = (
        Text()
        .bold("Erase your data?")
        .line()
        .line(
            "I will delete your profile, your accounts' link to me, your event answers, follows, "
            "introductions and messages waiting for you. Events and opportunities you posted stay, "
            "shown as posted by a former member. This cannot be undone."
        )
        .add("You can first take a copy with ")
        .command("mydata")
        .add(".")
    )
    buttons = ((Button("Erase my data", "/forget confirm"), Button("Keep", "/help")),)
    return [text.reply(buttons=buttons)]


async def forget_confirm(ctx: Context) -> list[Reply]:
    promotions = await ctx.store.privacy.erase(ctx.member, ctx.now, REDACTED.to_dict())
    for event, member_id in promotions:
        notice = (
            Text()
            .add("Good news: a place freed up and you're now going to ")
            .bold(event.title)
            .add(f" ({span(event.starts_at, event.ends_at, event.timezone)}).")
            .reply(buttons=((Button("Details", f"/event {event.id}"),),))
        )
        cause = f"event{event.id}:promoted:{ctx.now.isoformat()}"
        await ctx.store.outbox.enqueue([member_id], cause, notice.to_dict(), ctx.now)
    text = Text().line("Done: your data is erased and I have forgotten who you are.")
    text.add("If you write to me again you start as a new person; ").command("start").add(" sets you up.")
    return [text.reply()]
