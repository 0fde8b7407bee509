"""`migrate-keys`: give cases written before their lists were keyed by status class their
new list keys and queue entries. Idempotent (a case already keyed so is left alone, no
write) and resumable (each page ends with a cursor to start the next run from)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portico import change, keys, store
from portico.cases import desk

Progress = Callable[[int, int, str | None], None]


@dataclass
class Migrated:
    seen: int = 0
    changed: int = 0
    cursor: str | None = None


def _old_entry(case: dict[str, Any]) -> dict[str, str] | None:
    """Where a case's queue entry was before: `QUEUE#<queue>` / `<created>#<id>`."""
    if not case.get("queue"):
        return None
    return {"pk": f"QUEUE#{case['queue']}", "sk": f"{case['created_at']}#{case['id']}"}


def migrate_case(case: dict[str, Any], *, request_id: str) -> bool:
    """Rekey one case; False if it needed nothing."""
    wanted = desk.list_keys(case)
    moved = {k: v for k, v in wanted.items() if case.get(k) != v}
    old = _old_entry(case)
    stale = store.get(old) if old else None
    new_key = desk.entry_key(case)
    current = store.get(new_key, consistent=True) if new_key else None
    if not moved and stale is None and (new_key is None or current is not None):
        return False
    c = change.system("case", str(case["id"]), desk.owner(case), request_id=request_id)
    if moved:
        c.update(keys.case(str(case["id"])), set_=moved, condition="attribute_exists(pk)")
    if stale is not None and old is not None:
        c.delete(old)
    if new_key is not None:
        c.put(desk.entry(case))
    c.audit("migrate-keys", {k: {"before": case.get(k), "after": v} for k, v in moved.items()})
    c.event("CaseKeysMigrated", {"case_id": case["id"], "number": case["number"]})
    c.commit()
    return True


def migrate_keys(*, start: str | None = None, pages: int | None = None,
                 request_id: str = "migrate-keys", progress: Progress | None = None
                 ) -> Migrated:
    out = Migrated(cursor=start)
    done = 0
    while pages is None or done < pages:
        items, out.cursor = store.scan_page(types=["Case"], cursor=out.cursor)
        for case in items:
            out.seen += 1
            if migrate_case(case, request_id=request_id):
                out.changed += 1
        done += 1
        if progress:
            progress(out.seen, out.changed, out.cursor)
        if out.cursor is None:
            break
    return out
