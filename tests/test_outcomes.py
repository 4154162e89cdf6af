"""Outcomes: the ladder three and six months after a cooperation, once to each side; a member's own
`outcome`; staff exchanges; and the counts a report reads, per pair, scope and period."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from scheduler.checkbacks import queue_checkbacks
from scheduler.outcomes import add_months, queue_outcome_prompts
from store.db import Database
from store.demo import DEMO_HANDLE, seed_demo
from store.models import Exchange, Outcome
from store.outcomes import Between, funnel
from store.repository import store_transaction
from tests.factories import add_cluster, add_member, add_opportunity, make_coordinator, queued_messages
from tests.test_meetings import accepted, meeting, seed

LADDER = [
    "No further contact",
    "In discussion",
    "Joint proposal submitted",
    "Agreement signed (MoU, contract)",
    "Joint project running",
]


async def outcomes(db: Database) -> list[Outcome]:
    async with db.transaction() as session:
        return list((await session.scalars(select(Outcome).order_by(Outcome.id))).all())


async def exchanges(db: Database) -> list[Exchange]:
    async with db.transaction() as session:
        return list((await session.scalars(select(Exchange).order_by(Exchange.id))).all())


async def cooperation_after_meeting(db: Database, clock, chat_as) -> tuple[int, int, datetime]:  # type: ignore[no-untyped-def]
    """Joan and Marta met; Joan answered the check-back "Cooperation possible" (Marta did not answer)."""
    joan_id, marta_id = await accepted(db, clock, chat_as)
    ends = (await meeting(db)).ends_at
    clock.now = ends + timedelta(minutes=30)
    await queue_checkbacks(db, clock.now)
    [question] = [row for row in await queued_messages(db, joan_id) if row.cause == "checkback:meeting1"]
    assert "Good news!" in await chat_as("joan").press(question.buttons[3][1])
    return joan_id, marta_id, ends


async def prompts(db: Database, member: int, milestone: int):  # type: ignore[no-untyped-def]
    return [row for row in await queued_messages(db, member) if row.cause == f"outcome:meeting1:{milestone}m"]


def test_months_are_calendar_months_and_a_missing_day_is_the_months_last() -> None:
    assert add_months(datetime(2026, 11, 26, 9, 40, tzinfo=UTC), 3) == datetime(
        2027, 2, 26, 9, 40, tzinfo=UTC
    )
    assert add_months(datetime(2026, 11, 30, tzinfo=UTC), 3) == datetime(2027, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2027, 8, 31, tzinfo=UTC), 6) == datetime(2028, 2, 29, tzinfo=UTC)
    assert add_months(datetime(2027, 2, 28, tzinfo=UTC), -3) == datetime(2026, 11, 28, tzinfo=UTC)


async def test_each_side_gets_the_ladder_at_three_and_six_months_once(db: Database, clock, chat_as) -> None:
    joan_id, marta_id, ends = await cooperation_after_meeting(db, clock, chat_as)
    three = add_months(ends, 3)
    assert three == datetime(2027, 2, 26, 9, 40, tzinfo=UTC)
    clock.now = three - timedelta(minutes=1)
    assert await queue_outcome_prompts(db, clock.now) == 0
    clock.now = three
    assert await queue_outcome_prompts(db, clock.now) == 2
    assert await queue_outcome_prompts(db, clock.now + timedelta(hours=1)) == 0  # once, however often
    [to_joan] = await prompts(db, joan_id, 3)
    [to_marta] = await prompts(db, marta_id, 3)
    assert "3 months ago you and Marta saw a possible cooperation. Where does it stand now?" in to_joan.text
    assert "3 months ago you and Joan saw a possible cooperation" in to_marta.text
    assert [label for label, _ in to_joan.buttons] == LADDER

    # Joan's button is Joan's; pressed, it records her step, asks the optional line, and works once.
    assert "meant for someone else" in await chat_as("marta").press(to_joan.buttons[1][1])
    joan = chat_as("joan")
    answer = await joan.press(to_joan.buttons[1][1])
    assert "Noted: In discussion, with Marta." in answer
    assert "What is the call or project called? One line." in answer and "'skip'" in answer
    assert "Thank you, noted." in await joan.say("skip")
    assert "expired or was used already" in await joan.press(to_joan.buttons[1][1])
    assert "Noted: No further contact, with Joan." in await chat_as("marta").press(to_marta.buttons[0][1])
    rows = await outcomes(db)
    assert [(r.member_id, r.other_id, r.milestone, r.step, r.line) for r in rows] == [
        (joan_id, marta_id, 3, "discussion", ""),
        (marta_id, joan_id, 3, "none", ""),
    ]

    six = add_months(ends, 6)
    clock.now = six - timedelta(seconds=1)
    assert await queue_outcome_prompts(db, clock.now) == 0
    clock.now = six
    assert await queue_outcome_prompts(db, clock.now) == 2
    assert await queue_outcome_prompts(db, clock.now) == 0
    [to_joan_later] = await prompts(db, joan_id, 6)
    assert "6 months ago you and Marta" in to_joan_later.text
    assert len(await outcomes(db)) == 4


async def test_a_proposal_asks_the_call_and_links_the_opportunity_the_member_follows(
    db: Database, clock, chat_as
) -> None:
    joan_id, marta_id, ends = await cooperation_after_meeting(db, clock, chat_as)
    call = await add_opportunity(db, clock.now, "Horizon Europe: circular textiles", kind="funding_call")
    joan = chat_as("joan")
    await joan.say(f"/follow {call}")
    clock.now = add_months(ends, 3)
    await queue_outcome_prompts(db, clock.now)
    [to_joan] = await prompts(db, joan_id, 3)
    assert "Noted: Joint proposal submitted, with Marta." in await joan.press(to_joan.buttons[2][1])
    answer = await joan.say("CIRCTEX consortium, stage 1")
    assert "Thank you, noted." in answer
    assert "Does it answer one of these calls or opportunities?" in answer
    assert "Linked to Horizon Europe: circular textiles." in await joan.tap(
        f"#{call} Horizon Europe: circular textiles"
    )
    [row, unanswered] = await outcomes(db)
    assert (row.member_id, row.other_id) == (joan_id, marta_id)
    assert (row.step, row.line, row.opportunity_id) == ("proposal", "CIRCTEX consortium, stage 1", call)
    assert (unanswered.member_id, unanswered.step) == (marta_id, "")


async def test_an_introduction_marked_cooperation_is_followed_up_three_months_after_its_acceptance(
    db: Database, clock, chat_as
) -> None:
    joan_id, marta_id, _event = await seed(db, clock, chat_as)
    await chat_as("joan").say(f"/introduce #{marta_id}")
    await chat_as("marta").press("/intro accept 1")
    accepted_at = clock.now
    clock.advance(days=14)
    await queue_checkbacks(db, clock.now)
    [question] = [r for r in await queued_messages(db, marta_id) if r.cause == "checkback:introduction1"]
    await chat_as("marta").press(question.buttons[3][1])
    clock.now = add_months(accepted_at, 3)
    assert await queue_outcome_prompts(db, clock.now) == 2
    causes = {row.cause for row in await queued_messages(db, joan_id)}
    assert "outcome:introduction1:3m" in causes


async def test_no_cooperation_no_prompt(db: Database, clock, chat_as) -> None:
    joan_id, _marta_id = await accepted(db, clock, chat_as)
    ends = (await meeting(db)).ends_at
    clock.now = ends + timedelta(minutes=30)
    await queue_checkbacks(db, clock.now)
    [question] = [row for row in await queued_messages(db, joan_id) if row.cause == "checkback:meeting1"]
    await chat_as("joan").press(question.buttons[2][1])  # useful, no cooperation planned
    clock.now = add_months(ends, 3)
    assert await queue_outcome_prompts(db, clock.now) == 0


# outcome MEMBER … ------------------------------------------------------------------------------


async def test_outcome_command_records_once_per_step_and_offers_the_ladder_without_one(
    db: Database, clock, chat_as
) -> None:
    joan_id, marta_id, _event = await seed(db, clock, chat_as)
    call = await add_opportunity(db, clock.now, "Digital textiles call", kind="funding_call")
    joan = chat_as("joan")
    answer = await joan.say(f'/outcome Marta proposal line="Digital textiles pilot" opportunity={call}')
    assert "Noted: Joint proposal submitted, with Marta." in answer
    assert "What is the call" not in answer  # the line was given
    # Told again, the same step updates its row instead of counting twice.
    await joan.say("/outcome @marta proposal")
    [row] = await outcomes(db)
    assert (row.member_id, row.other_id, row.step, row.line, row.opportunity_id, row.subject) == (
        joan_id,
        marta_id,
        "proposal",
        "Digital textiles pilot",
        call,
        None,
    )

    assert "Where does it stand with Marta?" in await joan.say(f"/outcome #{marta_id}")
    assert [label for label, _ in joan.buttons] == LADDER
    answer = await joan.tap("Agreement signed (MoU, contract)")
    assert "Noted: Agreement signed (MoU, contract), with Marta." in answer
    assert "What is the call or project called?" in answer
    await joan.say("MoU on recycled denim")
    # A line typed with the command rides on the buttons, quotes and all.
    await joan.say(f"/outcome #{marta_id} line='The \"Denim 2030\" project'")
    await joan.tap("Joint project running")
    assert [(r.step, r.line) for r in await outcomes(db)] == [
        ("proposal", "Digital textiles pilot"),
        ("agreement", "MoU on recycled denim"),
        ("project", 'The "Denim 2030" project'),
    ]


async def test_bad_outcome_commands_explain_and_change_nothing(db: Database, clock, chat_as) -> None:
    _joan_id, marta_id, _event = await seed(db, clock, chat_as)
    joan = chat_as("joan")
    assert "Who did you work with?" in await joan.say("/outcome")
    assert "I found no member called 'Nobody Known'" in await joan.say("/outcome Nobody Known proposal")
    assert "That is you." in await joan.say("/outcome Joan proposal")
    assert "The opportunity number should be a number" in await joan.say(
        "/outcome Marta proposal opportunity=x"
    )
    assert "There is no opportunity #99." in await joan.say("/outcome Marta proposal opportunity=99")
    too_long = "x" * 301
    assert "at most 300 fit" in await joan.say(f'/outcome Marta proposal line="{too_long}"')
    assert "I don't know the field 'date'" in await joan.say("/outcome Marta proposal date=2027-01-01")
    assert "You have no outcome #5." in await joan.say("/outcome answer 5 proposal")
    await chat_as("marta").say(f"/outcome #{_joan_id} discussion")
    assert "You have no outcome #1." in await joan.say("/outcome answer 1 proposal")  # Marta's
    assert "is not a step" in await chat_as("marta").say("/outcome answer 1 signed")
    assert [(r.member_id, r.step) for r in await outcomes(db)] == [(marta_id, "discussion")]


# Exchanges --------------------------------------------------------------------------------------


async def test_exchanges_with_a_cluster_an_organisation_or_a_member_as_host(
    db: Database, clock, chat_as
) -> None:
    joan_id, marta_id, _event = await seed(db, clock, chat_as)
    await add_member(db, clock.now, "Rui", organisation="Avetex Associação", handle="rui")
    joan = chat_as("joan")
    answer = await joan.say('/outcome exchange host="cluster:Têxtil Norte" from=2027-04-12 to=2027-04-23')
    assert "Exchange #1: Joan with Têxtil Norte, 2027-04-12 to 2027-04-23, planned." in answer
    answer = await joan.say('/outcome exchange host="org:avetex associação" from=2027-05-03 to=2027-05-07')
    assert "Exchange #2: Joan with Avetex Associação" in answer
    answer = await chat_as("marta").say(
        "/outcome exchange host=@joan from=2027-06-01 to=2027-06-14 status=running"
    )
    assert "Exchange #3: Marta with Joan, 2027-06-01 to 2027-06-14, running." in answer
    assert ", done." in await joan.say("/outcome exchange 3 status=done")  # the host may change it
    rows = await exchanges(db)
    assert [(r.visitor_id, r.host_member_id, r.host_cluster_id is not None, r.status) for r in rows] == [
        (joan_id, None, True, "planned"),
        (joan_id, None, False, "planned"),
        (marta_id, joan_id, False, "done"),
    ]


async def test_bad_exchanges_explain_and_change_nothing(db: Database, clock, chat_as) -> None:
    _joan_id, marta_id, _event = await seed(db, clock, chat_as)
    joan = chat_as("joan")
    await joan.say("/outcome exchange host=@marta from=2027-04-12 to=2027-04-23")
    assert "Missing: host, from, to." in await joan.say("/outcome exchange")
    assert "Give the date as YYYY-MM-DD" in await joan.say("/outcome exchange host=@marta from=April to=May")
    assert "cannot end before it starts" in await joan.say(
        "/outcome exchange host=@marta from=2027-04-12 to=2027-04-01"
    )
    assert "I don't know the organisation 'Nowhere Ltd'." in await joan.say(
        '/outcome exchange host="org:Nowhere Ltd" from=2027-04-12 to=2027-04-13'
    )
    assert "I don't know the cluster" in await joan.say(
        '/outcome exchange host="cluster:Atlantis" from=2027-04-12 to=2027-04-13'
    )
    assert "must be different members" in await joan.say(
        "/outcome exchange host=@joan from=2027-04-12 to=2027-04-13"
    )
    # A member may record only an exchange they take part in, and change only theirs.
    await add_member(db, clock.now, "Pere", handle="pere")
    pere = chat_as("pere")
    assert "Only the visitor, the host or a coordinator can record" in await pere.say(
        f"/outcome exchange host=@marta visitor=#{_joan_id} from=2027-04-12 to=2027-04-13"
    )
    assert "Only the visitor, the host or a coordinator can change" in await pere.say(
        "/outcome exchange 1 status=done"
    )
    assert "is not a status" in await joan.say("/outcome exchange 1 status=finished")
    assert "There is no exchange #7." in await joan.say("/outcome exchange 7 status=done")
    assert [(r.host_member_id, r.status) for r in await exchanges(db)] == [(marta_id, "planned")]
    # A coordinator may record anyone's.
    await make_coordinator(db, "coord")
    answer = await chat_as("coord").say(
        f"/outcome exchange host=@marta visitor=#{_joan_id} from=2027-05-01 to=2027-05-02"
    )
    assert "Exchange #2: Joan with Marta" in answer


# What reports read ------------------------------------------------------------------------------


async def test_report_queries_count_pairs_by_scope_and_period_and_name_only_listed_members(
    db: Database, clock
) -> None:
    north = await add_cluster(db, "North", "Norte", "Portugal", ["textile"])
    south = await add_cluster(db, "South", "Catalonia", "Spain", ["textile"])
    ana = await add_member(db, clock.now, "Ana", cluster_id=north)
    bo = await add_member(db, clock.now, "Bo", cluster_id=south)
    cy = await add_member(db, clock.now, "Cy", cluster_id=south, listed=False)
    dee = await add_member(db, clock.now, "Dee", cluster_id=south)
    call = await add_opportunity(db, clock.now, "Circular call", kind="funding_call")
    q1 = Between(datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
    async with store_transaction(db) as store:
        at = datetime(2027, 2, 1, tzinfo=UTC)
        # Ana and Bo: both tell the proposal (one pair, one proposal), Bo names the call.
        await store.outcomes.record(ana, bo, "discussion", at)
        await store.outcomes.record(ana, bo, "proposal", at, line="CIRCTEX")
        await store.outcomes.record(bo, ana, "proposal", at, opportunity_id=call)
        # Bo and Cy (not listed) signed an agreement; Dee and Bo stopped; one outside the period.
        await store.outcomes.record(cy, bo, "agreement", at, line="MoU on dyeing")
        await store.outcomes.record(dee, bo, "none", at)
        await store.outcomes.record(dee, ana, "project", datetime(2027, 4, 1, tzinfo=UTC))
        await store.outcomes.add_exchange(
            ana, date(2027, 3, 30), date(2027, 4, 10), at, host_cluster_id=south
        )
        await store.outcomes.add_exchange(dee, date(2027, 4, 1), date(2027, 4, 5), at, host_member_id=bo)
        await store.outcomes.add_exchange(
            bo, date(2026, 12, 1), date(2026, 12, 31), at, host_cluster_id=north
        )

    async with store_transaction(db) as store:
        everything = await store.outcomes.ladder(None, q1)
        assert everything == {"none": 1, "discussion": 0, "proposal": 1, "agreement": 1, "project": 0}
        assert funnel(everything) == {"none": 1, "discussion": 2, "proposal": 2, "agreement": 1, "project": 0}
        assert await store.outcomes.ladder({north}, q1) == {
            "none": 0,
            "discussion": 0,
            "proposal": 1,
            "agreement": 0,
            "project": 0,
        }
        named = await store.outcomes.named(None, q1)
        assert [(n.step, n.line, n.opportunity_title, n.names, n.unlisted) for n in named] == [
            ("proposal", "CIRCTEX", "Circular call", ("Ana", "Bo"), 0),
            ("agreement", "MoU on dyeing", "", ("Bo",), 1),  # Cy is not listed: never named
        ]
        assert await store.outcomes.exchanges(None, q1) == {
            "planned": 1,
            "running": 0,
            "done": 0,
            "cancelled": 0,
        }
        assert (await store.outcomes.exchanges({north}, q1))["planned"] == 1  # the visitor's cluster
        assert (await store.outcomes.exchanges({north}, Between(q1.end, q1.end + timedelta(days=30))))[
            "planned"
        ] == 1
        assert (await store.outcomes.exchanges({south}, Between(q1.end, q1.end + timedelta(days=30))))[
            "planned"
        ] == 2
        empty = Between(datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 4, 1, tzinfo=UTC))
        assert set((await store.outcomes.ladder(None, empty)).values()) == {0}


# Privacy ----------------------------------------------------------------------------------------


async def test_mydata_holds_the_outcomes_and_exchanges_and_forget_erases_them(
    db: Database, clock, chat_as
) -> None:
    joan_id, marta_id, _event = await seed(db, clock, chat_as)
    pere = await add_member(db, clock.now, "Pere", handle="pere")
    joan, marta = chat_as("joan"), chat_as("marta")
    await joan.say('/outcome Marta agreement line="MoU on recycled denim"')
    await marta.say(f"/outcome #{joan_id} proposal")
    await chat_as("pere").say(f"/outcome #{marta_id} discussion")
    await joan.say("/outcome exchange host=@marta from=2027-04-12 to=2027-04-23")

    await joan.say("/mydata")
    attachment = joan.last[0].attachment
    assert attachment is not None
    data = json.loads(attachment.content)
    assert [(o["member_id"], o["other_id"], o["step"], o["line"]) for o in data["outcomes"]] == [
        (joan_id, marta_id, "agreement", "MoU on recycled denim"),
        (marta_id, joan_id, "proposal", ""),
    ]
    assert [(e["visitor_id"], e["host_member_id"], e["starts_on"]) for e in data["exchanges"]] == [
        (joan_id, marta_id, "2027-04-12")
    ]

    await joan.say("/forget")
    assert "erased" in (await joan.tap("Erase my data")).lower()
    # Rows about Joan are gone on both sides; Pere's outcome with Marta stays.
    assert [(r.member_id, r.other_id) for r in await outcomes(db)] == [(pere, marta_id)]
    assert await exchanges(db) == []


async def test_the_demo_network_has_a_proposal_an_agreement_and_an_exchange_to_report(
    db: Database, clock, chat_as
) -> None:
    await seed_demo(db, clock.now)
    quarter = Between(clock.now - timedelta(days=90), clock.now + timedelta(seconds=1))
    async with store_transaction(db) as store:
        counts = await store.outcomes.ladder(None, quarter)
        named = await store.outcomes.named(None, quarter)
        exchanged = await store.outcomes.exchanges(None, quarter)
    assert counts == {"none": 0, "discussion": 0, "proposal": 1, "agreement": 1, "project": 0}
    assert [(n.step, n.names) for n in named] == [
        ("proposal", ("Marta Puig", "Inês Carvalho")),
        ("agreement", ("Arnau Ribas", "Kari Solheim")),
    ]
    assert named[0].opportunity_title.startswith("Partner search: digital product passport")
    assert exchanged["done"] == 1
    # The demo member records one more from the console, by name.
    answer = await chat_as(DEMO_HANDLE).say("/outcome Kari Solheim discussion")
    assert "Noted: In discussion, with Kari Solheim." in answer


async def test_a_did_you_mean_button_keeps_the_step_and_the_line(db: Database, clock, chat_as) -> None:
    _joan_id, marta_id, _event = await seed(db, clock, chat_as)
    joan = chat_as("joan")
    answer = await joan.say('/outcome Mart proposal line="Digital textiles pilot"')
    assert "Did you mean one of these?" in answer
    assert "Noted: Joint proposal submitted, with Marta." in await joan.tap(f"#{marta_id} Marta")
    assert [(r.step, r.line) for r in await outcomes(db)] == [("proposal", "Digital textiles pilot")]
