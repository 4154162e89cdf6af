"""5. Peak memory (VmHWM) of `clusterbot run` with a large directory, once the index is built.

The bot runs as a subprocess (`python -m bot run`) polling a fake Telegram in this process. At
start the scheduler runs its periodic jobs once (the full synergy scan waits for the night) and the
directory index is built in the background. Once the jobs are done, a `find` is sent until its
answer no longer says the directory is starting up: the process's peak since start is the figure,
beside its resident size then. The growth table repeats it at 0.1× and 0.3× the members: at 3×,
generating the members and starting the bot on them takes minutes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

from benchmarks import population
from benchmarks.common import Figure, Growth, Report, sqlite_database
from tests.fakes.telegram_api import TOKEN, FakeTelegram, User

REPO = Path(__file__).resolve().parent.parent
SEARCHER = User(42, "Searcher")
WARMING = "still starting up"


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


async def _wait_for_index(telegram: FakeTelegram, within: float) -> None:
    """Send `find` until the answer is the full search's (the index is built)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        answered = len(telegram.sent(SEARCHER.id))
        await telegram.send_text(SEARCHER, "/find textile recycling")
        async with asyncio.timeout(within):
            answers = await telegram.wait_for_messages(SEARCHER.id, answered + 1)
        if WARMING not in answers[-1].text:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"the directory index was not built within {within:.0f} s")
        await asyncio.sleep(1.0)


async def run(
    members: int = 100_000, settle_seconds: float = 150, scales: tuple[float, ...] = (0.1, 0.3)
) -> Report:
    report = Report("memory", sizes={"members": members})
    peak, resident, scan_finished = await measure(members, settle_seconds)
    report.add(
        Figure(
            f"clusterbot run peak RSS, {members:,} members, index built",
            "MB",
            peak,
            resident,
            "resident once built",
            target=250,
            note="since start: start-up jobs and the background index build"
            + ("" if scan_finished else "; the start-up jobs were still running"),
        )
    )
    sizes, peaks = [float(members)], [peak]
    for scale in scales:
        size = round(members * scale)
        print(f"  at {scale:g}×: {size:,} members", flush=True)
        sizes.append(float(size))
        peaks.append((await measure(size, settle_seconds))[0])
    if len(sizes) > 1:
        order = sorted(range(len(sizes)), key=sizes.__getitem__)
        shown = "/".join(f"{size / members:g}×" for size in sorted(sizes))
        if max(sizes) <= members:
            # Generating 3× the members and starting the bot on them takes minutes, not seconds.
            shown += ", not 3×: too slow to generate"
        report.grows(
            Growth(
                f"peak RSS by members ({shown})", "MB", [sizes[i] for i in order], [peaks[i] for i in order]
            )
        )
    return report


async def measure(members: int, settle_seconds: float) -> tuple[float, float, bool]:
    """Peak and resident MB of `clusterbot run` over `members` once its index is built, and whether
    the start-up jobs finished in time."""
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
                await _wait_for_index(telegram, within=300)
                peak, resident = rss_mb(bot.pid), rss_mb(bot.pid, "VmRSS")
            finally:
                if bot.returncode is None:
                    bot.send_signal(signal.SIGTERM)
                    async with asyncio.timeout(30):
                        await bot.wait()
    return peak, resident, scan_finished
