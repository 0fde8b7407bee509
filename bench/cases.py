"""What the open-case lists cost with 1,000 and with 100,000 cases in one account: the
first and the tenth page (limit 25, following `next_cursor`) of

- a queue's open cases, `GET /queues/support/cases` as agent@portico.example, and
- an account's open cases, `GET /cases?scope=account&account=<id>&status=open` as
  admin@portico.example,

through the local gateway. Per page: the cases function's DynamoDB calls (botocore events
on its client, the principal's read included: its cache is cleared first), the items the
Query read, and the read capacity DynamoDB would charge for them (eventually consistent:
half a unit per 4 KB read, per call; estimated from the items' sizes, since moto reports a
flat 1.0 a call); then p50/p99 of the same request sent ROUNDS times.

Built (written straight into moto with batch_write_item, 25 items a call, and timed): a
fresh bench account whose cases all sit in the `support` queue, each case item with its
list keys and its queue entry as the portal writes them now (`desk.list_keys`,
`desk.entry`), one a minute, the open ones spread evenly among the closed:

- 1,000 cases: 250 open, 750 closed (1% open would be 10, not ten pages of 25);
- 100,000 cases: 1,000 open (1%), 99,000 closed; the 1,000 are deleted first.

The calls and capacity must be the same at both sizes. For comparison, what the old keys
(`<created>#<id>`, the status a FilterExpression) would have read for the same pages,
computed from the items built, not run. moto answers every Query by walking all of the
table's items in memory (a partition or an index alike), so latency at 100,000 is moto's,
not DynamoDB's: seconds a request, and the whole run about 30 minutes on two cores.

    python -m bench.cases     (make bench runs it too)
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from botocore.config import Config

from infra.local import LocalCloud
from portico import aws, keys, principal, store
from portico.cases import desk
from portico.events import SYSTEM
from portico.identity import directory

ROUNDS = 50
LIMIT = 25
PAGES = 10
QUEUE = "support"
AGENT, ADMIN = "agent@portico.example", "admin@portico.example"
SIZES = ((1_000, 250), (100_000, 1_000))  # cases, of them open
START = datetime(2020, 1, 1, tzinfo=UTC)


def iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it: names and values (typed, as on the wire)."""
    return sum(len(name.encode()) + value_bytes(v) for name, v in item.items())


def value_bytes(v: dict[str, Any]) -> int:
    (kind, x), = v.items()
    if kind == "S":
        return len(x.encode())
    if kind == "N":
        return len(x.lstrip("-").replace(".", "").strip("0")) // 2 + 2
    if kind == "B":
        return len(x)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_bytes(e) for e in x)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_bytes(e) for k, e in x.items())
    return sum(len(str(e).encode()) for e in x)  # SS, NS, BS


def rcu(read_bytes: int, *, consistent: bool = False) -> float:
    """Read capacity of one call: 4 KB units, rounded up, half for eventually consistent."""
    return max(1, math.ceil(read_bytes / 4096)) * (1.0 if consistent else 0.5)


@dataclass
class Call:
    op: str
    read: int = 0  # items read (scanned), not only returned
    returned: int = 0
    bytes: int = 0
    rcu: float = 0.0
    moto: float = 0.0


