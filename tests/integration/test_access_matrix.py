"""Every authenticated route, every role, own account / another account, plus no token and
a disabled contact. The expected status is read from the access table, not written here."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from infra.local import LocalCloud
from portico.access import ACCESS, Privilege, Scope
from tests.conftest import Portal

R, C, U, D = Privilege.READ, Privilege.CREATE, Privilege.UPDATE, Privilege.DELETE

# Each role, the demo user who holds it, and the accounts that are "theirs" and "not theirs".
ACTORS = {
    "contact": ("contact@northwind.example", "acc-northwind", "acc-contoso"),
    "account_manager": ("manager@northwind.example", "acc-northwind", "acc-contoso"),
    "billing": ("billing@northwind.example", "acc-northwind", "acc-contoso"),
    # A partner's own ground is the account delegated to it.
    "partner": ("partner@fabrikam.example", "acc-northwind", "acc-contoso"),
    "agent": ("agent@portico.example", "acc-northwind", "acc-contoso"),
    "admin": ("admin@portico.example", "acc-northwind", "acc-contoso"),
}
ADMIN = "admin@portico.example"
MEMBER_OF = {"acc-northwind": "contact@northwind.example",
             "acc-contoso": "contact@contoso.example"}


def relation(role: str, account: str, *, own_record: bool = False) -> str:
    """How the target stands to the actor: self, account, partner or other."""
    _, own, _ = ACTORS[role]
    if role == "partner":
        return "partner" if account == own else "other"
    if role in ("agent", "admin") or account != own:
        return "other"
    return "self" if own_record else "account"


def reaches(role: str, entity: str, privilege: Privilege, rel: str, *,
            whole_account: bool = False) -> bool:
    for g in ACCESS[role].get(entity, ()):
        if privilege not in g.privileges:
            continue
        if g.scope is Scope.ALL or g.scope.value == rel:
            return True
        if g.scope is Scope.ACCOUNT and rel == "self":
            return True
        if g.scope is Scope.SELF and rel == "self" and not whole_account:
            return True
    return False


def expected_object(role: str, entity: str, privilege: Privilege, rel: str,
                    ok: int) -> int:
    if reaches(role, entity, privilege, rel):
        return ok
    return 403 if reaches(role, entity, R, rel) else 404


def expected_list(role: str, entity: str, rel: str) -> int:
    if reaches(role, entity, R, rel, whole_account=True):
        return 200
    return 403 if reaches(role, "account", R, rel) else 404


@dataclass
class Case:
    name: str
    method: str
    route: str  # as template.yaml declares it
    path: Callable[[str, Portal], str]  # account -> a concrete path
    expect: Callable[[str, str], int]  # (role, account) -> status
    body: Callable[[], dict[str, Any] | None] = lambda: None


def _invitation(portal: Portal, account: str) -> str:
    r = portal.request("POST", f"/accounts/{account}/invitations", as_user=ADMIN,
                       json={"email": f"{uuid.uuid4().hex[:10]}@example.com",
                             "roles": ["contact"]})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _contact_id(portal: Portal, account: str) -> str:
    email = MEMBER_OF[account]
    return str(next(u["contact_id"] for u in portal.cloud.users if u["email"] == email))


def _own_path(p: str) -> Callable[[str, Portal], str]:
    return lambda account, portal: p


CASES = [
    Case("get me", "GET", "/me", _own_path("/me"),
         lambda role, a: expected_object(role, "contact", R, "self", 200)),
    Case("patch me", "PATCH", "/me", _own_path("/me"),
         lambda role, a: expected_object(role, "contact", U, "self", 200),
         body=lambda: {"phone": "+358 40 1234567"}),
    Case("get account", "GET", "/accounts/{accountId}", lambda a, p: f"/accounts/{a}",
         lambda role, a: expected_object(role, "account", R, relation(role, a), 200)),
    Case("list contacts", "GET", "/accounts/{accountId}/contacts",
         lambda a, p: f"/accounts/{a}/contacts",
         lambda role, a: expected_list(role, "membership", relation(role, a))),
    Case("patch contact", "PATCH", "/accounts/{accountId}/contacts/{contactId}",
         lambda a, p: f"/accounts/{a}/contacts/{_contact_id(p, a)}",
         lambda role, a: expected_object(role, "membership", U, relation(role, a), 200),
         body=lambda: {"active": True}),
    Case("list invitations", "GET", "/accounts/{accountId}/invitations",
         lambda a, p: f"/accounts/{a}/invitations",
         lambda role, a: expected_list(role, "invitation", relation(role, a))),
    Case("invite", "POST", "/accounts/{accountId}/invitations",
         lambda a, p: f"/accounts/{a}/invitations",
         lambda role, a: expected_object(role, "invitation", C, relation(role, a), 201),
         body=lambda: {"email": f"{uuid.uuid4().hex[:10]}@example.com",
                       "roles": ["contact"]}),
    Case("resend invitation", "POST",
         "/accounts/{accountId}/invitations/{invitationId}/resend",
         lambda a, p: f"/accounts/{a}/invitations/{_invitation(p, a)}/resend",
         lambda role, a: expected_object(role, "invitation", C, relation(role, a), 200)),
    Case("revoke invitation", "DELETE", "/accounts/{accountId}/invitations/{invitationId}",
         lambda a, p: f"/accounts/{a}/invitations/{_invitation(p, a)}",
         lambda role, a: expected_object(role, "invitation", D, relation(role, a), 204)),
    Case("account audit", "GET", "/audit", lambda a, p: f"/audit?account={a}",
         lambda role, a: expected_list(role, "audit", relation(role, a))),
    Case("record audit", "GET", "/audit", lambda a, p: f"/audit?entity=account&id={a}",
         lambda role, a: 200 if ACCESS[role].get("audit") else 403),
]


def test_every_authenticated_route_is_in_the_matrix(cloud: LocalCloud) -> None:
    routes = {(r.method, r.path) for r in cloud.template.routes() if r.authorized}
    assert routes == {(c.method, c.route) for c in CASES}


@pytest.mark.parametrize(("case", "role", "whose"),
                         list(itertools.product(CASES, ACTORS, ("own", "other"))),
                         ids=lambda v: v.name.replace(" ", "-") if isinstance(v, Case) else v)
def test_route_answers_what_the_access_table_says(portal: Portal, case: Case, role: str,
                                                  whose: str) -> None:
    email, own, other = ACTORS[role]
    account = own if whose == "own" else other
    path = case.path(account, portal)
    r = portal.request(case.method, path, as_user=email, json=case.body())
    want = case.expect(role, account)
    assert r.status_code == want, f"{case.method} {path} as {role}: {r.status_code} {r.text}"
    if role not in ("agent", "admin"):
        # Nothing of the other customer ever reaches a customer or partner.
        assert "contoso" not in r.text.lower()
    if r.status_code >= 400:
        assert set(r.json()) == {"error"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name.replace(" ", "-"))
def test_route_without_a_token_is_401(portal: Portal, case: Case) -> None:
    r = portal.request(case.method, case.path("acc-northwind", portal), json=case.body())
    assert r.status_code == 401


@pytest.fixture(scope="module")
def disabled_user(portal: Portal) -> str:
    """A Northwind contact that joined through an invitation, then was disabled."""
    email = f"leaver-{uuid.uuid4().hex[:6]}@northwind.example"
    r = portal.request("POST", "/accounts/acc-northwind/invitations",
                       as_user="manager@northwind.example",
                       json={"email": email, "roles": ["contact"]})
    token = r.json()["link"].split("token=")[1]
    joined = portal.request("POST", f"/invitations/{token}/accept",
                            json={"password": "Leaver-Pass-2026!", "name": "Lee Leaver"})
    assert joined.status_code == 200, joined.text
    assert portal.request("GET", "/me", token=portal.tokens(
        email, "Leaver-Pass-2026!")["AccessToken"]).status_code == 200
    path = f"/accounts/acc-northwind/contacts/{joined.json()['contact_id']}"
    off = portal.request("PATCH", path, as_user="manager@northwind.example",
                         json={"active": False})
    assert off.status_code == 200
    assert off.json()["active"] is False
    return email


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name.replace(" ", "-"))
def test_disabled_contact_is_403_everywhere(portal: Portal, case: Case,
                                           disabled_user: str) -> None:
    token = portal.tokens(disabled_user, "Leaver-Pass-2026!")["AccessToken"]
    r = portal.request(case.method, case.path("acc-northwind", portal), token=token,
                       json=case.body())
    assert r.status_code == 403, r.text
    assert "northwind" not in r.text.lower()
