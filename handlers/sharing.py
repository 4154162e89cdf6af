"""Links that open an event or an opportunity for whoever taps them: `t.me/BOT?start=event_12`.

Telegram hands the part after `start=` to `/start`, which shows the card (handlers.onboarding).
"""

from __future__ import annotations

from core.types import Text
from handlers.engine.context import Context

# The `start` payloads, by what they open; Telegram allows [A-Za-z0-9_-], up to 64 characters.
PAYLOAD_OF = {"event": "event_{number}", "opportunity": "opp_{number}"}


def share_link(ctx: Context, kind: str, number: int) -> str:
    """The deep link to `kind` #`number`, or "" when the bot's Telegram username is not configured."""
    username = ctx.options.telegram_bot_username
    if not username:
        return ""
    return f"https://t.me/{username}?start=" + PAYLOAD_OF[kind].format(number=number)


def add_share_line(ctx: Context, text: Text, kind: str, number: int) -> None:
    """A "Share" line under a card, when there is a link to share."""
    link = share_link(ctx, kind, number)
    if link:
        text.line().add("📤 ").t("Share: {link}", link=link)
