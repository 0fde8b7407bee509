"""The resources people book: rooms, vehicles, technicians' visits.

Staff manage them (entity `resource` in the access table). Customers see and book the
ones whose `bookable_by` names one of their roles (and their account, where it lists
accounts); to everyone else a resource does not exist. Retiring a resource hides it and
stops new bookings; it is refused while bookings of it are still ahead.
"""

from __future__ import annotations

import uuid
from typing import Any

from portico import access, change, clock, keys, store
from portico.access import Owner, Privilege
from portico.bookings import models
from portico.errors import Conflict, NotFound
from portico.principal import Principal

R, C, U, D = Privilege.READ, Privilege.CREATE, Privilege.UPDATE, Privilege.DELETE
# Resources are the operator's, not a customer account's.
OWNER = Owner(account_id="")


def _staff(p: Principal, privilege: Privilege = R) -> bool:
    return access.allows(p, "resource", privilege, OWNER)


def may_book(p: Principal, resource: dict[str, Any]) -> bool:
    """The resource's own audience rule, for customers; staff reach every resource."""
    if _staff(p):
        return True
    if not access.scopes(p, "booking", Privilege.CREATE):
        return False
    rule = resource.get("bookable_by") or {}
    accounts = rule.get("accounts") or []
    return bool(p.roles & set(rule.get("roles") or ())) and (
        not accounts or p.account_id in accounts)


def load(resource_id: str) -> dict[str, Any]:
    item = store.get(keys.resource(resource_id), consistent=True)
    if item is None or item.get("retired"):
        raise NotFound("No such resource.")
    return item


def visible(p: Principal, resource_id: str) -> dict[str, Any]:
    resource = load(resource_id)
    if not may_book(p, resource):
        raise NotFound("No such resource.")
    return resource


def out(item: dict[str, Any]) -> models.Resource:
    return models.Resource.model_validate(
        {k: item.get(k) for k in models.Resource.model_fields})


def get(p: Principal, resource_id: str) -> models.Resource:
    return out(visible(p, resource_id))


def list_for(p: Principal, category: str | None) -> models.ResourceList:
    if category:
        items = store.query_all(keys.resources_of_category(category)["gsi1pk"], index="gsi1")
    else:
        items = store.query_all(keys.all_resources()["gsi2pk"], index="gsi2")
    return models.ResourceList(items=[out(i) for i in items
                                      if not i.get("retired") and may_book(p, i)])


def _fields(new: models.ResourceIn) -> dict[str, Any]:
    return new.model_dump(exclude={"version"})


def _indexes(resource_id: str, fields: dict[str, Any]) -> dict[str, str]:
    return {**keys.resources_of_category(fields["category"], fields["name"], resource_id),
            **keys.all_resources(fields["category"], fields["name"], resource_id)}


def create(p: Principal, new: models.ResourceIn) -> models.Resource:
    if not _staff(p):
        raise access.forbidden("resource")
    resource_id = uuid.uuid4().hex
    c = change.by(p, "resource", resource_id, OWNER, C)
    now = clock.stamp()
    fields = _fields(new)
    item = {**keys.resource(resource_id), **_indexes(resource_id, fields),
            "type": "Resource", "id": resource_id, **fields, "version": 1,
            "created_at": now, "updated_at": now}
    c.create(item)
    c.event("ResourceCreated", {"resource_id": resource_id, "name": new.name,
                                "category": new.category})
    c.audit("create", {k: {"after": v} for k, v in fields.items()})
    c.commit()
    return out(item)


def _ahead(resource_id: str) -> bool:
    """Whether a pending or confirmed booking starts from now on (within the horizon, so
    a bounded read)."""
    return any(b["status"] in ("pending", "confirmed")
               for b in store.query_all(keys.resource_bookings(resource_id),
                                        sk_between=(clock.stamp(), "~")))


# Claimed units are keyed on the slot grid in the resource's zone: with bookings ahead, a
# new grid would no longer meet their units, and an overlap would go unseen.
GRID = ("slot_minutes", "time_zone")


def update(p: Principal, resource_id: str, new: models.ResourceUpdate) -> models.Resource:
    if not _staff(p):
        raise access.forbidden("resource")
    current = load(resource_id)
    c = change.by(p, "resource", resource_id, OWNER, U)
    fields = _fields(new)
    regrid = [k for k in GRID if current.get(k) != fields[k]]
    if regrid and _ahead(resource_id):
        raise Conflict("The slot grid cannot change while bookings are ahead.",
                       details={"fields": regrid})
    changed = {k: {"before": current.get(k), "after": v} for k, v in fields.items()
               if current.get(k) != v}
    now = clock.stamp()
    c.update(keys.resource(resource_id), version=new.version,
             set_={**fields, **_indexes(resource_id, fields), "updated_at": now},
             condition="attribute_not_exists(#retired)")
    c.event("ResourceUpdated", {"resource_id": resource_id, "fields": sorted(changed)})
    c.audit("update", changed)
    c.commit()
    return out({**current, **fields, "updated_at": now, "version": new.version + 1})


def retire(p: Principal, resource_id: str) -> None:
    if not _staff(p):
        raise access.forbidden("resource")
    current = load(resource_id)
    c = change.by(p, "resource", resource_id, OWNER, D)
    if _ahead(resource_id):
        raise Conflict("The resource has bookings ahead; cancel them first.",
                       details={"upcoming": True})
    c.update(keys.resource(resource_id), version=int(current["version"]),
             set_={"retired": True, "updated_at": clock.stamp()},
             remove=["gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"])
    c.event("ResourceRetired", {"resource_id": resource_id})
    c.audit("retire", {"retired": {"before": False, "after": True}})
    c.commit()
