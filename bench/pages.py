"""Pages in Chromium on a warm local stack: the time from navigation to a usable page
(`body[data-ready]`, set once the page's data is shown and its forms answer) for the
dashboard, the case list and a case, p50 and p95 over N loads each, and the requests each
load makes (all, and to the API).

    python -m bench.pages [LOADS]          (default 20; needs Debian's chromium)

Signed in once through the sign-in page as a customer contact with open cases; each page is
loaded 3 times first (the functions warm, the browser caches the static files as it would).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, Request, sync_playwright

from infra import site
from infra.local import LocalCloud
from infra.seed import DEMO_PASSWORD

USER = "contact@northwind.example"
WARM = 3
# When the page said it was ready, in ms after navigation started (performance.now()).
READY_CLOCK = """
new MutationObserver((_, observer) => {
  if (document.body && document.body.dataset.ready === "true") {
    window.__ready = performance.now();
    observer.disconnect();
  }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-ready"] });
"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        sys.exit("Chromium is not installed (Debian: apt-get install chromium); `make test` "
                 "installs it")
    return found


def sign_in(page: Page) -> None:
    page.goto("/signin/")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    page.get_by_label("E-mail", exact=True).fill(USER)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#user-name:not(:empty)")


def load(page: Page, path: str, api: str) -> tuple[float, int, int]:
    """One load: (ms to ready, requests, API requests)."""
    seen: list[str] = []

    def count(request: Request) -> None:
        seen.append(request.url)

    page.on("request", count)
    page.goto(path)
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=30_000)
    ms = float(page.evaluate("window.__ready"))
    page.wait_for_load_state("networkidle")
    page.remove_listener("request", count)
    return ms, len(seen), sum(1 for u in seen if u.startswith(api))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("loads", nargs="?", type=int, default=20)
    args = parser.parse_args(argv)
    out = sys.stdout  # the functions log to stdout: the figures go here, their logs nowhere
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as quiet, \
            contextlib.redirect_stdout(quiet):
        site.build(output=Path(tmp) / "site")
        started = time.perf_counter()
        with LocalCloud(port=0, site_dir=Path(tmp) / "site") as cloud:
            http = cloud.signed_in(USER)
            for n in range(3):  # cases of its own, so the lists and the widget have rows
                made = http.post(f"{cloud.api_url}/cases", json={
                    "subject": f"Bench case {n}", "description": "For the page bench.",
                    "category": "general"})
                made.raise_for_status()
            case_id = made.json()["id"]
            print(f"local stack ready in {time.perf_counter() - started:.1f} s; "
                  f"{args.loads} loads per page after {WARM} to warm", file=out, flush=True)
            pages = {"dashboard": "/", "case list": "/cases/",
                     "case view": f"/cases/view/?id={case_id}"}
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium(),
                                            args=["--headless", "--no-sandbox", "--disable-gpu"])
                context = browser.new_context(base_url=cloud.url,
                                              viewport={"width": 1280, "height": 800})
                context.add_init_script(READY_CLOCK)
                page = context.new_page()
                sign_in(page)
                print(f"{'page':<10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
                      f"{'requests':>9} {'to API':>7}", file=out)
                for name, path in pages.items():
                    for _ in range(WARM):
                        load(page, path, cloud.api_url)
                    runs = [load(page, path, cloud.api_url) for _ in range(args.loads)]
                    ms = sorted(r[0] for r in runs)
                    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
                    print(f"{name:<10} {statistics.median(ms):8.0f} {p95:8.0f} {ms[-1]:8.0f} "
                          f"{statistics.median(r[1] for r in runs):9.0f} "
                          f"{statistics.median(r[2] for r in runs):7.0f}", file=out, flush=True)
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
