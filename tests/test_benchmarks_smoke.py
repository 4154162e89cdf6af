"""Every benchmark runs end to end at a tiny size, so CI proves `python -m benchmarks` still works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.__main__ import NAMES, main

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)


def test_every_benchmark_runs_at_a_tiny_size_and_writes_its_figures(tmp_path: Path) -> None:
    results = tmp_path / "results.json"

    assert main(["--tiny", "--postgres", "", "--results", str(results)]) == 0

    written = json.loads(results.read_text())["benchmarks"]
    assert sorted(written) == sorted(NAMES)
    for name in NAMES:
        figures = written[name]["figures"]
        assert figures, name
        assert all(isinstance(f["ours"], int | float) for f in figures)
