"""Invoices on the local cloud, with the event workers running as in `make run`.

- Ingest: N `InvoiceIssued` events for new invoices of the demo account A-1001 put on the
  bus (source `integration.erp`, ten entries a PutEvents call), and the time until the
  ingest function, fed by the local queue consumer at the template's batch size (10), has
  applied them all (the inbound queue empty, nothing in flight, the last invoice stored):
  events per second. Then the same with every event delivered twice, and a check that
  exactly N invoices came of it (and the balance counted each once).
- Reads through the local gateway as billing@northwind.example (a real token): GET
  /invoices (first page, and `status=open`), GET /accounts/acc-northwind/balance and GET
  /invoices/{id}/pdf (first request renders, the next finds the rendering), with about 100
  invoices in the table and then 100,000 (other accounts' and 20,000 paid ones of
  Northwind's own, which the status filter must not wade through), written straight into
  moto. Per request: the invoices function's DynamoDB calls and consumed capacity, which
  must not grow with the table. moto's query walks an index's items in memory, so the
  latency at 100,000 is moto's, not DynamoDB's.

    python -m bench.invoices [N]     (or BENCH_INVOICES_N; events per ingest run, 1,000)
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from botocore.config import Config

from bench.writes import DynamoDBCalls
from infra.local import LocalCloud
from portico import aws, keys, principal, store
from portico.invoices import amounts, ingest, models

BILLING = "billing@northwind.example"
ACCOUNT, ACCOUNT_NUMBER = "acc-northwind", "A-1001"
TOTAL = 100_000  # invoices in the table for the second round of reads
OWN_PAID, OWN_OPEN = 20_000, 5  # of them Northwind's own, beside what the ingest made
READ_ROUNDS, BIG_READ_ROUNDS = 200, 20
TODAY = datetime.now(UTC).date()


class Meter(DynamoDBCalls):
    """The request's DynamoDB calls (not the workers'), and the capacity they consumed."""

    READS = ("Query", "GetItem", "BatchGetItem")

    def __init__(self, worker_threads: set[str]) -> None:
        super().__init__(worker_threads)
        self.capacity = 0.0
        events = aws.dynamodb().meta.events
        events.register("provide-client-params.dynamodb.*", self.ask)
        events.register("after-call.dynamodb.*", self.used)

    def ask(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in self.READS and self._ours():
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    def used(self, parsed: dict[str, Any], **_: Any) -> None:
        if not self._ours():
            return
        got = parsed.get("ConsumedCapacity")
        with self._lock:
            for c in got if isinstance(got, list) else [got] if got else []:
                self.capacity += float(c.get("CapacityUnits", 0))

    def one(self) -> str:
        """What the calls since the last `take` were, in words."""
        calls = self.take()
        capacity, self.capacity = self.capacity, 0.0
        named = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
        return f"{sum(calls.values())} ({named}), {capacity:g} capacity units"


def quantiles(ms: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(ms, n=100)
    return q[49], q[98]


# -- the back office's events ---------------------------------------------------------------
def issued(number: str) -> dict[str, Any]:
    return {"number": number, "account_number": ACCOUNT_NUMBER, "currency": "EUR",
            "issue_date": (TODAY - timedelta(days=1)).isoformat(),
            "due_date": (TODAY + timedelta(days=14)).isoformat(), "version": 1,
            "payment_reference": f"RF {number}",
            "lines": [{"description": "Seats", "quantity": 3, "unit_price": 1999,
                       "tax_rate": 25.5}]}


def put(cloud: LocalCloud, details: list[dict[str, Any]]) -> None:
    events, bus = cloud.client("events"), cloud.resource("EventBus")
    for i in range(0, len(details), 10):  # PutEvents takes ten entries
        r = events.put_events(Entries=[{
            "Source": "integration.erp", "DetailType": "InvoiceIssued",
            "Detail": json.dumps(d), "EventBusName": bus} for d in details[i:i + 10]])
        assert r["FailedEntryCount"] == 0, r


def applied(cloud: LocalCloud, last: str, timeout: float = 1800) -> None:
    """Until the inbound queue is empty with nothing in flight and `last` is stored."""
    sqs, url = cloud.client("sqs"), cloud.resource("IntegrationInboundQueue")
    db, table = cloud.client("dynamodb"), cloud.resource("Table")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        if a["ApproximateNumberOfMessages"] == a["ApproximateNumberOfMessagesNotVisible"] == "0":
            got = db.get_item(TableName=table, ConsistentRead=True,
                              Key=store.serialize(keys.invoice(last))).get("Item")
            if got and "lines" in got:
                return
        time.sleep(0.05)
    raise TimeoutError(f"the ingest did not finish in {timeout:.0f} s")


def stored(cloud: LocalCloud, numbers: list[str]) -> int:
    """How many of `numbers` are stored invoices (with their lines)."""
    db, table = cloud.client("dynamodb"), cloud.resource("Table")
    found = 0
    for i in range(0, len(numbers), 100):
        want: dict[str, Any] = {table: {"Keys": [store.serialize(keys.invoice(n))
                                                 for n in numbers[i:i + 100]],
                                        "ConsistentRead": True}}
        while want:
            r = db.batch_get_item(RequestItems=want)
            found += sum("lines" in item for item in r["Responses"].get(table, []))
            want = r.get("UnprocessedKeys") or {}
    return found


def open_count(cloud: LocalCloud) -> int:
    got = cloud.client("dynamodb").get_item(
        TableName=cloud.resource("Table"), ConsistentRead=True,
        Key=store.serialize(keys.balance(ACCOUNT))).get("Item") or {}
    return int(got.get("count_open_EUR", {}).get("N", 0))


def ingest_run(cloud: LocalCloud, tag: str, n: int, times: int) -> tuple[float, int, int]:
    """N new invoices, each event put `times` times in a row: seconds until applied, how
    many invoices exist, and how much the balance's open count grew."""
    numbers = [f"B{tag}-{i:06d}" for i in range(n)]
    before = open_count(cloud)
    t = time.perf_counter()
    put(cloud, [issued(num) for num in numbers for _ in range(times)])
    applied(cloud, numbers[-1])
    seconds = time.perf_counter() - t
    return seconds, stored(cloud, numbers), open_count(cloud) - before


