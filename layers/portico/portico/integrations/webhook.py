"""`POST /integrations/webhook`: a back-office call turned into the same event the system
could have put on the bus itself.

The call is signed: `X-Portico-Signature: v1=<hex>` is HMAC-SHA256, keyed with the
integration's shared secret, over `<X-Portico-Timestamp>.<raw body>`. The secret lives in
Secrets Manager at `<prefix><integration>` as `{"current": ..., "previous": ...}`: during a
rotation both are accepted. A call more than five minutes off the portal's clock is
refused, and so is a second call with the same signature (remembered ten minutes, longer
than a signature stays fresh). Taking the call, remembering it and the event it becomes
are one change: a call answered 202 is on the bus, once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from portico import audit, aws, change, inputs, keys
from portico.access import Owner
from portico.errors import BadRequest, Conflict, Invalid, Unauthorized
from portico.events import Actor
from portico.integrations import inbound
from portico.settings import settings

TOLERANCE_SECONDS = 300
REMEMBER_SECONDS = 600
SECRET_CACHE_SECONDS = 300
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_SIGNATURE = re.compile(r"^v1=([0-9a-f]{64})$")


class WebhookAccepted(BaseModel):
    event_id: str
    type: str
    source: str = Field(description="the event's source on the bus, integration.<name>")


def sign(secret: str, timestamp: str, body: str) -> str:
    """The `X-Portico-Signature` value for a body sent at `timestamp` (for callers and
    tests: the portal's own check is `verify`)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"v1={mac.hexdigest()}"


class _Secrets:
    """Each integration's secrets, re-read after a few minutes so a rotation takes hold."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, tuple[str, ...]]] = {}
        self._lock = threading.Lock()

    def get(self, integration: str) -> tuple[str, ...]:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(integration)
        if hit and now - hit[0] < SECRET_CACHE_SECONDS:
            return hit[1]
        try:
            raw = aws.client("secretsmanager").get_secret_value(
                SecretId=f"{settings().integration_secrets_prefix}{integration}")["SecretString"]
            value = json.loads(raw)
            found = tuple(str(value[k]) for k in ("current", "previous")
                          if isinstance(value, dict) and value.get(k))
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            found = ()
        with self._lock:
            self._cache[integration] = (now, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


secrets = _Secrets()


def verify(headers: Mapping[str, str], body: str, *, now: float | None = None
           ) -> tuple[str, str]:
    """The integration that signed the call and the signature that matched, or 401 (which
    one of the checks failed is said, not which secrets exist)."""
    h = {k.lower(): v for k, v in headers.items()}
    name = h.get("x-portico-integration", "")
    stamp = h.get("x-portico-timestamp", "")
    given = [m.group(1) for part in h.get("x-portico-signature", "").split(",")
             if (m := _SIGNATURE.match(part.strip()))]
    if not _NAME.match(name) or not stamp.isdigit() or len(stamp) > 12 or not given:
        raise Unauthorized("Sign the call: X-Portico-Integration, X-Portico-Timestamp and "
                           "X-Portico-Signature (v1=<HMAC-SHA256 hex>).")
    t = time.time() if now is None else now
    if abs(t - int(stamp)) > TOLERANCE_SECONDS:
        raise Unauthorized("The call's timestamp is more than five minutes off; sign it "
                           "again.")
    for secret in secrets.get(name):
        expected = sign(secret, stamp, body).removeprefix("v1=")
        for g in given:
            if hmac.compare_digest(expected, g):
                return name, g
    raise Unauthorized("The signature does not match.")


class WebhookCall(inputs.Input):
    type: str = Field(max_length=64, description="AccountUpserted, ContactUpserted, "
                      "InvoiceIssued, InvoicePaid or InvoiceCancelled")
    detail: dict[str, Any] = Field(description="the event's detail, as in events/integration/")


def _call(body: str) -> WebhookCall:
    inputs.parse(body)  # size, depth and numbers, as every body
    value = json.loads(body, parse_float=Decimal)
    if not isinstance(value, dict) or set(value) != {"type", "detail"} \
            or not isinstance(value["type"], str) or not isinstance(value["detail"], dict):
        raise BadRequest('The body is {"type": <event type>, "detail": {...}}.')
    return WebhookCall(type=value["type"], detail=value["detail"])


def take(headers: Mapping[str, str], body: str, *, request_id: str) -> WebhookAccepted:
    integration, signature = verify(headers, body)
    call = _call(body)
    try:
        inbound.validate(call.type, call.detail)
    except inbound.Rejected as e:
        raise Invalid(str(e)) from None
    source = f"integration.{integration}"
    c = change.system("integration", integration, Owner(""), request_id=request_id,
                      actor=Actor(type="integration", id=integration))
    # Remembered by the signature that matched, so the same call with another list of
    # signatures around it is still a replay.
    c.create({**keys.webhook_call(integration, signature),
              "type": "WebhookCall", "integration": integration, "event_type": call.type,
              "expires_at": int(time.time()) + REMEMBER_SECONDS},
             conflict=Conflict("This call was received already (same signature)."))
    relayed = c.relay(source, call.type, call.detail)
    c.audit("webhook", audit.changes(None, {"type": call.type, "event_id": relayed.id},
                                     ("type", "event_id")))
    c.commit()
    return WebhookAccepted(event_id=relayed.id, type=call.type, source=source)
