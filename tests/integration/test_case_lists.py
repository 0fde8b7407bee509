"""Case lists that cost the same at any size: the status class leads every list's keys, so
the open cases of an account or a queue with years of closed ones are one Query of full
pages; queues by resolution due; a staff member's assigned cases; and the migration that
rekeys cases written before."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.local import LocalCloud
from portico import store
from portico.cases import desk
from tests.conftest import Portal
from tests.integration.test_cases import AGENT, CONTACT, open_case, patch

ADMIN = "admin@portico.example"


def _closed_case(account_id: str, n: int, *, queue: str = "support",
                 old_keys: bool = False) -> dict[str, Any]:
    """A closed (or, with `old_keys`, an open) case as the table holds it."""
    at = (datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=n)).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")
    case_id = uuid.uuid4().hex
    case: dict[str, Any] = {
        "pk": f"CASE#{case_id}", "sk": "CASE", "type": "Case", "id": case_id,
        "number": f"CS-9{n:05d}", "subject": f"Old case {n}", "description": "Long done.",
        "category": "general", "priority": "normal",
        "status": "new" if old_keys else "closed", "account_id": account_id,
        "requester_id": "c-old", "requester_name": "Olli Old", "cc": [], "fields": {},
        "queue": queue, "first_response_due": at, "resolution_due": at, "created_at": at,
        "updated_at": at, "version": 3, "search": f"cs-9{n:05d} old case {n}"}
    if not old_keys:
        case.update(resolved_at=at, closed_at=at)
    return case


def _write(cloud: LocalCloud, items: list[dict[str, Any]]) -> None:
    ddb = cloud.client("dynamodb")
    for start in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={cloud.resource("Table"): [
            {"PutRequest": {"Item": store.serialize(i)}} for i in items[start:start + 25]]})


def _case_items(cloud: LocalCloud, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cases as the portal writes them now: list keys and queue entries."""
    out = []
    for c in cases:
        with cloud.functions["CasesFunction"].environment():
            out += [{**c, **desk.list_keys(c)}, desk.entry(c)]
    return out


def test_the_first_page_of_open_cases_holds_them_all(portal: Portal, cloud: LocalCloud,
                                                    fresh_account: str) -> None:
    _write(cloud, _case_items(cloud, [_closed_case(fresh_account, n) for n in range(500)]))
    opened = [open_case(portal, ADMIN, routed=False, account_id=fresh_account,
                        subject=f"Open {n}") for n in range(3)]
    r = portal.get(f"/cases?scope=account&account={fresh_account}&status=open&limit=25",
                   as_user=ADMIN)
    assert r.status_code == 200, r.text
    page = r.json()
    assert sorted(c["id"] for c in page["items"]) == sorted(c["id"] for c in opened)
    assert page["next_cursor"] is None
    # All of them: the open ones first, then the closed, newest first.
    everything = portal.get(f"/cases?scope=account&account={fresh_account}&limit=10",
                            as_user=ADMIN).json()
    assert [c["status"] for c in everything["items"][:3]] == ["new"] * 3
    assert {c["status"] for c in everything["items"][3:]} == {"closed"}
    assert everything["next_cursor"]
    closed = portal.get(f"/cases?scope=account&account={fresh_account}&status=closed&limit=100",
                        as_user=ADMIN).json()
    assert len(closed["items"]) == 100 and closed["next_cursor"]  # noqa: PT018
    # The "Closed" tab: resolved or closed, none open.
    done = portal.get(f"/cases?scope=account&account={fresh_account}&status=done&limit=100",
                      as_user=ADMIN).json()
    assert len(done["items"]) == 100
    assert {c["status"] for c in done["items"]} == {"closed"}
    # Oldest first, within a class: the first opened first; the oldest closed case.
    oldest = portal.get(f"/cases?scope=account&account={fresh_account}&status=open"
                        "&order=oldest", as_user=ADMIN).json()
    assert [c["id"] for c in oldest["items"]] == [c["id"] for c in opened]
    first = portal.get(f"/cases?scope=account&account={fresh_account}&status=done"
                       "&order=oldest&limit=1", as_user=ADMIN).json()
    assert first["items"][0]["subject"] == "Old case 0"
    # Without a class, oldest first would start with the closed ones: asked for a status.
    r = portal.get(f"/cases?scope=account&account={fresh_account}&order=oldest",
                   as_user=ADMIN)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["loc"] == ["query", "order"]


def test_a_queue_lists_open_cases_most_urgent_first_and_closed_ones_apart(
        portal: Portal, cloud: LocalCloud, fresh_account: str) -> None:
    _write(cloud, _case_items(cloud, [_closed_case(fresh_account, n, queue="support")
                                      for n in range(200)]))
    for priority in ("high", "low", "normal"):  # Contoso's cases go to support
        open_case(portal, "contact@contoso.example", priority=priority)
    page = portal.get("/queues/support/cases?limit=100", as_user=AGENT).json()
    assert len(page["items"]) >= 3
    assert {c["status"] for c in page["items"]} <= {"new", "in_progress",
                                                    "waiting_on_customer"}
    dues = [c["resolution_due"] for c in page["items"]]
    assert dues == sorted(dues)
    closed = portal.get("/queues/support/cases?status=closed&limit=50", as_user=AGENT).json()
    # `closed` reads the closed partition and keeps that status (resolved ones of other
    # tests share the partition): closed ones only, more to come.
    assert closed["items"]
    assert {c["status"] for c in closed["items"]} == {"closed"}
    assert closed["next_cursor"]
    assert portal.get("/queues/support/cases?cursor=garbage",
                      as_user=AGENT).status_code == 400


