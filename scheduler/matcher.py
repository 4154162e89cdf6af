"""The synergy matcher: who should meet whom, and which opportunities fit whom.

Scoring all 20,000 × 20,000 member pairs (or 20,000 × 5,000 member-opportunity pairs) with
rapidfuzz is ~100 M comparisons, far over the 3 s budget. So the scan indexes first
(`scheduler.pairs`): an inverted index maps each meaningful word or tag of what members offer to
the members offering it, a member is only compared with those sharing such a key with what they
seek, and of those only the few sharing the rarest keys are scored. They are scored with
rapidfuzz's pairwise `cpdist` (the element-wise sibling of `cdist`: same scorers, `workers` and
`dtype`, but one score per candidate pair instead of a dense block of mostly useless cells).

Everything here is a pure function over plain dataclasses, so it can be benchmarked and tested
without a database; `scheduler.synergy` feeds it from the store and writes the alerts.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from handlers.reasons import Reason
from scheduler import pairs
from store.synergy import OpportunityProfile, Profile
from store.text import STOPWORDS, WORD, fold, words

# A pair is worth suggesting from this similarity on (0-1, before the cross-border boosts):
# the boosts decide the order, never whether a weak pair is worth a message at all.
MIN_MEMBER_SIMILARITY = 0.5
MIN_OPPORTUNITY_SIMILARITY = 0.4
TEXT_WEIGHT, TAG_WEIGHT = 0.8, 0.2
# How much it adds that the other also seeks what the recipient offers.
MUTUAL_WEIGHT = 0.2
# The partnership's aim is cross-cluster, cross-regional and cross-sectoral work.
CLUSTER_BOOST, COUNTRY_BOOST, REGION_BOOST, SECTOR_BOOST = 1.25, 1.1, 1.05, 1.05
# Pairs scored with rapidfuzz per member, chosen by the rarity of the words they share.
MEMBER_CANDIDATES, OPPORTUNITY_CANDIDATES = 12, 8
MATCHES_PER_MEMBER, OPPORTUNITIES_PER_MEMBER = 5, 3
OPPORTUNITY_TEXT_CHARS = 160
REASON_CHARS = 90

MatchKind = Literal["member", "opportunity"]


@dataclass(frozen=True, slots=True)
class Match:
    """`member_id` is told about `other_id` (a member or an opportunity), because of `reason`."""

    member_id: int
    other_id: int
    kind: MatchKind
    score: float
    # The reason is put together when it is read: a full scan finds ~130,000 matches, and only the
    # few that are sent (or kept for the digest) ever need theirs.
    explain: Callable[[], Reason] = field(compare=False, repr=False)

    @property
    def reason(self) -> Reason:
        return self.explain()

    @property
    def cause(self) -> str:
        """The outbox dedupe key: one alert per recipient and suggestion, ever."""
        prefix = "m" if self.kind == "member" else "o"
        return f"synergy:m{self.member_id}:{prefix}{self.other_id}"


_pauses = 0
_pauses_lock = threading.Lock()
_collector_was_enabled = True


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a scan runs (scans may overlap: the last one resumes it).

    A full scan allocates ~10^6 short-lived, acyclic containers (word lists, candidate tuples,
    matches); each allocation burst made the collector walk the whole heap again, a fifth to a
    third of the scan's CPU time. Nothing a scan makes is cyclic, so nothing is left behind.
    """
    global _pauses, _collector_was_enabled
    with _pauses_lock:
        if _pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0 and _collector_was_enabled:
                gc.enable()


