"""Handlers stay thin: they reach storage and AWS only through the domain, which applies
the access table."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The publisher reads the table's stream for the outbox, below the access layer by design.
BELOW_ACCESS = {"publisher"}
HANDLERS = sorted(p for p in (ROOT / "functions").glob("*/app.py")
                  if p.parent.name not in BELOW_ACCESS)
# Storage and AWS without a principal: only the domain may use them.
FORBIDDEN = {"boto3", "botocore.client", "portico.store", "portico.aws"}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda p: p.parent.name)
def test_handlers_do_not_touch_storage_directly(handler: Path) -> None:
    assert not imported(handler) & FORBIDDEN


def test_the_domain_never_imports_a_handler() -> None:
    for path in (ROOT / "layers" / "portico" / "portico").rglob("*.py"):
        assert not any(n.startswith("functions") for n in imported(path)), path
