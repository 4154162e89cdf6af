"""`clusterbot import` and `export`: files in and out, the progress bar, the reports.

Reading is forgiving where spreadsheets differ (a BOM, `;` as separator, header case) and strict
where a guess would be wrong: a row that does not fit is rejected with its line and the reason,
and the rest of the file is still taken. A file that cannot be read at all is a `BadFile`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from icalendar import Calendar
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot import csvout
from bot.settings import Settings
from handlers.onboarding import invitation_reply
from store.db import Database
from store.exporting import EXPORTS
from store.importing import Importer, InvitationLink, Kind, Outcome, Rejection, Row, missing_columns
from store.repository import store_transaction

# Rows per transaction: short enough not to hold SQLite's write lock for long while the bot runs.
BATCH = 250


class BadFile(Exception):
    """The file as a whole cannot be imported; the message is one line for the operator."""


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, Row]], list[Rejection]]:
    """The header, the rows with their line numbers, and the rows whose cell count is wrong."""
    text = _read_text(path)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(reader, [])]
    if not any(header):
        raise BadFile(f"{path.name} is empty; the first line should name the columns")
    rows: list[tuple[int, Row]] = []
    rejected: list[Rejection] = []
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            reason = f"has {len(cells)} cells where the header has {len(header)}"
            rejected.append(Rejection(start, "", reason))
            continue
        rows.append((start, dict(zip(header, cells, strict=True))))
    return header, rows, rejected


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise BadFile(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise BadFile(f"{path.name} is not UTF-8 text; save it as 'CSV UTF-8'") from None


def read_ics(path: Path, default_timezone: str) -> tuple[list[str], list[tuple[int, Row]], list[Rejection]]:
    """VEVENTs as event rows: UID is the id, DTSTART/DTEND keep their TZID; lines are where they begin."""
    text = _read_text(path)
    try:
        calendar = Calendar.from_ical(text)
    except ValueError as error:
        raise BadFile(f"{path.name} is not an iCalendar file: {error}") from None
    starts = [number for number, line in enumerate(text.splitlines(), 1) if line.strip() == "BEGIN:VEVENT"]
    floating_zone = str(calendar.get("X-WR-TIMEZONE", ""))
    rows = []
    for line, entry in zip(starts, calendar.walk("VEVENT"), strict=False):
        row = {
            "id": str(entry.get("UID", "")),
            "title": str(entry.get("SUMMARY", "")),
            "place": str(entry.get("LOCATION", "")),
            "description": str(entry.get("DESCRIPTION", "")),
            "url": str(entry.get("URL", "")),
            "cancelled": "yes" if str(entry.get("STATUS", "")).upper() == "CANCELLED" else "no",
        }
        zones = []
        for column, name in (("start", "DTSTART"), ("end", "DTEND")):
            moment, zone = _ics_moment(entry.get(name), floating_zone, default_timezone)
            row[column] = moment
            zones.append(zone)
        row["timezone"] = zones[0]
        rows.append((line, row))
    header = ["id", "title", "start", "end", "timezone", "place", "description", "url", "cancelled"]
    return header, rows, []


def _ics_moment(prop: Any, floating_zone: str, default_timezone: str) -> tuple[str, str]:
    """ISO text and zone name of a DTSTART/DTEND; all-day dates fall in the default zone."""
    if prop is None:
        return "", ""
    value = prop.dt
    if isinstance(value, datetime):
        zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else ""
        return value.isoformat(), zone or (floating_zone if value.tzinfo is None else "")
    if isinstance(value, date):
        return value.isoformat(), floating_zone or default_timezone
    return str(value), ""


def read_file(kind: Kind, path: Path, default_timezone: str) -> tuple[list[tuple[int, Row]], list[Rejection]]:
    if kind == "events" and path.suffix.lower() == ".ics":
        header, rows, rejected = read_ics(path, default_timezone)
    else:
        header, rows, rejected = read_csv(path)
    missing = missing_columns(kind, header)
    if missing:
        raise BadFile(f"{path.name} has no column {', '.join(missing)} (columns found: {', '.join(header)})")
    return rows, rejected


@contextmanager
def progress_bar(show: bool, total: int, label: str) -> Iterator[Any]:
    """A rich progress bar on a terminal; nothing when output goes to a file or a pipe."""
    if not show:
        yield lambda _done: None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns) as progress:
        task = progress.add_task(label, total=total)
        yield lambda done: progress.advance(task, done)


async def import_file(
    db: Database, kind: Kind, path: Path, *, now: datetime, default_timezone: str, show_progress: bool
) -> Outcome:
    rows, shape_rejections = read_file(kind, path, default_timezone)
    importer = Importer(kind, now, default_timezone)
    with progress_bar(show_progress, len(rows), f"Importing {kind}") as advance:
        for first in range(0, len(rows), BATCH):
            batch = rows[first : first + BATCH]
            async with store_transaction(db) as store:
                await store.import_rows(importer, batch)
            advance(len(batch))
    outcome = importer.outcome
    outcome.rejected = sorted([*outcome.rejected, *shape_rejections], key=lambda r: r.line)
    return outcome


def write_rejections(source: Path, rejected: list[Rejection]) -> Path:
    """`NAME-rejected.csv` next to the imported file: line, column, reason."""
    report = source.with_name(f"{source.stem}-rejected.csv")
    with report.open("w", newline="", encoding="utf-8") as out:
        writer = csvout.SafeWriter(out)
        writer.writerow(["line", "column", "reason"])
        writer.writerows([r.line, r.column, r.reason] for r in rejected)
    return report


def telegram_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}" if bot_username else ""


def write_invitations(source: Path, links: list[InvitationLink], bot_username: str) -> Path:
    """`NAME-invitations.csv` next to the imported file, for coordinators to send as they like."""
    report = source.with_name(f"{source.stem}-invitations.csv")
    with report.open("w", newline="", encoding="utf-8") as out:
        writer = csvout.SafeWriter(out)
        writer.writerow(["name", "email", "telegram_link", "start_command"])
        writer.writerows(
            [link.name, link.email, telegram_link(bot_username, link.token), f"/start {link.token}"]
            for link in links
        )
    return report


@dataclass
class SlackInvitations:
    """What `invite_on_slack` did: DMs queued, addresses in no workspace searched, and the
    workspaces that refused the look-up (name: Slack's error)."""

    queued: int = 0
    absent: int = 0
    refused: dict[str, str] = field(default_factory=dict)


async def invite_on_slack(
    settings: Settings, db: Database, links: list[InvitationLink], now: datetime
) -> SlackInvitations | None:
    """Queue an invitation DM for each invited member whose e-mail belongs to a user of a workspace
    the app is in (SLACK_BOT_TOKEN's, then each OAuth install); None when it is in none. The outbox
    delivers it (`clusterbot run`) with that workspace's token, its rate limits and retries; its
    cause `invite:TOKEN` makes a second import queue nothing twice.

    The DM carries a button that types `start TOKEN` for them, so pressing it binds that Slack
    account exactly as a Telegram deep link does.
    """
    from bot.slack import SlackAdapter
    from bot.wiring import build_assistant

    assistant = build_assistant(settings, db)
    adapter = SlackAdapter(settings, assistant, db)
    workspaces = await adapter.searchable()
    if not workspaces:
        return None
    done = SlackInvitations()
    for link in links:
        user = await adapter.user_by_email(link.email, workspaces, done.refused)
        if user is None:
            done.absent += 1
            continue
        async with store_transaction(db) as store:
            member_id = await store.invitations.address(link.member_id, "slack", user, now)
            await assistant.notifier.tell(
                store,
                [member_id],
                f"invite:{link.token}",
                partial(invitation_reply, link.name, link.token),
                now,
            )
        done.queued += 1
    return done


async def export_csv(db: Database, what: str, out: TextIO) -> int:
    """Write one CSV export to `out`; the number of rows written."""
    columns, read = EXPORTS[what]
    async with store_transaction(db) as store:
        rows = await read(store.exports)
    writer = csvout.SafeWriter(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return len(rows)
