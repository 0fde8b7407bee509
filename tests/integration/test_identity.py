"""Identity through the local cloud: profile, invitations end to end (SES, Cognito), the
last-manager rule, acting in another account, the audit trail."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from moto.ses.models import ses_backends

from infra.local import ACCOUNT_ID, LocalCloud
from tests.conftest import Portal, listen

NW = "acc-northwind"
MANAGER = "manager@northwind.example"
CONTACT = "contact@northwind.example"
ADMIN = "admin@portico.example"
PASSWORD = "Joiner-Pass-2026!"


def mail_to(cloud: LocalCloud, address: str) -> list[Any]:
    backend = ses_backends[ACCOUNT_ID][cloud.region]
    return [m for m in backend.sent_messages if address in m.destinations["ToAddresses"]]


def new_email(prefix: str = "new") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def invite(portal: Portal, account: str, email: str, roles: list[str],
           as_user: str = MANAGER) -> dict[str, Any]:
    r = portal.request("POST", f"/accounts/{account}/invitations", as_user=as_user,
                       json={"email": email, "roles": roles})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def token_of(invitation: dict[str, Any]) -> str:
    return str(invitation["link"].split("token=")[1])


def join(portal: Portal, account: str, roles: list[str], as_user: str = MANAGER) -> dict[str, Any]:
    email = new_email("joiner")
    inv = invite(portal, account, email, roles, as_user=as_user)
    r = portal.request("POST", f"/invitations/{token_of(inv)}/accept",
                       json={"password": PASSWORD, "name": "Jo Joiner"})
    assert r.status_code == 200, r.text
    return {**r.json(), "password": PASSWORD}


def contact(cloud: LocalCloud, email: str) -> str:
    return str(next(u["contact_id"] for u in cloud.users if u["email"] == email))


# -- profile ------------------------------------------------------------------------------
def test_me_shows_the_contact_and_memberships(portal: Portal) -> None:
    me = portal.get("/me", as_user="consultant@example.com").json()
    assert me["email"] == "consultant@example.com"
    assert me["account_id"] == NW
    assert me["roles"] == ["contact"]
    assert {(m["account_id"], tuple(m["roles"])) for m in me["memberships"]} == {
        (NW, ("contact",)), ("acc-contoso", ("account_manager",))}
    assert me["notification_preferences"]["cases"] == {"email": True, "digest": False}


def test_profile_edit_is_saved_and_audited(portal: Portal, cloud: LocalCloud) -> None:
    user = "billing@northwind.example"
    r = portal.request("PATCH", "/me", as_user=user, json={
        "name": "Bea B. Billing", "phone": "+358 40 765 4321", "language": "fi",
        "notification_preferences": {"invoices": {"email": False, "digest": False}}})
    assert r.status_code == 200, r.text
    me = portal.get("/me", as_user=user).json()
    assert (me["name"], me["phone"], me["language"]) == ("Bea B. Billing", "+358 40 765 4321",
                                                         "fi")
    assert me["notification_preferences"]["invoices"] == {"email": False, "digest": False}
    people = portal.get(f"/accounts/{NW}/contacts?limit=100", as_user=MANAGER).json()["items"]
    assert "Bea B. Billing" in {p["name"] for p in people}
    # Staff find her by her new name.
    found = portal.every("/people", as_user="agent@portico.example", q="BEA B. BILL")
    assert [p["email"] for p in found] == [user]

    trail = portal.get(f"/audit?entity=contact&id={contact(cloud, user)}",
                       as_user=ADMIN).json()["items"]
    assert trail[0]["action"] == "update"
    assert trail[0]["changes"]["language"] == {"before": "en", "after": "fi"}
    assert trail[0]["actor"] == {"contact_id": contact(cloud, user), "account_id": NW}
    assert trail[0]["request_id"]


@pytest.mark.parametrize("body", [
    {"roles": ["admin"]}, {"account_id": "acc-contoso"}, {"email": "x@example.com"},
    {"active": False}, {"name": "Ok", "roles": ["account_manager"]},
])
def test_mass_assignment_on_me_is_422_and_changes_nothing(portal: Portal,
                                                          body: dict[str, Any]) -> None:
    before = portal.get("/me", as_user=CONTACT).json()
    r = portal.request("PATCH", "/me", as_user=CONTACT, json=body)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"
    assert portal.get("/me", as_user=CONTACT).json() == before


@pytest.mark.parametrize("body", [
    {"language": "sv"}, {"phone": "call me maybe"}, {"name": ""}, {"name": "x" * 101},
    {"notification_preferences": {"cases": {"sms": True}}}, [1, 2],
])
def test_bad_profile_input_is_422(portal: Portal, body: Any) -> None:
    before = portal.get("/me", as_user=CONTACT).json()
    r = portal.request("PATCH", "/me", as_user=CONTACT, json=body)
    assert r.status_code == 422, r.text
    assert portal.get("/me", as_user=CONTACT).json() == before


def test_malformed_json_is_a_clear_error(portal: Portal) -> None:
    r = portal.request("PATCH", "/me", as_user=CONTACT, data="{not json",
                       headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422)
    assert "error" in r.json()


# -- invitations --------------------------------------------------------------------------
def test_invitation_end_to_end(portal: Portal, cloud: LocalCloud) -> None:
    email = new_email("colleague")
    inv = invite(portal, NW, email, ["contact"])
    assert inv["status"] == "pending"
    assert inv["email_sent"] is True
    assert inv["link"].startswith(cloud.url + "/invite/?token=")

    (message,) = mail_to(cloud, email)
    assert inv["link"] in message.body
    assert "Northwind Traders" in message.subject

    preview = portal.get(f"/invitations/{token_of(inv)}").json()
    assert preview == {"email": email, "account_name": "Northwind Traders",
                       "roles": ["contact"], "valid_until": inv["valid_until"]}

    r = portal.request("POST", f"/invitations/{token_of(inv)}/accept",
                       json={"password": PASSWORD, "name": "Cole League"})
    assert r.status_code == 200, r.text
    joined = r.json()
    assert joined["account_id"] == NW
    assert joined["email"] == email

    me = portal.get("/me", token=portal.tokens(email, PASSWORD)["AccessToken"]).json()
    assert me["id"] == joined["contact_id"]
    assert me["roles"] == ["contact"]
    assert me["name"] == "Cole League"
    listed = portal.get(f"/accounts/{NW}/invitations?limit=100", as_user=MANAGER).json()
    assert {i["id"]: i["status"] for i in listed["items"]}[inv["id"]] == "accepted"

    again = portal.request("POST", f"/invitations/{token_of(inv)}/accept",
                           json={"password": PASSWORD, "name": "Cole League"})
    assert again.status_code == 410
    assert "no longer valid" in again.json()["error"]["message"]
    assert portal.get(f"/invitations/{token_of(inv)}").status_code == 410


def test_invitation_events_reach_the_bus(portal: Portal, cloud: LocalCloud) -> None:
    email = new_email("evented")
    with listen(cloud, data={"email": [email]}) as listener:
        invite(portal, NW, email, ["billing"])
        invited = listener.collect()
    assert invited
    assert invited[0]["detail-type"] == "ContactInvited"
    assert "token" not in json.dumps(invited[0]), "the secret link never goes on the bus"


def test_invitation_mail_is_in_the_inviters_language(portal: Portal, cloud: LocalCloud) -> None:
    email = new_email("kutsuttu")
    invite(portal, "acc-contoso", email, ["contact"], as_user="manager@contoso.example")
    (message,) = mail_to(cloud, email)
    assert "kutsui" in message.subject


def test_expired_invitation_is_410(portal: Portal, cloud: LocalCloud) -> None:
    inv = invite(portal, NW, new_email("late"), ["contact"])
    cloud.client("dynamodb").update_item(
        TableName=cloud.resource("Table"),
        Key={"pk": {"S": f"ACCOUNT#{NW}"}, "sk": {"S": f"INVITATION#{inv['id']}"}},
        UpdateExpression="SET valid_until = :past",
        ExpressionAttributeValues={":past": {"S": "2020-01-01T00:00:00Z"}})
    r = portal.request("POST", f"/invitations/{token_of(inv)}/accept",
                       json={"password": PASSWORD, "name": "Late Comer"})
    assert r.status_code == 410
    assert "expired" in r.json()["error"]["message"]


def test_revoked_invitation_is_410(portal: Portal) -> None:
    inv = invite(portal, NW, new_email("revoked"), ["contact"])
    r = portal.request("DELETE", f"/accounts/{NW}/invitations/{inv['id']}", as_user=MANAGER)
    assert r.status_code == 204
    assert portal.get(f"/invitations/{token_of(inv)}").status_code == 410
    twice = portal.request("DELETE", f"/accounts/{NW}/invitations/{inv['id']}",
                           as_user=MANAGER)
    assert twice.status_code == 409


def test_resent_invitation_replaces_the_link(portal: Portal, cloud: LocalCloud) -> None:
    email = new_email("resent")
    first = invite(portal, NW, email, ["contact"])
    r = portal.request("POST", f"/accounts/{NW}/invitations/{first['id']}/resend",
                       as_user=MANAGER)
    assert r.status_code == 200
    second = r.json()
    assert token_of(second) != token_of(first)
    assert len(mail_to(cloud, email)) == 2
    assert portal.get(f"/invitations/{token_of(first)}").status_code == 410
    assert portal.get(f"/invitations/{token_of(second)}").status_code == 200


def test_unknown_token_is_410_without_detail(portal: Portal) -> None:
    r = portal.get("/invitations/not-a-real-token")
    assert r.status_code == 410
    assert "email" not in r.text


def test_a_second_pending_invitation_to_the_same_address_is_409(portal: Portal) -> None:
    email = new_email("twice")
    invite(portal, NW, email, ["contact"])
    r = portal.request("POST", f"/accounts/{NW}/invitations", as_user=MANAGER,
                       json={"email": email.upper(), "roles": ["billing"]})
    assert r.status_code == 409


@pytest.mark.parametrize(("account", "roles", "as_user", "status"), [
    (NW, ["admin"], MANAGER, 403),
    (NW, ["agent"], MANAGER, 403),
    (NW, ["partner"], MANAGER, 403),
    (NW, ["agent"], "agent@portico.example", 403),
    (NW, ["agent"], ADMIN, 403),  # staff roles belong to the operator's own account
    ("acc-portico", ["agent"], "agent@portico.example", 403),
    ("acc-portico", ["agent"], ADMIN, 201),
    (NW, ["billing", "contact"], "agent@portico.example", 201),
])
def test_who_may_give_which_roles(portal: Portal, account: str, roles: list[str],
                                  as_user: str, status: int) -> None:
    r = portal.request("POST", f"/accounts/{account}/invitations", as_user=as_user,
                       json={"email": new_email("roles"), "roles": roles})
    assert r.status_code == status, r.text


@pytest.mark.parametrize("body", [
    {"email": "not-an-address", "roles": ["contact"]}, {"email": "a@b.example", "roles": []},
    {"email": "a@b.example", "roles": ["king"]}, {"email": "a@b.example"},
    {"email": "a@b.example", "roles": ["contact"], "account_id": "acc-contoso"},
])
def test_bad_invitation_input_is_422(portal: Portal, body: dict[str, Any]) -> None:
    before = portal.get(f"/accounts/{NW}/invitations?limit=100", as_user=MANAGER).json()
    r = portal.request("POST", f"/accounts/{NW}/invitations", as_user=MANAGER, json=body)
    assert r.status_code == 422, r.text
    assert portal.get(f"/accounts/{NW}/invitations?limit=100", as_user=MANAGER).json() == before


def test_weak_password_is_refused_and_the_invitation_stays(portal: Portal,
                                                           cloud: LocalCloud) -> None:
    email = new_email("weak")
    inv = invite(portal, NW, email, ["contact"])
    r = portal.request("POST", f"/invitations/{token_of(inv)}/accept",
                       json={"password": "password1", "name": "Weak Ling"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "weak_password"
    idp = cloud.client("cognito-idp")
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_get_user(UserPoolId=cloud.resource("UserPool"), Username=email)
    assert portal.get(f"/invitations/{token_of(inv)}").status_code == 200


def test_existing_login_joins_with_its_own_password(portal: Portal) -> None:
    # A Northwind contact invited to Contoso too: the login stays one, now in two accounts.
    person = join(portal, NW, ["contact"])
    contoso = "manager@contoso.example"
    inv = invite(portal, "acc-contoso", person["email"], ["contact"], as_user=contoso)
    # The link's holder (the inviting account too) learns nothing about the login from it.
    assert "existing_login" not in portal.get(f"/invitations/{token_of(inv)}").json()
    wrong = portal.request("POST", f"/invitations/{token_of(inv)}/accept",
                           json={"password": "Not-The-Password-1!", "name": "Jo"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "existing_login"
    right = portal.request("POST", f"/invitations/{token_of(inv)}/accept",
                           json={"password": PASSWORD, "name": "Jo"})
    assert right.status_code == 200, right.text
    assert right.json()["contact_id"] == person["contact_id"]
    token = portal.tokens(person["email"], PASSWORD)["AccessToken"]
    there = portal.get("/me", token=token, headers={"X-Portico-Account": "acc-contoso"})
    assert there.status_code == 200
    assert there.json()["account_id"] == "acc-contoso"
    assert there.json()["roles"] == ["contact"]
    assert portal.get("/me", token=token).json()["account_id"] == NW
    already = portal.request("POST", "/accounts/acc-contoso/invitations", as_user=contoso,
                             json={"email": person["email"], "roles": ["contact"]})
    assert already.status_code == 409


# -- managing the account's people --------------------------------------------------------
def test_the_last_manager_cannot_be_locked_out(portal: Portal, fresh_account: str) -> None:
    first = join(portal, fresh_account, ["account_manager"], as_user=ADMIN)
    first_token = portal.tokens(first["email"], PASSWORD)["AccessToken"]
    path = f"/accounts/{fresh_account}/contacts/{first['contact_id']}"
    for body in ({"roles": ["contact"]}, {"active": False}):
        r = portal.request("PATCH", path, token=first_token, json=body)
        assert r.status_code == 409, r.text
        assert "last active account manager" in r.json()["error"]["message"]

    second = join(portal, fresh_account, ["account_manager"], as_user=ADMIN)
    second_token = portal.tokens(second["email"], PASSWORD)["AccessToken"]
    # Each tries to demote the other: the first succeeds, the second would leave none.
    assert portal.request("PATCH", path, token=second_token,
                          json={"roles": ["contact"]}).status_code == 200
    back = portal.request("PATCH", f"/accounts/{fresh_account}/contacts/{second['contact_id']}",
                          token=second_token, json={"active": False})
    assert back.status_code == 409
    people = portal.get(f"/accounts/{fresh_account}/contacts", as_user=ADMIN).json()["items"]
    assert [p["email"] for p in people if "account_manager" in p["roles"] and p["active"]] == [
        second["email"]]


def test_staff_may_remove_the_last_manager(portal: Portal, fresh_account: str) -> None:
    only = join(portal, fresh_account, ["account_manager"], as_user=ADMIN)
    r = portal.request("PATCH", f"/accounts/{fresh_account}/contacts/{only['contact_id']}",
                       as_user=ADMIN, json={"active": False})
    assert r.status_code == 200


def test_manager_cannot_raise_anyone_to_staff(portal: Portal, cloud: LocalCloud) -> None:
    path = f"/accounts/{NW}/contacts/{contact(cloud, CONTACT)}"
    for roles in (["admin"], ["agent"], ["partner"], ["contact", "admin"]):
        r = portal.request("PATCH", path, as_user=MANAGER, json={"roles": roles})
        assert r.status_code == 403, (roles, r.text)
    assert portal.get("/me", as_user=CONTACT).json()["roles"] == ["contact"]


def test_a_role_change_takes_effect_on_the_next_request(portal: Portal,
                                                        fresh_account: str) -> None:
    person = join(portal, fresh_account, ["contact"], as_user=ADMIN)
    token = portal.tokens(person["email"], PASSWORD)["AccessToken"]
    assert portal.get(f"/accounts/{fresh_account}/contacts", token=token).status_code == 403
    time.sleep(1.05 - time.time() % 1)  # tokens count whole seconds: this one is older
    r = portal.request("PATCH", f"/accounts/{fresh_account}/contacts/{person['contact_id']}",
                       as_user=ADMIN, json={"roles": ["account_manager"]})
    assert r.status_code == 200
    # The roles come from the contact record, not the token; and a role change ends the
    # sessions that began before it, so the old token stops working at once.
    assert portal.get(f"/accounts/{fresh_account}/contacts", token=token).status_code == 401
    portal.forget(person["email"])
    fresh = portal.tokens(person["email"], PASSWORD)["AccessToken"]
    assert portal.get(f"/accounts/{fresh_account}/contacts", token=fresh).status_code == 200


def test_membership_changes_are_audited(portal: Portal, fresh_account: str) -> None:
    person = join(portal, fresh_account, ["contact"], as_user=ADMIN)
    portal.request("PATCH", f"/accounts/{fresh_account}/contacts/{person['contact_id']}",
                   as_user=ADMIN, json={"roles": ["billing", "contact"]})
    trail = portal.get(f"/audit?account={fresh_account}", as_user=ADMIN).json()["items"]
    update = next(e for e in trail if e["action"] == "update" and e["entity"] == "membership")
    assert update["changes"] == {"roles": {"before": ["contact"],
                                           "after": ["billing", "contact"]}}
    assert {e["action"] for e in trail} >= {"create", "join", "update"}


def test_audit_by_record_shows_only_the_callers_account(portal: Portal, cloud: LocalCloud) -> None:
    entity_id = f"{NW}/{contact(cloud, 'billing@northwind.example')}"
    assert portal.get(f"/audit?entity=membership&id={entity_id}",
                      as_user=MANAGER).status_code == 200
    theirs = portal.get(f"/audit?entity=account&id={NW}",
                        as_user="manager@contoso.example").json()
    assert theirs["items"] == []


def test_no_route_writes_the_audit_trail(cloud: LocalCloud) -> None:
    assert {r.method for r in cloud.template.routes() if r.path.startswith("/audit")} == {"GET"}


# -- acting in an account -----------------------------------------------------------------
def test_consultant_acts_in_either_account_by_header(portal: Portal) -> None:
    who = "consultant@example.com"
    home = portal.get("/me", as_user=who).json()
    assert (home["account_id"], home["roles"]) == (NW, ["contact"])
    away = portal.get("/me", as_user=who, headers={"X-Portico-Account": "acc-contoso"}).json()
    assert (away["account_id"], away["roles"]) == ("acc-contoso", ["account_manager"])
    assert portal.get("/accounts/acc-contoso/contacts", as_user=who,
                      headers={"X-Portico-Account": "acc-contoso"}).status_code == 200
    # Acting as a Northwind contact, Contoso's people are out of sight.
    assert portal.get("/accounts/acc-contoso/contacts", as_user=who).status_code == 404


@pytest.mark.parametrize("account", ["acc-portico", "acc-fabrikam", "acc-nonexistent"])
def test_acting_in_an_account_you_do_not_belong_to_is_403(portal: Portal, account: str) -> None:
    r = portal.get(f"/accounts/{account}", as_user=CONTACT,
                   headers={"X-Portico-Account": account})
    assert r.status_code == 403
    assert account not in r.text or "member" in r.text
    assert "Portico Support" not in r.text
    assert "Fabrikam" not in r.text


def test_malformed_account_header_is_400(portal: Portal) -> None:
    r = portal.get("/me", as_user=CONTACT, headers={"X-Portico-Account": "../../etc"})
    assert r.status_code == 400


# -- lists --------------------------------------------------------------------------------
def test_contacts_page_through_without_gaps(portal: Portal, cloud: LocalCloud) -> None:
    seen: list[str] = []
    cursor = ""
    while True:
        page = portal.get(f"/accounts/{NW}/contacts?limit=2" + (f"&cursor={cursor}" if cursor
                                                                else ""),
                          as_user=MANAGER).json()
        assert len(page["items"]) <= 2
        seen += [p["id"] for p in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen))
    everyone = portal.get(f"/accounts/{NW}/contacts?limit=100", as_user=MANAGER).json()
    assert set(seen) == {p["id"] for p in everyone["items"]}
    assert contact(cloud, CONTACT) in seen


def test_bad_cursor_is_400(portal: Portal) -> None:
    assert portal.get(f"/accounts/{NW}/contacts?cursor=garbage!!",
                      as_user=MANAGER).status_code == 400
    foreign = portal.get("/accounts/acc-contoso/contacts?limit=1",
                         as_user="manager@contoso.example").json()["next_cursor"]
    assert foreign
    r = portal.get(f"/accounts/{NW}/contacts?cursor={foreign}", as_user=MANAGER)
    assert r.status_code == 400


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten"])
def test_bad_limit_is_422(portal: Portal, query: str) -> None:
    assert portal.get(f"/accounts/{NW}/contacts?{query}", as_user=MANAGER).status_code == 422


# -- staff's list of accounts ---------------------------------------------------------------
def test_staff_list_every_account_by_name_and_find_one(portal: Portal) -> None:
    listed = portal.every("/accounts", as_user="agent@portico.example", limit="7")
    names = [a["name"] for a in listed]
    assert names == sorted(names, key=str.casefold)
    assert len({a["id"] for a in listed}) == len(listed)
    assert {"acc-northwind", "acc-contoso", "acc-fabrikam", "acc-portico"} <= {
        a["id"] for a in listed}
    northwind = next(a for a in listed if a["id"] == NW)
    assert northwind["kind"] == "customer"
    assert set(northwind) == {"id", "number", "name", "kind", "tier", "status",
                              "partner_account_id"}
    # By a part of the name, any case, or by the number.
    for q in ("NORTHWIND", "wind trad", northwind["number"]):
        found = portal.get("/accounts", as_user=ADMIN, params={"q": q}).json()["items"]
        assert [a["id"] for a in found] == [NW], q
    assert portal.get("/accounts", as_user=ADMIN,
                      params={"q": "no such account"}).json()["items"] == []
    r = portal.get("/accounts", as_user=MANAGER)
    assert r.status_code == 403, r.text


def test_staff_find_people_across_accounts_with_their_accounts(portal: Portal) -> None:
    everyone = portal.every("/people", as_user="agent@portico.example", limit="5")
    assert len({p["id"] for p in everyone}) == len(everyone)
    by_email = {p["email"]: p for p in everyone}
    consultant = by_email["consultant@example.com"]
    assert {(a["account_name"], tuple(a["roles"])) for a in consultant["accounts"]} == {
        ("Northwind Traders", ("contact",)), ("Contoso Oy", ("account_manager",))}
    assert set(consultant) == {"id", "name", "email", "active", "accounts"}
    found = portal.every("/people", as_user=ADMIN, q="@CONTOSO.example")
    assert {p["email"] for p in found} >= {"manager@contoso.example", "contact@contoso.example"}
    assert all("@contoso.example" in p["email"] for p in found)
    assert portal.every("/people", as_user=ADMIN, q="nobody by this name") == []
    assert portal.get("/people", as_user=MANAGER).status_code == 403


@pytest.mark.parametrize("path", ["/accounts", "/people"])
@pytest.mark.parametrize(("query", "status"), [
    ("q=" + "x" * 101, 422), ("limit=0", 422), ("limit=101", 422), ("limit=null", 422),
    ("cursor=garbage!!", 400), ("q=%00%ff", 200), ("q=%22%27%3B--", 200)])
def test_bad_list_queries_of_staff(portal: Portal, path: str, query: str,
                                   status: int) -> None:
    r = portal.get(f"{path}?{query}", as_user=ADMIN)
    assert r.status_code == status, r.text
    if status >= 400:
        assert r.json()["error"]["code"]


def test_older_accounts_and_people_are_put_into_the_lists_once(
        portal: Portal, cloud: LocalCloud, fresh_account: str, tmp_path: Any) -> None:
    from portico.admin import main

    ddb = cloud.client("dynamodb")
    # As written before the lists.
    ddb.update_item(TableName=cloud.resource("Table"), Key={
        "pk": {"S": f"ACCOUNT#{fresh_account}"}, "sk": {"S": "ACCOUNT"}},
        UpdateExpression="REMOVE gsi2pk, gsi2sk, #search",
        ExpressionAttributeNames={"#search": "search"})
    ned = contact(cloud, "contact@contoso.example")
    ddb.update_item(TableName=cloud.resource("Table"), Key={
        "pk": {"S": f"CONTACT#{ned}"}, "sk": {"S": "CONTACT"}},
        UpdateExpression="REMOVE #search", ExpressionAttributeNames={"#search": "search"})

    def listed() -> bool:
        return fresh_account in {a["id"] for a in portal.every(
            "/accounts", as_user=ADMIN, q="fresh oy", limit="100")} and ned in {
            p["id"] for p in portal.every("/people", as_user=ADMIN, q="contact@contoso")}

    assert not listed()
    state = tmp_path / "local.json"
    state.write_text(json.dumps(cloud.info()))
    assert main(["migrate-list-keys", "--local", str(state)]) == 0
    assert listed()
    from portico.admin import migrate_list_keys

    with cloud.functions["IdentityFunction"].environment():
        seen, changed = migrate_list_keys()
    assert seen >= 5
    assert changed == 0


# -- operator bootstrap -------------------------------------------------------------------
def test_create_admin_bootstraps_an_admin(portal: Portal, cloud: LocalCloud,
                                          tmp_path: Any) -> None:
    import subprocess
    import sys

    state = tmp_path / "local.json"
    state.write_text(json.dumps(cloud.info()))
    email = new_email("boss")
    done = subprocess.run(
        [sys.executable, "-m", "portico.admin", "create-admin", "--email", email,
         "--local", str(state)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    link = done.stdout.split()[-1]
    assert link.startswith(cloud.url + "/invite/?token=")
    token = link.split("token=")[1]
    r = portal.request("POST", f"/invitations/{token}/accept",
                       json={"password": PASSWORD, "name": "Bo Boss"})
    assert r.status_code == 200, r.text
    me = portal.get("/me", token=portal.tokens(email, PASSWORD)["AccessToken"]).json()
    assert me["roles"] == ["admin"]
    assert me["memberships"][0]["account_kind"] == "operator"
    # An admin may read any account.
    assert portal.get("/accounts/acc-contoso",
                      token=portal.tokens(email, PASSWORD)["AccessToken"]).status_code == 200


def test_a_login_without_a_contact_is_403(portal: Portal, cloud: LocalCloud) -> None:
    idp = cloud.client("cognito-idp")
    email = new_email("stray")
    idp.admin_create_user(UserPoolId=cloud.resource("UserPool"), Username=email,
                          MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email}])
    idp.admin_set_user_password(UserPoolId=cloud.resource("UserPool"), Username=email,
                                Password=PASSWORD, Permanent=True)
    r = portal.get("/me", token=portal.tokens(email, PASSWORD)["AccessToken"])
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"


# -- the site's needs ---------------------------------------------------------------------
def test_a_partner_is_told_the_accounts_it_serves_by_name(portal: Portal) -> None:
    served = portal.get("/me", as_user="partner@fabrikam.example").json()["served_accounts"]
    assert {"account_id": "acc-northwind", "account_name": "Northwind Traders"} in served
    assert all(a["account_id"] not in ("acc-fabrikam", "acc-contoso") for a in served)
    # Nobody else serves an account: their list is empty, never null.
    for user in (CONTACT, MANAGER, "agent@portico.example"):
        assert portal.get("/me", as_user=user).json()["served_accounts"] == []


def test_dashboard_layout_is_kept_on_the_contact(portal: Portal) -> None:
    user = "partner@fabrikam.example"
    layout = {"widgets": [{"id": "announcements", "hidden": False},
                          {"id": "cases", "hidden": True}]}
    r = portal.request("PATCH", "/me", as_user=user, json={"dashboard": layout})
    assert r.status_code == 200, r.text
    assert portal.get("/me", as_user=user).json()["dashboard"] == layout


@pytest.mark.parametrize("layout", [
    {"widgets": [{"id": "cases"}, {"id": "cases"}]},
    {"widgets": [{"id": "weather"}]},
    {"widgets": [{"id": "cases", "hidden": "maybe"}]},
    {"columns": 3},
])
def test_bad_dashboard_layout_is_422(portal: Portal, layout: dict[str, Any]) -> None:
    before = portal.get("/me", as_user=CONTACT).json()
    r = portal.request("PATCH", "/me", as_user=CONTACT, json={"dashboard": layout})
    assert r.status_code == 422, r.text
    assert portal.get("/me", as_user=CONTACT).json() == before


@pytest.mark.parametrize(("user", "sections"), [
    (CONTACT, ["dashboard", "cases", "kb", "bookings", "notifications", "profile"]),
    ("billing@northwind.example", ["dashboard", "cases", "kb", "invoices", "notifications",
                                   "profile"]),
    ("partner@fabrikam.example", ["dashboard", "cases", "kb", "notifications", "profile"]),
    (MANAGER, ["dashboard", "cases", "kb", "invoices", "bookings", "notifications", "account",
               "profile"]),
])
def test_me_lists_the_sections_the_access_table_opens(portal: Portal, user: str,
                                                      sections: list[str]) -> None:
    assert portal.get("/me", as_user=user).json()["sections"] == sections


def test_account_tells_what_the_caller_may_do(portal: Portal) -> None:
    manager = portal.get(f"/accounts/{NW}", as_user=MANAGER).json()["can"]
    assert manager == {"manage_people": True, "invite": True,
                       "roles": ["account_manager", "billing", "contact"]}
    agent = portal.get(f"/accounts/{NW}", as_user="agent@portico.example").json()["can"]
    assert agent["manage_people"] is False
    assert agent["invite"] is True
    contact_view = portal.get(f"/accounts/{NW}", as_user=CONTACT).json()["can"]
    assert contact_view["manage_people"] is False
    assert contact_view["invite"] is False


@pytest.mark.parametrize("query", ["limit=0", "limit=500", "entity=" + "x" * 41])
def test_bad_audit_query_is_422(portal: Portal, query: str) -> None:
    assert portal.get(f"/audit?{query}", as_user=ADMIN).status_code == 422


def test_audit_record_query_needs_both_entity_and_id(portal: Portal) -> None:
    r = portal.get("/audit?entity=account", as_user=ADMIN)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_request"
