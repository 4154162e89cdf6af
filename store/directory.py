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

Building the index for 100,000 members takes seconds, so `clusterbot run` starts it in the
background (`warm_up`): pages of members are read in short transactions and indexed in a worker
thread, packed into flat arrays as it goes, and until it is done a search answers from plain SQL
(exact words only, `Directory.warming` says so) rather than keep anyone waiting.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import math
import time
from array import array
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import Database
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
# Rows read per partition, and the tail size from which a long read packs the tail into flat arrays
# as it goes: a whole directory held as growing `array`s and then sorted at once costs ~3x the index.
READ_PARTITION = 2_000
PACK_AT = 1 << 18
# Entries sorted into the block at a time when it is rebuilt: bounds the temporary index arrays.
MERGE_SLICE = 1 << 18
# Members indexed between two offers of the GIL to the event loop during the background build.
YIELD_EVERY = 32
# A word matched this closely is the word meant ("textil" for "textile"), not a neighbour ("smart"
# for "marta", 80): a query that is wholly a member's name this closely shows name matches only.
NEAR_EXACT = 0.9
# The relevance cut-off: results keep at least this share of the query's matched words…
WORDS_KEPT = 2 / 3
# …and at least this share of the best result's score; the rest are loosely related noise.
SCORE_KEPT = 0.35


log = logging.getLogger(__name__)

# Entries as flat arrays: word ids, slots and weights, of the same length.
Entries = tuple[np.ndarray, np.ndarray, np.ndarray]


# Built once: a search catches up before every answer, and building the statement cost a third of that.
CHANGES = (
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
    .order_by(Member.updated_at, Member.id)
)
# `>=`: a row committed later with the same timestamp must not be missed.
CHANGES_SINCE = CHANGES.where(Member.updated_at >= bindparam("watermark"))
# What a search's catch-up streams, a partition at a time.
STREAMED, STREAMED_SINCE = (
    query.execution_options(yield_per=READ_PARTITION) for query in (CHANGES, CHANGES_SINCE)
)