# -- invoices written straight into moto ----------------------------------------------------
LINES, SUMS = amounts.priced([models.Line(description="Bench", quantity=Decimal(2),
                                          unit_price=4500, tax_rate=Decimal("25.5"))])


def invoice_items(number: str, account: str, status: str, issue: date) -> list[dict[str, Any]]:
    """The items the ingest writes for an invoice: the invoice with its index keys, and its
    entry by due date when it is open (the balance is summed by the caller)."""
    due = TODAY + timedelta(days=30) if status == "open" else issue + timedelta(days=14)
    day, stamp = issue.isoformat(), datetime.now(UTC).isoformat().replace("+00:00", "Z")
    item: dict[str, Any] = {
        **keys.invoice(number), "type": "Invoice", "number": number, "account_id": account,
        "currency": "EUR", "issue_date": day, "due_date": due.isoformat(), "lines": LINES,
        **SUMS, "payment_reference": f"RF {number}", "status": status, "source_version": 1,
        "version": 1, "updated_at": stamp,
        **keys.invoices_of_account(account, day, number),
        **keys.invoices_of_account_status(account, status, day, number)}
    if status == "paid":
        item["paid_on"] = due.isoformat()
    if status == "cancelled":
        item["cancelled_reason"] = "Bench"
    items = [item]
    if status == "open":
        items.append({**keys.invoice_due(due.isoformat(), number), "type": "InvoiceDue",
                      "number": number, "account_id": account})
    return items


