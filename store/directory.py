"""Typo-tolerant directory search over members, fast enough for 100,000 of them.

Scoring every profile with rapidfuzz costs hundreds of milliseconds at that size, so the index
works the other way round: each query word is fuzzy-matched against the vocabulary (thousands of
words, not profiles), and only members holding a matched word are scored. The index lives in
process memory and catches up from the `updated_at` watermark before each search, so edits made
by another process are seen too.

Postings are numpy arrays, not dicts: Python dicts of 100,000 members × ~50 words cost hundreds
of megabytes and a Python loop per posting, where flat arrays cost a few bytes per entry and a
vectorised max per matched word. Most entries sit in a compacted block sorted by word; members
(re)indexed since the last compaction are appended to a small tail, which is folded into the
block once it grows, so that an edit costs an append rather than a rebuild.
"""

from __future__ import annotations

import bisect
import math
from array import array
from datetime import datetime
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Cluster, Member, Organisation
from store.places import gazetteer, spelling
from store.text import words

# A word counts as matched from this similarity on (0-100): "recyclng" ~ "recycling" is 94.
WORD_MATCH_CUTOFF = 80
MATCHES_PER_QUERY_WORD = 12
# Words of this length or more also match other endings of their stem (all but the last three
# letters, at least five), a little below a close spelling.
STEM_FROM = 6
STEM_SIMILARITY = 0.85
# Where a word appears says how much it tells: a name or an offer beats a word in a bio.
# Weights are in tenths, kept in one byte per posting entry: a name counts 1.3, a word in a bio 0.6.
FIELD_WEIGHTS = {"name": 13, "organisation": 12, "offers": 12, "tags": 12, "place": 10}
NAME_WEIGHT = FIELD_WEIGHTS["name"]
BIO_WEIGHT = 6
WEIGHT_SCALE = 10
# The tail is folded into the sorted block when it holds this many entries (or a quarter of the block).
COMPACT_AT = 100_000
# A word matched this closely is the word meant ("textil" for "textile"), not a neighbour ("smart"
# for "marta", 80): a query that is wholly a member's name this closely shows name matches only.
NEAR_EXACT = 0.9
# The relevance cut-off: results keep at least this share of the query's matched words…
WORDS_KEPT = 2 / 3
# …and at least this share of the best result's score; the rest are loosely related noise.
SCORE_KEPT = 0.35


