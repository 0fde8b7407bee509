"""The one unit of work: every write of the portal is a Change.

A change names who makes it (a principal, or the system on behalf of a workflow, an
integration or an invitation's token), the record it is about and that record's owner. Made
for a principal, it asks the access table first. It then collects the writes (new records,
updates with the version they expect, the projections kept beside them), the domain events
and the audit entry, and commits them in one TransactWriteItems: the change, its events and
its trail happen together or not at all.

A failed condition is explained by the write it belongs to: a versioned record that moved
on is a 409 carrying its current version, one that is gone a 404, and a write may name its
own error (a duplicate, the last manager). Throttling is a 503 with Retry-After.

Area modules write only through this module (tests/unit/test_layout.py keeps it so).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from portico import access, clock, keys, outbox, store
from portico.access import Owner, Privilege
from portico.errors import Conflict, Invalid, NotFound, PorticoError
from portico.events import SYSTEM, Actor, Event, Relayed
from portico.principal import Principal


def actor_of(p: Principal) -> Actor:
    """The principal as events name them."""
    return Actor(type="contact", id=p.contact_id)


@dataclass
class _Write:
    op: store.TransactItem
    key: Mapping[str, str] | None = None
    versioned: bool = False
    conflict: PorticoError | None = None


@dataclass
class Change:
    entity: str
    entity_id: str
    owner: Owner
    principal: Principal | None
    actor: Actor
    request_id: str
    _writes: list[_Write] = field(default_factory=list)
    _events: list[Event | Relayed] = field(default_factory=list)
    _audited: bool = False

    # -- what is written --------------------------------------------------------------
    def create(self, item: Mapping[str, Any], *,
               conflict: PorticoError | None = None) -> None:
        """A new item; it must not exist yet."""
        self._writes.append(_Write(
            store.put(_present(item), condition="attribute_not_exists(pk)"),
            conflict=conflict or Conflict(f"This {self.entity} already exists.")))

    def put(self, item: Mapping[str, Any]) -> None:
        """An item written whole, whatever was there (a projection kept beside a record)."""
        self._writes.append(_Write(store.put(_present(item))))

    def update(self, key: Mapping[str, str], *, version: int | None = None,
               set_: Mapping[Any, Any] | None = None,
               add: Mapping[str, int | set[str]] | None = None,
               remove: Sequence[str] = (), discard: Mapping[str, set[str]] | None = None,
               condition: str | None = None,
               values: Mapping[str, Any] | None = None, names: Mapping[str, str] | None = None,
               conflict: PorticoError | None = None) -> None:
        """Change an item. With `version`, only if it still has that version; it then gets
        the next one. `None` in `set_` removes the attribute: nothing stores a null."""
        sets = {k: v for k, v in (set_ or {}).items() if v is not None}
        removes = [*remove, *(k for k, v in (set_ or {}).items()
                              if v is None and isinstance(k, str))]
        vals = dict(values or {})
        if version is not None:
            sets["version"] = version + 1
            vals[":expected_version"] = version
            guard = "#version = :expected_version"
            condition = f"{guard} AND ({condition})" if condition else guard
        self._writes.append(_Write(
            store.update(key, set_=sets, add=add, remove=removes, discard=discard,
                         condition=condition,
                         values=vals or None, names=names),
            key=key, versioned=version is not None, conflict=conflict))

    def delete(self, key: Mapping[str, str], *, condition: str | None = None,
               values: Mapping[str, Any] | None = None,
               conflict: PorticoError | None = None) -> None:
        self._writes.append(_Write(store.delete(key, condition=condition, values=values),
                                   conflict=conflict))

    # -- what it means ----------------------------------------------------------------
    def event(self, type_: str, data: Mapping[str, Any], *,
              account_id: str | None = None) -> Event:
        e = Event(type=type_, actor=self.actor,
                  account_id=account_id if account_id is not None else self.owner.account_id,
                  data=dict(data))
        self._events.append(e)
        return e

    def relay(self, source: str, type_: str, detail: Mapping[str, Any]) -> Relayed:
        """A back-office system's event, put on the bus under its own source."""
        e = Relayed(source=source, type=type_, detail=dict(detail))
        self._events.append(e)
        return e

    def audit(self, action: str, changed: Mapping[str, Mapping[str, Any]], *,
              entity: str | None = None, entity_id: str | None = None) -> None:
        """The trail: who, in which account, from which request, each changed field's
        before and after."""
        at = clock.stamp()
        entry_id = uuid.uuid4().hex
        sort = f"{at}#{entry_id}"
        entity, entity_id = entity or self.entity, entity_id or self.entity_id
        account_id = self.owner.account_id or None
        p = self.principal
        item: dict[str, Any] = {
            **keys.audit(entity, entity_id, sort),
            "type": "Audit", "id": entry_id, "at": at, "entity": entity,
            "entity_id": entity_id, "account_id": account_id, "action": action,
            "changes": {k: dict(v) for k, v in changed.items()},
            "actor": {"contact_id": p.contact_id if p else self.actor.id,
                      "account_id": p.account_id if p else None},
            "request_id": self.request_id,
        }
        if account_id:
            item.update(keys.audit_by_account(account_id, sort))
        self._writes.append(_Write(store.put(item, condition="attribute_not_exists(pk)")))
        self._audited = True

    # -- all of it, or none -----------------------------------------------------------
    def commit(self) -> None:
        if not self._events or not self._audited:
            raise ValueError("a change records at least one event and its audit entry")
        try:
            outbox.commit([w.op for w in self._writes], self._events)
        except store.Cancelled as e:
            raise self._explain(e) from None

    def _explain(self, e: store.Cancelled) -> PorticoError:
        failed = e.failed_condition
        if failed is None:
            if "ValidationError" in e.codes:
                return Invalid("The change cannot be stored as it is.")
            raise e
        write = self._writes[failed] if failed < len(self._writes) else None
        if write is None:  # an outbox item: event ids are fresh, so this is a race; retry
            return Conflict("Another change to the same record is in progress; retry.")
        if write.versioned and write.key is not None:
            current = store.get(write.key, consistent=True)
            if current is None:
                return NotFound(f"No such {self.entity}.")
            return Conflict(f"The {self.entity} was changed meanwhile; reload it.",
                            details={"current_version": int(current.get("version", 0))})
        return write.conflict or Conflict(f"The {self.entity} was changed meanwhile; "
                                          "reload it and try again.")


def _present(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item without null attributes: absent is how the table says 'none'."""
    return {k: v for k, v in item.items() if v is not None}


def by(p: Principal, entity: str, entity_id: str, owner: Owner,
       privilege: Privilege) -> Change:
    """A change the principal makes, if the access table lets them (404 when they may not
    see the record, 403 when they may see it but not do this)."""
    access.require(p, entity, privilege, owner)
    return Change(entity=entity, entity_id=entity_id, owner=owner, principal=p,
                  actor=actor_of(p), request_id=p.request_id)


def system(entity: str, entity_id: str, owner: Owner, *, request_id: str,
           actor: Actor = SYSTEM) -> Change:
    """A change no signed-in principal makes: a workflow, an integration, an operator
    command, or an invitee whose token is the credential. The caller has checked the
    right to make it."""
    return Change(entity=entity, entity_id=entity_id, owner=owner, principal=None,
                  actor=actor, request_id=request_id)
