"""What a member's home screen (Slack's App Home) shows, as the commands that answer each part.

Adapters ask the Assistant these commands, so the home shows exactly what the chat would say and
no platform decides on its own what "fits" a member.
"""

from __future__ import annotations

from core.i18n import choose_language
from core.types import fill
from handlers.engine.context import Options
from store.db import Database
from store.repository import store_transaction


async def home_commands(
    db: Database, platform: str, user_id: str, language_code: str | None, options: Options
) -> list[tuple[str, str]]:
    """(title, command) pairs: upcoming events, open opportunities, people who offer what they seek.

    The titles are in the member's language, chosen as for a message they send.
    """
    async with store_transaction(db) as store:
        seeks, setting = await store.people.seeks_and_language(platform, user_id)
    language = choose_language(setting, language_code, options.default_language)
    parts = [
        (fill(language, "Upcoming events"), "/events"),
        (fill(language, "Open opportunities"), "/opportunities"),
    ]
    if seeks and seeks.strip():
        parts.append((fill(language, "Suggested contacts"), f"/find {' '.join(seeks.split())[:300]}"))
    else:
        parts.append((fill(language, "Suggested contacts"), "/help profile"))
    return parts
