"""Organiser-built schedules: who meets whom, in which slot, at which table, from the participants' wishes.

Pure: values in, a `Draft` out; no store, no platform, no I/O, so `schedule draft EVENT` can call it
with what it read from the store, and tests and the benchmark can call it with generated inputs.

The model is an integer programme: a binary x[pair, slot] exists only for a pair with a positive
weight and a slot both people are free in; each person meets at most one person per slot, each pair
meets at most once, each slot holds at most its tables' worth of meetings. Tables are interchangeable,
so they are numbered afterwards, slot by slot. The objective is the total pair weight (`pair_weight`).

Why SciPy's HiGHS (`scipy.optimize.milp`) and not OR-Tools CP-SAT: measured on this machine, same
model, HiGHS proved the optimum of the benchmark day (200 people, 12 slots, 40 tables, 2,000 wishes)
in ~4 s where CP-SAT on two workers took ~14 s, and at 3× that size ~6 s where CP-SAT had not proved
it after 60 s; SciPy is also one package built on our numpy (~145 MB installed) where OR-Tools pulls
pandas, protobuf and absl (~170 MB). A greedy (best weight first, first free slot) is used only when
the solver stops at the time limit without a solution at least as good; it is also the benchmark's
baseline. That does happen: with tables to spare (200 people, 100 tables), the slots are what binds,
the LP relaxation is weak and HiGHS's 10 s incumbent can be far below the greedy.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import cast

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

DEFAULT_TIME_LIMIT = 10.0


class Wish(StrEnum):
    """What one participant marked about another."""

    MUST = "must"
    MEET = "meet"
    NO_THANKS = "no_thanks"


class Status(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # the time limit stopped the solver before it proved optimality
    GREEDY = "greedy"  # the solver found nothing in time, or nothing better: the greedy's draft


# One side's points. A Must outweighs a Meet on each side, so the combined weights order as the
# organiser expects: mutual Must (20) > Must + Meet (13) > one-sided Must (10) > mutual Meet (6)
# > one-sided Meet (3). A "No thanks" from either side forbids the pair whatever the other says.
SIDE_POINTS = {Wish.MUST: 10, Wish.MEET: 3}


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    unavailable: frozenset[str] = frozenset()  # slot ids


@dataclass(frozen=True, slots=True)
class Slot:
    id: str
    tables: int | None = None  # fewer tables in this slot than in the room list; None: all of them


@dataclass(frozen=True, slots=True)
class Meeting:
    first: str
    second: str
    slot: str
    table: str
    fixed: bool = False  # an accepted booking the draft had to keep


@dataclass(frozen=True, slots=True)
class Draft:
    meetings: tuple[Meeting, ...]
    unmatched_musts: tuple[tuple[str, str], ...]  # (who asked, whom) for each Must wish not met
    satisfied_musts: int  # Must wishes met, counted per person who made them
    status: Status
    objective: int  # total pair weight of every meeting in the draft, fixed ones included
    seconds: float


Placement = tuple[tuple[str, str], int]  # (pair, slot index) chosen by a solver


class ScheduleInputError(ValueError):
    """The fixed meetings contradict the slots, the tables or each other."""


def pair_weight(one_way: Wish | None, other_way: Wish | None) -> int:
    """The value of a meeting between two people given both sides' wishes; 0 means never schedule it."""
    if Wish.NO_THANKS in (one_way, other_way):
        return 0
    return sum(SIDE_POINTS.get(wish, 0) for wish in (one_way, other_way) if wish is not None)


@dataclass(frozen=True, slots=True)
class _Problem:
    """The inputs reduced to what both solvers need: candidate pairs, free slots and capacities."""

    people: frozenset[str]
    slots: tuple[str, ...]
    weights: dict[tuple[str, str], int]  # unordered pair (sorted ids) → weight, only pairs still to place
    free: dict[tuple[str, str], tuple[int, ...]]  # pair → indexes of the slots both are free in
    capacity: list[int]  # meetings still allowed per slot index
    tables: dict[int, list[str]]  # slot index → tables still free, in order
    fixed: tuple[Meeting, ...]


