"""`report`: a seeded network with known members, events, connections and messages gives the same
exact counts in the chat's text, the charts' numbers and the CSV files, within the reader's scope."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import update

from bot.report_files import load_report, write_files
from core.types import Reply
from handlers.report_charts import Chart, report_charts
from handlers.reports import ReportScope, quarter_of
from store.db import Database
from store.models import Announcement, Follow, Introduction, Meeting, Member, OutboxMessage, Rsvp
from store.repository import Store
from tests.conftest import Clock
from tests.factories import add_cluster, add_event, add_member, add_opportunity, make_coordinator

DAY = timedelta(days=1)
SUMMER = datetime(2026, 8, 1, tzinfo=UTC)  # 2026Q3: before the period the tests report on
# The seeded network's charts, as files, in the order a report shows them.
CHARTS = [
    "report-members.png",
    "report-events.png",
    "report-connections.png",
    "report-matrix.png",
    "report-reach.png",
    "report-outcomes.png",
]


@dataclass(frozen=True)
class Network:
    textiles: int
    valtex: int
    ocean: int


async def seed(db: Database, now: datetime) -> Network:
    """Three clusters, six members, and what they did in 2026Q4 (now: 23 November) and before.

    Tèxtil Innova (Catalonia, Spain, textiles): a1 new, a2 since May, a3 new and unlisted.
    Valtex (Valencia, Spain, textiles + nonwovens): b1 new. Ocean Tech Bergen (Norway): c1 since
    March, c2 new.
    """
    textiles = await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textiles"])
    valtex = await add_cluster(db, "Valtex", "Valencia", "Spain", ["textiles", "nonwovens"])
    ocean = await add_cluster(db, "Ocean Tech Bergen", "Vestland", "Norway", ["ocean technology"])
    a1 = await add_member(db, now, "Anna", cluster_id=textiles)
    a2 = await add_member(db, datetime(2026, 5, 1, tzinfo=UTC), "Arnau", cluster_id=textiles)
    a3 = await add_member(db, now, "Aina", cluster_id=textiles, listed=False, last_seen_at=now - DAY)
    b1 = await add_member(db, now, "Bea", cluster_id=valtex)
    c1 = await add_member(db, datetime(2026, 3, 1, tzinfo=UTC), "Cato", cluster_id=ocean)
    c2 = await add_member(db, now, "Cora", cluster_id=ocean)

    held = await add_event(db, now, "B2B day Barcelona", starts_in=-5 * DAY, cluster_id=textiles)
    coming = await add_event(db, now, "Ocean data webinar", starts_in=7 * DAY, cluster_id=ocean)
    await add_event(db, now, "Cancelled visit", starts_in=3 * DAY, cluster_id=textiles, cancelled=True)
    await add_event(db, SUMMER, "Summer fair", starts_in=DAY, cluster_id=valtex)
    funding = await add_opportunity(db, now - DAY, "Horizon call", kind="funding_call", cluster_id=textiles)
    partner = await add_opportunity(db, SUMMER, "Partner for sensors", cluster_id=ocean)
    asked = now - 10 * DAY
    async with db.transaction() as session:
        store = Store(session)
        b2b = await store.meetings.set_up(held, now - 20 * DAY, windows=["10:00-12:00"], tables=["1"])
        session.add_all(
            [
                Rsvp(member_id=a1, event_id=held, status="going", updated_at=now - 6 * DAY),
                Rsvp(member_id=c2, event_id=held, status="going", updated_at=now - 6 * DAY),
                Rsvp(member_id=a2, event_id=held, status="going", updated_at=now - 6 * DAY),
                Rsvp(member_id=b1, event_id=held, status="waitlisted", updated_at=now - 6 * DAY),
                Rsvp(member_id=c1, event_id=coming, status="going", updated_at=SUMMER),
                Rsvp(member_id=a3, event_id=coming, status="not_going", updated_at=SUMMER),
            ]
        )
        session.add_all(
            [
                Introduction(requester_id=a1, target_id=c1, status="accepted", created_at=asked),
                Introduction(requester_id=a2, target_id=b1, status="accepted", created_at=asked),
                Introduction(requester_id=a1, target_id=a2, status="requested", created_at=asked),
                Introduction(requester_id=c2, target_id=c1, status="declined", created_at=asked),
                Introduction(requester_id=b1, target_id=c2, status="suggested", created_at=asked),
                Introduction(requester_id=a1, target_id=b1, status="accepted", created_at=SUMMER),
            ]
        )
        start = now - 5 * DAY
        for number, (requester, invitee, status) in enumerate(
            [(a1, c2, "accepted"), (a2, b1, "no_show"), (a1, b1, "requested"), (c2, c1, "declined")]
        ):
            slot = start + timedelta(minutes=20 * number)
            session.add(
                Meeting(
                    session_id=b2b.id,
                    requester_id=requester,
                    invitee_id=invitee,
                    starts_at=slot,
                    ends_at=slot + timedelta(minutes=20),
                    status=status,
                    created_at=asked,
                )
            )
        session.add_all(
            [
                Follow(member_id=b1, opportunity_id=funding, created_at=now - DAY),
                Follow(member_id=c1, opportunity_id=partner, created_at=SUMMER),
            ]
        )
        session.add(
            Announcement(
                text="Fair dates", segment_kind="everyone", status="sent", recipients=5, created_at=asked
            )
        )
        outbox = [
            (a1, "announce:1", "sent"),
            (a2, "announce:1", "sent"),
            (a3, "announce:1", "unreachable"),
            (b1, "announce:1", "dead"),
            (c1, "announce:1", "pending"),
            (a1, "reminder:event1:1790000000:24h", "sent"),
            (c2, "meeting1:reminder:1790000000", "sent"),
            (a2, "synergy:m1:m2", "sent"),
            (c1, "synergy:m3:m4", "pending"),
            (c1, "intro:1:request", "sent"),
        ]
        session.add_all(
            OutboxMessage(
                member_id=member,
                cause=cause,
                payload={},
                status=status,
                next_attempt_at=asked,
                created_at=asked,
            )
            for member, cause, status in outbox
        )
    async with db.transaction() as session:
        outcomes = Store(session).outcomes
        # Five pairs in 2026Q4: none, discussion, proposal (answering the Horizon call), agreement
        # (with unlisted Aina) and project (told by both sides, counted once); one proposal in summer.
        await outcomes.record(a1, b1, "none", now - 6 * DAY)
        await outcomes.record(c2, c1, "discussion", now - 5 * DAY)
        await outcomes.record(a2, b1, "proposal", now - 4 * DAY, opportunity_id=funding)
        await outcomes.record(c1, a1, "agreement", now - 3 * DAY)
        await outcomes.record(a1, c1, "project", now - 2 * DAY, line="Smart fibres")
        await outcomes.record(c2, a3, "agreement", now - DAY, line="Sensor MoU")
        await outcomes.record(b1, c1, "proposal", SUMMER, line="Summer call")
        await outcomes.add_exchange(
            a2, (now + 3 * DAY).date(), (now + 10 * DAY).date(), now, host_member_id=c1
        )
        done = await outcomes.add_exchange(
            b1, (now - 9 * DAY).date(), (now - 2 * DAY).date(), now, host_cluster_id=ocean
        )
        await outcomes.set_exchange_status(done, "done", now)
        await outcomes.add_exchange(
            c1, SUMMER.date(), (SUMMER + DAY).date(), SUMMER, host_cluster_id=textiles
        )
    return Network(textiles, valtex, ocean)


@pytest.fixture
async def network(db: Database, clock: Clock) -> Network:
    """The seeded partnership (see `seed`), reported on in 2026Q4."""
    return await seed(db, clock.now)


async def coordinator(db: Database, chat_as, cluster_id: int | None = None):  # type: ignore[no-untyped-def]
    chat = chat_as("coord")
    await chat.say("/help")
    await make_coordinator(db, "coord")
    if cluster_id is not None:
        async with db.transaction() as session:
            await session.execute(
                update(Member).where(Member.is_coordinator).values(coordinator_cluster_id=cluster_id)
            )
    return chat


def chart(charts: list[Chart], name: str) -> Chart:
    return next(c for c in charts if c.name == name)


def png_size(image: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(image)) as picture:
        assert picture.format == "PNG"
        return picture.size


async def test_the_whole_partnership_in_text_charts_and_csv_gives_the_same_exact_counts(
    network: Network, db: Database, clock: Clock, chat_as, tmp_path: Path
) -> None:
    chat = await coordinator(db, chat_as)

    text = await chat.say("/report all 2026Q4")
    assert "📊 Report: the whole partnership\n2026Q4 (2026-10-01 – 2026-12-31)" in text
    # The coordinator ("coord", new, no cluster) counts among the members too.
    assert "Members: 7 (5 listed) · active 6 · new 5" in text
    assert "Events: 1 held, 1 to come · going 4 · waitlisted 1" in text
    assert "Met at B2B sessions: 2 members" in text
    assert "Introductions: 4 requested, 2 accepted (2 across clusters)" in text
    assert "Meetings: 4 requested, 2 accepted, 1 held, 1 no-show" in text
    assert "Held across clusters 1 · regions 1 · countries 1 · sectors 1" in text
    assert "Announcements: 2 sent, 1 unreachable, 1 failed, 1 pending" in text
    assert "Reminders sent: 2 · alerts sent: 1" in text
    assert "Opportunities: 1 posted, 1 follows" in text
    assert (
        "Outcomes (pairs that reached each step): 4 in discussion, 3 joint proposals, 2 agreements, "
        "1 project running · 1 no further contact"
    ) in text
    # Only the named outcomes name people, and only listed members: never Aina (unlisted).
    assert "• Joint proposal submitted: Horizon call — Arnau, Bea\n" in text
    assert "• Joint project running: Smart fibres — Anna, Cato\n" in text
    assert "• Agreement signed (MoU, contract): Sensor MoU — Cora (+1 not listed)\n" in text
    assert "Opportunities answered: 1" in text
    assert "Staff exchanges: 1 planned, 0 running, 1 done, 0 cancelled" in text
    assert "Aina" not in text and "Summer call" not in text
    outcome_lines = [line for line in text.splitlines() if line.startswith("• ")]
    for name in ("Anna", "Arnau", "Bea", "Cato", "Cora"):
        assert name not in text.replace("\n".join(outcome_lines), "")

    [reply] = chat.last
    assert [image.filename for image in reply.images] == CHARTS
    for image in reply.images:
        assert png_size(image.content)[0] == 1080

    async with db.transaction() as session:
        report = await Store(session).reports.report(None, quarter_of(clock.now.date()), clock.now)
    charts = report_charts(report, "en")
    members = chart(charts, "members")
    assert members.categories == ("Tèxtil Innova", "Ocean Tech Bergen", "Valtex", "—")
    assert members.series == (("members", (3, 2, 1, 1)), ("active", (3, 1, 1, 1)), ("new", (2, 1, 1, 1)))
    connections = chart(charts, "connections")
    assert connections.series == (
        ("all", (4, 2, 4, 2, 1, 1)),
        ("across clusters", (2, 2, 3, 2, 1, 1)),
        ("across countries", (1, 1, 1, 1, 1, 0)),
    )
    matrix = chart(charts, "matrix")
    assert matrix.categories == ("Ocean Tech Bergen", "Tèxtil Innova", "Valtex")
    assert matrix.series == (
        ("Ocean Tech Bergen", (0, 2, 0)),
        ("Tèxtil Innova", (2, 0, 2)),
        ("Valtex", (0, 2, 0)),
    )
    assert chart(charts, "reach").series == (
        ("delivered", (2, 2, 1)),
        ("pending", (1, 0, 1)),
        ("unreachable", (1, 0, 0)),
        ("failed", (1, 0, 0)),
    )
    assert chart(charts, "events").series == (
        ("going", (3, 1)),
        ("waitlisted", (1, 0)),
        ("attended (B2B)", (2, 0)),
    )

    outcomes = chart(charts, "outcomes")
    assert outcomes.categories == (
        "In discussion",
        "Joint proposal submitted",
        "Agreement signed (MoU,…",
        "Joint project running",
    )
    assert outcomes.series == (("pairs", (4, 3, 2, 1)),)

    written = write_files(report, ReportScope(None, "all", ""), tmp_path, "en")
    assert written.summary in text
    assert read_csv(tmp_path / "connections.csv") == [
        ["kind", "stage", "count", "cross_cluster", "cross_region", "cross_country", "cross_sector"],
        ["introductions", "requested", "4", "2", "2", "1", "1"],
        ["introductions", "accepted", "2", "2", "2", "1", "1"],
        ["meetings", "requested", "4", "3", "3", "1", "1"],
        ["meetings", "accepted", "2", "2", "2", "1", "1"],
        ["meetings", "held", "1", "1", "1", "1", "1"],
        ["meetings", "no_show", "1", "1", "1", "0", "0"],
    ]
    assert read_csv(tmp_path / "cluster_matrix.csv")[2] == ["Tèxtil Innova", "2", "0", "2"]
    assert read_csv(tmp_path / "members_by_country.csv") == [
        ["country", "members", "listed", "active", "new"],
        ["Spain", "4", "3", "4", "3"],
        ["Norway", "2", "2", "1", "1"],
        ["—", "1", "0", "1", "1"],
    ]
    assert read_csv(tmp_path / "members_by_sector.csv")[1] == ["textiles", "4", "3", "4", "3"]
    assert read_csv(tmp_path / "reach.csv")[1] == ["announcements", "2", "1", "1", "1"]
    assert read_csv(tmp_path / "opportunities.csv") == [
        ["kind", "posted", "follows"],
        ["funding_call", "1", "1"],
    ]
    assert read_csv(tmp_path / "outcomes_funnel.csv") == [
        ["step", "reached"],
        ["none", "1"],
        ["discussion", "4"],
        ["proposal", "3"],
        ["agreement", "2"],
        ["project", "1"],
    ]
    assert read_csv(tmp_path / "outcomes_named.csv") == [
        ["step", "line", "members", "unlisted_members"],
        ["proposal", "Horizon call", "Arnau; Bea", "0"],
        ["project", "Smart fibres", "Anna; Cato", "0"],
        ["agreement", "Sensor MoU", "Cora", "1"],
    ]
    assert read_csv(tmp_path / "exchanges.csv") == [
        ["status", "count"],
        ["planned", "1"],
        ["running", "0"],
        ["done", "1"],
        ["cancelled", "0"],
    ]
    csvs = [path for path in written.files if path.suffix == ".csv"]
    csv_cells = [cell for path in csvs for row in read_csv(path) for cell in row]
    assert "Aina" not in written.summary and not [cell for cell in csv_cells if "Aina" in cell]
    events = read_csv(tmp_path / "events.csv")
    assert [row[1:2] + row[4:] for row in events[1:]] == [
        ["B2B day Barcelona", "1", "3", "1", "0", "2"],
        ["Ocean data webinar", "0", "1", "0", "1", ""],
    ]
    summary = dict(read_csv(tmp_path / "summary.csv")[1:])
    assert (summary["until"], summary["meetings_held"], summary["alerts_pending"]) == ("2026-12-31", "1", "1")
    assert (summary["outcomes_reached_proposal"], summary["opportunities_answered"]) == ("3", "1")
    assert png_size((tmp_path / "report-matrix.png").read_bytes())[0] == 1080

    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "report.xlsx")
    csv_files = [path.stem for path in written.files if path.suffix == ".csv"]
    assert book.sheetnames == csv_files == [table.name for table in report.tables()]
    assert [cell.value for cell in book["connections"][6]] == ["meetings", "held", 1, 1, 1, 1, 1]
    assert [cell.value for cell in book["outcomes_funnel"][3]] == ["discussion", 4]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


async def test_one_agreement_is_said_in_the_singular(db: Database, clock: Clock, chat_as) -> None:
    anna = await add_member(db, clock.now, "Anna")
    cato = await add_member(db, clock.now, "Cato")
    async with db.transaction() as session:
        await Store(session).outcomes.record(anna, cato, "agreement", clock.now - DAY, line="Sensor MoU")
    chat = await coordinator(db, chat_as)

    text = await chat.say("/report all")

    assert (
        "Outcomes (pairs that reached each step): 1 in discussion, 1 joint proposal, 1 agreement, "
        "0 projects running · 0 no further contact"
    ) in text


async def test_a_cluster_coordinator_reports_on_their_cluster_only(
    network: Network, db: Database, clock: Clock, chat_as
) -> None:
    chat = await coordinator(db, chat_as, network.textiles)

    text = await chat.say("/report")
    assert "📊 Report: Tèxtil Innova\n2026Q4" in text
    assert "Members: 3 (2 listed) · active 3 · new 2" in text
    # Connections with one side in the cluster: not Cora's declined request to Cato.
    assert "Introductions: 3 requested, 2 accepted (2 across clusters)" in text
    assert "Meetings: 3 requested, 2 accepted, 1 held, 1 no-show" in text
    assert "Events: 1 held, 0 to come · going 3 · waitlisted 1" in text
    assert "Announcements: 2 sent, 1 unreachable, 0 failed, 0 pending" in text
    assert "Reminders sent: 1 · alerts sent: 1" in text
    assert "📊 Report: region Catalonia" in await chat.say("/report region:catalonia")

    assert "You coordinate Tèxtil Innova only" in await chat.say("/report all")
    assert "You coordinate Tèxtil Innova only" in await chat.say("/report cluster:Valtex 2026")
    assert "You coordinate Tèxtil Innova only" in await chat.say("/report country:Spain")
    assert "for coordinators only" in await chat_as("member").say("/report")


async def test_a_misspelt_scope_gets_did_you_mean_buttons_that_keep_the_period(
    network: Network, db: Database, clock: Clock, chat_as
) -> None:
    chat = await coordinator(db, chat_as)
    assert "I don't know the cluster 'Valtx'. Did you mean" in await chat.say("/report cluster:Valtx 2026")
    assert ("Valtex", "/report cluster:Valtex 2026") in chat.buttons
    assert "📊 Report: Valtex\n2026 (2026-01-01 – 2026-12-31)" in await chat.tap("Valtex")


async def test_the_report_reads_in_the_coordinators_language(
    network: Network, db: Database, clock: Clock, chat_as
) -> None:
    chat = await coordinator(db, chat_as)
    await chat.say("/lang fr")

    text = await chat.say("/report cluster:Valtex")
    assert "📊 Rapport : Valtex" in text
    assert "Membres : 1 (1 dans l'annuaire) · actifs 1 · nouveaux 1" in text
    assert "Rendez-vous : 2 demandés, 1 acceptés, 0 tenus, 1 absences" in text
    assert "Échanges de personnel : 0 prévus, 0 en cours, 1 terminés, 0 annulés" in text
    async with db.transaction() as session:
        report = await Store(session).reports.report([2], quarter_of(clock.now.date()), clock.now)
    charts = report_charts(report, "fr")
    # Valtex held no event this quarter: no events chart.
    assert [c.title for c in charts] == [
        "Membres par cluster",
        "Mises en relation",
        "Mises en relation conclues entre clusters",
        "Messages envoyés",
        "Entonnoir des résultats (paires)",
    ]
    assert [label for label, _ in chart(charts, "reach").series][2:] == ["injoignables", "en échec"]


async def test_an_empty_period_says_so_and_draws_nothing(
    network: Network, db: Database, clock: Clock, chat_as, tmp_path: Path
) -> None:
    chat = await coordinator(db, chat_as)

    text = await chat.say("/report 2025")
    assert "2025 (2025-01-01 – 2025-12-31)" in text
    assert "Nothing happened in this period" in text and "5 members are listed." in text
    assert [reply.images for reply in chat.last] == [()]

    result, scope = await load_report(db, ["2025"], "en", clock.now)
    written = write_files(result, scope, tmp_path, "en")
    assert [path.name for path in written.files if path.suffix == ".png"] == []
    assert "Nothing happened in this period" in written.summary


async def test_periods_are_quarters_years_or_since_a_day_and_anything_else_is_explained(
    network: Network, db: Database, clock: Clock, chat_as
) -> None:
    chat = await coordinator(db, chat_as)
    assert "2026Q3 (2026-07-01 – 2026-09-30)" in await chat.say("/report 2026q3")
    since = await chat.say("/report since 2026-08-01")
    assert "since 2026-08-01 (2026-08-01 – 2026-11-23)" in since
    # Summer's accepted introduction and the follow of the partner search count since August.
    assert "Introductions: 5 requested, 3 accepted" in since
    for typed in ("2026Q5", "since 2030-01-01", "last week"):
        assert "I can't read the period" in await chat.say(f"/report {typed}")


async def test_announce_status_shows_delivery_as_a_picture(
    network: Network, db: Database, clock: Clock, chat_as
) -> None:
    chat = await coordinator(db, chat_as)
    await chat.say("/announce cluster:Valtex Samples are in")
    [send] = [payload for label, payload in chat.buttons if label == "Send to 1"]
    await chat.press(send)

    assert "sent 0 · pending 1 · unreachable 0 · failed 0" in await chat.say("/announce status 2")
    [reply] = chat.last
    [image] = reply.images
    assert image.filename == "announcement-2.png"
    assert png_size(image.content)[0] == 1080
    assert reply.refresh == "/announce status 2"  # adapters redraw it while messages wait

    async with db.transaction() as session:
        await session.execute(update(OutboxMessage).values(status="sent"))
    assert "sent 1 · pending 0" in await chat.say("/announce status 2")
    assert chat.last[0].refresh is None


def test_a_reply_with_pictures_survives_the_outbox() -> None:
    from core.types import Attachment, text_reply

    reply = Reply(spans=text_reply("Hi").spans, images=(Attachment("a.png", b"\x89PNG", "image/png"),))
    assert Reply.from_dict(reply.to_dict()) == reply
