"""A real browser (Debian's Chromium, driven by Playwright) against the local cloud.

Nothing here is skipped: a missing browser or axe-core fails the run, and `make test`
installs both."""

from __future__ import annotations

import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from infra.local import ROOT, LocalCloud
from infra.seed import DEMO_PASSWORD

AXE = ROOT / "build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is not installed: `make test` installs Debian's chromium"
    return found


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
    yield b
    b.close()


class Problems:
    """Console errors and Content-Security-Policy violations seen by a page."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "status of 4" not in message.text:
            self.items.append(message.text)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # The outcome of a test's call, for the page fixture to keep a failed page's picture.
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, cloud: LocalCloud) -> Iterator[Page]:
    context = browser.new_context(base_url=cloud.url, viewport={"width": 1280, "height": 800})
    p = context.new_page()
    problems = Problems()
    p.on("console", problems.console)
    p.on("pageerror", lambda e: problems.items.append(f"page error: {e}"))
    p.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                      "console.error('CSP violation: ' + e.violatedDirective + ' ' + "
                      "e.blockedURI));")
    yield p
    if request.node.stash.get(FAILED, False):
        # What the page showed when the test failed: build/screenshots/failed-<test>.png.
        name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in request.node.name)
        try:
            shot(p, f"failed-{name}")
        except Exception as e:  # noqa: BLE001 - a closed page must not hide the failure
            print(f"no screenshot of the failed page: {e}")
    context.close()
    assert problems.items == [], problems.items


def ready(page: Page) -> None:
    """Wait until the page's script has wired its forms (a person is slower than this)."""
    page.wait_for_selector("body[data-ready=true]", state="attached")


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD, path: str = "/signin/",
            *, remember: bool = False) -> None:
    page.goto(path)
    ready(page)
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    if remember:
        page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    assert AXE.is_file(), f"{AXE} is missing: `make test` installs axe-core from npm"
    # Evaluated, not injected as a <script>: the site's CSP rightly refuses inline scripts.
    page.evaluate(AXE.read_text())
    result: dict[str, Any] = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    return [{"id": v["id"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def shot(page: Page, name: str) -> Path:
    out = ROOT / "build" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
