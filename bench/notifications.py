"""Notifications on the local cloud, with the event workers running as in `make run`.

- Notifier throughput: N `CaseCommented` events (an agent's public comment on one of ten
  cases of contact@northwind.example with manager@northwind.example in CC: two readers,
  so two notifications and two mails an event) sent straight onto the NotificationQueue,
  ten a SendMessageBatch, each body a bus event as the NotificationRule delivers it. Timed
  from the first send until the queue is empty with nothing in flight and both readers'
  unread counts have grown by N: events per second, with the notifier's DynamoDB calls per
  event and the mails moto's SES recorded.
- Domain write to in-app notification: agent@portico.example comments on a case of
  contact@northwind.example (`POST /cases/{id}/comments`), and the customer lists
  `GET /notifications?unread=true` every 20 ms until the comment's notification is there;
  p50/p99 over 50 comments, from the 201 and from sending the request.
- Domain write to badge: the customer holds a WebSocket on the live API (token as
  `?token=`), and the time from the comment's 201 until a `{"type": "summary"}` message
  with a higher unread total arrives; p50/p99 over 50 comments.

Locally an event takes this path: the write's transaction puts the event in the table's
outbox; the table's stream is polled by a worker that invokes the publisher, which puts it
on the bus (moto); the NotificationRule sends it to the NotificationQueue; a second worker
polls that and invokes the notifier, which stores the notifications and counts, sends the
mail (SES, moto) and posts the new counts to the customer's sockets through the management
API of the local gateway. Both workers poll like Lambda's event sources do, but back off
when idle (0.1 s, doubled after each empty poll up to 1 s), and that back-off is most of
the latency: each comment waits a random 0-3 s first, so it lands anywhere in the cycle,
as a comment in a quiet portal would. One process runs one invocation at a time.

    python -m bench.notifications [N]     (or BENCH_NOTIFY_N; events for throughput, 300;
                                           BENCH_NOTIFY_ROUNDS comments per latency, 50)

About 7 minutes on 2 cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import simple_websocket
from moto.ses.models import ses_backends

from bench.writes import DynamoDBCalls
from infra.local import ACCOUNT_ID, LocalCloud
from portico import keys, store
from portico.notifications import models

CUSTOMER = "contact@northwind.example"
CC = "manager@northwind.example"
AGENT = "agent@portico.example"
CASES = 10  # the throughput events are spread over these
ROUNDS = int(os.environ.get("BENCH_NOTIFY_ROUNDS", "50"))  # comments per latency measurement
POLL = 0.02  # seconds between the customer's GET /notifications
PAUSE = 3.0  # most seconds of quiet before each measured comment
TIMEOUT = 30.0


class NotifierCalls(DynamoDBCalls):
    """The DynamoDB calls made on the notifier's worker thread (its invocations), and the
    items its transactions carry."""

    def _ours(self) -> bool:
        return threading.current_thread().name in self.workers


def quantiles(values: list[float]) -> tuple[float, float]:
    """p50 and p99; inclusive, so that with 50 samples p99 lies below the largest."""
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[98]


def contact_id(cloud: LocalCloud, email: str) -> str:
    return str(next(u["contact_id"] for u in cloud.users if u["email"] == email))


def token_of(http: requests.Session) -> str:
    return str(http.headers["Authorization"]).split(" ", 1)[1]


def unread(cloud: LocalCloud, contact: str) -> int:
    """The contact's unread count over all sections, as the table holds it."""
    got = cloud.client("dynamodb").get_item(
        TableName=cloud.resource("Table"), ConsistentRead=True,
        Key=store.serialize(keys.unread_counts(contact))).get("Item") or {}
    counts = store.deserialize(got)
    return sum(int(counts.get(s, 0)) for s in models.SECTIONS)


def mails(cloud: LocalCloud) -> int:
    return len(ses_backends[ACCOUNT_ID][cloud.region].sent_messages)


def queue_idle(cloud: LocalCloud, logical_id: str = "NotificationQueue") -> bool:
    a = cloud.client("sqs").get_queue_attributes(
        QueueUrl=cloud.resource(logical_id), AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])[
        "Attributes"]
    return bool(a["ApproximateNumberOfMessages"] == a["ApproximateNumberOfMessagesNotVisible"]
                == "0")


def settle(cloud: LocalCloud, readers: list[str], quiet: float = 3.0) -> None:
    """Until the queue is idle and the readers' counts have not moved for `quiet` s."""
    last: tuple[int, ...] = ()
    since = time.monotonic()
    deadline = since + 120
    while time.monotonic() < deadline:
        now = tuple(unread(cloud, r) for r in readers)
        if now != last or not queue_idle(cloud):
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.2)
    raise TimeoutError("the notifications did not settle")


