"""Notifications end to end: who hears of each event (an internal note never reaches a
customer), in their language and by the channels they chose, once however often the event
is delivered; the inbox routes; unsubscribing from a mail; the daily digest; SES refusing
mail for a while and for good; the dead-letter queue and its redrive."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.ses.models import ses_backends

from infra.local import ACCOUNT_ID, LocalCloud
from tests.conftest import Portal, wait_for
from tests.integration.test_cases import open_case, patch

NED = "contact@northwind.example"
NORA = "manager@northwind.example"
BEA = "billing@northwind.example"
KALLE = "contact@contoso.example"  # Finnish
KAISA = "manager@contoso.example"  # Finnish
AGENT = "agent@portico.example"
ADMIN = "admin@portico.example"


def contact_id(cloud: LocalCloud, email: str) -> str:
    return str(next(u["contact_id"] for u in cloud.users if u["email"] == email))


def inbox(portal: Portal, user: str, **params: Any) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    r = portal.get(f"/notifications?limit=100&{query}", as_user=user)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def about(portal: Portal, user: str, needle: str) -> list[dict[str, Any]]:
    return [n for n in inbox(portal, user) if needle in n["title"] + n["body"] + n["link"]]


def summary(portal: Portal, user: str) -> dict[str, Any]:
    r = portal.get("/notifications/summary", as_user=user)
    assert r.status_code == 200, r.text
    return dict(r.json())


def mails(cloud: LocalCloud, to: str, needle: str) -> list[Any]:
    outbox = ses_backends[ACCOUNT_ID][cloud.region]
    return [m for m in outbox.sent_messages if to in m.destinations["ToAddresses"]
            and needle in (m.subject + m.body)]


def set_preferences(portal: Portal, user: str, section: str, **channel: bool) -> None:
    me = portal.get("/me", as_user=user).json()
    prefs = me["notification_preferences"]
    prefs[section] = {**prefs[section], **channel}
    r = portal.request("PATCH", "/me", as_user=user, json={"notification_preferences": prefs})
    assert r.status_code == 200, r.text


@pytest.fixture
def quiet_cases(portal: Portal) -> Iterator[None]:
    """Ned's case mail back on at once after a test that changed it."""
    yield
    set_preferences(portal, NED, "cases", email=True, digest=False)


# -- who hears of what ----------------------------------------------------------------------
def test_an_agent_reply_reaches_the_requester_and_the_cc_not_the_author(
        portal: Portal, cloud: LocalCloud) -> None:
    case = open_case(portal, NED, cc=[contact_id(cloud, NORA)])
    before = summary(portal, NED)["sections"]["cases"]
    r = portal.request("POST", f"/cases/{case['id']}/comments", as_user=AGENT,
                       json={"body": "We are on it: a new drum is on its way."})
    assert r.status_code == 201, r.text
    mine = wait_for(lambda: about(portal, NED, case["number"]) or None)
    assert mine[0]["section"] == "cases" and not mine[0]["read"]  # noqa: PT018
    assert "a new drum" in mine[0]["body"]
    assert mine[0]["link"] == f"/cases/view/?id={case['id']}"
    assert summary(portal, NED)["sections"]["cases"] >= before + 1
    wait_for(lambda: about(portal, NORA, case["number"]) or None)
    assert not about(portal, AGENT, case["number"])  # the author is not told
    sent = wait_for(lambda: mails(cloud, NED, case["number"]) or None)
    assert len(sent) == 1
    assert "/unsubscribe/?token=" in sent[0].body


def test_a_customer_reply_reaches_the_assignee(portal: Portal, cloud: LocalCloud) -> None:
    case = open_case(portal, NED)
    assert patch(portal, case, assignee=contact_id(cloud, AGENT)).status_code == 200
    portal.request("POST", f"/cases/{case['id']}/comments", as_user=NED,
                   json={"body": "Still broken this morning."})
    got = wait_for(lambda: [n for n in about(portal, AGENT, case["number"])
                            if n["type"] == "CaseCommented"] or None)
    assert "Still broken" in got[0]["body"]


