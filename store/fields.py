"""How long typed fields may be: the size of the column each goes to, read from the models.

The chat's one-line forms, its guided flows and the imports all check against these, and refuse
(never cut) what does not fit, so a title is too long in the same place wherever it comes from.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String

from store.models import Event, Opportunity


def column_length(column: ColumnElement[Any]) -> int:
    """The declared size of a `String(n)` column."""
    if not isinstance(column.type, String) or column.type.length is None:
        raise TypeError(f"{column} has no declared length")
    return column.type.length


# Descriptions are unbounded `Text` columns; this bound is ours: what a chat message can show.
DESCRIPTION_LENGTH = 4000
# Tags on one profile, event or opportunity.
MAX_TAGS = 20

# Event and opportunity fields as they are typed (`title=…`) and the most that fits each.
FIELD_LENGTHS = {
    "title": column_length(Event.__table__.c.title),
    "place": column_length(Event.__table__.c.place),
    "url": column_length(Event.__table__.c.online_url),
    "region": column_length(Opportunity.__table__.c.region),
    "description": DESCRIPTION_LENGTH,
}


class TooLong(ValueError):
    """A value longer than its column; callers word the refusal for their reader."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"is {count} characters long, and at most {limit} fit")
        self.count = count
        self.limit = limit


def fitting(value: str, limit: int) -> str:
    """`value` if it fits in `limit` characters; TooLong otherwise (nothing is cut silently)."""
    if len(value) > limit:
        raise TooLong(len(value), limit)
    return value
