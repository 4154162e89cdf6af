"""Vectorised pair finding for the matcher: who shares rare words with whom, without a double loop.

An inverted index (key -> the choices holding it) is expanded into (query, choice) rows with
numpy; the rarity of the keys a pair shares is summed per pair (in a scipy sparse matrix), and only the
best few pairs per query are kept for the costlier text scoring. Keys are words or tags, normalised.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection

import numpy as np
from scipy import sparse

# A word held by more than this share of the choices is a stopword of the network ("textile" among
# textile clusters); below the floor (small networks) every word counts.
MAX_WORD_SHARE, WORD_COUNT_FLOOR = 0.2, 200
# At most this many holders of one key are looked at per query (a window that moves per query).
KEY_SAMPLE = 120
# Candidate (member, choice, word) rows expanded per numpy pass. Small on purpose: a pass's arrays
# (2 MB each) stay in the cache and in malloc's heap; at 4 M rows each was a fresh mmap whose page
# faults cost more than the arithmetic (candidates took 1.4-1.8 s of CPU instead of 0.6-0.8 s).
CHUNK_ROWS = 1 << 18
# Choices a member's rarest words may reach before commoner words are ignored (see _rarest_first).
QUERY_BUDGET = 240
# Candidates sharing less than this share of a query's best overlap are not worth scoring.
STRONG_SHARE = 0.5


def candidates(
    queries: list[list[str]], choices: list[list[str]], limit: int
) -> tuple[np.ndarray, np.ndarray]:
    """(query, choice) positions sharing meaningful keys, the best few per query by rarity."""
    vocabulary: dict[str, int] = {}
    owners, keys = _encode(choices, vocabulary, grow=True)
    if len(keys) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    postings = owners[np.argsort(keys, kind="stable")]
    counts = np.bincount(keys, minlength=len(vocabulary))
    starts = np.concatenate(([0], np.cumsum(counts)))
    cap = max(WORD_COUNT_FLOOR, int(len(choices) * MAX_WORD_SHARE))
    weights = np.log1p(len(choices) / np.maximum(counts, 1))
    entries = np.stack(_encode(queries, vocabulary, grow=False), axis=1)
    entries = entries[entries[:, 1] >= 0]
    entries = _rarest_first(entries[counts[entries[:, 1]] <= cap], counts)
    found_rows, found_cols = [], []
    for chunk in _chunks(entries[:, 0], np.minimum(counts[entries[:, 1]], KEY_SAMPLE)):
        rows, cols = _shared_keys(entries[chunk], starts, postings, counts, weights, len(choices), limit)
        found_rows.append(rows)
        found_cols.append(cols)
    if not found_rows:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(found_rows), np.concatenate(found_cols)


def _encode(
    lists: list[list[str]], vocabulary: dict[str, int], *, grow: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(owner position, key id) for every key of every list; -1 for keys not in the vocabulary."""
    lengths = np.fromiter((len(keys) for keys in lists), dtype=np.int64, count=len(lists))
    flat = itertools.chain.from_iterable(lists)
    known = (
        (vocabulary.setdefault(k, len(vocabulary)) for k in flat)
        if grow
        else (vocabulary.get(k, -1) for k in flat)
    )
    ids = np.fromiter(known, dtype=np.int64, count=int(lengths.sum()))
    return np.repeat(np.arange(len(lists), dtype=np.int64), lengths), ids


