"""When a resource can be booked: its slot grid, its rules, and what is left in each slot.

Pure functions of a resource (as stored), the claimed slot units read in one query, and
now. Times are aware datetimes; the grid is local time (opening hours are a wall clock),
the claims are UTC. A slot unit is `slot_minutes` long and starts on the grid; a booking
claims every unit from its start minus the buffer before to its end plus the buffer after.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from portico.bookings.models import WEEKDAYS, minutes
from portico.errors import Invalid

MAX_WINDOW = timedelta(days=31)


def stamp(dt: datetime) -> str:
    """A UTC time as slot keys and bookings store it."""
    return dt.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def local(dt: datetime, zone: str) -> str:
    return dt.astimezone(ZoneInfo(zone)).replace(microsecond=0).isoformat()


def _wall_to_utc(day: date, minute: int, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants a wall-clock time of a day is: none in a spring-forward gap, two in
    the repeated hour of an autumn change, else one."""
    at = datetime.combine(day, time()) + timedelta(minutes=minute)
    out = []
    for fold in (0, 1):
        aware = at.replace(tzinfo=zone, fold=fold)
        utc = aware.astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) == at and utc not in out:
            out.append(utc)
    return out


def opening_windows(resource: Mapping[str, Any], start: datetime, end: datetime
                    ) -> Iterator[tuple[datetime, datetime]]:
    """The opening intervals, as UTC (start, end), that touch [start, end)."""
    zone = ZoneInfo(str(resource["time_zone"]))
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    hours: Mapping[str, list[Mapping[str, str]]] = resource["opening_hours"]
    while day <= last:
        for interval in hours.get(WEEKDAYS[day.weekday()], []):
            opens = _wall_to_utc(day, minutes(interval["start"]), zone)
            closes = _wall_to_utc(day, minutes(interval["end"]), zone)
            if opens and closes:
                o, c = opens[0], closes[-1]
                if o < end and c > start:
                    yield o, c
        day += timedelta(days=1)


def units(start: datetime, end: datetime, slot_minutes: int) -> list[datetime]:
    step = timedelta(minutes=slot_minutes)
    out, at = [], start
    while at < end:
        out.append(at)
        at += step
    return out


def claimed_span(resource: Mapping[str, Any], start: datetime, end: datetime
                 ) -> tuple[datetime, datetime]:
    """What a booking of [start, end) holds: its buffers around it."""
    return (start - timedelta(minutes=int(resource["buffer_before_minutes"])),
            end + timedelta(minutes=int(resource["buffer_after_minutes"])))


def _blackouts(resource: Mapping[str, Any]) -> list[tuple[datetime, datetime]]:
    return [(parse(b["start"]), parse(b["end"])) for b in resource.get("blackouts") or []]


def broken_rule(resource: Mapping[str, Any], start: datetime, end: datetime,
                now: datetime) -> tuple[str, str] | None:
    """The first rule a booking of [start, end) breaks, as (rule, message); None if none."""
    slot = int(resource["slot_minutes"])
    length = (end - start).total_seconds() / 60
    if end <= start:
        return "slot", "A booking ends after it starts."
    if length % slot or start.second or start.microsecond:
        return "slot", f"A booking is whole {slot}-minute slots."
    if length < int(resource["min_duration_minutes"]):
        return "min_duration", \
            f"A booking is at least {resource['min_duration_minutes']} minutes."
    if length > int(resource["max_duration_minutes"]):
        return "max_duration", \
            f"A booking is at most {resource['max_duration_minutes']} minutes."
    if start < now + timedelta(minutes=int(resource["lead_time_minutes"])):
        return "lead_time", \
            f"Book at least {resource['lead_time_minutes']} minutes ahead."
    if end > now + timedelta(days=int(resource["horizon_days"])):
        return "horizon", f"Book at most {resource['horizon_days']} days ahead."
    window = next(((o, c) for o, c in opening_windows(resource, start, end)
                   if o <= start and end <= c), None)
    if window is None:
        return "opening_hours", "The resource is not open for the whole booking."
    if (start - window[0]).total_seconds() % (slot * 60):
        return "slot", f"A booking starts on the {slot}-minute slot grid."
    for b_start, b_end in _blackouts(resource):
        if b_start < end and start < b_end:
            return "blackout", "The resource is not available then."
    return None


def check(resource: Mapping[str, Any], start: datetime, end: datetime,
          now: datetime) -> None:
    broken = broken_rule(resource, start, end, now)
    if broken:
        rule, message = broken
        raise Invalid(message, details={"rule": rule})


def window(frm: datetime, to: datetime) -> None:
    if to <= frm:
        raise Invalid("`to` is after `from`.", details={"rule": "window"})
    if to - frm > MAX_WINDOW:
        raise Invalid("Ask for at most 31 days at a time.", details={"rule": "window"})


def availability(resource: Mapping[str, Any], frm: datetime, to: datetime, now: datetime,
                 taken: Mapping[str, int]) -> list[dict[str, Any]]:
    """Each start in [frm, to) where a booking of the minimum length fits the rules, with
    how many more such bookings its claimed units (buffers included) still take.
    `taken`: claimed units by UTC stamp, from one query of the resource's slots."""
    slot = int(resource["slot_minutes"])
    shortest = timedelta(minutes=int(resource["min_duration_minutes"]))
    capacity = int(resource["capacity"])
    zone = str(resource["time_zone"])
    earliest = max(frm, now + timedelta(minutes=int(resource["lead_time_minutes"])))
    latest = min(to, now + timedelta(days=int(resource["horizon_days"])) - shortest)
    blackouts = _blackouts(resource)
    out = []
    for opens, closes in opening_windows(resource, earliest, to):
        for start in units(opens, closes - shortest + timedelta(microseconds=1), slot):
            if start < earliest or start > latest:
                continue
            end = start + shortest
            if any(b < end and start < e for b, e in blackouts):
                continue
            lo, hi = claimed_span(resource, start, end)
            used = max((taken.get(stamp(u), 0) for u in units(lo, hi, slot)), default=0)
            out.append({"start": stamp(start), "end": stamp(start + timedelta(minutes=slot)),
                        "local_start": local(start, zone),
                        "local_end": local(start + timedelta(minutes=slot), zone),
                        "remaining": max(0, capacity - used)})
    out.sort(key=lambda s: str(s["start"]))
    return out
