"""The place gazetteer: a country or region by any of its names, a city by the region it is in.

The data is `store/places.toml` (how to extend it is written at its top). Clusters and
organisations store one spelling (`Catalonia`); members type another (`Catalunya`, `Cataluña`,
`Terrassa`, `Portgual`). `find` turns what they typed into the spellings that may be stored.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from rapidfuzz import fuzz, process

from store.text import fold

PlaceKind = Literal["country", "region", "city"]
# A typed name this close (rapidfuzz ratio) to one name of the gazetteer means that place:
# "portgual" ~ "portugal" is 88; "porto" ~ "portugal" is 62.
MISSPELT_CUTOFF = 85


def spelling(name: str) -> str:
    """A place name as compared: folded, hyphens as spaces (`Auvergne-Rhône-Alpes` is three words)."""
    return " ".join(fold(name).replace("-", " ").split())


@dataclass(frozen=True, slots=True)
class Place:
    """What a typed name means: `name` as stored, and every folded spelling that counts as it."""

    kind: PlaceKind
    name: str
    spellings: tuple[str, ...]
    # A city's region, so a reply can say "Nantes (Pays de la Loire)".
    region: str = ""


class Gazetteer:
    """Every name of every place of the file, folded, to the place it means."""

    def __init__(self, data: dict[str, list[dict[str, object]]]) -> None:
        self.places: dict[str, Place] = {}
        for entry in data.get("country", []):
            self._add(Place("country", str(entry["name"]), _spellings(entry)))
        for entry in data.get("region", []):
            region = Place("region", str(entry["name"]), _spellings(entry))
            self._add(region)
            for city in _strings(entry.get("cities", [])):
                self._add(Place("city", city, region.spellings, region.name), spelling(city))

    def _add(self, place: Place, *names: str) -> None:
        for name in names or place.spellings:
            known = self.places.get(name)
            if known is not None and known != place:
                raise ValueError(f"the place name {name!r} belongs to both {known.name} and {place.name}")
            self.places[name] = place

    def find(self, typed: str) -> Place | None:
        """The place a typed name means: any of its names (case and accents ignored) or one misspelt."""
        wanted = spelling(typed)
        if not wanted:
            return None
        exact = self.places.get(wanted)
        if exact is not None:
            return exact
        close = process.extractOne(wanted, list(self.places), scorer=fuzz.ratio, score_cutoff=MISSPELT_CUTOFF)
        return self.places[close[0]] if close else None

    def named(self, name: str) -> Place | None:
        """The place with exactly this name (any of its names, case and accents ignored), no guess."""
        return self.places.get(spelling(name))

    def spellings_of(self, stored: str) -> tuple[str, ...]:
        """The other names of a stored country or region (`Catalonia` → catalunya, cataluna…)."""
        place = self.places.get(spelling(stored))
        return place.spellings if place is not None and place.kind != "city" else ()


def _strings(values: object) -> list[str]:
    return [str(value) for value in values] if isinstance(values, list) else []


def _spellings(entry: dict[str, object]) -> tuple[str, ...]:
    names = [str(entry["name"]), *_strings(entry.get("aliases", []))]
    return tuple(dict.fromkeys(spelling(name) for name in names))


@cache
def gazetteer() -> Gazetteer:
    text = resources.files("store").joinpath("places.toml").read_text(encoding="utf-8")
    return Gazetteer(tomllib.loads(text))
