"""Bookings through the local gateway, with the event workers running as in `make run`.

- Availability of a busy resource (one booking in every other half hour for 31 days) for
  a 31-day window: p50/p99 and the DynamoDB calls per request (it must stay one query of
  the slot units, whatever the window holds).
- Bookings per second on free slots, one client and four at once.
- Bookings per second under contention: four clients racing for the same slots, each
  slot won once and refused (409) to the others.

    python -m bench.bookings [N]     (or BENCH_BOOKINGS_N; bookings per measurement, 200)
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from bench.writes import DynamoDBCalls
from infra.local import LocalCloud

BOOKERS = ("contact@northwind.example", "manager@northwind.example",
           "contact@contoso.example", "manager@contoso.example")
ADMIN = "admin@portico.example"
SLOT = timedelta(minutes=30)


def stamp(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def make_room(admin: requests.Session, api: str, name: str) -> str:
    r = admin.post(f"{api}/resources", timeout=10, json={
        "name": name, "category": "meeting_rooms", "time_zone": "Europe/Helsinki",
        "opening_hours": {d: [{"start": "00:00", "end": "24:00"}]
                          for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "slot_minutes": 30, "min_duration_minutes": 30, "max_duration_minutes": 60,
        "lead_time_minutes": 0, "horizon_days": 60})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def book(http: requests.Session, api: str, room: str, start: datetime) -> int:
    r = http.post(f"{api}/bookings", timeout=30, json={
        "resource_id": room, "start": stamp(start), "end": stamp(start + SLOT)})
    return r.status_code


def rate(sessions: list[requests.Session], api: str, room: str, starts: list[datetime]
         ) -> tuple[float, Counter[int]]:
    """Send a booking for each start, spread over the sessions (one thread each):
    requests per second and the answers."""
    answers: Counter[int] = Counter()
    lock = threading.Lock()

    def run(k: int) -> None:
        for start in starts[k::len(sessions)]:
            status = book(sessions[k], api, room, start)
            with lock:
                answers[status] += 1

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(sessions))]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return len(starts) / (time.perf_counter() - t), answers


def main() -> None:
    n = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_BOOKINGS_N", "200"))
    out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as quiet, \
            contextlib.redirect_stdout(quiet), \
            LocalCloud(port=0, site_dir=Path(tmp)) as cloud:
        api = cloud.api_url
        admin = cloud.signed_in(ADMIN)
        sessions = [cloud.signed_in(u) for u in BOOKERS]
        with cloud.functions["BookingsFunction"].environment():
            meter = DynamoDBCalls({w.name for w in cloud.workers})
        first = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                                microsecond=0)

        # A busy resource: every other half hour of 31 days booked.
        busy = make_room(admin, api, "Busy room")
        held = [first + 2 * SLOT * i for i in range(31 * 24)]
        t = time.perf_counter()
        _, answers = rate(sessions, api, busy, held)
        assert answers == Counter({201: len(held)}), answers
        filled = time.perf_counter() - t
        window = f"from={stamp(first)}&to={stamp(first + timedelta(days=31))}"
        ms: list[float] = []
        meter.take()
        for _ in range(100):
            t = time.perf_counter()
            r = sessions[0].get(f"{api}/resources/{busy}/availability?{window}", timeout=30)
            ms.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text
        calls = meter.take()
        slots = r.json()["slots"]
        q = statistics.quantiles(ms, n=100)
        out.append(f"availability of a busy resource, 31 days ({len(held)} bookings held, "
                   f"{len(slots)} slots answered, {sum(s['remaining'] == 0 for s in slots)} "
                   f"taken): p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms; DynamoDB calls per "
                   f"request: " + ", ".join(f"{op} {c / 100:.2f}"
                                            for op, c in sorted(calls.items())))
        out.append(f"filling it: {len(held)} bookings from 4 clients in {filled:.1f} s")

        # Free slots: one client, then four at once.
        free = make_room(admin, api, "Free room")
        starts = [first + SLOT * i for i in range(2 * n)]
        one, a1 = rate(sessions[:1], api, free, starts[:n])
        four, a4 = rate(sessions, api, free, starts[n:])
        out.append(f"bookings on free slots: {one:.0f}/s from 1 client, {four:.0f}/s from 4 "
                   f"at once (answers {dict(a1)}, {dict(a4)})")

        # Contention: every slot asked for by all four clients.
        contested = make_room(admin, api, "Contested room")
        wanted = [first + SLOT * (i // 4) for i in range(n)]
        tried, ac = rate(sessions, api, contested, wanted)
        won = ac[201] * tried / n  # successes over the run's duration (n / tried seconds)
        out.append(f"under contention (4 clients, each slot wanted by all 4): {tried:.0f} "
                   f"requests/s, {won:.0f} bookings/s; answers {dict(ac)} for {n // 4} slots")
    print("\n".join(out))


if __name__ == "__main__":
    main()
