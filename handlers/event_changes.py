"""What an `event edit` changed, as attendees read it: "Start: 20 Jan 10:00 → 21 Jan 10:00".

An attendee who is only told "the event has changed" has to compare it with what they remember;
the notice names each changed field with its old and new value, in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.types import N_, echo, fill
from handlers.engine.kinds import kind_label
from handlers.engine.timefmt import when
from store.models import Event

LABELS = {
    "title": N_("Title"),
    "kind": N_("Kind"),
    "starts_at": N_("Start"),
    "ends_at": N_("End"),
    "timezone": N_("Time zone"),
    "place": N_("Place"),
    "online_url": N_("Online link"),
    "description": N_("Description"),
    "capacity": N_("Capacity"),
    "tags": N_("Tags"),
    "cluster_id": N_("Cluster"),
}


@dataclass(frozen=True, slots=True)
class Change:
    column: str
    old: Any
    new: Any


def changes(event: Event, values: dict[str, Any]) -> list[Change]:
    """The columns `values` would really change, in the order attendees care about (LABELS)."""
    return [
        Change(column, getattr(event, column), values[column])
        for column in LABELS
        if column in values and getattr(event, column) != values[column]
    ]


def _shown(change: Change, value: Any, timezone: str, clusters: dict[int, str], language: str) -> str:
    if value is None or value == "" or value == []:
        return fill(language, "none")
    if isinstance(value, datetime):
        return when(value, timezone, language)
    if change.column == "kind":
        return kind_label(value, language)
    if change.column == "cluster_id":
        return clusters.get(value, f"#{value}")
    if change.column == "tags":
        return echo(", ".join(value))
    return echo(str(value))


def change_lines(found: list[Change], timezone: str, clusters: dict[int, str], language: str) -> list[str]:
    """One line per change; times in the event's (new) time zone, long texts cut short."""
    return [
        f"{fill(language, LABELS[change.column])}: "
        f"{_shown(change, change.old, timezone, clusters, language)} → "
        f"{_shown(change, change.new, timezone, clusters, language)}"
        for change in found
    ]
