"""6. The organiser-built schedule of a delegation day: the HiGHS draft beside the greedy one, same inputs.

Inputs are seeded random but shaped like a matchmaking day: a few sought-after people collect many
wishes (popularity is skewed), about a quarter of the wishes are returned (mutual), the mix is ~20 %
Must meet, ~70 % Meet, ~10 % No thanks, and one person in ten misses one to three slots (arriving late
or leaving early). The greedy takes the best-weighted pair first into the first slot that still fits.
The same day is solved again with tables to spare (100: the slots bind, not the tables), and the
default run also times 0.1× and 3× the size, to show how the solve time grows.
"""

from __future__ import annotations

import random

from benchmarks.common import Figure, Report
from handlers.schedule_solver import Draft, Participant, Slot, Wish, greedy, solve

MIX = ((Wish.MUST, 0.2), (Wish.MEET, 0.7), (Wish.NO_THANKS, 0.1))
MUTUAL_SHARE = 0.25


def generate(
    people: int, slots: int, wishes: int, seed: int = 12
) -> tuple[list[Participant], list[Slot], dict[tuple[str, str], Wish]]:
    rng = random.Random(seed)
    slot_list = [Slot(f"s{n:02d}") for n in range(slots)]
    participants = []
    for n in range(people):
        missed: frozenset[str] = frozenset()
        if rng.random() < 0.1:
            late = rng.randint(1, 3)
            missed = frozenset(s.id for s in (slot_list[:late] if rng.random() < 0.5 else slot_list[-late:]))
        participants.append(Participant(f"p{n:04d}", missed))
    ids = [p.id for p in participants]
    popularity = [1 / (rank + 1) ** 0.6 for rank in range(people)]
    levels, shares = zip(*MIX, strict=True)
    marked: dict[tuple[str, str], Wish] = {}
    wishes = min(wishes, people * (people - 1))  # a tiny day has fewer possible pairs than asked for
    while len(marked) < wishes:
        who, whom = rng.choice(ids), rng.choices(ids, popularity)[0]
        if who == whom or (who, whom) in marked:
            continue
        marked[(who, whom)] = rng.choices(levels, shares)[0]
        if rng.random() < MUTUAL_SHARE and (whom, who) not in marked and len(marked) < wishes:
            marked[(whom, who)] = rng.choices(levels, shares)[0]
    return participants, slot_list, marked


def run(
    participants: int = 200,
    slots: int = 12,
    tables: int = 40,
    wishes: int = 2_000,
    spare_tables: int = 100,
    scales: tuple[float, ...] = (0.1, 3.0),
    time_limit: float = 10.0,
) -> Report:
    report = Report(
        "schedule",
        sizes={"participants": participants, "slots": slots, "tables": tables, "wishes": wishes},
    )
    people, slot_list, marked = generate(participants, slots, wishes)
    ours = solve(people, slot_list, tables, marked, time_limit=time_limit)
    baseline = greedy(people, slot_list, tables, marked)
    _compare(report, "", ours, baseline)
    _compare(
        report,
        f" with {spare_tables} tables",
        solve(people, slot_list, spare_tables, marked, time_limit=time_limit),
        greedy(people, slot_list, spare_tables, marked),
    )
    for scale in scales:
        size = (round(participants * scale), max(1, round(tables * scale)), round(wishes * scale))
        people, slot_list, marked = generate(size[0], slots, size[2])
        _compare(
            report,
            f" at {scale:g}× ({size[0]} people, {size[1]} tables, {size[2]:,} wishes)",
            solve(people, slot_list, size[1], marked, time_limit=time_limit),
            greedy(people, slot_list, size[1], marked),
            solve_time_only=True,
        )
    return report


def _compare(
    report: Report, suffix: str, ours: Draft, baseline: Draft, *, solve_time_only: bool = False
) -> None:
    report.add(Figure(f"solve time{suffix}", "s", ours.seconds, baseline.seconds, "greedy", note=ours.status))
    if solve_time_only:
        return
    musts = f"of {ours.satisfied_musts + len(ours.unmatched_musts)} made"
    for name, mine, theirs, note in (
        ("meetings", len(ours.meetings), len(baseline.meetings), ""),
        ("objective (pair weights)", ours.objective, baseline.objective, ""),
        ("Must wishes met", ours.satisfied_musts, baseline.satisfied_musts, musts),
    ):
        report.add(Figure(name + suffix, "", mine, theirs, "greedy", better="higher", note=note))
