"""Demo data for the local portal: the operating organization's staff, two customer
accounts with their people, a partner that serves one of them, and a consultant who works
for both customers. Written through the identity domain, as the portal itself would."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from portico import principal
from portico.announcements import board
from portico.announcements import models as announcement_models
from portico.bookings import catalogue, ledger
from portico.bookings import models as booking_models
from portico.cases import desk, models
from portico.events import SYSTEM
from portico.identity import directory
from portico.invoices import ingest, overdue
from portico.invoices import models as invoice_models
from portico.kb import articles
from portico.kb import models as kb_models

DEMO_PASSWORD = "Portico-Demo-2026!"  # noqa: S105 - printed for anyone running the demo


@dataclass(frozen=True)
class DemoAccount:
    id: str
    number: str
    name: str
    kind: str  # operator, customer or partner
    tier: str = "standard"
    partner_account_id: str | None = None
    language: str = "en"
    billing_address: dict[str, str] | None = None


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    memberships: tuple[tuple[str, tuple[str, ...]], ...]  # (account, roles); first = primary
    language: str = "en"


ACCOUNTS = (
    DemoAccount("acc-portico", "A-0001", "Portico Support", "operator"),
    DemoAccount("acc-fabrikam", "A-0002", "Fabrikam Partners", "partner"),
    DemoAccount("acc-northwind", "A-1001", "Northwind Traders", "customer", "premium",
                partner_account_id="acc-fabrikam",
                billing_address={"line1": "Harbour Road 4", "postal_code": "00180",
                                 "city": "Helsinki", "country": "FI"}),
    DemoAccount("acc-contoso", "A-1002", "Contoso Oy", "customer", language="fi",
                billing_address={"line1": "Tehtaankatu 12 B", "postal_code": "33100",
                                 "city": "Tampere", "country": "FI"}),
)

USERS = (
    DemoUser("admin@portico.example", "Ada Admin", (("acc-portico", ("admin",)),)),
    DemoUser("agent@portico.example", "Aaron Agent", (("acc-portico", ("agent",)),)),
    DemoUser("manager@northwind.example", "Nora Northwind",
             (("acc-northwind", ("account_manager",)),)),
    DemoUser("contact@northwind.example", "Ned Northwind", (("acc-northwind", ("contact",)),)),
    DemoUser("billing@northwind.example", "Bea Billing", (("acc-northwind", ("billing",)),)),
    DemoUser("manager@contoso.example", "Kaisa Contoso",
             (("acc-contoso", ("account_manager",)),), "fi"),
    DemoUser("contact@contoso.example", "Kalle Contoso", (("acc-contoso", ("contact",)),), "fi"),
    DemoUser("partner@fabrikam.example", "Paula Partner", (("acc-fabrikam", ("partner",)),)),
    DemoUser("consultant@example.com", "Cory Consultant",
             (("acc-northwind", ("contact",)), ("acc-contoso", ("account_manager",)))),
)


def seed(client: Callable[[str], Any], *, user_pool_id: str) -> list[dict[str, Any]]:
    """Create the demo users in Cognito and their accounts and contacts in the table.

    Runs with a function's environment (table, bus) in place."""
    cognito = client("cognito-idp")
    accounts = {}
    for a in ACCOUNTS:
        item = directory.new_account(account_id=a.id, number=a.number, name=a.name,
                                     kind=a.kind, tier=a.tier,
                                     partner_account_id=a.partner_account_id)
        item.update(language=a.language)
        if a.billing_address:
            item["billing_address"] = a.billing_address
        directory.create_account(item, actor=SYSTEM, request_id="seed")
        accounts[a.id] = item
    users: list[dict[str, Any]] = []
    for u in USERS:
        created = cognito.admin_create_user(
            UserPoolId=user_pool_id, Username=u.email, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": u.email},
                            {"Name": "email_verified", "Value": "true"},
                            {"Name": "name", "Value": u.name}])["User"]
        cognito.admin_set_user_password(UserPoolId=user_pool_id, Username=u.email,
                                        Password=DEMO_PASSWORD, Permanent=True)
        sub = next(a["Value"] for a in created["Attributes"] if a["Name"] == "sub")
        contact = None
        for account_id, roles in u.memberships:
            directory.enrol(account=accounts[account_id], contact_id=sub, email=u.email,
                            name=u.name, language=u.language, roles=list(roles),
                            joined_at="2026-01-01T00:00:00Z", contact=contact,
                            request_id="seed")
            contact = {"id": sub}
        primary, roles = u.memberships[0]
        users.append({"email": u.email, "password": DEMO_PASSWORD, "name": u.name,
                      "roles": list(roles), "account_id": primary, "contact_id": sub,
                      "accounts": {a: list(r) for a, r in u.memberships}})
    return users


