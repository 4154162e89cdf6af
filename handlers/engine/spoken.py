"""The languages a member speaks (`profile set languages`): ISO 639-1 codes, typed as codes or names.

A name is accepted in any language the bot writes (`catalan`, `català`, `catalán`, `catalan`,
`catalão`), so members can answer in their own; what is stored is the code. Names come from
CLDR through Babel; only languages with a two-letter code count, which keeps constructed and
fictional ones (CLDR knows Klingon) out.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from babel import Locale

from core.errors import NotFound, UsageError
from core.i18n import LANGUAGES
from core.types import Button, echo
from handlers.engine.context import Context
from store.resolver import match, normalised
from store.text import tag_items

MAX_LANGUAGES = 10
# Two hundred short names make weak matches for anything; only close ones are worth offering.
SUGGEST_CUTOFF = 75


def _two_letter(codes: Mapping[str, str]) -> dict[str, str]:
    return {code: name for code, name in codes.items() if len(code) == 2 and code.isalpha()}


@cache
def _codes_by_name() -> dict[str, str]:
    """Every code, and every name of a language in every language we write, to its code."""
    known: dict[str, str] = {}
    for ui in LANGUAGES:
        for code, name in _two_letter(Locale.parse(ui).languages).items():
            known.setdefault(code, code)
            known.setdefault(normalised(name), code)
    return known


@cache
def names_in(language: str) -> dict[str, str]:
    """Code -> the language's name in `language`, for suggestions a reader understands."""
    return _two_letter(Locale.parse(language).languages)


def language_codes(ctx: Context, typed: str) -> list[str]:
    """The codes of the languages typed, separated by commas; an unknown one gets a "did you mean"."""
    items = tag_items(typed)
    if len(items) > MAX_LANGUAGES:
        raise UsageError(ctx.tr("Give at most {limit} languages.", limit=MAX_LANGUAGES))
    known = _codes_by_name()
    codes: list[str] = []
    for index, item in enumerate(items):
        code = known.get(normalised(item))
        if code is None:
            raise _unknown(ctx, item, codes, items[index + 1 :])
        codes.append(code)
    return list(dict.fromkeys(codes))


def _unknown(ctx: Context, item: str, before: list[str], after: list[str]) -> NotFound:
    names = names_in(ctx.language)
    candidates = match(item, names, cutoff=SUGGEST_CUTOFF).candidates
    message = ctx.tr("I don't know the language '{name}'.", name=echo(item))
    if not candidates:
        return NotFound(message + " " + ctx.tr("Give its name or its two-letter code, like ca or pt."))
    buttons = tuple(
        (Button(names[code], "/profile set languages " + ", ".join([*before, code, *after])),)
        for code in candidates
    )
    return NotFound(message + " " + ctx.tr("Did you mean one of these?"), buttons=buttons)