def test_closing_a_case_moves_it_out_of_the_open_lists(portal: Portal) -> None:
    case = open_case(portal, CONTACT)
    queue = case["queue"]

    def in_list(path: str, user: str = AGENT) -> bool:
        items = portal.get(path, as_user=user).json()["items"]
        return case["id"] in [c["id"] for c in items]

    assert in_list(f"/queues/{queue}/cases?limit=100")
    assert in_list("/cases?scope=mine&status=open&limit=100", CONTACT)
    assert patch(portal, case, status="resolved").status_code == 200
    assert not in_list(f"/queues/{queue}/cases?limit=100")
    assert in_list(f"/queues/{queue}/cases?status=resolved&limit=100")
    assert not in_list("/cases?scope=mine&status=open&limit=100", CONTACT)
    assert in_list("/cases?scope=mine&status=resolved&limit=100", CONTACT)
    assert in_list("/cases?scope=mine&status=done&limit=100", CONTACT)
    assert in_list(f"/queues/{queue}/cases?status=done&limit=100")
    # Reopened: back in the open lists.
    assert patch(portal, case, status="in_progress").status_code == 200
    assert in_list(f"/queues/{queue}/cases?limit=100")
    assert in_list("/cases?scope=mine&status=open&limit=100", CONTACT)


def test_assigned_to_me(portal: Portal, cloud: LocalCloud) -> None:
    agent = str(next(u["contact_id"] for u in cloud.users if u["email"] == AGENT))
    urgent = open_case(portal, CONTACT, priority="urgent")
    low = open_case(portal, CONTACT, priority="low")
    for case in (low, urgent):
        assert patch(portal, case, assignee=agent).status_code == 200
    mine = portal.get("/cases?scope=assigned&status=open&limit=100", as_user=AGENT).json()
    ids = [c["id"] for c in mine["items"]]
    assert ids.index(urgent["id"]) < ids.index(low["id"])  # the more urgent first
    # Handed back to the queue: no longer the agent's.
    assert patch(portal, low, assignee="").status_code == 200
    mine = portal.get("/cases?scope=assigned&limit=100", as_user=AGENT).json()
    assert low["id"] not in [c["id"] for c in mine["items"]]
    assert portal.get("/cases?scope=assigned", as_user=CONTACT).status_code == 403


@pytest.mark.runs_first
def test_migrate_keys_rekeys_old_cases_once_and_resumes(portal: Portal, cloud: LocalCloud,
                                                        fresh_account: str,
                                                        tmp_path: Any) -> None:
    old = [_closed_case(fresh_account, n, old_keys=True) for n in range(5)]
    items: list[dict[str, Any]] = []
    for c in old:  # the keys cases had before their lists were keyed by class
        items.append({**c, "gsi1pk": f"REQUESTER#{fresh_account}#c-old",
                      "gsi1sk": f"{c['created_at']}#{c['id']}",
                      "gsi2pk": f"ACCOUNTCASES#{fresh_account}",
                      "gsi2sk": f"{c['created_at']}#{c['id']}"})
        items.append({"pk": f"QUEUE#{c['queue']}", "sk": f"{c['created_at']}#{c['id']}",
                      "type": "QueueEntry", "id": c["id"], "status": c["status"]})
    _write(cloud, items)
    before = portal.get(f"/cases?scope=account&account={fresh_account}&status=open",
                        as_user=ADMIN).json()
    assert before["items"] == []  # unreachable until migrated
    state = tmp_path / "local.json"
    state.write_text(json.dumps(cloud.info()))
    from portico.cases.__main__ import main
    from portico.cases.migrate import migrate_keys

    assert main(["migrate-keys", "--local", str(state), "--pages", "1"]) == 0
    with cloud.functions["CasesFunction"].environment():
        first = migrate_keys(request_id="t1")
        again = migrate_keys(request_id="t2")
    assert again.changed == 0 and again.cursor is None  # noqa: PT018
    assert first.seen >= 5
    after = portal.get(f"/cases?scope=account&account={fresh_account}&status=open&limit=25",
                       as_user=ADMIN).json()
    assert sorted(c["id"] for c in after["items"]) == sorted(c["id"] for c in old)
    ddb = cloud.client("dynamodb")
    for c in old:
        gone = ddb.get_item(TableName=cloud.resource("Table"), Key={
            "pk": {"S": "QUEUE#support"}, "sk": {"S": f"{c['created_at']}#{c['id']}"}})
        assert "Item" not in gone


@pytest.mark.parametrize("query", ["scope=assigned&status=bogus", "scope=everyone",
                                   "status=open&cursor=garbage", "status=open&order=up",
                                   "order=null"])
def test_bad_list_queries_are_refused(portal: Portal, query: str) -> None:
    r = portal.get(f"/cases?{query}", as_user=AGENT)
    assert r.status_code in (400, 422), r.text
