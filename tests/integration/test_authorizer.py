"""The local gateway verifies bearer tokens as API Gateway's Cognito JWT authorizer does, and
the layer insists on an access token of the portal's client."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from typing import Any

import jwt
import moto
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.local import LocalCloud
from tests.conftest import Portal

USER = "contact@northwind.example"


def moto_signing_key() -> Any:
    """moto signs every pool's tokens with one published key; so can a test."""
    path = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
    jwk = json.loads(gzip.decompress(path.read_bytes()))
    return jwt.PyJWK(jwk).key


def access_claims(portal: Portal) -> dict[str, Any]:
    token = portal.tokens(USER)["AccessToken"]
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def sign(claims: dict[str, Any], key: Any = None, alg: str = "RS256") -> str:
    return jwt.encode(claims, key if key is not None else moto_signing_key(), algorithm=alg,
                      headers={"kid": "dummy"})


@pytest.fixture
def identity_calls(cloud: LocalCloud) -> Any:
    fn = cloud.functions["IdentityFunction"]
    return lambda: fn.invocations


def assert_refused_at_gateway(portal: Portal, identity_calls: Any, token: str | None,
                              reason: str = "") -> None:
    before = identity_calls()
    r = portal.get("/me", token=token)
    assert r.status_code == 401
    assert r.json() == {"message": "Unauthorized"}
    assert reason in r.headers["www-authenticate"]
    assert identity_calls() == before, "the handler must not run for a refused token"


def test_access_token_reaches_the_handler(portal: Portal, cloud: LocalCloud) -> None:
    r = portal.get("/me", as_user=USER)
    assert r.status_code == 200
    me = r.json()
    contact = next(u for u in cloud.users if u["email"] == USER)
    assert me["id"] == contact["contact_id"]
    assert me["email"] == USER


def test_a_token_re_signed_with_the_pool_key_is_accepted(portal: Portal) -> None:
    # The control for the forgeries below: only the one changed thing makes them fail.
    assert portal.get("/me", token=sign(access_claims(portal))).status_code == 200


def test_missing_token_is_401(portal: Portal, identity_calls: Any) -> None:
    assert_refused_at_gateway(portal, identity_calls, None, "no token")


def test_garbage_token_is_401(portal: Portal, identity_calls: Any) -> None:
    assert_refused_at_gateway(portal, identity_calls, "not-a-jwt", "not a JWT")


def test_expired_token_is_401(portal: Portal, identity_calls: Any) -> None:
    claims = access_claims(portal)
    claims.update(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    assert_refused_at_gateway(portal, identity_calls, sign(claims), "expired")


def test_token_of_another_client_is_401(portal: Portal, identity_calls: Any) -> None:
    claims = access_claims(portal)
    claims["client_id"] = "someone-elses-client"
    assert_refused_at_gateway(portal, identity_calls, sign(claims), "audience")


def test_token_of_another_issuer_is_401(portal: Portal, identity_calls: Any) -> None:
    claims = access_claims(portal)
    claims["iss"] = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other"
    assert_refused_at_gateway(portal, identity_calls, sign(claims), "issuer")


def test_forged_signature_is_401(portal: Portal, identity_calls: Any) -> None:
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert_refused_at_gateway(portal, identity_calls, sign(access_claims(portal), own_key),
                              "invalid")


def test_tampered_payload_is_401(portal: Portal, identity_calls: Any) -> None:
    header, _, signature = portal.tokens(USER)["AccessToken"].split(".")
    claims = access_claims(portal)
    claims["sub"] = "somebody-else"
    payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    assert_refused_at_gateway(portal, identity_calls, f"{header}.{payload}.{signature}")


def test_alg_none_is_401(portal: Portal, identity_calls: Any) -> None:
    token = jwt.encode(access_claims(portal), "", algorithm="none", headers={"kid": "dummy"})
    assert_refused_at_gateway(portal, identity_calls, token, "algorithm")


def test_hs256_signed_with_the_public_key_is_401(portal: Portal, identity_calls: Any) -> None:
    _header, body, _ = sign(access_claims(portal)).split(".")
    hs_header = jwt.utils.base64url_encode(b'{"alg":"HS256","kid":"dummy","typ":"JWT"}')
    assert_refused_at_gateway(portal, identity_calls, f"{hs_header.decode()}.{body}.c2ln",
                              "algorithm")


def test_id_token_is_refused_by_the_layer(portal: Portal, identity_calls: Any) -> None:
    before = identity_calls()
    r = portal.get("/me", token=portal.tokens(USER)["IdToken"])
    # API Gateway lets an ID token of the right audience through; the layer does not.
    assert identity_calls() == before + 1
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"


def test_public_route_needs_no_token(portal: Portal) -> None:
    r = portal.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "stage": "dev"}
    assert portal.get("/health", token="not-a-jwt").status_code == 200


def test_unknown_route_is_404(portal: Portal) -> None:
    r = portal.get("/no-such-thing", as_user=USER)
    assert r.status_code == 404
    assert r.json() == {"message": "Not Found"}
    assert portal.request("DELETE", "/health").status_code == 404


def test_preflight_answers_the_templates_cors_configuration(portal: Portal,
                                                             cloud: LocalCloud) -> None:
    _, props = cloud.template.http_api()
    cors = props["CorsConfiguration"]
    r = portal.http.options(cloud.api_url + "/me", timeout=5, headers={
        "Origin": cloud.url, "Access-Control-Request-Method": "PATCH"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == cloud.url
    assert r.headers["Access-Control-Allow-Methods"].split(",") == cors["AllowMethods"]
    assert r.headers["Access-Control-Allow-Headers"].split(",") == cors["AllowHeaders"]
    stranger = portal.http.options(cloud.api_url + "/me", timeout=5, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "PATCH"})
    assert "Access-Control-Allow-Origin" not in stranger.headers
