"""The identity API's contract. Inputs forbid unknown fields: a body that tries to set
something it may not (roles, account) is refused with 422, never silently ignored."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from portico.inputs import Input

Language = Literal["en", "fi"]
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# An empty phone number clears it.
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32,
                                         pattern=r"^(\+?[0-9 ()\-]{5,31})?$")]
Role = Literal["contact", "account_manager", "billing", "partner", "agent", "admin"]


class Channels(Input):
    """How one kind of notification reaches a contact beyond the portal, where it always
    shows: by e-mail or not, and then at once or in one mail a day."""

    email: bool = True
    digest: bool = False


class NotificationPreferences(Input):
    """Per kind of notification, its e-mail."""

    cases: Channels = Channels()
    invoices: Channels = Channels()
    bookings: Channels = Channels()
    announcements: Channels = Channels()
    account: Channels = Channels()


Widget = Literal["cases", "invoices", "bookings", "notifications", "announcements"]
WIDGETS: tuple[str, ...] = ("cases", "invoices", "bookings", "notifications", "announcements")


class WidgetSetting(Input):
    id: Widget
    hidden: bool = False


class Dashboard(Input):
    """The order of the dashboard's widgets and which are hidden. Widgets not listed come
    after, shown."""

    widgets: list[WidgetSetting] = Field(default_factory=list, max_length=len(WIDGETS))

    @field_validator("widgets")
    @classmethod
    def _once_each(cls, widgets: list[WidgetSetting]) -> list[WidgetSetting]:
        ids = [w.id for w in widgets]
        if len(ids) != len(set(ids)):
            raise ValueError("each widget at most once")
        return widgets


class Address(Input):
    line1: str = Field(max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    postal_code: str = Field(max_length=20)
    city: str = Field(max_length=100)
    country: str = Field(pattern=r"^[A-Z]{2}$")


class AccountAbilities(BaseModel):
    """What the caller may do here, so a page offers only that (the API still decides)."""

    manage_people: bool
    invite: bool
    roles: list[str]


class AccountSummary(BaseModel):
    """An account in staff's list."""

    id: str
    number: str
    name: str
    kind: Literal["operator", "customer", "partner"]
    tier: str
    status: Literal["active", "suspended"]
    partner_account_id: str | None = None


class Account(AccountSummary):
    billing_address: Address | None = None
    shipping_address: Address | None = None
    parent_account_id: str | None = None
    # Set only by a reviewed change request (portico.identity.changes).
    vat_id: str | None = None
    invoice_email: str | None = None
    can: AccountAbilities | None = None


class AccountPage(BaseModel):
    items: list[AccountSummary]
    next_cursor: str | None = None


class PersonAccount(BaseModel):
    account_id: str
    account_name: str
    roles: list[str]
    active: bool


class PersonOut(BaseModel):
    """Someone with a login, in staff's list of people across accounts."""

    id: str
    name: str
    email: str
    active: bool
    accounts: list[PersonAccount]


class PersonPage(BaseModel):
    items: list[PersonOut]
    next_cursor: str | None = None


class MembershipOut(BaseModel):
    account_id: str
    account_name: str
    account_kind: str
    roles: list[str]


class ServedAccount(BaseModel):
    """A customer account the caller's partner account serves."""

    account_id: str
    account_name: str


class Me(BaseModel):
    id: str
    email: str
    name: str
    phone: str | None
    language: Language
    account_id: str
    roles: list[str]
    memberships: list[MembershipOut]
    # A partner's customer accounts (acting in its partner account), by name; else empty.
    served_accounts: list[ServedAccount] = []
    notification_preferences: NotificationPreferences
    dashboard: Dashboard
    sections: list[str]


class MePatch(Input):
    name: Name | None = None
    phone: Phone | None = None
    language: Language | None = None
    notification_preferences: NotificationPreferences | None = None
    dashboard: Dashboard | None = None


class Contact(BaseModel):
    """A person as a member of one account."""

    id: str
    account_id: str
    email: str
    name: str
    roles: list[str]
    active: bool
    joined_at: str | None = None


def _role_set(roles: list[str] | None) -> list[str] | None:
    """Roles are a set: each once, in a stable order."""
    return sorted(set(roles)) if roles is not None else None


class ContactPatch(Input):
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=6)
    active: bool | None = None

    _roles_once = field_validator("roles")(_role_set)


class ContactPage(BaseModel):
    items: list[Contact]
    next_cursor: str | None


class NewInvitation(Input):
    email: Email
    roles: list[Role] = Field(min_length=1, max_length=6)
    language: Language | None = None

    _roles_once = field_validator("roles")(_role_set)


class Invitation(BaseModel):
    id: str
    account_id: str
    email: str
    roles: list[str]
    language: Language
    status: Literal["pending", "accepted", "revoked", "expired"]
    created_at: str
    valid_until: str
    invited_by: str | None
    link: str | None = None
    email_sent: bool | None = None


class InvitationPage(BaseModel):
    items: list[Invitation]
    next_cursor: str | None


class InvitationPreview(BaseModel):
    email: str
    account_name: str
    roles: list[str]
    valid_until: str


class Acceptance(Input):
    password: str = Field(min_length=8, max_length=256)
    name: Name


class Accepted(BaseModel):
    contact_id: str
    account_id: str
    email: str


# -- change requests: a customer asks, staff review, the account changes -------------------
# A VAT id: the country's two letters, then 2 to 13 letters and digits (FI12345678).
VatId = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=15,
                                         pattern=r"^[A-Za-z]{2}[A-Za-z0-9]{2,13}$")]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                          max_length=1000)]
ChangeField = Literal["billing_address", "shipping_address", "vat_id", "invoice_email"]
ChangeStatus = Literal["pending", "approved", "rejected", "cancelled"]
CHANGE_FIELDS: tuple[str, ...] = ("billing_address", "shipping_address", "vat_id",
                                  "invoice_email")


class NewChangeRequest(Input):
    """The account's sensitive fields the caller wants changed, for staff to review."""

    billing_address: Address | None = None
    shipping_address: Address | None = None
    vat_id: VatId | None = None
    invoice_email: Email | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _something(self) -> NewChangeRequest:
        if not any(getattr(self, f) is not None for f in CHANGE_FIELDS):
            raise ValueError(f"ask to change at least one of {', '.join(CHANGE_FIELDS)}")
        return self


class Approval(Input):
    """`{}` approves without a note."""

    note: Note | None = None


class ChangeRejection(Input):
    reason: Reason


class FieldChange(BaseModel):
    before: Address | str | None = None
    after: Address | str


class Person(BaseModel):
    contact_id: str
    name: str
    email: str | None = None


class ChangeRequest(BaseModel):
    id: str
    account_id: str
    account_number: str | None = None
    account_name: str | None = None
    status: ChangeStatus
    fields: list[ChangeField]
    changes: dict[str, FieldChange]
    note: str | None = None
    requested_by: Person
    created_at: str
    reviewed_by: Person | None = None
    reviewed_at: str | None = None
    reason: str | None = None


class ChangeRequestPage(BaseModel):
    items: list[ChangeRequest]
    next_cursor: str | None
