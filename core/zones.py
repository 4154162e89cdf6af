"""The time zones of a country, from CLDR through Babel, so a member's zone follows where they are.

A country is named as clusters and organisations spell it ("Portugal", "España", "PT"); its zones
are CLDR's territory zones with the mainland first: Spain gives Europe/Madrid, then Africa/Ceuta
and Atlantic/Canary, which a member picks with a button, or which a region names ("Canarias",
"Canary Islands", "Açores"): the region chooses among its country's zones, never beyond them.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

from core.i18n import LANGUAGES, babel_locale


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@cache
def _territory_zones() -> dict[str, tuple[str, ...]]:
    return {code: tuple(zones) for code, zones in get_global("territory_zones").items()}


@cache
def _codes_by_name() -> dict[str, str]:
    """Every country's name in English and in each language we write, to its two-letter code."""
    known: dict[str, str] = {}
    for language in LANGUAGES:
        for code, name in Locale.parse(babel_locale(language)).territories.items():
            if len(code) == 2 and code.isalpha() and code in _territory_zones():
                known.setdefault(_folded(name), code)
    return known


def territory(country: str) -> str | None:
    """'Portugal', 'portugal', 'España' or 'PT' -> 'PT'; None for a name CLDR does not know."""
    word = _folded(country)
    if word.upper() in _territory_zones():
        return word.upper()
    return _codes_by_name().get(word)


def country_zones(country: str) -> list[str]:
    """The zones of a country, the European mainland one first (where most of its members are)."""
    code = territory(country)
    zones = _territory_zones().get(code, ()) if code else ()
    return sorted(zones, key=lambda zone: not zone.startswith("Europe/"))


def country_zone(country: str) -> str | None:
    """The zone a member of `country` most likely lives in; None when the country is unknown."""
    zones = country_zones(country)
    return zones[0] if zones else None


# Words sharing this many first letters name the same place ("Canary Islands", "Canaries").
PLACE_PREFIX = 5


@cache
def _zone_words(zone: str) -> frozenset[str]:
    """The words of the zone's city in each language we write ("canaries", "canarias", "illes")."""
    words: set[str] = set()
    for language in LANGUAGES:
        city = get_timezone_location(zone, locale=babel_locale(language), return_city=True)
        words.update(word[:PLACE_PREFIX] for word in _folded(str(city)).split() if len(word) >= PLACE_PREFIX)
    return frozenset(words)


def home_zone(country: str, region: str = "") -> str | None:
    """The zone of a country, or of the region of it that has its own (the Canaries, the Azores)."""
    zones = country_zones(country)
    region_words = {word[:PLACE_PREFIX] for word in _folded(region).split() if len(word) >= PLACE_PREFIX}
    for zone in zones[1:]:
        if region_words & _zone_words(zone):
            return zone
    return zones[0] if zones else None
