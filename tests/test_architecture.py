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


def query_classes() -> set[str]:
    """Classes of store/ built from a session: `Store` and every query class it hands out."""
    found = set()
    for path in modules("store"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                found |= {
                    node.name
                    for item in node.body
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__"
                    if any(arg.arg == "session" for arg in item.args.args)
                }
    return found


def reaches_past_the_store(source: str, where: str, classes: set[str]) -> list[str]:
    """Uses of a session's attribute (`store.session`, `x._session`) and constructions of query classes."""
    wrong = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ("session", "_session"):
            wrong.append(f"{where}:{node.lineno}: reaches .{node.attr} (use the Store's queries)")
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in classes:
                wrong.append(f"{where}:{node.lineno}: builds {name} (use store_transaction and store.…)")
    return wrong


@pytest.mark.parametrize("layer", [layer for layer in LAYERS if layer not in ("store", "core")])
def test_only_the_store_holds_sessions(layer: str) -> None:
    classes = query_classes()
    wrong = [
        offence
        for path in modules(layer)
        for offence in reaches_past_the_store(
            path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), classes
        )
    ]
    assert wrong == []


def test_the_store_check_sees_sessions_and_query_classes() -> None:
    classes = query_classes()
    assert {"Store", "Introductions", "Invitations", "Calendars", "Roles", "Follows", "Delivery"} <= classes
    sneaky = "async def go(ctx):\n    await Introductions(ctx.store.session).get(1)\n    Store(s)\n"
    assert sorted(reaches_past_the_store(sneaky, "handlers/probe.py", classes)) == [
        "handlers/probe.py:2: builds Introductions (use store_transaction and store.…)",
        "handlers/probe.py:2: reaches .session (use the Store's queries)",
        "handlers/probe.py:3: builds Store (use store_transaction and store.…)",
    ]
