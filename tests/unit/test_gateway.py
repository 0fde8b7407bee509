"""Route matching and event shape of the local gateway, without a server."""

from __future__ import annotations

from pathlib import Path

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from infra.gateway import Gateway
from infra.template import Route


def gateway(*routes: Route) -> Gateway:
    return Gateway(routes, {}, None, site_dir=Path("."), config=dict, account_id="1")


def test_most_specific_route_wins() -> None:
    g = gateway(Route("ANY", "/{proxy+}", "Fallback", True, []),
                Route("GET", "/cases/{caseId}", "One", True, []),
                Route("GET", "/cases/mine", "Mine", True, []))
    assert g.match("GET", "/cases/mine") == (g.routes[0].route, {})
    found = g.match("GET", "/cases/CS-1")
    assert found is not None
    assert found[0].function == "One"
    assert found[1] == {"caseId": "CS-1"}
    fallback = g.match("DELETE", "/cases/CS-1")
    assert fallback is not None
    assert fallback[0].function == "Fallback"
    assert fallback[1] == {"proxy": "cases/CS-1"}


def test_method_must_match() -> None:
    g = gateway(Route("GET", "/me", "Identity", True, []))
    assert g.match("POST", "/me") is None
    assert g.match("GET", "/me/") is None


def test_event_is_payload_2_0() -> None:
    route = Route("POST", "/cases/{caseId}/comments", "Cases", True, [])
    g = gateway(route)
    builder = EnvironBuilder(path="/api/cases/CS-1/comments", method="POST",
                             query_string="a=1&a=2&b=x", json={"body": "hi"},
                             headers=[("X-Portico-Account", "acc-1")])
    request = Request(builder.get_environ())
    event = g.event(request, "/cases/CS-1/comments", route, {"caseId": "CS-1"},
                    {"sub": "s", "exp": 5, "cognito:groups": ["a", "b"], "flag": True})
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /cases/{caseId}/comments"
    assert event["rawPath"] == "/cases/CS-1/comments"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x"}
    assert event["pathParameters"] == {"caseId": "CS-1"}
    assert event["headers"]["x-portico-account"] == "acc-1"
    assert event["body"] == '{"body": "hi"}'
    assert event["isBase64Encoded"] is False
    assert event["requestContext"]["authorizer"]["jwt"]["claims"] == {
        "sub": "s", "exp": "5", "cognito:groups": "[a b]", "flag": "true"}
    assert event["requestContext"]["stage"] == "$default"


def test_binary_body_is_base64() -> None:
    route = Route("POST", "/upload", "F", False, [])
    request = Request(EnvironBuilder(path="/api/upload", method="POST", data=b"\x00\x01",
                                     content_type="application/octet-stream").get_environ())
    event = gateway(route).event(request, "/upload", route, {}, None)
    assert event["isBase64Encoded"] is True
    assert event["body"] == "AAE="
    assert "authorizer" not in event["requestContext"]
