"""Review of an account's sensitive fields through the local cloud: a customer asks, staff
list and approve or reject, and an approval changes the account only as the reviewer saw it."""

from __future__ import annotations

import json
import uuid
from typing import Any

from infra.local import LocalCloud
from tests.conftest import Portal, listen, wait_for

NORA = "manager@northwind.example"
BEA = "billing@northwind.example"
NED = "contact@northwind.example"  # a plain contact: no change requests
KAISA = "manager@contoso.example"
ADMIN = "admin@portico.example"  # reviews
AGENT = "agent@portico.example"  # reads, does not review
PASSWORD = "Changer-Pass-2026!"

ADDRESS = {"line1": "Satamakatu 4", "postal_code": "00160", "city": "Helsinki",
           "country": "FI"}
SHOWN = {**ADDRESS, "line2": None}  # as the API answers it


def vat() -> str:
    return f"FI{uuid.uuid4().int % 10**8:08d}"


def member(portal: Portal, account: str, roles: list[str]) -> str:
    """A new person of the account, signed in; their e-mail."""
    email = f"changer-{uuid.uuid4().hex[:8]}@example.com"
    r = portal.request("POST", f"/accounts/{account}/invitations", as_user=ADMIN,
                       json={"email": email, "roles": roles})
    assert r.status_code == 201, r.text
    token = r.json()["link"].split("token=")[1]
    joined = portal.request("POST", f"/invitations/{token}/accept",
                            json={"password": PASSWORD, "name": "Cha Changer"})
    assert joined.status_code == 200, joined.text
    portal.tokens(email, PASSWORD)
    return email


