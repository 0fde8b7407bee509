"""Live: the WebSocket API's routes. `$connect` accepts a page holding a valid access token
(query parameter `token`), `$disconnect` forgets the connection, and `$default` answers a
`{"action": "ping"}` with `{"type": "pong"}` (pages ping to outlast the idle timeout).
What reaches the pages is posted by the notifier (portico.notifications.live.push)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico.errors import PorticoError
from portico.notifications import live

logger = Logger()
tracer = Tracer()

MAX_MESSAGE = 1024  # pages only ping


def _answer(status: int, body: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"statusCode": status}
    if body is not None:
        out["body"] = json.dumps(body, separators=(",", ":"))
    return out


def on_connect(event: dict[str, Any], connection_id: str) -> dict[str, Any]:
    token = (event.get("queryStringParameters") or {}).get("token")
    try:
        contact_id = live.connect(connection_id, token)
    except PorticoError as e:
        # The status refuses the handshake; the page falls back to polling.
        logger.info("live connection refused", extra={"status": e.status, "code": e.code})
        return _answer(e.status, {"error": {"code": e.code, "message": e.message}})
    logger.info("live connection", extra={"contact_id": contact_id})
    return _answer(200)


def on_message(event: dict[str, Any]) -> dict[str, Any]:
    body = event.get("body") or ""
    try:
        message = json.loads(body) if len(body) <= MAX_MESSAGE else None
    except ValueError:
        message = None
    if isinstance(message, dict) and message.get("action") == "ping":
        return _answer(200, {"type": "pong"})
    return _answer(400, {"type": "error", "error": {"code": "unknown_action",
                                                    "message": "Send {\"action\": \"ping\"}."}})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ctx = event.get("requestContext") or {}
    route, connection_id = ctx.get("routeKey"), str(ctx.get("connectionId", ""))
    if route == "$connect":
        return on_connect(event, connection_id)
    if route == "$disconnect":
        live.disconnect(connection_id)
        return _answer(200)
    return on_message(event)
