"""Bookings: claim a resource's time, list, cancel, approve, reject, remind.

No double booking: a booking claims every slot unit it holds (its buffers included) by a
conditional update of one item per unit (`taken` below the resource's capacity, the
booking's id added to the unit's set), all in the change's one transaction with the
booking itself. Two bookings racing for a unit cannot both pass the condition; the loser's
transaction leaves nothing behind. Cancelling or rejecting gives the units back.

A booking keeps the units it claimed and the cancellation cutoff that applied when it was
made, so a later change to the resource's rules never strands a claim.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from portico import access, change, clock, keys, store
from portico.access import Owner, Privilege
from portico.bookings import catalogue, models, schedule
from portico.errors import Conflict, Forbidden, Invalid, NotFound
from portico.principal import Principal

R, C, U, D = Privilege.READ, Privilege.CREATE, Privilege.UPDATE, Privilege.DELETE
ACTIVE = ("pending", "confirmed")
REMIND_BEFORE = timedelta(hours=24)
# Claimed units are kept a day past their time (then the table's TTL takes them): nothing
# reads the past's availability.
UNIT_KEPT = timedelta(days=1)
PROJECTED = ("id", "resource_id", "resource_name", "category", "time_zone", "account_id",
             "contact_id", "contact_name", "start", "end", "note", "status", "reason",
             "created_at", "updated_at", "version", "cancellation_cutoff_minutes")


def owner(b: dict[str, Any]) -> Owner:
    return Owner(str(b["account_id"]), str(b["contact_id"]))


def load(booking_id: str) -> dict[str, Any]:
    item = store.get(keys.booking(booking_id), consistent=True)
    if item is None:
        raise NotFound("No such booking.")
    return item


def visible(p: Principal, booking_id: str) -> dict[str, Any]:
    b = load(booking_id)
    access.require(p, "booking", R, owner(b))
    return b


def can_cancel(p: Principal | None, b: dict[str, Any], now: datetime) -> bool:
    if b["status"] not in ACTIVE:
        return False
    if p is not None and p.is_staff:
        return True
    cutoff = timedelta(minutes=int(b.get("cancellation_cutoff_minutes", 0)))
    return now <= schedule.parse(b["start"]) - cutoff


def out(p: Principal | None, b: dict[str, Any], now: datetime | None = None) -> models.Booking:
    zone = str(b["time_zone"])
    return models.Booking(
        id=b["id"], resource_id=b["resource_id"], resource_name=b["resource_name"],
        category=b["category"], time_zone=zone, account_id=b["account_id"],
        contact_id=b["contact_id"], contact_name=b.get("contact_name", ""),
        start=b["start"], end=b["end"],
        local_start=schedule.local(schedule.parse(b["start"]), zone),
        local_end=schedule.local(schedule.parse(b["end"]), zone),
        note=b.get("note", ""), status=b["status"], reason=b.get("reason", ""),
        created_at=b["created_at"], updated_at=b["updated_at"], version=int(b["version"]),
        can_cancel=can_cancel(p, b, now or clock.now()))


def get(p: Principal, booking_id: str) -> models.Booking:
    return out(p, visible(p, booking_id))


# -- availability -------------------------------------------------------------------------
def _instant(value: str, name: str) -> datetime:
    try:
        return schedule.parse(models.instant(value))
    except ValueError:
        raise Invalid(f"`{name}` is an ISO 8601 time with a zone, like "
                      "2026-12-01T08:00:00Z.", details={"parameter": name}) from None


def window(frm: str | None, to: str | None, *, default_days: int = 7
           ) -> tuple[datetime, datetime]:
    start = _instant(frm, "from") if frm else clock.now().replace(microsecond=0)
    end = _instant(to, "to") if to else start + timedelta(days=default_days)
    schedule.window(start, end)
    return start, end


def taken(resource: dict[str, Any], frm: datetime, to: datetime) -> dict[str, int]:
    """The claimed units from the earliest buffer to the latest: one query."""
    lo = frm - timedelta(minutes=int(resource["buffer_before_minutes"]))
    hi = to + timedelta(minutes=int(resource["max_duration_minutes"])
                        + int(resource["buffer_after_minutes"]))
    items = store.query_all(keys.slots_of(str(resource["id"])),
                            sk_between=(schedule.stamp(lo), schedule.stamp(hi)), limit=10000)
    return {str(i["sk"]): int(i.get("taken", 0)) for i in items}


def availability(p: Principal, resource_id: str, frm: str | None, to: str | None
                 ) -> models.Availability:
    resource = catalogue.visible(p, resource_id)
    start, end = window(frm, to)
    slots = schedule.availability(resource, start, end, clock.now(),
                                  taken(resource, start, end))
    return models.Availability(resource_id=resource_id, time_zone=resource["time_zone"],
                               slots=[models.Slot.model_validate(s) for s in slots])


# -- booking ------------------------------------------------------------------------------
def _projections(c: change.Change, b: dict[str, Any], *, was: str | None) -> None:
    """The lists a booking appears in beside its own item: the resource's calendar, the
    approvals waiting, the reminders due."""
    copy = {k: b.get(k) for k in PROJECTED}
    c.put({**keys.resource_booking(b["resource_id"], b["start"], b["id"]),
           "type": "ResourceBooking", **copy})
    approval = keys.booking_approval(b["start"], b["id"])
    reminder = keys.booking_reminder(b["start"], b["id"])
    if b["status"] == "pending":
        c.put({**approval, "type": "BookingApproval", **copy})
    elif was == "pending":
        c.delete(approval)
    if b["status"] == "confirmed" and not b.get("reminded_at") and \
            schedule.parse(b["start"]) - clock.now() > REMIND_BEFORE:
        c.put({**reminder, "type": "BookingReminder", "booking_id": b["id"],
               "start": b["start"]})
    elif was == "confirmed":
        c.delete(reminder)


def _claim(c: change.Change, resource: dict[str, Any], booking_id: str,
           claimed: list[str], until: datetime) -> None:
    for unit in claimed:
        c.update(keys.slot(str(resource["id"]), unit),
                 add={"taken": 1, "bookings": {booking_id}},
                 set_={"expires_at": int((until + UNIT_KEPT).timestamp())},
                 condition="attribute_not_exists(#taken) OR #taken < :capacity",
                 values={":capacity": int(resource["capacity"])},
                 conflict=Conflict("That time is already booked.",
                                   details={"taken": unit}))


def _release(c: change.Change, b: dict[str, Any]) -> None:
    for unit in b.get("units") or []:
        c.update(keys.slot(str(b["resource_id"]), unit),
                 add={"taken": -1}, discard={"bookings": {b["id"]}},
                 condition="contains(#bookings, :booking)", values={":booking": b["id"]})


def book(p: Principal, new: models.NewBooking) -> models.Booking:
    resource = catalogue.visible(p, new.resource_id)
    booking_id = uuid.uuid4().hex
    c = change.by(p, "booking", booking_id, Owner(p.account_id, p.contact_id), C)
    start, end, now = schedule.parse(new.start), schedule.parse(new.end), clock.now()
    schedule.check(resource, start, end, now)
    lo, hi = schedule.claimed_span(resource, start, end)
    claimed = [schedule.stamp(u) for u in schedule.units(lo, hi, int(resource["slot_minutes"]))]
    status = "pending" if resource.get("approval_required") else "confirmed"
    at = clock.stamp()
    b: dict[str, Any] = {
        **keys.booking(booking_id),
        **keys.bookings_of_booker(p.account_id, p.contact_id, new.start, booking_id),
        **keys.bookings_of_account(p.account_id, new.start, booking_id),
        "type": "Booking", "id": booking_id, "resource_id": resource["id"],
        "resource_name": resource["name"], "category": resource["category"],
        "time_zone": resource["time_zone"], "account_id": p.account_id,
        "contact_id": p.contact_id, "contact_name": p.name or p.email,
        "start": new.start, "end": new.end, "note": new.note, "status": status,
        "reason": "", "units": claimed,
        "cancellation_cutoff_minutes": int(resource["cancellation_cutoff_minutes"]),
        "created_at": at, "updated_at": at, "version": 1,
    }
    c.create(b)
    _projections(c, b, was=None)
    _claim(c, resource, booking_id, claimed, hi)
    data = {"booking_id": booking_id, "resource_id": resource["id"], "start": new.start,
            "end": new.end, "contact_id": p.contact_id, "status": status}
    c.event("BookingRequested", data)
    if status == "confirmed":
        c.event("BookingConfirmed", data)
    c.audit("create", {k: {"after": b[k]} for k in ("resource_id", "start", "end", "note",
                                                     "status")})
    c.commit()
    return out(p, b, now)


def _move(p: Principal, booking_id: str, privilege: Privilege, to: str, *,
          from_: tuple[str, ...], event: str, reason: str = "") -> models.Booking:
    b = load(booking_id)
    c = change.by(p, "booking", booking_id, owner(b), privilege)
    if b["status"] not in from_:
        raise Conflict(f"The booking is {b['status']}.", details={"status": b["status"]})
    now = clock.now()
    if to == "cancelled" and not can_cancel(p, b, now):
        raise Invalid("It is too late to cancel this booking; contact us instead.",
                      details={"rule": "cancellation_cutoff"})
    at = clock.stamp()
    after = {**b, "status": to, "updated_at": at, "version": int(b["version"]) + 1,
             **({"reason": reason} if reason else {})}
    c.update(keys.booking(booking_id), version=int(b["version"]),
             set_={"status": to, "updated_at": at, **({"reason": reason} if reason else {})})
    if to in ("cancelled", "rejected"):
        _release(c, b)
    _projections(c, after, was=b["status"])
    c.event(event, {"booking_id": booking_id, "resource_id": b["resource_id"],
                    "start": b["start"], "end": b["end"], "contact_id": b["contact_id"],
                    "status": to, **({"reason": reason} if reason else {})})
    c.audit(to, {"status": {"before": b["status"], "after": to},
                 **({"reason": {"after": reason}} if reason else {})})
    c.commit()
    return out(p, after, now)


def cancel(p: Principal, booking_id: str) -> models.Booking:
    return _move(p, booking_id, D, "cancelled", from_=ACTIVE, event="BookingCancelled")


def _staff_decides(p: Principal, booking_id: str) -> None:
    """A booking the caller cannot see is not found; one they see is staff's to decide."""
    visible(p, booking_id)
    if not p.is_staff:
        raise Forbidden("Only staff approve or reject bookings.")


