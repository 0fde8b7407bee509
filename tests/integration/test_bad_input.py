"""Hostile input on every route, generated from the API contract (openapi.json): a null,
a wrong type and an oversize value for each body field, bodies that are not JSON, not UTF-8,
too deep or sent as another type, over-long ids and forged cursors. Each answers a 4xx with
the portal's error shape and leaves the table as it was."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from infra.local import LocalCloud
from tests.conftest import Portal, wait_for

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = json.loads((ROOT / "openapi.json").read_text())
ADMIN = "admin@portico.example"
CONTACT = "contact@northwind.example"
# Written by the portal's machinery, not by the request under test.
NOT_DOMAIN = ("IDEMPOTENCY#", "LIMIT#")


def _schema(ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref")
    if ref:
        return dict(CONTRACT["components"]["schemas"][ref.rsplit("/", 1)[1]])
    return ref_or_schema


def _types(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a property's schema."""
    prop = _schema(prop)
    options = prop.get("anyOf") or prop.get("oneOf") or [prop]
    return [_schema(o) for o in options if o.get("type") != "null"]


WRONG = {"string": 12345, "integer": "twelve", "number": "many", "boolean": "yes",
         "array": "not a list", "object": ["not", "an", "object"]}


def _wrong_value(prop: dict[str, Any]) -> Any:
    kinds = {t.get("type") or ("object" if "properties" in t else None) for t in _types(prop)}
    if "string" in kinds and len(kinds) == 1:
        enum = [v for t in _types(prop) for v in t.get("enum", [])]
        return 12345 if not enum else "not-one-of-them"
    for kind in ("integer", "number", "boolean", "array", "object", "string"):
        if kind in kinds:
            return WRONG[kind]
    return {"surprise": [1, 2, 3]}


def _oversize(prop: dict[str, Any]) -> Any | None:
    for t in _types(prop):
        if t.get("type") == "string":
            return "x" * (int(t.get("maxLength", 300_000)) + 1)
        if t.get("type") == "array":
            return ["x"] * (int(t.get("maxItems", 10_000)) + 1)
        if t.get("type") == "integer" and "maximum" in t:
            return int(t["maximum"]) + 1
    return None


@dataclass
class Operation:
    method: str
    path: str  # template form, {name} parameters
    secured: bool
    body: dict[str, Any] | None  # the JSON body's schema
    query: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def operations() -> list[Operation]:
    ops = []
    for path, methods in CONTRACT["paths"].items():
        for method, op in methods.items():
            body = ((op.get("requestBody") or {}).get("content") or {}).get("application/json")
            ops.append(Operation(
                method.upper(), path, bool(op.get("security")),
                _schema(body["schema"]) if body else None,
                [p for p in op.get("parameters", []) if p.get("in") == "query"]))
    return ops


OPERATIONS = operations()
WITH_BODY = [o for o in OPERATIONS if o.body is not None]
WITH_CURSOR = [o for o in OPERATIONS if any(p["name"] == "cursor" for p in o.query)]


