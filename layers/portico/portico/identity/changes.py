"""Review of an account's sensitive fields (billing and shipping address, VAT id, invoice
e-mail): a customer asks, staff approve or reject, and only an approval changes the account.

A request keeps what was asked, the values it replaces and the account's `version` when it
was made. Approval applies the change in the same transaction as the request's decision, and
only if the account is still at that version: a reviewer never approves a change against
values they have not seen. While a request is pending, the account item lists its fields
(`pending_change_fields`), so a second request touching one of them is refused even when
two are sent at once.
"""

from __future__ import annotations

import uuid
from typing import Any

from portico import access, audit, change, clock, keys, limits, store
from portico.access import Owner, Privilege
from portico.errors import Conflict, Invalid, NotFound
from portico.identity import models
from portico.principal import Principal

PENDING = "pending_change_fields"
STALE = "The account changed since this request; review it again."
DECIDED = "This change request has already been decided."
ACTIONS = {"approved": "approve", "rejected": "reject"}
# Enough for an account's people to correct a typo or two; not a way to flood reviewers.
PER_ACCOUNT_HOUR = limits.Limit("change-request-account", 20, 3600,
                                "change requests from this account")


def _value(v: Any) -> Any:
    """A field's value as stored: an address without its empty lines."""
    return v.model_dump(exclude_none=True) if isinstance(v, models.Address) else v


def _out(item: dict[str, Any]) -> models.ChangeRequest:
    return models.ChangeRequest.model_validate(
        {k: item.get(k) for k in models.ChangeRequest.model_fields})


def _item(request_id: str) -> dict[str, Any]:
    item = store.get(keys.change_request(request_id), consistent=True)
    if item is None:
        raise NotFound("No such change request.")
    return item


def _owner(item: dict[str, Any]) -> Owner:
    return Owner(str(item["account_id"]), str(item["requested_by"]["contact_id"]))


def _account(account_id: str) -> dict[str, Any]:
    account = store.get(keys.account(account_id), consistent=True)
    if account is None:
        raise NotFound("No such account.")
    return account


# -- asking --------------------------------------------------------------------------------
def request(p: Principal, body: models.NewChangeRequest) -> models.ChangeRequest:
    """A pending request for the account the caller acts in."""
    request_id = uuid.uuid4().hex
    account_id = p.account_id
    c = change.by(p, "change_request", request_id, Owner(account_id, p.contact_id),
                  Privilege.CREATE)
    account = _account(account_id)
    wanted = {f: _value(getattr(body, f)) for f in models.CHANGE_FIELDS
              if getattr(body, f) is not None}
    same = sorted(f for f, v in wanted.items() if account.get(f) == v)
    if same:
        raise Invalid(f"No change: {', '.join(same)} already has this value.",
                      details={"unchanged": same})
    busy = sorted(set(account.get(PENDING) or ()) & set(wanted))
    if busy:
        raise _busy(busy)
    limits.take(PER_ACCOUNT_HOUR, account_id)
    fields = sorted(wanted)
    now = clock.stamp()
    changes = {f: {"after": v, **({"before": account[f]} if f in account else {})}
               for f, v in wanted.items()}
    c.create({
        **keys.change_request(request_id),
        **keys.change_requests_by_status("pending", now, request_id),
        **keys.change_requests_of_account(account_id, now, request_id),
        "type": "ChangeRequest", "id": request_id, "account_id": account_id,
        "account_number": account.get("number"), "account_name": account.get("name"),
        "status": "pending", "fields": fields, "changes": changes, "note": body.note or None,
        "requested_by": {"contact_id": p.contact_id, "name": p.name, "email": p.email},
        "account_version": int(account.get("version", 0)), "created_at": now,
    })
    # The account names the fields under review; the condition holds against a request
    # sent at the same moment as this one.
    free = " AND ".join(f"NOT contains(#{PENDING}, :f{i})" for i in range(len(fields)))
    c.update(keys.account(account_id), add={PENDING: set(fields)},
             condition=f"attribute_exists(pk) AND (attribute_not_exists(#{PENDING}) OR "
                       f"({free}))",
             values={f":f{i}": f for i, f in enumerate(fields)}, conflict=_busy(fields))
    c.audit("create", {"status": {"before": None, "after": "pending"},
                       **{f: {"before": account.get(f), "after": v}
                          for f, v in wanted.items()}})
    c.event("ChangeRequested", {"request_id": request_id, "contact_id": p.contact_id,
                                "fields": fields})
    c.commit()
    return _out(_item(request_id))


