"""What one write costs through the local gateway: POST /cases, PATCH /cases/{id},
POST /cases/{id}/comments and PATCH /me, each sent N times in a row (N from the first
argument or BENCH_WRITES_N, default 200), with the event workers running as in `make run`.

Prints p50/p90/p99 and mean in ms per write, and per request the DynamoDB calls the serving
function makes and the items its transaction writes. Runs against whichever portico is
imported first (the header says which), so the same script measures an older checkout put
first on PYTHONPATH.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

import infra
import portico
from infra.local import LocalCloud
from portico import aws

WARMUP = 20
CONTACT = "contact@northwind.example"
AGENT = "agent@portico.example"
PHONES = ("+358 40 1234567", "+358 40 7654321")


class DynamoDBCalls:
    """Counts DynamoDB calls made while serving requests: the workers share the function's
    client but run on their own threads, and their calls are not the request's."""

    def __init__(self, worker_threads: set[str]) -> None:
        self.workers = worker_threads
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        events = aws.dynamodb().meta.events
        events.register("provide-client-params.dynamodb.TransactWriteItems", self.items)
        events.register("after-call.dynamodb.*", self.count)

    def _ours(self) -> bool:
        return threading.current_thread().name not in self.workers

    def items(self, params: dict[str, Any], **_: Any) -> None:
        # How much a transaction carries (record, projections, outbox, audit) is what the
        # call count alone does not show.
        if self._ours():
            with self._lock:
                self.calls["items written"] += len(params.get("TransactItems", ()))

    def count(self, model: Any, **_: Any) -> None:
        if self._ours():
            with self._lock:
                self.calls[model.name] += 1

    def take(self) -> Counter[str]:
        with self._lock:
            taken, self.calls = self.calls, Counter()
        return taken


def post_case(http: requests.Session, api: str, i: int) -> requests.Response:
    return http.post(f"{api}/cases", json={"subject": f"Bench write {i}",
                                           "description": "Measured.", "category": "general"},
                     timeout=10)


def open_case(http: requests.Session, api: str, i: int) -> dict[str, Any]:
    r = post_case(http, api, i)
    assert r.status_code == 201, r.text
    case: dict[str, Any] = r.json()
    return case


def routed(http: requests.Session, api: str, case_id: str) -> dict[str, Any]:
    """The case once the routing workflow has put it in a queue: the agent's patches must
    not race that update for the version."""
    deadline = time.monotonic() + 15
    while True:
        r = http.get(f"{api}/cases/{case_id}", timeout=10)
        assert r.status_code == 200, r.text
        case: dict[str, Any] = r.json()
        if case.get("queue") or time.monotonic() > deadline:
            return case
        time.sleep(0.1)


def main() -> None:
    n = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_WRITES_N", "200"))
    print(f"portico {Path(portico.__file__).parent}, infra {Path(infra.__file__).parent}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    table: list[str] = []
    # The functions log and flush metrics to stdout, the workers' included: away from the
    # table, which is printed once the cloud has stopped.
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as quiet, \
            contextlib.redirect_stdout(quiet), \
            LocalCloud(port=0, site_dir=Path(tmp)) as cloud:
        api = cloud.api_url
        contact, agent = cloud.signed_in(CONTACT), cloud.signed_in(AGENT)
        with cloud.functions["CasesFunction"].environment():
            meter = DynamoDBCalls({w.name for w in cloud.workers})

        # Separate cases for the agent's patches and the contact's comments: a comment
        # may move the case's status, which would cost the next patch its version.
        patched = routed(contact, api, open_case(contact, api, -1)["id"])
        commented = open_case(contact, api, -2)["id"]
        version = int(patched["version"])
        priorities = ("high", "normal") if patched["priority"] != "high" else ("normal", "high")
        conflicts = 0

        def patch_case(i: int) -> requests.Response:
            nonlocal version, conflicts
            url = f"{api}/cases/{patched['id']}"
            r = agent.patch(url, json={"version": version, "priority": priorities[i % 2]},
                            timeout=10)
            if r.status_code == 409:  # a worker wrote the case meanwhile: reload, retry, count it
                conflicts += 1
                version = int(agent.get(url, timeout=10).json()["version"])
                r = agent.patch(url, json={"version": version,
                                           "priority": priorities[i % 2]}, timeout=10)
            if r.status_code == 200:
                version = int(r.json()["version"])
            return r

        def comment(i: int) -> requests.Response:
            return contact.post(f"{api}/cases/{commented}/comments",
                                json={"body": f"Bench comment {i}."}, timeout=10)

        def patch_me(i: int) -> requests.Response:
            return contact.patch(f"{api}/me", json={"phone": PHONES[i % 2]}, timeout=10)

        writes: list[tuple[str, Callable[[int], requests.Response], int]] = [
            ("POST /cases", lambda i: post_case(contact, api, i), 201),
            ("PATCH /cases/{id}", patch_case, 200),
            ("POST /cases/{id}/comments", comment, 201),
            ("PATCH /me", patch_me, 200),
        ]
        for _, send, status in writes:
            for i in range(WARMUP):
                r = send(i)
                assert r.status_code == status, r.text

        table.append(f"\n{n} sequential requests per write, {WARMUP} warm-up; ms per request\n")
        table.append(f"{'write':<27}{'p50':>8}{'p90':>8}{'p99':>8}{'mean':>8}"
                     "   DynamoDB calls/request")
        started = time.perf_counter()
        for name, send, status in writes:
            ms: list[float] = []
            meter.take()
            for i in range(n):
                t = time.perf_counter()
                r = send(i)
                ms.append((time.perf_counter() - t) * 1000)
                assert r.status_code == status, r.text
            calls = meter.take()
            written = calls.pop("items written", 0)
            q = statistics.quantiles(ms, n=100)
            per = ", ".join(f"{op} {c / n:.2f}" for op, c in sorted(calls.items()))
            table.append(f"{name:<27}{q[49]:8.2f}{q[89]:8.2f}{q[98]:8.2f}"
                         f"{statistics.fmean(ms):8.2f}   {sum(calls.values()) / n:.2f} ({per});"
                         f" {written / n:.2f} transaction items")
        table.append(f"\nmeasured in {time.perf_counter() - started:.1f} s; "
                     f"patch conflicts with workers: {conflicts}; load average after: "
                     f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n".join(table))


if __name__ == "__main__":
    main()