def body_mutations(op: Operation) -> Iterator[tuple[str, Any]]:
    schema = op.body or {}
    base = {name: None for name in schema.get("properties", {})}
    for name, prop in schema.get("properties", {}).items():
        yield f"{name}=null", {name: None}
        yield f"{name}=wrong type", {name: _wrong_value(prop)}
        big = _oversize(prop)
        if big is not None:
            yield f"{name}=oversize", {name: big}
    yield "unknown field", {"is_admin": True}
    yield "all null", base
    yield "array body", []
    yield "string body", "hello"


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ids(portal: Portal, cloud: LocalCloud) -> dict[str, str]:
    """Real values for the path parameters, so a request reaches the code that reads it."""
    case = portal.request("POST", "/cases", as_user=CONTACT, json={
        "subject": "Bad input target", "description": "Hostile input.", "category": "general"})
    assert case.status_code == 201, case.text
    # Routing the new case is the one write this fixture sets off: let it land first.
    wait_for(lambda: portal.get(f"/cases/{case.json()['id']}", as_user=ADMIN).json()["queue"])
    inv = portal.request("POST", "/accounts/acc-northwind/invitations", as_user=ADMIN, json={
        "email": f"bad-input-{time.time_ns()}@example.com", "roles": ["contact"]}).json()
    contact = next(u["contact_id"] for u in cloud.users if u["email"] == CONTACT)
    room = cloud.resources["Meeting room Borealis"]
    free = next(s for s in portal.get(f"/resources/{room}/availability",
                                      as_user=CONTACT).json()["slots"] if s["remaining"])
    start = free["start"]
    end = start[:11] + f"{int(start[11:13]) + 1:02d}" + start[13:]
    booking = portal.request("POST", "/bookings", as_user=CONTACT,
                             json={"resource_id": room, "start": start, "end": end})
    assert booking.status_code == 201, booking.text
    now = time.time()
    announcement = portal.request("POST", "/announcements", as_user=ADMIN, json={
        "title": "Bad input target", "body": "Hostile input.", "audience": {"kind": "all"},
        "starts_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "ends_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 86400))})
    assert announcement.status_code == 201, announcement.text
    # A pending change request; a shipping address, which no other test asks to change.
    change = portal.request("POST", "/me/change-requests", as_user="manager@northwind.example",
                            json={"shipping_address": {
                                "line1": f"Dock {time.time_ns()}", "postal_code": "00100",
                                "city": "Helsinki", "country": "FI"}})
    assert change.status_code == 201, change.text
    return {"requestId": change.json()["id"],
            "caseId": case.json()["id"], "accountId": "acc-northwind", "contactId": contact,
            "invitationId": inv["id"], "token": inv["link"].split("token=")[1],
            "attachmentId": "0" * 32, "queue": "support", "resourceId": room,
            "bookingId": booking.json()["id"], "article": "reset-your-password",
            "invoiceId": "INV-2026-1107", "announcementId": announcement.json()["id"],
            "notificationId": "2026-01-01T00:00:00.000Z_0000000000000000"}


