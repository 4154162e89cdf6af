"""Five languages: English, Catalan, Spanish, French and Portuguese.

Every user-facing string is an English message id looked up in `core/locale/<lang>.po`
(gettext catalogs, read with Babel). Placeholders are `{name}` fields filled after translation, so
a translator can move them; `tests/test_i18n.py` fails when a catalog misses a message or a
placeholder. Dates and times are formatted with the locale's own words.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from babel import Locale
from babel.dates import DateTimePattern, parse_pattern
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LANGUAGES = ("en", "ca", "es", "fr", "pt")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Babel's "pt" is Brazilian; our Portuguese members are in Portugal (Norte).
BABEL_LOCALES = {"pt": "pt_PT"}


@cache
def catalog(language: str) -> Catalog | None:
    path = LOCALE_DIR / f"{language}.po"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return None
    with path.open("rb") as po:
        return read_po(po, locale=language)


def translate(language: str, message: str) -> str:
    """The message in `language`, or the English one when the catalog has no translation."""
    found = catalog(language)
    entry = found.get(message) if found is not None else None
    return entry.string if entry is not None and isinstance(entry.string, str) and entry.string else message


@cache
def plural_index(language: str) -> Callable[[int], int]:
    """Which msgstr[i] a count takes, from the catalog's Plural-Forms (English: one and other)."""
    found = catalog(language)
    return gettext.c2py(found.plural_expr if found is not None else "(n != 1)")


def translate_plural(language: str, singular: str, plural: str, count: int) -> str:
    """ngettext: the form of the message for `count` in `language` (English when untranslated)."""
    found = catalog(language)
    entry = found.get(singular) if found is not None else None
    forms = entry.string if entry is not None else None
    if isinstance(forms, tuple | list) and all(forms):
        index = plural_index(language)(count)
        return str(forms[min(index, len(forms) - 1)])
    return singular if count == 1 else plural


def babel_locale(language: str) -> str:
    return BABEL_LOCALES.get(language, language)


def join_words(items: Sequence[str], language: str, style: Literal["standard", "or"] = "standard") -> str:
    """'a, b and c' in English, 'a, b i c' in Catalan; style "or" for alternatives."""
    if not items:
        return ""
    return format_list(list(items), style=style, locale=locale_of(language))


def language_name(code: str, language: str) -> str:
    """How `language` writes the name of `code` inside a sentence: 'Portuguese', 'portugués'."""
    return str(locale_of(language).languages.get(code, code))


@lru_cache(maxsize=64)
def locale_of(language: str) -> Locale:
    """Babel's locale for one of our languages, read once: a find page names some twenty languages,
    and parsing the locale for each was ~5 % of the page's CPU."""
    return Locale.parse(babel_locale(language))


def choose_language(setting: str | None, platform_code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The member's own choice, else what their app says (`pt-BR` -> `pt`), else the default."""
    for candidate in (setting, platform_code):
        code = (candidate or "").lower().replace("_", "-").split("-")[0]
        if code in LANGUAGES:
            return code
    return default


def placeholders(message: str) -> set[str]:
    return set(PLACEHOLDER.findall(message))


@cache
def _date_format(pattern: str, language: str) -> tuple[DateTimePattern, Locale]:
    """A date pattern parsed once and the language's locale read once: a list of events formats a
    date per line, and Babel's `format_datetime` does both again at each call (half its cost)."""
    return parse_pattern(pattern), locale_of(language)


def local_datetime(moment: datetime, language: str) -> str:
    """'Thu 3 Dec 2026, 10:00' in English, 'dj. 3 de des. 2026, 10:00' in Catalan (already local)."""
    pattern, locale = _date_format("EEE d MMM y, HH:mm", language)
    return pattern.apply(moment, locale)


def local_date(moment: datetime, language: str) -> str:
    """'3 Dec 2026' in English, '3 de des. 2026' in Catalan (already local)."""
    pattern, locale = _date_format("d MMM y", language)
    return pattern.apply(moment.date(), locale)
