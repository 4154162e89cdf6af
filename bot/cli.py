"""The `clusterbot` command line."""

from __future__ import annotations

import asyncio
import shlex
import sys
from collections.abc import Coroutine
from datetime import UTC, datetime
from enum import StrEnum
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.console import ConsoleChat
from bot.importing import (
    BadFile,
    export_csv,
    import_file,
    invite_on_slack,
    write_invitations,
    write_rejections,
)
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from bot.startup import StartupFailure
from bot.wiring import build_assistant, build_notifier, open_database
from core.errors import UserError
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from handlers.announce import send as send_announcement
from handlers.announce import split_segment
from store.backup import BackupRefused, backup_sqlite
from store.db import Database
from store.demo import DEMO_HANDLE, seed_demo
from store.importing import InvitationLink, Kind, Outcome
from store.migrate import upgrade
from store.repository import store_transaction

DEMO_DATABASE = "sqlite:///clusterbot-demo.db"
DEMO_TOUR = """\
Welcome to the ClusterBot demo. You are Marta, innovation manager at a Catalan textile SME and a
coordinator of her cluster. Buttons are numbered: type a number (or a button's label) to press
one. Things to try (type them, or press Ctrl-D to leave):
  /help                          everything I can do
  /find textil recyclng          typos are fine
  /find smart textiles in:Norway filter by place (any name: in:Catalunya, in:Terrassa, in:Nantes)
  who works on recycled polyester?   a plain question searches members, events and opportunities
  /events   /event 1   /going 1  see what's on and say you're going
  /attendees 1   /myevents       who's going (directory members only), and your own events
  /opportunity 4   /interested 4 tell the poster you're interested; /as them to press Reply
  /ics 1                         a calendar file for the event
  /going   /follow 1   /follow   your events, and the opportunities you follow (the Slack App Home)
  /opportunities recycling       open calls and partner searches
  /post                          post an opportunity, one question at a time (in Slack: a form)
  /introduce Arnau Ribas "we both work on recycled polyester"
                                 ask to be introduced (or press "Introduce me" under /find)
  /as Arnau Ribas                play the other side: his messages from me show up marked 📬;
                                 press Accept, then /as Marta Puig to read how to reach him
  /relay 1 Hello!                one message through me when there is no other way to reach them
  /outcome Inês Carvalho agreement   say where a cooperation stands (a proposal, an agreement…)
  /event 5, then "Book meetings"  book a 20-minute B2B meeting with a Plastivallée member, with
                                 buttons: a member, a slot; /as them to Accept; /agenda 5
  /participants 6   /schedule draft 6   say whom you must meet at the learning visit; draft its day
  /report   /report region:Catalonia 2026   what the partnership achieved, with charts saved here
  /lang fr   /event 1   /profile  the same in French (or ca, es, pt): counts, lists and labels
"""

# The `--db` option every database command takes; None means CLUSTERBOT_DATABASE_URL.
DatabaseOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: CLUSTERBOT_DATABASE_URL).")
]

app = typer.Typer(
    help="ClusterBot: an assistant for the members of industrial and innovation clusters.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _settings(**overrides: Any) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as error:
        typer.echo(f"clusterbot: {error}", err=True)
        raise typer.Exit(2) from None


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    try:
        return asyncio.run(coroutine)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except StartupFailure as failure:  # a database or platform out of reach: one line, no traceback
        typer.echo(f"clusterbot: {failure.line}", err=True)
        raise typer.Exit(1) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"clusterbot {version('clusterbot')}")
        raise typer.Exit()


