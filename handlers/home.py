"""What a member's home screen (Slack's App Home) shows, as the commands that answer each part.

Adapters ask the Assistant these commands, so the home shows exactly what the chat would say and
no platform decides on its own what "fits" a member.
"""

from __future__ import annotations

from store.db import Database
from store.repository import Store


async def home_commands(db: Database, platform: str, user_id: str) -> list[tuple[str, str]]:
    """(title, command) pairs: upcoming events, open opportunities, people who offer what they seek."""
    async with db.transaction() as session:
        seeks = await Store(session).people.seeks_of(platform, user_id)
    parts = [("Upcoming events", "/events"), ("Open opportunities", "/opportunities")]
    if seeks and seeks.strip():
        parts.append(("Suggested contacts", f"/find {' '.join(seeks.split())[:300]}"))
    else:
        parts.append(("Suggested contacts", "/help profile"))
    return parts
