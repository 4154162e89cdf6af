"""The place gazetteer (store/places.toml): every name of a place, cities by their region."""

from __future__ import annotations

import pytest

from store.places import Gazetteer, gazetteer


@pytest.mark.parametrize(
    ("typed", "kind", "name"),
    [
        ("Catalunya", "region", "Catalonia"),
        ("CATALUÑA", "region", "Catalonia"),
        ("Catalonia", "region", "Catalonia"),
        ("Terrassa", "city", "Terrassa"),
        ("Nantes", "city", "Nantes"),
        ("Portgual", "country", "Portugal"),
        ("Norge", "country", "Norway"),
        ("auvergne rhone alpes", "region", "Auvergne-Rhône-Alpes"),
        ("Guimaraes", "city", "Guimarães"),
    ],
)
def test_a_place_is_known_by_any_of_its_names(typed: str, kind: str, name: str) -> None:
    found = gazetteer().find(typed)
    assert found is not None and (found.kind, found.name) == (kind, name)


def test_a_city_matches_as_its_region() -> None:
    nantes, loire = gazetteer().find("Nantes"), gazetteer().find("Pays de la Loire")
    assert nantes is not None and loire is not None
    assert nantes.region == "Pays de la Loire" and nantes.spellings == loire.spellings


def test_names_far_from_every_place_mean_nothing() -> None:
    assert gazetteer().find("Atlantis") is None
    assert gazetteer().find("Porto").name == "Porto"  # type: ignore[union-attr]
    assert gazetteer().find("") is None


def test_a_name_given_to_two_places_is_refused() -> None:
    with pytest.raises(ValueError, match="belongs to both"):
        Gazetteer(
            {
                "country": [{"name": "Spain", "aliases": ["Iberia"]}],
                "region": [{"name": "Galicia", "country": "Spain", "aliases": ["Iberia"]}],
            }
        )
