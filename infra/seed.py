"""Demo data for the local portal: the operating organization's staff, two customer
accounts with their people, a partner that serves one of them, and a consultant who works
for both customers. Written through the identity domain, as the portal itself would."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portico import principal
from portico.cases import desk, models
from portico.events import SYSTEM
from portico.identity import directory

DEMO_PASSWORD = "Portico-Demo-2026!"  # noqa: S105 - printed for anyone running the demo


@dataclass(frozen=True)
class DemoAccount:
    id: str
    number: str
    name: str
    kind: str  # operator, customer or partner
    tier: str = "standard"
    partner_account_id: str | None = None


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
                partner_account_id="acc-fabrikam"),
    DemoAccount("acc-contoso", "A-1002", "Contoso Oy", "customer"),
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
