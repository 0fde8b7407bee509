"""Bookings through the local gateway with real tokens: the catalogue, availability,
booking and its rules, no double booking under concurrency, cancel, approvals, calendars
and reminders."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from moto.ses.models import ses_backends

from infra.local import ACCOUNT_ID, LocalCloud
from portico import keys
from tests.conftest import Portal, listen

ADMIN = "admin@portico.example"
AGENT = "agent@portico.example"
NED = "contact@northwind.example"  # Northwind's contact
NORA = "manager@northwind.example"  # Northwind's account manager
CORA = "contact@contoso.example"  # Contoso's contact
BILLING = "billing@northwind.example"
PARTNER = "partner@fabrikam.example"
HELSINKI = ZoneInfo("Europe/Helsinki")
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def make_resource(portal: Portal, **over: Any) -> dict[str, Any]:
    body = {"name": "Test room", "category": "meeting_rooms", "time_zone": "Europe/Helsinki",
            "opening_hours": {d: [{"start": "08:00", "end": "18:00"}] for d in WEEK},
            "slot_minutes": 30, "min_duration_minutes": 30, "max_duration_minutes": 240,
            "lead_time_minutes": 0, "horizon_days": 60, **over}
    r = portal.request("POST", "/resources", as_user=ADMIN, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def at(days: int, hour: int, minute: int = 0) -> str:
    """`days` from today at a Helsinki wall-clock time, as UTC."""
    day = (datetime.now(HELSINKI) + timedelta(days=days)).date()
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=HELSINKI)
    return local.astimezone(UTC).isoformat().replace("+00:00", "Z")


def book(portal: Portal, user: str, resource: dict[str, Any], start: str, end: str,
         **extra: Any) -> requests.Response:
    return portal.request("POST", "/bookings", as_user=user,
                          json={"resource_id": resource["id"], "start": start, "end": end,
                                **extra})


def slots(portal: Portal, user: str, resource: dict[str, Any], frm: str, to: str
          ) -> dict[str, int]:
    r = portal.get(f"/resources/{resource['id']}/availability?from={frm}&to={to}",
                   as_user=user)
    assert r.status_code == 200, r.text
    return {s["start"]: s["remaining"] for s in r.json()["slots"]}


def claims(cloud: LocalCloud, resource_id: str) -> list[dict[str, Any]]:
    with cloud.functions["BookingsFunction"].environment():
        from portico import store
        return store.query_all(keys.slots_of(resource_id))


# -- the catalogue ----------------------------------------------------------------------------
def test_demo_resources_are_there_and_each_customer_sees_what_they_may_book(
        portal: Portal) -> None:
    mine = {r["name"] for r in portal.get("/resources", as_user=NED).json()["items"]}
    theirs = {r["name"] for r in portal.get("/resources", as_user=CORA).json()["items"]}
    assert {"Meeting room Aurora", "Service van", "On-site technician visit"} <= mine
    # The technicians serve Northwind only: to Contoso they do not exist.
    assert "On-site technician visit" not in theirs
    tech = next(r for r in portal.get("/resources", as_user=NED).json()["items"]
                if r["name"] == "On-site technician visit")
    assert portal.get(f"/resources/{tech['id']}", as_user=CORA).status_code == 404
    aurora = next(r for r in portal.get("/resources?category=meeting_rooms",
                                        as_user=NED).json()["items"]
                  if r["name"] == "Meeting room Aurora")
    assert aurora["capacity"] == 1
    assert not aurora["approval_required"]
    assert aurora["time_zone"] == "Europe/Helsinki"
    # Billing and partners book nothing; staff see everything.
    assert portal.get("/resources", as_user=BILLING).json()["items"] == []
    assert portal.get("/resources", as_user=PARTNER).json()["items"] == []
    staff = {r["name"] for r in portal.get("/resources", as_user=AGENT).json()["items"]}
    assert mine | theirs <= staff


def test_staff_edit_a_resource_with_its_version_and_retire_it(portal: Portal) -> None:
    room = make_resource(portal, name="Editable room")
    body = {k: room[k] for k in ("name", "category", "time_zone", "opening_hours",
                                 "slot_minutes", "min_duration_minutes",
                                 "max_duration_minutes", "lead_time_minutes",
                                 "horizon_days")}
    r = portal.request("PUT", f"/resources/{room['id']}", as_user=AGENT,
                       json={**body, "capacity": 4, "version": 1})
    assert r.status_code == 200, r.text
    assert r.json()["capacity"] == 4
    assert r.json()["version"] == 2
    stale = portal.request("PUT", f"/resources/{room['id']}", as_user=AGENT,
                           json={**body, "capacity": 2, "version": 1})
    assert stale.status_code == 409
    assert stale.json()["error"]["details"]["current_version"] == 2
    # A customer can neither create nor change one.
    assert portal.request("POST", "/resources", as_user=NORA, json=body).status_code == 403
    # Retiring is refused while a booking is ahead, and hides the resource after.
    b = book(portal, NED, room, at(2, 9), at(2, 10))
    assert b.status_code == 201, b.text
    assert portal.request("DELETE", f"/resources/{room['id']}", as_user=ADMIN).status_code \
        == 409
    regrid = portal.request("PUT", f"/resources/{room['id']}", as_user=AGENT,
                            json={**body, "slot_minutes": 15, "version": 2})
    assert regrid.status_code == 409
    assert regrid.json()["error"]["details"] == {"fields": ["slot_minutes"]}
    assert portal.request("DELETE", f"/bookings/{b.json()['id']}", as_user=NED).status_code \
        == 200
    assert portal.request("DELETE", f"/resources/{room['id']}", as_user=ADMIN).status_code \
        == 204
    assert portal.get(f"/resources/{room['id']}", as_user=ADMIN).status_code == 404
    assert room["id"] not in {r["id"] for r in portal.get("/resources",
                                                           as_user=ADMIN).json()["items"]}


# -- booking ------------------------------------------------------------------------------
def test_book_see_it_taken_for_another_account_cancel_and_see_it_free(
        portal: Portal, cloud: LocalCloud) -> None:
    room = make_resource(portal, name="Shared room")
    start, end = at(3, 10), at(3, 11)
    day = (at(3, 0), at(4, 0))
    assert slots(portal, CORA, room, *day)[start] == 1
    with listen(cloud, type=[{"prefix": "Booking"}],
                data={"resource_id": [room["id"]]}) as events:
        r = book(portal, NED, room, start, end, note="Planning")
        assert r.status_code == 201, r.text
        booking = r.json()
        assert booking["status"] == "confirmed"
        assert booking["can_cancel"]
        assert booking["local_start"].startswith(at(3, 10)[:10])
        assert booking["local_start"][11:16] == "10:00"
        got = {e["detail"]["type"] for e in events.collect(at_least=2)}
    assert got == {"BookingRequested", "BookingConfirmed"}
    taken = slots(portal, CORA, room, *day)
    assert taken[start] == 0
    assert taken[at(3, 10, 30)] == 0
    assert taken[at(3, 11)] == 1
    # The other account cannot book it, nor see the booking.
    clash = book(portal, CORA, room, at(3, 10, 30), at(3, 11, 30))
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "conflict"
    assert portal.get(f"/bookings/{booking['id']}", as_user=CORA).status_code == 404
    assert portal.request("DELETE", f"/bookings/{booking['id']}",
                          as_user=CORA).status_code == 404
    # Ned's colleague the manager sees it in the account's list; Ned in his own. The lists
    # run by start time and other tests book the same account, so ask for that day.
    window = {"from": day[0], "to": day[1], "limit": 100}
    assert booking["id"] in {b["id"] for b in portal.get(
        "/bookings", params={"scope": "account", **window}, as_user=NORA).json()["items"]}
    assert booking["id"] in {b["id"] for b in portal.get(
        "/bookings", params={"scope": "mine", **window}, as_user=NED).json()["items"]}
    assert portal.get("/bookings?scope=account", as_user=NED).status_code == 403
    cancelled = portal.request("DELETE", f"/bookings/{booking['id']}", as_user=NED)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert slots(portal, CORA, room, *day)[start] == 1
    assert all(c["taken"] == 0 and not c.get("bookings") for c in claims(cloud, room["id"]))
    again = portal.request("DELETE", f"/bookings/{booking['id']}", as_user=NED)
    assert again.status_code == 409
    assert book(portal, CORA, room, start, end).status_code == 201


def test_fifty_at_once_for_one_slot_make_exactly_one_booking(portal: Portal,
                                                             cloud: LocalCloud) -> None:
    room = make_resource(portal, name="Contended room")
    start, end = at(5, 9), at(5, 10)
    users = [NED, CORA, NORA, "manager@contoso.example"]
    tokens = {u: portal.tokens(u)["AccessToken"] for u in users}
    answers: list[int] = []
    gate = threading.Barrier(50)

    def attempt(n: int) -> None:
        user = users[n % len(users)]
        gate.wait()
        r = requests.post(cloud.api_url + "/bookings", timeout=30,
                          headers={"Authorization": f"Bearer {tokens[user]}"},
                          json={"resource_id": room["id"], "start": start, "end": end})
        answers.append(r.status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201] + [409] * 49
    held = claims(cloud, room["id"])
    assert [c["sk"] for c in held] == [start, at(5, 9, 30)]
    assert all(c["taken"] == 1 and len(c["bookings"]) == 1 for c in held)
    assert len({next(iter(c["bookings"])) for c in held}) == 1


def test_capacity_lets_that_many_share_a_slot(portal: Portal) -> None:
    van = make_resource(portal, name="Two vans", category="vehicles", capacity=2,
                        slot_minutes=60, min_duration_minutes=60)
    start, end = at(4, 12), at(4, 14)
    assert book(portal, NED, van, start, end).status_code == 201
    assert slots(portal, CORA, van, at(4, 0), at(5, 0))[start] == 1
    assert book(portal, CORA, van, at(4, 13), at(4, 15)).status_code == 201
    assert book(portal, NORA, van, at(4, 13), at(4, 14)).status_code == 409
    assert book(portal, NORA, van, at(4, 14), at(4, 15)).status_code == 201


def test_buffers_are_claimed_with_the_booking(portal: Portal) -> None:
    room = make_resource(portal, name="Cleaned room", buffer_after_minutes=30)
    assert book(portal, NED, room, at(6, 10), at(6, 11)).status_code == 201
    # 11:00-11:30 is the cleaning after; 11:30 is free again.
    assert book(portal, CORA, room, at(6, 11), at(6, 12)).status_code == 409
    assert book(portal, CORA, room, at(6, 11, 30), at(6, 12)).status_code == 201


@pytest.mark.parametrize(("start", "end", "rule"), [
    ((2, 7), (2, 8), "opening_hours"),
    ((2, 17, 30), (2, 18, 30), "opening_hours"),
    ((2, 9, 10), (2, 9, 40), "slot"),
    ((2, 9), (2, 14), "max_duration"),
    ((70, 9), (70, 10), "horizon"),
])
def test_a_booking_breaking_a_rule_is_422_naming_it(portal: Portal, start: tuple[int, ...],
                                                   end: tuple[int, ...], rule: str) -> None:
    room = _rules_room(portal)
    r = book(portal, NED, room, at(*start), at(*end))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"] == {"rule": rule}


_rooms: dict[str, dict[str, Any]] = {}


def _rules_room(portal: Portal) -> dict[str, Any]:
    if "rules" not in _rooms:
        _rooms["rules"] = make_resource(portal, name="Rules room")
    return _rooms["rules"]


def test_lead_time_blackout_and_cutoff(portal: Portal) -> None:
    room = make_resource(portal, name="Strict room", lead_time_minutes=24 * 60,
                         cancellation_cutoff_minutes=3 * 24 * 60,
                         blackouts=[{"start": at(5, 8), "end": at(5, 12), "reason": "Paint"}])
    soon = book(portal, NED, room, at(0, 23), at(1, 0))
    assert soon.json()["error"]["details"] == {"rule": "lead_time"}
    dark = book(portal, NED, room, at(5, 11), at(5, 12))
    assert dark.json()["error"]["details"] == {"rule": "blackout"}
    assert at(5, 11) not in slots(portal, NED, room, at(5, 0), at(6, 0))
    # Booked over 3 days ahead with a 3-day cutoff: cancellable; under: not.
    ok = book(portal, NED, room, at(4, 10), at(4, 11)).json()
    assert ok["can_cancel"] is True
    late = book(portal, NED, room, at(2, 16), at(2, 17)).json()
    assert late["can_cancel"] is False
    refused = portal.request("DELETE", f"/bookings/{late['id']}", as_user=NED)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"] == {"rule": "cancellation_cutoff"}
    # Staff cancel at any time.
    assert portal.request("DELETE", f"/bookings/{late['id']}", as_user=AGENT).status_code \
        == 200


def test_approval_holds_the_slot_until_staff_decide(portal: Portal, cloud: LocalCloud) -> None:
    van = make_resource(portal, name="Approved van", category="vehicles",
                        approval_required=True, slot_minutes=60, min_duration_minutes=60)
    first = book(portal, NED, van, at(7, 9), at(7, 10)).json()
    assert first["status"] == "pending"
    assert book(portal, CORA, van, at(7, 9), at(7, 10)).status_code == 409
    waiting = {b["id"] for b in portal.get("/bookings?scope=pending",
                                           as_user=AGENT).json()["items"]}
    assert first["id"] in waiting
    assert portal.get("/bookings?scope=pending", as_user=NED).status_code == 403
    assert portal.request("POST", f"/bookings/{first['id']}/approve",
                          as_user=NED).status_code == 403
    with listen(cloud, type=["BookingConfirmed"], data={"booking_id": [first["id"]]}) as events:
        ok = portal.request("POST", f"/bookings/{first['id']}/approve", as_user=AGENT)
        assert ok.status_code == 200
        assert ok.json()["status"] == "confirmed"
        assert events.collect()[0]["detail"]["type"] == "BookingConfirmed"
    assert portal.request("POST", f"/bookings/{first['id']}/approve",
                          as_user=AGENT).status_code == 409
    second = book(portal, CORA, van, at(7, 11), at(7, 12)).json()
    no = portal.request("POST", f"/bookings/{second['id']}/reject", as_user=ADMIN,
                        json={"reason": "The van is in service that day."})
    assert no.status_code == 200
    assert no.json()["status"] == "rejected"
    assert no.json()["reason"] == "The van is in service that day."
    assert second["id"] not in {b["id"] for b in portal.get(
        "/bookings?scope=pending", as_user=AGENT).json()["items"]}
    # Rejected gives the slot back.
    assert book(portal, NORA, van, at(7, 11), at(7, 12)).status_code == 201
    calendar = portal.get(f"/resources/{van['id']}/bookings?from={at(7, 0)}&to={at(8, 0)}",
                          as_user=AGENT).json()["items"]
    assert next(b["status"] for b in calendar) == "confirmed"
    assert sorted(b["status"] for b in calendar) == ["confirmed", "pending", "rejected"]
    assert portal.get(f"/resources/{van['id']}/bookings", as_user=NED).status_code == 403


# -- calendars ----------------------------------------------------------------------------
def test_a_booking_as_an_ics_file_in_its_own_time_zone(portal: Portal) -> None:
    room = make_resource(portal, name="Calendar room")
    b = book(portal, NED, room, at(8, 14), at(8, 15), note="Retro").json()
    r = portal.get(f"/bookings/{b['id']}.ics", as_user=NED)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/calendar")
    from icalendar import Calendar
    cal = Calendar.from_ical(r.text)
    event = next(c for c in cal.walk("VEVENT"))
    assert str(event["summary"]) == "Calendar room"
    assert event.decoded("dtstart").tzinfo.key == "Europe/Helsinki"
    assert event.decoded("dtstart").hour == 14
    assert str(event["status"]) == "CONFIRMED"
    assert any(c.name == "VTIMEZONE" for c in cal.walk())
    assert portal.get(f"/bookings/{b['id']}.ics", as_user=CORA).status_code == 404


def test_a_calendar_feed_serves_until_replaced_or_revoked(portal: Portal) -> None:
    room = make_resource(portal, name="Feed room")
    assert book(portal, NORA, room, at(9, 9), at(9, 10)).status_code == 201
    assert portal.get("/calendar-feed", as_user=NORA).json()["active"] in (True, False)
    first = portal.request("POST", "/calendar-feed", as_user=NORA).json()
    feed = portal.get(first["path"])
    assert feed.status_code == 200
    assert "Feed room" in feed.text
    assert "BEGIN:VCALENDAR" in feed.text
    second = portal.request("POST", "/calendar-feed", as_user=NORA).json()
    assert portal.get(first["path"]).status_code == 404
    assert portal.get(second["path"]).status_code == 200
    assert portal.get("/calendar-feed", as_user=NORA).json()["active"] is True
    assert portal.request("DELETE", "/calendar-feed", as_user=NORA).status_code == 204
    assert portal.get(second["path"]).status_code == 404
    assert portal.get("/calendar-feed", as_user=NORA).json() == {"active": False,
                                                                  "created_at": None}
    assert portal.request("DELETE", "/calendar-feed", as_user=NORA).status_code == 204
    assert portal.get("/calendar-feed", as_user=BILLING).status_code == 403
    assert portal.get("/bookings.ics?token=" + "x" * 43).status_code == 404
    assert portal.get("/bookings.ics").status_code == 422


# -- reminders ----------------------------------------------------------------------------
def test_reminders_go_once_a_day_ahead(portal: Portal, cloud: LocalCloud) -> None:
    room = make_resource(portal, name="Reminder room", horizon_days=10)
    b = book(portal, CORA, room, at(2, 9), at(2, 10), note="Bring slides").json()
    start = datetime.fromisoformat(b["start"].replace("Z", "+00:00"))
    fn = cloud.functions["BookingRemindersFunction"]
    outbox = ses_backends[ACCOUNT_ID][cloud.region]

    def mails() -> list[Any]:
        # Reminders only (Contoso reads Finnish): the notifier also mails about the booking,
        # e.g. its cancellation.
        return [m for m in outbox.sent_messages
                if "contact@contoso.example" in m.destinations["ToAddresses"]
                and m.subject.startswith(("Reminder: Reminder room",
                                          "Muistutus: Reminder room"))]

    def reminded(booking_id: str) -> bool:
        with fn.environment():
            from portico import store
            return "reminded_at" in (store.get(keys.booking(booking_id)) or {})

    with fn.environment():
        from portico.bookings import reminders
        # More than a day ahead: not yet.
        reminders.run(start - timedelta(hours=30), request_id="t1")
    assert not reminded(b["id"])
    assert mails() == []
    # Within the day: once, however many runs.
    with fn.environment():
        reminders.run(start - timedelta(hours=23), request_id="t2")
        reminders.run(start - timedelta(hours=22), request_id="t3")
    assert reminded(b["id"])
    assert len(mails()) == 1
    assert "Bring slides" in mails()[0].body
    # Cancelled before its day: no reminder.
    c = book(portal, CORA, room, at(3, 9), at(3, 10)).json()
    assert portal.request("DELETE", f"/bookings/{c['id']}", as_user=CORA).status_code == 200
    with fn.environment():
        reminders.run(datetime.fromisoformat(c["start"].replace("Z", "+00:00"))
                      - timedelta(hours=23), request_id="t4")
    assert not reminded(c["id"])
    assert len(mails()) == 1


def test_the_scheduled_function_runs_through_its_schedule(cloud: LocalCloud) -> None:
    fn = cloud.functions["BookingRemindersFunction"]
    assert fn.events["EveryQuarterHour"]["Type"] == "Schedule"
    result = fn.invoke({"source": "aws.events", "detail-type": "Scheduled Event"})
    assert set(result) == {"reminded", "sent"}
