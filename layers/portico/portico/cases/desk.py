"""The case desk: open, list, read, change, discuss and rate support cases.

Every read and write asks the access table (entity `case`; comments and attachments follow
the case). Every change commits with its audit entry and its event. Internal comments are
staff's: they are filtered out of every answer to a customer and never carry their text
onto the bus.
"""

from __future__ import annotations

import uuid
from typing import Any

from portico import access, audit, change, clock, keys, store
from portico.access import Owner, Privilege
from portico.cases import catalog, models
from portico.errors import Conflict, Forbidden, Invalid, NotFound
from portico.principal import Principal

R, C, U, A = Privilege.READ, Privilege.CREATE, Privilege.UPDATE, Privilege.APPEND
SUMMARY = ("id", "number", "subject", "category", "priority", "status", "account_id",
           "requester_name", "queue", "assignee", "created_at", "updated_at")


def owner(case: dict[str, Any]) -> Owner:
    return Owner(str(case["account_id"]), str(case["requester_id"]),
                 frozenset(case.get("cc") or ()))


# -- reading ------------------------------------------------------------------------------
def load(case_id: str) -> dict[str, Any]:
    """The case as stored, before any access check: for code that then asks the access
    table itself (a change does, in `change.by`)."""
    item = store.get(keys.case(case_id), consistent=True)
    if item is None:
        raise NotFound("No such case.")
    return item


def visible(p: Principal, case_id: str, privilege: Privilege = R) -> dict[str, Any]:
    """The case, if the caller may do this with it (404 if they may not see it)."""
    case = load(case_id)
    access.require(p, "case", privilege, owner(case))
    return case


def allowed_statuses(p: Principal | None, case: dict[str, Any]) -> list[str]:
    """The statuses this caller may move the case to now."""
    status = str(case["status"])
    if p is None or p.is_staff:
        return list(catalog.TRANSITIONS[status])
    allowed = []
    if status != "closed":
        allowed.append("closed")
    resolved_at = case.get("resolved_at")
    if status in ("resolved", "closed") and resolved_at and (
            clock.now() - clock.parse(resolved_at) <= catalog.REOPEN_WINDOW):
        allowed.append("in_progress")
    return allowed


def _out(p: Principal, case: dict[str, Any]) -> models.Case:
    rating = case.get("satisfaction")
    return models.Case(
        id=case["id"], number=case["number"], subject=case["subject"],
        description=case["description"], category=case["category"],
        priority=case["priority"], status=case["status"], account_id=case["account_id"],
        requester_id=case["requester_id"], requester_name=case.get("requester_name", ""),
        cc=list(case.get("cc") or []), queue=case.get("queue"), assignee=case.get("assignee"),
        fields=dict(case.get("fields") or {}),
        sla=models.ServiceDue(first_response_due=case["first_response_due"],
                              resolution_due=case["resolution_due"],
                              first_responded_at=case.get("first_responded_at")),
        created_at=case["created_at"], updated_at=case["updated_at"],
        resolved_at=case.get("resolved_at"), closed_at=case.get("closed_at"),
        satisfaction=models.Rating.model_validate(rating) if rating else None,
        version=int(case["version"]), allowed_statuses=allowed_statuses(p, case))


def _summary(item: dict[str, Any]) -> models.CaseSummary:
    return models.CaseSummary.model_validate(
        {**{k: item.get(k) for k in SUMMARY}, "resolution_due": item["resolution_due"]})


def get(p: Principal, case_id: str) -> models.Case:
    return _out(p, visible(p, case_id))


def _within(status: str | None, q: str | None) -> tuple[str | None, dict[str, str],
                                                         dict[str, Any]]:
    """What a page filters after its key prefix chose the class: one status of the class,
    words of the number or subject. Filters read only within the class's prefix."""
    parts, names, values = [], {}, {}
    if status and status not in models.STATUS_CLASSES:
        parts.append("#status = :status")
        names["#status"] = "status"
        values[":status"] = status
    if q:
        parts.append("contains(#search, :q)")
        names["#search"] = "search"
        values[":q"] = q.strip().lower()
    return (" AND ".join(parts) or None), names, values


