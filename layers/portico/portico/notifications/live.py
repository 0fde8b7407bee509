"""Live updates: open pages hold a WebSocket to the live API, and `push` sends them what
changed (badge counts, a new notification) without a reload.

`$connect` carries the caller's Cognito access token as the query parameter `token`
(browsers cannot set headers on a WebSocket, and WebSocket APIs have no JWT authorizer).
The layer has no JWT library, so Cognito checks the token: `GetUser` answers only for a
genuine, unexpired, unrevoked access token of the pool. Its claims are then read to insist,
as portico.http does, on the portal's own client; and the contact behind it must have
active portal access (portico.principal), as for any request.

Each connection is an item `CONNECTION#<id>` kept beside its contact's index entry
(gsi1 `CONNECTIONS#<contact>`) for at most CONNECTION_SECONDS, API Gateway's own limit on
a connection's life: the page reconnects after that. Connection items are plumbing, not
anyone's record: they are written alone (portico.store's transient items), with no event or
audit entry.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from portico import aws, clock, keys, principal, store
from portico.errors import PorticoError, Throttled, Unauthorized
from portico.settings import settings

logger = Logger()

# API Gateway closes a WebSocket after two hours whatever happens.
CONNECTION_SECONDS = 2 * 3600
MAX_TOKEN_LENGTH = 8192
# One contact rarely has more than a few tabs open; a cap keeps a push bounded.
MAX_CONNECTIONS_PER_CONTACT = 50
# Cognito answers these for a token it does not accept (bad, expired, revoked, disabled).
_REFUSED = frozenset({"NotAuthorizedException", "UserNotFoundException",
                      "UserNotConfirmedException", "PasswordResetRequiredException",
                      "InvalidParameterException"})


def _claims(token: str) -> dict[str, Any]:
    """The token's payload. Only read after Cognito has accepted the token."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        raise Unauthorized("The token is not valid.") from None
    if not isinstance(data, dict):
        raise Unauthorized("The token is not valid.")
    return data


def verify(token: str | None) -> dict[str, Any]:
    """The claims of a valid access token of the portal's client, else Unauthorized."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise Unauthorized("Sign in to use this.")
    try:
        user = aws.client("cognito-idp").get_user(AccessToken=token)
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        if code in _REFUSED:
            raise Unauthorized("The token is not valid.") from None
        if code in store.THROTTLING_CODES or code == "TooManyRequestsException":
            raise Throttled(retry_after=1) from e
        raise
    claims = _claims(token)
    sub = next((a["Value"] for a in user.get("UserAttributes", []) if a["Name"] == "sub"),
               None)
    if claims.get("token_use") != "access":
        raise Unauthorized("Use an access token.")
    if claims.get("client_id") != settings().user_pool_client_id:
        raise Unauthorized("The token was issued to another client.")
    if not claims.get("sub") or (sub is not None and sub != claims["sub"]):
        raise Unauthorized("The token is not valid.")
    # Cognito refuses expired tokens itself; checked here too, on the portal's clock.
    if int(claims.get("exp") or 0) <= int(clock.now().timestamp()):
        raise Unauthorized("The token has expired.")
    return claims


def connect(connection_id: str, token: str | None) -> str:
    """Accept a connection for the token's contact; their id. Unauthorized (401) for a
    missing or bad token, Forbidden (403) when their portal access is not active."""
    claims = verify(token)
    iat = claims.get("iat")
    who = principal.resolve(str(claims["sub"]),
                            issued_at=int(iat) if isinstance(iat, int | float) else None)
    now = int(clock.now().timestamp())
    store.put_transient({
        **keys.connection(connection_id),
        **keys.connections_of(who.contact_id, connection_id),
        "type": "Connection",
        "connection_id": connection_id,
        "contact_id": who.contact_id,
        "connected_at": clock.stamp(),
    }, expires_at=now + CONNECTION_SECONDS)
    return who.contact_id


def disconnect(connection_id: str) -> None:
    store.delete_transient(keys.connection(connection_id))


@lru_cache(maxsize=4)
def _management(endpoint: str, region: str) -> Any:
    # Short timeouts and one retry: a push is on the notifier's path, and a page that
    # misses one catches up with its next summary or its 60 s poll.
    config = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=1,
                    read_timeout=2)
    session: Any = boto3.session.Session()
    return session.client("apigatewaymanagementapi", endpoint_url=endpoint,
                          region_name=region, config=config)


def connections(contact_id: str) -> list[str]:
    """The contact's open connections (expired ones left out: TTL deletes lag)."""
    now = int(clock.now().timestamp())
    items = store.query_all(keys.connections_of(contact_id)["gsi1pk"], index="gsi1",
                            limit=MAX_CONNECTIONS_PER_CONTACT)
    return [str(i["connection_id"]) for i in items if int(i.get("expires_at", 0)) > now]


def push(contact_ids: Iterable[str], message: Mapping[str, Any]) -> int:
    """Send `message` (JSON) to every open connection of the contacts; how many it reached.
    A connection API Gateway no longer has (GoneException) is forgotten. Never raises for a
    contact or a connection that fails: live updates are best effort, pages poll too."""
    endpoint = os.environ.get("LIVE_ENDPOINT", "")
    if not endpoint:
        return 0
    client = _management(endpoint, settings().region)
    data = json.dumps(dict(message), separators=(",", ":"), default=str).encode()
    sent = 0
    for contact_id in dict.fromkeys(contact_ids):
        try:
            ids = connections(contact_id)
        except (PorticoError, ClientError, BotoCoreError):
            logger.warning("live: connections not read", extra={"contact_id": contact_id},
                           exc_info=True)
            continue
        for connection_id in ids:
            try:
                client.post_to_connection(ConnectionId=connection_id, Data=data)
                sent += 1
            except client.exceptions.GoneException:
                _forget(connection_id)
            except (ClientError, BotoCoreError):
                logger.warning("live: post failed", extra={"connection_id": connection_id},
                               exc_info=True)
    return sent


def _forget(connection_id: str) -> None:
    try:
        disconnect(connection_id)
    except (PorticoError, ClientError, BotoCoreError):
        logger.warning("live: gone connection not deleted",
                       extra={"connection_id": connection_id}, exc_info=True)