@app.callback()
def main_options(
    _version_flag: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """ClusterBot command line."""


async def _chat(settings: Settings, handle: str, *, coordinator: bool, tour: str = "") -> None:
    async with await open_database(settings.database_url) as db:
        assistant = build_assistant(settings, db)
        if coordinator:
            await _make_coordinator(assistant.db, handle, settings)
        if tour:
            typer.echo(tour)
        chat = ConsoleChat(
            assistant,
            handle,
            stdin=sys.stdin,
            stdout=sys.stdout,
            files_dir=Path.cwd(),
            echo=not sys.stdin.isatty(),
        )
        await chat.run()


async def _make_coordinator(db: Database, handle: str, settings: Settings) -> None:
    async with store_transaction(db) as store:
        now = datetime.now(UTC)
        member, _ = await store.people.identify(
            platform="console",
            user_id=handle,
            chat_id=handle,
            display_name=handle,
            now=now,
            timezone=settings.default_timezone,
            language=None,
        )
        await store.people.update(member, now, is_coordinator=True)


@app.command()
def chat(
    handle: Annotated[str, typer.Option("--as", help="Who you are in this chat (a console handle).")],
    coordinator: Annotated[bool, typer.Option("--coordinator", help="Chat with coordinator rights.")] = False,
    db: DatabaseOption = None,
) -> None:
    """Chat with the bot in the terminal: one message a line; works piped."""
    settings = _settings(database_url=db)
    configure_logging(settings, quiet=True)
    _run(_chat(settings, handle, coordinator=coordinator))


@app.command()
def demo(
    db: Annotated[str, typer.Option("--db", help="Where the demo network lives.")] = DEMO_DATABASE,
) -> None:
    """Create a demo cluster network (once) and chat with the bot as one of its members."""
    settings = _settings(database_url=db)
    configure_logging(settings, quiet=True)

    async def go() -> None:
        async with await open_database(settings.database_url) as database:
            created = await seed_demo(database, datetime.now(UTC))
        if created:
            typer.echo(f"Created the demo network in {db}.", err=True)
        await _chat(settings, DEMO_HANDLE, coordinator=False, tour=DEMO_TOUR)

    _run(go())


@db_app.command("upgrade")
def db_upgrade(
    db: DatabaseOption = None,
) -> None:
    """Apply the Alembic migrations (safe to run from several processes at once)."""
    settings = _settings(database_url=db)
    configure_logging(settings)

    async def go() -> None:
        async with Database(settings.database_url) as database:
            await upgrade(database)

    _run(go())
    typer.echo("Database is at the newest schema.")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy.")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    db: DatabaseOption = None,
) -> None:
    """Copy a SQLite database, safely while the bot runs (PostgreSQL: use pg_dump)."""
    settings = _settings(database_url=db)
    try:
        size = backup_sqlite(settings.database_url, file, replace=force)
    except BackupRefused as error:
        typer.echo(f"clusterbot: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Backed up the database to {file} ({size:,} bytes).")


@app.command()
def announce(
    segment: Annotated[
        str,
        typer.Argument(
            help="everyone, cluster:NAME, region:NAME, country:NAME, sector:NAME, tag:NAME or event:N"
        ),
    ],
    text: Annotated[str, typer.Argument(help="The message.")],
    yes: Annotated[bool, typer.Option("--yes", help="Send without asking (for scripts).")] = False,
    author: Annotated[
        str, typer.Option("--from", help="Signature shown under the message.")
    ] = "The coordinators",
    db: DatabaseOption = None,
) -> None:
    """Announce to a segment from a script; `clusterbot run` delivers it."""
    settings = _settings(database_url=db)
    configure_logging(settings, quiet=True)
    try:
        kind, value, message = split_segment(f"{shlex.quote(segment)} {text}", DEFAULT_LANGUAGE)
    except UserError as error:
        typer.echo(f"clusterbot: {error}", err=True)
        raise typer.Exit(2) from None

    raise typer.Exit(_run(announce_from_script(settings, kind, value, message, author, yes=yes)))


async def announce_from_script(
    settings: Settings, kind: str, value: str, message: str, author: str, *, yes: bool
) -> int:
    """Draft, show the count, confirm (unless `yes`) and send as the chat's `announce` does; the
    audit log names no member (the actor is the operator's script). Returns the exit code."""
    async with (
        await open_database(settings.database_url) as database,
        store_transaction(database) as store,
    ):
        now = datetime.now(UTC)
        resolved = await store.resolver.segment(kind, value)
        if resolved.found is None:
            known = ", ".join(label for label, _value in resolved.suggestions) or "none yet"
            typer.echo(f"clusterbot: no {kind} is called '{value}'; did you mean: {known}?", err=True)
            return 2
        draft = await store.announcements.draft(None, message, kind, resolved.found, now)
        if not draft.recipients:
            typer.echo("Nobody is in that segment; nothing was sent.")
            return 1
        if not yes and not typer.confirm(f"Send to {draft.recipients} members?", default=False):
            typer.echo("Not sent.")
            return 1
        count = await send_announcement(store, build_notifier(settings), draft, None, author, now)
        typer.echo(f"Queued announcement #{draft.id} for {count} members.")
        return 0


class ImportKind(StrEnum):
    members = "members"
    events = "events"
    opportunities = "opportunities"


class ExportKind(StrEnum):
    members = "members"
    events = "events"
    rsvps = "rsvps"


# Rejected rows shown on screen; all of them are in the -rejected.csv report.
SHOWN_REJECTIONS = 20


@app.command("import")
def import_command(
    kind: Annotated[ImportKind, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="A CSV file (events: also an .ics calendar).")],
    invite_slack: Annotated[
        bool,
        typer.Option("--invite-slack", help="DM an invitation to members whose e-mail is a Slack user."),
    ] = False,
    db: DatabaseOption = None,
) -> None:
    """Create or update rows from a file (idempotent). Exit 1 if rows were rejected, 2 if the file was."""
    settings = _settings(database_url=db)
    configure_logging(settings, quiet=True)
    raise typer.Exit(_run(_import(settings, kind.value, file, invite_slack=invite_slack)))


async def _import(settings: Settings, kind: Kind, file: Path, *, invite_slack: bool) -> int:
    async with await open_database(settings.database_url) as database:
        try:
            outcome = await import_file(
                database,
                kind,
                file,
                now=datetime.now(UTC),
                default_timezone=settings.default_timezone,
                show_progress=sys.stdout.isatty(),
            )
        except BadFile as error:
            typer.echo(f"clusterbot: {error}", err=True)
            return 2
        _report(file, outcome)
        if outcome.invitations:
            await _invite(settings, database, file, outcome.invitations, slack=invite_slack)
    return 1 if outcome.rejected else 0


