"""Typo-tolerant directory search over members, fast enough for 100,000 of them.

Scoring every profile with rapidfuzz costs hundreds of milliseconds at that size, so the index
works the other way round: each query word is fuzzy-matched against the vocabulary (tens of
thousands of words, not profiles), and only members holding a matched word are scored. The index
lives in process memory and catches up from the `updated_at` watermark before each search, so
edits made by another process are seen too.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Cluster, Member, Organisation
from store.text import fold, words

# A word counts as matched from this similarity on (0-100): "recyclng" ~ "recycling" is 94.
WORD_MATCH_CUTOFF = 80
MATCHES_PER_QUERY_WORD = 12
# Where a word appears says how much it tells: a name or an offer beats a word in a bio.
FIELD_WEIGHTS = {"name": 1.3, "organisation": 1.2, "offers": 1.2, "tags": 1.2, "place": 1.0}
BIO_WEIGHT = 0.6


@dataclass(slots=True)
class _Doc:
    listed: bool
    place: str
    word_weights: dict[str, float]


@dataclass(slots=True)
class DirectoryIndex:
    """In-memory inverted index of member profiles; one per process, shared by all requests."""

    docs: dict[int, _Doc] = field(default_factory=dict)
    postings: dict[str, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    watermark: datetime | None = None
    _vocabulary: list[str] | None = None

    async def refresh(self, session: AsyncSession) -> None:
        """Read members changed since the last refresh (all of them the first time)."""
        query = (
            select(
                Member.id,
                Member.name,
                Member.offers,
                Member.seeks,
                Member.bio,
                Member.role,
                Member.tags,
                Member.listed,
                Member.updated_at,
                Organisation.name,
                Organisation.country,
                Organisation.region,
                Cluster.name,
                Cluster.country,
                Cluster.region,
                Cluster.sectors,
            )
            .outerjoin(Organisation, Organisation.id == Member.organisation_id)
            .outerjoin(Cluster, Cluster.id == Member.cluster_id)
            .order_by(Member.updated_at)
        )
        if self.watermark is not None:
            # `>=`: a row committed later with the same timestamp must not be missed.
            query = query.where(Member.updated_at >= self.watermark)
        result = await session.stream(query.execution_options(yield_per=5000))
        async for row in result:
            self._index(row)
            self.watermark = row.updated_at

    def _index(self, row: object) -> None:
        (
            mid,
            name,
            offers,
            seeks,
            bio,
            role,
            tags,
            listed,
            _updated,
            org,
            org_country,
            org_region,
            cluster,
            cl_country,
            cl_region,
            sectors,
        ) = row  # type: ignore[misc]
        place = " ".join(filter(None, [org_country or cl_country, org_region or cl_region, cluster]))
        fields = {
            "name": name,
            "organisation": org or "",
            "offers": f"{offers} {role}",
            "tags": " ".join([*(tags or []), *(sectors or [])]),
            "place": place,
        }
        weights: dict[str, float] = {}
        for word in words(f"{bio} {seeks}"):
            weights[word] = max(weights.get(word, 0.0), BIO_WEIGHT)
        for field_name, text in fields.items():
            for word in words(text):
                weights[word] = max(weights.get(word, 0.0), FIELD_WEIGHTS[field_name])
        self._remove(mid)
        self.docs[mid] = _Doc(bool(listed), fold(place), weights)
        for word, weight in weights.items():
            if word not in self.postings:
                self._vocabulary = None
            self.postings[word][mid] = weight

    def _remove(self, member_id: int) -> None:
        old = self.docs.pop(member_id, None)
        if old is not None:
            for word in old.word_weights:
                self.postings[word].pop(member_id, None)

    @property
    def vocabulary(self) -> list[str]:
        if self._vocabulary is None:
            self._vocabulary = [w for w, posting in self.postings.items() if posting]
        return self._vocabulary

    def search(self, query: str, *, place: str = "", limit: int = 50) -> list[int]:
        """Member ids best first. Members matching more of the query's words always rank higher."""
        query_words = list(dict.fromkeys(words(query)))
        if not query_words:
            return []
        place_filter = fold(place).strip()
        member_count = max(len(self.docs), 1)
        scores: dict[int, float] = defaultdict(float)
        hits: dict[int, int] = defaultdict(int)
        for query_word in query_words:
            best_for_member: dict[int, float] = {}
            for word, similarity in self._similar_words(query_word):
                posting = self.postings[word]
                rarity = math.log(1 + member_count / len(posting))
                for member_id, weight in posting.items():
                    score = similarity * weight * rarity
                    if score > best_for_member.get(member_id, 0.0):
                        best_for_member[member_id] = score
            for member_id, score in best_for_member.items():
                scores[member_id] += score
                hits[member_id] += 1
        ranked = [
            member_id
            for member_id in scores
            if self.docs[member_id].listed
            and (not place_filter or place_filter in self.docs[member_id].place)
        ]
        ranked.sort(key=lambda m: (-hits[m], -scores[m], m))
        return ranked[:limit]

    def _similar_words(self, query_word: str) -> list[tuple[str, float]]:
        """Vocabulary words close to the query word, with a similarity in 0..1."""
        matches = process.extract(
            query_word,
            self.vocabulary,
            scorer=fuzz.ratio,
            score_cutoff=WORD_MATCH_CUTOFF,
            limit=MATCHES_PER_QUERY_WORD,
        )
        found = {word: score / 100 for word, score, _ in matches}
        if len(query_word) >= 4:
            # A typed prefix ("recycl") should find the whole word ("recycling").
            for word in self.vocabulary:
                if word.startswith(query_word) and word not in found:
                    found[word] = 0.9
        return list(found.items())