def open_case(cloud: LocalCloud, http: requests.Session, cc: list[str]) -> dict[str, Any]:
    r = http.post(f"{cloud.api_url}/cases", timeout=30, json={
        "subject": "Bench: printer on fire", "description": "It is on fire.",
        "category": "general", "cc": cc})
    assert r.status_code == 201, r.text
    return dict(r.json())


# -- throughput -----------------------------------------------------------------------------
def comment_event(case: dict[str, Any], author: str) -> dict[str, Any]:
    """A CaseCommented event as the cases function writes it (tests/integration/
    test_notifications.py `_comment_event`)."""
    return {"id": uuid.uuid4().hex, "type": "CaseCommented", "version": 1,
            "occurred_at": datetime.now(UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "actor": {"type": "contact", "id": author},
            "account_id": case["account_id"],
            "data": {"case_id": case["id"], "number": case["number"],
                     "comment_id": uuid.uuid4().hex, "internal": False,
                     "author_id": author, "by_staff": True,
                     "body": f"Bench comment {uuid.uuid4().hex[:8]}"}}


def throughput(cloud: LocalCloud, cases: list[dict[str, Any]], author: str,
               readers: list[str], n: int, meter: NotifierCalls
               ) -> tuple[float, float, int, int, Counter[str]]:
    """Seconds to send, seconds until done, notifications stored, mails sent, and the
    notifier's DynamoDB calls."""
    sqs, url = cloud.client("sqs"), cloud.resource("NotificationQueue")
    events = [comment_event(cases[i % len(cases)], author) for i in range(n)]
    before = [unread(cloud, r) for r in readers]
    sent_before = mails(cloud)
    meter.take()
    t = time.perf_counter()
    for i in range(0, n, 10):
        r = sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(k), "MessageBody": json.dumps({
                "detail-type": e["type"], "source": "portico", "detail": e})}
            for k, e in enumerate(events[i:i + 10])])
        assert not r.get("Failed"), r
    sending = time.perf_counter() - t
    deadline = time.monotonic() + 1800
    while True:
        if queue_idle(cloud) and all(unread(cloud, r) - b >= n
                                     for r, b in zip(readers, before, strict=True)):
            break
        if time.monotonic() > deadline:
            raise TimeoutError("the notifier did not finish")
        time.sleep(0.05)
    seconds = time.perf_counter() - t
    stored = sum(unread(cloud, r) - b for r, b in zip(readers, before, strict=True))
    return sending, seconds, stored, mails(cloud) - sent_before, meter.take()


# -- latency --------------------------------------------------------------------------------
def comment(cloud: LocalCloud, agent: requests.Session, case: dict[str, Any],
            body: str) -> tuple[float, float]:
    """Post a comment: perf_counter before sending and at the 201."""
    sent = time.perf_counter()
    r = agent.post(f"{cloud.api_url}/cases/{case['id']}/comments", json={"body": body},
                   timeout=30)
    answered = time.perf_counter()
    assert r.status_code == 201, r.text
    return sent, answered


def to_inbox(cloud: LocalCloud, agent: requests.Session, customer: requests.Session,
             case: dict[str, Any], rounds: int, rng: random.Random
             ) -> tuple[list[float], list[float]]:
    """Per comment, ms from the 201 and from sending until the customer's unread list
    shows it."""
    from_201, from_send = [], []
    url = f"{cloud.api_url}/notifications?unread=true&limit=10"
    for i in range(rounds):
        time.sleep(rng.uniform(0, PAUSE))
        tag = f"inbox-{i}-{uuid.uuid4().hex[:8]}"
        sent, answered = comment(cloud, agent, case, f"Bench reply {tag}")
        deadline = answered + TIMEOUT
        while True:
            r = customer.get(url, timeout=30)
            seen = time.perf_counter()
            assert r.status_code == 200, r.text
            if any(tag in n["body"] for n in r.json()["items"]):
                break
            if seen > deadline:
                raise TimeoutError(f"no notification for {tag} in {TIMEOUT:.0f} s")
            time.sleep(POLL)
        from_201.append((seen - answered) * 1000)
        from_send.append((seen - sent) * 1000)
    return from_201, from_send