def _busy(fields: list[str]) -> Conflict:
    return Conflict(f"A pending change request already changes {', '.join(fields)}; wait "
                    "for its review.", details={"pending": fields})


# -- reading -------------------------------------------------------------------------------
def list_for_account(p: Principal, *, status: str | None, cursor: str | None,
                     limit: int) -> models.ChangeRequestPage:
    """The acting account's requests, newest first."""
    access.require_list(p, "change_request", p.account_id)
    items, nxt = store.query_page(
        keys.change_requests_of_account(p.account_id)["gsi2pk"], index="gsi2",
        newest_first=True, limit=limit, cursor=cursor,
        where="#status = :status" if status else None,
        where_names={"#status": "status"} if status else None,
        where_values={":status": status} if status else None)
    return models.ChangeRequestPage(items=[_out(i) for i in items], next_cursor=nxt)


def list_by_status(p: Principal, *, status: str, cursor: str | None,
                   limit: int) -> models.ChangeRequestPage:
    """Every account's requests in one status, newest first: the staff's review list."""
    access.require_all(p, "change_request")
    items, nxt = store.query_page(keys.change_requests_by_status(status)["gsi1pk"],
                                  index="gsi1", newest_first=True, limit=limit, cursor=cursor)
    return models.ChangeRequestPage(items=[_out(i) for i in items], next_cursor=nxt)


# -- reviewing -----------------------------------------------------------------------------
def _decide(c: change.Change, p: Principal, item: dict[str, Any], decision: str,
            reason: str | None) -> str:
    """The request's decision within change `c`; the time it was made."""
    now = clock.stamp()
    request_id = str(item["id"])
    c.update(keys.change_request(request_id), set_={
        "status": decision,
        **keys.change_requests_by_status(decision, str(item["created_at"]), request_id),
        "reviewed_by": {"contact_id": p.contact_id, "name": p.name},
        "reviewed_at": now, "reason": reason or None,
    }, condition="#status = :pending", values={":pending": "pending"},
        conflict=Conflict(DECIDED))
    c.audit(ACTIONS[decision], {"status": {"before": "pending", "after": decision}})
    c.event("ChangeReviewed", {
        "request_id": request_id, "requester_id": item["requested_by"]["contact_id"],
        "decision": decision, "reason": reason or "", "fields": list(item["fields"])})
    return now


def _reviewable(p: Principal, request_id: str) -> tuple[change.Change, dict[str, Any]]:
    item = _item(request_id)
    c = change.by(p, "change_request", request_id, _owner(item), Privilege.UPDATE)
    if item["status"] != "pending":
        raise Conflict(DECIDED, details={"status": item["status"]})
    return c, item


def approve(p: Principal, request_id: str, note: str | None) -> models.ChangeRequest:
    c, item = _reviewable(p, request_id)
    account_id = str(item["account_id"])
    account = _account(account_id)
    version = int(item["account_version"])
    if int(account.get("version", 0)) != version:
        raise Conflict(STALE, details={"account_version": int(account.get("version", 0)),
                                       "request_version": version})
    fields = list(item["fields"])
    after = {f: item["changes"][f]["after"] for f in fields}
    _decide(c, p, item, "approved", note)
    # Only at the version the reviewer saw: a change meanwhile fails the whole transaction.
    guard = "#version = :v" if version else "(attribute_not_exists(#version) OR #version = :v)"
    c.update(keys.account(account_id), set_={**after, "version": version + 1},
             discard={PENDING: set(fields)}, condition=f"attribute_exists(pk) AND {guard}",
             values={":v": version}, conflict=Conflict(STALE))
    changed = audit.changes(account, after, tuple(fields))
    c.audit("update", changed, entity="account", entity_id=account_id)
    c.event("AccountChanged", {"number": account.get("number"), "changes": changed})
    c.commit()
    return _out(_item(request_id))


def reject(p: Principal, request_id: str, reason: str) -> models.ChangeRequest:
    c, item = _reviewable(p, request_id)
    _decide(c, p, item, "rejected", reason)
    c.update(keys.account(str(item["account_id"])), discard={PENDING: set(item["fields"])},
             condition="attribute_exists(pk)")
    c.commit()
    return _out(_item(request_id))
