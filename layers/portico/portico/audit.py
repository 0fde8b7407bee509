"""The audit trail: who changed what, when, and from which request.

Entries are written in the same transaction as the change they describe, queryable by
record and by account, and no route writes or edits them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
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


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
            fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The fields that differ, each as {"before", "after"}."""
    b, a = before or {}, after or {}
    return {f: {"before": b.get(f), "after": a.get(f)} for f in fields if b.get(f) != a.get(f)}


def entry(*, entity: str, entity_id: str, account_id: str | None, action: str,
          changed: dict[str, dict[str, Any]], actor_contact_id: str | None,
          actor_account_id: str | None, request_id: str) -> store.TransactItem:
    at = now()
    entry_id = uuid.uuid4().hex
    sort = f"{at}#{entry_id}"
    item: dict[str, Any] = {
        **keys.audit(entity, entity_id, sort),
        "type": "Audit", "id": entry_id, "at": at, "entity": entity, "entity_id": entity_id,
        "account_id": account_id, "action": action, "changes": changed,
        "actor": {"contact_id": actor_contact_id, "account_id": actor_account_id},
        "request_id": request_id,
    }
    if account_id:
        item.update(keys.audit_by_account(account_id, sort))
    return store.put(item, condition="attribute_not_exists(pk)")


def by(principal: Principal, *, entity: str, entity_id: str, account_id: str | None,
       action: str, changed: dict[str, dict[str, Any]]) -> store.TransactItem:
    return entry(entity=entity, entity_id=entity_id, account_id=account_id, action=action,
                 changed=changed, actor_contact_id=principal.contact_id,
                 actor_account_id=principal.account_id, request_id=principal.request_id)


def _out(item: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry.model_validate({k: item.get(k) for k in AuditEntry.model_fields})


def for_account(principal: Principal, account_id: str, *, cursor: str | None,
                limit: int) -> tuple[list[AuditEntry], str | None]:
    access.require_list(principal, "audit", account_id)
    items, nxt = store.query_page(f"AUDITACCOUNT#{account_id}", index="gsi1", limit=limit,
                                  cursor=cursor, newest_first=True)
    return [_out(i) for i in items], nxt


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
    return [_out(i) for i in visible], nxt