def test_an_internal_note_never_reaches_a_customer(portal: Portal, cloud: LocalCloud) -> None:
    case = open_case(portal, NED, cc=[contact_id(cloud, NORA)])
    assert patch(portal, case, assignee=contact_id(cloud, AGENT)).status_code == 200
    secret = f"internal-{uuid.uuid4().hex[:8]}"
    r = portal.request("POST", f"/cases/{case['id']}/comments", as_user=ADMIN,
                       json={"body": f"Customer is on the old plan {secret}", "internal": True})
    assert r.status_code == 201, r.text
    note = wait_for(lambda: [n for n in about(portal, AGENT, case["number"])
                             if n["type"] == "CaseNoteAdded"] or None)
    assert secret not in json.dumps(note)  # the note's words stay in the case
    time.sleep(1)
    for customer in (NED, NORA):
        assert not [n for n in about(portal, customer, case["number"])
                    if n["type"] == "CaseNoteAdded"]
        assert not mails(cloud, customer, secret)


def test_a_status_change_speaks_the_reader_s_language(portal: Portal,
                                                      cloud: LocalCloud) -> None:
    case = open_case(portal, KALLE)
    assert patch(portal, case, status="in_progress").status_code == 200
    got = wait_for(lambda: [n for n in about(portal, KALLE, case["number"])
                            if n["type"] == "CaseStatusChanged"] or None)
    assert got[0]["title"] == f"{case['number']}: työn alla"
    sent = wait_for(lambda: mails(cloud, KALLE, "työn alla") or None)
    assert "Hei" in sent[0].body


def test_an_invoice_reaches_those_who_may_read_invoices(portal: Portal,
                                                        cloud: LocalCloud) -> None:
    from tests.integration.test_invoices import issued, new_number, put

    number = new_number()
    put(cloud, "InvoiceIssued", issued(number))
    for reader in (BEA, NORA):
        got = wait_for(lambda r=reader: about(portal, r, number) or None)
        assert got[0]["section"] == "invoices"
        assert got[0]["link"] == f"/invoices/view/?id={number}"
    # In the reader's language (another test may have made Bea's Finnish).
    assert re.search(r"75[.,]26 EUR", about(portal, BEA, number)[0]["body"])
    time.sleep(1)
    assert not about(portal, NED, number)  # a plain contact reads no invoices


# -- channels -------------------------------------------------------------------------------
def test_mail_off_still_notifies_in_the_portal(portal: Portal, cloud: LocalCloud,
                                               quiet_cases: None) -> None:
    set_preferences(portal, NED, "cases", email=False)
    case = open_case(portal, NED)
    portal.request("POST", f"/cases/{case['id']}/comments", as_user=AGENT,
                   json={"body": "Quiet reply."})
    wait_for(lambda: about(portal, NED, case["number"]) or None)
    time.sleep(1)
    assert not mails(cloud, NED, case["number"])


def test_a_digest_reader_gets_one_mail_the_next_day(portal: Portal, cloud: LocalCloud,
                                                    quiet_cases: None) -> None:
    set_preferences(portal, NED, "cases", email=True, digest=True)
    case = open_case(portal, NED)
    for text in ("First reply.", "Second reply."):
        portal.request("POST", f"/cases/{case['id']}/comments", as_user=AGENT,
                       json={"body": text})
    wait_for(lambda: len(about(portal, NED, case["number"])) >= 2 or None)
    time.sleep(0.5)
    assert not mails(cloud, NED, case["number"])
    from portico.notifications import digest

    fn = cloud.functions["NotificationDigestFunction"]
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with fn.environment():
        first = digest.run(today=tomorrow, request_id="t", site="http://portal")
        second = digest.run(today=tomorrow, request_id="t2", site="http://portal")
    assert first["sent"] >= 1 and second["sent"] == 0  # noqa: PT018
    sent = mails(cloud, NED, case["number"])
    assert len(sent) == 1
    assert "First reply" in sent[0].body and "Second reply" in sent[0].body  # noqa: PT018


def test_the_unsubscribe_link_turns_that_mail_off_without_signing_in(
        portal: Portal, cloud: LocalCloud, quiet_cases: None) -> None:
    case = open_case(portal, NED)
    portal.request("POST", f"/cases/{case['id']}/comments", as_user=AGENT,
                   json={"body": "A reply with a link."})
    sent = wait_for(lambda: mails(cloud, NED, case["number"]) or None)
    token = re.search(r"unsubscribe/\?token=([A-Za-z0-9_-]+)", sent[0].body)
    assert token
    r = portal.request("POST", "/notifications/unsubscribe", json={"token": token.group(1)})
    assert r.status_code == 200, r.text
    assert r.json() == {"section": "cases", "email": False}
    prefs = portal.get("/me", as_user=NED).json()["notification_preferences"]
    assert prefs["cases"]["email"] is False and prefs["invoices"]["email"] is True  # noqa: PT018
    for bad in ({"token": "x" * 30}, {"token": None}, {"token": 5}, {}, {"token": "a b"}):
        r = portal.request("POST", "/notifications/unsubscribe", json=bad)
        assert r.status_code in (404, 422), r.text
        assert set(r.json()) == {"error"}


