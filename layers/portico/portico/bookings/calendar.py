"""Bookings as calendars (RFC 5545): one booking as a file, and a contact's feed.

A feed is read by calendar apps that cannot sign in, so its URL carries a secret token.
Only the token's SHA-256 is stored; making a new one replaces the old, and revoking it
ends the feed at once. A feed stops when its contact leaves the account.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from portico import access, change, clock, keys, store
from portico.access import Owner, Privilege
from portico.bookings import ledger, models, schedule
from portico.errors import NotFound
from portico.principal import Principal

PRODUCT = "-//Portico//Bookings//EN"
STATUS = {"confirmed": "CONFIRMED", "pending": "TENTATIVE", "cancelled": "CANCELLED",
          "rejected": "CANCELLED"}
FEED_PAST = timedelta(days=30)


def render(bookings: list[dict[str, Any]], *, name: str) -> str:
    # Imported here: only calendar requests pay for it.
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for b in bookings:
        zone = ZoneInfo(str(b["time_zone"]))
        e = Event()
        e.add("uid", f"{b['id']}@bookings.portico")
        e.add("dtstamp", schedule.parse(str(b["updated_at"])))
        e.add("dtstart", schedule.parse(b["start"]).astimezone(zone))
        e.add("dtend", schedule.parse(b["end"]).astimezone(zone))
        e.add("summary", str(b["resource_name"]))
        if b.get("note"):
            e.add("description", str(b["note"]))
        e.add("status", STATUS[str(b["status"])])
        e.add("sequence", int(b["version"]))
        cal.add_component(e)
    # The zone's rules for the years the bookings span, not 1970-2038 in every file.
    years = [schedule.parse(str(b["start"])).year for b in bookings] or [clock.now().year]
    cal.add_missing_timezones(first_date=date(min(years) - 1, 1, 1),
                              last_date=date(max(years) + 2, 1, 1))
    return str(cal.to_ical().decode())


def one(p: Principal, booking_id: str) -> str:
    return render([ledger.visible(p, booking_id)], name="Portico")


# -- the feed ------------------------------------------------------------------------------
def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _own(p: Principal) -> Owner:
    """The caller's own bookings; a role without bookings has no feed to manage."""
    if not access.allows(p, "booking", Privilege.READ, Owner(p.account_id, p.contact_id)):
        raise access.forbidden("booking")
    return Owner(p.account_id, p.contact_id)


def feed_state(p: Principal) -> models.Feed:
    _own(p)
    item = store.get(keys.contact_calendar_feed(p.contact_id), consistent=True)
    if item is None or item.get("account_id") != p.account_id:
        return models.Feed(active=False)
    return models.Feed(active=True, created_at=item["created_at"])


def create_feed(p: Principal) -> models.NewFeed:
    """A new feed URL for the caller's bookings in the account they act in; the old one,
    if any, stops working."""
    c = change.by(p, "booking", f"feed-{p.contact_id}", _own(p), Privilege.READ)
    token = secrets.token_urlsafe(32)
    at = clock.stamp()
    old = store.get(keys.contact_calendar_feed(p.contact_id), consistent=True)
    if old is not None:
        c.delete(keys.calendar_feed(str(old["token_hash"])))
    c.put({**keys.contact_calendar_feed(p.contact_id), "type": "CalendarFeedOf",
           "token_hash": _hash(token), "account_id": p.account_id, "created_at": at})
    c.create({**keys.calendar_feed(_hash(token)), "type": "CalendarFeed",
              "contact_id": p.contact_id, "account_id": p.account_id, "created_at": at})
    c.event("CalendarFeedCreated", {"contact_id": p.contact_id, "replaced": old is not None})
    c.audit("create", {"calendar_feed": {"after": at}})
    c.commit()
    return models.NewFeed(token=token, path=f"/bookings.ics?token={token}")


def revoke_feed(p: Principal) -> None:
    """End the caller's feed; revoking none is done already."""
    c = change.by(p, "booking", f"feed-{p.contact_id}", _own(p), Privilege.READ)
    old = store.get(keys.contact_calendar_feed(p.contact_id), consistent=True)
    if old is None:
        return
    c.delete(keys.calendar_feed(str(old["token_hash"])))
    c.delete(keys.contact_calendar_feed(p.contact_id))
    c.event("CalendarFeedRevoked", {"contact_id": p.contact_id})
    c.audit("delete", {"calendar_feed": {"before": old["created_at"]}})
    c.commit()


def feed(token: str) -> str:
    """The feed behind a token: the contact's bookings from a month back on."""
    if not 20 <= len(token) <= 100:
        raise NotFound("No such calendar feed.")
    entry = store.get(keys.calendar_feed(_hash(token)), consistent=True)
    if entry is None:
        raise NotFound("No such calendar feed.")
    account_id, contact_id = str(entry["account_id"]), str(entry["contact_id"])
    member = store.get(keys.membership(account_id, contact_id))
    if member is None or not member.get("active"):
        raise NotFound("No such calendar feed.")
    since = schedule.stamp(clock.now() - FEED_PAST)
    items = store.query_all(keys.bookings_of_booker(account_id, contact_id)["gsi1pk"],
                            index="gsi1", sk_between=(since, "~"), limit=1000)
    return render([b for b in items if b["status"] in ("confirmed", "pending")],
                  name="Portico bookings")
