"""The booking pages in a real browser: a customer books a meeting room, a customer of
another account sees the time taken, the first cancels and the second sees it free again;
a double click books once; the Finnish pages fit a phone; staff approve and reject."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, Request, ViewportSize, expect

from infra.local import LocalCloud
from tests.conftest import Portal
from tests.e2e.conftest import axe_violations, ready, shot, sign_in

NORTHWIND = "contact@northwind.example"  # English
CONTOSO = "contact@contoso.example"  # Finnish, another account
PHONE: ViewportSize = {"width": 360, "height": 740}


def _room(portal: Portal) -> dict[str, Any]:
    """The demo's meeting room for one, confirmed at once, in Helsinki."""
    items = portal.get("/resources", as_user=NORTHWIND).json()["items"]
    rooms = sorted((r for r in items if r["category"] == "meeting_rooms" and r["capacity"] == 1
                    and not r["approval_required"] and r["time_zone"] == "Europe/Helsinki"),
                   key=lambda r: r["name"])
    assert rooms, items
    room: dict[str, Any] = rooms[0]
    return room


def _week(weeks_ahead: int) -> str:
    today = datetime.now(ZoneInfo("Europe/Helsinki")).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
    return monday.isoformat()


def _wide(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def test_book_see_taken_cancel_see_free(page: Page, portal: Portal, browser: Browser,
                                        cloud: LocalCloud) -> None:
    room = _room(portal)
    sign_in(page, NORTHWIND)
    expect(page.locator("#user-name")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bookings").click()
    expect(page.get_by_role("heading", name="Bookings", level=1)).to_be_visible()
    ready(page)
    expect(page.get_by_role("heading", name="Meeting rooms", level=3)).to_be_visible()
    page.get_by_role("link", name=room["name"]).click()
    expect(page.get_by_role("heading", name=room["name"], level=1)).to_be_visible()
    ready(page)
    expect(page.locator("#zone-note")).to_contain_text("Europe/Helsinki")
    # Two weeks on: away from the demo's own bookings and any lead time.
    next_week = page.get_by_role("button", name=re.compile("^Next week"))
    next_week.dblclick()  # one week on, not two
    expect(page).to_have_url(re.compile(f"week={_week(1)}"))
    next_week.click()
    expect(page).to_have_url(re.compile(f"week={_week(2)}"))
    free = page.locator("#week button.slot:not([disabled])").first
    expect(free).to_be_visible()
    start = free.get_attribute("data-start")
    assert start
    free.click()
    expect(free).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#chosen")).to_contain_text("Europe/Helsinki")
    page.get_by_label("How long").select_option("60")
    page.get_by_label("Note (optional)").fill("Planning day")

    posts: list[Request] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" and r.url.endswith(
        "/bookings") else None)
    page.get_by_role("button", name="Book", exact=True).dblclick()
    result = page.locator("#book-result")
    expect(result).to_contain_text(f"{room['name']} is booked for you")
    expect(result).to_contain_text("Confirmed")
    taken = page.locator(f'#week button.slot[data-start="{start}"]')
    expect(taken).to_be_disabled()
    expect(taken).to_contain_text("taken")
    assert len(posts) == 1, [p.url for p in posts]
    mine = portal.get(f"/bookings?scope=mine&from={start}", as_user=NORTHWIND).json()["items"]
    assert [b["start"] for b in mine if b["resource_id"] == room["id"]
            and b["status"] == "confirmed"] == [start]

    # The dashboard lists it among the next bookings.
    page.goto("/")
    widget = page.locator('[data-widget="bookings"]')
    expect(widget.get_by_role("link", name=room["name"])).to_be_visible()

    # A customer of another account, in Finnish on a phone, sees the time taken.
    other = browser.new_context(base_url=cloud.url, viewport=PHONE)
    kalle = other.new_page()
    sign_in(kalle, CONTOSO)
    expect(kalle.locator("#user-name")).to_be_visible()
    kalle.goto(f"/fi/bookings/resource/?id={room['id']}&week={_week(2)}")
    ready(kalle)
    theirs = kalle.locator(f'#week button.slot[data-start="{start}"]')
    expect(theirs).to_be_disabled()
    expect(theirs).to_contain_text("varattu")
    assert _wide(kalle) <= PHONE["width"], "the Finnish resource page is wider than a phone"

    # The first saves it to a calendar, then cancels it, confirming by name.
    page.goto("/bookings/")
    ready(page)
    card = page.locator("#mine .booking", has_text=room["name"]).filter(has_text="Confirmed")
    expect(card).to_have_count(1)
    with page.expect_download() as download:
        card.get_by_role("button", name=f"Add to calendar: {room['name']}").click()
    saved = download.value.path().read_text()
    assert "BEGIN:VEVENT" in saved
    assert "Planning day" in saved
    card.get_by_role("button", name=f"Cancel the booking of {room['name']}").click()
    expect(card.get_by_role("group")).to_contain_text(f"Cancel the booking of {room['name']}")
    card.get_by_role("button", name="Yes, cancel it").click()
    cancelled = page.locator("#mine .booking", has_text=room["name"]).filter(has_text="Cancelled")
    expect(cancelled.get_by_role("status")).to_contain_text(
        f"The booking of {room['name']} on ")
    expect(cancelled.get_by_role("status")).to_contain_text("is cancelled.")

    # ... and the other sees the time free again.
    kalle.reload()
    ready(kalle)
    expect(theirs).to_be_enabled()
    expect(theirs).to_have_attribute("aria-pressed", "false")
    other.close()


