"""Case search through the gateway: who finds what (the access table inside the query),
internal notes, a partner's delegated account, case numbers, paging, freshness, bad input."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from infra.local import LocalCloud
from portico import keys, store
from portico.cases import index
from portico.cases.search import Reach
from portico.errors import Conflict
from tests.conftest import Portal, wait_for

CONTACT = "contact@northwind.example"
MANAGER = "manager@northwind.example"
BILLING = "billing@northwind.example"
OTHER_CONTACT = "contact@contoso.example"
OTHER_MANAGER = "manager@contoso.example"
PARTNER = "partner@fabrikam.example"  # serves Northwind
AGENT = "agent@portico.example"
ADMIN = "admin@portico.example"


def word() -> str:
    """A word no other case has: letters only, so no stemmer changes it much."""
    return "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


def found(portal: Portal, q: str, as_user: str, **params: Any) -> list[dict[str, Any]]:
    r = portal.get("/cases/search", as_user=as_user, params={"q": q, **params})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def ids(portal: Portal, q: str, as_user: str, **params: Any) -> set[str]:
    return {h["id"] for h in found(portal, q, as_user, **params)}


def open_case(portal: Portal, subject: str, description: str, *, as_user: str = CONTACT,
              **extra: Any) -> dict[str, Any]:
    r = portal.request("POST", "/cases", as_user=as_user, json={
        "subject": subject, "description": description, "category": "general", **extra})
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture(scope="module")
def northwind(portal: Portal) -> dict[str, Any]:
    """A Northwind case with a word of its own, and an internal note with another."""
    public, secret = word(), word()
    case = open_case(portal, f"Label printer {public} jams", "The label printer jams on "
                     f"every third label ({public}).")
    r = portal.request("POST", f"/cases/{case['id']}/comments", as_user=AGENT,
                       json={"body": f"Internal: the customer's firmware is old ({secret}).",
                             "internal": True})
    assert r.status_code == 201, r.text
    wait_for(lambda: ids(portal, secret, AGENT) == {case["id"]})
    return {"case": case, "public": public, "secret": secret}


def test_each_role_finds_what_it_may_read(portal: Portal, northwind: dict[str, Any]) -> None:
    case_id, w = northwind["case"]["id"], northwind["public"]
    for user in (CONTACT, MANAGER, PARTNER, AGENT, ADMIN):
        assert ids(portal, w, user) == {case_id}, user
    for user in (OTHER_CONTACT, OTHER_MANAGER):
        assert ids(portal, w, user) == set(), user
    # Billing reads its own (billing) cases only.
    assert ids(portal, w, BILLING) == set()


def test_scopes(portal: Portal, northwind: dict[str, Any]) -> None:
    case_id, w = northwind["case"]["id"], northwind["public"]
    assert ids(portal, w, CONTACT, scope="mine") == {case_id}
    assert ids(portal, w, MANAGER, scope="mine") == set()  # not hers; her account's
    assert ids(portal, w, MANAGER, scope="account") == {case_id}
    assert ids(portal, w, PARTNER, scope="account", account="acc-northwind") == {case_id}
    assert ids(portal, w, AGENT, scope="account", account="acc-northwind") == {case_id}
    assert ids(portal, w, AGENT, scope="account", account="acc-contoso") == set()
    # Another account's cases: as the list answers.
    r = portal.get("/cases/search", as_user=OTHER_MANAGER,
                   params={"q": w, "scope": "account", "account": "acc-northwind"})
    assert r.status_code == 404, r.text
    r = portal.get("/cases/search", as_user=CONTACT, params={"q": w, "scope": "account"})
    assert r.status_code == 403, r.text
    r = portal.get("/cases/search", as_user=CONTACT, params={"q": w, "scope": "assigned"})
    assert r.status_code == 403, r.text


def test_internal_notes_are_staff_only(portal: Portal, northwind: dict[str, Any]) -> None:
    case_id, secret = northwind["case"]["id"], northwind["secret"]
    for user in (CONTACT, MANAGER, PARTNER):
        assert ids(portal, secret, user) == set(), user
        # Nor does a query that also has a public word bring the note's text along.
        for hit in found(portal, f"{northwind['public']}", user):
            assert secret not in hit["snippet"]
            assert "firmware" not in hit["snippet"]
    hits = found(portal, secret, AGENT)
    assert [h["id"] for h in hits] == [case_id]
    assert f"<mark>{secret}</mark>" in hits[0]["snippet"]


def test_a_cc_finds_the_case_and_others_of_the_account_do_not(portal: Portal) -> None:
    me = portal.get("/me", as_user=MANAGER).json()
    w = word()
    case = open_case(portal, f"Shared drive {w}", "Cannot reach the shared drive.",
                     cc=[me["id"]])
    wait_for(lambda: ids(portal, w, MANAGER, scope="mine") == {case["id"]})
    assert ids(portal, w, OTHER_CONTACT) == set()


def test_a_partner_opens_a_case_for_the_account_it_serves(portal: Portal) -> None:
    w = word()
    case = open_case(portal, f"Router {w} down", "The branch router is down.",
                     as_user=PARTNER, account_id="acc-northwind")
    wait_for(lambda: ids(portal, w, PARTNER) == {case["id"]})
    assert ids(portal, w, MANAGER, scope="account") == {case["id"]}
    assert ids(portal, w, OTHER_MANAGER) == set()


def test_a_comment_is_findable_within_seconds(portal: Portal) -> None:
    case = open_case(portal, "Scanner settings", "Where are the scanner settings?")
    w = word()
    sent = time.monotonic()
    r = portal.request("POST", f"/cases/{case['id']}/comments", as_user=CONTACT,
                       json={"body": f"It shows error {w} now."})
    assert r.status_code == 201, r.text
    hits = wait_for(lambda: found(portal, w, CONTACT), timeout=10)
    took = time.monotonic() - sent
    assert [h["id"] for h in hits] == [case["id"]]
    assert f"<mark>{w}</mark>" in hits[0]["snippet"]
    print(f"comment findable after {took:.2f} s")


def test_a_changed_status_moves_the_case_between_filters(portal: Portal) -> None:
    w = word()
    case = open_case(portal, f"Toner {w}", "We are out of toner.")
    wait_for(lambda: ids(portal, w, CONTACT, status="open") == {case["id"]})
    version = portal.get(f"/cases/{case['id']}", as_user=CONTACT).json()["version"]
    r = portal.request("PATCH", f"/cases/{case['id']}", as_user=CONTACT,
                       json={"version": version, "status": "closed"})
    assert r.status_code == 200, r.text
    wait_for(lambda: ids(portal, w, CONTACT, status="closed") == {case["id"]})
    assert ids(portal, w, CONTACT, status="open") == set()
    assert ids(portal, w, CONTACT, status="done") == {case["id"]}
    hit = found(portal, w, CONTACT)[0]
    assert hit["status"] == "closed"
    assert hit["number"] == case["number"]


def test_a_case_number_jumps_to_the_case(portal: Portal, northwind: dict[str, Any]) -> None:
    case = northwind["case"]
    number = case["number"]
    for q in (number, number.lower(), "#" + number.split("-")[1].lstrip("0"),
              "CS-" + number.split("-")[1].lstrip("0")):
        r = portal.get("/cases/search", as_user=CONTACT, params={"q": q})
        assert r.status_code == 200, r.text
        assert r.json()["jump"] == case["id"], q
        assert [h["id"] for h in r.json()["items"]] == [case["id"]]
    # Another account's number is nothing at all.
    r = portal.get("/cases/search", as_user=OTHER_CONTACT, params={"q": number})
    assert r.json() == {"items": [], "next_cursor": None, "jump": None, "order": "relevance"}


def test_pages_are_full_and_do_not_repeat(portal: Portal) -> None:
    w = word()
    made = {open_case(portal, f"Badge reader {w} {i}", f"Reader {i} fails.")["id"]
            for i in range(5)}
    wait_for(lambda: len(ids(portal, w, CONTACT, limit=50)) == 5)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"q": w, "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = portal.get("/cases/search", as_user=CONTACT, params=params).json()
        pages += 1
        seen += [h["id"] for h in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
        assert len(body["items"]) == 2
    assert pages == 3
    assert len(seen) == 5
    assert set(seen) == made


def test_the_subject_ranks_above_the_thread(portal: Portal) -> None:
    w = word()
    in_text = open_case(portal, "Something else", f"Mentions {w} once, in passing.")
    in_subject = open_case(portal, f"{w} fails", "It fails.")
    wait_for(lambda: len(ids(portal, w, CONTACT)) == 2)
    assert [h["id"] for h in found(portal, w, CONTACT)] == [in_subject["id"], in_text["id"]]


@pytest.mark.parametrize(("params", "status"), [
    ({}, 422),  # no q
    ({"q": "printer", "limit": "0"}, 422),
    ({"q": "printer", "limit": "abc"}, 422),
    ({"q": "printer", "limit": "101"}, 422),
    ({"q": "printer", "scope": "everyone"}, 422),
    ({"q": "printer", "status": "lost"}, 422),
    ({"q": "printer", "account": "x" * 65, "scope": "account"}, 422),
    ({"q": "x" * 10_241}, 422),
    ({"q": "printer", "cursor": "garbage!"}, 400),
    ({"q": "printer", "cursor": "eyJwayI6IkNBU0UjMSJ9"}, 400),  # another list's cursor
    ({"q": "printer", "cursor": "eyJzZWFyY2giOiI5OTk5OTkifQ"}, 400),  # past the depth
])
def test_bad_input_is_a_clear_error(portal: Portal, params: dict[str, str],
                                    status: int) -> None:
    r = portal.get("/cases/search", as_user=CONTACT, params=params)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] in ("invalid_request", "bad_request"), r.text


@pytest.mark.parametrize("q", ['"', '" OR "a', "NEAR(a b)", "a* AND NOT b", "{subject}: x",
                               "meta : zz", "\x00", "ä" * 5000, "(" * 3000, "*", "-", "''"])
def test_hostile_queries_answer_normally(portal: Portal, q: str) -> None:
    for user in (CONTACT, AGENT):
        r = portal.get("/cases/search", as_user=user, params={"q": q})
        assert r.status_code == 200, r.text
        assert isinstance(r.json()["items"], list)


def test_a_customer_query_cannot_name_the_staff_column(portal: Portal,
                                                       northwind: dict[str, Any]) -> None:
    """FTS column filters and the meta column are searched as words, never as syntax."""
    secret = northwind["secret"]
    for q in (f"internal : {secret}", f"{{internal}} : {secret}", f"internal:{secret}",
              f"meta : {secret}"):
        assert ids(portal, q, CONTACT) == set(), q


def _put_case_directly(cloud: LocalCloud, subject: str) -> str:
    """A case as an older portal (or a lost index) left it: in the table, never indexed."""
    case_id = uuid.uuid4().hex
    at = "2024-03-01T10:00:00.000Z"
    item = {"pk": f"CASE#{case_id}", "sk": "CASE", "type": "Case", "id": case_id,
            "number": f"CS-8{int(case_id[:5], 16) % 100000:05d}", "subject": subject,
            "description": "Written before case search.", "category": "general",
            "priority": "normal", "status": "closed", "account_id": "acc-northwind",
            "requester_id": "c-old", "requester_name": "Olli Old", "cc": [], "fields": {},
            "first_response_due": at, "resolution_due": at, "created_at": at,
            "updated_at": at, "resolved_at": at, "closed_at": at, "version": 3}
    cloud.client("dynamodb").put_item(TableName=cloud.resource("Table"),
                                      Item=store.serialize(item))
    return case_id


@pytest.mark.runs_first
def test_reindex_puts_cases_written_before_the_index_in(portal: Portal, cloud: LocalCloud,
                                                        tmp_path: Any) -> None:
    w = word()
    case_id = _put_case_directly(cloud, f"Fax machine {w}")
    assert ids(portal, w, MANAGER) == set()
    state = tmp_path / "local.json"
    state.write_text(json.dumps(cloud.info()))
    from portico.cases.__main__ import main

    assert main(["reindex", "--local", str(state)]) == 0
    assert wait_for(lambda: ids(portal, w, MANAGER) == {case_id})
    assert ids(portal, w, OTHER_MANAGER) == set()


def test_a_snapshot_replaces_the_changes_before_it(portal: Portal, cloud: LocalCloud,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    w = word()
    case = open_case(portal, f"Projector {w}", "The projector flickers.")
    wait_for(lambda: ids(portal, w, CONTACT) == {case["id"]})
    monkeypatch.setattr(index, "COMPACT_CHANGES", 1)
    fn = cloud.functions["CaseSearchIndexerFunction"]
    for _ in range(10):  # the indexer may be storing a change of its own meanwhile
        try:
            with fn.environment():
                done = index.update([case["id"]], request_id="test-snapshot")
            break
        except Conflict:
            time.sleep(0.2)
    assert done["snapshot"] is True
    with fn.environment():
        pointer = store.get(keys.CASE_INDEX, consistent=True)
        assert pointer is not None
        # Deleted by version: no noncurrent copy of a replaced snapshot or change is kept.
        stored = {o["Key"] for o in cloud.client("s3").list_object_versions(
            Bucket=cloud.resource("DocumentsBucket"), Prefix=index.PREFIX).get("Versions", [])}
        # Only the snapshot, and changes stored after it.
        assert pointer["base"] in stored
        later = {k for _, k, _, _ in json.loads(str(pointer["changes"]))}
        assert stored == {pointer["base"], *later}
        # A process starting now loads the snapshot and finds the case.
        fresh = index.Replica()
        found_index, _ = fresh.sync(force=True)
        hits, _ = found_index.search(w, Reach(everything=True, staff=True))[:2]
    assert [h["summary"]["id"] for h in hits] == [case["id"]]
