"""The audit log page in Chromium: a manager reads its account's changes and one record's
history; an admin reads any account's; others are told it is not theirs."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from infra.local import LocalCloud
from tests.conftest import Portal
from tests.e2e.conftest import axe_violations, ready, shot, sign_in

MANAGER = "manager@northwind.example"


def _case(portal: Portal, user: str = MANAGER) -> dict[str, str]:
    made: dict[str, str] = portal.request("POST", "/cases", as_user=user, json={
        "subject": f"Audited {uuid.uuid4().hex[:6]}", "category": "general",
        "description": "A change the audit log shows."}).json()
    return made


def test_a_manager_reads_the_accounts_log_and_one_records_history(page: Page,
                                                                   portal: Portal) -> None:
    made = _case(portal)
    sign_in(page, MANAGER)
    expect(page.locator("#user-name")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Audit log").click()
    ready(page)
    expect(page.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    rows = page.locator("#audit tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("#audit-account-field")).to_be_hidden()  # its own account only
    # One record's history: the case it just opened, by its manager's name.
    page.get_by_label("Record type").select_option("case")
    page.get_by_label("Record id").fill(made["id"])
    page.get_by_role("button", name="Apply filter").click()
    # Its history: the creation by Nora, and the portal's routing once that has run.
    created = rows.filter(has_text=f"Created: Case {made['id']}")
    expect(created).to_have_count(1)
    expect(created).to_contain_text("Nora")
    expect(rows.filter(has_not_text=made["id"])).to_have_count(0)
    shown = rows.count()
    assert axe_violations(page) == []
    # A type without an id is asked for plainly, in the page, and nothing is read.
    page.get_by_label("Record id").fill("")
    page.get_by_role("button", name="Apply filter").click()
    expect(page.get_by_role("alert")).to_contain_text("Give both the record type and its id")
    expect(rows).to_have_count(shown)
    # Another account's record has no history for it: not a line of it shows.
    other = _case(portal, "manager@contoso.example")
    page.get_by_label("Record id").fill(other["id"])
    page.get_by_role("button", name="Apply filter").click()
    expect(page.locator("#audit-empty")).to_be_visible()
    expect(rows).to_have_count(0)


def test_an_admin_reads_another_accounts_log(page: Page, portal: Portal) -> None:
    _case(portal, "manager@contoso.example")
    sign_in(page, "admin@portico.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/account/audit/")
    ready(page)
    page.get_by_label("Account", exact=True).fill("acc-contoso")
    page.get_by_role("button", name="Apply filter").click()
    expect(page.locator("#audit tbody tr", has_text="Created: Case").first).to_be_visible()
    expect(page.locator(".load-note")).to_be_hidden()


def test_a_contact_is_told_the_log_is_not_for_them(page: Page) -> None:
    sign_in(page, "contact@northwind.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/account/audit/")
    expect(page.locator("#not-available")).to_be_visible()


def test_the_audit_log_in_finnish_at_360_px(browser: Browser, cloud: LocalCloud,
                                            portal: Portal) -> None:
    _case(portal, "manager@contoso.example")
    context = browser.new_context(base_url=cloud.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    sign_in(page, "manager@contoso.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/fi/account/audit/")
    ready(page)
    expect(page.get_by_role("heading", name="Muutosloki", level=1)).to_be_visible()
    expect(page.locator("#audit tbody tr", has_text="Luotu: Tukipyyntö").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the audit log is {width}px wide at 360px"
    shot(page, "phone-audit-fi")
    context.close()


def test_staff_find_an_account_open_it_and_read_its_log(page: Page) -> None:
    sign_in(page, "admin@portico.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Customer accounts").click()
    ready(page)
    expect(page.get_by_role("heading", name="Customer accounts", level=1)).to_be_visible()
    rows = page.locator("#accounts tbody tr")
    expect(rows.filter(has_text="Northwind Traders")).to_have_count(1)
    search = page.get_by_role("search")
    search.get_by_label("Find an account by name or number").fill("contoso")
    search.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("A-1002")
    assert axe_violations(page) == []
    search.get_by_label("Find an account by name or number").fill("no such account")
    search.get_by_role("button", name="Search").click()
    expect(page.locator("#accounts-empty")).to_have_text("No account matches “no such account”.")
    search.get_by_label("Find an account by name or number").fill("A-1002")
    search.get_by_role("button", name="Search").click()
    rows.first.get_by_role("link", name="Contoso Oy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account: Contoso Oy")
    expect(page.locator("#account-facts")).to_have_text("A-1002 · Customer · Standard")
    expect(page.locator("#people")).to_contain_text("contact@contoso.example")
    expect(page.get_by_role("link", name="All accounts")).to_be_visible()
    # Its audit log, not the admin's own account's.
    page.get_by_role("link", name="Audit log").click()
    ready(page)
    expect(page.get_by_label("Account", exact=True)).to_have_value("acc-contoso")
    expect(page.locator("#audit tbody tr").first).to_be_visible()


def test_a_manager_is_told_the_list_of_accounts_is_for_staff(page: Page) -> None:
    sign_in(page, "manager@contoso.example")  # reads Finnish
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/fi/accounts/")
    expect(page.get_by_role("alert")).to_have_text("Kaikkien tilien luettelo on henkilökunnalle.")
    # The audit log's own filter error is Finnish too.
    page.goto("/fi/account/audit/")
    ready(page)
    page.get_by_label("Tietueen tyyppi").select_option("case")
    page.get_by_role("button", name="Rajaa").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Anna sekä tietueen tyyppi että tunnus, tai ei kumpaakaan.")


def test_staff_find_a_person_and_the_accounts_they_belong_to(page: Page) -> None:
    sign_in(page, "agent@portico.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/accounts/")
    page.get_by_role("link", name="People across accounts").click()
    ready(page)
    search = page.get_by_role("search")
    search.get_by_label("Find a person by name or e-mail").fill("CONSULTANT@")
    search.get_by_role("button", name="Search").click()
    rows = page.locator("#people tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Contoso Oy: Account manager")
    expect(rows.first).to_contain_text("Northwind Traders: Contact")
    assert axe_violations(page) == []
    rows.first.get_by_role("link", name="Contoso Oy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account: Contoso Oy")
