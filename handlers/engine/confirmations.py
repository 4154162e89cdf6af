"""Buttons that confirm something act only for the person they were shown to, once, while fresh.

A handler asks for one with `confirmation(ctx, "forget confirm")` and puts the payload it gets on
a button; the router runs that command only when such a press is accepted, and runs its prompt
instead when the command is typed (see `Router.command(..., prompt=…)`). The adapters need to know
nothing: the payload is an ordinary command line, `/confirm TOKEN`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core.errors import UsageError, UserError
from core.types import Reply, command
from handlers.engine.context import Context
from store.confirmations import LIFETIME
from store.repository import Store

if TYPE_CHECKING:
    from handlers.engine.router import Router

WORD = "confirm"


async def confirmation(
    ctx: Context, line: str, *, member_id: int | None = None, lifetime: timedelta = LIFETIME
) -> str:
    """The payload of a button that runs `line` for `member_id` (the reader unless said otherwise)."""
    member = ctx.member.id if member_id is None else member_id
    return await confirmation_for(ctx.store, member, line, ctx.now, lifetime)


async def confirmation_for(
    store: Store, member_id: int, line: str, now: datetime, lifetime: timedelta
) -> str:
    """The same payload, for a job that has no conversation (a scheduled message's buttons)."""
    token = await store.confirmations.issue(member_id, line, now, lifetime)
    return f"/{WORD} {token}"


async def pressed(ctx: Context, router: Router) -> list[Reply]:
    """Run what the pressed button confirms, if it was meant for this person and is still fresh."""
    press = await ctx.store.confirmations.use(ctx.rest, ctx.member.id, ctx.now)
    if press.verdict == "someone_else":
        return [ctx.text().t("This button was meant for someone else, so I did nothing.").reply()]
    if press.verdict == "unknown":
        return [ctx.text().t("This button has expired, so I did nothing.").reply()]
    if press.verdict == "expired":
        text = ctx.text().t(
            "This button has expired or was used already, so I did nothing. Send {command} to start again.",
            command=command(press.command),
        )
        return [text.reply()]
    try:
        return await router.dispatch(ctx, press.command, confirmed=True)
    except UsageError as error:
        # Already explained with the confirmed command's own usage, not this one's.
        raise UserError(str(error)) from error