def concrete(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


def snapshot(cloud: LocalCloud) -> set[str]:
    """Every domain item of the table, as text; taken once the event workers are quiet."""
    ddb = cloud.client("dynamodb")

    def scan() -> set[str]:
        items: set[str] = set()
        kwargs: dict[str, Any] = {"TableName": cloud.resource("Table")}
        while True:
            page = ddb.scan(**kwargs)
            items |= {json.dumps(i, sort_keys=True) for i in page["Items"]
                      if not i["pk"]["S"].startswith(NOT_DOMAIN)}
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # Quiet means unchanged for longer than an idle event source waits between polls (1 s).
    before = scan()
    for _ in range(20):
        time.sleep(1.2)
        now = scan()
        if now == before:
            return now
        before = now
    return before


def assert_refused(r: Any, what: str, allowed: tuple[int, ...] = (400, 413, 415, 422)) -> None:
    assert r.status_code in allowed, f"{what}: {r.status_code} {r.text[:300]}"
    error = r.json()["error"]
    assert error["code"], what
    assert error["message"], what
    assert r.headers.get("Cache-Control") == "no-store", what


# -- the table -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def table_before(cloud: LocalCloud, ids: dict[str, str]) -> set[str]:
    """The table before any bad body is sent: one snapshot for all of them (a snapshot per
    operation waited for quiet some 25 times, most of this module's time)."""
    return snapshot(cloud)


@pytest.mark.parametrize("op", WITH_BODY, ids=lambda o: o.id)
def test_bad_bodies_are_refused(portal: Portal, ids: dict[str, str],
                                table_before: set[str], op: Operation) -> None:
    path = concrete(op.path, ids)
    token = portal.tokens(ADMIN)["AccessToken"]
    auth = {"Authorization": f"Bearer {token}"}
    for what, body in body_mutations(op):
        r = portal.request(op.method, path, json=body, headers=auth)
        assert_refused(r, f"{op.id} {what}")
    raw_bodies = [
        ("not JSON", b'{"subject": ', "application/json"),
        ("not UTF-8", b'{"subject": "\xff\xfe caf\xe9"}', "application/json"),
        ("too deep", ('{"a":' * 200 + "1" + "}" * 200).encode(), "application/json"),
        ("NaN", b'{"rating": NaN}', "application/json"),
        ("huge number", b'{"rating": 1e400}', "application/json"),
        ("too precise", b'{"rating": 1.00000000000000000000000000000000000000001}',
         "application/json"),
        ("as text", b'{"body": "hi"}', "text/plain"),
        ("as a form", b"body=hi", "application/x-www-form-urlencoded"),
        ("too big", b'{"body": "' + b"x" * 300_000 + b'"}', "application/json"),
    ]
    for what, data, content_type in raw_bodies:
        r = portal.request(op.method, path, data=data,
                           headers={**auth, "Content-Type": content_type})
        assert_refused(r, f"{op.id} {what}")


def test_the_refused_bodies_changed_nothing(cloud: LocalCloud,
                                            table_before: set[str]) -> None:
    """After every bad body of the table above (this test comes after them in the module)."""
    after = snapshot(cloud)
    changed = sorted({json.loads(i)["pk"]["S"] for i in after ^ table_before})
    assert not changed, f"refused requests changed the table: {changed[:20]}"


@pytest.mark.parametrize("op", [o for o in OPERATIONS if "{" in o.path], ids=lambda o: o.id)
def test_overlong_ids_are_400(portal: Portal, ids: dict[str, str], op: Operation) -> None:
    long = {k: "9" * 500 for k in ids}
    r = portal.request(op.method, concrete(op.path, long), as_user=ADMIN,
                       json={} if op.body is not None else None)
    assert_refused(r, op.id, (400,))


def _cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


FORGED = {
    "garbage": "%%%not-a-cursor%%%",
    "not base64 JSON": base64.urlsafe_b64encode(b"\xff\x00").decode(),
    "a list": _cursor(["pk", "sk"]),
    "numbers": _cursor({"pk": 1, "sk": 2}),
    "another partition": _cursor({"pk": "CASE#someone-elses", "sk": "COMMENT#x"}),
    "another account's cases": _cursor({
        "pk": "CASE#x", "sk": "CASE", "gsi2pk": "ACCOUNTCASES#acc-contoso",
        "gsi2sk": "2026-01-01T00:00:00.000Z#x"}),
    "missing the table key": _cursor({"gsi1pk": "REQUESTER#acc-northwind#x", "gsi1sk": "y"}),
    "extra attribute": _cursor({"pk": "ACCOUNT#acc-northwind", "sk": "MEMBER#x", "role": "a"}),
    "too long key": _cursor({"pk": "x" * 1500, "sk": "y"}),
    "deep": _cursor(json.loads("[" * 900 + "]" * 900)),
    "truncated": _cursor({"pk": "CASE#x", "sk": "COMMENT#y"})[:-7],
}


@pytest.mark.parametrize("op", WITH_CURSOR, ids=lambda o: o.id)
def test_forged_cursors_are_400(portal: Portal, ids: dict[str, str], op: Operation) -> None:
    path = concrete(op.path, ids)
    extra = {"account": "acc-northwind"} if op.path == "/audit" else {}
    for what, cursor in FORGED.items():
        r = portal.get(path, as_user=ADMIN, params={**extra, "cursor": cursor})
        assert_refused(r, f"{op.id} cursor {what}", (400, 422))


def test_a_cursor_from_another_list_is_400(portal: Portal) -> None:
    page = portal.get("/cases?scope=account&account=acc-contoso&limit=1", as_user=ADMIN).json()
    assert page["next_cursor"], "the demo data has more than one Contoso case"
    r = portal.get("/cases?scope=account&account=acc-northwind&limit=1", as_user=ADMIN,
                   params={"cursor": page["next_cursor"]})
    assert_refused(r, "Contoso's cursor on Northwind's list", (400,))
    mine = portal.get("/cases", as_user=CONTACT, params={"cursor": page["next_cursor"]})
    assert_refused(mine, "Contoso's cursor on a Northwind contact's list", (400,))


def test_a_stored_null_cannot_break_the_people_page(portal: Portal) -> None:
    # The reported failure: a null name saved on /me then broke the account's people list.
    r = portal.request("PATCH", "/me", as_user=CONTACT, json={"name": None, "phone": None})
    assert r.status_code == 422
    assert {tuple(d["loc"]) for d in r.json()["error"]["details"]} == {
        ("body", "name"), ("body", "phone")}
    people = portal.get("/accounts/acc-northwind/contacts", as_user="manager@northwind.example")
    assert people.status_code == 200
    # Clearing a phone is an empty string, and it is stored as no phone at all.
    set_ = portal.request("PATCH", "/me", as_user=CONTACT, json={"phone": "+358 40 1234567"})
    assert set_.json()["phone"] == "+358 40 1234567"
    cleared = portal.request("PATCH", "/me", as_user=CONTACT, json={"phone": ""})
    assert cleared.status_code == 200
    assert cleared.json()["phone"] is None
