"""The local cloud under demo traffic for a while (`make run` is left running for hours):
signed-in demo users open cases, comment on them and list them, with the event sources
running. Every window it prints the API's latency (p50/p95), errors, the process's RSS and
how many shard iterators moto holds; at the end, the CPU the idle portal uses.

    python -m bench.local_soak [SECONDS]     (or PORTICO_SOAK_SECONDS; default 120)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import requests
from moto.dynamodbstreams.models import dynamodbstreams_backends

from infra.local import ACCOUNT_ID, LocalCloud

# Contacts open cases and comment; account managers list their account's cases too.
USERS = ("contact@northwind.example", "contact@contoso.example", "consultant@example.com",
         "manager@northwind.example", "manager@contoso.example")


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


class Window:
    """What one reporting window saw: latencies by request, errors."""

    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = {}
        self.errors = 0

    def timed(self, label: str, ok: int, send: Callable[..., requests.Response], url: str,
              **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        r = send(url, timeout=30, **kwargs)
        self.ms.setdefault(label, []).append((time.perf_counter() - started) * 1000)
        if r.status_code != ok:
            self.errors += 1
        return r


def pct(ms: list[float], p: int) -> float:
    return statistics.quantiles(ms, n=100)[p - 1] if len(ms) > 1 else (ms or [0.0])[0]


def report(out: TextIO, at: float, w: Window, iterators: int) -> None:
    every = [m for ms in w.ms.values() for m in ms]
    parts = [f"{label} {pct(ms, 50):5.0f}/{pct(ms, 95):4.0f}" for label, ms in w.ms.items()]
    print(f"{at:6.0f} s  {len(every):4d} req  all p50 {pct(every, 50):5.1f} ms "
          f"p95 {pct(every, 95):6.1f} ms  errors {w.errors:3d}  RSS {rss_mb():6.1f} MB  "
          f"iterators {iterators:3d}  | " + "  ".join(parts), file=out, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seconds", type=float, nargs="?",
                        default=float(os.environ.get("PORTICO_SOAK_SECONDS", "120")))
    parser.add_argument("--window", type=float, default=15.0, help="seconds per report line")
    parser.add_argument("--pause", type=float, default=0.1,
                        help="seconds between one user's round and the next's")
    parser.add_argument("--idle", type=float, default=30.0,
                        help="seconds of idle CPU measured at the end")
    args = parser.parse_args(argv)
    out = sys.stdout
    # The functions log to stdout, the workers' invocations included: not among the figures.
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as quiet, \
            contextlib.redirect_stdout(quiet):
        started = time.perf_counter()
        cloud = LocalCloud(port=0, site_dir=Path(tmp)).start()
        try:
            print(f"ready in {time.perf_counter() - started:.2f} s, RSS {rss_mb():.1f} MB; "
                  f"{args.seconds:.0f} s of traffic, a line per {args.window:.0f} s "
                  "(per request: p50/p95 ms)", file=out, flush=True)
            iterators: Any = dynamodbstreams_backends[ACCOUNT_ID][cloud.region].shard_iterators
            sessions = [(email, cloud.signed_in(email)) for email in USERS]
            own: dict[str, str] = {}  # user -> the case they comment on
            api = cloud.api_url
            begin = time.monotonic()
            window, window_end, n = Window(), begin + args.window, 0
            rss_start = rss_mb()
            while (now := time.monotonic()) < begin + args.seconds:
                email, http = sessions[n % len(sessions)]
                if "contact" in email or "consultant" in email:
                    if n % 10 < 3 or email not in own:
                        r = window.timed("POST /cases", 201, http.post, f"{api}/cases",
                                         json={"subject": f"Soak case {n}",
                                               "description": "Left running.",
                                               "category": "general"})
                        if r.status_code == 201:
                            own[email] = r.json()["id"]
                    if email in own:
                        case_id = own[email]
                        window.timed("POST comment", 201, http.post,
                                     f"{api}/cases/{case_id}/comments",
                                     json={"body": f"Still here ({n})."})
                window.timed("GET /cases", 200, http.get, f"{api}/cases?limit=25")
                n += 1
                if now >= window_end:
                    report(out, now - begin, window, len(iterators))
                    window, window_end = Window(), window_end + args.window
                time.sleep(args.pause)
            if window.ms:
                report(out, time.monotonic() - begin, window, len(iterators))
            print(f"RSS {rss_start:.1f} -> {rss_mb():.1f} MB over {args.seconds:.0f} s",
                  file=out, flush=True)

            time.sleep(5)  # the event sources drain what the traffic left them
            cpu, wall = cpu_seconds(), time.monotonic()
            time.sleep(args.idle)
            used = (cpu_seconds() - cpu) / (time.monotonic() - wall)
            print(f"idle CPU over {args.idle:.0f} s: {used * 100:.1f} % of a core; "
                  f"RSS {rss_mb():.1f} MB, iterators {len(iterators)}", file=out, flush=True)
        finally:
            cloud.stop()


if __name__ == "__main__":
    main()
