"""2. The synergy full scan (members × opportunities and member × member) beside the naive double loop.

The naive loop scores every pair with rapidfuzz (token_set_ratio of the texts plus tag Jaccard,
as the matcher does for its candidates). Running it over 500 M pairs would take hours, so it runs
for a sample of seekers against everyone, and its time is extrapolated linearly by pair count.
"""

from __future__ import annotations

import time

from rapidfuzz import fuzz

from benchmarks import population
from benchmarks.common import Figure, Report, Stopwatch
from scheduler.matcher import TAG_WEIGHT, TEXT_WEIGHT, scan
from store.synergy import OpportunityProfile, Profile


def naive_pairs(
    seekers: list[Profile], profiles: list[Profile], opportunities: list[OpportunityProfile]
) -> tuple[int, float]:
    """Score each seeker against every member and every opportunity; returns (pairs, seconds)."""
    pairs, started = 0, time.perf_counter()
    for seeker in seekers:
        tags = set(seeker.tags)
        for other in profiles:
            text = fuzz.token_set_ratio(seeker.seeks, other.offers) / 100
            union = len(tags | set(other.tags)) or 1
            _score = TEXT_WEIGHT * text + TAG_WEIGHT * len(tags & set(other.tags)) / union
        interests = f"{seeker.seeks} {seeker.offers}"
        for opportunity in opportunities:
            text = fuzz.token_set_ratio(interests, f"{opportunity.title} {opportunity.description}") / 100
            _score = TEXT_WEIGHT * text + TAG_WEIGHT * len(tags & set(opportunity.tags)) / (len(tags) or 1)
        pairs += len(profiles) + len(opportunities)
    return pairs, time.perf_counter() - started


def run(members: int = 20_000, opportunities: int = 5_000, sample: int = 4) -> Report:
    report = Report("synergy", sizes={"members": members, "opportunities": opportunities, "sample": sample})
    network = population.generate(members)
    profiles = population.profiles(network)
    calls = population.opportunity_profiles(network, opportunities)
    with Stopwatch() as watch:
        matches = scan(profiles, calls)
    total_pairs = members * members + members * opportunities
    sampled_pairs, sampled_seconds = naive_pairs(profiles[:sample], profiles, calls)
    extrapolated = sampled_seconds * total_pairs / sampled_pairs
    report.add(
        Figure(
            "full scan",
            "s",
            watch.seconds,
            extrapolated,
            f"naive rapidfuzz double loop, {sample} seekers × everyone timed "
            f"({sampled_pairs:,} pairs), × {total_pairs / sampled_pairs:,.0f} by pair count",
            target=3.0,
            note=f"{len(matches):,} suggestions over {total_pairs:,} possible pairs",
        )
    )
    return report
