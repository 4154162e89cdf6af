"""What every benchmark shares: figures beside their baselines, percentiles, throw-away databases.

A figure always carries its baseline from the same run, so that a busy machine slows both and the
ratio still says something; `better` tells which way the ratio reads.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import make_url

from store.db import Database
from store.migrate import upgrade

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
RESULTS_PATH = Path(__file__).parent / "results.json"


@dataclass(slots=True)
class Figure:
    """One measured quantity: ours, the baseline's, and whether ours meets the target."""

    name: str
    unit: str
    ours: float
    baseline: float | None = None
    baseline_name: str = ""
    better: Literal["lower", "higher"] = "lower"
    target: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times better ours is than the baseline (above 1: ours wins)."""
        if self.baseline is None or self.baseline == 0 or self.ours == 0:
            return None
        return self.baseline / self.ours if self.better == "lower" else self.ours / self.baseline

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.ours <= self.target if self.better == "lower" else self.ours >= self.target

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"ratio": self.ratio, "met": self.met}


@dataclass(slots=True)
class Growth:
    """How one cost grows with the size of the work: measured at several sizes, fitted as size**exponent.

    Issue 16 asks every benchmark to run at 0.1× and 3× its size beside 1×, so that a cost that grows
    faster than n log n shows up before a partnership's network reaches that size.
    """

    name: str
    unit: str
    sizes: list[float]
    values: list[float]

    @property
    def exponent(self) -> float | None:
        """Least-squares slope of log(value) against log(size): 1 is linear, ~1.1 is n log n here."""
        points = [(s, v) for s, v in zip(self.sizes, self.values, strict=True) if s > 0 and v > 0]
        if len(points) < 2:
            return None
        logs = np.log(np.asarray(points, dtype=np.float64))
        slope, _intercept = np.polyfit(logs[:, 0], logs[:, 1], 1)
        return float(slope)

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"exponent": self.exponent}


SCALES = (0.1, 1.0, 3.0)
"""The sizes, as multiples of a benchmark's own, that the growth table measures."""


@dataclass(slots=True)
class Report:
    benchmark: str
    figures: list[Figure] = field(default_factory=list)
    seconds: float = 0.0
    sizes: dict[str, object] = field(default_factory=dict)
    growth: list[Growth] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        print(f"  {describe(figure)}", flush=True)
        return figure

    def grows(self, growth: Growth) -> Growth:
        self.growth.append(growth)
        print(f"  {describe_growth(growth)}", flush=True)
        return growth


def describe_growth(growth: Growth) -> str:
    """One line: 'find p95 by members: 10,000 → 2.1 ms, 100,000 → 4.7 ms, …; exponent 0.35'."""
    pairs = zip(growth.sizes, growth.values, strict=True)
    points = ", ".join(f"{fmt(size)} → {fmt(value)} {growth.unit}" for size, value in pairs)
    exponent = growth.exponent
    return f"{growth.name}: {points}; exponent {'n/a' if exponent is None else f'{exponent:.2f}'}"


def describe(figure: Figure) -> str:
    """One line: 'find p95: 12.3 ms (LIKE 45.6 ms, 3.7x better) target ≤ 30 ms: met'."""
    line = f"{figure.name}: {fmt(figure.ours)} {figure.unit}"
    if figure.baseline is not None:
        ratio = figure.ratio
        times = f", {ratio:.2f}x" if ratio is not None else ""
        line += f" (baseline {figure.baseline_name}: {fmt(figure.baseline)} {figure.unit}{times})"
    if figure.target is not None:
        sign = "≤" if figure.better == "lower" else "≥"
        line += f"; target {sign} {fmt(figure.target)}: {'met' if figure.met else 'MISSED'}"
    return line + (f" — {figure.note}" if figure.note else "")


def fmt(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"


def percentile(samples: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples, dtype=np.float64), q)) if samples else 0.0


def ms(seconds: float) -> float:
    return seconds * 1000.0


class Stopwatch:
    """`with Stopwatch() as watch:` … `watch.seconds`."""

    def __enter__(self) -> Stopwatch:
        self.started, self.seconds = time.perf_counter(), 0.0
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self.started


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[tuple[Database, Path]]:
    """A migrated SQLite file in a temporary folder, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="clusterbot-bench-"))
    path = folder / "bench.db"
    db = Database(f"sqlite:///{path}")
    try:
        await upgrade(db)
        yield db, path
    finally:
        await db.close()
        shutil.rmtree(folder, ignore_errors=True)


@asynccontextmanager
async def postgres_database(admin_url: str) -> AsyncIterator[Database]:
    """A migrated throw-away PostgreSQL database of our own, dropped afterwards."""
    name = f"clusterbot_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    admin = Database(admin_url)
    try:
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        db = Database(url)
        try:
            await upgrade(db)
            yield db
        finally:
            await db.close()
    finally:
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.close()


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    cpu = "unknown"
    with Path("/proc/cpuinfo").open() as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with Path("/proc/meminfo").open() as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def write_results(reports: list[Report], path: Path = RESULTS_PATH) -> None:
    """Merge into the results file, so that running one benchmark keeps the others' figures."""
    previous: dict[str, object] = {}
    if path.exists():
        previous = json.loads(path.read_text()).get("benchmarks", {})
    previous.update(
        {
            r.benchmark: {
                **asdict(r),
                "figures": [f.as_dict() for f in r.figures],
                "growth": [g.as_dict() for g in r.growth],
            }
            for r in reports
        }
    )
    document = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "benchmarks": previous,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
