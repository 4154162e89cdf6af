"""5. Peak memory (VmHWM) of `clusterbot run` with a large directory, after one `find` built the index.

The bot runs as a subprocess (`python -m bot run`) polling a fake Telegram in this process. At
start the scheduler runs its periodic jobs once (the full synergy scan waits for the night); that
peak is reported on its own. Then the peak is reset (`/proc/PID/clear_refs`) and one `find`
builds the directory index: that peak is the figure. The baseline is the resident size just before the find.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

from benchmarks import population
from benchmarks.common import Figure, Report, sqlite_database
from tests.fakes.telegram_api import TOKEN, FakeTelegram, User

REPO = Path(__file__).resolve().parent.parent
SEARCHER = User(42, "Searcher")


def rss_mb(pid: int, field: str = "VmHWM") -> float:
    """VmHWM (the resident set's high-water mark) or VmRSS (now) of a running process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def startup_jobs_done(path: Path) -> bool:
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT last_finished_at FROM job_runs WHERE name = 'synergy_incremental'"
        ).fetchone()
    return row is not None and row[0] is not None


async def _wait_for_polling(telegram: FakeTelegram, bot: asyncio.subprocess.Process, log: Path) -> None:
    while not telegram.called("getUpdates"):
        if bot.returncode is not None:
            tail = (await asyncio.to_thread(log.read_text))[-2000:]
            raise RuntimeError(f"clusterbot run exited: {tail}")
        await asyncio.sleep(0.2)


async def _wait_for_startup_jobs(path: Path, within: float) -> bool:
    """Whether the start-up jobs (the last of them, the incremental synergy scan) finished in time."""
    deadline = asyncio.get_running_loop().time() + within
    # The job's state is in another process's database: nothing to wait on but a poll.
    while not startup_jobs_done(path):
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.5)
    return True


async def run(members: int = 100_000, settle_seconds: float = 150) -> Report:
    report = Report("memory", sizes={"members": members})
    async with sqlite_database() as (db, path):
        await population.load(db, population.generate(members))
        await db.close()
        async with FakeTelegram() as telegram:
            env = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("CLUSTERBOT_", "TELEGRAM_", "SLACK_"))
            }
            env.update(
                CLUSTERBOT_DATABASE_URL=f"sqlite:///{path}",
                CLUSTERBOT_HTTP_PORT="0",
                CLUSTERBOT_LOG_LEVEL="WARNING",
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE_URL=telegram.base_url,
                PYTHONPATH=str(REPO),
            )
            log = path.parent / "run.log"
            with log.open("wb") as output:
                bot = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "run", env=env, cwd=path.parent, stdout=output, stderr=output
                )
            try:
                async with asyncio.timeout(120):
                    await _wait_for_polling(telegram, bot, log)
                scan_finished = await _wait_for_startup_jobs(path, settle_seconds)
                startup = rss_mb(bot.pid)
                # Writing 5 to clear_refs resets VmHWM to the current size (Linux ≥ 4.0).
                await asyncio.to_thread(Path(f"/proc/{bot.pid}/clear_refs").write_text, "5")
                idle = rss_mb(bot.pid, "VmRSS")
                await telegram.send_text(SEARCHER, "/find textile recycling")
                await telegram.wait_until(lambda: bool(telegram.sent(SEARCHER.id)), within=300)
                peak = rss_mb(bot.pid)
            finally:
                if bot.returncode is None:
                    bot.send_signal(signal.SIGTERM)
                    async with asyncio.timeout(30):
                        await bot.wait()
    report.add(
        Figure(
            f"clusterbot run peak RSS, find over {members:,} members",
            "MB",
            peak,
            idle,
            "resident just before the first find (no index)",
            target=250,
            note="" if scan_finished else "the start-up jobs were still running during the find",
        )
    )
    report.add(
        Figure(
            "clusterbot run peak RSS at start (start-up jobs)",
            "MB",
            startup,
            target=250,
            note="the full synergy scan runs nightly, not at start; the start-up jobs "
            + ("finished" if scan_finished else f"were still running after {settle_seconds:.0f} s"),
        )
    )
    return report
