"""The notifications API's contract."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from portico.inputs import Input

# The portal's sections a notification belongs to: they carry the navigation's badges and
# each is a line of a contact's preferences.
Section = Literal["cases", "invoices", "bookings", "announcements", "account"]
SECTIONS: tuple[str, ...] = ("cases", "invoices", "bookings", "announcements", "account")
# `<created_at>_<16 hex>`: the id is the notification's place in its reader's inbox, and
# safe in an address as it is.
ID_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z_[0-9a-f]{16}$"


class Notification(BaseModel):
    id: str
    section: Section
    type: str = Field(description="the domain event it tells of, e.g. CaseCommented")
    title: str
    body: str
    link: str = Field(description="the portal page it is about, from the site's root")
    created_at: str
    read: bool


class NotificationPage(BaseModel):
    items: list[Notification]
    cursor: str | None = None


class Summary(BaseModel):
    """Unread notifications per section (the navigation's badges) and in all."""

    sections: dict[str, int]
    total: int


class ReadAll(BaseModel):
    marked: int


class Unsubscribe(Input):
    token: Annotated[str, StringConstraints(min_length=20, max_length=100,
                                            pattern=r"^[A-Za-z0-9_-]+$")]


class Unsubscribed(BaseModel):
    section: Section
    email: bool = Field(description="whether this kind of mail is still sent: false now")
