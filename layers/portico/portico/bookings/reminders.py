"""Reminders: a day before a confirmed booking starts, its booker gets a mail, once.

A booking waiting for its reminder has an entry under the UTC hour it starts; a run reads
the coming day's hours (one query each), marks each due booking reminded in a change of
its own (event `BookingReminderDue`), then sends. A second run, or one racing it, finds
the mark and sends nothing: at most one mail per booking, and a failed send is logged and
counted by `mail.deliver` rather than retried into a duplicate.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from portico import change, clock, keys, mail, store
from portico.bookings import schedule
from portico.bookings.ledger import REMIND_BEFORE, load, owner
from portico.errors import Conflict


def due_reminders(now: datetime) -> list[dict[str, Any]]:
    """Confirmed bookings starting within a day that have not been reminded: one query per
    hour of the coming day."""
    due = []
    horizon = schedule.stamp(now + REMIND_BEFORE)
    hour = now.replace(minute=0, second=0, microsecond=0)
    while hour <= now + REMIND_BEFORE:
        for entry in store.query_all(keys.reminders_of_hour(schedule.stamp(hour)[:13])):
            if schedule.stamp(now) < entry["start"] <= horizon:
                due.append(entry)
        hour += timedelta(hours=1)
    return due


def remind(booking_id: str, *, request_id: str) -> dict[str, Any] | None:
    """Mark the booking reminded, once: the booking as it was, or None when it needs no
    reminder (reminded already, cancelled meanwhile)."""
    b = load(booking_id)
    if b["status"] != "confirmed" or b.get("reminded_at"):
        return None
    c = change.system("booking", booking_id, owner(b), request_id=request_id)
    at = clock.stamp()
    c.update(keys.booking(booking_id), version=int(b["version"]),
             set_={"reminded_at": at, "updated_at": at},
             condition="attribute_not_exists(#reminded_at)")
    c.delete(keys.booking_reminder(b["start"], booking_id))
    c.event("BookingReminderDue", {"booking_id": booking_id, "resource_id": b["resource_id"],
                                   "start": b["start"], "contact_id": b["contact_id"]})
    c.audit("remind", {"reminded_at": {"after": at}})
    try:
        c.commit()
    except Conflict:
        return None  # another run reminded it, or it changed: the next run sees it anew
    return b


def send(booking: dict[str, Any]) -> bool:
    contact = store.get(keys.contact(str(booking["contact_id"]))) or {}
    if not contact.get("email"):
        return False
    zone = ZoneInfo(str(booking["time_zone"]))
    start = schedule.parse(str(booking["start"])).astimezone(zone)
    end = schedule.parse(str(booking["end"])).astimezone(zone)
    return mail.deliver(str(contact["email"]), "booking_reminder",
                        str(contact.get("language") or "en"),
                        who=contact.get("name") or "", resource=booking["resource_name"],
                        start=start.strftime("%Y-%m-%d %H:%M"), end=end.strftime("%H:%M"),
                        time_zone=str(zone), note=booking.get("note") or "")


def run(now: datetime, *, request_id: str) -> tuple[int, int]:
    """Remind every booking due now: (reminded, mails sent)."""
    reminded = sent = 0
    for entry in due_reminders(now):
        booking = remind(str(entry["booking_id"]), request_id=request_id)
        if booking is not None:
            reminded += 1
            sent += send(booking)
    return reminded, sent
