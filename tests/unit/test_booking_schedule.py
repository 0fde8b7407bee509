"""The booking rules and the availability they give, as pure functions of a resource."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from portico.bookings import models, schedule
from portico.errors import Invalid

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def resource(**over: Any) -> dict[str, Any]:
    base = models.ResourceIn.model_validate({
        "name": "Room", "category": "meeting_rooms", "time_zone": "Europe/Helsinki",
        "opening_hours": {d: [{"start": "08:00", "end": "17:00"}] for d in EVERY_DAY},
        "slot_minutes": 60, "min_duration_minutes": 60, "max_duration_minutes": 180,
        "lead_time_minutes": 0, "horizon_days": 366, **over}).model_dump()
    return {**base, "id": "r1"}


NOW = datetime(2026, 10, 20, 12, tzinfo=UTC)


def utc(text: str) -> datetime:
    return schedule.parse(text)


def test_availability_follows_the_wall_clock_across_the_autumn_change() -> None:
    # Helsinki leaves summer time on 25 October 2026: 08:00 is 05:00Z before, 06:00Z after.
    slots = schedule.availability(resource(), utc("2026-10-24T00:00:00Z"),
                                  utc("2026-10-26T00:00:00Z"), NOW, {})
    by_day: dict[str, list[dict[str, Any]]] = {}
    for s in slots:
        by_day.setdefault(s["local_start"][:10], []).append(s)
    assert by_day["2026-10-24"][0]["start"] == "2026-10-24T05:00:00Z"
    assert by_day["2026-10-25"][0]["start"] == "2026-10-25T06:00:00Z"
    for day in by_day.values():  # 08:00 to 16:00 local, the last hour-long start
        assert [s["local_start"][11:16] for s in day] == [f"{h:02d}:00" for h in range(8, 17)]
    assert by_day["2026-10-24"][0]["local_start"].endswith("+03:00")
    assert by_day["2026-10-25"][0]["local_start"].endswith("+02:00")


def test_availability_across_the_spring_change_skips_the_missing_hour() -> None:
    # 29 March 2026 03:00 local does not exist in Helsinki; a night-time resource shows it.
    night = resource(opening_hours={"sun": [{"start": "02:00", "end": "05:00"}]})
    slots = schedule.availability(night, utc("2026-03-28T22:00:00Z"),
                                  utc("2026-03-29T06:00:00Z"), datetime(2026, 3, 1, tzinfo=UTC),
                                  {})
    assert [s["local_start"][11:] for s in slots] == ["02:00:00+02:00", "04:00:00+03:00"]


def test_taken_units_and_capacity_give_what_remains() -> None:
    r = resource(capacity=3)
    taken = {"2026-10-21T06:00:00Z": 3, "2026-10-21T07:00:00Z": 1}
    slots = {s["start"]: s["remaining"] for s in schedule.availability(
        r, utc("2026-10-21T00:00:00Z"), utc("2026-10-22T00:00:00Z"), NOW, taken)}
    assert slots["2026-10-21T06:00:00Z"] == 0
    assert slots["2026-10-21T07:00:00Z"] == 2
    assert slots["2026-10-21T08:00:00Z"] == 3


def test_buffers_make_a_neighbouring_start_unavailable() -> None:
    r = resource(slot_minutes=30, min_duration_minutes=60, buffer_after_minutes=30)
    taken = {"2026-10-21T08:00:00Z": 1}
    slots = {s["start"]: s["remaining"] for s in schedule.availability(
        r, utc("2026-10-21T06:00:00Z"), utc("2026-10-21T10:00:00Z"), NOW, taken)}
    # 07:00 + 60 min + 30 min buffer reaches the unit at 08:00.
    assert slots["2026-10-21T07:00:00Z"] == 0
    assert slots["2026-10-21T06:30:00Z"] == 1
    lo, hi = schedule.claimed_span(r, utc("2026-10-21T09:00:00Z"), utc("2026-10-21T10:00:00Z"))
    assert [schedule.stamp(u) for u in schedule.units(lo, hi, 30)] == [
        "2026-10-21T09:00:00Z", "2026-10-21T09:30:00Z", "2026-10-21T10:00:00Z"]


def test_blackout_lead_time_and_horizon_remove_slots() -> None:
    r = resource(lead_time_minutes=24 * 60, horizon_days=2, blackouts=[
        {"start": "2026-10-22T08:00:00Z", "end": "2026-10-22T10:00:00Z", "reason": "Service"}])
    slots = [s["start"] for s in schedule.availability(
        r, utc("2026-10-20T00:00:00Z"), utc("2026-10-25T00:00:00Z"), NOW, {})]
    assert min(slots) >= "2026-10-21T12:00:00Z"
    assert max(slots) <= "2026-10-22T11:00:00Z"
    assert "2026-10-22T08:00:00Z" not in slots
    assert "2026-10-22T09:00:00Z" not in slots
    assert "2026-10-22T07:00:00Z" in slots


@pytest.mark.parametrize(("start", "end", "rule"), [
    ("2026-10-21T06:00:00Z", "2026-10-21T06:30:00Z", "slot"),
    ("2026-10-21T06:30:00Z", "2026-10-21T07:30:00Z", "slot"),
    ("2026-10-21T06:00:00Z", "2026-10-21T06:00:00Z", "slot"),
    ("2026-10-21T06:00:00Z", "2026-10-21T10:00:00Z", "max_duration"),
    ("2026-10-20T12:00:00Z", "2026-10-20T13:00:00Z", "lead_time"),
    ("2027-12-01T08:00:00Z", "2027-12-01T09:00:00Z", "horizon"),
    ("2026-10-21T03:00:00Z", "2026-10-21T04:00:00Z", "opening_hours"),
    ("2026-10-21T13:00:00Z", "2026-10-21T15:00:00Z", "opening_hours"),
    ("2026-10-22T08:00:00Z", "2026-10-22T09:00:00Z", "blackout"),
])
def test_a_booking_that_breaks_a_rule_says_which(start: str, end: str, rule: str) -> None:
    r = resource(lead_time_minutes=60, horizon_days=60, blackouts=[
        {"start": "2026-10-22T08:00:00Z", "end": "2026-10-22T10:00:00Z"}])
    with pytest.raises(Invalid) as e:
        schedule.check(r, utc(start), utc(end), NOW)
    assert e.value.details == {"rule": rule}


def test_a_booking_within_the_rules_passes() -> None:
    r = resource(min_duration_minutes=60, max_duration_minutes=180)
    schedule.check(r, utc("2026-10-21T06:00:00Z"), utc("2026-10-21T09:00:00Z"), NOW)


def test_min_duration_is_a_rule_of_its_own() -> None:
    r = resource(slot_minutes=30, min_duration_minutes=60)
    with pytest.raises(Invalid) as e:
        schedule.check(r, utc("2026-10-21T06:00:00Z"), utc("2026-10-21T06:30:00Z"), NOW)
    assert e.value.details == {"rule": "min_duration"}


@pytest.mark.parametrize(("over", "words"), [
    ({"opening_hours": {"mon": [{"start": "08:15", "end": "17:00"}]}}, "slot grid"),
    ({"opening_hours": {"mon": [{"start": "08:00", "end": "12:00"},
                                {"start": "11:00", "end": "13:00"}]}}, "overlap"),
    ({"opening_hours": {"mon": [{"start": "12:00", "end": "08:00"}]}}, "ends after"),
    ({"opening_hours": {"mon": [{"start": "25:00", "end": "26:00"}]}}, "HH:MM"),
    ({"min_duration_minutes": 90, "max_duration_minutes": 60}, "below"),
    ({"buffer_after_minutes": 45}, "multiple"),
    ({"slot_minutes": 5, "max_duration_minutes": 600}, "at most 90"),
    ({"time_zone": "Mars/Olympus"}, "time zone"),
    ({"time_zone": "../../etc/passwd"}, "time zone"),
    ({"slot_minutes": 7}, "slot_minutes"),
    ({"blackouts": [{"start": "2026-10-22T10:00:00", "end": "2026-10-22T12:00:00Z"}]},
     "time zone"),
])
def test_resource_rules_that_cannot_work_are_refused(over: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError) as e:
        resource(**over)
    assert words in str(e.value)


def test_instants_are_stored_as_utc_seconds() -> None:
    assert models.instant("2026-12-01T10:00:00+02:00") == "2026-12-01T08:00:00Z"
    assert models.instant("2026-12-01T08:00:00.500Z") == "2026-12-01T08:00:00Z"
    with pytest.raises(ValueError, match="time zone"):
        models.instant("2026-12-01T08:00:00")


def test_a_window_is_at_most_31_days() -> None:
    schedule.window(NOW, NOW + timedelta(days=31))
    with pytest.raises(Invalid):
        schedule.window(NOW, NOW + timedelta(days=31, seconds=1))
    with pytest.raises(Invalid):
        schedule.window(NOW, NOW)
