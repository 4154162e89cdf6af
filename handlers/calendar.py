"""`calendar`: a personal feed URL that calendar apps subscribe to, showing the events one attends."""

from __future__ import annotations

import secrets

from core.types import Button, Reply, command
from handlers.engine.context import Context

TOKEN_BYTES = 32


def feed_url(ctx: Context, token: str) -> str:
    return f"{ctx.options.public_url.rstrip('/')}/calendar/{token}.ics"


async def calendar(ctx: Context) -> list[Reply]:
    """The member's feed URL, made on first use; the token is the only thing that guards it."""
    if ctx.member.calendar_token is None:
        await ctx.store.people.update(ctx.member, ctx.now, calendar_token=secrets.token_urlsafe(TOKEN_BYTES))
    return [_feed_reply(ctx, ctx.tr("Your personal calendar feed"))]


async def calendar_reset(ctx: Context) -> list[Reply]:
    """A new token: whoever had the old address (a shared screen, a forwarded mail) sees nothing more."""
    await ctx.store.people.update(ctx.member, ctx.now, calendar_token=secrets.token_urlsafe(TOKEN_BYTES))
    return [_feed_reply(ctx, ctx.tr("Your new calendar feed (the old address no longer works)"))]


def _feed_reply(ctx: Context, title: str) -> Reply:
    assert ctx.member.calendar_token is not None
    url = feed_url(ctx, ctx.member.calendar_token)
    text = ctx.text().bold(title).line().link(url, url).line().line()
    text.t('Add it to your calendar app as a subscription ("From URL" / "Subscribe to calendar"):').line()
    text.t("the events you're going to appear there and stay up to date.").line()
    text.t(
        "Keep the address to yourself: anyone who has it sees those events. {command} gives you a new one.",
        command=command("calendar reset"),
    )
    return text.reply(buttons=((Button(ctx.tr("New address"), "/calendar reset"),),))