# -- once -------------------------------------------------------------------------------------
def _comment_event(cloud: LocalCloud, case: dict[str, Any], author: str) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "type": "CaseCommented", "version": 1,
            "occurred_at": datetime.now(UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "actor": {"type": "contact", "id": contact_id(cloud, author)},
            "account_id": case["account_id"],
            "data": {"case_id": case["id"], "number": case["number"],
                     "comment_id": uuid.uuid4().hex, "internal": False,
                     "author_id": contact_id(cloud, author), "by_staff": True,
                     "body": f"Delivered twice. {uuid.uuid4().hex[:8]}"}}


def _record(event: dict[str, Any], receive_count: int = 1) -> dict[str, Any]:
    return {"messageId": uuid.uuid4().hex, "receiptHandle": uuid.uuid4().hex,
            "body": json.dumps({"detail-type": event["type"], "source": "portico",
                                "detail": event}),
            "attributes": {"ApproximateReceiveCount": str(receive_count)},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:x",
            "awsRegion": "eu-west-1"}


def test_an_event_delivered_twice_is_stored_and_mailed_once(portal: Portal,
                                                            cloud: LocalCloud) -> None:
    case = open_case(portal, NED)
    event = _comment_event(cloud, case, AGENT)
    fn = cloud.functions["NotifierFunction"]
    first = fn.invoke({"Records": [_record(event), _record(event)]})
    assert first == {"batchItemFailures": []}
    # Past Powertools' memory of the event id too: the table itself says it was done.
    from portico.notifications import notifier

    with fn.environment():
        again = notifier.handle(event)
    assert again.stored == 0 and again.mailed == 0  # noqa: PT018
    tag = event["data"]["body"].split()[-1]
    assert len(about(portal, NED, tag)) == 1
    assert len(mails(cloud, NED, tag)) == 1


# -- delivery safety --------------------------------------------------------------------------
def _refusing(code: str) -> Any:
    def send(*_: Any, **__: Any) -> str:
        raise ClientError({"Error": {"Code": code, "Message": "refused for the test"}},
                          "SendEmail")
    return send