def _prefix(status: str | None) -> str | None:
    """The sort key prefix of a status filter's class: `open#`, `closed#`, or all."""
    if status is None:
        return None
    return f"{keys.case_class(status)}#"


def list_cases(p: Principal, *, scope: str, account_id: str | None, status: str | None,
               q: str | None, cursor: str | None, limit: int,
               order: str = "newest") -> models.CasePage:
    """A requester's (`mine`), an account's (`account`) or a staff member's (`assigned`)
    cases. Without a status: open ones first, then closed, each newest first (assigned:
    open by resolution due). One Query of a key prefix, so the open cases of an account
    with years of closed ones come back in full pages; `order=oldest` reads it the other
    way, so it needs a status (a class) to read within."""
    if order == "oldest" and status is None:
        raise Invalid("Oldest first lists the cases of one status or class: give status "
                      "(open or done, for example).",
                      details=[{"loc": ["query", "order"], "type": "needs_status",
                                "message": "needs a status"}])
    where, names, values = _within(status, q)
    if scope == "assigned":
        if not p.is_staff:
            raise Forbidden("Cases are assigned to staff; see your own with scope=mine.")
        sort = None if status is None else ("0#" if keys.case_class(status) == "open"
                                           else "1#")
        items, nxt = store.query_page(keys.assigned_cases(p.contact_id)["gsi1pk"],
                                      index="gsi1", sk_prefix=sort, limit=limit,
                                      cursor=cursor, where=where, where_names=names,
                                      where_values=values)
        return models.CasePage(items=[_summary(i) for i in items], next_cursor=nxt)
    if scope == "mine":
        pk, index = keys.cases_of_requester(p.account_id, p.contact_id)["gsi1pk"], "gsi1"
    else:
        target = account_id or p.account_id
        access.require_list(p, "case", target)
        pk, index = keys.cases_of_account(target)["gsi2pk"], "gsi2"
    items, nxt = store.query_page(pk, index=index, sk_prefix=_prefix(status), limit=limit,
                                  cursor=cursor, newest_first=order != "oldest", where=where,
                                  where_names=names, where_values=values)
    return models.CasePage(items=[_summary(i) for i in items], next_cursor=nxt)


def queues(p: Principal) -> list[str]:
    if not access.scopes(p, "queue"):
        raise access.forbidden("queue")
    return list(catalog.QUEUES)


def queue_cases(p: Principal, queue: str, *, status: str | None, cursor: str | None,
                limit: int) -> models.CasePage:
    """A queue's open cases by resolution due, the most urgent first; or its closed ones,
    newest first."""
    if not access.scopes(p, "queue"):
        raise access.forbidden("queue")
    if queue not in catalog.QUEUES:
        raise NotFound("No such queue.")
    cls = keys.case_class(status or "open")
    where, names, values = _within(status, None)
    items, nxt = store.query_page(keys.queue_partition(queue, cls), limit=limit,
                                  cursor=cursor, newest_first=cls == "closed", where=where,
                                  where_names=names, where_values=values)
    return models.CasePage(items=[_summary(i) for i in items], next_cursor=nxt)


