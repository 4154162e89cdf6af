"""What a typed name means: one cluster, region, country, sector or member, or the closest candidates.

Every command that takes one of these names goes through here, so they all accept the same
spellings: the exact name or a cluster's short name (`TEXCAT`), ignoring case, accents and extra
spaces. Anything else is never guessed: the caller gets the closest candidates to offer as a
"did you mean", because putting a member in the wrong cluster or announcing to the wrong region
is worse than asking again.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Cluster, Identity, Member, Organisation
from store.text import fold

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
PlaceKind = Literal["region", "country", "sector"]
# Candidates from this similarity on (rapidfuzz WRatio, 0-100) are offered; none is ever chosen.
SUGGEST_CUTOFF = 60
MAX_SUGGESTIONS = 5
# Members are suggested only when closer: a list of strangers' names helps nobody.
MEMBER_CUTOFF = 80
# With nothing close, this many of the known names are offered instead (a small network's whole list).
MAX_LISTED = 8


def normalised(text: str) -> str:
    """Folded (case, accents) with runs of spaces made one and quotes dropped."""
    return " ".join(fold(text).replace('"', " ").split())


def short_names(name: str) -> list[str]:
    """A cluster's short names: acronyms in its name (`TEXCAT`) and its first word (`Fibralp`)."""
    words = name.split()
    acronyms = [w for w in words if len(w) >= 2 and w.isupper() and w.isalpha()]
    first = [words[0]] if words and len(words[0]) >= 3 else []
    return list(dict.fromkeys([*acronyms, *first]))


@dataclass(frozen=True, slots=True)
class Match(Generic[K]):
    """The one key a typed name means, or (when it means none for sure) the closest keys."""

    key: K | None
    candidates: tuple[K, ...] = ()


def match(
    typed: str,
    names: Mapping[K, str],
    aliases: Mapping[K, Sequence[str]] | None = None,
    *,
    cutoff: int = SUGGEST_CUTOFF,
    limit: int = MAX_SUGGESTIONS,
) -> Match[K]:
    """Exact name first, then an alias that only one key has; otherwise candidates, best first."""
    wanted = normalised(typed)
    if not wanted:
        return Match(None)
    exact = [key for key, name in names.items() if normalised(name) == wanted]
    if len(exact) == 1:
        return Match(exact[0])
    if exact:
        return Match(None, tuple(exact[:limit]))
    by_alias = [key for key, found in (aliases or {}).items() if wanted in {normalised(a) for a in found}]
    if len(by_alias) == 1:
        return Match(by_alias[0])
    if by_alias:
        return Match(None, tuple(by_alias[:limit]))
    folded = {key: normalised(name) for key, name in names.items()}
    close = process.extract(wanted, folded, scorer=fuzz.WRatio, score_cutoff=cutoff, limit=None)
    # WRatio often ties on a shared word ("cluster"); the share of words in common breaks the tie.
    close.sort(key=lambda found: (-found[1], -fuzz.token_set_ratio(wanted, found[0])))
    return Match(None, tuple(key for _name, _score, key in close[:limit]))


@dataclass(frozen=True, slots=True)
class Resolution(Generic[T]):
    """`found` when the name was certain; else `suggestions` as (label, value to type instead)."""

    found: T | None
    suggestions: tuple[tuple[str, str], ...] = ()


def _distinct(values: Iterable[str | None]) -> dict[str, str]:
    """Each different name once (the first spelling seen), keyed by itself."""
    seen: dict[str, str] = {}
    spellings: set[str] = set()
    for value in filter(None, values):
        spelling = normalised(value)
        if spelling and spelling not in spellings:
            spellings.add(spelling)
            seen[value] = value
    return seen


def _resolution(found: Match[K], names: Mapping[K, str], chosen: T | None) -> Resolution[T]:
    """The chosen item, or the names to offer: the closest, else the first few that exist."""
    if found.key is not None:
        return Resolution(chosen)
    keys = found.candidates or tuple(list(names)[:MAX_LISTED])
    return Resolution(None, tuple((names[key], names[key]) for key in keys))


