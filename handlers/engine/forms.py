"""One-line forms for power users: `title="Learning visit" start="2026-12-03 10:00" tags=a,b`."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from core.errors import UsageError, UserError
from core.types import echo, fill
from store.fields import FIELD_LENGTHS, TooLong, fitting
from store.text import TAG_LENGTH, is_web_url, tag_items


def parse_form(args: Iterable[str], allowed: Iterable[str], language: str) -> dict[str, str]:
    """key=value words into a dict; an unknown key is an error naming the keys that exist."""
    known = tuple(allowed)
    form: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        key = key.strip().lower()
        if not sep:
            raise UsageError(fill(language, "'{word}' is not of the form key=value.", word=echo(arg)))
        if key not in known:
            raise UsageError(
                fill(
                    language,
                    "I don't know the field '{key}'. Fields: {fields}.",
                    key=echo(key),
                    fields=", ".join(known),
                )
            )
        form[key] = value.strip()
    return form


@contextmanager
def about(field: str) -> Iterator[None]:
    """A refusal raised inside names `field` as the one at fault, unless it already names one, so a
    form (a Slack modal) can show it beside that field."""
    try:
        yield
    except UserError as error:
        error.field = error.field or field
        raise


def require(form: dict[str, str], *keys: str, language: str) -> None:
    missing = [key for key in keys if not form.get(key)]
    if missing:
        raise UsageError(fill(language, "Missing: {fields}.", fields=", ".join(missing)), field=missing[0])


def choice(value: str, options: Iterable[str], what: str, language: str) -> str:
    """Accept 'Learning visit', 'learning-visit' or 'learning_visit' for the same option.

    `what` is already in the reader's language ("kind of event").
    """
    wanted = value.strip().lower().replace("-", "_").replace(" ", "_")
    options = tuple(options)
    if wanted in options:
        return wanted
    names = ", ".join(o.replace("_", " ") for o in options)
    raise UsageError(
        fill(
            language,
            "'{value}' is not a {what}. Choose one of: {names}.",
            value=echo(value),
            what=what,
            names=names,
        )
    )


# Ids are 32-bit integers in PostgreSQL: a larger number can name nothing, so it is refused up front.
LARGEST_NUMBER = 2**31 - 1


def positive_int(value: str, what: str, language: str) -> int:
    """`what` is already in the reader's language ("event number")."""
    try:
        number = int(value)
        if number > LARGEST_NUMBER:
            raise ValueError(value)
    except ValueError:
        raise UsageError(fill(language, "The {what} should be a number, like 12.", what=what)) from None
    if number <= 0:
        raise UsageError(fill(language, "The {what} should be a number above zero.", what=what))
    return number


def within(value: str, limit: int, field: str, language: str, *, key: str = "") -> str:
    """`value` if it fits its column; otherwise a refusal naming the limit (nothing is cut silently).

    `field` is the field's name as typed (`bio`, `title`), the same in every language; `key` the
    form field at fault when that is another (a tag of `tags`).
    """
    try:
        return fitting(value, limit)
    except TooLong as error:
        raise UsageError(
            fill(
                language,
                "{field} is {count} characters long, and at most {limit} fit. Nothing was saved.",
                field=field,
                count=error.count,
                limit=error.limit,
            ),
            field=key or field,
        ) from None


def sized(form: dict[str, str], key: str, language: str) -> str:
    """An event or opportunity field of the one-line form, checked against its column."""
    return within(form[key], FIELD_LENGTHS[key], key, language)


def title(value: str, language: str) -> str:
    """An event's or opportunity's title: not empty, and no longer than its column."""
    text = value.strip()
    if not text:
        raise UsageError(fill(language, "The title cannot be empty."), field="title")
    return within(text, FIELD_LENGTHS["title"], "title", language)


def tag_list(raw: str | list[str], limit: int, field: str, language: str) -> list[str]:
    """Comma-separated tags, refused (not cut) when there are too many or one is too long."""
    tags = tag_items(raw)
    if len(tags) > limit:
        raise UsageError(
            fill(
                language,
                "{field}: {count} given, and at most {limit} fit. Nothing was saved.",
                field=field,
                count=len(tags),
                limit=limit,
            ),
            field=field,
        )
    for tag in tags:
        within(tag, TAG_LENGTH, echo(tag), language, key=field)
    return tags


def web_url(value: str, language: str) -> str:
    """An http(s) link (or empty, to clear it); `javascript:` or a line break in it is refused."""
    url = value.strip()
    if url and not is_web_url(url):
        raise UsageError(
            fill(
                language, "'{url}' is not a web address; give one that starts with https://.", url=echo(url)
            ),
            field="url",
        )
    return within(url, FIELD_LENGTHS["url"], "url", language)


# Letters that draw nothing: Hangul fillers and the braille blank pass as letters to Unicode.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def visible_name(value: str, language: str) -> str:
    """A name on one line, refused when nothing in it shows (zero-width spaces, fillers, joiners).

    Format characters at either end are dropped; inside a name they may be doing their job (a
    zero-width joiner in an emoji, a non-joiner in a Persian name).
    """
    name = " ".join(value.split()).strip("\u200b\u200c\u200d\u2060\ufeff\u00ad ")
    if not any(unicodedata.category(c)[0] in "LNPS" and c not in BLANK_LETTERS for c in name):
        raise UsageError(
            fill(language, "I can't see any letters in that name. Please type it as people should read it.")
        )
    return name