# -- opening ------------------------------------------------------------------------------
def _check_fields(category: str, given: dict[str, Any]) -> dict[str, Any]:
    spec = catalog.CATEGORIES.get(category)
    if spec is None:
        raise Invalid(f"Unknown category {category!r}.",
                      details={"categories": sorted(catalog.CATEGORIES)})
    known = {f.name: f for f in spec.fields}
    problems = [f"{name}: not a field of {category}" for name in given if name not in known]
    clean: dict[str, Any] = {}
    for f in spec.fields:
        value = given.get(f.name)
        if value is None:
            if f.required:
                problems.append(f"{f.name}: required")
            continue
        ok = {"string": isinstance(value, str) and 0 < len(value) <= f.max_length,
              "number": isinstance(value, int | float) and not isinstance(value, bool),
              "boolean": isinstance(value, bool),
              "choice": value in f.options}[f.type]
        if not ok:
            problems.append(f"{f.name}: must be {f.type}"
                            + (f" ({', '.join(f.options)})" if f.options else ""))
        else:
            clean[f.name] = value
    if problems:
        raise Invalid("The case's fields are not valid.", details=problems)
    return clean


def _check_category(p: Principal, category: str) -> None:
    """A role that opens cases of some categories only (billing) opens only those."""
    openers = {r for r in p.roles
               if any(C in g.privileges for g in access.ACCESS.get(r, {}).get("case", ()))}
    if not openers or any(r not in catalog.ROLE_CATEGORIES for r in openers):
        return
    allowed = frozenset().union(*(catalog.ROLE_CATEGORIES[r] for r in openers))
    if category not in allowed:
        raise Invalid("Your role opens cases of these categories only.",
                      details={"categories": sorted(allowed)})


def _check_cc(account_id: str, cc: list[str]) -> list[str]:
    unique = sorted(set(cc))
    found = {m["contact_id"] for m in store.batch_get(
        [keys.membership(account_id, c) for c in unique]) if m.get("active")}
    missing = [c for c in unique if c not in found]
    if missing:
        raise Invalid("CC contacts must be active people of the case's account.",
                      details={"not_members": missing})
    return unique


def _requester(account_id: str, contact_id: str) -> dict[str, Any]:
    """The person a case is opened for, on their behalf: an active member of its account."""
    found = {i["sk"]: i for i in store.batch_get([keys.membership(account_id, contact_id),
                                                   keys.contact(contact_id)])}
    member = found.get(keys.membership(account_id, contact_id)["sk"])
    contact = found.get(keys.contact(contact_id)["sk"]) if member and member.get("active") else None
    if contact is None:
        raise Invalid("The requester must be an active person of the case's account.",
                      details=[{"loc": ["body", "requester_id"], "type": "not_member",
                                "message": "not an active person of the account"}])
    return contact


def open_case(p: Principal, new: models.NewCase, account_id: str | None = None,
              requester_id: str | None = None) -> models.Case:
    """A new case of `account_id` (the caller's own by default) for `requester_id` (the
    caller by default): staff take a phoned-in case for the customer who called, a manager
    for a colleague; the access table decides who may open a case for whom."""
    account = account_id or p.account_id
    requester = requester_id or p.contact_id
    case_id = uuid.uuid4().hex
    c = change.by(p, "case", case_id, Owner(account, requester), C)
    if account != p.account_id and store.get(keys.account(account)) is None:
        raise NotFound("No such account.")
    name = p.name or p.email
    if requester != p.contact_id:
        person = _requester(account, requester)
        name = str(person.get("name") or person.get("email") or requester)
    _check_category(p, new.category)
    fields = _check_fields(new.category, new.fields)
    cc = _check_cc(account, [x for x in new.cc if x != requester])
    now = clock.now()
    level = catalog.SERVICE_LEVELS[new.priority]
    created = clock.iso(now)
    number = f"CS-{store.next_number('case'):06d}"
    item: dict[str, Any] = {
        **keys.case(case_id),
        **keys.cases_of_requester(account, requester, created, case_id, status="new"),
        **keys.cases_of_account(account, created, case_id, status="new"),
        "type": "Case", "id": case_id, "number": number, "subject": new.subject,
        "description": new.description, "category": new.category, "priority": new.priority,
        "status": "new", "account_id": account, "requester_id": requester,
        "requester_name": name, "opened_by": p.contact_id, "cc": cc, "fields": fields,
        "first_response_due": clock.iso(now + level.first_response),
        "resolution_due": clock.iso(now + level.resolution),
        "created_at": created, "updated_at": created, "version": 1,
        "search": f"{number} {new.subject}".lower(),
    }
    c.create(item)
    c.audit("create", audit.changes(None, item, ("number", "subject", "category", "priority",
                                                 "status")))
    c.event("CaseCreated", {
        "case_id": case_id, "number": number, "subject": new.subject,
        "category": new.category, "priority": new.priority, "requester_id": requester,
        "opened_by": p.contact_id, "cc": cc})
    c.commit()
    return _out(p, item)


