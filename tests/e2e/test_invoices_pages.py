"""The invoice pages in a real browser: a billing contact follows the dashboard's balance to
the list, filters it, opens an invoice and downloads its PDF; a copy asked for with a double
click is asked for once, and the fourth of a day is refused in words; a plain contact has no
invoices; the Finnish manager reads Finnish words and amounts on a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, Request, ViewportSize, expect

from infra.local import LocalCloud
from tests.conftest import Portal
from tests.e2e.conftest import axe_violations, ready, shot, sign_in
from tests.integration.test_invoices import arrived, issued, new_number, put

BILLING = "billing@northwind.example"
CONTACT = "contact@northwind.example"
KAISA = "manager@contoso.example"  # Finnish; Contoso's INV-2026-1050 is overdue
PHONE: ViewportSize = {"width": 360, "height": 740}


def _wide(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def _rows(page: Page) -> list[tuple[str, str]]:
    """(number, status word) of each invoice shown, once the list has its answer."""
    expect(page.locator("#rows")).not_to_have_attribute("aria-busy", "true")
    rows = page.locator("#rows tr.invoice-row")
    return [(r.locator("a").inner_text(), r.locator(".badge").inner_text())
            for r in rows.all()]


def test_billing_filters_opens_and_downloads(page: Page, portal: Portal) -> None:
    sign_in(page, BILLING)
    widget = page.locator('[data-widget="invoices"]')
    expect(widget).to_contain_text("You owe")
    expect(widget.locator(".inv-late")).to_contain_text("Overdue: ")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible()
    ready(page)
    words = {"open": "Open", "overdue": "Overdue", "paid": "Paid", "cancelled": "Cancelled"}
    listed = portal.get("/invoices?limit=25", as_user=BILLING).json()["items"]
    expect(page.locator("#rows tr.invoice-row")).to_have_count(len(listed))
    assert _rows(page) == [(i["number"], words[i["status"]]) for i in listed]
    assert axe_violations(page) == []

    page.get_by_label("Status").select_option("overdue")
    expect(page).to_have_url(re.compile(r"\?status=overdue$"))
    expect(page.locator("#rows tr.invoice-row", has_text="INV-2026-1042")).to_be_visible()
    assert {status for _, status in _rows(page)} == {"Overdue"}
    page.reload()  # the filter is in the address
    ready(page)
    expect(page.get_by_label("Status")).to_have_value("overdue")
    expect(page.locator("#rows tr.invoice-row").first).to_be_visible()
    assert {status for _, status in _rows(page)} == {"Overdue"}
    # Dates the wrong way round are said next to them, and nothing is asked.
    page.get_by_label("Issued from").fill("2026-12-31")
    page.get_by_label("Issued until").fill("2026-01-01")
    expect(page.locator("#f-dates-error")).to_contain_text("The first date is after the last")
    # The filter bar and the empty list both offer it; either clears.
    page.get_by_role("button", name="Clear the filters").first.click()
    expect(page.locator("#f-dates-error")).to_be_empty()
    expect(page).to_have_url(re.compile(r"/invoices/$"))
    shot(page, "invoices-list")

    page.get_by_role("link", name="INV-2026-1042").click()
    ready(page)
    expect(page.get_by_role("heading", name="Invoice INV-2026-1042", level=1)).to_be_visible()
    expect(page.locator("#lines")).to_contain_text("Portal seats")
    expect(page.locator("#lines tr")).to_have_count(4)
    expect(page.locator("#taxes")).to_contain_text("25.5%")
    expect(page.locator("#total-total")).to_have_text("€1,561.22")
    details = page.get_by_role("complementary", name="Invoice details")
    expect(details).to_contain_text("Overdue")
    expect(details).to_contain_text("RF42 1042")
    assert axe_violations(page) == []

    pdf = page.get_by_role("button", name="Download PDF")
    with page.expect_download() as download:
        pdf.click()
    assert download.value.suggested_filename == "INV-2026-1042.pdf"
    path = download.value.path()
    assert path.read_bytes().startswith(b"%PDF")
    expect(page.locator("#pdf-status")).to_have_text(
        "The download of INV-2026-1042.pdf has started.")
    expect(pdf).to_be_enabled()
    shot(page, "invoice")


def test_a_copy_is_asked_for_once_and_three_a_day(page: Page, portal: Portal,
                                                  cloud: LocalCloud) -> None:
    number = new_number()  # an invoice of its own: the limit is per invoice and day
    put(cloud, "InvoiceIssued", issued(number))
    arrived(portal, number)
    sign_in(page, BILLING)
    expect(page.locator("#user-name")).to_be_visible()
    page.goto(f"/invoices/view/?id={number}")
    ready(page)
    expect(page.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    posts: list[Request] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" and r.url.endswith(
        "/copy-requests") else None)
    page.get_by_label("Post").check()
    page.get_by_label("Note (optional)").fill("To our Tampere office")
    page.get_by_role("button", name="Request the copy").dblclick()
    result = page.locator("#copy-result")
    expect(result).to_have_text(f"Thank you. A copy of invoice {number} will be sent by post.")
    assert len(posts) == 1, [p.url for p in posts]
    expect(page.get_by_label("Note (optional)")).to_have_value("")

    for _ in range(2):
        r = portal.request("POST", f"/invoices/{number}/copy-requests", as_user=BILLING,
                           json={"channel": "email"})
        assert r.status_code == 201, r.text
    page.get_by_role("button", name="Request the copy").click()
    expect(page.locator("#copy-error")).to_have_text(
        "You have asked for copies of this invoice 3 times today. Try again tomorrow.")
    expect(result).to_be_empty()  # the last action's message only


def test_a_plain_contact_has_no_invoices(page: Page) -> None:
    sign_in(page, CONTACT)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(nav.get_by_role("link", name="Invoices")).to_have_count(0)
    expect(page.locator('[data-widget="invoices"]')).to_have_count(0)
    page.goto("/invoices/")
    expect(page.get_by_role("heading", name="Not available")).to_be_visible()
    expect(page.get_by_text("This page is not available with your role.")).to_be_visible()
    expect(page.locator("#filters")).to_be_hidden()


def test_finnish_manager_on_a_phone(browser: Browser, cloud: LocalCloud) -> None:
    context = browser.new_context(base_url=cloud.url, viewport=PHONE)
    page = context.new_page()
    sign_in(page, KAISA)
    widget = page.locator('[data-widget="invoices"]')
    expect(widget).to_contain_text("Maksettavaa")
    assert _wide(page) <= PHONE["width"], "the dashboard is wider than a phone"
    widget.get_by_role("link", name="Katso erääntyneet laskut").click()
    expect(page).to_have_url(re.compile(r"/fi/invoices/\?status=overdue$"))
    ready(page)
    expect(page.get_by_role("heading", name="Laskut", level=1)).to_be_visible()
    row = page.locator("#rows tr.invoice-row", has_text="INV-2026-1050")
    expect(row).to_contain_text("Erääntynyt")
    expected = page.evaluate("new Intl.NumberFormat('fi-FI', {style: 'currency', "
                             "currency: 'EUR'}).format(177.48)")
    assert re.fullmatch(r"177,48\s€", expected), expected
    expect(row.locator("td.num")).to_have_text(expected)
    expect(page.get_by_label("Tila")).to_have_value("overdue")
    assert _wide(page) <= PHONE["width"], f"the list is {_wide(page)}px wide at 360px"
    assert axe_violations(page) == []
    shot(page, "phone-fi-invoices")

    row.get_by_role("link", name="INV-2026-1050").click()
    ready(page)
    expect(page.get_by_role("heading", name="Lasku INV-2026-1050")).to_be_visible()
    expect(page.locator("#total-total")).to_have_text(
        page.evaluate("new Intl.NumberFormat('fi-FI', {style: 'currency', "
                      "currency: 'EUR'}).format(177.48)"))
    expect(page.get_by_role("button", name="Lataa PDF")).to_be_visible()
    expect(page.get_by_role("heading", name="Pyydä kopio")).to_be_visible()
    assert "INV-2026-1050" in page.locator("#inv-title").inner_text()
    # On a phone the details come before the lines.
    details = page.get_by_role("complementary", name="Laskun tiedot").bounding_box()
    lines = page.get_by_role("heading", name="Rivit").bounding_box()
    assert details
    assert lines
    assert details["y"] < lines["y"]
    assert _wide(page) <= PHONE["width"], f"the invoice is {_wide(page)}px wide at 360px"
    assert axe_violations(page) == []
    shot(page, "phone-fi-invoice")
    context.close()
