"""The command line as people and scripts use it: subprocesses with piped stdin, no TTY."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.fakes.telegram_api import FakeTelegram

CLUSTERBOT = [sys.executable, "-m", "bot"]


def run(args: list[str], cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("CLUSTERBOT_", "TELEGRAM_", "SLACK_"))
    }
    environment.update(env)
    return subprocess.run(
        [*CLUSTERBOT, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables
        }


def test_demo_answers_each_piped_line_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    script = "/help\n/find textil recyclng\n/events\n/opportunities\n"
    first = run(["demo"], tmp_path, script)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "What I can do" in out
    assert "Refil Reciclatge Tèxtil" in out
    assert "Upcoming events" in out and "Open opportunities" in out
    counts = row_counts(tmp_path / "clusterbot-demo.db")
    assert counts["members"] >= 150 and counts["events"] >= 20

    second = run(["demo"], tmp_path, "/events\n")
    assert second.returncode == 0, second.stderr
    assert row_counts(tmp_path / "clusterbot-demo.db") == counts


def test_chat_as_a_new_person_starts_onboarding_and_saves_files(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/chat.db"
    coordinator = run(
        ["chat", "--as", "ana", "--coordinator", "--db", db],
        tmp_path,
        '/event add title="Kick-off" start="2030-01-15 10:00" duration=2h\n/ics 1\n',
    )
    assert coordinator.returncode == 0, coordinator.stderr
    assert "Created #1 Kick-off" in coordinator.stdout
    assert (tmp_path / "event-1.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")

    member = run(["chat", "--as", "bo", "--db", db], tmp_path, "/start\nBo\n/event 1\n")
    assert "What is your name?" in member.stdout and "Which organisation" in member.stdout
    assert "[1] Going → /going 1  [2] Not going → /notgoing 1" in member.stdout


def test_an_invalid_setting_stops_with_one_clear_line(tmp_path: Path) -> None:
    result = run(["chat", "--as", "x"], tmp_path, "", CLUSTERBOT_DATABASE_URL="mysql://nope")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "clusterbot: invalid setting: CLUSTERBOT_DATABASE_URL: use sqlite:///FILE or postgresql://USER@HOST/DB"
    ]


def test_run_without_any_adapter_says_so_and_exits_2(tmp_path: Path) -> None:
    result = run(["run"], tmp_path, CLUSTERBOT_DATABASE_URL=f"sqlite:///{tmp_path}/run.db")
    assert result.returncode == 2
    assert "no adapter configured" in result.stderr


def test_version_and_db_upgrade(tmp_path: Path) -> None:
    assert run(["--version"], tmp_path).stdout.startswith("clusterbot ")
    upgraded = run(["db", "upgrade", "--db", f"sqlite:///{tmp_path}/up.db"], tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "newest schema" in upgraded.stdout
    assert "alembic_version" in row_counts(tmp_path / "up.db")


def test_announce_from_a_script_queues_for_the_segment(tmp_path: Path) -> None:
    assert run(["demo", "--db", f"sqlite:///{tmp_path}/a.db"], tmp_path, "").returncode == 0
    result = run(
        [
            "announce",
            "country:Norway",
            "Ferry times for the Bergen visit are out.",
            "--yes",
            "--db",
            f"sqlite:///{tmp_path}/a.db",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Queued announcement #1 for ")
    count = int(result.stdout.split(" for ")[1].split()[0])
    with sqlite3.connect(tmp_path / "a.db") as connection:
        queued = connection.execute("SELECT count(*) FROM outbox WHERE cause = 'announce:1'").fetchone()[0]
    assert count == queued > 10
    refused = run(["announce", "planet:Mars", "Hi", "--yes", "--db", f"sqlite:///{tmp_path}/a.db"], tmp_path)
    assert refused.returncode == 2 and "Say who it is for first" in refused.stderr


def closed_port() -> int:
    """A port on 127.0.0.1 that nobody listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assert_short_and_clear(result: subprocess.CompletedProcess[str], last_line: str) -> list[str]:
    """Exit 1 and at most three lines on stderr (tries, then the failure), none a traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert 1 <= len(lines) <= 3 and "Traceback" not in result.stderr, result.stderr
    assert lines[-1].startswith(f"clusterbot: {last_line}"), result.stderr
    assert all("trying again in" in line for line in lines[:-1]), result.stderr
    return lines


def test_run_with_a_missing_database_folder_says_so_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    result = run(
        ["run"], tmp_path, CLUSTERBOT_DATABASE_URL=f"sqlite:///{missing}/bot.db", TELEGRAM_BOT_TOKEN="1:x"
    )

    assert assert_short_and_clear(result, "") == [
        f"clusterbot: The database folder {missing} does not exist: create it or set CLUSTERBOT_DATABASE_URL"
    ]
    assert not missing.exists()


def test_run_with_postgresql_down_tries_again_briefly_then_says_so_in_one_line(tmp_path: Path) -> None:
    port = closed_port()
    result = run(
        ["run"],
        tmp_path,
        CLUSTERBOT_DATABASE_URL=f"postgresql://clusterbot:secret-pw@127.0.0.1:{port}/bot",
        CLUSTERBOT_STARTUP_RETRY_SECONDS="0.5",
        TELEGRAM_BOT_TOKEN="1:x",
    )

    assert_short_and_clear(result, f"PostgreSQL at 127.0.0.1:{port} is not reachable (connection refused)")
    assert "secret-pw" not in result.stderr


def test_run_with_telegram_unreachable_tries_again_briefly_then_says_so_in_one_line(tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}/bot"
    result = run(
        ["run"],
        tmp_path,
        CLUSTERBOT_DATABASE_URL=f"sqlite:///{tmp_path}/bot.db",
        CLUSTERBOT_STARTUP_RETRY_SECONDS="0.5",
        CLUSTERBOT_LOG_LEVEL="WARNING",
        TELEGRAM_BOT_TOKEN="123:SECRET-TOKEN",
        TELEGRAM_API_BASE_URL=base_url,
    )

    assert_short_and_clear(result, f"Telegram is not reachable at {base_url} (")
    assert "SECRET-TOKEN" not in result.stderr


async def test_run_with_a_token_telegram_refuses_says_so_at_once(tmp_path: Path) -> None:
    async with FakeTelegram() as telegram:
        result = await asyncio.to_thread(
            run,
            ["run"],
            tmp_path,
            CLUSTERBOT_DATABASE_URL=f"sqlite:///{tmp_path}/bot.db",
            CLUSTERBOT_LOG_LEVEL="WARNING",
            TELEGRAM_BOT_TOKEN="999:REVOKED",
            TELEGRAM_API_BASE_URL=telegram.base_url,
        )

    assert assert_short_and_clear(result, "") == [
        "clusterbot: Telegram refused TELEGRAM_BOT_TOKEN: copy the token again from @BotFather"
    ]


def test_demo_plays_both_sides_of_an_introduction_with_as_and_shows_each_message_once(tmp_path: Path) -> None:
    script = (
        '/introduce Arnau Ribas "we both work on recycled polyester"\n'
        "/as Arnau Ribaz\n"
        "/as Arnau Ribas\n"
        "/intro accept 1\n"
        "/help\n"
        "/as Marta Puig\n"
        "/relay 1 Hello Arnau!\n"
        "/as Arnau Ribas\n"
    )
    result = run(["demo"], tmp_path, script)
    assert result.returncode == 0, result.stderr
    # The first answer to each line (`/as Arnau Ribas` comes twice: the second is checked at the end).
    turns: dict[str, str] = {}
    for turn in result.stdout.split("\n> "):
        turns.setdefault(turn.split("\n", 1)[0], turn)
    assert "Did you mean one of these?\n[#2 Arnau Ribas → /as #2]" in turns["/as Arnau Ribaz"]
    # The request queued during Marta's turn is shown when Arnau takes over, marked, once.
    arnau = turns["/as Arnau Ribas"]
    assert "You are now Arnau Ribas (#2).\n\n📬 (message from ClusterBot)\n👋 Marta Puig" in arnau
    assert "Their note: we both work on recycled polyester" in arnau
    accepted = turns["/intro accept 1"]
    assert "📬 (message from ClusterBot)\n🤝 You are introduced to Marta Puig" in accepted
    assert (
        "They got no contact of yours; they can write to you once through me.\n[1] Write to them → /relay 1"
        in accepted
    )
    assert "📬" not in turns["/help"]
    marta = turns["/as Marta Puig"]
    assert "📬 (message from ClusterBot)\n🤝 You are introduced to Arnau Ribas" in marta
    assert "Sent to Arnau Ribas" in turns["/relay 1 Hello Arnau!"]
    assert result.stdout.count("👋 Marta Puig") == 1 and result.stdout.count("Hello Arnau!") == 2
    assert (
        "✉️ Marta Puig writes to you through me:\nHello Arnau!"
        in result.stdout.rsplit("> /as Arnau Ribas", 1)[1]
    )
    with sqlite3.connect(tmp_path / "clusterbot-demo.db") as connection:
        statuses = connection.execute(
            "SELECT DISTINCT status FROM outbox WHERE cause LIKE 'intro:%'"
        ).fetchall()
    assert statuses == [("sent",)]


def test_demo_books_a_meeting_at_event_5_by_typing_button_numbers_and_labels(tmp_path: Path) -> None:
    """Both sides of a B2B meeting in one terminal, pressing buttons by number or label only."""
    script = (
        "/event 5\n"
        "Book meetings\n"
        "/find Manon Bernard\n"
        "2\n"  # Meet Manon Bernard
        "1\n"  # the first free slot
        "/as Manon Bernard\n"
        "1\n"  # Accept, on the request shown when Manon takes over
    )
    result = run(["demo"], tmp_path, script)
    assert result.returncode == 0, result.stderr
    turns = [turn.split("\n", 1) for turn in result.stdout.split("\n> ")]
    said = dict(turn for turn in turns if len(turn) == 2)
    assert "[5] Book meetings → /book 5" in said["/event 5"]
    assert "Whom would you like to meet at B2B session" in said["Book meetings"]
    assert "[1] Introduce me to Manon Bernard → /introduce" in said["/find Manon Bernard"]
    assert "[2] Meet Manon Bernard → /meet #" in said["/find Manon Bernard"]
    assert "Meet Manon Bernard at B2B session: circular textiles meet polymers" in said["2"]
    request = said["/as Manon Bernard"]
    assert "Marta Puig would like to meet you at B2B session" in request
    assert "[1] Accept  [2] Propose another time  [3] Decline" in request and "/confirm" not in request
    answers = [text for typed, text in (t for t in turns if len(t) == 2) if typed == "1"]
    assert "I've asked Manon Bernard to meet you" in answers[0]
    assert "Meeting confirmed with Marta Puig" in answers[1]
