"""The weekly digest: what happened in the network this week that is worth a member's Monday."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.types import Button, Reply, Text, fill
from handlers.engine.timefmt import when
from handlers.reasons import reason_text
from store.models import Event


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A contact or an opportunity for the digest: what to open, and why it fits (as stored)."""

    number: int
    reason: str


def weekly_digest(
    week: str,
    timezone: str,
    language: str,
    events: Sequence[Event],
    contacts: Sequence[Suggestion],
    opportunities: Sequence[Suggestion],
) -> Reply | None:
    """None when there is nothing to say: an empty digest is not sent. The reasons come from the
    matcher as parts, put into words in the member's language like the frame."""
    if not (events or contacts or opportunities):
        return None
    text = (
        Text(language=language).bold(fill(language, "🗞 Your week in the network ({week})", week=week)).line()
    )
    if events:
        text.line().bold(fill(language, "New events")).line()
        for event in events:
            text.add("• ").add(event.title).add(f" — {when(event.starts_at, timezone, language)} ")
            text.command(f"event {event.id}").line()
    if opportunities:
        text.line().bold(fill(language, "Opportunities that fit you")).line()
        for item in opportunities:
            text.add("• ").add(reason_text(item.reason, language)).add(" ").command(
                f"opportunity {item.number}"
            ).line()
    if contacts:
        text.line().bold(fill(language, "People you could work with")).line()
        for contact in contacts:
            text.add("• ").add(reason_text(contact.reason, language)).add(" ").command(
                f"introduce {contact.number}"
            ).line()
    buttons = tuple(
        (Button(fill(language, "Introduce me to #{number}", number=c.number), f"/introduce {c.number}"),)
        for c in contacts
    )
    return text.reply(buttons=buttons)
