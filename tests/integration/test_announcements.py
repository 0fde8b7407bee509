"""Announcements through the local gateway with real tokens: who each one reaches, when it
shows, changing and withdrawing it, its events, and the bodies it refuses."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.local import LocalCloud
from portico import keys
from tests.conftest import Portal, listen

ADMIN = "admin@portico.example"
AGENT = "agent@portico.example"
NORA = "manager@northwind.example"  # Northwind's account manager
NED = "contact@northwind.example"  # Northwind's contact
CORA = "contact@contoso.example"  # Contoso's contact
PAULA = "partner@fabrikam.example"  # the partner serving Northwind


def at(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat().replace("+00:00", "Z")


def body(**over: Any) -> dict[str, Any]:
    return {"title": f"Notice {uuid.uuid4().hex[:8]}", "body": "Something to know.",
            "audience": {"kind": "all"}, "starts_at": at(minutes=-1), "ends_at": at(days=1),
            "severity": "info", **over}


def publish(portal: Portal, **over: Any) -> dict[str, Any]:
    r = portal.request("POST", "/announcements", as_user=ADMIN, json=body(**over))
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def shown(portal: Portal, user: str, scope: str = "active") -> list[str]:
    r = portal.get(f"/announcements?scope={scope}", as_user=user)
    assert r.status_code == 200, r.text
    return [a["id"] for a in r.json()["items"]]


def window_items(cloud: LocalCloud, announcement_id: str | None = None) -> list[dict[str, Any]]:
    """The `ANNOUNCEMENTS` partition as stored (of one announcement, if named)."""
    items = cloud.client("dynamodb").query(
        TableName=cloud.resource("Table"), KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.ANNOUNCEMENTS}})["Items"]
    return [i for i in items if announcement_id is None or i["id"]["S"] == announcement_id]


def test_audience_reaches_exactly_the_people_it_names(portal: Portal) -> None:
    everyone = publish(portal, severity="info")
    managers = publish(portal, severity="warning",
                       audience={"kind": "roles", "roles": ["account_manager", "partner"]})
    one_account = publish(portal, severity="outage",
                          audience={"kind": "accounts", "account_ids": ["acc-contoso"]})
    mine = {everyone["id"], managers["id"], one_account["id"]}
    expected = {
        NED: [everyone["id"]],
        NORA: [managers["id"], everyone["id"]],
        PAULA: [managers["id"], everyone["id"]],
        # Outages first, then warnings, then the rest.
        CORA: [one_account["id"], everyone["id"]],
        AGENT: [everyone["id"]],
    }
    for user, ids in expected.items():
        assert [i for i in shown(portal, user) if i in mine] == ids, user
    # Another account's announcement does not exist for Northwind, by id either.
    assert portal.get(f"/announcements/{one_account['id']}", as_user=NED).status_code == 404
    assert portal.get(f"/announcements/{one_account['id']}", as_user=PAULA).status_code == 404
    assert portal.get(f"/announcements/{managers['id']}", as_user=NED).status_code == 404
    seen = portal.get(f"/announcements/{one_account['id']}", as_user=CORA)
    assert seen.status_code == 200
    assert seen.json()["status"] == "active"
    assert portal.get(f"/announcements/{one_account['id']}", as_user=AGENT).status_code == 200


def test_a_customer_sees_only_their_own_account_among_those_named(portal: Portal) -> None:
    both = publish(portal, audience={"kind": "accounts",
                                     "account_ids": ["acc-northwind", "acc-contoso"]})
    r = portal.get(f"/announcements/{both['id']}", as_user=NED)
    assert r.json()["audience"] == {"kind": "accounts", "account_ids": ["acc-northwind"]}
    staff = portal.get(f"/announcements/{both['id']}", as_user=AGENT).json()
    assert sorted(staff["audience"]["account_ids"]) == ["acc-contoso", "acc-northwind"]


def test_publishing_puts_the_announcement_on_the_bus(portal: Portal, cloud: LocalCloud) -> None:
    title = f"Bus notice {uuid.uuid4().hex[:8]}"
    with listen(cloud, type=["AnnouncementPublished"], data={"title": [title]}) as events:
        made = publish(portal, title=title, severity="outage", channels=["portal", "email"])
        detail = events.collect()[0]["detail"]
    assert made["status"] == "active"
    assert made["version"] == 1
    assert made["channels"] == ["portal", "email"]
    data = detail["data"]
    assert data["announcement_id"] == made["id"]
    assert {k: data[k] for k in ("title", "severity", "audience", "channels", "starts_at",
                                 "ends_at")} == {
        "title": title, "severity": "outage", "audience": {"kind": "all"},
        "channels": ["portal", "email"], "starts_at": made["starts_at"],
        "ends_at": made["ends_at"]}


def test_a_start_in_the_past_means_now(portal: Portal) -> None:
    before = datetime.now(UTC).isoformat()[:19]
    made = publish(portal, starts_at=at(days=-3))
    assert made["starts_at"][:19] >= before
    assert made["status"] == "active"


def test_scheduled_shows_when_it_starts_and_ended_is_gone(portal: Portal) -> None:
    # Eight seconds: room for a loaded machine to check both before either moment passes.
    soon = publish(portal, starts_at=at(seconds=8), ends_at=at(hours=1))
    brief = publish(portal, starts_at=at(seconds=-5), ends_at=at(seconds=8))
    assert soon["status"] == "scheduled"
    assert soon["id"] not in shown(portal, NED)
    assert brief["id"] in shown(portal, NED)
    assert portal.get(f"/announcements/{soon['id']}", as_user=NED).status_code == 404
    # Staff see what is coming, whoever it addresses.
    assert {soon["id"], brief["id"]} <= set(shown(portal, AGENT, "all"))
    assert portal.get(f"/announcements/{soon['id']}", as_user=AGENT).json()[
        "status"] == "scheduled"
    time.sleep(8.5)
    now_shown = shown(portal, NED)
    assert soon["id"] in now_shown
    assert brief["id"] not in now_shown
    assert brief["id"] not in shown(portal, AGENT, "all")
    assert portal.get(f"/announcements/{brief['id']}", as_user=NED).status_code == 404
    assert portal.get(f"/announcements/{brief['id']}", as_user=ADMIN).json()[
        "status"] == "ended"


def test_only_staff_list_every_announcement(portal: Portal) -> None:
    for user in (NED, NORA, PAULA):
        r = portal.get("/announcements?scope=all", as_user=user)
        assert r.status_code == 403, user
        assert set(r.json()) == {"error"}
    assert portal.get("/announcements?scope=everything", as_user=AGENT).status_code == 422


def test_withdrawing_ends_it_now_and_staff_still_read_it(portal: Portal,
                                                         cloud: LocalCloud) -> None:
    made = publish(portal)
    assert made["id"] in shown(portal, NED)
    with listen(cloud, type=["AnnouncementWithdrawn"],
                data={"announcement_id": [made["id"]]}) as events:
        r = portal.request("DELETE", f"/announcements/{made['id']}", as_user=ADMIN)
        assert r.status_code == 204
        assert events.collect()[0]["detail"]["data"]["announcement_id"] == made["id"]
    assert made["id"] not in shown(portal, NED)
    assert made["id"] not in shown(portal, ADMIN, "all")
    assert portal.get(f"/announcements/{made['id']}", as_user=NED).status_code == 404
    staff = portal.get(f"/announcements/{made['id']}", as_user=AGENT).json()
    assert staff["status"] == "withdrawn"
    assert staff["ends_at"] <= staff["withdrawn_at"]
    assert window_items(cloud, made["id"]) == []
    # Again: nothing more to do. Changing it now: publish a new one instead.
    assert portal.request("DELETE", f"/announcements/{made['id']}",
                          as_user=ADMIN).status_code == 204
    again = portal.request("PUT", f"/announcements/{made['id']}", as_user=ADMIN,
                           json={**body(), "version": staff["version"]})
    assert again.status_code == 409


def test_an_update_needs_the_current_version_and_moves_the_window(
        portal: Portal, cloud: LocalCloud) -> None:
    made = publish(portal)
    longer = {**body(title="Longer notice", ends_at=at(days=3)), "starts_at": made["starts_at"]}
    with listen(cloud, type=["AnnouncementUpdated"],
                data={"announcement_id": [made["id"]]}) as events:
        r = portal.request("PUT", f"/announcements/{made['id']}", as_user=ADMIN,
                           json={**longer, "version": 1})
        assert r.status_code == 200, r.text
        assert sorted(events.collect()[0]["detail"]["data"]["fields"]) == ["ends_at", "title"]
    updated = r.json()
    assert updated["version"] == 2
    assert updated["starts_at"] == made["starts_at"]
    assert updated["title"] == "Longer notice"
    # One window item, at the new end.
    [window] = window_items(cloud, made["id"])
    assert window["sk"]["S"].startswith(updated["ends_at"])
    stale = portal.request("PUT", f"/announcements/{made['id']}", as_user=ADMIN,
                           json={**longer, "title": "Lost edit", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["error"]["details"]["current_version"] == 2
    assert portal.get(f"/announcements/{made['id']}", as_user=NED).json()[
        "title"] == "Longer notice"


def test_only_admins_write_announcements(portal: Portal) -> None:
    made = publish(portal)
    for user in (AGENT, NORA, NED, PAULA):
        r = portal.request("POST", "/announcements", as_user=user, json=body())
        assert r.status_code == 403, user
        r = portal.request("PUT", f"/announcements/{made['id']}", as_user=user,
                           json={**body(), "version": 1})
        assert r.status_code == 403, user
        r = portal.request("DELETE", f"/announcements/{made['id']}", as_user=user)
        assert r.status_code == 403, user
    assert portal.get(f"/announcements/{made['id']}", as_user=NED).json()["version"] == 1


BAD = {
    "null title": {"title": None},
    "number title": {"title": 42},
    "empty title": {"title": "  "},
    "long title": {"title": "x" * 121},
    "long body": {"body": "x" * 2001},
    "no audience": {"audience": {}},
    "unknown audience": {"audience": {"kind": "friends"}},
    "unknown role": {"audience": {"kind": "roles", "roles": ["overlord"]}},
    "no roles": {"audience": {"kind": "roles", "roles": []}},
    "unknown account": {"audience": {"kind": "accounts", "account_ids": ["acc-nowhere"]}},
    "too many accounts": {"audience": {"kind": "accounts",
                                       "account_ids": [f"acc-{n}" for n in range(51)]}},
    "no portal": {"channels": ["email"]},
    "unknown channel": {"channels": ["portal", "pigeon"]},
    "garbage time": {"starts_at": "next tuesday"},
    "time without zone": {"ends_at": "2030-01-01T10:00:00"},
    "ends before it starts": {"starts_at": at(days=2), "ends_at": at(days=1)},
    "already ended": {"starts_at": at(days=-2), "ends_at": at(days=-1)},
    "over a year": {"ends_at": at(days=400)},
    "unknown severity": {"severity": "meh"},
    "unknown field": {"pinned": True},
}


@pytest.mark.parametrize("change", BAD.values(), ids=list(BAD))
def test_a_bad_announcement_is_422_and_writes_nothing(portal: Portal, cloud: LocalCloud,
                                                      change: dict[str, Any]) -> None:
    before = len(window_items(cloud))
    r = portal.request("POST", "/announcements", as_user=ADMIN, json=body(**change))
    assert r.status_code == 422, r.text
    assert set(r.json()) == {"error"}
    assert len(window_items(cloud)) == before