class DirectoryIndex:
    """In-memory inverted index of member profiles; one per process, shared by all requests.

    Each member has a slot; per slot we keep its id, whether it is listed, its place and where its
    current postings are (the block, or the tail from `_tail_from[slot]` on).
    """

    def __init__(self) -> None:
        self.watermark: datetime | None = None
        self._word_ids: dict[str, int] = {}
        self._vocabulary: list[str] = []
        self._sorted_vocabulary: list[str] = []
        self._slot_of: dict[int, int] = {}
        self._member_ids = array("q")
        self._listed = array("b")
        self._place_codes = array("i")
        self._in_block = array("b")
        self._tail_from = array("q")
        self._places: dict[str, int] = {}
        self._block_starts = np.zeros(1, dtype=np.int64)
        self._block_slots = np.empty(0, dtype=np.int32)
        self._block_weights = np.empty(0, dtype=np.uint8)
        self._tail_slots = array("i")
        self._tail_words = array("i")
        self._tail_weights = array("B")
        self._word_cache: dict[str, list[str]] = {}

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
        try:
            async for rows in result.partitions():
                for row in rows:
                    self._index(row)
                self.watermark = rows[-1].updated_at
        finally:
            # Profile texts repeat within one load; kept longer, the cache would only grow.
            self._word_cache.clear()
        if len(self._tail_slots) > max(COMPACT_AT, len(self._block_slots) // 4):
            self._compact()

    def search(self, query: str, *, place: str = "", limit: int = 50) -> list[int]:
        """Member ids best first: a member whose name is the query first, then members matching more
        of the query's words, then by score; results far weaker than the best are cut off."""
        query_words = list(dict.fromkeys(words(query)))
        slot_count = len(self._member_ids)
        if not query_words or not slot_count:
            return []
        in_block = _view(self._in_block, np.int8).astype(bool)
        tail_slots, tail_words = _view(self._tail_slots, np.int32), _view(self._tail_words, np.int32)
        tail_weights = _view(self._tail_weights, np.uint8)
        live_tail = np.arange(len(tail_slots)) >= _view(self._tail_from, np.int64)[tail_slots]
        scores, hits = np.zeros(slot_count), np.zeros(slot_count, dtype=np.int32)
        name_hits = np.zeros(slot_count, dtype=np.int32)
        for query_word in query_words:
            best = np.zeros(slot_count)
            in_name = np.zeros(slot_count, dtype=bool)
            for word_id, similarity in self._similar_words(query_word):
                slots, weights = self._block_postings(word_id, in_block)
                in_tail = live_tail & (tail_words == word_id)
                if in_tail.any():
                    slots = np.concatenate((slots, tail_slots[in_tail]))
                    weights = np.concatenate((weights, tail_weights[in_tail]))
                if len(slots) == 0:
                    continue
                rarity = math.log(1 + slot_count / len(slots))
                best[slots] = np.maximum(best[slots], weights * (similarity * rarity / WEIGHT_SCALE))
                if similarity >= NEAR_EXACT:
                    in_name[slots[weights == NAME_WEIGHT]] = True
            scores += best
            hits += best > 0
            name_hits += in_name
        wanted = (hits > 0) & _view(self._listed, np.int8).astype(bool)
        if place:
            wanted &= np.isin(_view(self._place_codes, np.int32), self._codes_in(place))
        return self._ranked(np.flatnonzero(wanted), scores, hits, name_hits, len(query_words), limit)

    def _codes_in(self, place: str) -> list[int]:
        """The place codes of members in a typed place: by any name the gazetteer gives it, a city
        by its region; a place it does not know by the typed name (a cluster, say)."""
        found = gazetteer().find(place)
        spellings = found.spellings if found is not None else (spelling(place),)
        return [
            code
            for name, code in self._places.items()
            if any(f" {typed} " in f" {name} " for typed in spellings if typed)
        ]

    def _ranked(
        self,
        slots: np.ndarray,
        scores: np.ndarray,
        hits: np.ndarray,
        name_hits: np.ndarray,
        word_count: int,
        limit: int,
    ) -> list[int]:
        """The `limit` best of `slots`, with the relevance cut-off applied; ties by member id."""
        if len(slots) == 0:
            return []
        if (name_hits[slots] == word_count).any():
            # The query is someone's name: other names and topics that merely look alike are noise.
            slots = slots[name_hits[slots] > 0]
        slots = slots[hits[slots] >= math.ceil(hits[slots].max() * WORDS_KEPT)]
        slots = slots[scores[slots] >= scores[slots].max() * SCORE_KEPT]
        if len(slots) > limit > 0:
            # Keep only what can make the first `limit` (ties included) before the exact sort.
            key = (name_hits[slots] * (word_count + 1) + hits[slots]) * (scores.max() + 1.0) + scores[slots]
            slots = slots[key >= np.partition(key, len(key) - limit)[len(key) - limit]]
        member_ids = _view(self._member_ids, np.int64)[slots]
        order = np.lexsort((member_ids, -scores[slots], -hits[slots], -name_hits[slots]))
        return member_ids[order][:limit].tolist()  # type: ignore[no-any-return]

    def _block_postings(self, word_id: int, in_block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The compacted postings of a word, without members re-indexed since (they are in the tail)."""
        if word_id + 1 >= len(self._block_starts):
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.uint8)
        start, end = self._block_starts[word_id], self._block_starts[word_id + 1]
        slots, weights = self._block_slots[start:end], self._block_weights[start:end]
        current = in_block[slots]
        return slots[current], weights[current]

    def _similar_words(self, query_word: str) -> list[tuple[int, float]]:
        """Vocabulary words close to the query word (as ids), with a similarity in 0..1."""
        matches = process.extract(
            query_word,
            self._vocabulary,
            scorer=fuzz.ratio,
            score_cutoff=WORD_MATCH_CUTOFF,
            limit=MATCHES_PER_QUERY_WORD,
        )
        found = {index: score / 100 for _word, score, index in matches}
        if len(query_word) >= 4:
            # A typed prefix ("recycl") should find the whole word ("recycling").
            for word_id in self._starting_with(query_word):
                found.setdefault(word_id, 0.9)
        if len(query_word) >= STEM_FROM:
            # Another ending of the same word: "recyclng" (a typo of "recycling") finds "recycled".
            for word_id in self._starting_with(query_word[: max(STEM_FROM - 1, len(query_word) - 3)]):
                found.setdefault(word_id, STEM_SIMILARITY)
        return list(found.items())

    def _starting_with(self, prefix: str) -> list[int]:
        at = bisect.bisect_left(self._sorted_vocabulary, prefix)
        found: list[int] = []
        while at < len(self._sorted_vocabulary) and self._sorted_vocabulary[at].startswith(prefix):
            found.append(self._word_ids[self._sorted_vocabulary[at]])
            at += 1
        return found

    def _index(self, row: Any) -> None:
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
        ) = row
        country, region = org_country or cl_country, org_region or cl_region
        place = " ".join(filter(None, [country, region, cluster]))
        # `Catalunya` finds members of Catalonia: the other names of their country and region count.
        other_names = " ".join(
            [*gazetteer().spellings_of(country or ""), *gazetteer().spellings_of(region or "")]
        )
        # Lightest field first: a word keeps the weight of the heaviest field it appears in.
        weights: dict[str, int] = dict.fromkeys(self._words(f"{bio} {seeks}"), BIO_WEIGHT)
        weights.update(dict.fromkeys(self._words(f"{place} {other_names}"), FIELD_WEIGHTS["place"]))
        for field_name, text in (
            ("organisation", org or ""),
            ("offers", f"{offers} {role}"),
            ("tags", " ".join([*(tags or []), *(sectors or [])])),
        ):
            weights.update(dict.fromkeys(self._words(text), FIELD_WEIGHTS[field_name]))
        weights.update(dict.fromkeys(self._words(name), FIELD_WEIGHTS["name"]))
        slot = self._slot(mid)
        self._listed[slot] = bool(listed)
        self._place_codes[slot] = self._place_code(spelling(place))
        self._in_block[slot] = 0
        self._tail_from[slot] = len(self._tail_slots)
        self._tail_slots.extend([slot] * len(weights))
        self._tail_words.extend([self._word_id(word) for word in weights])
        self._tail_weights.extend(weights.values())

    def _words(self, text: str) -> list[str]:
        """`store.text.words`, a whitespace-separated token at a time, each token folded once.

        Profiles are made of the same few thousand tokens (names, places, trade words), so folding
        each distinct token once makes indexing 100,000 members take seconds, not a minute.
        """
        found: list[str] = []
        for token in text.split():
            token_words = self._word_cache.get(token)
            if token_words is None:
                token_words = self._word_cache[token] = words(token)
            found += token_words
        return found

    def _slot(self, member_id: int) -> int:
        slot = self._slot_of.get(member_id)
        if slot is None:
            slot = self._slot_of[member_id] = len(self._member_ids)
            for column, value in (
                (self._member_ids, member_id),
                (self._listed, 0),
                (self._place_codes, 0),
                (self._in_block, 0),
                (self._tail_from, 0),
            ):
                column.append(value)
        return slot

    def _word_id(self, word: str) -> int:
        word_id = self._word_ids.get(word)
        if word_id is None:  # a new word: rare once the directory is loaded
            word_id = self._word_ids[word] = len(self._vocabulary)
            self._vocabulary.append(word)
            bisect.insort(self._sorted_vocabulary, word)
        return word_id

    def _place_code(self, place: str) -> int:
        code = self._places.get(place)
        if code is None:
            code = self._places[place] = len(self._places)
        return code

    def _compact(self) -> None:
        """Fold the tail's current entries and the block's still-current ones into a new sorted block."""
        in_block = _view(self._in_block, np.int8).astype(bool)
        tail_slots = _view(self._tail_slots, np.int32)
        live = np.arange(len(tail_slots)) >= _view(self._tail_from, np.int64)[tail_slots]
        block_words = np.repeat(
            np.arange(len(self._block_starts) - 1, dtype=np.int32), np.diff(self._block_starts)
        )
        kept = in_block[self._block_slots]
        entry_words = np.concatenate((block_words[kept], _view(self._tail_words, np.int32)[live]))
        order = np.argsort(entry_words, kind="stable")
        self._block_slots = np.concatenate((self._block_slots[kept], tail_slots[live]))[order]
        self._block_weights = np.concatenate(
            (self._block_weights[kept], _view(self._tail_weights, np.uint8)[live])
        )[order]
        counts = np.bincount(entry_words, minlength=len(self._vocabulary))
        self._block_starts = np.concatenate(([0], np.cumsum(counts)))
        self._in_block = array("b", bytes([1]) * len(self._member_ids))
        self._tail_slots, self._tail_words, self._tail_weights = array("i"), array("i"), array("B")


def _view(column: array[Any], dtype: type[np.generic]) -> np.ndarray:
    """A numpy view of an array.array (no copy); an empty column gives an empty array."""
    return np.frombuffer(column, dtype=dtype) if len(column) else np.empty(0, dtype=dtype)


class Directory:
    """Directory search over one transaction: the shared index catches up, then answers."""

    def __init__(self, session: AsyncSession, index: DirectoryIndex | None) -> None:
        self._session = session
        self._index = index

    async def search(self, query: str, *, place: str = "", limit: int = 50) -> list[int]:
        """Ids of listed members matching `query` (in `place` if given), best first."""
        if self._index is None:
            self._index = DirectoryIndex()
        await self._index.refresh(self._session)
        return self._index.search(query, place=place, limit=limit)