def solve(
    participants: Sequence[Participant],
    slots: Sequence[Slot],
    tables: int | Sequence[str],
    wishes: Mapping[tuple[str, str], Wish],
    fixed: Iterable[Meeting] = (),
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> Draft:
    """The best draft HiGHS finds within `time_limit` seconds, or the greedy's if it finds none.

    `wishes[(a, b)]` is what a marked about b; wishes about people who are not participants are
    ignored. `fixed` meetings are kept as they are, even where a wish or an absence now says otherwise.
    """
    started = time.perf_counter()
    problem = _prepare(participants, slots, tables, wishes, fixed)
    solved = _solve_milp(problem, time_limit)
    if solved is not None and solved[1] is Status.OPTIMAL:
        placed, status = solved
    else:
        # Stopped by the time limit, HiGHS may hold only a poor incumbent (seen when tables are
        # plentiful and the slots are what binds): never hand over less than the greedy's draft.
        placed, status = _greedy_pick(problem), Status.GREEDY
        if solved is not None and _total(problem, solved[0]) > _total(problem, placed):
            placed, status = solved
    return _draft(problem, placed, wishes, status, time.perf_counter() - started)


def greedy(
    participants: Sequence[Participant],
    slots: Sequence[Slot],
    tables: int | Sequence[str],
    wishes: Mapping[tuple[str, str], Wish],
    fixed: Iterable[Meeting] = (),
) -> Draft:
    """Best weight first, each pair in the first slot both are free in with a table left."""
    started = time.perf_counter()
    problem = _prepare(participants, slots, tables, wishes, fixed)
    return _draft(problem, _greedy_pick(problem), wishes, Status.GREEDY, time.perf_counter() - started)


def _prepare(
    participants: Sequence[Participant],
    slots: Sequence[Slot],
    tables: int | Sequence[str],
    wishes: Mapping[tuple[str, str], Wish],
    fixed: Iterable[Meeting],
) -> _Problem:
    table_names = [str(n) for n in range(1, tables + 1)] if isinstance(tables, int) else list(tables)
    slot_index = {slot.id: i for i, slot in enumerate(slots)}
    slot_tables = {
        i: table_names[: len(table_names) if slot.tables is None else min(slot.tables, len(table_names))]
        for i, slot in enumerate(slots)
    }
    busy: dict[str, set[int]] = {
        p.id: {slot_index[s] for s in p.unavailable if s in slot_index} for p in participants
    }
    kept = tuple(replace(meeting, fixed=True) for meeting in fixed)
    met: set[tuple[str, str]] = set()
    booked: set[tuple[str, int]] = set()  # (person, slot index) taken by a fixed meeting
    for meeting in kept:
        i = slot_index.get(meeting.slot)
        if i is None or meeting.table not in slot_tables[i]:
            raise ScheduleInputError(f"fixed meeting at an unknown or taken table: {meeting}")
        pair = _pair(meeting.first, meeting.second)
        if pair in met:
            raise ScheduleInputError(f"two fixed meetings for one pair: {pair}")
        met.add(pair)
        slot_tables[i] = [t for t in slot_tables[i] if t != meeting.table]
        for person in pair:
            if (person, i) in booked:
                raise ScheduleInputError(f"{person} has two fixed meetings in slot {meeting.slot}")
            booked.add((person, i))
            if person in busy:  # someone who has left keeps the booking but gets no new meetings
                busy[person].add(i)
    weights: dict[tuple[str, str], int] = {}
    for a, b in wishes:
        pair = _pair(a, b)
        if a == b or pair in weights or pair in met or a not in busy or b not in busy:
            continue
        weight = pair_weight(wishes.get(pair), wishes.get((pair[1], pair[0])))
        if weight > 0:
            weights[pair] = weight
    free = {}
    for pair in weights:
        both_busy = busy[pair[0]] | busy[pair[1]]
        free[pair] = tuple(i for i in range(len(slots)) if i not in both_busy and slot_tables[i])
    return _Problem(
        people=frozenset(busy),
        slots=tuple(slot.id for slot in slots),
        weights={pair: w for pair, w in weights.items() if free[pair]},
        free={pair: s for pair, s in free.items() if s},
        capacity=[len(slot_tables[i]) for i in range(len(slots))],
        tables=slot_tables,
        fixed=kept,
    )


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _solve_milp(problem: _Problem, time_limit: float) -> tuple[list[Placement], Status] | None:
    """HiGHS on x[pair, slot]; None when it has no feasible solution to give within the time limit."""
    columns = [(pair, i) for pair, free in problem.free.items() for i in free]
    if not columns:
        return [], Status.OPTIMAL
    rows: dict[tuple[object, ...], int] = {}
    row_of, col_of = [], []
    for column, (pair, i) in enumerate(columns):
        for key in (("person", pair[0], i), ("person", pair[1], i), ("pair", pair), ("slot", i)):
            row_of.append(rows.setdefault(key, len(rows)))
            col_of.append(column)
    upper = np.array(
        [problem.capacity[cast(int, key[1])] if key[0] == "slot" else 1 for key in rows], dtype=np.float64
    )
    matrix = coo_array((np.ones(len(row_of)), (row_of, col_of)), shape=(len(rows), len(columns))).tocsr()
    weights = np.array([problem.weights[pair] for pair, _ in columns], dtype=float)
    result = milp(
        -weights,  # milp minimises
        integrality=np.ones(len(columns)),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, -np.inf, upper),
        options={"time_limit": time_limit},
    )
    if result.x is None:
        return None
    status = Status.OPTIMAL if result.status == 0 else Status.FEASIBLE
    return [columns[k] for k in np.flatnonzero(result.x > 0.5)], status


