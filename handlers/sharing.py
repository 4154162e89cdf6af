"""Links to an event or an opportunity that a member can pass on.

Telegram: `https://t.me/BOT?start=event_12`; Telegram hands `event_12` to `/start`, which shows the
card (handlers.onboarding). Slack has no link that carries a command, so its link opens the app's
messages (slack.com/app_redirect, which works for anyone in the workspace, unlike a permalink to
a direct message) and the line says what to send there.
"""

from __future__ import annotations

from core.types import Text, command
from handlers.engine.context import Context

# The `start` payloads, by what they open; Telegram allows [A-Za-z0-9_-], up to 64 characters.
PAYLOAD_OF = {"event": "event_{number}", "opportunity": "opp_{number}"}


def telegram_link(ctx: Context, kind: str, number: int) -> str:
    """The deep link to `kind` #`number`, or "" when the bot's Telegram username is not configured."""
    username = ctx.options.telegram_bot_username
    if not username:
        return ""
    return f"https://t.me/{username}?start=" + PAYLOAD_OF[kind].format(number=number)


def add_share_line(ctx: Context, text: Text, kind: str, number: int) -> None:
    """A "Share" line under a card, in the reader's platform's form, when there is a link to share."""
    app_id = ctx.options.slack_app_id
    if ctx.msg.platform == "slack" and app_id:
        link = f"https://slack.com/app_redirect?app={app_id}"
        text.line().add("📤 ").t(
            "Share: {link}, then {command}", link=link, command=command(f"{kind} {number}")
        )
        return
    link = telegram_link(ctx, kind, number)
    if link:
        text.line().add("📤 ").t("Share: {link}", link=link)