def scan(
    profiles: Sequence[Profile],
    opportunities: Sequence[OpportunityProfile],
    *,
    known_pairs: Collection[tuple[int, int]] = (),
    known_opportunities: Collection[tuple[int, int]] = (),
) -> list[Match]:
    """Every member's best new contacts and opportunities, best first.

    The two scans run side by side: most of their time is spent in numpy, scipy and rapidfuzz,
    which release the GIL, and the machine has two cores.
    """
    texts = _Texts()
    with _collector_paused(), ThreadPoolExecutor(max_workers=1) as pool:
        members = pool.submit(scan_members, profiles, known_pairs=known_pairs, texts=texts)
        found = scan_opportunities(profiles, opportunities, known=known_opportunities, texts=texts)
        found += members.result()
        return sorted(found, key=lambda m: (-m.score, m.member_id, m.kind, m.other_id))


@_collector_paused()
def scan_members(
    profiles: Sequence[Profile],
    *,
    known_pairs: Collection[tuple[int, int]] = (),
    recipients: Collection[int] | None = None,
    candidates: Collection[int] | None = None,
    limit: int = MATCHES_PER_MEMBER,
    texts: _Texts | None = None,
) -> list[Match]:
    """Members whose offers answer what a recipient seeks, one direction per pair.

    `known_pairs` are (a, b) pairs already suggested or introduced, in either order;
    `recipients` / `candidates` narrow the scan to changed members (the incremental run).
    """
    seeking = [p for p in profiles if p.alerts and p.seeks and _allowed(p.id, recipients)]
    offering = [p for p in profiles if p.suggestible and p.offers and _allowed(p.id, candidates)]
    if not seeking or not offering:
        return []
    texts = texts or _Texts()
    seeker_tags, offerer_tags = [texts.tags(p.tags) for p in seeking], [texts.tags(p.tags) for p in offering]
    rows, cols = pairs.candidates(
        [texts.words(p.seeks) + tags for p, tags in zip(seeking, seeker_tags, strict=True)],
        [texts.words(p.offers) + tags for p, tags in zip(offering, offerer_tags, strict=True)],
        MEMBER_CANDIDATES,
    )
    seeker_ids, offerer_ids = _ids(seeking), _ids(offering)
    keep = seeker_ids[rows] != offerer_ids[cols]
    keep &= ~pairs.isin_pairs(seeker_ids[rows], offerer_ids[cols], known_pairs, unordered=True)
    rows, cols = rows[keep], cols[keep]
    forward = _similarity(
        [texts.canonical(p.seeks) for p in seeking], [texts.canonical(p.offers) for p in offering], rows, cols
    )
    similarity = TEXT_WEIGHT * forward + TAG_WEIGHT * pairs.jaccard(seeker_tags, offerer_tags, rows, cols)
    keep = similarity >= MIN_MEMBER_SIMILARITY
    rows, cols, similarity = rows[keep], cols[keep], similarity[keep]
    # Only pairs worth suggesting are scored the other way round, for the mutual bonus.
    backward = _similarity(
        [texts.canonical(p.offers) for p in seeking], [texts.canonical(p.seeks) for p in offering], rows, cols
    )
    score = (similarity + MUTUAL_WEIGHT * backward) * _boosts(seeking, offering, rows, cols)
    keep = pairs.first_per_pair(seeker_ids[rows], offerer_ids[cols], score)
    keep = keep[pairs.top_per_row(rows[keep], score[keep], limit)]
    found = zip(
        rows[keep].tolist(), cols[keep].tolist(), score[keep].tolist(), backward[keep].tolist(), strict=True
    )
    return [
        Match(
            seeking[r].id,
            offering[c].id,
            "member",
            round(s, 4),
            functools.partial(member_reason, seeking[r], offering[c], mutual=b >= MIN_MEMBER_SIMILARITY),
        )
        for r, c, s, b in found
    ]