def fill(cloud: LocalCloud, invoices: Iterable[tuple[str, str, str, date]]) -> tuple[int, float]:
    """Write (number, account, status, issue date) invoices with batch_write_item, 25 items a
    call, then add what they owe to their accounts' balances: how many, and seconds."""
    db, table = cloud.client("dynamodb"), cloud.resource("Table")
    balances: dict[str, Counter[str]] = {}
    batch: list[dict[str, Any]] = []
    count = 0

    def flush() -> None:
        want: dict[str, Any] = {table: [{"PutRequest": {"Item": store.serialize(i)}}
                                        for i in batch]}
        while want:
            want = db.batch_write_item(RequestItems=want).get("UnprocessedItems") or {}
        batch.clear()

    t = time.perf_counter()
    for number, account, status, issue in invoices:
        items = invoice_items(number, account, status, issue)
        balances.setdefault(account, Counter()).update(ingest.balance_delta(None, items[0]))
        count += 1
        for item in items:
            batch.append(item)
            if len(batch) == 25:
                flush()
    if batch:
        flush()
    for account, sums in balances.items():
        if sums:
            db.update_item(
                TableName=table, Key=store.serialize(keys.balance(account)),
                UpdateExpression="SET #t = :t, #a = :a ADD " + ", ".join(
                    f"#k{i} :v{i}" for i in range(len(sums))),
                ExpressionAttributeNames={"#t": "type", "#a": "account_id",
                                          **{f"#k{i}": k for i, k in enumerate(sums)}},
                ExpressionAttributeValues=store.serialize({
                    ":t": "Balance", ":a": account,
                    **{f":v{i}": v for i, v in enumerate(sums.values())}}))
    return count, time.perf_counter() - t


def others(start: int, count: int) -> Iterable[tuple[str, str, str, date]]:
    """Other accounts' invoices, of every status."""
    for i in range(start, start + count):
        yield (f"X-{i:06d}", f"acc-bench-{i % 1000}", models.STATUSES[i % 4],
               date(2025, 1, 1) + timedelta(days=i % 500))


def own(paid: int, open_: int) -> Iterable[tuple[str, str, str, date]]:
    """Northwind's own: many paid long ago, a handful open."""
    for i in range(paid):
        yield f"P-{i:06d}", ACCOUNT, "paid", date(2024, 1, 1) + timedelta(days=i % 600)
    for i in range(open_):
        yield f"O-{i:06d}", ACCOUNT, "open", date(2025, 6, 1) + timedelta(days=i)


def invoices_in_table(cloud: LocalCloud) -> int:
    pages = cloud.client("dynamodb").get_paginator("scan").paginate(
        TableName=cloud.resource("Table"), Select="COUNT",
        FilterExpression="sk = :s", ExpressionAttributeValues={":s": {"S": "INVOICE"}})
    return sum(int(p["Count"]) for p in pages)


# -- reads through the gateway --------------------------------------------------------------
def timed(http: requests.Session, url: str, rounds: int, meter: Meter
          ) -> tuple[float, float, str, requests.Response]:
    """p50 and p99 in ms of `rounds` GETs, then one more with the principal's read counted,
    and what that one cost."""
    ms = []
    for _ in range(rounds):
        t = time.perf_counter()
        r = http.get(url, timeout=300)
        ms.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.text
    principal.cache.clear()  # the principal's read counts too, the same every time
    meter.one()
    r = http.get(url, timeout=300)
    assert r.status_code == 200, r.text
    p50, p99 = quantiles(ms)
    return p50, p99, meter.one(), r


def reads(http: requests.Session, api: str, label: str, rounds: int, meter: Meter,
          rows: list[tuple[str, str, str]], say: Callable[[str], None]) -> None:
    for name, path, n in (("GET /invoices", "/invoices?limit=25", rounds),
                          ("GET /invoices?status=open", "/invoices?status=open&limit=25",
                           rounds),
                          ("GET /accounts/…/balance", f"/accounts/{ACCOUNT}/balance", 100)):
        p50, p99, calls, r = timed(http, api + path, n, meter)
        got = r.json()
        shown = (f"{len(got['items'])} items" if "items" in got
                 else f"open_count {got['currencies'][0]['open_count']}")
        line = (f"{name:<27} {label:<18} p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  ({n} requests,"
                f" {shown}); DynamoDB calls {calls}")
        say(line)
        rows.append((name, label, f"{p50:.1f} / {p99:.1f} ms, calls {calls}"))


def pdf(http: requests.Session, api: str, number: str, meter: Meter) -> tuple[float, str]:
    principal.cache.clear()
    meter.one()
    t = time.perf_counter()
    r = http.get(f"{api}/invoices/{number}/pdf", timeout=60)
    ms = (time.perf_counter() - t) * 1000
    assert r.status_code == 200, r.text
    return ms, meter.one()


