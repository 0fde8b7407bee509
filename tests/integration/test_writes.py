"""The unit of work and what rides on it, through the local cloud: conflicts that carry the
current version, rate limits that hold across functions, revocation of old tokens, what a
CC'd colleague may do, what the audit trail shows a manager, and the routing workflow's
refusal of a reused event id."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

import pytest

from infra.local import LocalCloud
from portico import change, clock, keys, limits, mail, store
from portico.access import Owner, Privilege
from portico.errors import Conflict, TooManyRequests
from portico.events import SYSTEM, Event
from portico.principal import resolve
from tests.conftest import Portal
from tests.integration.test_cases import open_case
from tests.integration.test_identity import PASSWORD, invite, join, new_email

CONTACT = "contact@northwind.example"
COLLEAGUE = "consultant@example.com"  # also a contact of Northwind
MANAGER = "manager@northwind.example"
AGENT = "agent@portico.example"
ADMIN = "admin@portico.example"
NW = "acc-northwind"


def contact_id(cloud: LocalCloud, email: str) -> str:
    return str(next(u["contact_id"] for u in cloud.users if u["email"] == email))


def next_second() -> None:
    """Tokens carry whole seconds, and one of the revocation's own second counts as newer:
    a test's token must be from an earlier second to be refused."""
    time.sleep(1.05 - time.time() % 1)


# -- the unit of work ----------------------------------------------------------------------
def test_a_change_that_lost_the_race_is_409_with_the_current_version(
        portal: Portal, cloud: LocalCloud) -> None:
    case = open_case(portal)
    stale = case["version"]
    # Someone else moves the case on between our read and our commit.
    moved = portal.request("PATCH", f"/cases/{case['id']}", as_user=AGENT,
                           json={"version": stale, "priority": "high"})
    assert moved.status_code == 200
    with cloud.functions["CasesFunction"].environment():
        agent = resolve(contact_id(cloud, AGENT))
        c = change.by(agent, "case", case["id"], Owner(NW, case["requester_id"]),
                      Privilege.UPDATE)
        c.update(keys.case(case["id"]), version=stale, set_={"priority": "low"})
        c.audit("update", {"priority": {"before": "normal", "after": "low"}})
        c.event("CaseUpdated", {"case_id": case["id"], "fields": ["priority"]})
        with pytest.raises(Conflict) as raised:
            c.commit()
        assert raised.value.details == {"current_version": stale + 1}
        # Nothing of the losing change was written: no audit entry, no event.
        assert store.get(keys.case(case["id"]))["priority"] == "high"  # type: ignore[index]


def test_a_change_without_its_audit_entry_or_event_is_not_committed(cloud: LocalCloud) -> None:
    with cloud.functions["CasesFunction"].environment():
        c = change.system("case", "x", Owner(NW), request_id="test")
        c.put({**keys.case(uuid.uuid4().hex), "type": "Case"})
        with pytest.raises(ValueError, match="audit"):
            c.commit()


def test_a_change_for_a_principal_asks_the_access_table(cloud: LocalCloud) -> None:
    with cloud.functions["CasesFunction"].environment():
        customer = resolve(contact_id(cloud, CONTACT))
        with pytest.raises(Exception, match="No such case"):
            change.by(customer, "case", "x", Owner("acc-contoso", "someone"),
                      Privilege.UPDATE)


def test_the_audit_entry_names_the_request_and_the_acting_account(portal: Portal) -> None:
    r = portal.request("PATCH", "/me", as_user=COLLEAGUE, headers={"X-Portico-Account": NW},
                       json={"language": "fi"})
    assert r.status_code == 200
    portal.request("PATCH", "/me", as_user=COLLEAGUE, json={"language": "en"})
    me = r.json()["id"]
    trail = portal.get(f"/audit?entity=contact&id={me}", as_user=ADMIN).json()["items"]
    entry = next(e for e in trail if e["changes"].get("language", {}).get("after") == "fi")
    assert entry["actor"] == {"contact_id": me, "account_id": NW}
    assert entry["request_id"]


