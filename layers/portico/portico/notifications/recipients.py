"""Who hears of each domain event, and what they are told.

The rules, per event type:
- `CaseCommented`: a public comment goes to the requester and the CCs, and to the assignee
  when a customer wrote it; an internal note only to the assignee. Never to its author,
  and an internal note never to a customer.
- `CaseStatusChanged`: the requester and the CCs, unless they moved it themselves.
- `CaseAssigned`: the assignee, unless they took it themselves.
- `CaseCreated`: the CCs the requester named.
- `InvoiceIssued`, `InvoiceOverdue`, `InvoicePaid`: the account's people who may read its
  invoices (the access table decides: account managers and billing).
- `BookingConfirmed`, `BookingRejected`, `BookingCancelled`: the booker, unless they did
  it themselves (a booking confirmed as it is made is their receipt, so it goes).
- `ChangeReviewed`: the contact who asked for the change.
- `AnnouncementPublished`: everyone its audience names (announcements.py fans it out).

Only active members of the event's account hear of its records, so a contact who left an
account is told nothing more of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from portico import access, keys, store
from portico.access import Owner, Privilege
from portico.invoices import amounts
from portico.notifications import messages
from portico.principal import Membership, Principal


@dataclass(frozen=True)
class Delivery:
    """One recipient of one event: where it shows and what it says."""

    contact_id: str
    section: str
    type: str
    link: str
    context: dict[str, Any] = field(default_factory=dict)
    # Staff-only facts (an internal note) are never shown to a customer; set when the text
    # names them, so a slip in a rule cannot send them.
    staff_only: bool = False
    # Whether it may go by e-mail at all (an announcement for the portal only may not).
    mail: bool = True


def _member(account_id: str, contact_id: str) -> dict[str, Any] | None:
    m = store.get(keys.membership(account_id, contact_id))
    return m if m and m.get("active") else None


def _people(account_id: str, contact_ids: Iterable[str]) -> list[str]:
    """Those of `contact_ids` who are active members of the account, once each."""
    out: list[str] = []
    for cid in dict.fromkeys(c for c in contact_ids if c):
        if _member(account_id, cid) is not None:
            out.append(cid)
    return out


def _staff(contact_id: str | None) -> str | None:
    """`contact_id` if they are an active member of the operator's account (staff)."""
    if not contact_id:
        return None
    contact = store.get(keys.contact(contact_id))
    if not contact or not contact.get("active", True):
        return None
    roles = {r for a in (contact.get("accounts") or {}).values() if a.get("active")
             for r in a.get("roles", [])}
    return contact_id if roles & access.STAFF_ROLES else None


def _name(contact_id: str | None) -> str:
    contact = store.get(keys.contact(contact_id)) if contact_id else None
    return str((contact or {}).get("name") or "")


def _case_context(case: dict[str, Any]) -> dict[str, Any]:
    return {"number": case.get("number", ""), "subject": case.get("subject", "")}