@_collector_paused()
def scan_opportunities(
    profiles: Sequence[Profile],
    opportunities: Sequence[OpportunityProfile],
    *,
    known: Collection[tuple[int, int]] = (),
    recipients: Collection[int] | None = None,
    limit: int = OPPORTUNITIES_PER_MEMBER,
    texts: _Texts | None = None,
) -> list[Match]:
    """Open opportunities whose title, description and tags fit a member's interests and offers.

    `known` holds (member, opportunity) pairs the member has already been told about.
    """
    members = [p for p in profiles if p.alerts and _allowed(p.id, recipients)]
    if not members or not opportunities:
        return []
    texts = texts or _Texts()
    interests = [texts.interests(p) for p in members]
    bodies = [texts.words(_opportunity_text(o)) for o in opportunities]
    member_tags, opportunity_tags = (
        [texts.tags(p.tags) for p in members],
        [texts.tags(o.tags) for o in opportunities],
    )
    rows, cols = pairs.candidates(
        [words + tags for words, tags in zip(interests, member_tags, strict=True)],
        [words + tags for words, tags in zip(bodies, opportunity_tags, strict=True)],
        OPPORTUNITY_CANDIDATES,
    )
    member_ids, opportunity_ids = _ids(members), _ids(opportunities)
    posters = np.array([o.posted_by or 0 for o in opportunities], dtype=np.int64)
    keep = posters[cols] != member_ids[rows]
    keep &= ~pairs.isin_pairs(member_ids[rows], opportunity_ids[cols], known, unordered=False)
    rows, cols = rows[keep], cols[keep]
    text = _similarity([" ".join(w) for w in interests], [" ".join(b) for b in bodies], rows, cols)
    similarity = TEXT_WEIGHT * text + TAG_WEIGHT * pairs.jaccard(member_tags, opportunity_tags, rows, cols)
    score = similarity * _boosts(members, opportunities, rows, cols)
    keep = np.flatnonzero(similarity >= MIN_OPPORTUNITY_SIMILARITY)
    keep = keep[pairs.top_per_row(rows[keep], score[keep], limit)]
    return [
        Match(
            members[r].id,
            opportunities[c].id,
            "opportunity",
            round(s, 4),
            functools.partial(opportunity_reason, opportunities[c].title, interests[r], bodies[c]),
        )
        for r, c, s in zip(rows[keep].tolist(), cols[keep].tolist(), score[keep].tolist(), strict=True)
    ]


def member_reason(recipient: Profile, other: Profile, *, mutual: bool) -> Reason:
    """'Marta — Techtera, France — offers recycled-polyester finishing; you seek a finishing partner'."""
    who = " — ".join(filter(None, [other.name, ", ".join(filter(None, [other.organisation, other.country]))]))
    return Reason(
        "member",
        who=who,
        offers=_trim(other.offers),
        seeks=_trim(recipient.seeks),
        they_seek=_trim(other.seeks) if mutual else "",
    )


def opportunity_reason(title: str, interest_words: list[str], opportunity_words: list[str]) -> Reason:
    """'Digital textiles call — fits your interests: recycling and dyeing'."""
    wanted = set(interest_words)
    shared = [w for w in opportunity_words if w in wanted][:4]
    return Reason("opportunity", title=_trim(title), words=tuple(shared))


def _allowed(member_id: int, only: Collection[int] | None) -> bool:
    return only is None or member_id in only


@functools.lru_cache(maxsize=65_536)
def _trim(text: str) -> str:
    """A phrase cut to REASON_CHARS; cached, as the same offers and seeks recur across many pairs."""
    text = " ".join(text.split())
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1].rstrip() + "…"


def _ids(items: Sequence[Profile] | Sequence[OpportunityProfile]) -> np.ndarray:
    return np.array([item.id for item in items], dtype=np.int64)


def _opportunity_text(opportunity: OpportunityProfile) -> str:
    return " ".join([opportunity.title, *opportunity.tags, opportunity.description[:OPPORTUNITY_TEXT_CHARS]])