def _report(file: Path, outcome: Outcome) -> None:
    typer.echo(
        f"{file.name}: {outcome.taken} rows taken ({outcome.created} new, {outcome.updated} updated, "
        f"{outcome.unchanged} unchanged), {len(outcome.rejected)} rejected."
    )
    if outcome.kept:
        typer.echo(f"{outcome.kept} values kept as members changed them since they were last imported.")
    stale = file.with_name(f"{file.stem}-rejected.csv")
    if not outcome.rejected:
        stale.unlink(missing_ok=True)
        return
    for rejection in outcome.rejected[:SHOWN_REJECTIONS]:
        column = f" {rejection.column}:" if rejection.column else ""
        typer.echo(f"  line {rejection.line}:{column} {rejection.reason}")
    if len(outcome.rejected) > SHOWN_REJECTIONS:
        typer.echo(f"  … and {len(outcome.rejected) - SHOWN_REJECTIONS} more.")
    typer.echo(f"Rejected rows and reasons: {write_rejections(file, outcome.rejected)}")


async def _invite(
    settings: Settings, database: Database, file: Path, links: list[InvitationLink], *, slack: bool
) -> None:
    report = write_invitations(file, links, settings.telegram_bot_username)
    typer.echo(
        f"Invitation links for {len(links)} members who have not joined yet: {report} "
        "(keep it private: each link connects an account to a profile)."
    )
    if not settings.telegram_bot_username:
        typer.echo("Set TELEGRAM_BOT_USERNAME to get t.me links; meanwhile members can send /start TOKEN.")
    if not slack:
        return
    done = await invite_on_slack(settings, database, links, datetime.now(UTC))
    if done is None:
        typer.echo(
            "Slack is not configured (no SLACK_BOT_TOKEN and no installed workspace), "
            "so no Slack invitations were sent."
        )
        return
    typer.echo(
        f"Slack: queued an invitation DM for {done.queued} members (`clusterbot run` sends them); "
        f"{done.absent} e-mail addresses are in no workspace searched."
    )
    for workspace, error in done.refused.items():
        # Typically `missing_scope`: the app needs users:read.email to look members up by address.
        typer.echo(f"Slack workspace {workspace} could not be searched: {error}.", err=True)


@app.command("export")
def export_command(
    what: Annotated[ExportKind, typer.Argument(help="What to export.")],
    file: Annotated[Path | None, typer.Argument(help="CSV file to write (default: standard output).")] = None,
    db: DatabaseOption = None,
) -> None:
    """Write members (listed ones; e-mail only where shared), events or RSVPs as CSV."""
    settings = _settings(database_url=db)
    configure_logging(settings, quiet=True)

    async def go() -> int:
        async with await open_database(settings.database_url) as database:
            if file is None:
                return await export_csv(database, what.value, sys.stdout)
            with file.open("w", newline="", encoding="utf-8") as out:
                return await export_csv(database, what.value, out)

    count = _run(go())
    if file is not None:
        typer.echo(f"Wrote {count} {what.value} to {file}.")


@app.command()
def report(
    words: Annotated[
        list[str] | None,
        typer.Argument(
            help="Scope (cluster:NAME, region:NAME, country:NAME or all; default all) and period "
            "(2026Q3, 2026 or since 2026-01-01; default the current quarter)."
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the files to.")] = Path("report"),
    language: Annotated[
        str | None, typer.Option("--lang", help="Language of the summary and the charts (en ca es fr pt).")
    ] = None,
    db: DatabaseOption = None,
) -> None:
    """Write a report: summary, PNG charts, a CSV per table and one .xlsx with them all."""
    from bot.report_files import UnknownScope, load_report, write_files

    settings = _settings(database_url=db)
    configure_logging(settings, quiet=True)
    chosen = language or settings.default_language
    if chosen not in LANGUAGES:
        typer.echo(f"clusterbot: --lang must be one of {', '.join(LANGUAGES)}", err=True)
        raise typer.Exit(2)

    async def go() -> Any:
        async with await open_database(settings.database_url) as database:
            return await load_report(database, list(words or []), chosen, datetime.now(UTC))

    try:
        result, scope = _run(go())
    except (UserError, UnknownScope) as error:
        typer.echo(f"clusterbot: {error}", err=True)
        raise typer.Exit(2) from None
    written = write_files(result, scope, out, chosen)
    typer.echo(written.summary)
    typer.echo(f"Wrote {len(written.files)} files to {out}.")


@app.command()
def run() -> None:
    """Start every adapter whose credentials are set, the scheduler and the HTTP server."""
    from bot.runner import serve

    settings = _settings()
    configure_logging(settings)
    raise typer.Exit(_run(serve(settings)))


def main() -> None:
    app()