# -- changing -----------------------------------------------------------------------------
STAFF_ONLY = ("priority", "queue", "assignee")


def _check_assignee(assignee: str) -> None:
    contact = store.get(keys.contact(assignee))
    roles = {r for m in (contact or {}).get("accounts", {}).values() if m.get("active")
             for r in m.get("roles", [])}
    if not roles & access.STAFF_ROLES:
        raise Invalid("Cases are assigned to staff only.")


def list_keys(case: dict[str, Any]) -> dict[str, str]:
    """The case item's list keys for its current status (its class leads the sort keys)."""
    return {**keys.cases_of_requester(str(case["account_id"]), str(case["requester_id"]),
                                      str(case["created_at"]), str(case["id"]),
                                      status=str(case["status"])),
            **keys.cases_of_account(str(case["account_id"]), str(case["created_at"]),
                                    str(case["id"]), status=str(case["status"]))}


def _closed_at(case: dict[str, Any]) -> str:
    return str(case.get("closed_at") or case.get("resolved_at") or case["updated_at"])


def entry_key(case: dict[str, Any]) -> dict[str, str] | None:
    if not case.get("queue"):
        return None
    return keys.queue_entry(str(case["queue"]), str(case["id"]), status=str(case["status"]),
                            resolution_due=str(case["resolution_due"]),
                            closed_at=_closed_at(case))


def entry(case: dict[str, Any]) -> dict[str, Any]:
    """The case's queue entry: its summary under the queue's key (and its assignee's)."""
    item: dict[str, Any] = {**(entry_key(case) or {}), "type": "QueueEntry",
                            **{k: case.get(k) for k in SUMMARY},
                            "resolution_due": case["resolution_due"]}
    if case.get("assignee"):
        item.update(keys.assigned_cases(str(case["assignee"]), str(case["id"]),
                                        status=str(case["status"]),
                                        resolution_due=str(case["resolution_due"]),
                                        closed_at=_closed_at(case)))
    return item