# (requester, subject, description, category, priority, fields, the agent's path through
# the statuses, with a public reply and perhaps an internal note on the way)
CASES: tuple[tuple[str, str, str, str, str, dict[str, Any], tuple[str, ...]], ...] = (
    ("contact@northwind.example", "Cannot download the October invoice",
     "The download button on the invoice page does nothing.", "billing", "normal",
     {"invoice_number": "INV-2026-1042"}, ()),
    ("contact@northwind.example", "Portal is slow to log in",
     "Signing in takes about 30 seconds since Monday.", "technical", "high",
     {"product": "portal", "environment": "production"}, ("in_progress",)),
    ("contact@northwind.example", "We need five more licences",
     "Please quote five more seats for the warehouse team.", "general", "normal", {},
     ("in_progress", "waiting_on_customer")),
    ("manager@northwind.example", "Wrong VAT on invoice INV-2026-0988",
     "The invoice shows 24 % VAT; our contract says 25.5 %.", "billing", "high",
     {"invoice_number": "INV-2026-0988", "amount_disputed": 120.5}, ("in_progress", "resolved")),
    ("contact@northwind.example", "Password reset e-mail did not arrive",
     "I asked for a reset twice this morning.", "general", "low", {},
     ("in_progress", "resolved", "closed")),
    ("contact@contoso.example", "Tilauksen toimitus viivästyy",
     "Tilaus 5521 piti toimittaa viime viikolla.", "general", "normal", {}, ()),
    ("contact@contoso.example", "Integraatio ei siirrä laskuja",
     "Laskut eivät ole siirtyneet ERP:hen eilisen jälkeen.", "technical", "urgent",
     {"product": "integration"}, ("in_progress",)),
)


def seed_cases(users: list[dict[str, Any]]) -> int:
    """Open the demo cases and walk them through the desk. Runs with the cases
    function's environment in place."""
    ids = {u["email"]: u["contact_id"] for u in users}
    agent = principal.resolve(ids["agent@portico.example"])
    for requester, subject, description, category, priority, fields, path in CASES:
        customer = principal.resolve(ids[requester])
        case = desk.open_case(customer, models.NewCase(
            subject=subject, description=description, category=category,
            priority=priority, fields=fields))  # type: ignore[arg-type]
        version = case.version
        for step, status in enumerate(path):
            if step == 0:
                desk.comment(agent, case.id, models.NewComment(
                    body="Thank you, we are looking into this."))
                desk.comment(agent, case.id, models.NewComment(
                    body="Checked the logs; looks like the known cache issue.", internal=True))
                version = desk.get(agent, case.id).version
            if status == "waiting_on_customer":
                desk.comment(agent, case.id, models.NewComment(
                    body="Which team should the new seats belong to?"))
                version = desk.get(agent, case.id).version
            version = desk.update(agent, case.id, models.CasePatch(
                version=version, status=status)).version  # type: ignore[arg-type]
    return len(CASES)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
RESOURCES: tuple[dict[str, Any], ...] = (
    {"name": "Meeting room Aurora", "category": "meeting_rooms",
     "description": "Eight seats, a screen and a whiteboard. Ground floor, Helsinki office.",
     "time_zone": "Europe/Helsinki", "capacity": 1,
     "opening_hours": {d: [{"start": "08:00", "end": "17:00"}] for d in WEEKDAYS},
     "slot_minutes": 30, "min_duration_minutes": 30, "max_duration_minutes": 240,
     "lead_time_minutes": 60, "horizon_days": 60, "cancellation_cutoff_minutes": 120,
     "blackouts": [{"start": "2026-12-23T22:00:00Z", "end": "2026-12-27T22:00:00Z",
                    "reason": "Christmas"}]},
    {"name": "Meeting room Borealis", "category": "meeting_rooms",
     "description": "Twenty seats for workshops; cleaned for 15 minutes after each booking.",
     "time_zone": "Europe/Helsinki", "capacity": 1,
     "opening_hours": {d: [{"start": "08:00", "end": "12:00"},
                           {"start": "13:00", "end": "18:00"}] for d in WEEKDAYS},
     "slot_minutes": 15, "min_duration_minutes": 60, "max_duration_minutes": 480,
     "buffer_after_minutes": 15, "lead_time_minutes": 120, "horizon_days": 90,
     "cancellation_cutoff_minutes": 1440},
    {"name": "Service van", "category": "vehicles",
     "description": "Two vans for moving equipment; staff approve each booking.",
     "time_zone": "Europe/Helsinki", "capacity": 2, "approval_required": True,
     "opening_hours": {d: [{"start": "07:00", "end": "19:00"}]
                       for d in (*WEEKDAYS, "sat")},
     "slot_minutes": 60, "min_duration_minutes": 60, "max_duration_minutes": 600,
     "lead_time_minutes": 1440, "horizon_days": 60, "cancellation_cutoff_minutes": 1440},
    {"name": "On-site technician visit", "category": "technicians",
     "description": "A two-hour visit by one of our three field technicians.",
     "time_zone": "Europe/Helsinki", "capacity": 3,
     "opening_hours": {d: [{"start": "08:00", "end": "16:00"}] for d in WEEKDAYS},
     "slot_minutes": 60, "min_duration_minutes": 120, "max_duration_minutes": 120,
     "lead_time_minutes": 2880, "horizon_days": 45, "cancellation_cutoff_minutes": 1440,
     "bookable_by": {"roles": ["contact", "account_manager"],
                     "accounts": ["acc-northwind"]}},
)


