"""Live updates through the local cloud's WebSocket API, as a page holds it: the handshake
is the token check, pushes arrive on the socket, and connections that are gone are
forgotten."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
import requests
import simple_websocket

from infra.local import LocalCloud
from portico import clock, keys, store
from portico.notifications import live
from tests.conftest import Portal

EMAIL_INDEX = 0  # a demo user; pushes go to their contact only


@pytest.fixture(scope="module")
def user(cloud: LocalCloud) -> str:
    return str(cloud.users[EMAIL_INDEX]["email"])


def contact_of(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def socket_url(cloud: LocalCloud, token: str | None) -> str:
    assert cloud.live_url is not None
    return cloud.live_url + (f"?token={token}" if token is not None else "")


@contextmanager
def opened(cloud: LocalCloud, token: str) -> Iterator[simple_websocket.Client]:
    ws = simple_websocket.Client.connect(socket_url(cloud, token))
    try:
        yield ws
    finally:
        if ws.connected:
            ws.close()


def connection_items(cloud: LocalCloud, contact_id: str) -> list[dict[str, Any]]:
    with cloud.functions["LiveFunction"].environment():
        return store.query_all(keys.connections_of(contact_id)["gsi1pk"], index="gsi1")


def connection_ids(cloud: LocalCloud, contact_id: str) -> set[str]:
    return {str(i["connection_id"]) for i in connection_items(cloud, contact_id)}


def wait_for(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def push(cloud: LocalCloud, contact_ids: list[str], message: dict[str, Any]) -> int:
    with cloud.functions["NotifierFunction"].environment():
        return live.push(contact_ids, message)


def refused(cloud: LocalCloud, token: str | None) -> int:
    with pytest.raises(simple_websocket.ConnectionError) as e:
        simple_websocket.Client.connect(socket_url(cloud, token))
    return int(e.value.status_code)


def test_the_site_is_told_where_the_socket_is(cloud: LocalCloud) -> None:
    config = requests.get(cloud.url + "/config.json", timeout=5).json()
    assert config["liveUrl"] == cloud.live_url
    assert cloud.functions["NotifierFunction"].env["LIVE_ENDPOINT"] == (
        f"{cloud.url}/{cloud.template.websocket_api().stage}")  # type: ignore[union-attr]


def test_a_valid_token_connects_and_the_connection_is_kept(cloud: LocalCloud, portal: Portal,
                                                           user: str) -> None:
    token = portal.tokens(user)["AccessToken"]
    contact_id = contact_of(token)
    before = connection_ids(cloud, contact_id)
    with opened(cloud, token):
        items = [i for i in connection_items(cloud, contact_id)
                 if i["connection_id"] not in before]
        assert len(items) == 1
        item = items[0]
        assert item["contact_id"] == contact_id
        assert item["pk"] == keys.connection(item["connection_id"])["pk"]
        # Kept for API Gateway's two hours at most, then TTL.
        assert 0 < item["expires_at"] - time.time() <= live.CONNECTION_SECONDS
        assert cloud.live is not None
        assert item["connection_id"] in cloud.live.connection_ids()


def test_a_ping_is_answered(cloud: LocalCloud, portal: Portal, user: str) -> None:
    with opened(cloud, portal.tokens(user)["AccessToken"]) as ws:
        ws.send(json.dumps({"action": "ping"}))
        assert json.loads(ws.receive(timeout=5)) == {"type": "pong"}
        ws.send("not json")
        assert json.loads(ws.receive(timeout=5))["error"]["code"] == "unknown_action"


def test_no_bad_or_expired_token_connects(cloud: LocalCloud, portal: Portal, user: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = portal.tokens(user)
    assert refused(cloud, None) == 401
    assert refused(cloud, "") == 401
    assert refused(cloud, "a.b.c") == 401
    # A token of the pool, but not an access token.
    assert refused(cloud, tokens["IdToken"]) == 401
    # A forged access token: the claims are right, the signature is not Cognito's.
    claims = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})
    assert refused(cloud, jwt.encode(claims, "k" * 32, algorithm="HS256")) == 401
    # The same valid token, once its hour is over (moto does not expire tokens; the portal
    # checks `exp` itself as well).
    later = SimpleNamespace(now=lambda: clock.now() + timedelta(hours=2), stamp=clock.stamp)
    monkeypatch.setattr(live, "clock", later)
    assert refused(cloud, tokens["AccessToken"]) == 401
    monkeypatch.undo()
    with opened(cloud, tokens["AccessToken"]):
        pass


def test_a_push_reaches_the_open_socket_within_2_s(cloud: LocalCloud, portal: Portal,
                                                   user: str) -> None:
    token = portal.tokens(user)["AccessToken"]
    contact_id = contact_of(token)
    latencies = []
    with opened(cloud, token) as ws:
        for i in range(20):
            # Timed from the call, as the notifier makes it (its turn to run already begun).
            with cloud.functions["NotifierFunction"].environment():
                started = time.perf_counter()
                sent = live.push([contact_id, contact_id], {
                    "type": "summary", "summary": {"sections": {"cases": i}, "total": i}})
                received = ws.receive(timeout=2)
                latencies.append(time.perf_counter() - started)
            assert sent >= 1
            assert received is not None, "nothing arrived within 2 s"
            assert json.loads(received) == {
                "type": "summary", "summary": {"sections": {"cases": i}, "total": i}}
    print(f"push to socket: p50 {statistics.median(latencies) * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.1f} ms over {len(latencies)}")
    assert max(latencies) < 2


def test_a_connection_that_is_gone_is_forgotten_on_the_next_push(
        cloud: LocalCloud, portal: Portal, user: str) -> None:
    token = portal.tokens(user)["AccessToken"]
    contact_id = contact_of(token)
    # A socket whose $disconnect never ran (API Gateway does not promise it): its item stays.
    gone = "gone-connection="
    with cloud.functions["LiveFunction"].environment():
        store.put_transient({**keys.connection(gone), **keys.connections_of(contact_id, gone),
                             "type": "Connection", "connection_id": gone,
                             "contact_id": contact_id},
                            expires_at=int(time.time()) + 600)
    with opened(cloud, token) as ws:
        assert push(cloud, [contact_id], {"type": "notification", "id": "n1"}) == 1
        assert json.loads(ws.receive(timeout=2)) == {"type": "notification", "id": "n1"}
    assert gone not in connection_ids(cloud, contact_id)


def test_disconnecting_deletes_the_connection(cloud: LocalCloud, portal: Portal,
                                              user: str) -> None:
    token = portal.tokens(user)["AccessToken"]
    contact_id = contact_of(token)
    before = connection_ids(cloud, contact_id)
    with opened(cloud, token):
        (mine,) = connection_ids(cloud, contact_id) - before
    assert wait_for(lambda: mine not in connection_ids(cloud, contact_id))
    # And nothing is sent to it any more.
    assert push(cloud, [contact_id], {"type": "summary", "summary": {}}) == 0


def test_the_management_api_describes_and_closes_connections(
        cloud: LocalCloud, portal: Portal, user: str) -> None:
    token = portal.tokens(user)["AccessToken"]
    contact_id = contact_of(token)
    with opened(cloud, token) as ws, cloud.functions["NotifierFunction"].environment():
        (connection_id,) = live.connections(contact_id)
        client = live._management(cloud.functions["NotifierFunction"].env["LIVE_ENDPOINT"],
                                  cloud.region)
        described = client.get_connection(ConnectionId=connection_id)
        assert described["Identity"]["SourceIp"] == "127.0.0.1"
        client.delete_connection(ConnectionId=connection_id)
        with pytest.raises(client.exceptions.GoneException):
            client.post_to_connection(ConnectionId="never-was", Data=b"{}")
    assert wait_for(lambda: not ws.connected)
    assert wait_for(lambda: not connection_items(cloud, contact_id))
