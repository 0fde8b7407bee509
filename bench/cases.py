"""Cases through the local gateway: latency of POST /cases and GET /cases, and what one
GET /cases costs in DynamoDB (calls and consumed capacity) with 100 and with 100,000 cases
in the table. The cost must not grow with the table; moto's own query time does (it walks
an index's items in memory), so latency on the second line is moto's, not DynamoDB's.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from botocore.config import Config
from moto.dynamodb.models import dynamodb_backends

from infra.local import ACCOUNT_ID, LocalCloud
from portico import aws, keys, principal, store

ROUNDS = 200
USER = "manager@contoso.example"


def quantiles(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"p50 {q[49]:7.2f} ms   p99 {q[98]:7.2f} ms"


class DynamoDBCalls:
    """Counts the function's DynamoDB calls and asks each for its consumed capacity."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.capacity = 0.0
        events = aws.dynamodb().meta.events
        events.register("provide-client-params.dynamodb.*", self.ask)
        events.register("after-call.dynamodb.*", self.count)

    def ask(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in ("Query", "GetItem", "BatchGetItem", "TransactWriteItems",
                          "PutItem", "UpdateItem"):
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    def count(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append(model.name)
        used = parsed.get("ConsumedCapacity")
        for c in used if isinstance(used, list) else [used] if used else []:
            self.capacity += float(c.get("CapacityUnits", 0))

    def reset(self) -> None:
        self.calls.clear()
        self.capacity = 0.0


def fill(cloud: LocalCloud, total: int) -> float:
    """Other accounts' cases, written straight into moto (the API would take hours)."""
    backend = dynamodb_backends[ACCOUNT_ID][cloud.region]
    table = cloud.resource("Table")
    started = time.perf_counter()
    for i in range(total):
        case_id = uuid.uuid4().hex
        account = f"acc-bench-{i % 1000}"
        created = f"2026-01-01T00:00:{i % 60:02d}.{i:06d}Z"
        backend.put_item(table, store.serialize({
            **keys.case(case_id), **keys.cases_of_requester(account, "c-bench", created, case_id),
            **keys.cases_of_account(account, created, case_id), "type": "Case", "id": case_id,
            "number": f"CS-9{i:06d}", "subject": "Bench", "status": "new",
        }))
    return time.perf_counter() - started


def main() -> None:
    # moto answers a query on an index by walking every item in memory (seconds at 100,000
    # items), longer than the functions' 5 s read timeout meant for DynamoDB: raise it here.
    aws._CONFIG = Config(retries={"mode": "standard", "max_attempts": 1}, read_timeout=300)
    aws._client.cache_clear()
    with tempfile.TemporaryDirectory() as tmp, \
            LocalCloud(port=0, site_dir=Path(tmp), run_workers=False) as cloud:
        http = cloud.signed_in(USER)
        api = cloud.api_url
        with cloud.functions["CasesFunction"].environment():
            meter = DynamoDBCalls()

        posts = []
        for i in range(ROUNDS):
            t = time.perf_counter()
            r = http.post(f"{api}/cases", json={"subject": f"Bench case {i}",
                                                "description": "Measured.",
                                                "category": "general"}, timeout=10)
            posts.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 201, r.text
        print(f"POST /cases                          {quantiles(posts)}")

        def get_cases(label: str, rounds: int) -> None:
            gets = []
            for _ in range(rounds):
                t = time.perf_counter()
                r = http.get(f"{api}/cases?scope=account&limit=25", timeout=300)
                gets.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
            principal.cache.clear()  # count the principal's read too, the same both times
            meter.reset()
            http.get(f"{api}/cases?scope=account&limit=25", timeout=300)
            print(f"GET /cases, {label:<24} {quantiles(gets)}   DynamoDB calls "
                  f"{len(meter.calls)} ({', '.join(meter.calls)}), "
                  f"{meter.capacity:g} capacity units")

        cases_now = ROUNDS + 7
        get_cases(f"~{cases_now // 100 * 100:,} cases in table", ROUNDS)
        seconds = fill(cloud, 100_000 - cases_now)
        print(f"(filled the table to 100,000 cases in {seconds:.0f} s)")
        get_cases("100,000 cases in table", 20)


if __name__ == "__main__":
    main()