def test_staff_cannot_open_a_case_for_an_account_that_does_not_exist(portal: Portal) -> None:
    r = portal.request("POST", "/cases", as_user=AGENT, json={
        "subject": "Ghost", "description": "No such customer.", "category": "general",
        "account_id": "acc-does-not-exist"})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_case_numbers_come_in_blocks_and_never_repeat(cloud: LocalCloud) -> None:
    with cloud.functions["CasesFunction"].environment():
        mine = [store.next_number("test-numbers") for _ in range(25)]
        # Another function instance: a pool of its own, reserved from the same counter.
        store._blocks.ranges.clear()
        theirs = [store.next_number("test-numbers") for _ in range(3)]
        counter = store.get({"pk": "COUNTER#test-numbers", "sk": "COUNTER"})
    assert mine == list(range(1, 26))
    assert theirs == [41, 42, 43]  # the first instance still holds 26..40
    assert counter is not None
    assert counter["value"] == 60  # three blocks of 20: one counter write per 20 numbers


# -- rate limits ---------------------------------------------------------------------------
def test_invitation_mail_to_one_address_is_limited(portal: Portal, cloud: LocalCloud) -> None:
    email = new_email("flood")
    first = invite(portal, NW, email, ["contact"])
    most = int(cloud.functions["IdentityFunction"].env["INVITATIONS_PER_ADDRESS_HOUR"])
    for _ in range(most - 1):
        r = portal.request("POST", f"/accounts/{NW}/invitations/{first['id']}/resend",
                           as_user=MANAGER)
        assert r.status_code == 200, r.text
    r = portal.request("POST", f"/accounts/{NW}/invitations/{first['id']}/resend",
                       as_user=MANAGER)
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 3600
    assert r.json()["error"]["code"] == "too_many_requests"
    # Another account inviting the same address is held by the same per-address limit.
    other = portal.request("POST", "/accounts/acc-contoso/invitations",
                           as_user="manager@contoso.example",
                           json={"email": email, "roles": ["contact"]})
    assert other.status_code == 429


def test_invitation_mail_from_one_account_is_limited(portal: Portal, cloud: LocalCloud,
                                                     fresh_account: str) -> None:
    identity = cloud.functions["IdentityFunction"]
    saved = identity.env["INVITATIONS_PER_ACCOUNT_HOUR"]
    identity.env["INVITATIONS_PER_ACCOUNT_HOUR"] = "3"
    try:
        sent = [portal.request("POST", f"/accounts/{fresh_account}/invitations",
                               as_user=ADMIN, json={"email": new_email("many"),
                                                    "roles": ["contact"]}).status_code
                for _ in range(4)]
    finally:
        identity.env["INVITATIONS_PER_ACCOUNT_HOUR"] = saved
    assert sent == [201, 201, 201, 429]


