"""Invoices end to end: back-office events on the bus and through the signed webhook, the
ingest function (duplicates, order, dead letters), the overdue run, and the routes a
customer's people use (lists, detail, balance, PDF, copies)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from infra.local import LocalCloud
from portico import keys
from portico.integrations.webhook import sign
from tests.conftest import Portal, listen, wait_for

BEA = "billing@northwind.example"  # Northwind's billing contact
NORA = "manager@northwind.example"
NED = "contact@northwind.example"  # a plain contact: no invoices
KAISA = "manager@contoso.example"  # Contoso's manager
ADMIN = "admin@portico.example"
AGENT = "agent@portico.example"


def day(offset: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def issued(number: str, *, account: str = "A-1001", version: int = 1, due: int = 14,
           lines: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"number": number, "account_number": account, "currency": "EUR",
            "issue_date": day(-1), "due_date": day(due), "version": version,
            "payment_reference": f"RF {number}",
            "lines": lines or [{"description": "Seats", "quantity": 3, "unit_price": 1999,
                                "tax_rate": 25.5}], **extra}


def new_number() -> str:
    return f"T-{uuid.uuid4().hex[:10].upper()}"


def put(cloud: LocalCloud, detail_type: str, detail: dict[str, Any],
        source: str = "integration.erp") -> None:
    r = cloud.client("events").put_events(Entries=[{
        "Source": source, "DetailType": detail_type, "Detail": json.dumps(detail),
        "EventBusName": cloud.resource("EventBus")}])
    assert r["FailedEntryCount"] == 0


def invoice(portal: Portal, number: str, user: str = BEA) -> dict[str, Any] | None:
    r = portal.get(f"/invoices/{number}", as_user=user)
    return dict(r.json()) if r.status_code == 200 else None


def arrived(portal: Portal, number: str, **expect: Any) -> dict[str, Any]:
    """The invoice once the ingest function has applied it as `expect` says."""
    def check() -> dict[str, Any] | None:
        got = invoice(portal, number)
        return got if got and all(got.get(k) == v for k, v in expect.items()) else None
    found: dict[str, Any] = wait_for(check, timeout=20)
    return found


def settle(cloud: LocalCloud) -> None:
    """Wait until the inbound queue is empty and nothing is in flight."""
    sqs, url = cloud.client("sqs"), cloud.resource("IntegrationInboundQueue")

    def empty() -> bool:
        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return bool(a["ApproximateNumberOfMessages"] == "0"
                    and a["ApproximateNumberOfMessagesNotVisible"] == "0")
    wait_for(empty, timeout=20)


def table_item(cloud: LocalCloud, key: dict[str, str]) -> dict[str, Any] | None:
    got = cloud.client("dynamodb").get_item(
        TableName=cloud.resource("Table"), ConsistentRead=True,
        Key={k: {"S": v} for k, v in key.items()}).get("Item")
    return dict(got) if got else None


def balance(portal: Portal, account: str = "acc-northwind", user: str = BEA) -> dict[str, int]:
    r = portal.get(f"/accounts/{account}/balance", as_user=user)
    assert r.status_code == 200, r.text
    eur = [c for c in r.json()["currencies"] if c["currency"] == "EUR"]
    return dict(eur[0]) if eur else {"open": 0, "overdue": 0, "total": 0, "open_count": 0,
                                     "overdue_count": 0}


# -- ingestion ----------------------------------------------------------------------------
def test_an_issued_invoice_arrives_with_totals_the_portal_computed(portal: Portal,
                                                                   cloud: LocalCloud) -> None:
    number = new_number()
    before = balance(portal)
    with listen(cloud, data={"number": [number]}) as heard:
        put(cloud, "InvoiceIssued", issued(number, lines=[
            {"description": "Seats", "quantity": 3, "unit_price": 1999, "tax_rate": 25.5},
            {"description": "Half a day", "quantity": 0.5, "unit_price": 333, "tax_rate": 14},
            {"description": "Credit", "quantity": 1, "unit_price": -1000, "tax_rate": 25.5}]))
        got = arrived(portal, number)
        events = heard.collect(at_least=1)
    # 3 x 19.99 = 59.97, tax 15.29 (15.29235); 0.5 x 3.33 = 1.665 -> 1.67, tax 0.23
    # (0.2338); credit -10.00, tax -2.55.
    assert [ln["net"] for ln in got["lines"]] == [5997, 167, -1000]
    assert [ln["tax"] for ln in got["lines"]] == [1529, 23, -255]
    assert (got["net_total"], got["tax_total"], got["total"]) == (5164, 1297, 6461)
    assert {t["rate"]: (t["net"], t["tax"]) for t in got["taxes"]} == {
        "25.5": (4997, 1274), "14": (167, 23)}
    assert got["status"] == "open"
    assert got["account_name"] == "Northwind Traders"
    assert balance(portal)["open"] == before["open"] + 6461
    assert [e["detail-type"] for e in events] == ["InvoiceIssued"]
    assert events[0]["source"] == "portico"
    assert events[0]["detail"]["data"]["total"] == 6461


def test_the_same_event_twice_makes_one_invoice_and_one_portal_event(
        portal: Portal, cloud: LocalCloud) -> None:
    number = new_number()
    before = balance(portal)
    with listen(cloud, data={"number": [number]}) as heard:
        put(cloud, "InvoiceIssued", issued(number))
        put(cloud, "InvoiceIssued", issued(number))
        arrived(portal, number)
        settle(cloud)
        time.sleep(1)
        events = heard.collect(at_least=2, timeout=2)
    assert len(events) == 1
    assert balance(portal)["open_count"] == before["open_count"] + 1


def test_a_payment_that_overtakes_its_invoice_is_not_undone(portal: Portal,
                                                             cloud: LocalCloud) -> None:
    number = new_number()
    before = balance(portal)
    put(cloud, "InvoicePaid", {"number": number, "account_number": "A-1001", "version": 2,
                               "paid_on": day(0)})
    settle(cloud)
    assert invoice(portal, number) is None  # a payment alone shows nothing
    put(cloud, "InvoiceIssued", issued(number, version=1))
    got = arrived(portal, number, status="paid")
    assert got["lines"]
    assert got["paid_on"] == day(0)
    assert got["source_version"] == 2
    # An older InvoiceIssued arriving again changes nothing either.
    put(cloud, "InvoiceIssued", issued(number, version=1, due=30))
    settle(cloud)
    again = invoice(portal, number)
    assert again is not None
    assert again["status"] == "paid"
    assert again["due_date"] == day(14)
    assert balance(portal) == before
    listed = portal.get(f"/invoices?status=paid&from={day(-1)}", as_user=BEA).json()["items"]
    assert number in [i["number"] for i in listed]


def test_a_newer_version_replaces_lines_and_a_cancellation_clears_the_balance(
        portal: Portal, cloud: LocalCloud) -> None:
    number = new_number()
    before = balance(portal)
    put(cloud, "InvoiceIssued", issued(number))
    arrived(portal, number)
    put(cloud, "InvoiceIssued", issued(number, version=2, lines=[
        {"description": "Seats", "quantity": 4, "unit_price": 1000, "tax_rate": 0}]))
    got = arrived(portal, number, total=4000)
    assert got["source_version"] == 2
    assert len(got["lines"]) == 1
    assert balance(portal)["open"] == before["open"] + 4000
    put(cloud, "InvoiceCancelled", {"number": number, "account_number": "A-1001",
                                    "version": 3, "reason": "Sent by mistake"})
    got = arrived(portal, number, status="cancelled")
    assert got["cancelled_reason"] == "Sent by mistake"
    assert balance(portal) == before
    assert table_item(cloud, keys.invoice_due(day(14), number)) is None


def _parked(cloud: LocalCloud, marker: str) -> dict[str, Any] | None:
    sqs, url = cloud.client("sqs"), cloud.resource("IntegrationInboundDeadLetterQueue")
    for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                 MessageAttributeNames=["All"]).get("Messages", []):
        if marker in m["Body"]:
            return dict(m)
    return None


@pytest.mark.parametrize(("detail_type", "detail", "reason"), [
    ("InvoiceIssued", {"lines": []}, "lines"),
    ("InvoiceIssued", {"currency": "euro"}, "currency"),
    ("InvoiceIssued", {"due_date": day(-30)}, "due_date is before issue_date"),
    ("InvoiceIssued", {"pdf_s3_key": "kb/index/current.sqlite"}, "pdf_s3_key"),
    ("InvoiceIssued", {"account_number": "A-0002"}, "not a customer account"),
    ("InvoicePaid", {"paid_on": "yesterday"}, "paid_on"),
])
def test_an_event_that_can_never_apply_is_parked_with_its_reason_and_changes_nothing(
        portal: Portal, cloud: LocalCloud, detail_type: str, detail: dict[str, Any],
        reason: str) -> None:
    number = new_number()
    body = issued(number) if detail_type == "InvoiceIssued" else {
        "number": number, "account_number": "A-1001", "version": 1, "paid_on": day(0)}
    put(cloud, detail_type, {**body, **detail})
    message = wait_for(lambda: _parked(cloud, number), timeout=20)
    assert reason in message["MessageAttributes"]["reason"]["StringValue"]
    assert table_item(cloud, keys.invoice(number)) is None


def test_an_event_for_an_account_not_there_yet_waits_for_it(cloud: LocalCloud) -> None:
    from portico.integrations.errors import NotYet
    from portico.invoices import ingest, models

    with cloud.functions["IngestFunction"].environment(), pytest.raises(NotYet):
        ingest.apply(models.InvoiceIssued.model_validate(issued(new_number(),
                                                                account="A-9999")),
                     source="integration.erp", event_id="t")


# -- accounts and contacts from the back office ----------------------------------------------
def test_an_account_is_created_renamed_and_not_renamed_back_by_an_older_event(
        portal: Portal, cloud: LocalCloud) -> None:
    number = f"A-{uuid.uuid4().hex[:6].upper()}"
    put(cloud, "AccountUpserted", {"number": number, "name": "Tailspin Toys", "version": 1,
                                   "language": "fi", "partner_account_number": "A-0002"})
    pointer = wait_for(lambda: table_item(cloud, keys.account_number(number)), timeout=20)
    account_id = pointer["account_id"]["S"]
    put(cloud, "AccountUpserted", {"number": number, "name": "Tailspin Toys Oy", "version": 3})
    renamed = wait_for(lambda: (portal.get(f"/accounts/{account_id}", as_user=ADMIN).json()
                                .get("name") == "Tailspin Toys Oy"), timeout=20)
    assert renamed
    put(cloud, "AccountUpserted", {"number": number, "name": "Old name", "version": 2})
    settle(cloud)
    assert portal.get(f"/accounts/{account_id}", as_user=ADMIN).json()["name"] == \
        "Tailspin Toys Oy"
    # Staff's list of accounts follows the new name.
    listed = portal.get("/accounts", as_user=ADMIN, params={"q": number}).json()["items"]
    assert [(a["id"], a["name"]) for a in listed] == [(account_id, "Tailspin Toys Oy")]
    # Invoices may name it at once.
    inv = new_number()
    put(cloud, "InvoiceIssued", issued(inv, account=number))
    wait_for(lambda: portal.get(f"/invoices/{inv}", as_user=ADMIN).status_code == 200,
             timeout=20)


def test_a_contact_from_the_back_office_is_invited_and_a_member_gets_new_roles(
        portal: Portal, cloud: LocalCloud) -> None:
    email = f"erp-{uuid.uuid4().hex[:8]}@northwind.example"
    put(cloud, "ContactUpserted", {"account_number": "A-1001", "email": email,
                                   "name": "Erin Erp", "roles": ["billing"], "invite": True,
                                   "version": 1})

    def pending() -> bool:
        return any(i["email"] == email and i["roles"] == ["billing"]
                   for i in portal.every("/accounts/acc-northwind/invitations", as_user=NORA))
    wait_for(pending, timeout=20)
    # Ned is a member: the back office makes him a billing contact too.
    put(cloud, "ContactUpserted", {"account_number": "A-1001", "email": NED, "name": "Ned",
                                   "roles": ["contact", "billing"], "version": 1})
    try:
        def roles() -> bool:
            people = portal.every("/accounts/acc-northwind/contacts", as_user=NORA)
            return any(p["email"] == NED and sorted(p["roles"]) == ["billing", "contact"]
                       for p in people)
        wait_for(roles, timeout=20)
    finally:
        put(cloud, "ContactUpserted", {"account_number": "A-1001", "email": NED,
                                       "name": "Ned", "roles": ["contact"], "version": 2})
        settle(cloud)
        portal.forget(NED)


# -- the webhook --------------------------------------------------------------------------------
def _secret(cloud: LocalCloud) -> str:
    raw = cloud.client("secretsmanager").get_secret_value(
        SecretId=cloud.resource("ErpIntegrationSecret"))["SecretString"]
    return str(json.loads(raw)["current"])


def call(portal: Portal, body: str, *, integration: str = "erp", secret: str | None = None,
         stamp: int | None = None, signature: str | None = None) -> requests.Response:
    ts = str(int(time.time()) if stamp is None else stamp)
    headers = {"Content-Type": "application/json", "X-Portico-Integration": integration,
               "X-Portico-Timestamp": ts}
    if signature is not None or secret is not None:
        headers["X-Portico-Signature"] = signature or sign(str(secret), ts, body)
    return portal.request("POST", "/integrations/webhook", data=body.encode(),
                          headers=headers)


def test_a_signed_call_becomes_the_event_and_lands(portal: Portal, cloud: LocalCloud) -> None:
    number = new_number()
    body = json.dumps({"type": "InvoiceIssued", "detail": issued(number)})
    r = call(portal, body, secret=_secret(cloud))
    assert r.status_code == 202, r.text
    assert r.json()["source"] == "integration.erp"
    got = arrived(portal, number)
    assert got["total"] == 7526  # 3 x 19.99 = 59.97 + 15.29 tax
    # The same call again is a replay.
    again = portal.request("POST", "/integrations/webhook", data=body.encode(),
                           headers=r.request.headers)
    assert again.status_code == 409, again.text
    # ...and so is the same call with a decoy signature beside the real one.
    decoy = {**r.request.headers,
             "X-Portico-Signature": f"v1={'0' * 64},{r.request.headers['X-Portico-Signature']}"}
    assert portal.request("POST", "/integrations/webhook", data=body.encode(),
                          headers=decoy).status_code == 409


def test_unsigned_wrong_stale_and_unknown_calls_are_refused_and_change_nothing(
        portal: Portal, cloud: LocalCloud) -> None:
    number = new_number()
    body = json.dumps({"type": "InvoiceIssued", "detail": issued(number)})
    secret = _secret(cloud)
    refused = [
        call(portal, body),  # no signature
        call(portal, body, signature="v1=" + "0" * 64),
        call(portal, body, secret="not-the-secret"),
        call(portal, body, secret=secret, stamp=int(time.time()) - 301),
        call(portal, body, secret=secret, stamp=int(time.time()) + 301),
        call(portal, body, secret=secret, integration="nosuch"),
        call(portal, body, secret=secret, integration="../../etc"),
    ]
    assert [r.status_code for r in refused] == [401] * len(refused)
    assert all(set(r.json()) == {"error"} for r in refused)
    # A body other than the one signed.
    ts = str(int(time.time()))
    tampered = portal.request("POST", "/integrations/webhook", data=body.replace(
        "Seats", "Sheep").encode(), headers={
        "Content-Type": "application/json", "X-Portico-Integration": "erp",
        "X-Portico-Timestamp": ts, "X-Portico-Signature": sign(secret, ts, body)})
    assert tampered.status_code == 401
    time.sleep(1)
    settle(cloud)
    assert table_item(cloud, keys.invoice(number)) is None


def test_a_signed_call_with_an_invalid_event_is_422_and_changes_nothing(
        portal: Portal, cloud: LocalCloud) -> None:
    number = new_number()
    secret = _secret(cloud)
    for body in (json.dumps({"type": "InvoiceIssued", "detail": {**issued(number),
                                                                   "lines": []}}),
                 json.dumps({"type": "InvoiceDeleted", "detail": {"number": number}}),
                 json.dumps({"type": "InvoiceIssued", "detail": issued(number),
                             "extra": 1})):
        r = call(portal, body, secret=secret)
        assert r.status_code in (400, 422), r.text
        assert set(r.json()) == {"error"}
    assert table_item(cloud, keys.invoice(number)) is None


def test_both_secrets_sign_while_one_is_rotated(portal: Portal, cloud: LocalCloud) -> None:
    name = f"crm{uuid.uuid4().hex[:6]}"
    prefix = cloud.functions["IntegrationsFunction"].env["INTEGRATION_SECRETS_PREFIX"]
    cloud.client("secretsmanager").create_secret(
        Name=f"{prefix}{name}", SecretString=json.dumps({"current": "new-secret",
                                                         "previous": "old-secret"}))
    for secret in ("new-secret", "old-secret"):
        number = new_number()
        body = json.dumps({"type": "InvoiceIssued", "detail": issued(number)})
        r = call(portal, body, integration=name, secret=secret)
        assert r.status_code == 202, r.text
        assert r.json()["source"] == f"integration.{name}"
        arrived(portal, number)
    assert call(portal, json.dumps({"type": "InvoiceIssued", "detail": issued(new_number())}),
                integration=name, secret="older-secret").status_code == 401


# -- overdue --------------------------------------------------------------------------------
def test_the_overdue_run_marks_past_due_invoices_once(portal: Portal,
                                                      cloud: LocalCloud) -> None:
    late, due_today = new_number(), new_number()
    before = balance(portal)
    put(cloud, "InvoiceIssued", {**issued(late, due=-1), "issue_date": day(-20)})
    put(cloud, "InvoiceIssued", {**issued(due_today, due=0), "issue_date": day(-20)})
    arrived(portal, late)
    arrived(portal, due_today)
    fn = cloud.functions["InvoiceOverdueFunction"]
    with listen(cloud, type=["InvoiceOverdue"], data={"number": [late, due_today]}) as heard:
        first = fn.invoke({"source": "aws.events", "detail-type": "Scheduled Event"})
        second = fn.invoke({"source": "aws.events", "detail-type": "Scheduled Event"})
        events = heard.collect(at_least=2, timeout=5)
    assert first["marked"] >= 1
    assert second["marked"] == 0
    assert [e["detail"]["data"]["number"] for e in events] == [late]
    assert invoice(portal, late)["status"] == "overdue"  # type: ignore[index]
    assert invoice(portal, due_today)["status"] == "open"  # type: ignore[index]
    after = balance(portal)
    assert after["overdue"] - before["overdue"] == 7526
    assert after["total"] - before["total"] == 2 * 7526
    overdue = portal.get("/invoices?status=overdue", as_user=BEA).json()["items"]
    assert late in [i["number"] for i in overdue]
    # Paid late: it leaves the overdue sum.
    put(cloud, "InvoicePaid", {"number": late, "account_number": "A-1001", "version": 2,
                               "paid_on": day(0)})
    arrived(portal, late, status="paid")
    assert balance(portal)["overdue"] == before["overdue"]


# -- reading ----------------------------------------------------------------------------------
def test_lists_filter_by_status_and_issue_date_and_page_with_a_cursor(
        portal: Portal, cloud: LocalCloud) -> None:
    numbers = [new_number() for _ in range(3)]
    for n, offset in zip(numbers, (-400, -401, -402), strict=True):
        put(cloud, "InvoiceIssued", {**issued(n), "issue_date": day(offset),
                                     "due_date": day(offset + 14)})
    for n in numbers:
        arrived(portal, n)
    window = f"from={day(-402)}&to={day(-400)}"
    page = portal.get(f"/invoices?{window}&limit=2", as_user=NORA).json()
    assert [i["number"] for i in page["items"]] == numbers[:2]
    assert page["cursor"]
    rest = portal.get(f"/invoices?{window}&limit=2&cursor={page['cursor']}",
                      as_user=NORA).json()
    assert [i["number"] for i in rest["items"]] == numbers[2:]
    assert rest["cursor"] is None
    assert portal.get(f"/invoices?{window}&status=paid", as_user=NORA).json()["items"] == []
    for bad in ("status=unpaid", "from=yesterday", f"from={day(0)}&to={day(-1)}",
                "cursor=garbage", "limit=0", "limit=101", "account_id=../x"):
        r = portal.get(f"/invoices?{bad}", as_user=NORA)
        assert r.status_code in (400, 422), (bad, r.text)
        assert set(r.json()) == {"error"}


def test_a_customer_reads_their_account_and_never_another(portal: Portal) -> None:
    assert invoice(portal, "INV-2026-1050", BEA) is None  # Contoso's: 404
    assert portal.get("/invoices/INV-2026-1050", as_user=BEA).status_code == 404
    assert portal.get("/invoices/INV-2026-1042", as_user=KAISA).status_code == 404
    assert portal.get("/invoices/INV-2026-1042", as_user=NED).status_code == 404
    assert portal.get("/invoices", as_user=NED).status_code == 403
    assert portal.get("/accounts/acc-contoso/balance", as_user=BEA).status_code == 404
    assert portal.get("/invoices?account_id=acc-contoso", as_user=BEA).status_code == 404
    staff = portal.get("/invoices?account_id=acc-contoso", as_user=ADMIN).json()["items"]
    assert "INV-2026-1050" in [i["number"] for i in staff]
    assert portal.get("/invoices/no such", as_user=BEA).status_code in (400, 404)


def test_the_pdf_link_downloads_a_pdf_rendered_once_per_version(
        portal: Portal, cloud: LocalCloud) -> None:
    number = new_number()
    put(cloud, "InvoiceIssued", issued(number))
    arrived(portal, number)
    link = portal.get(f"/invoices/{number}/pdf", as_user=BEA)
    assert link.status_code == 200, link.text
    body = requests.get(link.json()["url"], timeout=10)
    assert body.status_code == 200
    assert body.content.startswith(b"%PDF")
    assert link.json()["filename"] == f"{number}.pdf"
    s3 = cloud.client("s3")
    bucket = cloud.resource("DocumentsBucket")
    rendered = s3.list_objects_v2(Bucket=bucket, Prefix=f"invoices/rendered/{number}/")
    assert [o["Key"] for o in rendered["Contents"]] == [
        f"invoices/rendered/{number}/v1-open-en.pdf"]
    stamp = rendered["Contents"][0]["LastModified"]
    portal.get(f"/invoices/{number}/pdf", as_user=NORA)
    again = s3.list_objects_v2(Bucket=bucket, Prefix=f"invoices/rendered/{number}/")
    assert again["Contents"][0]["LastModified"] == stamp  # not rendered again


def test_a_pdf_from_the_back_office_is_the_one_downloaded(portal: Portal,
                                                          cloud: LocalCloud) -> None:
    number = new_number()
    key = f"invoices/inbound/{number}.pdf"
    cloud.client("s3").put_object(Bucket=cloud.resource("DocumentsBucket"), Key=key,
                                  Body=b"%PDF-1.4 from the back office")
    put(cloud, "InvoiceIssued", issued(number, pdf_s3_key=key))
    arrived(portal, number)
    url = portal.get(f"/invoices/{number}/pdf", as_user=BEA).json()["url"]
    assert requests.get(url, timeout=10).content == b"%PDF-1.4 from the back office"


def test_a_copy_request_is_an_event_and_is_limited(portal: Portal, cloud: LocalCloud) -> None:
    number = new_number()
    put(cloud, "InvoiceIssued", issued(number))
    arrived(portal, number)
    with listen(cloud, type=["InvoiceCopyRequested"], data={"number": [number]}) as heard:
        r = portal.request("POST", f"/invoices/{number}/copy-requests", as_user=BEA,
                           json={"channel": "post", "note": "To our Tampere office"})
        assert r.status_code == 201, r.text
        events = heard.collect()
    assert events[0]["detail"]["data"]["channel"] == "post"
    assert events[0]["detail"]["data"]["note"] == "To our Tampere office"
    for _ in range(2):
        assert portal.request("POST", f"/invoices/{number}/copy-requests", as_user=NORA,
                              json={"channel": "email"}).status_code == 201
    limited = portal.request("POST", f"/invoices/{number}/copy-requests", as_user=BEA,
                             json={"channel": "email"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    for bad in ({"channel": "fax"}, {"channel": None}, {"channel": "email", "note": 5},
                {"channel": "email", "note": "x" * 1001}, {}):
        r = portal.request("POST", f"/invoices/{number}/copy-requests", as_user=BEA, json=bad)
        assert r.status_code == 422, r.text
    assert portal.request("POST", f"/invoices/{number}/copy-requests", as_user=NED,
                          json={"channel": "email"}).status_code == 404
    assert portal.request("POST", "/invoices/INV-2026-1050/copy-requests", as_user=BEA,
                          json={"channel": "email"}).status_code == 404
