"""Route matching, event shape and key fetching of the local gateway, without a server."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from infra.gateway import Gateway, JwtAuthorizer, Unauthorized
from infra.template import Authorizer, Route


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


class FakeJwks:
    """Stands in for `requests.get` of the pool's JWKS URL; counts the calls."""

    def __init__(self, *kids: str) -> None:
        self.keys = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)
                     for kid in kids}
        self.calls = 0

    def __call__(self, url: str, timeout: float) -> FakeJwks:
        assert url == JWKS_URL
        self.calls += 1
        return self

    def json(self) -> dict[str, Any]:
        return {"keys": [{**json.loads(RSAAlgorithm.to_jwk(k.public_key())), "kid": kid,
                          "alg": "RS256", "use": "sig"} for kid, k in self.keys.items()]}


JWKS_URL = "http://cognito.local/pool/.well-known/jwks.json"
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/pool"


def authorizer(jwks: FakeJwks, now: list[float]) -> JwtAuthorizer:
    return JwtAuthorizer(Authorizer(ISSUER, ["client-1"], "$request.header.Authorization"),
                         JWKS_URL, clock=lambda: now[0], http_get=jwks)


def token(jwks: FakeJwks, kid: str) -> str:
    return jwt.encode({"sub": "s", "iss": ISSUER, "client_id": "client-1",
                       "exp": int(time.time()) + 60}, jwks.keys[kid], algorithm="RS256",
                      headers={"kid": kid})


def test_a_known_kid_never_refetches_the_keys() -> None:
    jwks, now = FakeJwks("k1"), [0.0]
    auth = authorizer(jwks, now)
    for _ in range(3):
        assert auth.verify("Bearer " + token(jwks, "k1"))["sub"] == "s"
        now[0] += 3600
    assert jwks.calls == 1


def test_an_unknown_kid_refetches_at_most_once_in_10_seconds() -> None:
    jwks, now = FakeJwks("k1"), [0.0]
    auth = authorizer(jwks, now)
    for _ in range(5):
        with pytest.raises(Unauthorized, match="signing key not found"):
            auth._key("forged")
        now[0] += 1.9
    assert jwks.calls == 1
    now[0] = 10.0
    for _ in range(3):
        with pytest.raises(Unauthorized):
            auth._key("forged")
    assert jwks.calls == 2
    assert auth._key("k1") is not None
    assert jwks.calls == 2


def test_a_rotated_key_is_found_after_the_pause() -> None:
    jwks, now = FakeJwks("k1"), [0.0]
    auth = authorizer(jwks, now)
    auth.verify(token(jwks, "k1"))
    jwks.keys["k2"] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rotated = token(jwks, "k2")
    now[0] += 5
    with pytest.raises(Unauthorized):
        auth.verify(rotated)
    now[0] += 5
    assert auth.verify(rotated)["sub"] == "s"
    assert jwks.calls == 2


def test_a_failing_jwks_endpoint_is_not_hammered() -> None:
    calls = []

    def down(url: str, timeout: float) -> Any:
        calls.append(url)
        raise requests.ConnectionError("down")

    now = [0.0]
    auth = JwtAuthorizer(Authorizer(ISSUER, ["client-1"], "h"), JWKS_URL,
                         clock=lambda: now[0], http_get=down)
    with pytest.raises(requests.ConnectionError):
        auth._key("k1")
    for _ in range(3):
        with pytest.raises(Unauthorized):
            auth._key("k1")
    assert len(calls) == 1
