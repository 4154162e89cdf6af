"""How a table declares, next to its columns, what `mydata` exports and `forget` erases of it.

A model sets `__personal__ = PersonalData(...)` or `__personal__ = NotPersonal("why")`;
`store/privacy.py` reads the declaration and does the rest, so a new table's privacy is written
where the table is, in one line, instead of in a second file. Tables whose export or erasure needs
joins or scrubbing keep a hand-written entry in `store.privacy.PERSONAL`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class PersonalData:
    """The table holds rows about the members named in its `owner` columns.

    `mydata` exports every row where one of the `owner` columns is the member, all columns, under
    the key `section`. `forget` either deletes those rows (`erase="delete"`), or keeps them and
    blanks the `text_columns` (`erase="anonymise"`). `text_columns` are the columns that hold
    personal text: after an erasure the table's old bytes are purged from the database files.
    """

    section: str
    owner: tuple[str, ...]
    erase: Literal["delete", "anonymise"] = "delete"
    text_columns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NotPersonal:
    """The table points at members but holds nothing to export or erase; `reason` says why."""

    reason: str
