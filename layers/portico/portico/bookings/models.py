"""The bookings API's contract."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from itertools import pairwise
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from portico.inputs import Input

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Slot lengths that divide an hour: the slot grid then stays whole across a daylight-saving
# change, which moves local time by an hour.
SlotMinutes = Literal[5, 10, 15, 20, 30, 60]
# A booking's slot units, its buffers included, are claimed in one transaction of at most
# 100 items, beside the booking, its projections, the event and the audit entry.
MAX_UNITS = 90


def instant(value: str) -> str:
    """An ISO 8601 time with a zone, as the portal stores it: UTC, `Z`, whole seconds."""
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("not an ISO 8601 time") from None
    if dt.tzinfo is None:
        raise ValueError("needs a time zone, like Z or +02:00")
    return dt.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not a known IANA time zone, like Europe/Helsinki") from None
    if value not in _zones():
        raise ValueError("not a known IANA time zone, like Europe/Helsinki")
    return value


def _clock(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d|24:00", value):
        raise ValueError("a time of day is HH:MM, 00:00 to 24:00")
    return value


Instant = Annotated[str, StringConstraints(max_length=40), AfterValidator(instant)]
TimeZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_zone)]
ClockTime = Annotated[str, StringConstraints(max_length=5), AfterValidator(_clock)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=40,
                                        pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Role = Literal["contact", "account_manager", "billing", "partner"]
AccountId = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                             pattern=r"^[A-Za-z0-9_.:-]+$")]


def minutes(clock: str) -> int:
    h, m = clock.split(":")
    return int(h) * 60 + int(m)


class Interval(Input):
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if minutes(self.end) <= minutes(self.start):
            raise ValueError("an opening interval ends after it starts")
        return self


class Blackout(Input):
    start: Instant
    end: Instant
    reason: Reason = ""

    @model_validator(mode="after")
    def _ordered(self) -> Blackout:
        if self.end <= self.start:
            raise ValueError("a blackout ends after it starts")
        return self


CUSTOMERS: tuple[Role, ...] = ("contact", "account_manager")


class BookableBy(Input):
    """Who may book: customers with one of `roles`, in one of `accounts` (empty: any)."""

    roles: list[Role] = Field(default_factory=lambda: list(CUSTOMERS), max_length=4)
    accounts: list[AccountId] = Field(default_factory=list, max_length=100)


class ResourceIn(Input):
    name: Name
    description: Annotated[str, StringConstraints(strip_whitespace=True,
                                                  max_length=4000)] = ""
    category: Slug
    time_zone: TimeZone
    capacity: int = Field(default=1, ge=1, le=100)
    opening_hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                        list[Interval]] = Field(max_length=7)
    slot_minutes: SlotMinutes = 30
    min_duration_minutes: int = Field(default=30, ge=5, le=24 * 60)
    max_duration_minutes: int = Field(default=240, ge=5, le=24 * 60)
    lead_time_minutes: int = Field(default=60, ge=0, le=365 * 24 * 60)
    horizon_days: int = Field(default=60, ge=1, le=366)
    buffer_before_minutes: int = Field(default=0, ge=0, le=24 * 60)
    buffer_after_minutes: int = Field(default=0, ge=0, le=24 * 60)
    blackouts: list[Blackout] = Field(default_factory=list, max_length=100)
    cancellation_cutoff_minutes: int = Field(default=0, ge=0, le=30 * 24 * 60)
    approval_required: bool = False
    bookable_by: BookableBy = Field(default_factory=BookableBy)

    @model_validator(mode="after")
    def _consistent(self) -> ResourceIn:
        slot = self.slot_minutes
        problems = []
        for day, intervals in self.opening_hours.items():
            if len(intervals) > 6:
                problems.append(f"{day}: at most 6 intervals")
            ordered = sorted(intervals, key=lambda i: minutes(i.start))
            for a, b in pairwise(ordered):
                if minutes(b.start) < minutes(a.end):
                    problems.append(f"{day}: intervals overlap")
            for i in intervals:
                if minutes(i.start) % slot or minutes(i.end) % slot:
                    problems.append(f"{day}: {i.start}-{i.end} is not on the "
                                    f"{slot}-minute slot grid")
        for name in ("min_duration_minutes", "max_duration_minutes",
                     "buffer_before_minutes", "buffer_after_minutes"):
            if getattr(self, name) % slot:
                problems.append(f"{name} is not a multiple of slot_minutes")
        if self.max_duration_minutes < self.min_duration_minutes:
            problems.append("max_duration_minutes is below min_duration_minutes")
        units = (self.max_duration_minutes + self.buffer_before_minutes
                 + self.buffer_after_minutes) // slot
        if units > MAX_UNITS:
            problems.append(f"a longest booking with its buffers spans {units} slots; "
                            f"at most {MAX_UNITS}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ResourceUpdate(ResourceIn):
    version: int = Field(ge=1)


class Resource(BaseModel):
    id: str
    name: str
    description: str
    category: str
    time_zone: str
    capacity: int
    opening_hours: dict[str, list[dict[str, str]]]
    slot_minutes: int
    min_duration_minutes: int
    max_duration_minutes: int
    lead_time_minutes: int
    horizon_days: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    blackouts: list[dict[str, str]]
    cancellation_cutoff_minutes: int
    approval_required: bool
    bookable_by: dict[str, list[str]]
    version: int
    created_at: str
    updated_at: str


class ResourceList(BaseModel):
    items: list[Resource]


class Slot(BaseModel):
    start: str
    end: str
    local_start: str
    local_end: str
    remaining: int


class Availability(BaseModel):
    resource_id: str
    time_zone: str
    slots: list[Slot]


BookingStatus = Literal["pending", "confirmed", "cancelled", "rejected"]


class NewBooking(Input):
    resource_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    start: Instant
    end: Instant
    note: Note = ""


class Rejection(Input):
    reason: Reason = ""


class Booking(BaseModel):
    id: str
    resource_id: str
    resource_name: str
    category: str
    time_zone: str
    account_id: str
    contact_id: str
    contact_name: str
    start: str
    end: str
    local_start: str
    local_end: str
    note: str
    status: BookingStatus
    reason: str
    created_at: str
    updated_at: str
    version: int
    can_cancel: bool


class BookingPage(BaseModel):
    items: list[Booking]
    next_cursor: str | None = None


class Feed(BaseModel):
    active: bool
    created_at: str | None = None


class NewFeed(BaseModel):
    token: str
    path: str
