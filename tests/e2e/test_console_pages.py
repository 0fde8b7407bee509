"""The staff console in a real browser: a queue, taking a case, opening one for a customer
account, and the console and a case page on a phone."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.conftest import Portal, wait_for
from tests.e2e.conftest import axe_violations, ready, sign_in


def test_staff_console_lists_a_queue(page: Page, portal: Portal) -> None:
    # The demo's premium cases are routed by the workflow once the portal has started.
    wait_for(lambda: portal.get("/queues/premium/cases",
                                as_user="agent@portico.example").json()["items"], timeout=60)
    sign_in(page, "agent@portico.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/cases/")
    expect(page.get_by_label("Show")).to_have_value("queue:support")
    page.get_by_label("Show").select_option("queue:premium")
    expect(page.locator("#cases tbody tr").first).to_contain_text(re.compile(r"CS-\d{6}"))
    assert axe_violations(page) == []


def test_an_agent_takes_a_case_from_the_queue(page: Page, portal: Portal) -> None:
    made = portal.request("POST", "/cases", as_user="contact@contoso.example", json={
        "subject": "Queue pick-up test", "description": "Please look.",
        "category": "general"}).json()
    wait_for(lambda: portal.get(f"/cases/{made['id']}",
                                as_user="agent@portico.example").json().get("queue"))
    sign_in(page, "agent@portico.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/cases/")
    ready(page)
    row = page.locator("#cases tbody tr", has_text=made["number"])
    # The customer's account by name, linked to its page.
    expect(row.get_by_role("link", name="Contoso Oy")).to_have_attribute(
        "href", "/account/?id=acc-contoso")
    row.get_by_role("button", name=f"Take it: {made['number']}").click()
    expect(row.get_by_role("button", name="Yours")).to_be_disabled()
    page.get_by_label("Show").select_option("assigned")
    expect(page.locator("#cases tbody")).to_contain_text(made["number"])
    case = portal.get(f"/cases/{made['id']}", as_user="agent@portico.example").json()
    me = portal.get("/me", as_user="agent@portico.example").json()
    assert case["assignee"] == me["id"]


def test_an_agent_opens_a_case_for_a_customer_account(page: Page, portal: Portal) -> None:
    sign_in(page, "agent@portico.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/cases/")
    ready(page)
    form = page.locator("#case-form")
    subject = f"Phoned in {uuid.uuid4().hex[:6]}"
    form.get_by_label("For the customer account").fill("acc-nowhere")
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("Description").fill("The customer called about their VPN.")
    form.get_by_role("button", name="Open the case").click()
    # Said beside the field it is about.
    expect(form.locator("#for-account-error")).to_have_text(
        "There is no account acc-nowhere that you may open cases for. Check the id.")
    expect(form.get_by_label("For the customer account")).to_be_focused()
    # Typed by name, the account is offered from the list of accounts; picking it gives
    # the field its id.
    form.get_by_label("For the customer account").fill("conto")
    expect(form.locator("#for-account-list option")).to_have_count(1)
    offered = form.locator("#for-account-list option").first
    expect(offered).to_have_attribute("value", "acc-contoso")
    expect(offered).to_have_text("Contoso Oy (A-1002)")
    form.get_by_label("For the customer account").fill("acc-contoso")
    form.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(subject)
    theirs = portal.every("/cases", as_user="manager@contoso.example", scope="account")
    assert [c["subject"] for c in theirs].count(subject) == 1


def test_the_console_and_a_case_fit_a_phone(page: Page, portal: Portal) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    made = portal.request("POST", "/cases", as_user="contact@northwind.example", json={
        "subject": "A rather long subject line that has to wrap on a small phone screen",
        "description": "x", "category": "technical",
        "fields": {"product": "portal", "environment": "production"}}).json()
    sign_in(page, "agent@portico.example")
    expect(page).not_to_have_url(re.compile(r"/signin/"))
    page.goto("/cases/")
    ready(page)
    first = page.locator("#cases tbody tr").first
    expect(first.locator('td[data-label="Resolution due"]')).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(f"/cases/view/?id={made['id']}")
    ready(page)
    expect(page.locator("#work-section")).to_be_visible()
    expect(page.locator("#case-fields")).to_contain_text("Production")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_status_set_on_a_case_changed_meanwhile_still_lands(page: Page,
                                                              portal: Portal) -> None:
    made = portal.request("POST", "/cases", as_user="contact@northwind.example", json={
        "subject": f"Changed meanwhile {uuid.uuid4().hex[:6]}", "category": "general",
        "description": "Two people at once."}).json()
    sign_in(page, "agent@portico.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto(f"/cases/view/?id={made['id']}")
    ready(page)
    # Another agent changes the priority while this page shows the case as it was.
    case = portal.get(f"/cases/{made['id']}", as_user="admin@portico.example").json()
    r = portal.request("PATCH", f"/cases/{made['id']}", as_user="admin@portico.example",
                       json={"version": case["version"], "priority": "high"})
    assert r.status_code == 200, r.text
    page.get_by_role("button", name="Mark as In progress").click()
    expect(page.locator("#case-status")).to_have_text("In progress")
    expect(page.locator("#case-error")).to_be_empty()
    after = portal.get(f"/cases/{made['id']}", as_user="admin@portico.example").json()
    assert (after["status"], after["priority"]) == ("in_progress", "high")


def test_an_agent_opens_a_phoned_in_case_for_the_customer_who_called(page: Page,
                                                                     portal: Portal) -> None:
    sign_in(page, "agent@portico.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/cases/")
    ready(page)
    form = page.locator("#case-form")
    expect(form.get_by_label("For the person")).to_be_hidden()
    form.get_by_label("For the customer account").fill("acc-contoso")
    form.get_by_label("For the customer account").blur()
    form.get_by_label("For the person").select_option(label="Kalle Contoso")
    subject = f"Called the desk {uuid.uuid4().hex[:6]}"
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("Description").fill("Kalle cannot print invoices.")
    form.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(subject)
    expect(page.locator("#case-requester")).to_contain_text("Kalle Contoso")
    # Kalle's own case: in his list.
    mine = portal.every("/cases", as_user="contact@contoso.example", scope="mine")
    assert subject in [c["subject"] for c in mine]