def approve(p: Principal, booking_id: str) -> models.Booking:
    _staff_decides(p, booking_id)
    return _move(p, booking_id, U, "confirmed", from_=("pending",), event="BookingConfirmed")


def reject(p: Principal, booking_id: str, reason: str) -> models.Booking:
    _staff_decides(p, booking_id)
    return _move(p, booking_id, U, "rejected", from_=("pending",), event="BookingRejected",
                 reason=reason)


# -- lists --------------------------------------------------------------------------------
def list_bookings(p: Principal, *, scope: str, frm: str | None, to: str | None,
                  cursor: str | None, limit: int) -> models.BookingPage:
    start = _instant(frm, "from") if frm else clock.now() - timedelta(days=1)
    end = _instant(to, "to") if to else start + timedelta(days=366)
    if end <= start:
        raise Invalid("`to` is after `from`.", details={"rule": "window"})
    between = (schedule.stamp(start), schedule.stamp(end) + "~")
    index: str | None
    if scope == "mine":
        if not access.scopes(p, "booking"):
            raise access.forbidden("booking")
        pk, index = keys.bookings_of_booker(p.account_id, p.contact_id)["gsi1pk"], "gsi1"
    elif scope == "account":
        access.require_list(p, "booking", p.account_id)
        pk, index = keys.bookings_of_account(p.account_id)["gsi2pk"], "gsi2"
    else:  # pending: the staff's approvals
        if not p.is_staff:
            raise Forbidden("Only staff see the bookings waiting for approval.")
        pk, index = keys.BOOKING_APPROVALS, None
    items, nxt = store.query_page(pk, index=index, sk_between=between, limit=limit,
                                  cursor=cursor)
    now = clock.now()
    return models.BookingPage(items=[out(p, i, now) for i in items], next_cursor=nxt)


def resource_calendar(p: Principal, resource_id: str, frm: str | None, to: str | None
                      ) -> models.BookingPage:
    if not p.is_staff:
        raise Forbidden("Only staff see a resource's calendar.")
    catalogue.load(resource_id)
    start, end = window(frm, to)
    items = store.query_all(keys.resource_bookings(resource_id),
                            sk_between=(schedule.stamp(start), schedule.stamp(end) + "~"))
    now = clock.now()
    return models.BookingPage(items=[out(p, i, now) for i in items])
