"""The audit trail: who changed what, when, and from which request.

Entries are written by the unit of work (portico.change) in the same transaction as the
change they describe, queryable by record and by account; no route writes or edits them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from portico import access, keys, store
from portico.access import Owner, Privilege
from portico.errors import BadRequest
from portico.principal import Principal


class Actor(BaseModel):
    contact_id: str | None
    account_id: str | None


class AuditEntry(BaseModel):
    id: str
    at: str
    entity: str
    entity_id: str
    account_id: str | None
    action: str
    actor: Actor
    changes: dict[str, dict[str, Any]]
    request_id: str


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
            fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The fields that differ, each as {"before", "after"}."""
    b, a = before or {}, after or {}
    return {f: {"before": b.get(f), "after": a.get(f)} for f in fields if b.get(f) != a.get(f)}


def _out(principal: Principal, item: Mapping[str, Any]) -> AuditEntry:
    entry = {k: item.get(k) for k in AuditEntry.model_fields}
    entity, entity_id = str(item.get("entity", "")), str(item.get("entity_id", ""))
    # A change to a record the reader may not read in full shows only what they may read.
    owner = Owner(str(item.get("account_id") or ""), entity_id if entity == "contact" else None)
    fields = access.readable_fields(principal, entity, owner)
    if fields is not None:
        entry["changes"] = {k: v for k, v in (entry["changes"] or {}).items() if k in fields}
    return AuditEntry.model_validate(entry)


def for_account(principal: Principal, account_id: str, *, cursor: str | None,
                limit: int) -> tuple[list[AuditEntry], str | None]:
    access.require_list(principal, "audit", account_id)
    items, nxt = store.query_page(f"AUDITACCOUNT#{account_id}", index="gsi1", limit=limit,
                                  cursor=cursor, newest_first=True)
    return [_out(principal, i) for i in items], nxt


def for_record(principal: Principal, entity: str, entity_id: str, *, cursor: str | None,
               limit: int) -> tuple[list[AuditEntry], str | None]:
    if not access.scopes(principal, "audit"):
        raise access.forbidden("audit")
    if not entity or not entity_id:
        raise BadRequest("Give both entity and id, or an account.")
    items, nxt = store.query_page(keys.audit(entity, entity_id, "")["pk"], limit=limit,
                                  cursor=cursor, newest_first=True)
    # A record's trail may span accounts; show only the entries the caller may read.
    visible = [i for i in items if access.allows(
        principal, "audit", Privilege.READ, Owner(str(i.get("account_id") or "")))]
    return [_out(principal, i) for i in visible], nxt