def test_throttled_mail_is_retried_and_sent_once(portal: Portal, cloud: LocalCloud,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from portico import mail
    from portico.notifications import notifier

    case = open_case(portal, NED)
    event = _comment_event(cloud, case, AGENT)
    fn = cloud.functions["NotifierFunction"]
    real = mail.send
    monkeypatch.setattr(mail, "send", _refusing("Throttling"))
    with fn.environment(), pytest.raises(notifier.MailLater):
        notifier.handle(event)
    # Stored already: the reader sees it in the portal while the mail waits.
    tag = event["data"]["body"].split()[-1]
    assert about(portal, NED, tag)
    assert not mails(cloud, NED, tag)
    monkeypatch.setattr(mail, "send", real)
    with fn.environment():
        done = notifier.handle(event)
    assert (done.stored, done.mailed) == (0, 1)
    assert len(mails(cloud, NED, tag)) == 1


def test_a_rejected_address_is_not_retried(portal: Portal, cloud: LocalCloud,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from portico import mail
    from portico.notifications import notifier

    case = open_case(portal, NED)
    event = _comment_event(cloud, case, AGENT)
    monkeypatch.setattr(mail, "send", _refusing("MessageRejected"))
    with cloud.functions["NotifierFunction"].environment():
        done = notifier.handle(event)
        again = notifier.handle(event)
    assert (done.stored, done.failed) == (1, 1)
    assert (again.stored, again.failed, again.mailed) == (0, 0, 0)


def _parked(cloud: LocalCloud, needle: str) -> dict[str, Any] | None:
    sqs, url = cloud.client("sqs"), cloud.resource("NotificationDeadLetterQueue")
    for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                 MessageAttributeNames=["All"]).get("Messages", []):
        if needle in m["Body"]:
            return dict(m)
    return None


def test_the_last_failed_try_parks_the_event_with_its_reason_and_redrive_replays_it(
        portal: Portal, cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Any) -> None:
    from portico import mail

    case = open_case(portal, NED)
    event = _comment_event(cloud, case, AGENT)
    poison = {"messageId": "p", "receiptHandle": "p", "body": "{not json",
              "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
              "md5OfBody": "", "eventSource": "aws:sqs", "awsRegion": "eu-west-1",
              "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:x"}
    monkeypatch.setattr(mail, "send", _refusing("Throttling"))
    result = cloud.functions["NotifierFunction"].invoke(
        {"Records": [poison, _record(event, receive_count=5)]})
    # Neither holds the batch: the unreadable one and the one out of tries are parked.
    assert result == {"batchItemFailures": []}
    parked = wait_for(lambda: _parked(cloud, event["id"]))
    assert "gave up after 5 tries" in parked["MessageAttributes"]["reason"]["StringValue"]
    assert _parked(cloud, "{not json") is not None
    monkeypatch.undo()
    state = tmp_path / "local.json"
    state.write_text(json.dumps(cloud.info()))
    from portico.notifications.__main__ import main

    assert main(["redrive", "--local", str(state)]) == 0
    tag = event["data"]["body"].split()[-1]
    wait_for(lambda: mails(cloud, NED, tag) or None, timeout=20)


# -- the inbox routes ---------------------------------------------------------------------------
def test_read_one_read_all_and_the_counts(portal: Portal, cloud: LocalCloud) -> None:
    case = open_case(portal, KAISA)
    for text in ("One.", "Two.", "Three."):
        portal.request("POST", f"/cases/{case['id']}/comments", as_user=AGENT,
                       json={"body": text})
    wait_for(lambda: len(about(portal, KAISA, case["number"])) >= 3 or None)
    unread = inbox(portal, KAISA, unread="true")
    assert len(unread) >= 3
    before = summary(portal, KAISA)
    r = portal.request("POST", f"/notifications/{unread[0]['id']}/read",
                       as_user=KAISA)
    assert r.status_code == 200 and r.json()["read"] is True  # noqa: PT018
    after = summary(portal, KAISA)
    assert after["total"] == before["total"] - 1
    # Reading it again changes nothing.
    portal.request("POST", f"/notifications/{unread[0]['id']}/read",
                   as_user=KAISA)
    assert summary(portal, KAISA)["total"] == after["total"]
    assert portal.request("POST", "/notifications/read-all", as_user=KAISA).status_code == 200
    assert summary(portal, KAISA)["total"] == 0
    assert inbox(portal, KAISA, unread="true") == []
    # Someone else's notification is not found; a malformed id is refused.
    other = inbox(portal, NED)[0]["id"]
    assert portal.request("POST", f"/notifications/{other}/read",
                          as_user=KAISA).status_code == 404
    for bad in ("garbage", "2026-01-01T00:00:00.000Z_zz", "x" * 120):
        assert portal.request("POST", f"/notifications/{bad}/read",
                              as_user=KAISA).status_code in (400, 404)
    assert portal.get("/notifications?cursor=garbage", as_user=KAISA).status_code == 400
    assert portal.get("/notifications?unread=maybe", as_user=KAISA).status_code == 422


def test_a_booking_decision_reaches_the_booker(portal: Portal, cloud: LocalCloud) -> None:
    from tests.integration.test_bookings import at, book, make_resource

    room = make_resource(portal, name=f"Approval room {uuid.uuid4().hex[:6]}",
                         approval_required=True)
    made = book(portal, NED, room, at(3, 10), at(3, 11))
    assert made.status_code == 201, made.text
    r = portal.request("POST", f"/bookings/{made.json()['id']}/reject", as_user=ADMIN,
                       json={"reason": "The room is being painted."})
    assert r.status_code == 200, r.text
    got = wait_for(lambda: [n for n in about(portal, NED, room["name"])
                            if n["type"] == "BookingRejected"] or None)
    assert "painted" in got[0]["body"] and got[0]["section"] == "bookings"  # noqa: PT018


def test_an_announcement_reaches_its_audience_by_the_channels_it_names(
        portal: Portal, cloud: LocalCloud) -> None:
    title = f"Contoso outage {uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    r = portal.request("POST", "/announcements", as_user=ADMIN, json={
        "title": title, "body": "The VPN is down.", "severity": "outage",
        "audience": {"kind": "accounts", "account_ids": ["acc-contoso"]},
        "channels": ["portal", "email"],
        "starts_at": now.isoformat(), "ends_at": (now + timedelta(hours=2)).isoformat()})
    assert r.status_code == 201, r.text
    for reader in (KALLE, KAISA):
        got = wait_for(lambda u=reader: about(portal, u, title) or None)
        assert got[0]["section"] == "announcements"
        wait_for(lambda u=reader: mails(cloud, u, title) or None)
    time.sleep(1)
    assert not about(portal, NED, title)
    assert not mails(cloud, NED, title)