def test_finnish_bookings_pages_fit_a_phone(browser: Browser, cloud: LocalCloud,
                                            portal: Portal) -> None:
    room = _room(portal)
    context = browser.new_context(base_url=cloud.url, viewport=PHONE)
    page = context.new_page()
    sign_in(page, CONTOSO)
    expect(page.locator("#user-name")).to_be_visible()
    pages = {"/fi/bookings/": "#catalogue .card",
             f"/fi/bookings/resource/?id={room['id']}&week={_week(1)}": "#week .day"}
    for path, filled in pages.items():
        page.goto(path)
        ready(page)
        expect(page.locator(filled).first).to_be_visible()
        assert page.locator("html").get_attribute("lang") == "fi"
        assert _wide(page) <= PHONE["width"], f"{path} is {_wide(page)}px wide at 360px"
        assert axe_violations(page) == [], path
        shot(page, "phone-fi-" + ("bookings" if path.endswith("bookings/") else "resource"))
    # The week stacks: one day under another.
    boxes = [page.locator("#week .day").nth(i).bounding_box() for i in range(2)]
    assert boxes[0]
    assert boxes[1]
    assert boxes[1]["y"] > boxes[0]["y"]
    expect(page.get_by_text("Ajat ovat kohteen aikavyöhykkeellä, Europe/Helsinki.")
           ).to_be_visible()
    context.close()


def _free_start(portal: Portal, resource: dict[str, Any], weeks_ahead: int) -> str:
    frm = date.fromisoformat(_week(weeks_ahead))
    slots = portal.get(f"/resources/{resource['id']}/availability?from={frm}T00:00:00Z"
                       f"&to={frm + timedelta(days=7)}T00:00:00Z", as_user=CONTOSO).json()
    start: str = next(s["start"] for s in slots["slots"] if s["remaining"] > 0)
    return start


def test_staff_approve_and_reject(page: Page, portal: Portal) -> None:
    items = portal.get("/resources", as_user=CONTOSO).json()["items"]
    van = next(r for r in items if r["approval_required"])
    made = []
    for weeks, note in ((3, "Approve me"), (4, "Reject me")):
        start = _free_start(portal, van, weeks)
        end = (datetime.fromisoformat(start.replace("Z", "+00:00"))
               + timedelta(minutes=van["min_duration_minutes"])).isoformat().replace(
            "+00:00", "Z")
        r = portal.request("POST", "/bookings", as_user=CONTOSO, json={
            "resource_id": van["id"], "start": start, "end": end, "note": note})
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "pending"
        made.append(r.json())

    sign_in(page, "agent@portico.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/bookings/")
    ready(page)
    approvals = page.locator("#approvals")
    first = approvals.locator(f"#booking-{made[0]['id']}")
    expect(first).to_contain_text("Approve me")
    expect(first).to_contain_text("Pending approval")
    first.get_by_role("button", name=re.compile("^Approve")).click()
    expect(page.locator("#approvals-status")).to_contain_text("Approved:")
    expect(first).to_have_count(0)

    second = approvals.locator(f"#booking-{made[1]['id']}")
    second.get_by_role("button", name=re.compile("^Reject")).click()
    second.get_by_label("Reason (the customer sees it)").fill("Both vans are in service.")
    second.get_by_role("button", name="Reject the booking").click()
    expect(page.locator("#approvals-status")).to_contain_text("Rejected:")
    assert axe_violations(page) == []

    decided = {b["id"]: b for b in (
        portal.get(f"/bookings/{m['id']}", as_user=CONTOSO).json() for m in made)}
    assert decided[made[0]["id"]]["status"] == "confirmed"
    assert decided[made[1]["id"]]["status"] == "rejected"
    assert decided[made[1]["id"]]["reason"] == "Both vans are in service."

    # The staff's week of the van lists the approved booking with who made it.
    page.goto(f"/bookings/resource/?id={van['id']}&week={_week(3)}")
    ready(page)
    expect(page.locator("#calendar")).to_contain_text("Kalle Contoso")
    expect(page.locator("#calendar")).to_contain_text("Confirmed")