def ask(portal: Portal, user: str, **body: Any) -> dict[str, Any]:
    r = portal.request("POST", "/me/change-requests", as_user=user, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def review(portal: Portal, request_id: str, decision: str, user: str = ADMIN,
           **body: Any) -> Any:
    return portal.request("POST", f"/change-requests/{request_id}/{decision}", as_user=user,
                          json=body)


def mine(portal: Portal, user: str, query: str = "") -> list[dict[str, Any]]:
    r = portal.get(f"/me/change-requests{query}", as_user=user)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def staff_list(portal: Portal, status: str, user: str = ADMIN) -> list[dict[str, Any]]:
    r = portal.get(f"/change-requests?status={status}&limit=100", as_user=user)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def account(portal: Portal, account_id: str) -> dict[str, Any]:
    r = portal.get(f"/accounts/{account_id}", as_user=ADMIN)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_request_waits_for_review_seen_by_the_account_and_the_staff(
        portal: Portal, cloud: LocalCloud) -> None:
    wanted = vat()
    with listen(cloud, type=["ChangeRequested", "ChangeReviewed"],
                account_id=["acc-northwind"]) as bus:
        made = ask(portal, NORA, vat_id=wanted.lower(), note="Our new VAT number.")
        assert made["status"] == "pending"
        assert made["fields"] == ["vat_id"]
        assert made["changes"]["vat_id"]["after"] == wanted  # stored as written on invoices
        assert made["requested_by"]["name"]
        assert made["requested_by"]["email"] == NORA
        # The account's people see it; the finance user too; newest first.
        assert mine(portal, BEA)[0]["id"] == made["id"]
        assert [r["id"] for r in mine(portal, NORA, "?status=pending")][:1] == [made["id"]]
        assert made["id"] not in {r["id"] for r in mine(portal, NORA, "?status=approved")}
        # Staff find it by status; an agent reads but does not review.
        assert made["id"] in {r["id"] for r in staff_list(portal, "pending", AGENT)}
        assert review(portal, made["id"], "approve", AGENT).status_code == 403
        # Customers do not list every account's requests, nor review their own.
        assert portal.get("/change-requests", as_user=NORA).status_code == 403
        assert review(portal, made["id"], "approve", NORA).status_code == 403
        # A plain contact has no part in it.
        assert portal.request("POST", "/me/change-requests", as_user=NED,
                              json={"vat_id": vat()}).status_code in (403, 404)
        assert portal.get("/me/change-requests", as_user=NED).status_code in (403, 404)
        # Another account's people see none of it.
        assert made["id"] not in {r["id"] for r in mine(portal, KAISA)}
        other = review(portal, made["id"], "reject", KAISA, reason="Not ours")
        assert other.status_code == 404
        assert "northwind" not in other.text.lower()

        assert review(portal, made["id"], "reject", ADMIN).status_code == 422  # no reason
        r = review(portal, made["id"], "reject", ADMIN, reason="Not a valid VAT number.")
        assert r.status_code == 200, r.text
        events = bus.collect(at_least=2)
    done = next(x for x in mine(portal, NORA) if x["id"] == made["id"])
    assert done["status"] == "rejected"
    assert done["reason"] == "Not a valid VAT number."
    assert done["reviewed_at"] >= done["created_at"]
    assert made["id"] in {x["id"] for x in staff_list(portal, "rejected")}
    assert made["id"] not in {x["id"] for x in staff_list(portal, "pending")}
    asked = next(e for e in events if e["detail"]["type"] == "ChangeRequested")["detail"]
    assert asked["data"]["request_id"] == made["id"]
    assert asked["data"]["fields"] == ["vat_id"]
    decided = next(e for e in events if e["detail"]["type"] == "ChangeReviewed")["detail"]
    assert decided["data"] == {"request_id": made["id"], "decision": "rejected",
                               "requester_id": made["requested_by"]["contact_id"],
                               "reason": "Not a valid VAT number.", "fields": ["vat_id"]}
    assert account(portal, "acc-northwind").get("vat_id") != wanted
    assert review(portal, made["id"], "approve").status_code == 409


def test_approval_changes_the_account_and_tells_the_back_office(
        portal: Portal, cloud: LocalCloud, fresh_account: str) -> None:
    manager = member(portal, fresh_account, ["account_manager"])
    made = ask(portal, manager, billing_address=ADDRESS, invoice_email="AP@Fresh.example")
    assert made["changes"]["billing_address"] == {"before": None, "after": SHOWN}
    number = account(portal, fresh_account)["number"]
    with listen(cloud, type=["ChangeReviewed", "AccountChanged"],
                account_id=[fresh_account]) as bus:
        r = review(portal, made["id"], "approve", note="Checked with the customer.")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "approved"
        assert r.json()["reviewed_by"]["contact_id"]
        events = {e["detail"]["type"]: e["detail"] for e in bus.collect(at_least=2)}
    now = account(portal, fresh_account)
    assert now["billing_address"] == SHOWN
    assert now["invoice_email"] == "ap@fresh.example"
    assert events["ChangeReviewed"]["data"]["decision"] == "approved"
    assert events["ChangeReviewed"]["data"]["fields"] == ["billing_address", "invoice_email"]
    assert events["AccountChanged"]["data"] == {"number": number, "changes": {
        "billing_address": {"before": None, "after": ADDRESS},
        "invoice_email": {"before": None, "after": "ap@fresh.example"}}}
    # Decided once.
    assert review(portal, made["id"], "approve").status_code == 409
    assert review(portal, made["id"], "reject", reason="Too late").status_code == 409
    # The customer sees the decision, and the values it replaced on the next request.
    assert mine(portal, manager)[0]["status"] == "approved"
    again = ask(portal, manager, invoice_email="ap2@fresh.example")
    assert again["changes"]["invoice_email"]["before"] == "ap@fresh.example"
    # The account's trail says who changed it.
    trail = portal.get(f"/audit?entity=account&id={fresh_account}", as_user=ADMIN).json()
    assert any(set(e["changes"]) == {"billing_address", "invoice_email"}
               for e in trail["items"])


def test_a_field_under_review_takes_no_second_request(portal: Portal,
                                                      fresh_account: str) -> None:
    manager = member(portal, fresh_account, ["account_manager"])
    billing = member(portal, fresh_account, ["billing"])
    first = ask(portal, manager, vat_id=vat())
    clash = portal.request("POST", "/me/change-requests", as_user=billing,
                           json={"vat_id": vat(), "invoice_email": "x@fresh.example"})
    assert clash.status_code == 409, clash.text
    assert "vat_id" in clash.json()["error"]["message"]
    # Other fields may be asked for meanwhile.
    ask(portal, billing, invoice_email="x@fresh.example")
    assert review(portal, first["id"], "reject", reason="Use the other one.").status_code == 200
    ask(portal, billing, vat_id=vat())
    assert len(mine(portal, manager, "?status=pending")) == 2


def test_approval_is_refused_when_the_account_changed_since_the_request(
        portal: Portal, cloud: LocalCloud, fresh_account: str) -> None:
    manager = member(portal, fresh_account, ["account_manager"])
    stale = ask(portal, manager, vat_id=vat())
    other = ask(portal, manager, shipping_address=ADDRESS)
    assert review(portal, other["id"], "approve").status_code == 200
    r = review(portal, stale["id"], "approve")
    assert r.status_code == 409, r.text
    assert "changed since this request" in r.json()["error"]["message"]
    assert account(portal, fresh_account).get("vat_id") is None
    assert next(x for x in mine(portal, manager) if x["id"] == stale["id"])["status"] == \
        "pending"
    # The reviewer can still reject it, and the field is free again.
    assert review(portal, stale["id"], "reject", reason="Ask again.").status_code == 200

    # The back office changing the account makes a pending request stale too.
    late = ask(portal, manager, vat_id=vat())
    number = account(portal, fresh_account)["number"]
    r = cloud.client("events").put_events(Entries=[{
        "Source": "integration.erp", "DetailType": "AccountUpserted",
        "Detail": json.dumps({"number": number, "name": "Fresh Oy (renamed)", "version": 1}),
        "EventBusName": cloud.resource("EventBus")}])
    assert r["FailedEntryCount"] == 0
    wait_for(lambda: account(portal, fresh_account)["name"] == "Fresh Oy (renamed)",
             timeout=20)
    r = review(portal, late["id"], "approve")
    assert r.status_code == 409, r.text
    assert account(portal, fresh_account).get("vat_id") is None


def test_bad_or_unchanged_input_is_refused_and_writes_nothing(portal: Portal,
                                                              fresh_account: str) -> None:
    manager = member(portal, fresh_account, ["account_manager"])
    first = ask(portal, manager, vat_id="FI11112222")
    assert review(portal, first["id"], "approve").status_code == 200
    before = mine(portal, manager)
    bodies: list[Any] = [
        {}, {"note": "nothing else"}, {"vat_id": None}, {"vat_id": 12345678},
        {"vat_id": "FI" + "1" * 40}, {"vat_id": "F"}, {"vat_id": "FI-1234"},
        {"invoice_email": "not an address"}, {"is_admin": True},
        {"billing_address": {**ADDRESS, "city": None}},
        {"billing_address": {**ADDRESS, "country": "Finland"}},
        {"billing_address": {k: v for k, v in ADDRESS.items() if k != "city"}},
        {"invoice_email": "a@b.example", "note": "x" * 5000}, [], "hello",
    ]
    for body in bodies:
        r = portal.request("POST", "/me/change-requests", as_user=manager, json=body)
        assert r.status_code == 422, f"{body!r}: {r.status_code} {r.text}"
        assert set(r.json()) == {"error"}
    for raw in (b'{"vat_id": ', b"\xff\xfe", b""):
        r = portal.request("POST", "/me/change-requests", as_user=manager, data=raw,
                           headers={"Content-Type": "application/json"})
        assert r.status_code in (400, 422), f"{raw!r}: {r.status_code} {r.text}"
    # The same value again is no change (whatever its case).
    same = portal.request("POST", "/me/change-requests", as_user=manager,
                          json={"vat_id": "fi11112222"})
    assert same.status_code == 422, same.text
    assert "No change" in same.json()["error"]["message"]
    assert mine(portal, manager) == before
    # Reviews of nothing.
    assert review(portal, "0" * 32, "approve").status_code == 404
    assert review(portal, "0" * 32, "reject", reason="x").status_code == 404
    assert review(portal, first["id"], "approve", surprise=True).status_code == 422
    assert portal.get("/change-requests?status=lost", as_user=ADMIN).status_code == 422
