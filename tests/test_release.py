"""One version, from pyproject.toml: what `clusterbot --version` shows and what CHANGELOG.md releases."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from tests.test_cli import run

ROOT = Path(__file__).resolve().parent.parent


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_version_shown_is_the_one_in_pyproject(tmp_path: Path) -> None:
    # A stale install (pyproject bumped, package not reinstalled) fails here rather than in production.
    assert version("clusterbot") == project_version()
    result = run(["--version"], tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"clusterbot {project_version()}"


def test_changelog_has_an_unreleased_section_and_the_current_release() -> None:
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert headings[1] == project_version(), "the newest release in CHANGELOG.md is pyproject's version"