def _rarest_first(entries: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each query's keys, rarest first, until their posting lists hold QUERY_BUDGET choices.

    Rare shared words say most about a pair; a query's common words are only looked at when it has
    few rare ones, which bounds the work per query whatever the vocabulary looks like.
    """
    lengths = np.minimum(counts[entries[:, 1]], KEY_SAMPLE)
    order = np.lexsort((lengths, entries[:, 0]))
    entries, lengths = entries[order], lengths[order]
    before = np.cumsum(lengths) - lengths
    first_of_query = np.searchsorted(entries[:, 0], entries[:, 0], side="left")
    kept: np.ndarray = entries[before - before[first_of_query] < QUERY_BUDGET]
    return kept


def _chunks(query_rows: np.ndarray, lengths: np.ndarray) -> list[slice]:
    """Slices of the (query-ordered) entries expanding to about CHUNK_ROWS each, never splitting a query."""
    before = np.cumsum(lengths) - lengths
    first_of_query = np.searchsorted(query_rows, query_rows, side="left")
    chunk = before[first_of_query] // CHUNK_ROWS
    bounds = [0, *(np.flatnonzero(np.diff(chunk)) + 1).tolist(), len(query_rows)]
    return [slice(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _shared_keys(
    entries: np.ndarray,
    starts: np.ndarray,
    postings: np.ndarray,
    counts: np.ndarray,
    weights: np.ndarray,
    choice_count: int,
    limit: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Expand (query, key) entries into (query, choice) pairs, sum their weights, keep the best per query."""
    query_rows, keys = entries[:, 0], entries[:, 1]
    lengths = np.minimum(counts[keys], KEY_SAMPLE)
    # A common key contributes a window of its posting list that moves with the query, so that
    # the members holding it are spread over the queries instead of the first ones always winning.
    window = np.repeat(query_rows * 7919 % counts[keys], lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    cols = postings[np.repeat(starts[keys], lengths) + (window + offsets) % np.repeat(counts[keys], lengths)]
    # The overlap of each (query, choice) pair is the sum of the weights of the keys they share: a
    # sparse matrix of the chunk's queries sums its duplicate cells row by row (a small sort per
    # query in C++) in less time than one numpy sort of all the expanded rows took.
    first, last = int(query_rows[0]), int(query_rows[-1]) + 1
    shared = sparse.csr_array(
        (np.repeat(weights[keys], lengths), (np.repeat(query_rows - first, lengths), cols)),
        shape=(last - first, choice_count),
    )
    shared.sum_duplicates()
    sizes = np.diff(shared.indptr)
    rows = np.repeat(np.arange(first, last, dtype=np.int64), sizes)
    cols, overlap = shared.indices.astype(np.int64), shared.data
    # Most candidates share a single common-ish word with the query; those far below its best
    # candidate are dropped before the (costlier) ranking.
    held = sizes > 0
    best_of_row = np.repeat(np.maximum.reduceat(overlap, shared.indptr[:-1][held]), sizes[held])
    strong = np.flatnonzero(overlap >= STRONG_SHARE * best_of_row)
    best = strong[top_per_row(rows[strong], overlap[strong], limit)]
    return rows[best], cols[best]


def top_per_row(rows: np.ndarray, scores: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the `limit` best scores of each row, rows ascending and best first within a row."""
    if len(rows) == 0:
        return np.empty(0, dtype=np.int64)
    # One float key (the row minus the score scaled into [0, 1)) sorts ten times faster than lexsort.
    order = np.argsort(rows - scores / (scores.max() + 1.0), kind="stable")
    ranked_rows = rows[order]
    # The rank within a row: the position minus where the row's run begins (linear, no search).
    run_starts = np.flatnonzero(np.concatenate(([True], ranked_rows[1:] != ranked_rows[:-1])))
    rank = np.arange(len(order)) - np.repeat(run_starts, np.diff(np.append(run_starts, len(order))))
    return order[rank < limit]


def first_per_pair(a: np.ndarray, b: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Indices keeping only the better direction of pairs found both ways (A→B and B→A)."""
    low, high = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((a, -scores))
    _, first = np.unique((low * (1 << 31) + high)[order], return_index=True)
    return np.sort(order[first])


def isin_pairs(
    a: np.ndarray, b: np.ndarray, known: Collection[tuple[int, int]], *, unordered: bool
) -> np.ndarray:
    if not known:
        return np.zeros(len(a), dtype=bool)
    pairs = np.array(list(known), dtype=np.int64).reshape(-1, 2)
    if unordered:
        pairs = np.sort(pairs, axis=1)
        a, b = np.minimum(a, b), np.maximum(a, b)
    return np.isin(a * (1 << 31) + b, pairs[:, 0] * (1 << 31) + pairs[:, 1])


def jaccard(
    query_tags: list[list[str]], choice_tags: list[list[str]], rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """Jaccard of the two tag sets of each candidate pair, computed for all pairs at once."""
    vocabulary: dict[str, int] = {}
    query_sets = [{vocabulary.setdefault(t, len(vocabulary)) for t in tags} for tags in query_tags]
    choice_sets = [{vocabulary.setdefault(t, len(vocabulary)) for t in tags} for tags in choice_tags]
    # Nothing shared when one side has no tags at all (and `held` below would be empty).
    if len(rows) == 0 or not any(query_sets) or not any(choice_sets):
        return np.zeros(len(rows), dtype=np.float64)
    width = len(vocabulary)
    held = np.array(sorted(c * width + t for c, tags in enumerate(choice_sets) for t in tags), dtype=np.int64)
    query_sizes = np.array([len(s) for s in query_sets], dtype=np.int64)
    choice_sizes = np.array([len(s) for s in choice_sets], dtype=np.int64)
    flat_tags = np.array([t for tags in query_sets for t in tags], dtype=np.int64)
    first_tag = np.concatenate(([0], np.cumsum(query_sizes)))
    lengths = query_sizes[rows]
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    wanted = np.repeat(cols, lengths) * width + flat_tags[np.repeat(first_tag[rows], lengths) + offsets]
    found = held[np.minimum(np.searchsorted(held, wanted), len(held) - 1)] == wanted
    shared = np.bincount(np.repeat(np.arange(len(rows)), lengths), weights=found, minlength=len(rows))
    union = query_sizes[rows] + choice_sizes[cols] - shared
    ratio: np.ndarray = np.divide(shared, union, out=np.zeros(len(rows)), where=union > 0)
    return ratio
