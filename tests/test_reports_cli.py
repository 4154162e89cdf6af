"""`report` in the demo console and `clusterbot report --out` for scripts, as processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import DemoRun
from tests.test_cli import run


def test_the_demo_reports_and_saves_its_charts_in_the_current_folder(demo_run: DemoRun) -> None:
    assert demo_run.returncode == 0, demo_run.stderr
    assert "📊 Report: the whole partnership" in demo_run.stdout
    assert "Members: " in demo_run.stdout and "Opportunities: " in demo_run.stdout
    assert f"🖼 {demo_run.folder / 'report-members.png'}" in demo_run.stdout
    assert (demo_run.folder / "report-members.png").read_bytes().startswith(b"\x89PNG")


def test_clusterbot_report_writes_summary_charts_csv_and_workbook(tmp_path: Path, demo_run: DemoRun) -> None:
    database = demo_run.database_copy(tmp_path / "clusterbot-demo.db")
    done = run(["report", "region:catalonia", "--out", "out", "--lang", "ca", "--db", database], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "📊 Informe: region Catalonia" in done.stdout and "Membres: " in done.stdout
    written = {path.name for path in (tmp_path / "out").iterdir()}
    assert {"report.txt", "report.xlsx", "summary.csv", "connections.csv", "cluster_matrix.csv"} <= written
    assert "report-members.png" in written
    assert (tmp_path / "out" / "report.txt").read_text(encoding="utf-8").strip() in done.stdout

    unknown = run(["report", "cluster:Atlantis", "--db", database], tmp_path)
    assert unknown.returncode == 2 and "no cluster is called 'Atlantis'" in unknown.stderr
    bad_period = run(["report", "2026Q9", "--db", database], tmp_path)
    assert bad_period.returncode == 2 and "I can't read the period" in bad_period.stderr


def test_matplotlib_is_not_imported_when_the_bot_starts() -> None:
    check = "import sys, bot.cli, bot.runner, handlers.engine.commands; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
