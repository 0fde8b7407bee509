"""The announcements API's contract."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from portico import access, clock
from portico.bookings.models import AccountId
from portico.inputs import Input

Severity = Literal["info", "warning", "outage"]
Channel = Literal["portal", "email"]
Status = Literal["scheduled", "active", "ended", "withdrawn"]
# The longest an announcement runs: a banner that never ends is a page's furniture.
MAX_DAYS = 366


def moment(value: str) -> str:
    """An ISO 8601 time with a zone, as the clock stamps it (UTC, milliseconds, `Z`): stored
    times then sort against `clock.stamp()` as text, and one read back is the same."""
    try:
        dt = clock.parse(value)
    except ValueError:
        raise ValueError("not an ISO 8601 time") from None
    if dt.tzinfo is None:
        raise ValueError("needs a time zone, like Z or +02:00")
    return clock.iso(dt)


def _known_role(value: str) -> str:
    # The roles accounts may hold (the access table's data), not a list kept here.
    if not any(value in roles for roles in access.ROLES_BY_ACCOUNT_KIND.values()):
        raise ValueError("not a role of the portal")
    return value


Moment = Annotated[str, StringConstraints(max_length=40), AfterValidator(moment)]
RoleName = Annotated[str, StringConstraints(min_length=1, max_length=40),
                     AfterValidator(_known_role)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class Everyone(Input):
    kind: Literal["all"]


class ByRoles(Input):
    kind: Literal["roles"]
    roles: list[RoleName] = Field(min_length=1, max_length=10)


class ByAccounts(Input):
    kind: Literal["accounts"]
    account_ids: list[AccountId] = Field(min_length=1, max_length=50)


Audience = Annotated[Everyone | ByRoles | ByAccounts, Field(discriminator="kind")]


def _portal_only() -> list[Channel]:
    return ["portal"]


def _channels(value: list[Channel]) -> list[Channel]:
    if "portal" not in value:
        raise ValueError("an announcement always shows in the portal")
    return sorted(set(value), key=("portal", "email").index)


class AnnouncementIn(Input):
    """`starts_at` in the past means now; `ends_at` is after it, at most a year later."""

    title: Title
    body: Body
    audience: Audience
    channels: Annotated[list[Channel], Field(min_length=1, max_length=2),
                        AfterValidator(_channels)] = Field(default_factory=_portal_only)
    starts_at: Moment
    ends_at: Moment
    severity: Severity = "info"


class AnnouncementUpdate(AnnouncementIn):
    version: int = Field(ge=1, le=2**31)


class EveryoneOut(BaseModel):
    kind: Literal["all"]


class RolesOut(BaseModel):
    kind: Literal["roles"]
    roles: list[str]


class AccountsOut(BaseModel):
    """To a customer, only their own account of those it names."""

    kind: Literal["accounts"]
    account_ids: list[str]


AudienceOut = Annotated[EveryoneOut | RolesOut | AccountsOut, Field(discriminator="kind")]


class Announcement(BaseModel):
    id: str
    title: str
    body: str
    audience: AudienceOut
    channels: list[Channel]
    starts_at: str
    ends_at: str
    severity: Severity
    status: Status
    version: int
    created_at: str
    created_by: str
    updated_at: str
    withdrawn_at: str | None = None


class AnnouncementList(BaseModel):
    items: list[Announcement]
    # The caller's announcements come whole (the not-yet-ended ones are few); the shape is
    # every list's.
    next_cursor: str | None = None
