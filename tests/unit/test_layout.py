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


# Writing is the unit of work's (portico.change): it checks access, expects versions and
# commits the change with its events and audit entry. Only these modules touch writes.
WRITERS = {"store.py", "change.py", "outbox.py"}
WRITE_CALLS = {("store", "put"), ("store", "update"), ("store", "delete"),
               ("store", "transact"), ("outbox", "commit")}
AWS_WRITES = {"put_item", "update_item", "delete_item", "transact_write_items",
              "batch_write_item"}
DOMAIN = ROOT / "layers" / "portico" / "portico"


def write_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        attr, owner = node.func.attr, node.func.value
        if isinstance(owner, ast.Name) and (owner.id, attr) in WRITE_CALLS:
            found.append(f"{owner.id}.{attr} (line {node.lineno})")
        elif attr in AWS_WRITES:
            found.append(f"{attr} (line {node.lineno})")
    return found


@pytest.mark.parametrize("module", sorted(p.relative_to(DOMAIN) for p in DOMAIN.rglob("*.py")
                                          if p.name not in WRITERS or p.parent != DOMAIN),
                         ids=str)
def test_domain_modules_write_only_through_the_unit_of_work(module: Path) -> None:
    assert write_calls(DOMAIN / module) == []


def test_the_write_check_sees_a_bare_write(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f(c, store):\n    store.put({})\n    c.put_item(Item={})\n")
    assert write_calls(bad) == ["store.put (line 2)", "put_item (line 3)"]
