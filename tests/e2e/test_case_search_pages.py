"""Case search on the cases page in a real browser: words, a case number, Finnish on a phone,
a partner's served accounts."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import Page, expect

from tests.conftest import Portal, wait_for
from tests.e2e.conftest import axe_violations, ready, sign_in


def _word() -> str:
    """A word no other case holds, in letters only."""
    return "zq" + uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop"))


def _findable(portal: Portal, author: str, reader: str, word: str,
              **case: str) -> dict[str, Any]:
    """A case `author` opens, once `reader` finds it by `word`: indexing takes a second or
    so, more while the portal indexes its demo cases."""
    made: dict[str, Any] = portal.request("POST", "/cases", as_user=author,
                                          json={"category": "general", **case}).json()
    wait_for(lambda: portal.get("/cases/search", as_user=reader,
                                params={"q": word}).json()["items"], timeout=30)
    return made


def test_search_finds_a_case_by_its_words_and_opens_one_by_number(
        page: Page, portal: Portal) -> None:
    word = _word()
    made = _findable(portal, "contact@northwind.example", "contact@northwind.example", word,
                     subject="Badge reader at the door",
                     description=f"The reader beeps twice and shows {word}.")
    sign_in(page, "contact@northwind.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/cases/")
    ready(page)
    search = page.get_by_role("search")
    search.get_by_label("Search cases by words or number").fill(word)
    search.get_by_role("button", name="Search").click()
    row = page.locator("#cases tbody tr").first
    expect(row).to_contain_text(made["number"])
    expect(row.locator("mark")).to_have_text(word)
    expect(page.locator("#search-count")).to_contain_text(word)
    assert axe_violations(page) == []
    # Nothing found says so, in words.
    search.get_by_label("Search cases by words or number").fill(word + "x")
    search.get_by_role("button", name="Search").click()
    expect(page.locator("#cases tbody")).to_contain_text(f"No cases match “{word}x”")
    # A case number goes straight to the case.
    search.get_by_label("Search cases by words or number").fill(made["number"])
    search.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(rf"/cases/view/\?id={made['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Badge reader")


def test_search_in_finnish_at_360_px(page: Page, portal: Portal) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, "contact@contoso.example")  # reads the portal in Finnish
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/fi/cases/")
    ready(page)
    expect(page).to_have_url(re.compile(r"/fi/cases/$"))
    search = page.get_by_role("search")
    search.get_by_label("Hae tukipyyntöjä sanoilla tai numerolla").fill("qqqzzzxxx")
    search.get_by_role("button", name="Hae").click()
    expect(page.locator("#cases tbody")).to_contain_text(
        "Hakuun ”qqqzzzxxx” ei löytynyt tukipyyntöjä")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360


def test_a_partner_searches_the_cases_of_the_accounts_it_serves(page: Page,
                                                                portal: Portal) -> None:
    word = _word()
    made = _findable(portal, "manager@northwind.example", "partner@fabrikam.example", word,
                     subject=f"Warehouse scanner {word}",
                     description="The handheld scanner does not charge.")
    sign_in(page, "partner@fabrikam.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/cases/")
    ready(page)
    # A partner lands on its customer's cases, not on its own empty list.
    expect(page.get_by_label("Show")).to_have_value("served:acc-northwind")
    expect(page.get_by_label("Show").locator("option:checked")).to_have_text(
        "Cases of Northwind Traders")
    expect(page.locator("#cases tbody tr").first).to_be_visible()
    expect(page.locator("#cases-error")).to_be_empty()
    search = page.get_by_role("search")
    search.get_by_label("Search cases by words or number").fill(word)
    search.get_by_role("button", name="Search").click()
    expect(page.locator("#cases tbody tr").first).to_contain_text(made["number"])
    expect(page.locator("#cases-error")).to_be_empty()