class DirectoryIndex:
    """In-memory inverted index of member profiles; one per process, shared by all requests.

    Each member has a slot; per slot we keep its id, whether it is listed, its place and where its
    current postings are (the block, or the entries appended from number `_tail_from[slot]` on).
    Entries are numbered as appended, across packs and compactions: the tail's first is
    `_tail_base`, and an entry older than its slot's `_tail_from` is stale.
    """

    def __init__(self) -> None:
        self.watermark: datetime | None = None
        self._word_ids: dict[str, int] = {}
        self._vocabulary: list[str] = []
        self._sorted_vocabulary: list[str] = []
        # The slot of each member id (-1: none); ids are dense, and a dict of 100,000 ints costs 10 MB.
        self._slot_of = array("i")
        self._member_ids = array("q")
        self._listed = array("b")
        self._place_codes = array("i")
        self._in_block = array("b")
        self._tail_from = array("q")
        self._tail_base = 0
        self._places: dict[str, int] = {}
        self._block_starts = np.zeros(1, dtype=np.int64)
        self._block_slots = np.empty(0, dtype=np.int32)
        self._block_weights = np.empty(0, dtype=np.uint8)
        self._tail_slots = array("i")
        self._tail_words = array("i")
        self._tail_weights = array("B")
        self._word_cache: dict[str, list[str]] = {}
        self._place_cache: dict[tuple[str, str, str], tuple[int, list[str]]] = {}
        # Tail entries packed during a long read, sorted by word (as entries per word id, slots and
        # weights), with the number the next entry appended got then; folded into the block when
        # the read ends.
        self._packed: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []
        self._refreshing = asyncio.Lock()
        self._warming: asyncio.Task[None] | None = None

    @property
    def warming(self) -> bool:
        """Whether the background build (`warm_up`) is still running: searching must wait for it."""
        return self._warming is not None and not self._warming.done()

    def warm_up(self, db: Database) -> asyncio.Task[None]:
        """Start building the index in the background; the event loop keeps answering meanwhile."""
        self._warming = asyncio.create_task(self._build(db), name="directory index")
        return self._warming

    async def close(self) -> None:
        """Stop a build still running (at shutdown)."""
        if self.warming and self._warming is not None:
            self._warming.cancel()
            await asyncio.gather(self._warming, return_exceptions=True)

    async def _build(self, db: Database) -> None:
        """Read every member a page at a time, each page in a short transaction of its own (on SQLite
        a transaction holds the write lock), and index each page in a worker thread."""
        try:
            async with self._refreshing:
                try:
                    after: tuple[datetime, int] | None = None
                    while True:
                        query = self._changes().limit(READ_PARTITION)
                        if after is not None:
                            query = query.where(
                                or_(
                                    Member.updated_at > after[0],
                                    and_(Member.updated_at == after[0], Member.id > after[1]),
                                )
                            )
                        async with db.transaction() as session:
                            rows = (await session.execute(query)).all()
                        if not rows:
                            break
                        await asyncio.to_thread(self._index_rows, rows)
                        self.watermark, after = rows[-1].updated_at, (rows[-1].updated_at, rows[-1][0])
                finally:
                    self._forget_read()
                if self._packed:
                    await asyncio.to_thread(self._compact)
        except Exception:
            # Not fatal: the first search catches up from where the build stopped.
            log.exception("the directory index could not be built at start; the first search will")

    async def refresh(self, session: AsyncSession) -> None:
        """Read members changed since the last refresh (all of them the first time).

        One refresh (or build) runs at a time, so that a search never sees a half-folded index.
        """
        async with self._refreshing:
            if self.watermark is None:
                result = await session.stream(STREAMED)
            else:
                result = await session.stream(STREAMED_SINCE, {"watermark": self.watermark})
            try:
                async for rows in result.partitions():
                    self._index_rows(rows)
                    self.watermark = rows[-1].updated_at
            finally:
                self._forget_read()
            if self._packed or len(self._tail_slots) > max(COMPACT_AT, len(self._block_slots) // 4):
                self._compact()

    def _changes(self) -> Select[*tuple[Any, ...]]:
        """Members changed since the watermark (all of them the first time), in that order."""
        return CHANGES if self.watermark is None else CHANGES_SINCE.params(watermark=self.watermark)

    def _forget_read(self) -> None:
        # Profile texts repeat within one read; kept longer, the caches would only grow.
        self._word_cache.clear()
        self._place_cache.clear()

    def _index_rows(self, rows: Any) -> None:
        for number, row in enumerate(rows, start=1):
            self._index(row)
            if number % YIELD_EVERY == 0:
                # In the build's worker thread: let the event loop have the GIL now, rather than
                # at the interpreter's next switch (5 ms), which every await of a command pays.
                time.sleep(0)
        if len(self._tail_slots) >= PACK_AT:
            self._pack_tail()

    def _live_tail(self) -> np.ndarray:
        """Which tail entries are current (their member was not re-indexed since)."""
        tail_slots = _view(self._tail_slots, np.int32)
        numbers = np.arange(self._tail_base, self._tail_base + len(tail_slots))
        return numbers >= _view(self._tail_from, np.int64)[tail_slots]  # type: ignore[no-any-return]

    def _pack_tail(self) -> None:
        """Move the tail's current entries to flat arrays (a long read's tail would only grow)."""
        entry_words, slots, weights = self._current_tail()
        order = np.argsort(entry_words, kind="stable")
        counts = np.bincount(entry_words, minlength=len(self._vocabulary)).astype(np.int32)
        self._packed.append((counts, slots[order], weights[order], self._tail_base + len(self._tail_slots)))
        self._tail_base += len(self._tail_slots)
        self._tail_slots, self._tail_words, self._tail_weights = array("i"), array("i"), array("B")

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
        live_tail = self._live_tail()
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
        place_code, place_words = self._place(org_country or cl_country, org_region or cl_region, cluster)
        # Lightest field first: a word keeps the weight of the heaviest field it appears in.
        weights: dict[str, int] = dict.fromkeys(self._words(f"{bio} {seeks}"), BIO_WEIGHT)
        weights.update(dict.fromkeys(place_words, FIELD_WEIGHTS["place"]))
        for field_name, text in (
            ("organisation", org or ""),
            ("offers", f"{offers} {role}"),
            ("tags", " ".join([*(tags or []), *(sectors or [])])),
        ):
            weights.update(dict.fromkeys(self._words(text), FIELD_WEIGHTS[field_name]))
        weights.update(dict.fromkeys(self._words(name), FIELD_WEIGHTS["name"]))
        slot = self._slot(mid)
        self._listed[slot] = bool(listed)
        self._place_codes[slot] = place_code
        self._in_block[slot] = 0
        self._tail_from[slot] = self._tail_base + len(self._tail_slots)
        self._tail_slots.extend([slot] * len(weights))
        self._tail_words.extend([self._word_id(word) for word in weights])
        self._tail_weights.extend(weights.values())

    def _place(self, country: str | None, region: str | None, cluster: str | None) -> tuple[int, list[str]]:
        """A member's place code and place words; members share a few hundred places, so each is
        worked out once a read."""
        key = (country or "", region or "", cluster or "")
        found = self._place_cache.get(key)
        if found is None:
            place = " ".join(filter(None, key))
            # `Catalunya` finds members of Catalonia: the other names of their country and region count.
            other_names = " ".join([*gazetteer().spellings_of(key[0]), *gazetteer().spellings_of(key[1])])
            found = self._place_cache[key] = (
                self._place_code(spelling(place)),
                self._words(f"{place} {other_names}"),
            )
        return found

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
        if member_id >= len(self._slot_of):
            self._slot_of.extend([-1] * (member_id + 1 - len(self._slot_of)))
        slot = self._slot_of[member_id]
        if slot < 0:
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
        """Fold the current entries (block, packed, tail) into a new block sorted by word.

        A counting sort, a slice at a time: the new block is allocated once at its final size and
        the temporary arrays stay a slice long, where sorting all entries at once needs ~40 bytes each.
        """
        counts = np.zeros(len(self._vocabulary), dtype=np.int64)
        for entry_words, _slots, _weights in self._current_entries():
            counts += np.bincount(entry_words, minlength=len(counts))
        starts = np.concatenate(([0], np.cumsum(counts)))
        block_slots = np.empty(starts[-1], dtype=np.int32)
        block_weights = np.empty(starts[-1], dtype=np.uint8)
        cursor = starts[:-1].copy()
        for entry_words, slots, weights in self._current_entries():
            order = np.argsort(entry_words, kind="stable")
            sorted_words = entry_words[order]
            word_counts = np.bincount(sorted_words, minlength=len(counts))
            first_of_word = np.concatenate(([0], np.cumsum(word_counts)))[sorted_words]
            at = cursor[sorted_words] + np.arange(len(order)) - first_of_word
            block_slots[at], block_weights[at] = slots[order], weights[order]
            cursor += word_counts
        self._block_starts, self._block_slots, self._block_weights = starts, block_slots, block_weights
        self._in_block = array("b", bytes([1]) * len(self._member_ids))
        self._packed = []
        self._tail_base += len(self._tail_slots)
        self._tail_slots, self._tail_words, self._tail_weights = array("i"), array("i"), array("B")

    def _current_entries(self) -> Iterator[Entries]:
        """The entries still current, a slice at a time: the block's, the packed ones, the tail's."""
        in_block = _view(self._in_block, np.int8).astype(bool)
        for start in range(0, len(self._block_slots), MERGE_SLICE):
            positions = np.arange(start, min(start + MERGE_SLICE, len(self._block_slots)))
            entry_words = (np.searchsorted(self._block_starts, positions, side="right") - 1).astype(np.int32)
            slots = self._block_slots[positions]
            kept = in_block[slots]
            yield entry_words[kept], slots[kept], self._block_weights[positions][kept]
        tail_from = _view(self._tail_from, np.int64)
        for counts, slots, weights, appended_before in self._packed:
            entry_words = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
            # A member re-indexed since the pack has newer entries; its packed ones are stale.
            current = tail_from[slots] < appended_before
            yield entry_words[current], slots[current], weights[current]
        yield self._current_tail()

    def _current_tail(self) -> Entries:
        live = self._live_tail()
        return (
            _view(self._tail_words, np.int32)[live],
            _view(self._tail_slots, np.int32)[live],
            _view(self._tail_weights, np.uint8)[live],
        )


def _view(column: array[Any], dtype: type[np.generic]) -> np.ndarray:
    """A numpy view of an array.array (no copy); an empty column gives an empty array."""
    return np.frombuffer(column, dtype=dtype) if len(column) else np.empty(0, dtype=dtype)


class Directory:
    """Directory search over one transaction: the shared index catches up, then answers."""

    def __init__(self, session: AsyncSession, index: DirectoryIndex | None) -> None:
        self._session = session
        self._index = index
        self.warming = False
        """Whether the last search was answered by plain SQL while the index is being built."""

    async def search(self, query: str, *, place: str = "", limit: int = 50) -> list[int]:
        """Ids of listed members matching `query` (in `place` if given), best first."""
        if self._index is None:
            self._index = DirectoryIndex()
        self.warming = self._index.warming
        if self.warming:
            return await self._exact_words(query, place, limit)
        await self._index.refresh(self._session)
        return self._index.search(query, place=place, limit=limit)

    async def _exact_words(self, query: str, place: str, limit: int) -> list[int]:
        """Listed members whose profile holds every word of the query as typed, by id: the plain
        SQL answer while the index is built (no typo tolerance, no ranking)."""
        query_words = list(dict.fromkeys(words(query)))
        if not query_words:
            return []
        # Column by column, not a concatenation: a common word stops the scan after a few rows.
        postgres = self._session.get_bind().dialect.name == "postgresql"
        columns = (Member.name, Member.offers, Member.role, Member.bio, Organisation.name)
        holds = [or_(*(_holds(column, word, postgres) for column in columns)) for word in query_words]
        statement = (
            select(Member.id)
            .outerjoin(Organisation, Organisation.id == Member.organisation_id)
            .where(Member.listed.is_(True), *holds)
            .order_by(Member.id)
            .limit(limit)
        )
        if place:
            found = gazetteer().find(place)
            spellings = [typed for typed in (found.spellings if found else (spelling(place),)) if typed]
            where = [
                _holds(column, typed, postgres)
                for column in (
                    Organisation.country,
                    Organisation.region,
                    Cluster.name,
                    Cluster.country,
                    Cluster.region,
                )
                for typed in spellings
            ]
            statement = statement.outerjoin(Cluster, Cluster.id == Member.cluster_id).where(or_(*where))
        return list((await self._session.scalars(statement)).all())


def _holds(column: Any, word: str, postgres: bool) -> Any:
    """`column` holds `word`, whatever the case (SQLite's LIKE ignores ASCII case already)."""
    return column.icontains(word, autoescape=True) if postgres else column.contains(word, autoescape=True)