def _next_weekday(days_ahead: int, hour: int) -> datetime:
    """A weekday at least `days_ahead` days from now, at `hour` in Helsinki."""
    zone = ZoneInfo("Europe/Helsinki")
    day = (datetime.now(zone) + timedelta(days=days_ahead)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=zone)


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def seed_bookings(users: list[dict[str, Any]]) -> dict[str, str]:
    """The demo's resources, a confirmed booking and one waiting for approval. Runs with
    the bookings function's environment in place; answers resource ids by name."""
    ids = {u["email"]: u["contact_id"] for u in users}
    admin = principal.resolve(ids["admin@portico.example"])
    made = {r["name"]: catalogue.create(admin, booking_models.ResourceIn.model_validate(r)).id
            for r in RESOURCES}
    review = _next_weekday(3, 10)
    ledger.book(principal.resolve(ids["manager@northwind.example"]), booking_models.NewBooking(
        resource_id=made["Meeting room Aurora"], start=_utc(review),
        end=_utc(review + timedelta(hours=1)), note="Quarterly review"))
    move = _next_weekday(5, 9)
    ledger.book(principal.resolve(ids["contact@contoso.example"]), booking_models.NewBooking(
        resource_id=made["Service van"], start=_utc(move),
        end=_utc(move + timedelta(hours=3)), note="Moving the archive boxes"))
    return made


ARTICLES: tuple[dict[str, Any], ...] = (
    {"slug": "reset-your-password", "category": "account", "tags": ["login", "password"],
     "translations": {
         "en": {"title": "Reset your password",
                "summary": "Choose a new password when you have forgotten yours.",
                "body": "1. Open the sign-in page and choose **Forgot your password?**\n"
                        "2. Enter your e-mail address; we send a code.\n"
                        "3. Enter the code and your new password.\n\n"
                        "The code is valid for one hour."},
         "fi": {"title": "Salasanan vaihtaminen",
                "summary": "Valitse uusi salasana, jos olet unohtanut vanhan.",
                "body": "1. Avaa kirjautumissivu ja valitse **Unohditko salasanasi?**\n"
                        "2. Anna sähköpostiosoitteesi; lähetämme koodin.\n"
                        "3. Anna koodi ja uusi salasanasi.\n\nKoodi on voimassa tunnin."}}},
    {"slug": "read-your-invoice", "category": "billing", "tags": ["invoice"],
     "translations": {
         "en": {"title": "How to read your invoice",
                "summary": "What each line of an invoice means.",
                "body": "Each invoice lists the **period**, the seats billed and any "
                        "credits.\n\n| Line | Meaning |\n|---|---|\n"
                        "| Seats | users active in the period |\n"
                        "| Credit | a refund from an earlier invoice |"},
         "fi": {"title": "Näin luet laskusi",
                "summary": "Mitä laskun rivit tarkoittavat.",
                "body": "Laskussa on **laskutuskausi**, laskutetut käyttäjät ja "
                        "hyvitykset."}}},
    {"slug": "book-a-meeting-room", "category": "bookings", "tags": ["bookings"],
     "translations": {
         "en": {"title": "Book a meeting room",
                "summary": "Find a free time and book it for your team.",
                "body": "Open **Bookings**, choose a room and a free time in the week view, "
                        "then **Book**. Cancel before the cutoff if plans change."}}},
    {"slug": "partner-escalation-guide", "category": "partners", "tags": ["escalation"],
     "audience": ["partner"],
     "translations": {
         "en": {"title": "Partner escalation guide",
                "summary": "How partners escalate a customer's urgent case.",
                "body": "Open the case for the customer's account, set priority "
                        "**urgent** and call the partner desk."}}},
)


