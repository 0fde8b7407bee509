"""Every authenticated route, every role, own account / another account, plus no token and
a disabled contact. The expected status is read from the access table, not written here."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from infra.local import LocalCloud
from infra.seed import USERS
from portico.access import ACCESS, PARENT, Privilege, Scope
from tests.conftest import Portal, wait_for

R, C, U, A, D = (Privilege.READ, Privilege.CREATE, Privilege.UPDATE, Privilege.APPEND,
                 Privilege.DELETE)

# Each role, the demo user who holds it, and the accounts that are "theirs" and "not theirs".
ACTORS = {
    "contact": ("contact@northwind.example", "acc-northwind", "acc-contoso"),
    "account_manager": ("manager@northwind.example", "acc-northwind", "acc-contoso"),
    "billing": ("billing@northwind.example", "acc-northwind", "acc-contoso"),
    # A partner's own ground is the account delegated to it.
    "partner": ("partner@fabrikam.example", "acc-northwind", "acc-contoso"),
    "agent": ("agent@portico.example", "acc-northwind", "acc-contoso"),
    "admin": ("admin@portico.example", "acc-northwind", "acc-contoso"),
}
ADMIN = "admin@portico.example"
MEMBER_OF = {"acc-northwind": "contact@northwind.example",
             "acc-contoso": "contact@contoso.example"}
# A demo invoice of each account (infra/seed.py).
INVOICE_OF = {"acc-northwind": "INV-2026-1107", "acc-contoso": "INV-2026-1050"}


def relation(role: str, account: str, *, own_record: bool = False) -> str:
    """How the target stands to the actor: self, account, partner or other."""
    _, own, _ = ACTORS[role]
    if role == "partner":
        return "partner" if account == own else "other"
    if role in ("agent", "admin") or account != own:
        return "other"
    return "self" if own_record else "account"


def reaches(role: str, entity: str, privilege: Privilege, rel: str, *,
            whole_account: bool = False) -> bool:
    if entity in PARENT:  # comments and attachments follow their case
        parent, needs = PARENT[entity]
        return reaches(role, parent, needs[privilege], rel, whole_account=whole_account)
    for g in ACCESS[role].get(entity, ()):
        if privilege not in g.privileges:
            continue
        if g.scope is Scope.ALL or g.scope.value == rel:
            return True
        if g.scope is Scope.ACCOUNT and rel == "self":
            return True
        if g.scope is Scope.SELF and rel == "self" and not whole_account:
            return True
    return False


def expected_object(role: str, entity: str, privilege: Privilege, rel: str,
                    ok: int) -> int:
    if reaches(role, entity, privilege, rel):
        return ok
    return 403 if reaches(role, entity, R, rel) else 404


def expected_list(role: str, entity: str, rel: str) -> int:
    if reaches(role, entity, R, rel, whole_account=True):
        return 200
    return 403 if reaches(role, "account", R, rel) else 404


@dataclass
class Case:
    name: str
    method: str
    route: str  # as template.yaml declares it
    path: Callable[[str, Portal], str]  # account -> a concrete path
    expect: Callable[[str, str], int]  # (role, account) -> status
    # A dict goes as JSON; a string as NDJSON (the bulk import's lines).
    body: Callable[[], dict[str, Any] | str | None] = lambda: None

    def send(self) -> dict[str, Any]:
        body = self.body()
        if isinstance(body, str):
            return {"data": body, "headers": {"Content-Type": "application/x-ndjson"}}
        return {"json": body}


def _invitation(portal: Portal, account: str) -> str:
    r = portal.request("POST", f"/accounts/{account}/invitations", as_user=ADMIN,
                       json={"email": f"{uuid.uuid4().hex[:10]}@example.com",
                             "roles": ["contact"]})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _contact_id(portal: Portal, account: str) -> str:
    email = MEMBER_OF[account]
    return str(next(u["contact_id"] for u in portal.cloud.users if u["email"] == email))


def _own_path(p: str) -> Callable[[str, Portal], str]:
    return lambda account, portal: p


_cases: dict[str, str] = {}
_uploads: dict[str, str] = {}


def _case(portal: Portal, account: str) -> str:
    """A case of the account, opened by its contact (the contact role's own record)."""
    if account not in _cases:
        r = portal.request("POST", "/cases", as_user=MEMBER_OF[account], json={
            "subject": "Matrix case", "description": "Tried by every role.",
            "category": "general"})
        assert r.status_code == 201, r.text
        _cases[account] = str(r.json()["id"])
    return _cases[account]


def _resolved_case(portal: Portal, account: str) -> str:
    r = portal.request("POST", "/cases", as_user=MEMBER_OF[account], json={
        "subject": "To be rated", "description": "Resolved for the matrix.",
        "category": "general"})
    case = r.json()
    # Routing may move the new case on meanwhile (a 409): resolve the version it has then.
    for _ in range(5):
        version = portal.get(f"/cases/{case['id']}", as_user=ADMIN).json()["version"]
        done = portal.request("PATCH", f"/cases/{case['id']}", as_user=ADMIN,
                              json={"version": version, "status": "resolved"})
        if done.status_code != 409:
            break
    assert done.status_code == 200, done.text
    return str(case["id"])


def _attachment(portal: Portal, account: str) -> str:
    """An uploaded attachment on the account's matrix case."""
    if account not in _uploads:
        case_id = _case(portal, account)
        r = portal.request("POST", f"/cases/{case_id}/attachments", as_user=ADMIN,
                           json={"filename": "note.txt", "content_type": "text/plain",
                                 "size": 5})
        form = r.json()
        up = requests.post(form["url"], data=form["fields"],
                           files={"file": ("note.txt", b"hello", "text/plain")}, timeout=10)
        assert up.status_code in (200, 204), up.text
        # Downloadable once the file scanner has passed it.
        wait_for(lambda: [a for a in portal.get(f"/cases/{case_id}/attachments",
                                                as_user=ADMIN).json()["items"]
                          if a["id"] == form["attachment_id"] and a["status"] == "clean"])
        _uploads[account] = f"{case_id}/attachments/{form['attachment_id']}"
    return _uploads[account]


def _case_rel(role: str, account: str) -> str:
    return relation(role, account, own_record=role == "contact")


def _staff_only(role: str, account: str) -> int:
    return 200 if ACCESS[role].get("queue") else 403


def _rating(role: str, account: str) -> int:
    want = expected_object(role, "case", U, _case_rel(role, account), 201)
    return 403 if want == 201 and role in ("agent", "admin") else want


# -- bookings: resources are the operator's; customers reach those that name their role --
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_matrix_slot = iter(range(10_000))


def _resource_body(**over: Any) -> dict[str, Any]:
    return {"name": "Matrix room", "category": "meeting_rooms",
            "time_zone": "Europe/Helsinki", "capacity": 100, "lead_time_minutes": 0,
            "opening_hours": {d: [{"start": "00:00", "end": "24:00"}] for d in WEEK},
            "slot_minutes": 30, "min_duration_minutes": 30, "max_duration_minutes": 60,
            **over}


def _resource(portal: Portal, **over: Any) -> str:
    r = portal.request("POST", "/resources", as_user=ADMIN, json=_resource_body(**over))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


_rooms: dict[str, str] = {}


def _room(portal: Portal, kind: str = "open") -> str:
    """One shared room (every customer role may book it), or one needing approval."""
    if kind not in _rooms:
        _rooms[kind] = _resource(portal, approval_required=kind == "approval")
    return _rooms[kind]


def _slot() -> tuple[str, str]:
    """A distinct half hour a few days ahead, so no two bookings of the matrix meet."""
    n = next(_matrix_slot)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(
        days=2, minutes=30 * n)
    end = start + timedelta(minutes=30)
    return (start.isoformat().replace("+00:00", "Z"), end.isoformat().replace("+00:00", "Z"))


def _booking(portal: Portal, account: str, kind: str = "open") -> str:
    """A new booking made by the account's contact (the contact role's own record)."""
    start, end = _slot()
    r = portal.request("POST", "/bookings", as_user=MEMBER_OF[account],
                       json={"resource_id": _room(portal, kind), "start": start, "end": end})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _books(role: str) -> bool:
    """Whether the role reaches the matrix rooms: staff all, customers by the rooms' rule."""
    return bool(ACCESS[role].get("resource")) or (
        role in ("contact", "account_manager") and bool(ACCESS[role].get("booking")))


def _staff_decides(role: str, account: str) -> int:
    want = expected_object(role, "booking", R, _case_rel(role, account), 200)
    return 403 if want == 200 and not ACCESS[role].get("resource") else want


def _own_feed(role: str, account: str) -> int:
    return 200 if ACCESS[role].get("booking") else 403


def _staff_or(status: int) -> Callable[[str, str], int]:
    return lambda role, account: status if ACCESS[role].get("resource") else 403


# -- knowledge base: drafts are staff's, publishing the admin's, reading the audience's ---
def _article(portal: Portal, *, published: bool = False) -> str:
    r = portal.request("POST", "/kb/articles", as_user=ADMIN, json=_article_body())
    assert r.status_code == 201, r.text
    article = r.json()
    if published:
        r = portal.request("POST", f"/kb/articles/{article['id']}/publish", as_user=ADMIN,
                           json={"version": article["version"]})
        assert r.status_code == 200, r.text
    return str(article["id"])


def _article_body() -> dict[str, Any]:
    return {"slug": f"matrix-{uuid.uuid4().hex[:10]}", "category": "general",
            "translations": {"en": {"title": "Matrix article", "body": "For every role."}}}


def _writes_articles(status: int) -> Callable[[str, str], int]:
    return lambda role, account: status if ACCESS[role].get("article") else 403


def _publishes(status: int) -> Callable[[str, str], int]:
    return lambda role, account: status if ACCESS[role].get("publication") else 403


# The demo's partner-only article: its audience, not an account, decides who reads it.
PARTNER_GUIDE = "partner-escalation-guide"


def _reads_partner_guide(role: str, account: str) -> int:
    return 200 if role == "partner" or ACCESS[role].get("article") else 404


# -- announcements: admins write them; who reads one is its audience, staff read them all --
_announced: dict[str, str] = {}


def _announcement(portal: Portal, account: str, *, fresh: bool = False) -> str:
    """An active announcement addressed to the account (a new one for a change)."""
    if fresh or account not in _announced:
        r = portal.request("POST", "/announcements", as_user=ADMIN, json={
            **_announcement_body(), "audience": {"kind": "accounts", "account_ids": [account]}})
        assert r.status_code == 201, r.text
        if fresh:
            return str(r.json()["id"])
        _announced[account] = str(r.json()["id"])
    return _announced[account]


def _announcement_body() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"title": "Matrix announcement", "body": "For every role.",
            "audience": {"kind": "all"}, "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(days=1)).isoformat()}


def _reads_announcement(role: str, account: str) -> int:
    """Staff read any; anyone else one addressed to the account they act in."""
    home = next(u.memberships[0][0] for u in USERS if u.email == ACTORS[role][0])
    return 200 if ACCESS[role].get("announcement") or account == home else 404


def _announces(privilege: Privilege, status: int) -> Callable[[str, str], int]:
    return lambda role, account: status if any(
        privilege in g.privileges for g in ACCESS[role].get("announcement", ())) else 403


# -- change requests: the account's people ask, admins review, agents read -----------------
MANAGER_OF = {"acc-northwind": "manager@northwind.example",
              "acc-contoso": "manager@contoso.example"}
_requests: dict[str, str] = {}


def _no_pending_requests(portal: Portal, account: str) -> str:
    """Settle the account's pending requests, so a new one may touch any field; the path
    to ask for one."""
    for r in portal.get("/me/change-requests?status=pending&limit=100",
                        as_user=MANAGER_OF[account]).json()["items"]:
        portal.request("POST", f"/change-requests/{r['id']}/reject", as_user=ADMIN,
                       json={"reason": "Cleared by the matrix."})
    return "/me/change-requests"


def _change_request(portal: Portal, account: str) -> str:
    """A pending change request of the account (a new one once the last was decided)."""
    pending = {r["id"] for r in portal.get("/me/change-requests?status=pending&limit=100",
                                           as_user=MANAGER_OF[account]).json()["items"]}
    if _requests.get(account) not in pending:
        _no_pending_requests(portal, account)
        r = portal.request("POST", "/me/change-requests", as_user=MANAGER_OF[account],
                           json={"invoice_email": f"{uuid.uuid4().hex[:10]}@example.com"})
        assert r.status_code == 201, r.text
        _requests[account] = str(r.json()["id"])
    return _requests[account]


def _reads_all(role: str, entity: str) -> int:
    """A staff list of every account's records."""
    return 200 if Scope.ALL in {g.scope for g in ACCESS[role].get(entity, ())
                                if R in g.privileges} else 403


def _reviews_all(role: str, account: str) -> int:
    return 200 if Scope.ALL in {g.scope for g in ACCESS[role].get("change_request", ())} \
        else 403


CASES = [
    Case("get me", "GET", "/me", _own_path("/me"),
         lambda role, a: expected_object(role, "contact", R, "self", 200)),
    Case("patch me", "PATCH", "/me", _own_path("/me"),
         lambda role, a: expected_object(role, "contact", U, "self", 200),
         body=lambda: {"phone": "+358 40 1234567"}),
    Case("sign out everywhere", "POST", "/me/sign-out", _own_path("/me/sign-out"),
         lambda role, a: expected_object(role, "contact", U, "self", 204)),
    Case("list accounts", "GET", "/accounts", _own_path("/accounts"),
         lambda role, a: _reads_all(role, "account")),
    Case("list people", "GET", "/people", _own_path("/people"),
         lambda role, a: _reads_all(role, "contact")),
    Case("get account", "GET", "/accounts/{accountId}", lambda a, p: f"/accounts/{a}",
         lambda role, a: expected_object(role, "account", R, relation(role, a), 200)),
    Case("list contacts", "GET", "/accounts/{accountId}/contacts",
         lambda a, p: f"/accounts/{a}/contacts",
         lambda role, a: expected_list(role, "membership", relation(role, a))),
    Case("patch contact", "PATCH", "/accounts/{accountId}/contacts/{contactId}",
         lambda a, p: f"/accounts/{a}/contacts/{_contact_id(p, a)}",
         lambda role, a: expected_object(role, "membership", U, relation(role, a), 200),
         body=lambda: {"active": True}),
    Case("list invitations", "GET", "/accounts/{accountId}/invitations",
         lambda a, p: f"/accounts/{a}/invitations",
         lambda role, a: expected_list(role, "invitation", relation(role, a))),
    Case("invite", "POST", "/accounts/{accountId}/invitations",
         lambda a, p: f"/accounts/{a}/invitations",
         lambda role, a: expected_object(role, "invitation", C, relation(role, a), 201),
         body=lambda: {"email": f"{uuid.uuid4().hex[:10]}@example.com",
                       "roles": ["contact"]}),
    Case("resend invitation", "POST",
         "/accounts/{accountId}/invitations/{invitationId}/resend",
         lambda a, p: f"/accounts/{a}/invitations/{_invitation(p, a)}/resend",
         lambda role, a: expected_object(role, "invitation", C, relation(role, a), 200)),
    Case("revoke invitation", "DELETE", "/accounts/{accountId}/invitations/{invitationId}",
         lambda a, p: f"/accounts/{a}/invitations/{_invitation(p, a)}",
         lambda role, a: expected_object(role, "invitation", D, relation(role, a), 204)),
    Case("account audit", "GET", "/audit", lambda a, p: f"/audit?account={a}",
         lambda role, a: expected_list(role, "audit", relation(role, a))),
    Case("record audit", "GET", "/audit", lambda a, p: f"/audit?entity=account&id={a}",
         lambda role, a: 200 if ACCESS[role].get("audit") else 403),
    Case("open case", "POST", "/cases", _own_path("/cases"),
         lambda role, a: expected_object(role, "case", C, relation(role, a, own_record=True),
                                         201),
         # Billing: every role that opens cases opens this category (the billing role no
         # other).
         body=lambda: {"subject": "Help", "description": "Please.", "category": "billing",
                       "fields": {"invoice_number": "INV-1"},
                       "account_id": "{account}"}),
    Case("list cases", "GET", "/cases", lambda a, p: f"/cases?scope=account&account={a}",
         lambda role, a: expected_list(role, "case", relation(role, a))),
    # What each role finds is tested in tests/integration/test_case_search.py.
    Case("search cases", "GET", "/cases/search",
         lambda a, p: f"/cases/search?q=help&scope=account&account={a}",
         lambda role, a: expected_list(role, "case", relation(role, a))),
    Case("search own cases", "GET", "/cases/search", _own_path("/cases/search?q=help"),
         lambda role, a: 200 if ACCESS[role].get("case") else 403),
    Case("get case", "GET", "/cases/{caseId}", lambda a, p: f"/cases/{_case(p, a)}",
         lambda role, a: expected_object(role, "case", R, _case_rel(role, a), 200)),
    Case("patch case", "PATCH", "/cases/{caseId}", lambda a, p: f"/cases/{_case(p, a)}",
         lambda role, a: expected_object(role, "case", U, _case_rel(role, a), 200),
         body=lambda: {"version": 1, "cc": []}),
    Case("list comments", "GET", "/cases/{caseId}/comments",
         lambda a, p: f"/cases/{_case(p, a)}/comments",
         lambda role, a: expected_object(role, "comment", R, _case_rel(role, a), 200)),
    Case("add comment", "POST", "/cases/{caseId}/comments",
         lambda a, p: f"/cases/{_case(p, a)}/comments",
         lambda role, a: expected_object(role, "comment", C, _case_rel(role, a), 201),
         body=lambda: {"body": "A word from the matrix."}),
    Case("add attachment", "POST", "/cases/{caseId}/attachments",
         lambda a, p: f"/cases/{_case(p, a)}/attachments",
         lambda role, a: expected_object(role, "attachment", C, _case_rel(role, a), 201),
         body=lambda: {"filename": "a.txt", "content_type": "text/plain", "size": 10}),
    Case("list attachments", "GET", "/cases/{caseId}/attachments",
         lambda a, p: f"/cases/{_case(p, a)}/attachments",
         lambda role, a: expected_object(role, "attachment", R, _case_rel(role, a), 200)),
    Case("get attachment", "GET", "/cases/{caseId}/attachments/{attachmentId}",
         lambda a, p: f"/cases/{_attachment(p, a)}",
         lambda role, a: expected_object(role, "attachment", R, _case_rel(role, a), 200)),
    Case("rate case", "POST", "/cases/{caseId}/satisfaction",
         lambda a, p: f"/cases/{_resolved_case(p, a)}/satisfaction", _rating,
         body=lambda: {"rating": 5}),
    Case("list queues", "GET", "/queues", _own_path("/queues"), _staff_only),
    Case("queue cases", "GET", "/queues/{queue}/cases", _own_path("/queues/support/cases"),
         _staff_only),
    Case("list resources", "GET", "/resources", _own_path("/resources"), lambda r, a: 200),
    Case("create resource", "POST", "/resources", _own_path("/resources"), _staff_or(201),
         body=_resource_body),
    Case("get resource", "GET", "/resources/{resourceId}",
         lambda a, p: f"/resources/{_room(p)}",
         lambda role, a: 200 if _books(role) else 404),
    Case("update resource", "PUT", "/resources/{resourceId}",
         lambda a, p: f"/resources/{_resource(p)}", _staff_or(200),
         body=lambda: {**_resource_body(name="Renamed room"), "version": 1}),
    Case("retire resource", "DELETE", "/resources/{resourceId}",
         lambda a, p: f"/resources/{_resource(p)}", _staff_or(204)),
    Case("availability", "GET", "/resources/{resourceId}/availability",
         lambda a, p: f"/resources/{_room(p)}/availability",
         lambda role, a: 200 if _books(role) else 404),
    Case("resource calendar", "GET", "/resources/{resourceId}/bookings",
         lambda a, p: f"/resources/{_room(p)}/bookings", _staff_or(200)),
    # The path is built before the body: it makes sure the room exists.
    Case("book", "POST", "/bookings", lambda a, p: _room(p) and "/bookings",
         lambda role, a: expected_object(role, "booking", C, "self", 201),
         body=lambda: dict(zip(("start", "end"), _slot(), strict=True),
                           resource_id=_rooms["open"])),
    Case("list bookings", "GET", "/bookings", _own_path("/bookings?scope=account"),
         lambda role, a: expected_list(role, "booking", relation(role, ACTORS[role][1]))),
    Case("get booking", "GET", "/bookings/{bookingId}",
         lambda a, p: f"/bookings/{_booking(p, a)}",
         lambda role, a: expected_object(role, "booking", R, _case_rel(role, a), 200)),
    Case("cancel booking", "DELETE", "/bookings/{bookingId}",
         lambda a, p: f"/bookings/{_booking(p, a)}",
         lambda role, a: expected_object(role, "booking", D, _case_rel(role, a), 200)),
    Case("approve booking", "POST", "/bookings/{bookingId}/approve",
         lambda a, p: f"/bookings/{_booking(p, a, 'approval')}/approve", _staff_decides),
    Case("reject booking", "POST", "/bookings/{bookingId}/reject",
         lambda a, p: f"/bookings/{_booking(p, a, 'approval')}/reject", _staff_decides,
         body=lambda: {"reason": "Not that day."}),
    Case("calendar feed", "GET", "/calendar-feed", _own_path("/calendar-feed"), _own_feed),
    Case("new calendar feed", "POST", "/calendar-feed", _own_path("/calendar-feed"),
         lambda role, a: 201 if _own_feed(role, a) == 200 else 403),
    Case("revoke calendar feed", "DELETE", "/calendar-feed", _own_path("/calendar-feed"),
         lambda role, a: 204 if _own_feed(role, a) == 200 else 403),
    Case("list invoices", "GET", "/invoices", lambda a, p: f"/invoices?account_id={a}",
         lambda role, a: expected_list(role, "invoice", relation(role, a))),
    Case("get invoice", "GET", "/invoices/{invoiceId}",
         lambda a, p: f"/invoices/{INVOICE_OF[a]}",
         lambda role, a: expected_object(role, "invoice", R, relation(role, a), 200)),
    Case("invoice pdf", "GET", "/invoices/{invoiceId}/pdf",
         lambda a, p: f"/invoices/{INVOICE_OF[a]}/pdf",
         lambda role, a: expected_object(role, "invoice", R, relation(role, a), 200)),
    Case("request invoice copy", "POST", "/invoices/{invoiceId}/copy-requests",
         lambda a, p: f"/invoices/{INVOICE_OF[a]}/copy-requests",
         lambda role, a: expected_object(role, "invoice", A, relation(role, a), 201),
         body=lambda: {"channel": "email"}),
    Case("account balance", "GET", "/accounts/{accountId}/balance",
         lambda a, p: f"/accounts/{a}/balance",
         lambda role, a: expected_list(role, "invoice", relation(role, a))),
    # Notifications are each contact's own: the route reads the caller's inbox, so no role
    # reaches another's (tests/integration/test_notifications.py tries it by id).
    Case("list notifications", "GET", "/notifications", _own_path("/notifications"),
         lambda role, a: 200),
    Case("notification summary", "GET", "/notifications/summary",
         _own_path("/notifications/summary"), lambda role, a: 200),
    Case("read notification", "POST", "/notifications/{notificationId}/read",
         _own_path("/notifications/2026-01-01T00:00:00.000Z_0000000000000000/read"),
         lambda role, a: 404),
    Case("read all notifications", "POST", "/notifications/read-all",
         _own_path("/notifications/read-all"), lambda role, a: 200),
    Case("list articles", "GET", "/kb/articles", _own_path("/kb/articles"),
         lambda role, a: 200),
    Case("get article", "GET", "/kb/articles/{article}",
         _own_path(f"/kb/articles/{PARTNER_GUIDE}"), _reads_partner_guide),
    Case("create article", "POST", "/kb/articles", _own_path("/kb/articles"),
         _writes_articles(201), body=_article_body),
    Case("update article", "PUT", "/kb/articles/{article}",
         lambda a, p: f"/kb/articles/{_article(p)}", _writes_articles(200),
         body=lambda: {**_article_body(), "version": 1}),
    Case("publish article", "POST", "/kb/articles/{article}/publish",
         lambda a, p: f"/kb/articles/{_article(p)}/publish", _publishes(200),
         body=lambda: {"version": 1}),
    Case("archive article", "POST", "/kb/articles/{article}/archive",
         lambda a, p: f"/kb/articles/{_article(p, published=True)}/archive", _publishes(200),
         body=lambda: {"version": 2}),
    Case("article feedback", "POST", "/kb/articles/{article}/feedback",
         _own_path("/kb/articles/reset-your-password/feedback"), lambda role, a: 200,
         body=lambda: {"helpful": True}),
    Case("article deflection", "POST", "/kb/articles/{article}/deflection",
         _own_path("/kb/articles/reset-your-password/deflection"), lambda role, a: 204),
    # Search reads what each role's audience allows (tests/integration/test_kb_search.py).
    Case("search articles", "GET", "/kb/search", _own_path("/kb/search?q=password"),
         lambda role, a: 200),
    Case("suggest articles", "GET", "/kb/suggest", _own_path("/kb/suggest?q=pass"),
         lambda role, a: 200),
    Case("article categories", "GET", "/kb/categories", _own_path("/kb/categories"),
         lambda role, a: 200),
    Case("import articles", "POST", "/kb/import", _own_path("/kb/import"), _publishes(200),
         body=lambda: json.dumps({"id": f"matrix-{uuid.uuid4().hex}", "title": "Imported",
                                  "body": "From the matrix.", "category": "general"})),
    Case("list announcements", "GET", "/announcements", _own_path("/announcements"),
         lambda role, a: 200),
    Case("all announcements", "GET", "/announcements", _own_path("/announcements?scope=all"),
         lambda role, a: 200 if ACCESS[role].get("announcement") else 403),
    Case("publish announcement", "POST", "/announcements", _own_path("/announcements"),
         _announces(C, 201), body=_announcement_body),
    Case("get announcement", "GET", "/announcements/{announcementId}",
         lambda a, p: f"/announcements/{_announcement(p, a)}", _reads_announcement),
    Case("update announcement", "PUT", "/announcements/{announcementId}",
         lambda a, p: f"/announcements/{_announcement(p, a, fresh=True)}", _announces(U, 200),
         body=lambda: {**_announcement_body(), "version": 1}),
    Case("withdraw announcement", "DELETE", "/announcements/{announcementId}",
         lambda a, p: f"/announcements/{_announcement(p, a, fresh=True)}", _announces(D, 204)),
    # The path is built before the body: it settles the acting account's pending requests.
    Case("request change", "POST", "/me/change-requests",
         lambda a, p: _no_pending_requests(p, "acc-northwind"),
         lambda role, a: expected_object(role, "change_request", C, "self", 201),
         body=lambda: {"invoice_email": f"{uuid.uuid4().hex[:10]}@example.com"}),
    Case("my change requests", "GET", "/me/change-requests",
         _own_path("/me/change-requests"),
         lambda role, a: expected_list(role, "change_request", relation(role, ACTORS[role][1]))),
    Case("review list", "GET", "/change-requests",
         _own_path("/change-requests?status=pending"), _reviews_all),
    Case("approve change", "POST", "/change-requests/{requestId}/approve",
         lambda a, p: f"/change-requests/{_change_request(p, a)}/approve",
         lambda role, a: expected_object(role, "change_request", U, relation(role, a), 200),
         body=lambda: {}),
    Case("reject change", "POST", "/change-requests/{requestId}/reject",
         lambda a, p: f"/change-requests/{_change_request(p, a)}/reject",
         lambda role, a: expected_object(role, "change_request", U, relation(role, a), 200),
         body=lambda: {"reason": "Not from the matrix."}),
]


def test_every_authenticated_route_is_in_the_matrix(cloud: LocalCloud) -> None:
    routes = {(r.method, r.path) for r in cloud.template.routes() if r.authorized}
    assert routes == {(c.method, c.route) for c in CASES}


@pytest.mark.parametrize(("case", "role", "whose"),
                         list(itertools.product(CASES, ACTORS, ("own", "other"))),
                         ids=lambda v: v.name.replace(" ", "-") if isinstance(v, Case) else v)
def test_route_answers_what_the_access_table_says(portal: Portal, case: Case, role: str,
                                                  whose: str) -> None:
    email, own, other = ACTORS[role]
    account = own if whose == "own" else other
    path = case.path(account, portal)
    sent = case.send()
    body = sent.get("json")
    if isinstance(body, dict) and body.get("account_id") == "{account}":
        body["account_id"] = account
    r = portal.request(case.method, path, as_user=email, **sent)
    if case.route == "/me/sign-out":
        portal.forget(email)  # that token is spent now
    want = case.expect(role, account)
    assert r.status_code == want, f"{case.method} {path} as {role}: {r.status_code} {r.text}"
    if role not in ("agent", "admin"):
        # Nothing of the other customer ever reaches a customer or partner.
        assert "contoso" not in r.text.lower()
    if r.status_code >= 400:
        assert set(r.json()) == {"error"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name.replace(" ", "-"))
def test_route_without_a_token_is_401(portal: Portal, case: Case) -> None:
    r = portal.request(case.method, case.path("acc-northwind", portal), **case.send())
    assert r.status_code == 401


@pytest.fixture(scope="module")
def disabled_user(portal: Portal) -> str:
    """A Northwind contact that joined through an invitation, then was disabled."""
    email = f"leaver-{uuid.uuid4().hex[:6]}@northwind.example"
    r = portal.request("POST", "/accounts/acc-northwind/invitations",
                       as_user="manager@northwind.example",
                       json={"email": email, "roles": ["contact"]})
    token = r.json()["link"].split("token=")[1]
    joined = portal.request("POST", f"/invitations/{token}/accept",
                            json={"password": "Leaver-Pass-2026!", "name": "Lee Leaver"})
    assert joined.status_code == 200, joined.text
    assert portal.request("GET", "/me", token=portal.tokens(
        email, "Leaver-Pass-2026!")["AccessToken"]).status_code == 200
    path = f"/accounts/acc-northwind/contacts/{joined.json()['contact_id']}"
    time.sleep(1.05 - time.time() % 1)  # the token above is older than the disable
    off = portal.request("PATCH", path, as_user="manager@northwind.example",
                         json={"active": False})
    assert off.status_code == 200
    assert off.json()["active"] is False
    return email


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name.replace(" ", "-"))
def test_disabled_contact_is_refused_everywhere(portal: Portal, case: Case,
                                                disabled_user: str) -> None:
    # The token from before the disable no longer works at all ...
    old = portal.tokens(disabled_user, "Leaver-Pass-2026!")["AccessToken"]
    r = portal.request(case.method, case.path("acc-northwind", portal), token=old,
                       **case.send())
    assert r.status_code == 401, r.text
    # ... and signing in again gets a token that reaches nothing.
    fresh = portal.cloud.client("cognito-idp").initiate_auth(
        ClientId=portal.cloud.resource("UserPoolClient"), AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": disabled_user, "PASSWORD": "Leaver-Pass-2026!"},
    )["AuthenticationResult"]["AccessToken"]
    r = portal.request(case.method, case.path("acc-northwind", portal), token=fresh,
                       **case.send())
    assert r.status_code == 403, r.text
    assert "northwind" not in r.text.lower()