def _queue_writes(c: change.Change, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Keep the case's queue entry in step with it: moved when its queue, class or due
    time moves it, rewritten when its summary changes."""
    was, now = entry_key(before), entry_key(after)
    if was is not None and was != now:
        c.delete(was)
    if now is not None:
        c.put(entry(after))


def _list_key_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    """The case item's list keys that move with a change of status class."""
    new = list_keys(after)
    return {k: v for k, v in new.items() if before.get(k) != v}


def _status_stamps(case: dict[str, Any], to: str, now: str) -> dict[str, Any]:
    stamps: dict[str, Any] = {}
    if to == "resolved":
        stamps["resolved_at"] = now
    if to == "closed":
        stamps["closed_at"] = now
        stamps.setdefault("resolved_at", case.get("resolved_at") or now)
    if to in catalog.OPEN and case["status"] in ("resolved", "closed"):
        stamps["resolved_at"] = None
        stamps["closed_at"] = None
    return stamps


def update(p: Principal, case_id: str, patch: models.CasePatch) -> models.Case:
    case = load(case_id)
    c = change.by(p, "case", case_id, owner(case), U)
    given = patch.model_dump(exclude_unset=True)
    given.pop("version")
    staff_fields = [f for f in STAFF_ONLY if f in given]
    if staff_fields and not p.is_staff:
        raise Forbidden(f"Only staff may change {', '.join(staff_fields)}.")
    if "assignee" in given:
        # An empty assignee hands the case back to its queue.
        given["assignee"] = given["assignee"] or None
        if given["assignee"]:
            _check_assignee(given["assignee"])
    if "cc" in given:
        given["cc"] = _check_cc(case["account_id"],
                                [x for x in given["cc"] if x != case["requester_id"]])
    changes = {k: v for k, v in given.items() if case.get(k) != v}
    if not changes:
        return _out(p, case)
    if int(case["version"]) != patch.version:
        raise Conflict("The case was changed meanwhile; reload it.",
                       details={"current_version": int(case["version"])})
    now = clock.stamp()
    data = {"case_id": case_id, "number": case["number"]}
    if "status" in changes:
        allowed = allowed_statuses(p, case)
        if changes["status"] not in allowed:
            raise Conflict(f"A {case['status']} case cannot become {changes['status']} "
                           "here.", details={"allowed": allowed,
                                             "current_version": int(case["version"])})
        changes.update(_status_stamps(case, changes["status"], now))
        c.event("CaseStatusChanged", {**data, "from": case["status"], "to": changes["status"]})
    if "queue" in changes or "assignee" in changes:
        c.event("CaseAssigned", {**data, "queue": changes.get("queue", case.get("queue")),
                                 "assignee": changes.get("assignee", case.get("assignee"))})
    if "status" not in changes and "queue" not in changes and "assignee" not in changes:
        c.event("CaseUpdated", {"case_id": case_id, "fields": sorted(changes)})
    after = {**case, **changes, "updated_at": now, "version": int(case["version"]) + 1}
    after = {k: v for k, v in after.items() if v is not None}
    c.update(keys.case(case_id), version=patch.version,
             set_={**changes, "updated_at": now, **_list_key_changes(case, after)})
    _queue_writes(c, case, after)
    c.audit("update", audit.changes(case, after, tuple(changes)))
    c.commit()
    return _out(p, after)


def route(case_id: str, *, event_id: str) -> bool:
    """Put a new case in its queue by the routing rules. Once: a case already in a queue is
    left alone, so the same event delivered twice changes nothing. True if it routed."""
    case = store.get(keys.case(case_id), consistent=True)
    if case is None or case.get("queue"):
        return False
    account = store.get(keys.account(case["account_id"])) or {}
    queue = catalog.route(case["category"], case["priority"], str(account.get("tier", "")))
    now = clock.stamp()
    after = {**case, "queue": queue, "updated_at": now, "version": int(case["version"]) + 1}
    c = change.system("case", case_id, owner(case), request_id=event_id)
    c.update(keys.case(case_id), version=int(case["version"]),
             set_={"queue": queue, "updated_at": now, "routed_by": event_id},
             condition="attribute_not_exists(#queue)")
    _queue_writes(c, case, after)
    c.audit("route", {"queue": {"before": None, "after": queue}})
    c.event("CaseAssigned", {"case_id": case_id, "number": case["number"], "queue": queue,
                             "assignee": case.get("assignee"), "routed": True})
    try:
        c.commit()
    except (Conflict, NotFound):
        return False
    return True


# -- the thread ---------------------------------------------------------------------------
def _comment_out(item: dict[str, Any]) -> models.Comment:
    return models.Comment(id=item["id"], case_id=item["case_id"], body=item["body"],
                          internal=bool(item.get("internal")), author_id=item["author_id"],
                          author_name=item.get("author_name") or "",
                          author_is_staff=bool(item.get("author_is_staff")),
                          created_at=item["created_at"])


def comments(p: Principal, case_id: str, *, cursor: str | None,
             limit: int) -> models.CommentPage:
    visible(p, case_id)
    hide_internal = not p.is_staff
    items, nxt = store.query_page(
        keys.case(case_id)["pk"], sk_prefix=keys.COMMENT_PREFIX, limit=limit, cursor=cursor,
        where="#internal = :false" if hide_internal else None,
        where_names={"#internal": "internal"} if hide_internal else None,
        where_values={":false": False} if hide_internal else None)
    # Belt and braces: an internal note never leaves for a customer, whatever the query did.
    shown = [i for i in items if p.is_staff or not i.get("internal")]
    return models.CommentPage(items=[_comment_out(i) for i in shown], next_cursor=nxt)


def comment(p: Principal, case_id: str, new: models.NewComment) -> models.Comment:
    case = load(case_id)
    c = change.by(p, "comment", case_id, owner(case), C)
    if new.internal and not p.is_staff:
        raise Forbidden("Only staff write internal notes.")
    if case["status"] == "closed" and not p.is_staff:
        # Nobody reads a closed case: say so, and offer the way that is read.
        raise Conflict("This case is closed. Reopen it to add a comment, or open a new "
                       "case.", details={"allowed": allowed_statuses(p, case)})
    now = clock.stamp()
    comment_id = uuid.uuid4().hex
    item = {**keys.comment(case_id, now, comment_id), "type": "Comment", "id": comment_id,
            "case_id": case_id, "body": new.body, "internal": new.internal,
            "author_id": p.contact_id, "author_name": p.name or p.email,
            "author_is_staff": p.is_staff, "created_at": now}
    data = {"case_id": case_id, "number": case["number"]}
    c.event("CaseCommented", {
        **data, "comment_id": comment_id, "internal": new.internal,
        "author_id": p.contact_id, "by_staff": p.is_staff,
        # An internal note's text stays in the portal: the bus reaches integrations.
        **({} if new.internal else {"body": new.body}),
    })
    changes: dict[str, Any] = {}
    if not p.is_staff and case["status"] == "waiting_on_customer":
        changes["status"] = "in_progress"
        c.event("CaseStatusChanged", {**data, "from": "waiting_on_customer",
                                      "to": "in_progress"})
    if p.is_staff and not new.internal and not case.get("first_responded_at"):
        changes["first_responded_at"] = now
    c.create(item)
    if changes:
        after = {**case, **changes, "updated_at": now, "version": int(case["version"]) + 1}
        c.update(keys.case(case_id), version=int(case["version"]),
                 set_={**changes, "updated_at": now, **_list_key_changes(case, after)})
        _queue_writes(c, case, after)
    c.audit("comment", {"comment": {"before": None, "after": comment_id},
                        **audit.changes(case, {**case, **changes}, tuple(changes))},
            entity="case")
    try:
        c.commit()
    except Conflict:
        raise Conflict("The case was changed meanwhile; send the comment again.") from None
    return _comment_out(item)


# -- rating -------------------------------------------------------------------------------
def rate(p: Principal, case_id: str, satisfaction: models.Satisfaction) -> models.Case:
    case = load(case_id)
    c = change.by(p, "case", case_id, owner(case), U)
    if p.is_staff:
        raise Forbidden("The customer rates the service, not staff.")
    if case["status"] not in ("resolved", "closed"):
        raise Conflict("A case is rated once it is resolved.",
                       details={"status": case["status"]})
    now = clock.stamp()
    rating = {"rating": satisfaction.rating, "comment": satisfaction.comment, "rated_at": now}
    rating = {k: v for k, v in rating.items() if v is not None}
    c.update(keys.case(case_id), set_={"satisfaction": rating, "updated_at": now},
             condition="attribute_not_exists(#satisfaction)",
             conflict=Conflict("This case is already rated."))
    c.audit("rate", {"satisfaction": {"before": None, "after": satisfaction.rating}})
    c.event("CaseRated", {"case_id": case_id, "number": case["number"],
                          "rating": satisfaction.rating})
    c.commit()
    return _out(p, {**case, "satisfaction": rating, "updated_at": now})
