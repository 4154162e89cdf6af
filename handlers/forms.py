"""One-line forms for power users: `title="Learning visit" start="2026-12-03 10:00" tags=a,b`."""

from __future__ import annotations

from collections.abc import Iterable

from handlers.errors import UsageError


def parse_form(args: Iterable[str], allowed: Iterable[str]) -> dict[str, str]:
    """key=value words into a dict; an unknown key is an error naming the keys that exist."""
    known = tuple(allowed)
    form: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        key = key.strip().lower()
        if not sep:
            raise UsageError(f"'{arg}' is not of the form key=value.")
        if key not in known:
            raise UsageError(f"I don't know the field '{key}'. Fields: {', '.join(known)}.")
        form[key] = value.strip()
    return form


def require(form: dict[str, str], *keys: str) -> None:
    missing = [key for key in keys if not form.get(key)]
    if missing:
        raise UsageError(f"Missing: {', '.join(missing)}.")


def choice(value: str, options: Iterable[str], what: str) -> str:
    """Accept 'Learning visit', 'learning-visit' or 'learning_visit' for the same option."""
    wanted = value.strip().lower().replace("-", "_").replace(" ", "_")
    options = tuple(options)
    if wanted in options:
        return wanted
    names = ", ".join(o.replace("_", " ") for o in options)
    raise UsageError(f"'{value}' is not a {what}. Choose one of: {names}.")


def positive_int(value: str, what: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"The {what} should be a number, like 12.") from None
    if number <= 0:
        raise UsageError(f"The {what} should be a number above zero.")
    return number