def test_a_limit_holds_across_functions_and_expires(cloud: LocalCloud) -> None:
    limit = limits.Limit("test", 2, 3600, "tests")
    who = uuid.uuid4().hex
    with cloud.functions["IdentityFunction"].environment():
        limits.take(limit, who)
    with cloud.functions["CasesFunction"].environment():
        limits.take(limit, who)
        with pytest.raises(TooManyRequests) as raised:
            limits.take(limit, who)
        assert 1 <= raised.value.retry_after <= 3600
        start = int(time.time() // 3600) * 3600
        item = store.get(keys.rate_limit("test", who, start))
        assert item is not None
        assert item["expires_at"] == start + 3600 + 60
        # The next window starts afresh.
        limits.take(limit, who, now=start + 3600 + 1)


# -- revocation ----------------------------------------------------------------------------
def test_sign_out_everywhere_ends_the_old_tokens(portal: Portal, cloud: LocalCloud) -> None:
    person = join(portal, NW, ["contact"])
    signed_in = cloud.client("cognito-idp").initiate_auth(
        ClientId=cloud.resource("UserPoolClient"), AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": person["email"], "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    old = signed_in["AccessToken"]
    assert portal.get("/cases", token=old).status_code == 200
    next_second()
    out = portal.request("POST", "/me/sign-out", token=old)
    assert out.status_code == 204
    assert out.headers["Cache-Control"] == "no-store"
    gone = time.monotonic()
    for path in ("/me", "/cases"):  # two functions, one answer
        r = portal.get(path, token=old)
        assert r.status_code == 401, r.text
    window = time.monotonic() - gone
    assert window < 60
    # The refresh token is revoked at Cognito, so no new access token comes from it.
    idp = cloud.client("cognito-idp")
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.initiate_auth(ClientId=cloud.resource("UserPoolClient"),
                          AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": signed_in["RefreshToken"]})
    # Signing in again works at once.
    fresh = idp.initiate_auth(ClientId=cloud.resource("UserPoolClient"),
                              AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": person["email"],
                                              "PASSWORD": PASSWORD})["AuthenticationResult"]
    assert portal.get("/me", token=fresh["AccessToken"]).status_code == 200


def test_a_disable_ends_the_old_tokens(portal: Portal, cloud: LocalCloud) -> None:
    person = join(portal, NW, ["contact"])
    token = portal.tokens(person["email"], PASSWORD)["AccessToken"]
    assert portal.get("/me", token=token).status_code == 200
    next_second()
    off = portal.request("PATCH", f"/accounts/{NW}/contacts/{person['contact_id']}",
                         as_user=MANAGER, json={"active": False})
    assert off.status_code == 200
    assert portal.get("/cases", token=token).status_code == 401


# -- what a CC'd colleague may do ----------------------------------------------------------
@pytest.fixture
def shared_case(portal: Portal, cloud: LocalCloud) -> dict[str, Any]:
    colleague = contact_id(cloud, COLLEAGUE)
    case = open_case(portal, cc=[colleague])
    assert case["cc"] == [colleague]
    return case


def test_a_cc_follows_and_joins_the_thread(portal: Portal, shared_case: dict[str, Any]) -> None:
    path = f"/cases/{shared_case['id']}"
    acting = {"X-Portico-Account": NW}
    assert portal.get(path, as_user=COLLEAGUE, headers=acting).status_code == 200
    said = portal.request("POST", f"{path}/comments", json={"body": "Same here."},
                          as_user=COLLEAGUE, headers=acting)
    assert said.status_code == 201, said.text


@pytest.mark.parametrize("patch", [{"status": "closed"}, {"cc": []}])
def test_a_cc_cannot_run_someone_elses_case(portal: Portal, shared_case: dict[str, Any],
                                            patch: dict[str, Any]) -> None:
    path = f"/cases/{shared_case['id']}"
    acting = {"X-Portico-Account": NW}
    current = portal.get(path, as_user=COLLEAGUE, headers=acting).json()
    r = portal.request("PATCH", path, json={"version": current["version"], **patch},
                       as_user=COLLEAGUE, headers=acting)
    assert r.status_code == 403
    after = portal.get(path, as_user=CONTACT).json()
    assert (after["status"], after["cc"]) == (current["status"], current["cc"])


def test_a_cc_cannot_rate(portal: Portal, shared_case: dict[str, Any]) -> None:
    path = f"/cases/{shared_case['id']}"
    done = portal.request("PATCH", path, as_user=ADMIN,
                          json={"version": shared_case["version"], "status": "resolved"})
    assert done.status_code == 200
    r = portal.request("POST", f"{path}/satisfaction", as_user=COLLEAGUE,
                       headers={"X-Portico-Account": NW}, json={"rating": 1})
    assert r.status_code == 403


# -- the audit trail shows what the reader may read ----------------------------------------
def test_a_manager_does_not_see_a_colleagues_phone_in_the_audit(portal: Portal,
                                                                cloud: LocalCloud) -> None:
    phone = f"+358 40 {uuid.uuid4().int % 10_000_000:07d}"
    r = portal.request("PATCH", "/me", as_user=CONTACT, json={"phone": phone, "name": "Ned N"})
    assert r.status_code == 200
    portal.request("PATCH", "/me", as_user=CONTACT, json={"name": "Ned Northwind"})
    me = contact_id(cloud, CONTACT)

    def entry(as_user: str) -> dict[str, Any]:
        trail = portal.get(f"/audit?account={NW}&limit=100", as_user=as_user).json()["items"]
        return next(e for e in trail if e["entity_id"] == me
                    and e["changes"].get("name", {}).get("after") == "Ned N")

    seen = entry(MANAGER)
    assert "phone" not in seen["changes"]
    assert phone not in json.dumps(seen)
    assert entry(ADMIN)["changes"]["phone"]["after"] == phone


# -- the routing workflow ------------------------------------------------------------------
def test_a_reused_event_id_with_another_case_is_an_error(portal: Portal,
                                                         cloud: LocalCloud) -> None:
    first, second, third = open_case(portal), open_case(portal), open_case(portal)
    event_id = uuid.uuid4().hex

    def record(case_id: str, event_id: str = event_id) -> dict[str, Any]:
        envelope = Event(id=event_id, type="CaseCreated", actor=SYSTEM,
                         account_id=NW, data={"case_id": case_id})
        body = {"version": "0", "id": uuid.uuid4().hex, "detail-type": "CaseCreated",
                "source": "portico", "time": clock.stamp(), "region": cloud.region,
                "resources": [], "detail": json.loads(envelope.to_json())}
        return {"messageId": uuid.uuid4().hex, "receiptHandle": "r", "body": json.dumps(body),
                "attributes": {}, "messageAttributes": {}, "md5OfBody": "",
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:::q",
                "awsRegion": cloud.region}

    workflows = cloud.functions["WorkflowsFunction"]
    once = record(first["id"])
    assert workflows.invoke({"Records": [once]}) == {"batchItemFailures": []}
    assert workflows.invoke({"Records": [once]}) == {"batchItemFailures": []}  # a redelivery
    # Only the impostor fails (to be retried, then parked on the DLQ); its neighbour is done.
    other, fine = record(second["id"]), record(third["id"], uuid.uuid4().hex)
    assert workflows.invoke({"Records": [other, fine]}) == {
        "batchItemFailures": [{"itemIdentifier": other["messageId"]}]}


# -- mail that fails -----------------------------------------------------------------------
def test_a_refused_invitation_mail_is_said_and_logged(portal: Portal, cloud: LocalCloud
                                                      ) -> None:
    ses = cloud.client("ses")
    sender = cloud.template.parameters["MailFrom"]
    seen: list[logging.LogRecord] = []

    class Seen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    handler = Seen()
    mail.logger.addHandler(handler)
    ses.delete_identity(Identity=sender)  # SES now refuses: MessageRejected
    try:
        r = portal.request("POST", f"/accounts/{NW}/invitations", as_user=MANAGER,
                           json={"email": new_email("unsent"), "roles": ["contact"]})
    finally:
        ses.verify_email_identity(EmailAddress=sender)
        mail.logger.handlers.remove(handler)
    assert r.status_code == 201  # the invitation stands ...
    assert r.json()["email_sent"] is False  # ... the answer says the mail did not go ...
    assert "/invite/?token=" in r.json()["link"]  # ... and carries the link to share
    (record,) = [x for x in seen if x.getMessage() == "mail not sent"]
    assert record.levelno == logging.ERROR
    assert record.__dict__["reason"] == "MessageRejected"
    assert "unsent-" not in json.dumps({k: str(v) for k, v in record.__dict__.items()})