def test_calendar_feed_and_the_accounts_bookings(page: Page, portal: Portal) -> None:
    manager = "manager@northwind.example"
    sign_in(page, manager)
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/bookings/")
    ready(page)
    # The account manager switches to the account's bookings, which name who booked.
    page.get_by_label("Show").select_option("account")
    expect(page.get_by_role("heading", name="The account's bookings")).to_be_visible()
    expect(page.locator("#mine .booking").first).to_contain_text("Booked by")

    page.get_by_role("button", name="Make a subscription address").click()
    address = page.get_by_label("Subscription address")
    expect(address).to_have_value(re.compile(r"/bookings\.ics\?token="))
    url = address.input_value()
    feed = portal.http.get(url, timeout=10)
    assert feed.status_code == 200
    assert feed.headers["Content-Type"].startswith("text/calendar")
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#feed-status")).to_contain_text("The address is copied")
    page.get_by_role("button", name="Stop the subscription").click()
    page.get_by_role("button", name="Yes, stop it").click()
    expect(page.locator("#feed-status")).to_have_text("The subscription address no longer works.")
    expect(page.locator("#feed-state")).to_have_text("You have no subscription address.")
    assert portal.http.get(url, timeout=10).status_code in (401, 403, 404)


def test_staff_add_edit_and_remove_a_resource(page: Page, portal: Portal) -> None:
    sign_in(page, "admin@portico.example")
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/bookings/")
    ready(page)
    page.get_by_role("link", name="Add a resource").click()
    ready(page)
    page.get_by_label("Name").fill("Sauna")
    page.get_by_label("Category", exact=True).fill("e2e_leisure")
    page.get_by_label("Saturday").fill("16:00-21:00")
    shortest = page.get_by_label("Shortest booking (minutes)")
    shortest.fill("45")
    page.get_by_role("button", name="Save").click()
    expect(shortest).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#r-min_duration-error")).to_have_text(
        "This must be a multiple of the booking time step.")
    shortest.fill("60")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#edit-result")).to_contain_text("Sauna is added and can be booked.")
    made = [r for r in portal.get("/resources", as_user="admin@portico.example").json()["items"]
            if r["name"] == "Sauna"]
    assert len(made) == 1
    assert made[0]["opening_hours"]["sat"] == [{"start": "16:00", "end": "21:00"}]

    assert axe_violations(page) == []

    page.get_by_label("Name").fill("Sauna by the lake")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#edit-result")).to_contain_text("Sauna by the lake is saved.")
    page.get_by_role("button", name="Remove the resource").click()
    page.get_by_role("button", name="Yes, remove it").click()
    expect(page.locator("#edit-result")).to_contain_text("Sauna by the lake is removed.")
    assert portal.get(f"/resources/{made[0]['id']}",
                      as_user="admin@portico.example").status_code == 404


def test_a_resource_for_other_accounts_is_not_offered(page: Page, portal: Portal) -> None:
    northwinds = {r["id"]: r for r in portal.get("/resources", as_user=NORTHWIND).json()["items"]}
    contosos = {r["id"] for r in portal.get("/resources", as_user=CONTOSO).json()["items"]}
    only = next(r for rid, r in northwinds.items() if rid not in contosos)
    sign_in(page, CONTOSO)
    expect(page.locator("#user-name")).to_be_visible()
    page.goto("/fi/bookings/")
    ready(page)
    expect(page.locator("#catalogue .card").first).to_be_visible()
    expect(page.locator("#catalogue")).not_to_contain_text(only["name"])
    page.goto(f"/fi/bookings/resource/?id={only['id']}")
    expect(page.get_by_role("alert")).to_have_text("Kohdetta ei ole, tai et voi varata sitä.")
    expect(page.locator("#resource")).to_be_hidden()
