"""The public home page and the operator's brand, in Chromium: what a visitor who is not
signed in sees, the brand from config.json on every page, readable with any colour."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Browser, Page, Route, expect

from infra import brand
from infra.local import LocalCloud
from infra.seed import DEMO_PASSWORD
from tests.e2e.conftest import axe_violations, ready, shot, sign_in

DEFAULT = brand.load(brand.DEFAULT)


def _contrast(a: str, b: str) -> float:
    def lum(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, bl = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                    for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * bl
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _rebrand(page: Page, change: dict[str, Any]) -> None:
    """Serve config.json with another brand, as another operator's deployment would."""
    def handle(route: Route) -> None:
        response = route.fetch()
        config = response.json()
        config["brand"] = {**config["brand"], **change}
        route.fulfill(response=response, body=json.dumps(config))
    page.route("**/config.json", handle)


def test_a_visitor_sees_what_the_portal_is_and_its_main_tasks(page: Page) -> None:
    page.goto("/")
    ready(page)
    expect(page).to_have_url(re.compile(r"/$"))  # not sent to sign in
    expect(page.get_by_role("heading", level=1)).to_have_text(DEFAULT.name.en)
    assert DEFAULT.tagline is not None
    expect(page.get_by_text(DEFAULT.tagline.en)).to_be_visible()
    expect(page).to_have_title(re.compile(re.escape(DEFAULT.name.en)))
    expect(page.locator(".brand img")).to_be_visible()
    expect(page.locator(".brand")).to_contain_text(DEFAULT.name.en)
    tasks = page.get_by_role("region", name="What you can do here").get_by_role("link")
    expect(tasks).to_have_count(4)
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    # The footer: the operator's links and support contact.
    footer = page.get_by_role("contentinfo")
    for link in DEFAULT.links:
        expect(footer.get_by_role("link", name=link.label.en)).to_have_attribute("href", link.url)
    assert DEFAULT.support.email
    expect(footer.get_by_role("link", name=DEFAULT.support.email)).to_have_attribute(
        "href", f"mailto:{DEFAULT.support.email}")
    assert axe_violations(page) == []
    shot(page, "home")
    # The search box answers from the knowledge base, signed out too.
    page.get_by_label("Search for answers").fill("invoice")
    page.get_by_label("Search for answers").press("Enter")
    expect(page).to_have_url(re.compile(r"/kb/search/\?q=invoice"))
    ready(page)
    # A task that needs an account goes through sign-in and comes back to it.
    page.goto("/")
    page.get_by_role("link", name="Open a support case").click()
    expect(page).to_have_url(re.compile(r"/signin/\?next=%2Fcases%2F"))
    page.get_by_label("E-mail", exact=True).fill("contact@northwind.example")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Cases", level=1)).to_be_visible()


def test_a_signed_in_user_gets_the_dashboard_at_the_same_address(page: Page) -> None:
    sign_in(page, "contact@northwind.example")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    expect(page.locator("#home")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.locator(".brand")).to_contain_text(DEFAULT.name.en)


def test_the_home_page_in_finnish_at_360_px(browser: Browser, cloud: LocalCloud) -> None:
    context = browser.new_context(base_url=cloud.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto("/fi/")
    ready(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(DEFAULT.name.fi)
    expect(page.get_by_role("heading", name="Mitä täällä voi tehdä")).to_be_visible()
    expect(page.get_by_label("Etsi vastauksia")).to_be_visible()
    footer = page.get_by_role("contentinfo")
    expect(footer.get_by_role("link", name=DEFAULT.links[0].label.fi)).to_be_visible()
    assert DEFAULT.support.hours
    expect(footer).to_contain_text(DEFAULT.support.hours.fi)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the Finnish home page is {width}px wide at 360px"
    assert axe_violations(page) == []
    shot(page, "phone-home-fi")
    page.goto("/fi/signin/")
    ready(page)
    expect(page.locator(".signin-about")).to_contain_text(DEFAULT.name.fi)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the Finnish sign-in page is {width}px wide at 360px"
    context.close()


def test_the_sign_in_page_says_what_the_portal_is(page: Page) -> None:
    page.goto("/signin/")
    ready(page)
    about = page.locator(".signin-about")
    expect(about).to_contain_text(DEFAULT.name.en)
    assert DEFAULT.tagline is not None
    expect(about).to_contain_text(DEFAULT.tagline.en)
    expect(page.get_by_text("Your organisation's administrator invites you")).to_be_visible()
    # A short page: the footer sits at the bottom of the window, not in its middle.
    bottom = page.evaluate("document.querySelector('footer').getBoundingClientRect().bottom")
    assert abs(bottom - 800) <= 1, f"the footer ends at {bottom}px of 800"


def test_another_operators_brand_is_rendered_and_any_colour_stays_readable(page: Page) -> None:
    _rebrand(page, {"name": {"en": "Acme Care", "fi": "Acme-tuki"}, "primaryColour": "#ffd500",
                    "links": [], "support": {}, "tagline": {"en": "Help for Acme customers.",
                                                            "fi": "Apua Acmen asiakkaille."}})
    page.goto("/")
    ready(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Care")
    expect(page.get_by_text("Help for Acme customers.")).to_be_visible()
    expect(page).to_have_title(re.compile("Acme Care"))
    # A yellow brand: the stripe is the operator's yellow, text and buttons a darker one.
    style = page.evaluate("""() => { const s = getComputedStyle(document.documentElement);
        return { brand: s.getPropertyValue('--brand').trim(),
                 accent: s.getPropertyValue('--accent').trim() }; }""")
    assert style["brand"] == "#ffd500"
    assert _contrast(style["accent"], "#ffffff") >= 4.5
    assert _contrast(style["accent"], "#eef2f6") >= 4.5
    assert axe_violations(page) == []
    footer = page.get_by_role("contentinfo")
    expect(footer.locator("#footer-links")).to_be_hidden()
    expect(footer.locator("#footer-support")).to_be_hidden()
    # A dark colour is used as it is.
    _rebrand(page, {"primaryColour": "#5b2a86"})
    page.goto("/signin/")
    ready(page)
    accent = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
    assert accent == "#5b2a86"


def test_on_a_slow_network_the_home_page_is_usable_before_its_brand_arrives(
        page: Page) -> None:
    held: list[Route] = []
    page.route("**/config.json", lambda route: held.append(route))
    page.goto("/")
    # The tasks and the search are the page's own: they need nothing from the network.
    expect(page.get_by_role("region", name="What you can do here").get_by_role("link")
           ).to_have_count(4)
    page.get_by_label("Search for answers").fill("invoice")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert held, "config.json was not asked for"
    assert page.locator("body[data-ready]").count() == 0  # not ready until branded
    held[0].continue_()
    expect(page.locator(".brand")).to_contain_text(DEFAULT.name.en)
    ready(page)
    page.get_by_label("Search for answers").press("Enter")
    expect(page).to_have_url(re.compile(r"/kb/search/\?q=invoice"))
