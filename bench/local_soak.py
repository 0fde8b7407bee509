"""The local cloud under demo traffic for a while (`make run` is left running for hours):
signed-in demo users mostly read (lists, a case, its comments, their profile) and now and
then open a case or comment, with the event sources running. Every window it prints the
API's latency (p50/p95), errors, the process's RSS and what moto holds that could grow
(shard iterators, stream records); at the end, RSS growth per minute and what it makes in
an hour, then the CPU the idle portal uses.

    MALLOC_ARENA_MAX=2 python -m bench.local_soak [SECONDS]   (as `make run` runs;
                                             PORTICO_SOAK_SECONDS; default 120)
    python -m bench.local_soak 600 --compare     event sources stopped every other window:
                                                 the API's latency with them and without
    python -m bench.local_soak 300 --tracemalloc 15    what grew most, by allocating line

The mix, per user in turn: contacts open a case one round in 20 and comment two rounds in
20 (on the case they opened last); account managers only read. About 9 % of requests are
writes, 3 % new cases.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import requests
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodbstreams.models import dynamodbstreams_backends
from moto.s3.models import FakeKey
from moto.sqs.models import sqs_backends

from infra.local import ACCOUNT_ID, LocalCloud

USERS = ("contact@northwind.example", "manager@northwind.example", "contact@contoso.example",
         "manager@contoso.example", "consultant@example.com")
WARM_UP = 60.0  # seconds of RSS left out of the growth rate: imports, caches, first cases
HOURLY_BUDGET_MB = 50.0  # issue 16: `make run` stays within 50 MB over an hour of demo use


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def pct(ms: list[float], p: int) -> float:
    return statistics.quantiles(ms, n=100)[p - 1] if len(ms) > 1 else (ms or [0.0])[0]


@dataclass
class Latencies:
    """Milliseconds by request, and errors."""

    ms: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0

    def timed(self, label: str, ok: int, send: Callable[..., requests.Response], url: str,
              **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        r = send(url, timeout=30, **kwargs)
        self.ms.setdefault(label, []).append((time.perf_counter() - started) * 1000)
        if r.status_code != ok:
            self.errors += 1
        return r

    def every(self) -> list[float]:
        return [m for ms in self.ms.values() for m in ms]

    def add(self, other: Latencies) -> None:
        for label, ms in other.ms.items():
            self.ms.setdefault(label, []).extend(ms)
        self.errors += other.errors


class Moto:
    """What moto holds that grows with use without being the portal's data."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.streams = dynamodbstreams_backends[ACCOUNT_ID][cloud.region]
        self.sqs = sqs_backends[ACCOUNT_ID][cloud.region]
        self.table = dynamodb_backends[ACCOUNT_ID][cloud.region].get_table(
            cloud.resource("Table"))

    def iterators(self) -> int:
        return len(self.streams.shard_iterators)

    def stream_records(self) -> int:
        shard = self.table.stream_shard
        return len(shard.items) if shard is not None else 0

    def items(self) -> int:
        return len(self.table)

    def queued(self) -> int:
        """Messages in every queue (the integration feed's go to a file)."""
        return sum(len(q._messages) for q in self.sqs.queues.values())

    def objects(self) -> int:
        """S3 object versions moto holds (a deleted one is freed: infra/moto_fixes)."""
        return len(FakeKey.instances_tracked)  # type: ignore[attr-defined]

    def receipts(self) -> int:
        """Receipt handles moto remembers for deleted messages."""
        return sum(len(q.deleted_messages) for q in self.sqs.queues.values())