@dataclass
class Meter:
    """The cases function's DynamoDB calls: what each read, and what it would cost."""

    calls: list[Call] = field(default_factory=list)
    consistent: bool = False

    def __post_init__(self) -> None:
        events = aws.dynamodb().meta.events
        events.register("provide-client-params.dynamodb.*", self.ask)
        events.register("after-call.dynamodb.*", self.count)

    def ask(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in ("Query", "GetItem", "BatchGetItem"):
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        self.consistent = bool(params.get("ConsistentRead"))

    def count(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        used = parsed.get("ConsumedCapacity")
        moto = sum(float(c.get("CapacityUnits", 0))
                   for c in (used if isinstance(used, list) else [used] if used else []))
        call = Call(model.name, moto=moto)
        if model.name == "Query":
            items = parsed.get("Items", [])
            call.read, call.returned = int(parsed.get("ScannedCount", len(items))), len(items)
            call.bytes = sum(item_bytes(i) for i in items)
            if call.read != call.returned:  # filtered: what was read is not all in hand
                call.bytes = math.ceil(call.bytes / max(1, call.returned) * call.read)
            call.rcu = rcu(call.bytes, consistent=self.consistent)
        elif model.name == "GetItem":
            got = parsed.get("Item")
            call.read = call.returned = 1 if got else 0
            call.bytes = item_bytes(got) if got else 0
            call.rcu = rcu(call.bytes, consistent=self.consistent)
        elif model.name == "BatchGetItem":
            for table_items in parsed.get("Responses", {}).values():
                for i in table_items:
                    call.read += 1
                    call.returned += 1
                    call.bytes += item_bytes(i)
                    call.rcu += rcu(item_bytes(i), consistent=self.consistent)
        self.calls.append(call)

    def take(self) -> list[Call]:
        taken, self.calls = self.calls, []
        return taken


def describe(calls: list[Call]) -> str:
    ops = ", ".join(f"{c.op}" + (f" {c.read} items {c.bytes:,} B" if c.op == "Query" else "")
                    for c in calls)
    total = sum(c.rcu for c in calls)
    query = sum(c.rcu for c in calls if c.op == "Query")
    moto = sum(c.moto for c in calls)
    return (f"{len(calls)} calls ({ops}); RCU {total:g} (the Query {query:g}; "
            f"moto says {moto:g})")


def quantiles(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"p50 {q[49]:7.1f} ms  p99 {q[98]:7.1f} ms"


# -- the cases -----------------------------------------------------------------------------
def new_account(cloud: LocalCloud) -> str:
    """A customer account of its own, as tests/integration/conftest.py's fresh_account."""
    account_id = f"acc-bench-{uuid.uuid4().hex[:8]}"
    with cloud.functions["IdentityFunction"].environment():
        directory.create_account(directory.new_account(
            account_id=account_id, number="A-8" + account_id[-4:], name="Bench Oy",
            kind="customer"), actor=SYSTEM)
    return account_id


def case(account_id: str, n: int, *, is_open: bool) -> dict[str, Any]:
    created = START + timedelta(minutes=n)
    at, due = iso(created), iso(created + timedelta(days=3))
    case_id = uuid.uuid4().hex
    c: dict[str, Any] = {
        "pk": f"CASE#{case_id}", "sk": "CASE", "type": "Case", "id": case_id,
        "number": f"CS-8{n:06d}", "subject": f"Bench case {n}", "description": "Measured.",
        "category": "general", "priority": "normal",
        "status": "new" if is_open else "closed", "account_id": account_id,
        "requester_id": "c-bench", "requester_name": "Benny Bench", "cc": [], "fields": {},
        "queue": QUEUE, "first_response_due": due, "resolution_due": due, "created_at": at,
        "updated_at": at, "version": 1 if is_open else 3,
        "search": f"cs-8{n:06d} bench case {n}"}
    if not is_open:
        closed = iso(created + timedelta(days=1))
        c.update(resolved_at=closed, closed_at=closed, updated_at=closed)
    return c


def build(cloud: LocalCloud, account_id: str, total: int, open_: int
          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`total` cases of the account, every (total/open_)-th open: the case items (with
    their list keys) and their queue entries."""
    step = total // open_
    cases, entries = [], []
    with cloud.functions["CasesFunction"].environment():
        for n in range(total):
            c = case(account_id, n, is_open=n % step == step - 1)
            cases.append({**c, **desk.list_keys(c)})
            entries.append(desk.entry(c))
    return cases, entries


def write(cloud: LocalCloud, items: list[dict[str, Any]], *, delete: bool = False) -> float:
    """batch_write_item, 25 items a call: seconds taken."""
    ddb, table = cloud.client("dynamodb"), cloud.resource("Table")
    started = time.perf_counter()
    for i in range(0, len(items), 25):
        requests_ = [{"DeleteRequest": {"Key": store.serialize({"pk": x["pk"], "sk": x["sk"]})}}
                     if delete else {"PutRequest": {"Item": store.serialize(x)}}
                     for x in items[i:i + 25]]
        pending: dict[str, Any] = {table: requests_}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return time.perf_counter() - started


# -- the pages -----------------------------------------------------------------------------
def page_urls(http: requests.Session, first: str, account_id: str | None) -> list[str]:
    """The URLs of pages 1..PAGES, each checked to hold LIMIT open cases (of the account)."""
    urls, url = [], first
    for _ in range(PAGES):
        urls.append(url)
        r = http.get(url, timeout=300)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) == LIMIT, (url, len(page["items"]))
        assert all(keys.case_class(c["status"]) == "open" for c in page["items"])
        assert account_id is None or {c["account_id"] for c in page["items"]} == {account_id}
        if len(urls) < PAGES:
            assert page["next_cursor"], url
            url = f"{first}&cursor={quote(page['next_cursor'], safe='')}"
    return [urls[0], urls[-1]]


def measure(http: requests.Session, meter: Meter, label: str, url: str) -> None:
    principal.cache.clear()  # count the principal's read too, the same at both sizes
    meter.take()
    r = http.get(url, timeout=300)
    assert r.status_code == 200, r.text
    cost = describe(meter.take())
    ms = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        r = http.get(url, timeout=300)
        ms.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.text
    meter.take()
    print(f"  {label:<22} {quantiles(ms)}  {cost}")


def old_way(cases: list[dict[str, Any]]) -> str:
    """What the old keys read for the same pages: the account's cases newest first by
    `<created>#<id>`, LIMIT items a call, the open ones kept by a FilterExpression."""
    newest = sorted(cases, key=lambda c: c["created_at"], reverse=True)
    sizes = [item_bytes(store.serialize(c)) for c in newest]
    is_open = [keys.case_class(c["status"]) == "open" for c in newest]
    first_call = sum(is_open[:LIMIT])

    def read_until(nth: int) -> tuple[int, int, float]:
        seen = 0
        for i, o in enumerate(is_open):
            seen += o
            if seen == nth:
                calls = math.ceil((i + 1) / LIMIT)
                units = sum(rcu(sum(sizes[k:k + LIMIT])) for k in range(0, calls * LIMIT, LIMIT))
                return calls * LIMIT, calls, units
        raise AssertionError(nth)

    a_items, a_calls, a_rcu = read_until(LIMIT)
    b_items, b_calls, b_rcu = read_until(LIMIT * PAGES)
    return (f"  old keys (computed): a call read {LIMIT} items and returned {first_call} open; "
            f"the first {LIMIT} open took {a_calls} calls, {a_items:,} items, RCU {a_rcu:g}; "
            f"open cases {LIMIT * (PAGES - 1) + 1}-{LIMIT * PAGES} ended at call "
            f"{b_calls} ({b_items:,} items, RCU {b_rcu:g} for all {b_calls})")


def main() -> None:
    # moto answers a query by walking every item of the table in memory (seconds at 200,000
    # items), longer than the functions' 5 s read timeout meant for DynamoDB: raise it here.
    aws._CONFIG = Config(retries={"mode": "standard", "max_attempts": 1}, read_timeout=300)
    aws._client.cache_clear()
    with tempfile.TemporaryDirectory() as tmp, \
            LocalCloud(port=0, site_dir=Path(tmp), run_workers=False) as cloud:
        agent, admin, api = cloud.signed_in(AGENT), cloud.signed_in(ADMIN), cloud.api_url
        with cloud.functions["CasesFunction"].environment():
            meter = Meter()
        before: list[dict[str, Any]] = []
        for total, open_ in SIZES:
            if before:
                seconds = write(cloud, before, delete=True)
                print(f"(deleted the {len(before):,} items before in {seconds:.1f} s)")
            account_id = new_account(cloud)
            cases, entries = build(cloud, account_id, total, open_)
            before = cases + entries
            seconds = write(cloud, before)
            print(f"{total:,} cases in account {account_id}, queue {QUEUE}: {open_:,} open, "
                  f"{total - open_:,} closed; wrote {len(before):,} items (cases and queue "
                  f"entries) in {len(before) // 25:,} batch_write_item calls: {seconds:.1f} s "
                  f"({len(before) / seconds:,.0f} items/s)")
            queue = page_urls(agent, f"{api}/queues/{QUEUE}/cases?limit={LIMIT}", None)
            account = page_urls(admin, f"{api}/cases?scope=account&account={account_id}"
                                       f"&status=open&limit={LIMIT}", account_id)
            for (label, http), urls in (((f"queue {QUEUE}", agent), queue),
                                        (("account", admin), account)):
                for page, url in zip((1, PAGES), urls, strict=True):
                    measure(http, meter, f"{label}, page {page}", url)
            print(old_way(cases))


if __name__ == "__main__":
    main()
