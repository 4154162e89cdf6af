"""The schedule solver: every draft is one a coordinator could publish, and it beats the greedy if it can."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.schedule_solver import (
    Draft,
    Meeting,
    Participant,
    ScheduleInputError,
    Slot,
    Status,
    Wish,
    greedy,
    pair_weight,
    solve,
)

SLOT_IDS = ("s1", "s2", "s3", "s4")
TABLES = ("A", "B", "C")
Day = tuple[list[Participant], list[Slot], tuple[str, ...], dict[tuple[str, str], Wish]]


@st.composite
def days(
    draw: st.DrawFn,
) -> tuple[list[Participant], list[Slot], tuple[str, ...], dict[tuple[str, str], Wish]]:
    """Small delegation days: up to 7 people, 4 slots, 3 tables, any wishes and absences."""
    people = [f"p{n}" for n in range(draw(st.integers(0, 7)))]
    slots = [
        Slot(slot_id, draw(st.none() | st.integers(0, 3))) for slot_id in SLOT_IDS[: draw(st.integers(0, 4))]
    ]
    participants = [
        Participant(person, frozenset(draw(st.sets(st.sampled_from([s.id for s in slots]))) if slots else ()))
        for person in people
    ]
    tables = TABLES[: draw(st.integers(0, 3))]
    wishes = (
        draw(
            st.dictionaries(
                st.tuples(st.sampled_from(people), st.sampled_from(people)), st.sampled_from(Wish)
            )
        )
        if people
        else {}
    )
    return participants, slots, tables, wishes


def assert_publishable(
    draft: Draft,
    participants: list[Participant],
    slots: list[Slot],
    tables: tuple[str, ...],
    wishes: dict[tuple[str, str], Wish],
) -> None:
    unavailable = {p.id: p.unavailable for p in participants}
    allowed = {s.id: tables[: len(tables) if s.tables is None else s.tables] for s in slots}
    seats = Counter((person, m.slot) for m in draft.meetings for person in (m.first, m.second))
    assert all(count == 1 for count in seats.values()), "someone has two meetings in one slot"
    assert all(count == 1 for count in Counter((m.slot, m.table) for m in draft.meetings).values())
    assert all(
        count == 1 for count in Counter(frozenset((m.first, m.second)) for m in draft.meetings).values()
    )
    for m in draft.meetings:
        assert m.first != m.second
        assert m.table in allowed[m.slot]
        assert m.slot not in unavailable[m.first] | unavailable[m.second]
        assert Wish.NO_THANKS not in (wishes.get((m.first, m.second)), wishes.get((m.second, m.first)))
        assert pair_weight(wishes.get((m.first, m.second)), wishes.get((m.second, m.first))) > 0


@settings(max_examples=50, deadline=None)
@given(days())
def test_every_draft_is_publishable_and_the_solver_never_does_worse_than_the_greedy(
    day: Day,
) -> None:
    participants, slots, tables, wishes = day

    drafted = solve(participants, slots, tables, wishes)
    baseline = greedy(participants, slots, tables, wishes)

    assert_publishable(drafted, participants, slots, tables, wishes)
    assert_publishable(baseline, participants, slots, tables, wishes)
    assert drafted.status is Status.OPTIMAL
    assert drafted.objective >= baseline.objective
    met = {frozenset((m.first, m.second)) for m in drafted.meetings}
    musts = {wanted for wanted, wish in wishes.items() if wish is Wish.MUST and wanted[0] != wanted[1]}
    assert set(drafted.unmatched_musts) == {w for w in musts if frozenset(w) not in met}
    assert drafted.satisfied_musts == len(musts) - len(drafted.unmatched_musts)


def test_the_solver_meets_both_must_wishes_where_the_greedy_takes_the_heavier_pair_and_meets_one() -> None:
    # One slot, two tables. Ana–Ben weighs most (Must + Meet), so the greedy seats them first, and
    # then Ana's and Ben's other Must wishes (Carla, Dan) cannot meet anyone. Ana–Carla and Ben–Dan
    # together weigh more and meet two Must wishes.
    people = [Participant(name) for name in ("ana", "ben", "carla", "dan")]
    wishes = {
        ("ana", "ben"): Wish.MUST,
        ("ben", "ana"): Wish.MEET,
        ("carla", "ana"): Wish.MUST,
        ("dan", "ben"): Wish.MUST,
    }

    drafted = solve(people, [Slot("9:00")], 2, wishes)
    baseline = greedy(people, [Slot("9:00")], 2, wishes)

    assert [(m.first, m.second) for m in baseline.meetings] == [("ana", "ben")]
    assert baseline.satisfied_musts == 1
    assert sorted((m.first, m.second, m.table) for m in drafted.meetings) == [
        ("ana", "carla", "1"),
        ("ben", "dan", "2"),
    ]
    assert drafted.satisfied_musts == 2
    assert drafted.unmatched_musts == (("ana", "ben"),)
    assert drafted.objective == 20 > baseline.objective == 13


def test_accepted_bookings_are_kept_and_their_people_and_table_are_not_booked_again() -> None:
    people = [Participant("ana"), Participant("ben"), Participant("carla", frozenset({"10:00"}))]
    wishes = {("ana", "carla"): Wish.MUST, ("ben", "carla"): Wish.MUST, ("ana", "ben"): Wish.MEET}
    booked = Meeting("ben", "carla", "9:00", "Room 2")

    drafted = solve(people, [Slot("9:00"), Slot("10:00")], ["Room 1", "Room 2"], wishes, fixed=[booked])

    assert drafted.meetings[0] == Meeting("ben", "carla", "9:00", "Room 2", fixed=True)
    # Carla is away at 10:00 and busy with Ben at 9:00, so Ana's Must wish cannot be met.
    assert drafted.meetings[1:] == (Meeting("ana", "ben", "10:00", "Room 1"),)
    assert drafted.unmatched_musts == (("ana", "carla"),)
    assert drafted.satisfied_musts == 1


@pytest.mark.parametrize(
    "clash",
    [
        [Meeting("ana", "ben", "9:00", "1"), Meeting("ana", "carla", "9:00", "2")],
        [Meeting("ana", "ben", "9:00", "1"), Meeting("carla", "dan", "9:00", "1")],
        [Meeting("ana", "ben", "9:00", "1"), Meeting("ben", "ana", "10:00", "1")],
        [Meeting("ana", "ben", "11:00", "1")],
        [Meeting("ana", "ben", "9:00", "3")],
    ],
    ids=["person twice in a slot", "table twice in a slot", "pair twice", "unknown slot", "unknown table"],
)
def test_fixed_meetings_that_contradict_the_day_or_each_other_are_refused(clash: list[Meeting]) -> None:
    people = [Participant(name) for name in ("ana", "ben", "carla", "dan")]

    with pytest.raises(ScheduleInputError):
        solve(people, [Slot("9:00"), Slot("10:00")], 2, {}, fixed=clash)


def test_a_booking_with_someone_who_left_is_kept_and_they_get_no_new_meetings() -> None:
    wishes = {("ana", "gone"): Wish.MUST, ("ben", "gone"): Wish.MUST, ("ana", "ben"): Wish.MEET}
    booked = Meeting("ana", "gone", "9:00", "1")
    people = [Participant("ana"), Participant("ben")]

    drafted = solve(people, [Slot("9:00"), Slot("10:00")], 2, wishes, [booked])

    assert drafted.meetings == (
        Meeting("ana", "gone", "9:00", "1", fixed=True),
        Meeting("ana", "ben", "10:00", "1"),
    )


def test_an_empty_day_gives_an_empty_optimal_draft() -> None:
    drafted = solve([], [], 0, {})

    assert (drafted.meetings, drafted.unmatched_musts, drafted.satisfied_musts) == ((), (), 0)
    assert (drafted.status, drafted.objective) == (Status.OPTIMAL, 0)


def test_when_the_solver_has_nothing_in_time_the_greedy_draft_is_returned() -> None:
    people = [Participant(f"p{n}") for n in range(12)]
    wishes = {(f"p{a}", f"p{b}"): Wish.MEET for a in range(12) for b in range(12) if a != b}

    drafted = solve(people, [Slot("9:00"), Slot("10:00")], 3, wishes, time_limit=0)

    assert drafted.status is Status.GREEDY
    assert drafted.meetings == greedy(people, [Slot("9:00"), Slot("10:00")], 3, wishes).meetings
    assert len(drafted.meetings) == 6


def test_wishes_weigh_mutual_must_over_one_sided_must_over_mutual_meet_and_no_thanks_forbids() -> None:
    weights = [
        pair_weight(Wish.MUST, Wish.MUST),
        pair_weight(Wish.MUST, Wish.MEET),
        pair_weight(Wish.MUST, None),
        pair_weight(Wish.MEET, Wish.MEET),
        pair_weight(None, Wish.MEET),
    ]

    assert weights == sorted(weights, reverse=True) and len(set(weights)) == 5
    assert pair_weight(Wish.MUST, Wish.NO_THANKS) == pair_weight(Wish.NO_THANKS, Wish.MEET) == 0