def seed_articles(users: list[dict[str, Any]]) -> int:
    """The demo's knowledge base, written by the agent and published by the admin. Runs
    with the knowledge base function's environment in place."""
    ids = {u["email"]: u["contact_id"] for u in users}
    agent = principal.resolve(ids["agent@portico.example"])
    admin = principal.resolve(ids["admin@portico.example"])
    for a in ARTICLES:
        made = articles.create(agent, kb_models.ArticleIn.model_validate(a))
        articles.publish(admin, made["id"], int(made["version"]))
    return len(ARTICLES)


def _invoice(number: str, account: str, issued: int, due: int, lines: list[tuple[str, str, int,
             str]], *, reference: str, currency: str = "EUR") -> invoice_models.InvoiceIssued:
    """`issued`, `due`: days from today (negative: past)."""
    today = datetime.now(UTC).date()
    return invoice_models.InvoiceIssued.model_validate({
        "number": number, "account_number": account, "currency": currency,
        "issue_date": (today + timedelta(days=issued)).isoformat(),
        "due_date": (today + timedelta(days=due)).isoformat(), "version": 1,
        "payment_reference": reference,
        "lines": [{"description": d, "quantity": q, "unit_price": p, "tax_rate": t}
                  for d, q, p, t in lines]})


SEATS = "Portal seats"
SUPPORT = "Premium support"


def seed_invoices() -> int:
    """The demo's invoices as the back office would send them: Northwind has one paid, one
    open, one overdue and one cancelled; Contoso one open. Runs with the ingest function's
    environment in place."""
    issued = [
        _invoice("INV-2026-0988", "A-1001", -75, -61,
                 [(SEATS, "25", 1200, "25.5"), (SUPPORT, "1", 49000, "25.5")],
                 reference="RF18 0988"),
        _invoice("INV-2026-1001", "A-1001", -60, -46, [(SEATS, "25", 1200, "25.5")],
                 reference="RF71 1001"),
        _invoice("INV-2026-1042", "A-1001", -40, -26,
                 [(SEATS, "27", 1200, "25.5"), (SUPPORT, "1", 49000, "25.5"),
                  ("Onboarding workshop (half day)", "0.5", 96000, "25.5"),
                  ("Credit: October outage", "1", -5000, "25.5")],
                 reference="RF42 1042"),
        _invoice("INV-2026-1107", "A-1001", -5, 9,
                 [(SEATS, "27", 1200, "25.5"), (SUPPORT, "1", 49000, "25.5"),
                  ("Training material (printed)", "3", 2500, "14")],
                 reference="RF63 1107"),
        _invoice("INV-2026-1050", "A-1002", -20, -6,
                 [("Portaalin käyttäjät", "8", 1200, "25.5"),
                  ("Koulutusmateriaali", "2", 2500, "14")], reference="RF55 1050"),
    ]
    for event in issued:
        ingest.apply(event, source="integration.erp", event_id=f"seed-{event.number}")
    ingest.apply(invoice_models.InvoicePaid.model_validate({
        "number": "INV-2026-0988", "account_number": "A-1001", "version": 2,
        "paid_on": (datetime.now(UTC).date() - timedelta(days=63)).isoformat()}),
        source="integration.erp", event_id="seed-paid-0988")
    ingest.apply(invoice_models.InvoiceCancelled.model_validate({
        "number": "INV-2026-1001", "account_number": "A-1001", "version": 2,
        "reason": "Replaced by INV-2026-1042"}), source="integration.erp",
        event_id="seed-cancel-1001")
    overdue.run(request_id="seed")
    return len(issued)


def seed_announcements(users: list[dict[str, Any]]) -> int:
    """An announcement everyone sees now and a maintenance window next week, published by
    the admin. Runs with the announcements function's environment in place."""
    ids = {u["email"]: u["contact_id"] for u in users}
    admin = principal.resolve(ids["admin@portico.example"])
    now = datetime.now(UTC)
    maintenance = _next_weekday(7, 22)
    shown = (
        {"title": "New invoice pages: see and download your invoices",
         "body": "Your invoices, their status and a PDF of each are now under Invoices.",
         "audience": {"kind": "all"}, "severity": "info",
         "starts_at": _utc(now), "ends_at": _utc(now + timedelta(days=30))},
        {"title": "Planned maintenance",
         "body": f"The portal is unavailable on {maintenance:%A %d %B} from 22:00 to 24:00 "
                 "Helsinki time while we upgrade it.",
         "audience": {"kind": "all"}, "severity": "warning", "channels": ["portal", "email"],
         "starts_at": _utc(maintenance.replace(hour=8)),
         "ends_at": _utc(maintenance + timedelta(hours=2))},
    )
    for a in shown:
        board.create(admin, announcement_models.AnnouncementIn.model_validate(a))
    return len(shown)