class Traffic:
    """The demo users' requests, one per call of `step`, in the mix the docstring says."""

    # Access tokens last an hour; the site refreshes them before that, and so does this.
    SIGN_IN_EVERY = 45 * 60.0

    def __init__(self, cloud: LocalCloud) -> None:
        self.api = cloud.api_url
        self.cloud = cloud
        self.sessions = [(email, cloud.signed_in(email)) for email in USERS]
        self.signed_at = time.monotonic()
        self.own: dict[str, str] = {}  # contact -> the case they opened last
        self.seen: dict[str, list[str]] = {}  # user -> case ids from their last list
        self.n = 0
        self.cases = 0

    def step(self, lat: Latencies) -> None:
        if time.monotonic() - self.signed_at > self.SIGN_IN_EVERY:
            self.sessions = [(email, self.cloud.signed_in(email)) for email in USERS]
            self.signed_at = time.monotonic()
        email, http = self.sessions[self.n % len(self.sessions)]
        turn = (self.n // len(self.sessions)) % 20
        self.n += 1
        api = self.api
        writes = "manager" not in email
        if writes and (turn == 0 or email not in self.own):
            r = lat.timed("POST /cases", 201, http.post, f"{api}/cases",
                          json={"subject": f"Soak case {self.n}",
                                "description": "Left running.", "category": "general"})
            if r.status_code == 201:
                self.own[email] = r.json()["id"]
                self.cases += 1
        elif writes and turn in (5, 15):
            lat.timed("POST comment", 201, http.post, f"{api}/cases/{self.own[email]}/comments",
                      json={"body": f"Still here ({self.n})."})
        elif turn % 4 == 1 or not self.seen.get(email):
            r = lat.timed("GET /cases", 200, http.get, f"{api}/cases?limit=25")
            if r.status_code == 200:
                self.seen[email] = [c["id"] for c in r.json()["items"]]
        elif turn % 4 == 2:
            case_id = self.seen[email][turn % len(self.seen[email])]
            lat.timed("GET case", 200, http.get, f"{api}/cases/{case_id}")
        elif turn % 4 == 3:
            case_id = self.seen[email][turn % len(self.seen[email])]
            lat.timed("GET comments", 200, http.get, f"{api}/cases/{case_id}/comments")
        else:
            lat.timed("GET /me", 200, http.get, f"{api}/me")


def line(at: float, w: Latencies, moto: Moto, sources: str) -> str:
    every = w.every()
    parts = [f"{label} {pct(ms, 50):3.0f}/{pct(ms, 95):3.0f}" for label, ms in sorted(w.ms.items())]
    return (f"{at:6.0f} s {sources:<7} {len(every):4d} req  p50 {pct(every, 50):5.1f} p95 "
            f"{pct(every, 95):6.1f} ms  err {w.errors:2d}  RSS {rss_mb():6.1f} MB  items "
            f"{moto.items():6d}  stream {moto.stream_records():4d}  iter {moto.iterators():2d}  "
            f"queued {moto.queued():5d}  receipts {moto.receipts():5d}  objects "
            f"{moto.objects():4d} | " + "  ".join(parts))


def growth(curve: list[tuple[float, float]]) -> float | None:
    """MB per minute: the least-squares slope of RSS over time, after WARM_UP."""
    points = [(t, mb) for t, mb in curve if t >= WARM_UP] or curve[len(curve) // 2:]
    if len(points) < 2:
        return None
    return statistics.linear_regression([t for t, _ in points],
                                        [mb for _, mb in points]).slope * 60


def data_mb(moto: Moto) -> float:
    """What the portal stored, as moto holds it (objects, not RSS): the table's items and
    the queues' messages waiting."""
    seen: set[int] = set()
    todo: list[Any] = [moto.table.items, [q._messages for q in moto.sqs.queues.values()]]
    total = 0
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            todo += [*obj.keys(), *obj.values()]
        elif isinstance(obj, list | tuple | set):
            todo += list(obj)
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            todo += [v for k, v in vars(obj).items() if k != "table"]
    return total / 2**20


def switch(cloud: LocalCloud, on: bool) -> None:
    for w in cloud.workers:
        w.signal_stop()
    for w in cloud.workers:
        if on:
            w.start()
        else:
            w.stop()


def soak(out: TextIO, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    cloud = LocalCloud(port=0, site_dir=args.site_dir, feed_dir=args.feed_dir,
                       run_workers=not args.without_event_sources).start()
    try:
        moto = Moto(cloud)
        print(f"ready in {time.perf_counter() - started:.2f} s, RSS {rss_mb():.1f} MB; "
              f"{args.seconds:.0f} s of traffic, a line per {args.window:.0f} s (per request: "
              "p50/p95 ms)" + ("; event sources stopped every other window" if args.compare
                              else ""), file=out, flush=True)
        traffic = Traffic(cloud)
        if args.tracemalloc:
            tracemalloc.start(args.tracemalloc_frames)
        on = not args.without_event_sources
        window = Latencies()
        windows: list[tuple[float, bool, Latencies]] = []
        begin = time.monotonic()
        window_end = begin + args.window
        curve = [(0.0, rss_mb())]
        warm: tuple[float, float, int] | None = None  # seconds, data MB, cases
        first: tracemalloc.Snapshot | None = None
        while (now := time.monotonic()) < begin + args.seconds or window.ms:
            if now < begin + args.seconds:
                traffic.step(window)
                if now < window_end:
                    time.sleep(args.pause)
                    continue
            at = now - begin
            print(line(at, window, moto, "with" if on else "without"), file=out, flush=True)
            curve.append((at, rss_mb()))
            windows.append((at, on, window))
            window, window_end = Latencies(), window_end + args.window
            if warm is None and at >= WARM_UP:
                gc.collect()
                if args.tracemalloc:
                    first = tracemalloc.take_snapshot()
                warm = (at, data_mb(moto), traffic.cases)
            if args.compare:
                on = not on
                switch(cloud, on)
            time.sleep(args.pause)
        if args.compare and not on:
            switch(cloud, True)

        if first is not None:
            gc.collect()
            last = tracemalloc.take_snapshot()
            tracemalloc.stop()
            grown = sum(s.size_diff for s in last.compare_to(first, "filename"))
            print(f"Python's heap grew {grown / 2**20:.1f} MB since {WARM_UP:.0f} s; most "
                  "(tracemalloc):", file=out)
            for stat in last.compare_to(first, "traceback")[:args.tracemalloc]:
                where = " < ".join(f"{Path(f.filename).name}:{f.lineno}"
                                   for f in stat.traceback[:args.tracemalloc_frames])
                print(f"  {stat.size_diff / 2**20:7.2f} MB {stat.count_diff:+8d}  {where}",
                      file=out)
        if args.compare:
            compare(out, windows)
        memory(out, args, curve, moto, traffic, warm)

        if not args.without_event_sources and args.idle:
            time.sleep(5)  # the event sources drain what the traffic left them
            cpu, wall = cpu_seconds(), time.monotonic()
            time.sleep(args.idle)
            used = (cpu_seconds() - cpu) / (time.monotonic() - wall)
            print(f"idle CPU over {args.idle:.0f} s: {used * 100:.1f} % of a core; "
                  f"RSS {rss_mb():.1f} MB, stream records {moto.stream_records()}, "
                  f"iterators {moto.iterators()}", file=out, flush=True)
    finally:
        cloud.stop()


def memory(out: TextIO, args: argparse.Namespace, curve: list[tuple[float, float]],
           moto: Moto, traffic: Traffic, warm: tuple[float, float, int] | None) -> None:
    """RSS over the run, its growth per hour, and how much of that is the data."""
    print(f"RSS {curve[0][1]:.1f} -> {curve[-1][1]:.1f} MB over {args.seconds:.0f} s; "
          f"{traffic.n} requests, {traffic.cases} cases opened; RSS curve (s: MB): "
          + ", ".join(f"{t:.0f}: {mb:.0f}" for t, mb in curve), file=out)
    rate = growth(curve)
    if rate is None or warm is None:
        out.flush()
        return
    hours = (curve[-1][0] - warm[0]) / 3600
    cases = traffic.cases - warm[2]
    data = data_mb(moto) - warm[1]
    per_hour, data_per_hour = rate * 60, data / hours
    print(f"after the first {WARM_UP:.0f} s: RSS {rate:.2f} MB/min = {per_hour:.0f} MB/h at "
          f"{traffic.n / args.seconds * 3600:.0f} requests and "
          f"{traffic.cases / args.seconds * 3600:.0f} new cases an hour "
          f"({'within' if per_hour <= HOURLY_BUDGET_MB else 'OVER'} {HOURLY_BUDGET_MB:.0f} "
          "MB/h)", file=out)
    if cases:
        print(f"  the data (table items, queued messages) grew {data:.1f} MB = "
              f"{data_per_hour:.0f} MB/h, {data / cases * 1000:.0f} MB per 1000 cases with "
              f"their comments; the rest {per_hour - data_per_hour:.0f} MB/h", file=out)
    out.flush()


def compare(out: TextIO, windows: list[tuple[float, bool, Latencies]]) -> None:
    """The API's latency in the windows with event sources and in those without."""
    with_, without = Latencies(), Latencies()
    for at, on, w in windows:
        if at > WARM_UP:
            (with_ if on else without).add(w)
    print(f"API latency after {WARM_UP:.0f} s, p50/p95 ms: with event sources | without | "
          "p95 ratio", file=out)
    rows = [("all", with_.every(), without.every())] + [
        (label, ms, without.ms.get(label, [])) for label, ms in sorted(with_.ms.items())]
    for label, a, b in rows:
        ratio = pct(a, 95) / pct(b, 95) if a and b else float("nan")
        print(f"  {label:<14} {pct(a, 50):6.1f}/{pct(a, 95):6.1f} | {pct(b, 50):6.1f}/"
              f"{pct(b, 95):6.1f} | {ratio:4.2f}x  ({len(a)} | {len(b)} requests)", file=out)
    print(f"  errors {with_.errors} | {without.errors}", file=out, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seconds", type=float, nargs="?",
                        default=float(os.environ.get("PORTICO_SOAK_SECONDS", "120")))
    parser.add_argument("--window", type=float, default=15.0, help="seconds per report line")
    parser.add_argument("--pause", type=float, default=0.1,
                        help="seconds between one request and the next")
    parser.add_argument("--idle", type=float, default=30.0,
                        help="seconds of idle CPU measured at the end")
    sources = parser.add_mutually_exclusive_group()
    sources.add_argument("--without-event-sources", action="store_true",
                         help="the API alone, as if nothing ran in the background")
    sources.add_argument("--compare", action="store_true",
                         help="event sources stopped every other window; compare the API's "
                              f"latency in both after {WARM_UP:.0f} s")
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="N",
                        help=f"print the N allocation sites that grew most after {WARM_UP:.0f} s")
    parser.add_argument("--tracemalloc-frames", type=int, default=1, metavar="F",
                        help="frames of traceback per allocation site")
    args = parser.parse_args(argv)
    out = sys.stdout
    # The functions log to stdout, the workers' invocations included: not among the figures.
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as quiet, \
            contextlib.redirect_stdout(quiet):
        args.site_dir, args.feed_dir = Path(tmp) / "site", Path(tmp) / "feeds"
        args.site_dir.mkdir()  # no pages are asked for: none are built
        soak(out, args)


if __name__ == "__main__":
    main()