class Resolver:
    """The store's side: reads the names that exist and matches what was typed against them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cluster(self, typed: str) -> Resolution[Cluster]:
        rows = await self.session.scalars(select(Cluster).order_by(Cluster.name))
        clusters = {cluster.id: cluster for cluster in rows.all()}
        names = {key: cluster.name for key, cluster in clusters.items()}
        found = match(typed, names, {key: short_names(name) for key, name in names.items()})
        chosen = clusters[found.key] if found.key is not None else None
        return _resolution(found, names, chosen)

    async def place(self, kind: PlaceKind, typed: str) -> Resolution[str]:
        """A region, country or sector as it is spelled in the store."""
        names = _distinct(await self._place_names(kind))
        found = match(typed, names)
        return _resolution(found, names, found.key)

    async def area(self, typed: str) -> Resolution[str]:
        """Where a directory search may look (`find … in:PLACE`): a country, a region or a cluster."""
        clusters = (await self.session.scalars(select(Cluster.name).order_by(Cluster.name))).all()
        names = _distinct(
            [*await self._place_names("country"), *await self._place_names("region"), *clusters]
        )
        found = match(typed, names, {name: short_names(name) for name in clusters})
        return _resolution(found, names, found.key)

    async def _place_names(self, kind: PlaceKind) -> list[str]:
        if kind == "sector":
            lists = (await self.session.scalars(select(Cluster.sectors).order_by(Cluster.name))).all()
            return sorted({sector for sectors in lists for sector in sectors or []})
        cluster_column = Cluster.region if kind == "region" else Cluster.country
        organisation_column = Organisation.region if kind == "region" else Organisation.country
        from_clusters = (await self.session.scalars(select(cluster_column).distinct())).all()
        from_organisations = (await self.session.scalars(select(organisation_column).distinct())).all()
        return sorted({*from_clusters, *from_organisations} - {""})

    async def segment(self, kind: str, typed: str) -> Resolution[str]:
        """An announcement segment's value as the store spells it; tags and event numbers stay as typed."""
        if kind == "cluster":
            found = await self.cluster(typed)
            return Resolution(found.found.name if found.found else None, found.suggestions)
        if kind in ("region", "country", "sector"):
            return await self.place(kind, typed)  # type: ignore[arg-type]
        return Resolution(typed)

    async def member(self, typed: str, *, listed_only: bool = False) -> Resolution[Member]:
        """`#12`, `12`, `@handle` or a name; two members of one name are both offered, never chosen
        between. `listed_only` keeps members who are not in the directory out of it, suggestions too."""
        number = typed.strip().lstrip("#")
        if number.isascii() and number.isdigit():
            member = await self.session.get(Member, int(number)) if len(number) < 10 else None
            return Resolution(member if member is None or member.listed or not listed_only else None)
        if typed.strip().startswith("@"):
            return Resolution(await self._handle(typed.strip()[1:], listed_only))
        query = select(Member.id, Member.name).order_by(Member.id)
        if listed_only:
            query = query.where(Member.listed.is_(True))
        rows = (await self.session.execute(query)).all()
        names = {member_id: name for member_id, name in rows}
        found = match(typed, names, cutoff=MEMBER_CUTOFF)
        if found.key is not None:
            return Resolution(await self.session.get(Member, found.key))
        return Resolution(None, tuple((f"#{key} {names[key]}", str(key)) for key in found.candidates))

    async def _handle(self, handle: str, listed_only: bool) -> Member | None:
        """The member whose Telegram @username or console handle this is (ignoring case)."""
        query = (
            select(Member)
            .join(Identity, Identity.member_id == Member.id)
            .where(
                (func.lower(Identity.username) == handle.lower())
                | ((Identity.platform == "console") & (Identity.user_id == handle))
            )
            .order_by(Identity.id)
            .limit(1)
        )
        if listed_only:
            query = query.where(Member.listed.is_(True))
        return await self.session.scalar(query) if handle else None
