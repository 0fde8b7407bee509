"""The local API Gateway (HTTP API) and static site host, on one URL.

`/api/<route>` is the API: each `HttpApi` event in template.yaml maps to its function, the
bearer token is verified as the Cognito JWT authorizer would, and the handler gets a payload
2.0 event. `/<stage>` of the WebSocket API, if there is one, is infra/live.py's. Everything
else is the built site, plus a generated `/config.json`.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import requests
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from infra.functions import Function
from infra.live import LiveGateway
from infra.template import Authorizer, Route

log = logging.getLogger("portico.local")

API_PREFIX = "/api"

# Content types API Gateway passes as text; anything else arrives base64-encoded.
_TEXT = re.compile(r"^(text/|application/(json|xml|javascript|x-www-form-urlencoded)|.*\+json)")


class Unauthorized(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class JwtAuthorizer:
    """API Gateway's JWT authorizer: signature (RS256, key from the pool's JWKS), expiry,
    issuer, and `aud` or `client_id` among the audiences."""

    # An unknown kid refetches the JWKS (the pool may have rotated its keys), but at most
    # this often, as AWS's verifiers do: tokens with made-up kids must not make every request
    # a call to Cognito.
    refetch_seconds = 10.0

    def __init__(self, config: Authorizer, jwks_url: str, *,
                 clock: Callable[[], float] = time.monotonic,
                 http_get: Callable[..., Any] = requests.get) -> None:
        self.config = config
        self.jwks_url = jwks_url
        self.clock = clock
        self.http_get = http_get
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def _key(self, kid: str) -> Any:
        with self._lock:
            if kid not in self._keys and (
                    self._fetched_at is None
                    or self.clock() - self._fetched_at >= self.refetch_seconds):
                # Counted before the call, so a failing JWKS endpoint is not hammered either.
                self._fetched_at = self.clock()
                jwks = self.http_get(self.jwks_url, timeout=5).json()
                self._keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks.get("keys", [])}
            if kid not in self._keys:
                raise Unauthorized("signing key not found")
            return self._keys[kid]

    def verify(self, header_value: str | None) -> dict[str, Any]:
        if not header_value:
            raise Unauthorized("no token")
        token = header_value.split(" ", 1)[1] if header_value.lower().startswith(
            "bearer ") else header_value
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("the token is not a JWT") from None
        if header.get("alg") != "RS256":
            raise Unauthorized(f"algorithm {header.get('alg')!r} is not accepted")
        key = self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=["RS256"], issuer=self.config.issuer,
                options={"verify_aud": False, "require": ["exp", "iss", "sub"]})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired") from None
        except jwt.InvalidIssuerError:
            raise Unauthorized("the token has an invalid issuer") from None
        except jwt.PyJWTError as e:
            raise Unauthorized(f"the token is invalid: {e}") from None
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud, claims.get("client_id")]
        if not set(self.config.audience) & {a for a in audiences if a}:
            raise Unauthorized("the token does not have a valid audience")
        return claims


def _claim_string(v: Any) -> str:
    # HTTP API hands claims to Lambda flattened to strings; lists as "[a b]".
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, list):
        return "[" + " ".join(str(x) for x in v) + "]"
    return str(v)


@dataclass
class _CompiledRoute:
    route: Route
    pattern: re.Pattern[str]
    specificity: tuple[int, int, int]


def _compile(route: Route) -> _CompiledRoute:
    parts, params, greedy = [], 0, 0
    for segment in route.path.strip("/").split("/"):
        m = re.fullmatch(r"\{(\w+)(\+?)\}", segment)
        if m and m.group(2):
            parts.append(f"(?P<{m.group(1)}>.+)")
            greedy += 1
        elif m:
            parts.append(f"(?P<{m.group(1)}>[^/]+)")
            params += 1
        else:
            parts.append(re.escape(segment))
    pattern = re.compile("^/" + "/".join(parts) + "$")
    return _CompiledRoute(route, pattern, (greedy, params, -len(route.path)))


class Gateway:
    def __init__(self, routes: Iterable[Route], functions: Mapping[str, Function],
                 authorizer: JwtAuthorizer | None, *, site_dir: Path,
                 config: Callable[[], dict[str, Any]], account_id: str, api_id: str = "local",
                 cors: Mapping[str, Any] | None = None,
                 site_headers: Mapping[str, str] | None = None,
                 live: LiveGateway | None = None) -> None:
        self.live = live
        self.routes = sorted((_compile(r) for r in routes), key=lambda c: c.specificity)
        self.functions = functions
        self.authorizer = authorizer
        self.site_dir = site_dir
        self.config = config
        self.account_id = account_id
        self.api_id = api_id
        # The HttpApi's CorsConfiguration from template.yaml (origins resolved for here).
        self.cors = dict(cors or {})
        self.cors_origins = set(self.cors.get("AllowOrigins", ()))
        self.site_headers = dict(site_headers or {})
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- serving --------------------------------------------------------------------------
    def start(self, host: str, port: int) -> int:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the local gateway binds to loopback only")
        self._server = make_server(host, port, self.wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="gateway")
        self._thread.start()
        return int(self._server.server_port)

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        if self.live is not None and self.live.serves(path):
            return self.live.wsgi(environ, start_response)
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            response = self.api(request, path[len(API_PREFIX):] or "/")
        else:
            response = self.site(request, path)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    # -- the API --------------------------------------------------------------------------
    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for c in self.routes:
            m = c.pattern.match(path)
            if m and c.route.method in (method, "ANY"):
                return c.route, m.groupdict()
        return None

    def api(self, request: Request, path: str) -> Response:
        if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
            return self._preflight(request)
        found = self.match(request.method, path)
        if found is None:
            return _json(404, {"message": "Not Found"})
        route, params = found
        claims: dict[str, Any] | None = None
        if route.authorized and self.authorizer is not None:
            try:
                claims = self.authorizer.verify(request.headers.get("Authorization"))
            except Unauthorized as e:
                return _json(401, {"message": "Unauthorized"}, headers={
                    "www-authenticate": f'Bearer scope="" error="invalid_token" '
                                        f'error_description="{e.description}"'})
            if route.scopes and not set(route.scopes) & set(str(claims.get("scope", "")).split()):
                return _json(403, {"message": "Forbidden"})
        event = self.event(request, path, route, params, claims)
        try:
            result = self.functions[route.function].invoke(event)
        except Exception:  # a crashed Lambda is a 500, as in AWS
            log.exception("%s crashed", route.function)
            return _json(500, {"message": "Internal Server Error"})
        return self._response(result, request)

    def event(self, request: Request, path: str, route: Route, params: dict[str, str],
              claims: dict[str, Any] | None) -> dict[str, Any]:
        now = datetime.now(UTC)
        headers: dict[str, str] = {}
        for k, v in request.headers.items():
            key = k.lower()
            headers[key] = f"{headers[key]},{v}" if key in headers else v
        raw = request.get_data()
        content_type = request.headers.get("Content-Type", "")
        is_text = not raw or bool(_TEXT.match(content_type))
        if is_text:
            # Declared as text but not UTF-8: API Gateway passes such bytes base64-encoded.
            try:
                raw.decode()
            except UnicodeDecodeError:
                is_text = False
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.route_key,
            "rawPath": path,
            "rawQueryString": request.query_string.decode(),
            "headers": headers,
            "requestContext": {
                "accountId": self.account_id,
                "apiId": self.api_id,
                "domainName": request.host,
                "domainPrefix": request.host.split(".")[0],
                "http": {
                    "method": request.method,
                    "path": path,
                    "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                    "sourceIp": request.remote_addr or "127.0.0.1",
                    "userAgent": request.headers.get("User-Agent", ""),
                },
                "requestId": uuid.uuid4().hex[:16] + "=",
                "routeKey": route.route_key,
                "stage": "$default",
                "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "timeEpoch": int(time.time() * 1000),
            },
            "isBase64Encoded": not is_text,
        }
        if raw:
            event["body"] = raw.decode() if is_text else base64.b64encode(raw).decode()
        if request.cookies:
            event["cookies"] = [f"{k}={v}" for k, v in request.cookies.items()]
        if request.args:
            event["queryStringParameters"] = {
                k: ",".join(request.args.getlist(k)) for k in request.args}
        if params:
            event["pathParameters"] = params
        if claims is not None:
            event["requestContext"]["authorizer"] = {"jwt": {
                "claims": {k: _claim_string(v) for k, v in claims.items()},
                "scopes": None,
            }}
        return event

    def _response(self, result: Any, request: Request) -> Response:
        if not isinstance(result, dict) or "statusCode" not in result:
            # Payload 2.0: a bare value is a 200 JSON answer.
            return _json(200, result)
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
        response = Response(data, status=int(result["statusCode"]))
        for k, v in (result.get("headers") or {}).items():
            response.headers[k] = str(v)
        for k, values in (result.get("multiValueHeaders") or {}).items():
            for v in values:
                response.headers.add(k, str(v))
        for cookie in result.get("cookies") or []:
            response.headers.add("Set-Cookie", cookie)
        self._cors(request, response)
        return response

    def _cors(self, request: Request, response: Response) -> None:
        origin = request.headers.get("Origin")
        if origin and origin in self.cors_origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"

    def _preflight(self, request: Request) -> Response:
        response = Response(status=204)
        self._cors(request, response)
        if "Access-Control-Allow-Origin" in response.headers:
            response.headers["Access-Control-Allow-Methods"] = ",".join(
                self.cors.get("AllowMethods", ()))
            response.headers["Access-Control-Allow-Headers"] = ",".join(
                self.cors.get("AllowHeaders", ()))
            if "MaxAge" in self.cors:
                response.headers["Access-Control-Max-Age"] = str(self.cors["MaxAge"])
        return response

    # -- the site -------------------------------------------------------------------------
    def site(self, request: Request, path: str) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("Method Not Allowed", status=405)
        if path == "/config.json":
            return _json(200, self.config(), headers={"Cache-Control": "no-store"})
        root = self.site_dir.resolve()
        target = (root / path.lstrip("/")).resolve()
        if not target.is_relative_to(root):
            return Response("Not Found", status=404)
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            missing = root / "404.html"
            if missing.is_file():
                return Response(missing.read_bytes(), status=404,
                                content_type="text/html; charset=utf-8", headers=self.site_headers)
            return Response("Not Found", status=404)
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        return Response(target.read_bytes(), content_type=content_type,
                        headers={"Cache-Control": "no-cache", **self.site_headers})


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json",
                    headers=dict(headers or {}))