def _total(problem: _Problem, placed: list[Placement]) -> int:
    return sum(problem.weights[pair] for pair, _ in placed)


def _greedy_pick(problem: _Problem) -> list[Placement]:
    """Best weight first (ties by ids, so the result is reproducible), first slot that still fits."""
    taken: set[tuple[str, int]] = set()
    left = list(problem.capacity)
    placed = []
    for pair in sorted(problem.weights, key=lambda pair: (-problem.weights[pair], pair)):
        for i in problem.free[pair]:
            if left[i] and (pair[0], i) not in taken and (pair[1], i) not in taken:
                taken.update({(pair[0], i), (pair[1], i)})
                left[i] -= 1
                placed.append((pair, i))
                break
    return placed


def _draft(
    problem: _Problem,
    placed: list[Placement],
    wishes: Mapping[tuple[str, str], Wish],
    status: Status,
    seconds: float,
) -> Draft:
    """Number the tables slot by slot (fixed meetings keep theirs) and list the Must wishes left over."""
    by_slot: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for pair, i in placed:
        by_slot[i].append(pair)
    meetings = list(problem.fixed)
    for i, pairs in sorted(by_slot.items()):
        for n, pair in enumerate(sorted(pairs)):
            meetings.append(Meeting(pair[0], pair[1], problem.slots[i], problem.tables[i][n]))
    met = {_pair(m.first, m.second) for m in meetings}
    musts = sorted(
        (a, b) for (a, b), wish in wishes.items() if wish == Wish.MUST and a != b and {a, b} <= problem.people
    )
    objective = sum(pair_weight(wishes.get(pair), wishes.get((pair[1], pair[0]))) for pair in met)
    return Draft(
        meetings=tuple(meetings),
        unmatched_musts=tuple(w for w in musts if _pair(*w) not in met),
        satisfied_musts=sum(1 for w in musts if _pair(*w) in met),
        status=status,
        objective=objective,
        seconds=seconds,
    )
