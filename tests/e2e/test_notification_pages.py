"""Notifications in a real browser: an agent's reply raises the customer's badge on an open
page without a reload, the list shows it and "Mark all as read" clears it; an outage shows
on every page; the unsubscribe link works signed out; a change request is asked for on the
account page and approved (or found stale) on the staff's review page; the announcement
editor publishes and withdraws; phones and Finnish."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from infra.local import LocalCloud
from tests.conftest import Portal, wait_for
from tests.e2e.conftest import axe_violations, ready, shot, sign_in
from tests.integration.test_cases import open_case
from tests.integration.test_notifications import mails, set_preferences

NED = "contact@northwind.example"
NORA = "manager@northwind.example"  # Northwind's account manager
KAISA = "manager@contoso.example"  # Finnish
AGENT = "agent@portico.example"
ADMIN = "admin@portico.example"
PHONE: ViewportSize = {"width": 360, "height": 740}
LIVE_MS = 5_000  # the issue asks for 2 s over the socket; leave room for a slow machine


def _wide(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def _unread(portal: Portal, user: str) -> int:
    r = portal.get("/notifications/summary", as_user=user)
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


def _quiet(portal: Portal, user: str) -> int:
    """The user's unread count once it has stayed the same for two seconds (the demo data's
    events reach the notifier for a while after the cloud starts)."""
    last, since = _unread(portal, user), time.monotonic()
    deadline = since + 60
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _unread(portal, user)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= 2:
            return last
    raise AssertionError(f"{user}'s unread count never settled")


def _bell(page: Page, count: int) -> None:
    bell = page.locator("a.bell")
    if count:
        expect(bell.locator(".bell-count")).to_have_text(str(count), timeout=LIVE_MS)
        expect(bell).to_have_attribute("aria-label", f"Notifications, {count} unread")
    else:
        expect(bell.locator(".bell-count")).to_be_hidden(timeout=LIVE_MS)
        expect(bell).to_have_attribute("aria-label", "Notifications")


def _context(browser: Browser, cloud: LocalCloud, viewport: ViewportSize | None = None
             ) -> BrowserContext:
    return browser.new_context(base_url=cloud.url,
                               viewport=viewport or {"width": 1280, "height": 800})


def _announce(portal: Portal, severity: str, title: str, **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {"title": title, "body": f"{title}: details.", "audience": {"kind": "all"},
            "severity": severity, "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat(), **extra}
    r = portal.request("POST", "/announcements", as_user=ADMIN, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _withdraw(portal: Portal, announcement: dict[str, Any]) -> None:
    r = portal.request("DELETE", f"/announcements/{announcement['id']}", as_user=ADMIN)
    assert r.status_code == 204, r.text


@pytest.fixture
def outage(portal: Portal) -> Iterator[dict[str, Any]]:
    """An outage for everyone while the test runs (withdrawn after: other pages' tests see
    no banner)."""
    a = _announce(portal, "outage", "Payments are down")
    yield a
    _withdraw(portal, a)


def test_an_agent_reply_raises_the_badge_without_a_reload(page: Page, portal: Portal) -> None:
    case = open_case(portal, NED, subject="Badge test: the printer again")
    sign_in(page, NED)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    ready(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    ready(page)
    # What the page shows once settled is what the API says.
    before = _quiet(portal, NED)
    expect(page.locator("a.bell")).to_have_attribute(
        "aria-label", f"Notifications, {before} unread" if before else "Notifications",
        timeout=70_000)  # the demo data's own notifications, by push or by the 60 s poll
    page.evaluate("window.__kept = 'no reload'")
    r = portal.request("POST", f"/cases/{case['id']}/comments", as_user=AGENT,
                       json={"body": "We replaced the fuser. Does it print now?"})
    assert r.status_code == 201, r.text

    _bell(page, before + 1)
    assert page.evaluate("window.__kept") == "no reload"
    cases_badge = page.locator('#nav li[data-section="cases"] .nav-badge')
    expect(cases_badge).to_be_visible()
    expect(cases_badge).to_contain_text(re.compile(r"^\d+ unread$"))
    shot(page, "notifications-badge")

    page.locator("a.bell").click()
    ready(page)
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    first = page.locator("#notes li.note").first
    expect(first).to_contain_text(case["number"])
    expect(first).to_have_class(re.compile(r"\bunread\b"))
    assert axe_violations(page) == []
    shot(page, "notifications-list")

    page.get_by_role("button", name="Unread", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?unread=true$"))
    expect(page.locator("#notes li.note.unread").first).to_be_visible()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator("#notes-status")).to_contain_text("marked as read")
    _bell(page, 0)
    expect(cases_badge).to_be_hidden()
    expect(page.locator("#notes-empty")).to_contain_text("You have read everything")
    assert _unread(portal, NED) == 0

    # A new one shows in the open list by itself; opening it marks it read and goes there.
    portal.request("POST", f"/cases/{case['id']}/comments", as_user=AGENT,
                   json={"body": "One more thing: check the paper tray."})
    _bell(page, 1)
    item = page.locator("#notes li.note.unread").first
    expect(item).to_contain_text(case["number"], timeout=LIVE_MS)
    item.get_by_role("button").click()
    expect(page).to_have_url(re.compile(rf"/cases/view/\?id={case['id']}$"))
    ready(page)
    _bell(page, 0)


def test_an_outage_shows_on_every_page(page: Page, portal: Portal,
                                       outage: dict[str, Any]) -> None:
    news = _announce(portal, "info", "New knowledge base articles")
    warning = _announce(portal, "warning", "Maintenance on Sunday")
    try:
        sign_in(page, NED)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
        ready(page)
        # Other tests of this cloud may announce too: each banner is found by its own id.
        banners = page.get_by_role("region", name="Announcements", exact=True)
        down = banners.locator(f".banner-outage[data-announcement='{outage['id']}']")
        ahead = banners.locator(f"[data-announcement='{warning['id']}']")
        fresh = banners.locator(f"[data-announcement='{news['id']}']")
        expect(down).to_contain_text("Service outage: Payments are down")
        expect(fresh).to_have_class(re.compile(r"\bbanner-info\b"))
        shot(page, "banner-dashboard")
        # Outages cannot be hidden; a heads-up can, for the rest of the session.
        expect(down.locator("button")).to_have_count(0)
        banners.get_by_role("button", name="Hide the notice: Maintenance on Sunday").click()
        expect(ahead).to_have_count(0)
        for path in ("/cases/", "/kb/", "/bookings/", "/profile/", "/notifications/"):
            page.goto(path)
            ready(page)
            expect(down).to_contain_text("Payments are down")
            expect(ahead).to_have_count(0)
            if path != "/notifications/":
                expect(fresh).to_have_count(0)
        # The notifications page lists every active announcement at its top.
        listed = page.locator("#ann-list")
        for title in ("Payments are down", "Maintenance on Sunday", "New knowledge base articles"):
            expect(listed).to_contain_text(title)
        assert axe_violations(page) == []
    finally:
        _withdraw(portal, news)
        _withdraw(portal, warning)


def test_the_unsubscribe_page_works_signed_out(page: Page, portal: Portal,
                                               cloud: LocalCloud) -> None:
    set_preferences(portal, NED, "cases", email=True, digest=False)
    case = open_case(portal, NED, subject="Mail me about this")
    portal.request("POST", f"/cases/{case['id']}/comments", as_user=AGENT,
                   json={"body": "A reply with a link."})
    sent = wait_for(lambda: mails(cloud, NED, case["number"]) or None)
    link = re.search(r"/unsubscribe/\?token=([A-Za-z0-9_-]+)", sent[0].body)
    assert link
    try:
        page.goto(f"/unsubscribe/?token={link.group(1)}")
        ready(page)
        expect(page.get_by_role("heading", name="Stop e-mails", level=1)).to_be_visible()
        assert axe_violations(page) == []
        stop = page.get_by_role("button", name="Stop these e-mails")
        stop.dblclick()
        expect(page.locator("#unsub-result")).to_have_text(
            "Done: you will no longer get e-mails about your cases.")
        expect(page.get_by_role("link", name="Change which e-mails you get in your profile")
               ).to_have_attribute("href", "/profile/#preferences")
        prefs = portal.get("/me", as_user=NED).json()["notification_preferences"]
        assert prefs["cases"]["email"] is False
        shot(page, "unsubscribe")
        # The same link again does no harm; a broken one says what to do in words.
        page.reload()
        ready(page)
        page.get_by_role("button", name="Stop these e-mails").click()
        expect(page.locator("#unsub-result")).to_contain_text("no longer get e-mails")
        page.goto("/unsubscribe/?token=short")
        ready(page)
        expect(page.get_by_role("alert")).to_contain_text("This link is incomplete")
    finally:
        set_preferences(portal, NED, "cases", email=True, digest=False)


def test_preferences_make_once_a_day_follow_e_mail(page: Page, portal: Portal) -> None:
    sign_in(page, NED)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.goto("/profile/")
    ready(page)
    email = page.locator("#pref-invoices-email")
    digest = page.locator("#pref-invoices-digest")
    email.check()
    expect(digest).to_be_enabled()
    email.uncheck()
    expect(digest).to_be_disabled()
    expect(digest).not_to_be_checked()
    email.check()
    expect(page.locator("#preferences")).to_contain_text(
        "You always see notifications in the portal")


def _vat() -> str:
    return "FI" + str(uuid.uuid4().int)[:8]


def _no_pending_requests(portal: Portal, account_id: str) -> None:
    """Another test of this cloud may have left a request waiting, which would refuse a new
    one for the same field: staff turn those down first."""
    for cr in portal.every("/change-requests", as_user=ADMIN, status="pending"):
        if cr["account_id"] == account_id:
            r = portal.request("POST", f"/change-requests/{cr['id']}/reject", as_user=ADMIN,
                               json={"reason": "Superseded."})
            assert r.status_code == 200, r.text


def test_a_change_request_is_asked_for_and_approved(page: Page, portal: Portal,
                                                    browser: Browser, cloud: LocalCloud) -> None:
    vat = _vat()
    _no_pending_requests(portal, "acc-northwind")
    sign_in(page, NORA)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    ready(page)
    page.get_by_role("button", name="Request a change").click()
    page.get_by_label("VAT id").fill("12")
    send = page.get_by_role("button", name="Send the request")
    send.click()
    expect(page.locator("#cr-vat_id-error")).to_contain_text(
        "starts with the country's two letters")
    page.get_by_label("VAT id").fill(vat)
    page.get_by_label("Note for the reviewer (optional)").fill("We moved to a new VAT group.")
    requests_before = len(portal.get("/me/change-requests", as_user=NORA).json()["items"])
    send.dblclick()
    expect(page.locator("#cr-status")).to_have_text(
        "Your request to change VAT id is waiting for review.")
    card = page.locator("#cr-list li.cr-card").first
    expect(card).to_contain_text(vat)
    expect(card).to_contain_text("Waiting for review")
    assert len(portal.get("/me/change-requests", as_user=NORA).json()["items"]) == \
        requests_before + 1  # a double click asks once
    assert axe_violations(page) == []
    shot(page, "change-request-asked")

    # A second request for another field, approved first through the API, changes the
    # account: the first then cannot be approved as it was asked.
    mail = f"invoices-{uuid.uuid4().hex[:6]}@northwind.example"
    r = portal.request("POST", "/me/change-requests", as_user=NORA, json={"invoice_email": mail})
    assert r.status_code == 201, r.text
    second = r.json()

    admin = _context(browser, cloud)
    staff = admin.new_page()
    try:
        sign_in(staff, ADMIN)
        expect(staff.get_by_role("heading", level=1)).to_contain_text("Welcome")
        staff.goto("/account/review/")
        ready(staff)
        expect(staff.get_by_role("heading", name="Change requests", level=1)).to_be_visible()
        mine = staff.locator("#rv-list li.cr-card", has_text=vat)
        expect(mine).to_contain_text("Northwind")
        expect(mine).to_contain_text("We moved to a new VAT group.")
        expect(mine.locator("table")).to_contain_text(vat)
        assert axe_violations(staff) == []
        shot(staff, "change-review")
        # Reject needs a reason.
        other = staff.locator("#rv-list li.cr-card", has_text=mail)
        other.get_by_role("button", name="Reject").click()
        other.get_by_role("button", name="Reject the request").click()
        expect(other.get_by_role("alert")).to_have_text("Write the reason for the customer.")
        other.get_by_role("button", name="Cancel").click()
        r = portal.request("POST", f"/change-requests/{second['id']}/approve", as_user=ADMIN,
                           json={})
        assert r.status_code == 200, r.text
        mine.get_by_role("button", name="Approve").click()
        expect(mine.get_by_role("alert")).to_contain_text(
            "The account changed since this request was made; review it again.")

        # The stale one is rejected with a reason the customer reads.
        mine.get_by_role("button", name="Reject").click()
        mine.get_by_label("Reason (the customer sees it)").fill("Please ask again.")
        mine.get_by_role("button", name="Reject the request").dblclick()
        expect(staff.locator("#rv-status-text")).to_contain_text("is rejected")
        expect(mine).to_have_count(0)
        # Asked again against the account as it is now, it is approved.
        page.reload()
        ready(page)
        stale = page.locator("#cr-list li.cr-card", has_text="Please ask again.")
        expect(stale).to_contain_text("Rejected")
        expect(stale).to_contain_text("Reason: Please ask again.")
        page.get_by_role("button", name="Request a change").click()
        vat = _vat()
        page.get_by_label("VAT id").fill(vat)
        page.get_by_role("button", name="Send the request").click()
        expect(page.locator("#cr-status")).to_contain_text("waiting for review")
        staff.reload()
        ready(staff)
        fresh = staff.locator("#rv-list li.cr-card", has_text=vat)
        fresh.get_by_role("button", name="Approve").click()
        expect(staff.locator("#rv-status-text")).to_contain_text("is approved and applied")
        expect(fresh).to_have_count(0)
        account = portal.get("/accounts/acc-northwind", as_user=ADMIN).json()
        assert account["vat_id"] == vat
        page.reload()
        ready(page)
        expect(page.locator("#cr-list li.cr-card").first).to_contain_text("Approved")

        # The editor: an administrator publishes, then withdraws after confirming.
        staff.goto("/notifications/announcements/")
        ready(staff)
        staff.get_by_role("button", name="New announcement").click()
        staff.get_by_label("Title").fill("Portal update tonight")
        staff.get_by_label("Text").fill("New features arrive at 22:00.")
        staff.get_by_label("Kind").select_option("warning")
        staff.get_by_role("button", name="Publish").click()
        expect(staff.locator("#ann-status")).to_have_text("“Portal update tonight” is published.")
        row = staff.locator("#ann-rows tr", has_text="Portal update tonight")
        expect(row).to_contain_text("Showing")
        assert axe_violations(staff) == []
        shot(staff, "announcement-editor")
        row.get_by_role("button", name="Withdraw: Portal update tonight").click()
        staff.get_by_role("button", name="Yes, withdraw it").click()
        expect(staff.locator("#ann-status")).to_have_text("“Portal update tonight” is withdrawn.")
        expect(row).to_have_count(0)  # the API lists only what has not ended
    finally:
        admin.close()


def test_agents_read_the_review_and_the_editor(page: Page) -> None:
    sign_in(page, AGENT)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.goto("/account/review/")
    ready(page)
    expect(page.locator("#rv-readonly")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    page.goto("/notifications/announcements/")
    ready(page)
    expect(page.locator("#ann-readonly")).to_be_visible()
    expect(page.get_by_role("button", name="New announcement")).to_be_hidden()


def test_phones_and_finnish(browser: Browser, cloud: LocalCloud, portal: Portal,
                            outage: dict[str, Any]) -> None:
    context = _context(browser, cloud, PHONE)
    page = context.new_page()
    try:
        sign_in(page, KAISA)
        expect(page).to_have_url(re.compile(r"/fi/$"))
        ready(page)
        expect(page.locator(f".banner-outage[data-announcement='{outage['id']}']")
               ).to_contain_text("Käyttökatko: Payments are down")
        expect(page.locator("a.bell")).to_have_attribute("aria-label", re.compile(r"^Ilmoitukset"))
        assert _wide(page) <= PHONE["width"], f"the dashboard is {_wide(page)}px wide at 360px"
        page.goto("/fi/notifications/")
        ready(page)
        expect(page.get_by_role("heading", name="Ilmoitukset", level=1)).to_be_visible()
        expect(page.get_by_role("button", name="Merkitse kaikki luetuiksi")).to_be_visible()
        expect(page.get_by_role("button", name="Lukemattomat")).to_be_visible()
        assert _wide(page) <= PHONE["width"], f"notifications are {_wide(page)}px wide at 360px"
        assert axe_violations(page) == []
        shot(page, "phone-fi-notifications")
        page.goto("/fi/account/")
        ready(page)
        expect(page.get_by_role("heading", name="Yrityksen tiedot")).to_be_visible()
        page.get_by_role("button", name="Pyydä muutosta").click()
        expect(page.get_by_label("ALV-tunnus")).to_be_visible()
        page.get_by_label("ALV-tunnus").fill("x")
        page.get_by_role("button", name="Lähetä pyyntö").click()
        expect(page.locator("#cr-vat_id-error")).to_contain_text("ALV-tunnus alkaa")
        assert _wide(page) <= PHONE["width"], f"the account is {_wide(page)}px wide at 360px"
        shot(page, "phone-fi-account")
        page.goto("/fi/profile/")
        ready(page)
        expect(page.locator("#preferences")).to_contain_text("Näet ilmoitukset aina portaalissa")
        assert _wide(page) <= PHONE["width"], f"the profile is {_wide(page)}px wide at 360px"
        page.goto("/fi/unsubscribe/?token=short")
        ready(page)
        expect(page.get_by_role("alert")).to_contain_text("Linkki on vajaa")
    finally:
        context.close()

    admin = _context(browser, cloud, PHONE)
    staff = admin.new_page()
    try:
        sign_in(staff, ADMIN)
        expect(staff.get_by_role("heading", level=1)).to_contain_text("Welcome")
        for path in ("/notifications/announcements/", "/account/review/?status=approved"):
            staff.goto(path)
            ready(staff)
            expect(staff.locator("#page h1")).to_be_visible()
            assert _wide(staff) <= PHONE["width"], f"{path} is {_wide(staff)}px wide at 360px"
        staff.goto("/notifications/announcements/")
        ready(staff)
        staff.get_by_role("button", name="New announcement").click()
        assert _wide(staff) <= PHONE["width"], "the editor is wider than a phone"
        shot(staff, "phone-announcement-editor")
    finally:
        admin.close()