class _Texts:
    """Word lists per distinct text: generated and imported profiles repeat their phrases a lot."""

    def __init__(self) -> None:
        self._words: dict[str, list[str]] = {}
        self._tags: dict[str, str] = {}

    def words(self, text: str) -> list[str]:
        found = self._words.get(text)
        if found is None:
            if text.isascii():
                # Same result as store.text.words, without its per-character accent stripping.
                found = [w for w in WORD.findall(text.lower()) if len(w) > 1 and w not in STOPWORDS]
            else:
                found = words(text)
            found = self._words[text] = list(dict.fromkeys(found))
        return found

    def canonical(self, text: str) -> str:
        """Folded meaningful words: accents, case and stopwords must not sway the similarity."""
        return " ".join(self.words(text))

    def tag(self, tag: str) -> str:
        found = self._tags.get(tag)
        if found is None:
            found = self._tags[tag] = "#" + fold(tag)
        return found

    def tags(self, tags: Sequence[str]) -> list[str]:
        return [self.tag(tag) for tag in tags]

    def interests(self, profile: Profile) -> list[str]:
        """The words of what a member seeks, offers and is interested in."""
        found = [*self.words(profile.seeks), *self.words(profile.offers)]
        for tag in profile.tags:
            found += self.words(tag)
        return list(dict.fromkeys(found))


def _similarity(queries: list[str], choices: list[str], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """token_set_ratio (0-1) of each candidate pair, each distinct pair of texts scored once."""
    if len(rows) == 0:
        return np.empty(0, dtype=np.float64)
    query_ids, query_texts = _distinct(queries)
    choice_ids, choice_texts = _distinct(choices)
    text_pairs = query_ids[rows] * len(choice_texts) + choice_ids[cols]
    unique_pairs, inverse = np.unique(text_pairs, return_inverse=True)
    scores = process.cpdist(
        [query_texts[i] for i in (unique_pairs // len(choice_texts)).tolist()],
        [choice_texts[i] for i in (unique_pairs % len(choice_texts)).tolist()],
        scorer=fuzz.token_set_ratio,
        workers=-1,
        dtype=np.uint8,
    )
    return scores.reshape(-1)[inverse].astype(np.float64) / 100


def _distinct(texts: list[str]) -> tuple[np.ndarray, list[str]]:
    ids: dict[str, int] = {}
    positions = np.array([ids.setdefault(text, len(ids)) for text in texts], dtype=np.int64)
    return positions, list(ids)


def _boosts(
    queries: Sequence[Profile],
    choices: Sequence[Profile | OpportunityProfile],
    rows: np.ndarray,
    cols: np.ndarray,
) -> np.ndarray:
    """×1.25 across clusters, ×1.1 across countries (else ×1.05 across regions), ×1.05 across sectors."""
    boost = np.ones(len(rows), dtype=np.float64)
    for attribute, factor in (
        ("cluster_id", CLUSTER_BOOST),
        ("country", COUNTRY_BOOST),
        ("sector", SECTOR_BOOST),
    ):
        left, right = _codes(queries, choices, attribute)
        known = (left[rows] >= 0) & (right[cols] >= 0)
        boost[known & (left[rows] != right[cols])] *= factor
    country_left, country_right = _codes(queries, choices, "country")
    region_left, region_right = _codes(queries, choices, "region")
    same_country = (country_left[rows] == country_right[cols]) & (country_left[rows] >= 0)
    known = (region_left[rows] >= 0) & (region_right[cols] >= 0)
    boost[same_country & known & (region_left[rows] != region_right[cols])] *= REGION_BOOST
    return boost


def _codes(
    queries: Sequence[Profile], choices: Sequence[Profile | OpportunityProfile], attribute: str
) -> tuple[np.ndarray, np.ndarray]:
    """One integer per distinct value of `attribute` on both sides; -1 where it is unknown."""
    codes: dict[object, int] = {}

    def encode(items: Sequence[Profile | OpportunityProfile]) -> np.ndarray:
        values = [getattr(item, attribute) for item in items]
        return np.array([codes.setdefault(v, len(codes)) if v else -1 for v in values], dtype=np.int64)

    return encode(queries), encode(choices)