def main() -> None:
    n = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_INVOICES_N", "1000"))
    # moto answers a query on an index by walking every item in memory (seconds at 100,000
    # items), longer than the functions' 5 s read timeout meant for DynamoDB: raise it here.
    aws._CONFIG = Config(retries={"mode": "standard", "max_attempts": 1}, read_timeout=300)
    aws._client.cache_clear()
    real = sys.stdout
    out: list[str] = []
    rows: list[tuple[str, str, str]] = []

    def say(line: str) -> None:
        out.append(line)
        print(line, file=real, flush=True)

    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as quiet, \
            contextlib.redirect_stdout(quiet), \
            LocalCloud(port=0, site_dir=Path(tmp)) as cloud:
        api = cloud.api_url
        http = cloud.signed_in(BILLING)
        with cloud.functions["InvoicesFunction"].environment():
            meter = Meter({w.name for w in cloud.workers})

        # (a) about 100 invoices: the demo's and other accounts'.
        seeded = invoices_in_table(cloud)
        fill(cloud, others(0, 100 - seeded))
        small = invoices_in_table(cloud)
        reads(http, api, f"{small} invoices", READ_ROUNDS, meter, rows, say)

        # Ingest: once, then every event twice.
        once, found1, counted1 = ingest_run(cloud, "1", n, 1)
        say(f"ingest, {n} InvoiceIssued once:  {once:6.1f} s, {n / once:6.1f} events/s; "
            f"{found1} of {n} invoices stored, balance open count +{counted1}")
        twice, found2, counted2 = ingest_run(cloud, "2", n, 2)
        say(f"ingest, {n} InvoiceIssued twice: {twice:6.1f} s, {2 * n / twice:6.1f} "
            f"deliveries/s ({n / twice:.1f} invoices/s); {found2} of {n} invoices stored "
            f"(exactly {n}: {found2 == n}), balance open count +{counted2} "
            f"(exactly {n}: {counted2 == n})")
        dead = cloud.client("sqs").get_queue_attributes(
            QueueUrl=cloud.resource("IntegrationInboundDeadLetterQueue"),
            AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"]
        say(f"dead-lettered: {dead}")
        rows += [("ingest once", f"{n} events", f"{n / once:.1f} events/s"),
                 ("ingest twice", f"{2 * n} deliveries",
                  f"{2 * n / twice:.1f} deliveries/s, {found2} invoices")]

        # The PDF: the first request renders it (the first ever also imports fpdf2).
        for number in ("B1-000000", "B1-000001"):
            first, c1 = pdf(http, api, number, meter)
            second, c2 = pdf(http, api, number, meter)
            say(f"GET /invoices/{number}/pdf   first (renders) {first:7.1f} ms, calls {c1}; "
                f"second (stored) {second:7.1f} ms, calls {c2}")
            rows.append((f"GET /invoices/{number}/pdf", "rendered, stored",
                         f"{first:.1f} ms, {second:.1f} ms"))

        # (b) 100,000 invoices.
        now = invoices_in_table(cloud)
        extra = TOTAL - now - OWN_PAID - OWN_OPEN
        written, seconds = fill(cloud, [*own(OWN_PAID, OWN_OPEN), *others(100, extra)])
        big = invoices_in_table(cloud)
        say(f"(wrote {written:,} invoices into moto with batch_write_item, 25 items a call, "
            f"in {seconds:.0f} s: {big:,} in the table, {OWN_PAID:,} paid and {OWN_OPEN} open "
            f"more of them {ACCOUNT}'s)")
        rows.append(("writing into moto", f"{written:,} invoices", f"{seconds:.0f} s"))
        reads(http, api, f"{big:,} invoices", BIG_READ_ROUNDS, meter, rows, say)

    print("\n== summary (2 cores, other work running on the machine)")
    width = max(len(r[0]) for r in rows)
    for name, label, figures in rows:
        print(f"{name:<{width}}  {label:<18} {figures}")


if __name__ == "__main__":
    main()
