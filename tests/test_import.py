"""Coordinators' files in: validated row by row, idempotent, and invitations that bind accounts."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import func, select

from bot.cli import _report
from bot.importing import SlackInvitations, import_file, invite_on_slack
from bot.settings import Settings
from bot.slack import SlackAdapter
from bot.wiring import build_assistant
from core.types import Incoming
from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from scheduler.delivery import OutboxWorker
from scheduler.ratelimit import SLACK_LIMITS, RateLimiter
from store.db import Database
from store.importing import InvitationLink, Kind, Outcome
from store.models import Base, Event, Identity, Invitation, Member, Opportunity, OutboxMessage
from tests.conftest import Chat, Clock, DemoRun
from tests.factories import add_cluster, add_event, add_opportunity, queued_messages
from tests.fakes.slack_api import SIGNING_SECRET, TOKEN, FakeSlackApi
from tests.test_cli import run as run_cli
from tests.test_outbox import no_wait

MEMBER_HEADER = [
    "name",
    "email",
    "organisation",
    "organisation_kind",
    "cluster",
    "tags",
    "listed",
    "timezone",
]
# Each kind of mistake a spreadsheet makes, and what a row with it looks like.
MISTAKES = [
    lambda row, _prev: {**row, "email": "marta.at.example.org"},
    lambda row, _prev: {**row, "name": "  "},
    lambda row, _prev: {**row, "cluster": "Atlantis Cluster"},
    lambda row, _prev: {**row, "organisation_kind": "garage"},
    lambda row, _prev: {**row, "listed": "maybe"},
    lambda row, _prev: {**row, "timezone": "Mars/Olympus"},
    lambda row, prev: {**row, "email": prev["email"].upper()},
    lambda row, _prev: {"name": row["name"]},  # a row cut short
]


def member_row(index: int) -> dict[str, str]:
    return {
        "name": f"Member {index}",
        "email": f"member{index}@org{index % 40}.example",
        "organisation": f"Organisation {index % 40}",
        "organisation_kind": "research_centre" if index % 40 == 7 else "sme",
        "cluster": ("Tèxtil Innova", "textil innova", "Ocean Tech Bergen", "")[index % 4],
        "tags": "recycling, smart textiles" if index % 2 else "ocean",
        "listed": "yes" if index % 3 == 0 else "no",
        "timezone": "Europe/Lisbon" if index % 5 == 0 else "",
    }


def write_members(path: Path, count: int) -> list[int]:
    """A members CSV where every hundredth row (from the 51st) has one mistake; their line numbers."""
    bad_lines, previous = [], member_row(0)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(MEMBER_HEADER)
        for index in range(count):
            row = member_row(index)
            if index % 100 == 50:
                row = MISTAKES[(index // 100) % len(MISTAKES)](row, previous)
                bad_lines.append(index + 2)
            writer.writerow([row[column] for column in MEMBER_HEADER if column in row])
            previous = row
    return bad_lines


async def snapshot(db: Database) -> tuple[dict[str, int], str]:
    """Row counts and one hash over every row of every table."""
    counts, digest = {}, hashlib.sha256()
    async with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table).order_by(*table.primary_key.columns))).all()
            counts[table.name] = len(rows)
            digest.update(repr(rows).encode())
    return counts, digest.hexdigest()


async def run_import(db: Database, kind: Kind, path: Path, now: datetime) -> Outcome:
    return await import_file(db, kind, path, now=now, default_timezone="Europe/Madrid", show_progress=False)


async def test_5000_members_with_50_bad_rows_are_reported_exactly_and_a_second_import_changes_nothing(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textiles"])
    await add_cluster(db, "Ocean Tech Bergen", "Vestland", "Norway", ["ocean"])
    path = tmp_path / "members.csv"
    bad_lines = write_members(path, 5000)
    assert len(bad_lines) == 50

    first = await run_import(db, "members", path, clock.now)
    assert [rejection.line for rejection in first.rejected] == bad_lines
    assert {r.column for r in first.rejected} >= {"email", "name", "cluster", "listed", "timezone"}
    assert (first.created, first.updated, first.unchanged) == (4950, 0, 0)
    assert len({link.token for link in first.invitations}) == 4950
    before = await snapshot(db)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).where(Member.listed.is_(True))) == sum(
            1 for i in range(5000) if i % 3 == 0 and i % 100 != 50
        )

    clock.advance(days=1)
    second = await run_import(db, "members", path, clock.now)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 4950)
    assert [link.token for link in second.invitations] == [link.token for link in first.invitations]
    assert await snapshot(db) == before


async def test_a_changed_row_updates_the_member_it_names_by_email(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    path = tmp_path / "members.csv"
    path.write_text("name,email,listed\nMarta Puig,Marta@Teixits.example,yes\n", encoding="utf-8")
    await run_import(db, "members", path, clock.now)
    clock.advance(hours=1)
    # A spreadsheet's own habits: `;` as separator, a capitalised header, a byte-order mark.
    path.write_text("\ufeffName;Email;Role\nMarta Puig;marta@teixits.example;CTO\n", encoding="utf-8")
    outcome = await run_import(db, "members", path, clock.now)
    assert (outcome.created, outcome.updated) == (0, 1)
    async with db.transaction() as session:
        member = await session.scalar(select(Member))
        assert member is not None and (member.role, member.email, member.listed) == (
            "CTO",
            "marta@teixits.example",
            True,
        )
        assert member.updated_at == clock.now


def write_ics(path: Path, events: list[dict[str, object]]) -> None:
    calendar = Calendar()
    calendar.add("prodid", "-//Cluster partners//EN")
    calendar.add("version", "2.0")
    for fields in events:
        entry = CalendarEvent()
        for name, value in fields.items():
            entry.add(name, value)
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    path.write_bytes(calendar.to_ical())


async def test_events_from_ics_keep_uid_zone_and_details_and_update_on_reimport(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    lisbon = ZoneInfo("Europe/Lisbon")
    visit = {
        "uid": "visit-porto@partners.example",
        "summary": "Learning visit Porto",
        "dtstart": datetime(2027, 3, 10, 9, 30, tzinfo=lisbon),
        "dtend": datetime(2027, 3, 10, 17, 0, tzinfo=lisbon),
        "location": "CITEVE, Famalicão",
        "description": "Three mills that recycle textiles.",
        "url": "https://partners.example/porto",
    }
    webinar = {
        "uid": "dpp@partners.example",
        "summary": "DPP webinar",
        "dtstart": datetime(2027, 1, 20, 14, tzinfo=UTC),
    }
    no_uid = {"summary": "Mystery", "dtstart": datetime(2027, 1, 21, 14, tzinfo=UTC)}
    path = tmp_path / "events.ics"
    write_ics(path, [visit, webinar, no_uid])

    first = await run_import(db, "events", path, clock.now)
    assert (first.created, len(first.rejected)) == (2, 1)
    assert (
        first.rejected[0].column == "id"
        and path.read_text().splitlines()[first.rejected[0].line - 1] == "BEGIN:VEVENT"
    )
    async with db.transaction() as session:
        event = await session.scalar(select(Event).where(Event.external_id == "visit-porto@partners.example"))
        assert event is not None
        assert (event.title, event.timezone, event.place) == (
            "Learning visit Porto",
            "Europe/Lisbon",
            "CITEVE, Famalicão",
        )
        assert event.starts_at == datetime(2027, 3, 10, 9, 30, tzinfo=UTC)  # Lisbon is on UTC in March
        assert event.online_url == "https://partners.example/porto" and event.description.startswith("Three")

    write_ics(path, [{**visit, "summary": "Learning visit Porto (full day)"}, webinar])
    second = await run_import(db, "events", path, clock.now)
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 2


async def test_event_rows_are_checked_for_zone_dates_capacity_and_kind(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textiles"])
    path = tmp_path / "events.csv"
    path.write_text(
        "id,title,start,end,timezone,kind,capacity,cluster\n"
        "e1,B2B Porto,2027-01-20 10:00,2027-01-20 13:00,Europe/Lisbon,b2b session,40,Tèxtil Innova\n"
        "e2,Webinar,2027-01-21T15:00+01:00,,,webinar,,\n"
        "e3,No zone,2027-01-22 10:00,,,meeting,,\n"
        "e4,Backwards,2027-01-22 10:00,2027-01-22 09:00,Europe/Madrid,meeting,,\n"
        "e5,Crowded,2027-01-22 10:00,,Europe/Madrid,meeting,-3,\n"
        "e6,Party,2027-01-22 10:00,,Europe/Madrid,party,,\n"
        "e7,Someday,next tuesday,,Europe/Madrid,meeting,,\n",
        encoding="utf-8",
    )
    outcome = await run_import(db, "events", path, clock.now)
    assert outcome.created == 2
    assert [(r.line, r.column) for r in outcome.rejected] == [
        (4, "start"),
        (5, "end"),
        (6, "capacity"),
        (7, "kind"),
        (8, "start"),
    ]
    async with db.transaction() as session:
        webinar = await session.scalar(select(Event).where(Event.external_id == "e2"))
        assert webinar is not None and webinar.ends_at - webinar.starts_at == timedelta(hours=2)


async def test_a_new_opportunity_needs_a_future_deadline_but_an_existing_one_may_be_updated(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    await add_opportunity(db, clock.now, "Old call", kind="funding_call", external_id="call-1")
    path = tmp_path / "opportunities.csv"
    path.write_text(
        "id,kind,title,deadline\n"
        "call-1,funding_call,Old call (closed),2020-01-31\n"
        "call-2,funding_call,Past call,2020-01-31\n"
        "call-3,partner search,Weaver wanted,2027-03-15\n"
        "call-4,lottery,Lucky draw,2027-03-15\n",
        encoding="utf-8",
    )
    outcome = await run_import(db, "opportunities", path, clock.now)
    assert (outcome.created, outcome.updated) == (1, 1)
    assert [(r.line, r.column) for r in outcome.rejected] == [(3, "deadline"), (5, "kind")]
    async with db.transaction() as session:
        weaver = await session.scalar(select(Opportunity).where(Opportunity.external_id == "call-3"))
        assert weaver is not None and weaver.kind == "partner_search"
        assert weaver.deadline == datetime(2027, 3, 15, 22, 59, tzinfo=UTC)  # 23:59 in Madrid


async def invite(db: Database, clock: Clock, tmp_path: Path) -> str:
    path = tmp_path / "members.csv"
    path.write_text("name,email,listed\nInês Costa,ines@avetex.example,yes\n", encoding="utf-8")
    outcome = await run_import(db, "members", path, clock.now)
    return outcome.invitations[0].token


async def test_an_invitation_deep_link_binds_the_telegram_account_to_the_imported_member(
    db: Database, clock: Clock, tmp_path: Path, assistant: Assistant
) -> None:
    token = await invite(db, clock, tmp_path)
    replies = await assistant.respond(
        Incoming("telegram", "555", "555", text=f"/start {token}", display_name="ines")
    )
    assert "Welcome, Inês Costa!" in replies[0].plain_text
    async with db.transaction() as session:
        members = (await session.scalars(select(Member))).all()
        assert [m.name for m in members] == ["Inês Costa"]  # the throw-away first-contact record is gone
        identity = await session.scalar(select(Identity).where(Identity.user_id == "555"))
        assert identity is not None and identity.member_id == members[0].id and members[0].onboarded
        assert await session.scalar(select(Invitation.used_at)) == clock.now

    used = await assistant.respond(
        Incoming("telegram", "666", "666", text=f"/start {token}", display_name="x")
    )
    assert "already been used" in used[0].plain_text and "What is your name?" in used[1].plain_text
    unknown = await assistant.respond(
        Incoming("telegram", "777", "777", text="/start nope", display_name="y")
    )
    assert "unknown" in unknown[0].plain_text


async def test_slack_invitations_are_outbox_rows_delivered_with_the_rate_limiter_and_retried(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    token = await invite(db, clock, tmp_path)
    async with FakeSlackApi() as api:
        api.add_user("U0INES", "Inês Costa", email="Ines@Avetex.example")
        settings = Settings(
            slack_bot_token=TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_base_url=api.base_url
        )
        path = tmp_path / "members.csv"
        outcome = await run_import(db, "members", path, clock.now)
        queued = await invite_on_slack(settings, db, outcome.invitations, clock.now)
        again = await invite_on_slack(settings, db, outcome.invitations, clock.now)  # a re-import
        stranger = [InvitationLink(0, "X", "x@nowhere.example", "t")]
        nobody = await invite_on_slack(settings, db, stranger, clock.now)
        assert (queued, again, nobody) == (
            SlackInvitations(1, 0),
            SlackInvitations(1, 0),
            SlackInvitations(0, 1),
        )
        [row] = await queued_messages(db)
        assert row.cause == f"invite:{token}" and row.buttons == [("Connect my profile", f"/start {token}")]
        assert api.dm_messages("U0INES") == []  # nothing leaves before the outbox worker sends it

        adapter = SlackAdapter(settings, build_assistant(settings, db), db)
        limiter = RateLimiter(SLACK_LIMITS, clock=lambda: clock.now.timestamp(), sleep=no_wait)
        worker = OutboxWorker(db, {"slack": adapter}, {"slack": limiter}, clock=clock)
        api.throttle("chat.postMessage", times=1)  # an outbox send is not repeated in place: retried later
        await worker.drain_once()
        assert api.dm_messages("U0INES") == []
        async with db.transaction() as session:
            assert await session.scalar(select(OutboxMessage.status)) == "failed"
        clock.advance(minutes=10)
        await worker.drain_once()
        [message] = api.dm_messages("U0INES")
        values = [e["value"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
        assert values == [f"/start {token}"]
        async with db.transaction() as session:
            assert await session.scalar(select(OutboxMessage.status)) == "sent"
            identity = await session.scalar(select(Identity).where(Identity.platform == "slack"))
            ines = await session.scalar(select(Member.id).where(Member.name == "Inês Costa"))
            assert (
                identity is not None and identity.user_id.endswith(":U0INES") and identity.member_id == ines
            )
        # Pressing the button binds the account to the prepared profile, as a deep link does.
        pressed = Incoming("slack", identity.user_id, "D0INES", text=f"/start {token}", display_name="ines")
        [welcome, *_] = await build_assistant(settings, db).respond(pressed)
        assert "Welcome, Inês Costa!" in welcome.plain_text
        async with db.transaction() as session:
            assert (await session.scalars(select(Member.name))).all() == ["Inês Costa"]


DOCS = Path(__file__).resolve().parents[1] / "docs" / "import"


def test_cli_imports_the_sample_files_idempotently_and_writes_invitation_links(
    tmp_path: Path, demo_run: DemoRun
) -> None:
    db = demo_run.database_copy(tmp_path / "cli.db")  # the clusters the samples name
    for name in ("members.csv", "events.csv"):
        shutil.copy(DOCS / name, tmp_path / name)
    env = {"TELEGRAM_BOT_USERNAME": "@ClusterDemoBot"}
    members = run_cli(["import", "members", "members.csv", "--db", db], tmp_path, **env)
    assert members.returncode == 0, members.stdout + members.stderr
    assert "0 rejected" in members.stdout and "members-invitations.csv" in members.stdout
    with (tmp_path / "members-invitations.csv").open(encoding="utf-8") as report:
        links = [row["telegram_link"] for row in csv.DictReader(report)]
    assert links and all(link.startswith("https://t.me/ClusterDemoBot?start=") for link in links)

    events = run_cli(["import", "events", "events.csv", "--db", db], tmp_path)
    assert events.returncode == 0 and "4 new" in events.stdout
    again = run_cli(["import", "events", "events.csv", "--db", db], tmp_path)
    assert "(0 new, 0 updated, 4 unchanged), 0 rejected" in again.stdout

    exported = run_cli(["export", "events", "--db", db], tmp_path)
    assert exported.returncode == 0
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {"tin-2027-visit-porto", "tin-2027-webinar-dpp"} <= {row["id"] for row in rows}
    assert run_cli(["export", "rsvps", "rsvps.csv", "--db", db], tmp_path).returncode == 0
    assert (tmp_path / "rsvps.csv").read_text(encoding="utf-8").startswith("event_number,event_id")


def test_cli_exit_codes_say_whether_rows_or_the_file_were_refused(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/cli.db"
    deadline = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    (tmp_path / "opps.csv").write_text(
        "id,kind,title,deadline\n"
        f"c1,funding_call,Circular call,{deadline}\n"
        f"c2,raffle,Lucky draw,{deadline}\n",
        encoding="utf-8",
    )
    some_rejected = run_cli(["import", "opportunities", "opps.csv", "--db", db], tmp_path)
    assert some_rejected.returncode == 1
    assert "line 3: kind: 'raffle' is not one of" in some_rejected.stdout
    report = (tmp_path / "opps-rejected.csv").read_text(encoding="utf-8").splitlines()
    assert report[0] == "line,column,reason" and report[1].startswith("3,kind,")

    (tmp_path / "people.csv").write_text("name,phone\nMarta,123\n", encoding="utf-8")
    bad_file = run_cli(["import", "members", "people.csv", "--db", db], tmp_path)
    assert bad_file.returncode == 2 and "has no column email" in bad_file.stderr
    assert run_cli(["import", "members", "missing.csv", "--db", db], tmp_path).returncode == 2

    members = run_cli(["export", "members", "--db", db], tmp_path)
    assert members.returncode == 0 and members.stdout.splitlines()[0].startswith("name,email,organisation")


async def test_a_reimport_keeps_what_the_member_wrote_and_updates_what_they_did_not(
    db: Database, clock: Clock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "members.csv"
    path.write_text(
        "name,email,role,bio\nInês Costa,ines@avetex.example,Engineer,Dyeing since 2010.\n", encoding="utf-8"
    )
    first = await run_import(db, "members", path, clock.now)
    ines = Chat(Assistant(db, build_router(), build_flows(), clock=clock), "ines")
    await ines.say(f"/start {first.invitations[0].token}")
    assert "Saved your" in await ines.say("/profile set bio I run the finishing line now.")
    clock.advance(days=1)
    path.write_text(
        "name,email,role,bio\nInês Costa,ines@avetex.example,Head of R&D,Dyeing since 2011.\n",
        encoding="utf-8",
    )

    outcome = await run_import(db, "members", path, clock.now)

    async with db.transaction() as session:
        member = await session.scalar(select(Member))
        assert member is not None
        assert (member.bio, member.role) == ("I run the finishing line now.", "Head of R&D")
    assert (outcome.updated, outcome.kept) == (1, 1)
    _report(path, outcome)
    assert "1 values kept as members changed them since they were last imported." in capsys.readouterr().out
    again = await run_import(db, "members", path, clock.now)
    assert (again.updated, again.unchanged, again.kept) == (0, 1, 1)


async def test_importing_an_exported_ics_updates_the_event_instead_of_copying_it(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    event_id = await add_event(db, clock.now, "Fair in Porto", starts_in=timedelta(days=10), place="Exponor")
    member = Chat(Assistant(db, build_router(), build_flows(), clock=clock), "someone")
    await member.say(f"/ics {event_id}")
    attachment = member.last[0].attachment
    assert attachment is not None
    path = tmp_path / attachment.filename
    path.write_bytes(attachment.content.replace(b"Exponor", b"Exponor, hall 2"))

    outcome = await run_import(db, "events", path, clock.now)

    assert (outcome.created, outcome.updated, outcome.rejected) == (0, 1, [])
    async with db.transaction() as session:
        events = (await session.scalars(select(Event))).all()
    assert [(e.id, e.place, e.external_id) for e in events] == [(event_id, "Exponor, hall 2", None)]


async def test_an_imported_member_without_a_zone_gets_the_zone_of_their_clusters_country(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    """Everyone imported started in CLUSTERBOT_TIMEZONE (Madrid), a member in Porto too."""
    await add_cluster(db, "Avetex Norte", "Norte", "Portugal", ["textiles"])
    await add_cluster(db, "Ocean Tech Bergen", "Vestland", "Norway", ["ocean technology"])
    path = tmp_path / "members.csv"
    path.write_text(
        "name,email,cluster,timezone\n"
        "Inês Costa,ines@malhas.example,Avetex Norte,\n"
        "Ola Nordmann,ola@subsea.example,Ocean Tech Bergen,Atlantic/Reykjavik\n"
        "Pau Vidal,pau@example.org,,\n",
        encoding="utf-8",
    )
    await run_import(db, "members", path, clock.now)
    async with db.transaction() as session:
        zones = dict((await session.execute(select(Member.name, Member.timezone))).all())
    assert zones == {
        "Inês Costa": "Europe/Lisbon",
        "Ola Nordmann": "Atlantic/Reykjavik",  # a zone the list gives wins
        "Pau Vidal": "Europe/Madrid",  # no cluster: the operator's default
    }
