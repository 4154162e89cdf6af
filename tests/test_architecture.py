"""Imports go one way only: bot → scheduler → handlers → store → core.

A module may import from its own package and from any package to its right, never to its left, so
the store never learns about commands and core never learns about anything. The neutral layers
(handlers, store, core) never import a platform library either. Imports inside functions count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["bot", "scheduler", "handlers", "store", "core"]
NEUTRAL = {"handlers", "store", "core"}
# Alembic's entry script: executed by the `alembic` command from a checkout, never imported; it reads
# the operator's settings like every other entry point does.
ENTRY_SCRIPTS = {Path("store/migrations/env.py")}


def imported(source: str) -> list[tuple[int, str]]:
    """(line, module) for every absolute import in the source, at any depth."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def offences(layer: str, source: str, where: str) -> list[str]:
    wrong = []
    for line, module in imported(source):
        top = module.split(".")[0]
        if top in LAYERS and LAYERS.index(top) < LAYERS.index(layer):
            wrong.append(f"{where}:{line}: {layer} may not import {module} (upward)")
        if layer in NEUTRAL and (top == "telegram" or top.startswith("slack")):
            wrong.append(f"{where}:{line}: {layer} may not import the platform library {module}")
    return wrong


def modules(layer: str) -> list[Path]:
    return [p for p in sorted((ROOT / layer).rglob("*.py")) if p.relative_to(ROOT) not in ENTRY_SCRIPTS]


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_only_go_down(layer: str) -> None:
    assert modules(layer), f"no modules found under {layer}/"
    wrong = [
        offence
        for path in modules(layer)
        for offence in offences(layer, path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert wrong == []


def test_the_check_sees_imports_inside_functions() -> None:
    sneaky = (
        "from core.types import Reply\n\n"
        "def later():\n    from handlers.engine.router import Router\n    import telegram\n"
    )
    assert offences("store", sneaky, "store/probe.py") == [
        "store/probe.py:4: store may not import handlers.engine.router (upward)",
        "store/probe.py:5: store may not import the platform library telegram",
    ]
