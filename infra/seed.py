"""Demo data for the local portal: the operating organization's staff, two customer
accounts with a lead user and a user each, and a partner that serves one of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from portico import keys

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
    roles: tuple[str, ...]
    account_id: str
    language: str = "en"


ACCOUNTS = (
    DemoAccount("acc-portico", "A-0001", "Portico Support", "operator"),
    DemoAccount("acc-fabrikam", "A-0002", "Fabrikam Partners", "partner"),
    DemoAccount("acc-northwind", "A-1001", "Northwind Traders", "customer", "premium",
                partner_account_id="acc-fabrikam"),
    DemoAccount("acc-contoso", "A-1002", "Contoso Oy", "customer"),
)

USERS = (
    DemoUser("admin@portico.example", "Ada Admin", ("admin",), "acc-portico"),
    DemoUser("agent@portico.example", "Aaron Agent", ("agent",), "acc-portico"),
    DemoUser("manager@northwind.example", "Nora Northwind", ("account_manager",),
             "acc-northwind"),
    DemoUser("contact@northwind.example", "Ned Northwind", ("contact",), "acc-northwind"),
    DemoUser("manager@contoso.example", "Kaisa Contoso", ("account_manager",), "acc-contoso",
             "fi"),
    DemoUser("contact@contoso.example", "Kalle Contoso", ("contact",), "acc-contoso", "fi"),
    DemoUser("partner@fabrikam.example", "Paula Partner", ("partner",), "acc-fabrikam"),
)


def seed(client: Callable[[str], Any], *, table: str,
         user_pool_id: str) -> list[dict[str, Any]]:
    """Create the demo users in Cognito and their accounts and contacts in the table."""
    cognito = client("cognito-idp")
    ddb = client("dynamodb")
    ser = TypeSerializer()

    def put(item: dict[str, Any]) -> dict[str, Any]:
        clean = {k: v for k, v in item.items() if v is not None}
        return {"PutRequest": {"Item": {k: ser.serialize(v) for k, v in clean.items()}}}

    writes = [put({**keys.account(a.id), "type": "Account", "id": a.id, "number": a.number,
                   "name": a.name, "kind": a.kind, "tier": a.tier, "status": "active",
                   "partner_account_id": a.partner_account_id}) for a in ACCOUNTS]
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
        writes.append(put({**keys.contact(sub), "type": "Contact", "id": sub,
                           "email": u.email, "name": u.name, "language": u.language,
                           "active": True, "primary_account_id": u.account_id}))
        writes.append(put({**keys.membership(u.account_id, sub),
                           **keys.membership_by_contact(u.account_id, sub),
                           "type": "Membership", "account_id": u.account_id,
                           "contact_id": sub, "roles": list(u.roles)}))
        users.append({"email": u.email, "password": DEMO_PASSWORD, "name": u.name,
                      "roles": list(u.roles), "account_id": u.account_id, "contact_id": sub})
    for i in range(0, len(writes), 25):
        ddb.batch_write_item(RequestItems={table: writes[i:i + 25]})
    return users