def to_socket(cloud: LocalCloud, agent: requests.Session, customer: requests.Session,
              case: dict[str, Any], rounds: int, rng: random.Random
              ) -> tuple[list[float], list[float]]:
    """Per comment, ms from the 201 and from sending until the customer's open socket has
    a summary with a higher unread total."""
    assert cloud.live_url is not None, "the template has no WebSocket API"
    r = customer.get(f"{cloud.api_url}/notifications/summary", timeout=30)
    assert r.status_code == 200, r.text
    total = int(r.json()["total"])
    from_201, from_send = [], []
    ws = simple_websocket.Client.connect(f"{cloud.live_url}?token={token_of(customer)}")
    try:
        for i in range(rounds):
            time.sleep(rng.uniform(0, PAUSE))
            while ws.receive(timeout=0) is not None:  # nothing left over from before
                pass
            sent, answered = comment(cloud, agent, case, f"Bench reply socket-{i}")
            deadline = answered + TIMEOUT
            while True:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError(f"no badge in {TIMEOUT:.0f} s")
                got = ws.receive(timeout=left)
                seen = time.perf_counter()
                message = json.loads(got) if got else {}
                if message.get("type") == "summary" and message["summary"]["total"] > total:
                    total = int(message["summary"]["total"])
                    break
            from_201.append((seen - answered) * 1000)
            from_send.append((seen - sent) * 1000)
    finally:
        ws.close()
    return from_201, from_send


def main() -> None:
    n = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_NOTIFY_N", "300"))
    rng = random.Random(14)  # the pauses before comments, the same each run
    real = sys.stdout
    rows: list[tuple[str, str]] = []

    def say(line: str) -> None:
        print(line, file=real, flush=True)

    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as quiet, \
            contextlib.redirect_stdout(quiet), \
            LocalCloud(port=0, site_dir=Path(tmp)) as cloud:
        customer, agent = cloud.signed_in(CUSTOMER), cloud.signed_in(AGENT)
        ned, nora = contact_id(cloud, CUSTOMER), contact_id(cloud, CC)
        author = contact_id(cloud, AGENT)
        with cloud.functions["NotifierFunction"].environment():
            meter = NotifierCalls({"sqs:NotifierFunction"})

        # 1. The notifier alone, fed straight from its queue.
        cases = [open_case(cloud, customer, [nora]) for _ in range(CASES)]
        settle(cloud, [ned, nora])  # the cases' own events (CaseCreated to the CC, routing)
        sending, seconds, stored, mailed, calls = throughput(cloud, cases, author,
                                                             [ned, nora], n, meter)
        dead = cloud.client("sqs").get_queue_attributes(
            QueueUrl=cloud.resource("NotificationDeadLetterQueue"),
            AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"]
        written = calls.pop("items written", 0)
        per_event = ", ".join(f"{op} {c / n:.1f}" for op, c in sorted(calls.items()))
        say(f"notifier: {n} CaseCommented events (2 readers each) in {seconds:.1f} s "
            f"(sent in {sending:.1f} s): {n / seconds:.1f} events/s, "
            f"{stored / seconds:.1f} notifications/s; {stored} notifications stored "
            f"(expected {2 * n}), {mailed} mails recorded by moto's SES (expected {2 * n}), "
            f"{dead} dead-lettered")
        say(f"notifier DynamoDB calls per event: {sum(calls.values()) / n:.1f} ({per_event}),"
            f" {written / n:.1f} items written in transactions")
        rows += [("notifier throughput", f"{n / seconds:.1f} events/s "
                  f"({stored / seconds:.1f} notifications/s, {n} events)"),
                 ("stored / mailed", f"{stored} notifications, {mailed} SES mails "
                  f"(expected {2 * n} each)")]

        # 2 and 3. Through the portal: a reply to a case of the customer's.
        case = open_case(cloud, customer, [])
        settle(cloud, [ned])
        comment(cloud, agent, case, "Warm-up reply.")  # imports, first invocations
        settle(cloud, [ned])
        for name, measure in (("write -> in-app notification", to_inbox),
                              ("write -> badge over the socket", to_socket)):
            from_201, from_send = measure(cloud, agent, customer, case, ROUNDS, rng)
            a50, a99 = quantiles(from_201)
            s50, s99 = quantiles(from_send)
            say(f"{name}: from the 201 p50 {a50:.0f} ms, p99 {a99:.0f} ms; from sending "
                f"the request p50 {s50:.0f} ms, p99 {s99:.0f} ms (largest {max(from_201):.0f}"
                f" and {max(from_send):.0f} ms; {ROUNDS} comments)")
            rows.append((name, f"p50 {a50:.0f} / p99 {a99:.0f} ms from the 201, "
                               f"p50 {s50:.0f} / p99 {s99:.0f} ms from sending"))
            settle(cloud, [ned])

    print("\n== summary (local cloud, 2 cores, other work running on the machine)")
    width = max(len(r[0]) for r in rows)
    for name, figures in rows:
        print(f"{name:<{width}}  {figures}")


if __name__ == "__main__":
    main()
