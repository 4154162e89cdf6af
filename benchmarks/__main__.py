"""`python -m benchmarks [NAME …] [--tiny] [--postgres URL]`: run benchmarks, print and save the figures.

Run from the root of a checkout: the benchmarks drive the fakes in tests/ and are not installed
with the package. `--tiny` runs every benchmark at a size that only proves it works
(the smoke test uses it); the figures of a tiny run say nothing about the quality bars.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from typing import Any

from benchmarks import broadcast, memory, schedule, search, synergy, throughput
from benchmarks.common import (
    DEFAULT_POSTGRES_URL,
    RESULTS_PATH,
    Report,
    Stopwatch,
    describe,
    describe_growth,
    write_results,
)

NAMES = ("search", "synergy", "broadcast", "throughput", "memory", "schedule")
TINY: dict[str, dict[str, Any]] = {
    "search": {"members": 600, "labelled": 10, "rapidfuzz_queries": 2, "scales": ()},
    "synergy": {"members": 400, "opportunities": 100, "sample": 1},
    "broadcast": {"recipients": 60, "slack_recipients": 40, "shared_recipients": 40},
    "throughput": {"members": 300, "users": 4, "commands": 40, "updates": 20},
    "memory": {"members": 500, "settle_seconds": 30, "scales": ()},
    "schedule": {"participants": 20, "slots": 4, "tables": 4, "wishes": 60, "spare_tables": 8, "scales": ()},
}


async def _run_one(name: str, sizes: dict[str, Any], postgres_url: str) -> Report:
    if name == "search":
        return await search.run(**sizes)
    if name == "synergy":
        return synergy.run(**sizes)
    if name == "broadcast":
        return await broadcast.run(**sizes, postgres_url=postgres_url)
    if name == "throughput":
        return await throughput.run(**sizes, postgres_url=postgres_url)
    if name == "schedule":
        return schedule.run(**sizes)
    return await memory.run(**sizes)


async def run(names: list[str], *, tiny: bool, postgres_url: str, results: Path | None) -> list[Report]:
    reports = []
    for name in names:
        print(f"{name}:", flush=True)
        with Stopwatch() as watch:
            report = await _run_one(name, TINY[name] if tiny else {}, postgres_url)
        report.seconds = round(watch.seconds, 1)
        reports.append(report)
        if results is not None:
            write_results([report], results)
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="ClusterBot benchmarks")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"some of {', '.join(NAMES)} (default: all)")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes: proves the benchmarks run")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CLUSTERBOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="server for the PostgreSQL run (a throw-away database is created); '' to skip",
    )
    parser.add_argument("--results", type=Path, default=RESULTS_PATH, help="where to write the figures")
    parser.add_argument("--no-results", action="store_true", help="do not write a results file")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(NAMES))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    names = [name for name in NAMES if name in args.names] if args.names else list(NAMES)
    # Tiny figures say nothing about the quality bars: they never replace the real ones.
    results = None if args.no_results or (args.tiny and args.results == RESULTS_PATH) else args.results
    reports = asyncio.run(run(names, tiny=args.tiny, postgres_url=args.postgres, results=results))
    print("\nsummary:")
    for report in reports:
        for figure in report.figures:
            print(f"  [{report.benchmark}] {describe(figure)}")
    print("\ngrowth (0.1×, 1×, 3× each benchmark's size):")
    for report in reports:
        for growth in report.growth:
            print(f"  [{report.benchmark}] {describe_growth(growth)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