def _excerpt(text: str, most: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= most else flat[: most - 1].rstrip() + "…"


def cases(event: dict[str, Any]) -> list[Delivery]:
    data, actor = event["data"], (event.get("actor") or {}).get("id")
    case = store.get(keys.case(str(data.get("case_id", ""))))
    if case is None:
        return []
    account = str(case["account_id"])
    link = f"/cases/view/?id={case['id']}"
    ctx = _case_context(case)
    customers = [str(case["requester_id"]), *(case.get("cc") or [])]
    type_ = event["type"]
    if type_ == "CaseCommented":
        author = str(data.get("author_id") or actor or "")
        ctx |= {"author": _name(author), "excerpt": _excerpt(str(data.get("body") or ""))}
        assignee = _staff(case.get("assignee"))
        if data.get("internal"):
            return [Delivery(assignee, "cases", "CaseNoteAdded", link, ctx, staff_only=True)] \
                if assignee and assignee != author else []
        out = [Delivery(c, "cases", type_, link, ctx)
               for c in _people(account, customers) if c != author]
        if assignee and assignee != author and not data.get("by_staff"):
            out.append(Delivery(assignee, "cases", type_, link, ctx))
        return out
    if type_ == "CaseStatusChanged":
        ctx |= {"before": str(data.get("from", "")), "status": str(data.get("to", ""))}
        return [Delivery(c, "cases", type_, link, ctx)
                for c in _people(account, customers) if c != actor]
    if type_ == "CaseAssigned":
        assignee = _staff(data.get("assignee"))
        return [Delivery(assignee, "cases", type_, link, ctx)] \
            if assignee and assignee != actor else []
    if type_ == "CaseCreated":
        ctx |= {"author": _name(str(case["requester_id"]))}
        return [Delivery(c, "cases", type_, link, ctx)
                for c in _people(account, case.get("cc") or []) if c != actor]
    return []


def _readers(account_id: str, entity: str) -> list[str]:
    """The account's active people whose roles let them read its `entity` records."""
    members = store.query_all(keys.account(account_id)["pk"], sk_prefix=keys.MEMBER_PREFIX,
                              limit=10_000)
    out = []
    for m in members:
        if not m.get("active"):
            continue
        who = Principal(contact_id=str(m["contact_id"]), email="", name="", language="en",
                        account_id=account_id, account_kind=str(m.get("kind", "customer")),
                        roles=frozenset(m.get("roles", [])),
                        memberships=(Membership(account_id=account_id,
                                                account_kind=str(m.get("kind", "customer")),
                                                roles=tuple(m.get("roles", [])),
                                                active=True),))
        if access.allows(who, entity, Privilege.READ, Owner(account_id)):
            out.append(str(m["contact_id"]))
    return out


def invoices(event: dict[str, Any]) -> list[Delivery]:
    data, account = event["data"], event.get("account_id")
    if not account:
        return []
    ctx = {"number": data.get("number", ""), "due_date": data.get("due_date", ""),
           "total_minor": data.get("total"), "currency": data.get("currency", "")}
    link = f"/invoices/view/?id={data.get('number', '')}"
    return [Delivery(c, "invoices", event["type"], link, ctx)
            for c in _readers(str(account), "invoice")]


def bookings(event: dict[str, Any]) -> list[Delivery]:
    data, actor = event["data"], (event.get("actor") or {}).get("id")
    booker = str(data.get("contact_id") or "")
    account = str(event.get("account_id") or "")
    if not booker or not _people(account, [booker]):
        return []
    if event["type"] != "BookingConfirmed" and booker == actor:
        return []
    booking = store.get(keys.booking(str(data.get("booking_id", "")))) or {}
    ctx = {"resource": booking.get("resource_name", ""), "start_at": data.get("start"),
           "end_at": data.get("end"), "time_zone": booking.get("time_zone", "UTC"),
           "reason": data.get("reason", "")}
    return [Delivery(booker, "bookings", event["type"], "/bookings/", ctx)]


def change_reviews(event: dict[str, Any]) -> list[Delivery]:
    data, account = event["data"], str(event.get("account_id") or "")
    requester = str(data.get("requester_id") or "")
    if not _people(account, [requester]):
        return []
    ctx = {"decision_code": data.get("decision", ""), "field_codes": data.get("fields", []),
           "reason": data.get("reason", "")}
    return [Delivery(requester, "account", "ChangeReviewed", "/account/", ctx)]


RULES = {
    "CaseCommented": cases, "CaseStatusChanged": cases, "CaseAssigned": cases,
    "CaseCreated": cases,
    "InvoiceIssued": invoices, "InvoiceOverdue": invoices, "InvoicePaid": invoices,
    "BookingConfirmed": bookings, "BookingRejected": bookings, "BookingCancelled": bookings,
    "ChangeReviewed": change_reviews,
}


def of(event: dict[str, Any]) -> list[Delivery]:
    rule = RULES.get(str(event.get("type")))
    return rule(event) if rule else []


def localize(d: Delivery, language: str) -> dict[str, Any]:
    """The delivery's context with codes and amounts in the reader's language."""
    ctx = dict(d.context)
    if "status" in ctx:
        ctx["status"] = messages.word(str(ctx["status"]), language)
        ctx["before"] = messages.word(str(ctx.get("before", "")), language)
    if ctx.get("total_minor") is not None:
        ctx["total"] = amounts.format_minor(int(ctx["total_minor"]), str(ctx["currency"]),
                                            language)
    if ctx.get("due_date"):
        ctx["due_date"] = _day(str(ctx["due_date"]), language)
    if "decision_code" in ctx:
        ctx["decision"] = messages.word(str(ctx["decision_code"]), language)
        ctx["fields"] = ", ".join(messages.word(f, language) for f in ctx["field_codes"])
    if "start_at" in ctx:
        ctx["start"], ctx["end"] = _local(ctx["start_at"], ctx["time_zone"], language), \
            _local(ctx["end_at"], ctx["time_zone"], language)
    return ctx


def _day(value: str, language: str) -> str:
    """`2026-12-10` as the reader writes a date: 10.12.2026 (fi), 10 Dec 2026 (en)."""
    from datetime import date

    try:
        d = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{d.day}.{d.month}.{d.year}" if language == "fi" else d.strftime("%d %b %Y")


def _local(at: Any, zone: str, language: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if not at:
        return ""
    dt = datetime.fromisoformat(str(at).replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return dt.strftime("%-d.%-m.%Y %H:%M" if language == "fi" else "%d %b %Y %H:%M")
