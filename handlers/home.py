"""What a member's home screen (Slack's App Home) shows, as the commands that answer each part.

Adapters ask the Assistant these commands, so the home shows exactly what the chat would say and
no platform decides on its own what "fits" a member.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.i18n import choose_language
from core.types import Button, Reply, fill
from handlers.engine.context import Options
from store.db import Database
from store.repository import store_transaction


@dataclass(frozen=True, slots=True)
class Home:
    """`actions`: buttons for what a member starts from home (the forms); `parts`: (title, command)."""

    actions: Reply
    parts: list[tuple[str, str]]


async def home_commands(
    db: Database, platform: str, user_id: str, language_code: str | None, options: Options
) -> Home:
    """The member's agenda (meetings, then events they hold a place at), people who offer what they
    seek, the opportunities they follow and the events to come, in the member's language, chosen as
    for a message they send."""
    async with store_transaction(db) as store:
        seeks, setting = await store.people.seeks_and_language(platform, user_id)
    language = choose_language(setting, language_code, options.default_language)
    suggestions = f"/find {' '.join(seeks.split())[:300]}" if seeks and seeks.strip() else "/help profile"
    actions = (
        Button(fill(language, "Post an opportunity"), "/post"),
        Button(fill(language, "Request a meeting"), "/meet"),
        Button(fill(language, "Edit my profile"), "/profile set"),
    )
    return Home(
        Reply(buttons=(actions,), language=language),
        [
            (fill(language, "Your meetings"), "/agenda"),
            (fill(language, "Events you're going to"), "/going"),
            (fill(language, "Suggested contacts"), suggestions),
            (fill(language, "Opportunities you follow"), "/follow"),
            (fill(language, "Upcoming events"), "/events"),
        ],
    )
