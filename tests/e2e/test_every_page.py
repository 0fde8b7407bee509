"""Every page the site builds, in English and Finnish, as the person it is for: no
horizontal scroll at 360 px, axe clean (in English), and screenshots kept in
`build/screenshots/` (`every-<page>-<lang>-<width>.png`: 360 px in both languages, 1280 px in
English) for anyone reviewing the look."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from infra import site
from infra.local import LocalCloud
from tests.conftest import Portal
from tests.e2e.conftest import axe_violations, shot, sign_in

pytestmark = pytest.mark.spread  # six long walks: each on a worker of its own

MANAGER = "manager@northwind.example"
ADMIN = "admin@portico.example"


def _case(portal: Portal) -> str:
    made = portal.request("POST", "/cases", as_user=MANAGER, json={
        "subject": f"Every page {uuid.uuid4().hex[:6]}", "category": "general",
        "description": "A case for the page survey."})
    assert made.status_code == 201, made.text
    return f"id={made.json()['id']}"


def _first(path: str, field: str, user: str = MANAGER) -> Callable[[Portal], str]:
    def query(portal: Portal) -> str:
        items = portal.get(path, as_user=user).json()["items"]
        assert items, f"the demo data has nothing at {path}"
        return f"{field}={items[0][field]}"
    return query


# page (as site.pages() names it) -> who reads it (None: signed out), and its query
PAGES: dict[str, tuple[str | None, Callable[[Portal], str] | None]] = {
    "404.html": (None, None),
    "index.html": (None, None),
    "signin/index.html": (None, None),
    "forgot/index.html": (None, None),
    "invite/index.html": (None, lambda _: "token=not-a-token"),
    "unsubscribe/index.html": (None, lambda _: "token=not-a-token"),
    "kb/index.html": (None, None),
    "kb/search/index.html": (None, lambda _: "q=invoice"),
    "kb/article/index.html": (MANAGER, _first("/kb/articles", "slug")),
    "kb/edit/index.html": (ADMIN, None),
    "account/index.html": (MANAGER, None),
    "account/audit/index.html": (MANAGER, None),
    "account/changes/index.html": (MANAGER, None),
    "account/review/index.html": (ADMIN, None),
    "accounts/index.html": (ADMIN, None),
    "people/index.html": (ADMIN, None),
    "bookings/index.html": (MANAGER, None),
    "bookings/resource/index.html": (MANAGER, _first("/resources", "id")),
    "bookings/edit/index.html": (ADMIN, None),
    "cases/index.html": (MANAGER, None),
    "cases/view/index.html": (MANAGER, _case),
    "invoices/index.html": (MANAGER, None),
    "invoices/view/index.html": (MANAGER, _first("/invoices", "id")),
    "notifications/index.html": (MANAGER, None),
    "notifications/announcements/index.html": (ADMIN, None),
    "profile/index.html": (MANAGER, None),
}


def test_the_survey_names_every_page_the_site_builds() -> None:
    built = {rel.as_posix() for _, rel, _ in site.pages(site.SOURCE)}
    assert built == set(PAGES), "add the new page to PAGES, with who reads it"


def _address(page_name: str, lang: str) -> str:
    path = "/" + page_name.removesuffix("index.html")
    if page_name == "404.html":
        path = "/no-such-page/"
    return ("/fi" if lang == "fi" else "") + path


# One browser per reader and language: signed in once, every page of theirs in turn. The
# language is the reader's choice as the site keeps it, so a page is not sent to the other.
@pytest.mark.parametrize("lang", ["en", "fi"])
@pytest.mark.parametrize("user", [None, MANAGER, ADMIN], ids=["visitor", "manager", "admin"])
def test_every_page_fits_a_phone_and_passes_axe(browser: Browser, cloud: LocalCloud,
                                                portal: Portal, user: str | None,
                                                lang: str) -> None:
    context = browser.new_context(base_url=cloud.url, viewport={"width": 1280, "height": 800})
    context.add_init_script(f"localStorage.setItem('portico.lang', '{lang}')")
    page: Page = context.new_page()
    if user:
        sign_in(page, user)  # the English form; the site then keeps to the chosen language
        expect(page.locator("#user-name")).to_be_visible()
    problems: list[str] = []
    for page_name in sorted(name for name, (reader, _) in PAGES.items() if reader == user):
        query = PAGES[page_name][1]
        address = _address(page_name, lang) + (f"?{query(portal)}" if query else "")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(address)
        page.wait_for_selector("body[data-ready=true], #not-available:not([hidden])",
                               state="attached")
        page.wait_for_load_state("networkidle")
        if page.locator("#not-available").is_visible():
            problems.append(f"{address}: not available to {user}")
        if user is None and page_name != "404.html" and "/signin/?next=" in page.url:
            problems.append(f"{address}: sent to sign in")
        name = (page_name.removesuffix("index.html").strip("/").replace("/", "-")
                or "home").removesuffix(".html")
        if lang == "en":  # the look and the rules axe checks do not change with the words
            shot(page, f"every-{name}-{lang}-1280")
            problems += [f"{address}: axe {v['id']}: {v['help']}" for v in axe_violations(page)]
        page.set_viewport_size({"width": 360, "height": 740})
        page.wait_for_timeout(100)  # the layout settles
        width = page.evaluate("document.documentElement.scrollWidth")
        shot(page, f"every-{name}-{lang}-360")
        if width > 360:
            problems.append(f"{address}: {width}px wide at 360px")
    context.close()
    assert problems == []
