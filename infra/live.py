"""The local API Gateway WebSocket API, on the gateway's URL under its stage's name.

`ws://<host>/<stage>` is the socket: `$connect`'s function decides the handshake (its status
refuses it), each message goes to the route its `RouteSelectionExpression` picks (or
`$default`), a two-way route's answer goes back, and `$disconnect` runs when the socket
closes. `http://<host>/<stage>/@connections/{id}` is the management API (POST sends, GET
describes, DELETE closes; 410 GoneException for a connection it does not have), the
endpoint a function's `https://{api}.execute-api...amazonaws.com/{stage}` resolves to here.
The events are API Gateway's WebSocket event shapes; the sockets are simple-websocket's.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import simple_websocket
from werkzeug.wrappers import Request, Response

from infra.functions import Function
from infra.template import WebSocketApi

log = logging.getLogger("portico.local")

MAX_POST_BYTES = 128 * 1024  # the management API's limit on one message
MAX_FRAME_BYTES = 32 * 1024  # API Gateway's limit on a client's frame
IDLE_SECONDS = 600.0  # API Gateway closes a connection idle for 10 minutes


def _now_text(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


@dataclass
class Connection:
    id: str
    ws: simple_websocket.Server
    source_ip: str
    user_agent: str
    connected_at: float = field(default_factory=time.time)
    last_active_at: float = field(default_factory=time.time)
    send_lock: threading.Lock = field(default_factory=threading.Lock)


class LiveGateway:
    def __init__(self, api: WebSocketApi, functions: Mapping[str, Function], *,
                 account_id: str, api_id: str) -> None:
        self.api = api
        self.functions = functions
        self.account_id = account_id
        self.api_id = api_id
        self.prefix = f"/{api.stage}"
        self.idle_seconds = IDLE_SECONDS
        self._connections: dict[str, Connection] = {}
        self._lock = threading.Lock()
        self._stopping = False

    def serves(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/@connections/")

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == self.prefix:
            response = self.connect(request, environ)
        else:
            response = self.manage(request, request.path[len(self.prefix + "/@connections/"):])
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def stop(self) -> None:
        """Close every socket; their `$disconnect` is not run (the stack is going)."""
        self._stopping = True
        with self._lock:
            open_ = list(self._connections.values())
        for c in open_:
            self._close(c)

    # -- events ---------------------------------------------------------------------------
    def _context(self, request: Request, route_key: str, event_type: str,
                 connection_id: str, connected_at: float) -> dict[str, Any]:
        now = time.time()
        return {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": uuid.uuid4().hex[:16] + "=",
            "requestTime": _now_text(now),
            "messageDirection": "IN",
            "stage": self.api.stage,
            "connectedAt": int(connected_at * 1000),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": request.remote_addr or "127.0.0.1",
                         "userAgent": request.headers.get("User-Agent", "")},
            "requestId": uuid.uuid4().hex[:16] + "=",
            "domainName": request.host,
            "connectionId": connection_id,
            "apiId": self.api_id,
        }

    def _headers(self, request: Request) -> dict[str, Any]:
        single: dict[str, str] = {}
        multi: dict[str, list[str]] = {}
        for k, v in request.headers.items():
            single[k] = v
            multi.setdefault(k, []).append(v)
        out: dict[str, Any] = {"headers": single, "multiValueHeaders": multi}
        if request.args:
            out["queryStringParameters"] = {k: request.args.getlist(k)[-1]
                                            for k in request.args}
            out["multiValueQueryStringParameters"] = {k: request.args.getlist(k)
                                                      for k in request.args}
        return out

    def _invoke(self, route_key: str, event: dict[str, Any]) -> Any:
        route = self.api.routes[route_key]
        return self.functions[route.function].invoke(event)

    # -- the socket -----------------------------------------------------------------------
    def connect(self, request: Request, environ: dict[str, Any]) -> Response:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return _json(426, {"message": "Upgrade Required"})
        connection_id = base64.b64encode(secrets.token_bytes(10)).decode()
        connected_at = time.time()
        if "$connect" in self.api.routes:
            event = {**self._headers(request),
                     "requestContext": self._context(request, "$connect", "CONNECT",
                                                     connection_id, connected_at),
                     "isBase64Encoded": False}
            try:
                result = self._invoke("$connect", event)
            except Exception:  # a crashed $connect refuses the handshake, as in AWS
                log.exception("$connect crashed")
                return _json(500, {"message": "Internal server error"})
            status = int(result.get("statusCode", 200)) if isinstance(result, dict) else 200
            if not 200 <= status < 300:
                body = result.get("body") or "" if isinstance(result, dict) else ""
                return Response(body, status=status, content_type="application/json")
        # Registered under the lock taken before the handshake: once the client is connected,
        # the management API knows its connection, as on AWS.
        with self._lock:
            ws = simple_websocket.Server.accept(environ, max_message_size=MAX_FRAME_BYTES)
            c = Connection(connection_id, ws, request.remote_addr or "127.0.0.1",
                           request.headers.get("User-Agent", ""), connected_at=connected_at)
            self._connections[connection_id] = c
        reason, status_code = "Client closed the connection", 1000
        try:
            while True:
                try:
                    data = ws.receive(timeout=self.idle_seconds)
                except simple_websocket.ConnectionClosed as closed:
                    status_code = int(closed.reason or 1005)
                    break
                if data is None:
                    reason, status_code = "Going away: idle", 1001
                    self._close(c)
                    break
                c.last_active_at = time.time()
                self._message(request, c, data)
        finally:
            with self._lock:
                self._connections.pop(connection_id, None)
            if not self._stopping and "$disconnect" in self.api.routes:
                event = {**self._headers(request),
                         "requestContext": {**self._context(request, "$disconnect",
                                                            "DISCONNECT", connection_id,
                                                            connected_at),
                                            "disconnectStatusCode": status_code,
                                            "disconnectReason": reason},
                         "isBase64Encoded": False}
                try:
                    self._invoke("$disconnect", event)
                except Exception:  # as in AWS: the socket is gone either way
                    log.exception("$disconnect crashed")
        # The socket was the response: werkzeug must not write one after it.
        raise ConnectionError("websocket closed")

    def _route_key(self, data: str | bytes) -> str:
        field_name = self.api.selection.removeprefix("$request.body.")
        try:
            body = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            body = None
        chosen = body.get(field_name) if isinstance(body, dict) else None
        if isinstance(chosen, str) and chosen in self.api.routes and not chosen.startswith("$"):
            return chosen
        return "$default"

    def _message(self, request: Request, c: Connection, data: str | bytes) -> None:
        route_key = self._route_key(data)
        ctx = self._context(request, route_key, "MESSAGE", c.id, c.connected_at)
        if route_key not in self.api.routes:
            self._send(c, json.dumps({"message": "Forbidden", "connectionId": c.id,
                                      "requestId": ctx["requestId"]}))
            return
        binary = isinstance(data, bytes)
        event = {"requestContext": {**ctx, "messageId": uuid.uuid4().hex[:16] + "="},
                 "body": base64.b64encode(data).decode() if isinstance(data, bytes) else data,
                 "isBase64Encoded": binary}
        try:
            result = self._invoke(route_key, event)
        except Exception:
            log.exception("%s crashed", route_key)
            self._send(c, json.dumps({"message": "Internal server error", "connectionId": c.id,
                                      "requestId": ctx["requestId"]}))
            return
        if self.api.routes[route_key].two_way and isinstance(result, dict) and result.get("body"):
            self._send(c, str(result["body"]))

    def _send(self, c: Connection, data: str | bytes) -> bool:
        with c.send_lock:
            try:
                c.ws.send(data)
                return True
            except (simple_websocket.ConnectionClosed, OSError):
                return False

    def _close(self, c: Connection) -> None:
        with c.send_lock, contextlib.suppress(simple_websocket.ConnectionClosed, OSError):
            c.ws.close(reason=1001, message="Going away")

    # -- the management API ---------------------------------------------------------------
    def manage(self, request: Request, connection_id: str) -> Response:
        # AWS answers an unsigned call so; a signed one is not checked further here.
        if not request.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256"):
            return _json(403, {"message": "Missing Authentication Token"},
                         error_type="ForbiddenException")
        with self._lock:
            c = self._connections.get(connection_id)
        if c is None:
            return _json(410, {"message": None}, error_type="GoneException")
        if request.method == "POST":
            data = request.get_data()
            if len(data) > MAX_POST_BYTES:
                return _json(413, {"message": "Message too long"},
                             error_type="PayloadTooLargeException")
            try:
                text: str | bytes = data.decode()
            except UnicodeDecodeError:
                text = data
            if not self._send(c, text):
                return _json(410, {"message": None}, error_type="GoneException")
            return Response(status=200)
        if request.method == "GET":
            return _json(200, {
                "connectedAt": datetime.fromtimestamp(c.connected_at, UTC).isoformat(),
                "identity": {"sourceIp": c.source_ip, "userAgent": c.user_agent},
                "lastActiveAt": datetime.fromtimestamp(c.last_active_at, UTC).isoformat()})
        if request.method == "DELETE":
            self._close(c)
            return Response(status=204)
        return _json(405, {"message": "Method Not Allowed"})

    def connection_ids(self) -> list[str]:
        with self._lock:
            return list(self._connections)


def _json(status: int, body: Any, *, error_type: str | None = None) -> Response:
    headers = {"x-amzn-ErrorType": error_type} if error_type else {}
    return Response(json.dumps(body), status=status, content_type="application/json",
                    headers=headers)
