"""The case pages in a real browser: a customer opens a case, comments, attaches a file and
reads the agent's reply; the agent works it from the staff console."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from infra.local import LocalCloud
from tests.conftest import Portal
from tests.e2e.conftest import axe_violations, ready, sign_in


def test_customer_case_with_agent_reply(page: Page, portal: Portal, browser: Browser,
                                        cloud: LocalCloud, tmp_path: Path) -> None:
    sign_in(page, "contact@northwind.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    expect(page.get_by_role("heading", name="Cases", level=1)).to_be_visible()
    ready(page)
    form = page.locator("#case-form")
    form.get_by_label("Subject").fill("Scanner shows error 42")
    form.get_by_label("Category").select_option("technical")
    form.get_by_label("Product").select_option("portal")
    form.get_by_label("Description").fill("Since this morning every scan fails.")
    form.get_by_role("button", name="Open the case").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Scanner shows error 42")
    expect(page.locator("#case-aim")).to_contain_text("We aim to answer by")
    ready(page)
    case_id = page.url.split("id=")[1]

    page.get_by_label("Your message").fill("It happens on every scanner.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#thread")).to_contain_text("It happens on every scanner.")

    note = tmp_path / "scan-log.txt"
    note.write_text("error 42 at 09:14\n")
    page.get_by_label("Add a file").set_input_files(str(note))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_have_text(
        "scan-log.txt is attached. It can be downloaded once it has been checked.")
    # The scanner passes it, and the list offers the download without a reload.
    expect(page.get_by_role("button", name="Download scan-log.txt")).to_be_visible(
        timeout=15_000)

    # The agent answers from the staff console; an internal note stays with staff.
    staff = browser.new_context(base_url=cloud.url)
    agent = staff.new_page()
    sign_in(agent, "agent@portico.example")
    expect(agent.locator("#user-name")).to_be_visible()
    agent.goto(f"/cases/view/?id={case_id}")
    ready(agent)
    expect(agent.locator("#thread")).to_contain_text("It happens on every scanner.")
    agent.get_by_label("Your message").fill("Known issue, fix is rolling out.")
    agent.get_by_role("button", name="Send").click()
    expect(agent.locator("#thread")).to_contain_text("Known issue")
    agent.get_by_label("Your message").fill("Customer has the old firmware.")
    agent.get_by_label("Internal note (staff only)").check()
    agent.get_by_role("button", name="Send").click()
    expect(agent.locator("#thread .internal")).to_contain_text("old firmware")
    # Staff words for statuses; the agent takes the case and makes it urgent.
    agent.get_by_role("button", name="Mark as Waiting on the customer").click()
    expect(agent.locator("#case-status")).to_have_text("Waiting on the customer")
    agent.get_by_role("button", name="Take it").click()
    expect(agent.locator("#case-handler")).to_have_text("Handled by Me")
    work = agent.locator("#work-form")
    work.get_by_label("Priority").select_option("urgent")
    work.get_by_label("Queue").select_option("priority")
    work.get_by_role("button", name="Save").click()
    expect(agent.get_by_role("status")).to_have_text("Saved.")
    expect(agent.locator("#case-priority")).to_have_text("Urgent")
    assert axe_violations(agent) == []
    # The next action clears the last one's message.
    agent.get_by_label("Your message").fill("Escalated to the priority queue.")
    agent.get_by_role("button", name="Send").click()
    expect(agent.locator("#thread")).to_contain_text("Escalated")
    expect(agent.locator("#notice")).to_be_empty()
    staff.close()

    page.reload()
    ready(page)
    expect(page.locator("#thread")).to_contain_text("Known issue, fix is rolling out.")
    expect(page.locator("#thread")).not_to_contain_text("old firmware")
    expect(page.locator("#case-status")).to_have_text("Waiting for you")
    expect(page.locator("#case-handler")).to_have_text("A support agent is working on this.")
    expect(page.locator("#work-section")).to_be_hidden()
    page.get_by_label("Your message").fill("Thanks, updating now.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#case-status")).to_have_text("In progress")
    assert axe_violations(page) == []
    # Closing asks first; saying no keeps the case open.
    page.get_by_role("button", name="Close the case").click()
    confirm = page.get_by_role("group", name=re.compile("Close this case?"))
    confirm.get_by_role("button", name="No, keep it open").click()
    expect(page.locator("#case-status")).to_have_text("In progress")
    page.get_by_role("button", name="Close the case").click()
    page.get_by_role("button", name="Yes, close it").click()
    expect(page.locator("#case-status")).to_have_text("Closed")
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    # A closed case takes no message: the page says what to do instead.
    expect(page.locator("#comment-form")).to_be_hidden()
    expect(page.locator("#closed-note")).to_contain_text("Reopen it below")
    # The category's questions, as answered when the case was opened.
    expect(page.locator("#case-fields")).to_contain_text("Product")
    expect(page.locator("#case-fields")).to_contain_text("Portal")


def test_customer_cannot_open_another_accounts_case(page: Page, portal: Portal) -> None:
    theirs = portal.request("POST", "/cases", as_user="contact@contoso.example", json={
        "subject": "Contoso only", "description": "x", "category": "general"}).json()
    sign_in(page, "contact@northwind.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto(f"/cases/view/?id={theirs['id']}")
    expect(page.get_by_role("alert")).to_have_text("No such case.")
    expect(page.locator("#case")).to_be_hidden()


def test_a_double_click_opens_one_case(page: Page, portal: Portal) -> None:
    sign_in(page, "contact@northwind.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    expect(page.get_by_role("heading", name="Cases", level=1)).to_be_visible()
    ready(page)
    subject = f"Twice clicked {uuid.uuid4().hex[:6]}"
    form = page.locator("#case-form")
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("Description").fill("One click too many.")
    form.get_by_role("button", name="Open the case").dblclick()
    expect(page.get_by_role("heading", level=1)).to_contain_text(subject)
    mine = portal.every("/cases", as_user="contact@northwind.example", scope="mine")
    assert [c["subject"] for c in mine].count(subject) == 1


def test_the_dashboard_lists_open_cases(page: Page, portal: Portal, browser: Browser,
                                        cloud: LocalCloud) -> None:
    subject = f"Dashboard case {uuid.uuid4().hex[:6]}"
    made = portal.request("POST", "/cases", as_user="contact@northwind.example", json={
        "subject": subject, "description": "Shown on the dashboard.",
        "category": "general"}).json()
    sign_in(page, "contact@northwind.example")
    widget = page.locator('[data-widget="cases"]')
    expect(widget.get_by_role("link", name=f"{made['number']}: {subject}")).to_be_visible()
    expect(widget).to_contain_text("New")
    assert axe_violations(page) == []
    # A manager reads the account's open cases by status. (Signing out would end the
    # contact's sessions everywhere, other tests' too: a second browser instead.)
    other = browser.new_context(base_url=cloud.url)
    manager = other.new_page()
    sign_in(manager, "manager@northwind.example")
    expect(manager.locator('[data-widget="cases"] .case-counts')).to_contain_text(
        re.compile(r"open cases: .*New \d+"))
    other.close()


def test_the_billing_role_opens_and_follows_a_billing_case(page: Page) -> None:
    sign_in(page, "billing@northwind.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    ready(page)
    category = page.locator("#case-form").get_by_label("Category")
    expect(category.locator("option")).to_have_count(1)
    expect(category).to_have_value("billing")
    form = page.locator("#case-form")
    subject = f"Invoice total is wrong {uuid.uuid4().hex[:6]}"
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("Invoice number").fill("INV-2026-1107")
    form.get_by_label("Description").fill("The total does not match the order.")
    form.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(subject)
    # Theirs to follow: in their own list.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    expect(page.locator("#cases tbody")).to_contain_text(subject)


def test_a_partner_opens_a_case_for_the_customer_it_serves(page: Page, portal: Portal) -> None:
    sign_in(page, "partner@fabrikam.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    ready(page)
    form = page.locator("#case-form")
    customer = form.get_by_label("For the customer account")
    # A choice of the accounts it serves, by name; never a free-typed id.
    expect(customer.locator("option")).to_have_text(["Northwind Traders"])
    subject = f"Partner opened {uuid.uuid4().hex[:6]}"
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("Description").fill("The customer's scanner is down.")
    form.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(subject)
    # It is Northwind's case: its manager sees it in the account's list.
    cases = portal.every("/cases", as_user="manager@northwind.example", scope="account")
    assert subject in [c["subject"] for c in cases]
    # Back on the list, the partner finds it under Northwind's cases.
    page.goto("/cases/")
    ready(page)
    expect(page.locator("#cases tbody")).to_contain_text(subject)


def _cases_page(page: Page, user: str = "contact@northwind.example") -> None:
    sign_in(page, user)
    expect(page.locator("#user-name")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    ready(page)


def test_files_are_attached_while_opening_a_case(page: Page, tmp_path: Path) -> None:
    _cases_page(page)
    form = page.locator("#case-form")
    # What the case takes is said before anything is chosen.
    expect(form.locator("#new-files-hint")).to_contain_text("PDF")
    expect(form.locator("#new-files-hint")).to_contain_text("25 MB")
    log = tmp_path / "printer.log"
    log.write_text("jam at tray 2\n")
    table = tmp_path / "counts.csv"
    table.write_text("tray,jams\n2,14\n")
    subject = f"Printer jams {uuid.uuid4().hex[:6]}"
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("Description").fill("Tray 2 jams on every job.")
    form.get_by_label("Files (optional)").set_input_files([str(log), str(table)])
    form.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(subject)
    expect(page.get_by_role("status")).to_contain_text("is open")
    attachments = page.locator("#attachments")
    expect(attachments).to_contain_text("printer.log")
    expect(attachments).to_contain_text("counts.csv")


def test_a_file_the_case_cannot_take_is_named_beside_the_field(page: Page, portal: Portal,
                                                                tmp_path: Path) -> None:
    _cases_page(page)
    before = len(portal.every("/cases", as_user="contact@northwind.example", scope="mine"))
    program = tmp_path / "fix.exe"
    program.write_bytes(b"MZ\x90\x00")
    form = page.locator("#case-form")
    form.get_by_label("Subject").fill("With a program")
    form.get_by_label("Description").fill("Run this.")
    form.get_by_label("Files (optional)").set_input_files(str(program))
    form.get_by_role("button", name="Open the case").click()
    expect(form.locator("#new-files-error")).to_contain_text("fix.exe is not a file type")
    expect(form.get_by_label("Files (optional)")).to_have_attribute("aria-invalid", "true")
    # Nothing was sent: no case was opened without its file.
    assert len(portal.every("/cases", as_user="contact@northwind.example",
                            scope="mine")) == before


def test_errors_stand_beside_their_fields_in_finnish(page: Page, portal: Portal) -> None:
    sign_in(page, "manager@contoso.example")  # Contoso's people read Finnish
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/fi/cases/")
    ready(page)
    form = page.locator("#case-form")
    form.get_by_label("Aihe").fill("ab")
    form.get_by_role("button", name="Lähetä tukipyyntö").click()
    expect(form.locator("#subject-error")).to_have_text("Kirjoita vähintään 3 merkin aihe.")
    expect(form.locator("#description-error")).to_have_text("Täytä tämä kenttä.")
    expect(form.get_by_label("Aihe")).to_be_focused()
    # What the API itself refuses lands beside the field too: its real answer, sent to the
    # page for a body the page's own checks would have let through.
    refused = portal.request("POST", "/cases", as_user="manager@contoso.example", json={
        "subject": "ab", "description": "x", "category": "general"})
    assert refused.status_code == 422, refused.text
    page.route("**/cases", lambda route: route.fulfill(
        status=422, content_type="application/json", body=refused.text)
        if route.request.method == "POST" else route.fallback())
    form.get_by_label("Aihe").fill("Tulostin ei tulosta")
    form.get_by_label("Kuvaus").fill("Paperi juuttuu.")
    form.get_by_role("button", name="Lähetä tukipyyntö").click()
    expect(form.locator("#subject-error")).to_have_text("Kirjoita vähintään 3 merkin aihe.")
    expect(form.locator("#description-error")).to_be_empty()
    expect(page.locator("#cases-error")).to_be_empty()


def test_tabs_narrow_the_list_and_oldest_first_sorts_within_one(page: Page,
                                                                portal: Portal) -> None:
    manager = "manager@northwind.example"
    sign_in(page, manager)
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/cases/")
    ready(page)
    page.get_by_label("Show").select_option("account")
    numbers = page.locator("#cases tbody tr td:first-child")

    def listed(**params: str) -> list[str]:
        found = portal.every("/cases", as_user=manager, scope="account", **params)
        return [c["number"] for c in found][:25]

    expect(numbers).to_have_text(listed())
    tabs = page.get_by_role("group", name="Which cases")
    tabs.get_by_role("button", name="Closed").click()
    expect(tabs.get_by_role("button", name="Closed")).to_have_attribute("aria-pressed", "true")
    expect(numbers).to_have_text(listed(status="done"))
    # The status filter offers the tab's own statuses.
    expect(page.locator("#status-filter option:not([hidden])")).to_have_text(
        ["Any status", "Resolved", "Closed"])
    page.get_by_label("Sort").select_option("oldest")
    expect(numbers).to_have_text(listed(status="done", order="oldest"))
    # Picking a status on All moves to its tab; All again shows every status, newest first.
    tabs.get_by_role("button", name="All").click()
    expect(page.get_by_label("Sort")).to_have_value("newest")
    page.get_by_label("Status").select_option("in_progress")
    expect(tabs.get_by_role("button", name="Open")).to_have_attribute("aria-pressed", "true")
    expect(numbers).to_have_text(listed(status="in_progress"))
    assert axe_violations(page) == []
