"""2. The synergy full scan (members × opportunities and member × member) beside the naive double loop.

The naive loop scores every pair with rapidfuzz (token_set_ratio of the texts plus tag Jaccard,
as the matcher does for its candidates). Running it over 500 M pairs would take hours, so it runs
for a sample of seekers against everyone, and its time is extrapolated linearly by pair count.

The scan is also timed at 0.1× and 3× the network (members and opportunities alike), for the
growth table. Its CPU time is given beside the wall time: on a machine shared with others the wall
time says as much about the neighbours as about the scan.
"""

from __future__ import annotations

import time

from rapidfuzz import fuzz

from benchmarks import population
from benchmarks.common import SCALES, Figure, Growth, Report, Stopwatch
from scheduler.matcher import TAG_WEIGHT, TEXT_WEIGHT, Match, scan
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


def timed_scan(
    members: int, opportunities: int
) -> tuple[list[Match], float, float, list[Profile], list[OpportunityProfile]]:
    """(matches, wall seconds, CPU seconds of the process, members, opportunities) of one full scan."""
    network = population.generate(members)
    profiles = population.profiles(network)
    calls = population.opportunity_profiles(network, opportunities)
    cpu = time.process_time()
    with Stopwatch() as watch:
        matches = scan(profiles, calls)
    return matches, watch.seconds, time.process_time() - cpu, profiles, calls


def run(
    members: int = 20_000, opportunities: int = 5_000, sample: int = 4, scales: tuple[float, ...] = SCALES
) -> Report:
    report = Report("synergy", sizes={"members": members, "opportunities": opportunities, "sample": sample})
    matches, seconds, cpu, profiles, calls = timed_scan(members, opportunities)
    total_pairs = members * members + members * opportunities
    sampled_pairs, sampled_seconds = naive_pairs(profiles[:sample], profiles, calls)
    extrapolated = sampled_seconds * total_pairs / sampled_pairs
    report.add(
        Figure(
            "full scan",
            "s",
            seconds,
            extrapolated,
            f"naive rapidfuzz double loop, {sample} seekers × everyone timed "
            f"({sampled_pairs:,} pairs), × {total_pairs / sampled_pairs:,.0f} by pair count",
            target=3.0,
            note=f"{len(matches):,} suggestions over {total_pairs:,} possible pairs; {cpu:.1f} s of CPU",
        )
    )
    sizes, walls, cpus = [], [], []
    for scale in scales:
        if scale == 1.0:
            wall, used = seconds, cpu
        else:
            scaled = timed_scan(round(members * scale), round(opportunities * scale))
            wall, used = scaled[1], scaled[2]
        sizes.append(round(members * scale))
        walls.append(wall)
        cpus.append(used)
    if len(sizes) > 1:
        report.grows(Growth("full scan by members (opportunities a quarter of them)", "s", sizes, walls))
        report.grows(Growth("full scan CPU time by members", "s", sizes, cpus))
    return report
