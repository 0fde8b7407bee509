"""What every API function shares: the resolver, the error shape and the caller's identity.

Errors are `{"error": {"code", "message"}}` with the status of the domain error. The caller
comes from the claims API Gateway's JWT authorizer verified; the authorizer accepts any token
of the user pool for the portal's client, so this also insists on an *access* token issued
to the portal's own client (an ID token is refused, in AWS and locally alike).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from portico import inputs
from portico.errors import (
    BadRequest,
    Conflict,
    Invalid,
    PayloadTooLarge,
    PorticoError,
    Throttled,
    Unauthorized,
    UnsupportedMediaType,
)
from portico.principal import Principal, resolve
from portico.settings import settings
from portico.store import THROTTLING_CODES

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

logger = Logger()

# The list parameters every paginated route takes.
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=2048)]


class Caller(BaseModel):
    """The authenticated user as Cognito proved it. Who they are in the portal is the
    contact record's business (portico.access), not the token's."""

    model_config = ConfigDict(frozen=True)

    sub: str
    username: str
    client_id: str
    scopes: tuple[str, ...]
    auth_time: int | None
    issued_at: int | None
    expires_at: int


def _error_body(code: str, message: str, details: object | None) -> str:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return json.dumps({"error": error}, default=str)


def error_response(status: int, code: str, message: str, *, details: object | None = None,
                   headers: Mapping[str, str] | None = None) -> Response[str]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body=_error_body(code, message, details), headers=dict(headers or {}))


def _retry_after(e: PorticoError) -> dict[str, str]:
    seconds = getattr(e, "retry_after", None)
    return {"Retry-After": str(seconds)} if seconds is not None else {}


def _claims(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    jwt = authorizer.get("jwt") or {}
    claims = jwt.get("claims")
    return claims if isinstance(claims, Mapping) else None


def caller_from_event(event: Mapping[str, Any]) -> Caller:
    claims = _claims(event)
    if not claims:
        raise Unauthorized("Sign in to use this.")
    if claims.get("token_use") != "access":
        raise Unauthorized("Use an access token.")
    if claims.get("client_id") != settings().user_pool_client_id:
        raise Unauthorized("The token was issued to another client.")
    scope = str(claims.get("scope") or "")
    auth_time = claims.get("auth_time")
    issued_at = claims.get("iat")
    return Caller(
        sub=str(claims["sub"]),
        username=str(claims.get("username") or claims["sub"]),
        client_id=str(claims["client_id"]),
        scopes=tuple(scope.split()),
        auth_time=_int(auth_time),
        issued_at=_int(issued_at),
        expires_at=int(claims.get("exp") or 0),
    )


def _int(claim: Any) -> int | None:
    try:
        return int(claim) if claim not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _check_token(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    # A route the authorizer guarded has claims; refuse the wrong kind of token before any
    # route code runs. Public routes carry no claims and pass.
    if _claims(app.current_event.raw_event) is not None:
        caller_from_event(app.current_event.raw_event)
    return next_middleware(app)


def _domain_error(e: PorticoError) -> Response[str]:
    return error_response(e.status, e.code, e.message, details=e.details,
                          headers=_retry_after(e))


def _invalid_request(e: RequestValidationError) -> Response[str]:
    details = []
    for err in e.errors():
        loc, kind = list(err.get("loc", ())), err.get("type", "")
        if kind == "null":  # one entry per field, so a page can show it by the field
            details += [{"loc": [*loc, field], "message": "null is not a value here",
                         "type": "null"} for field in err["ctx"]["fields"].split(", ")]
        else:
            details.append({"loc": loc, "message": err.get("msg", ""), "type": kind})
    return error_response(422, "invalid_request", "The request is not valid.", details=details)


def _no_route(_: NotFoundError) -> Response[str]:
    return error_response(404, "not_found", "No such route.")


def _aws_error(e: ClientError) -> Response[str]:
    if e.response.get("Error", {}).get("Code") in THROTTLING_CODES:
        return error_response(503, "throttled", "The service is busy, retry shortly.",
                              headers={"Retry-After": "1"})
    logger.exception("AWS call failed")
    return error_response(500, "internal_error", "Something went wrong on our side.")


def _unexpected(_: Exception) -> Response[str]:
    logger.exception("Unhandled error")
    return error_response(500, "internal_error", "Something went wrong on our side.")


MAX_PATH_PARAMETER = 128
_JSON = re.compile(r"^application/json\s*(;\s*charset=\"?utf-8\"?\s*)?$", re.IGNORECASE)
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class OtherBody:
    """A route whose body is not a JSON document (a bulk import's lines): the media types
    it takes and its size limit. The route reads the text itself."""

    media_types: tuple[str, ...]
    max_bytes: int


def _media_type(headers: Mapping[str, Any]) -> tuple[str, str]:
    """The content type's media type, and its charset if it names one."""
    raw = str(headers.get("content-type", ""))
    media, _, params = raw.partition(";")
    charset = ""
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset":
            charset = value.strip('"').lower()
    return media.strip().lower(), charset


def _method(event: Mapping[str, Any]) -> str:
    return str(((event.get("requestContext") or {}).get("http") or {}).get("method", ""))


def _refusal(event: dict[str, Any],
             other: Mapping[str, OtherBody] | None = None) -> PorticoError | None:
    """What is wrong with the request before any route reads it, if anything. Leaves the
    body decoded in `event` for the resolver."""
    for name, value in (event.get("pathParameters") or {}).items():
        if len(str(value)) > MAX_PATH_PARAMETER or not str(value).isprintable():
            return BadRequest(f"The {name} in the address is not valid.")
    method = _method(event)
    body = event.get("body")
    if method not in _WITH_BODY or not body:
        return None
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    rule = (other or {}).get(str(event.get("routeKey", "")))
    limit = inputs.MAX_BODY_BYTES
    if rule is not None:
        media, charset = _media_type(headers)
        if media not in rule.media_types or charset not in ("", "utf-8"):
            return UnsupportedMediaType(f"Send the body as {' or '.join(rule.media_types)}.")
        limit = rule.max_bytes
    elif not _JSON.match(str(headers.get("content-type", ""))):
        return UnsupportedMediaType("Send the body as JSON (Content-Type: application/json).")
    raw: bytes
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(str(body), validate=True)
        except (binascii.Error, ValueError):
            return BadRequest("The body could not be read.")
    else:
        raw = str(body).encode("utf-8", "surrogatepass")
    if len(raw) > limit:
        return PayloadTooLarge(f"The body is larger than {limit // 1024} KB.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return BadRequest("The body is not UTF-8 text.")
    # Parsed once, by the resolver's deserializer (inputs.parse), when a route reads it.
    event["body"], event["isBase64Encoded"] = text, False
    return None


# `Idempotency-Key` (IETF draft "The Idempotency-Key HTTP Header Field"): a POST sent again
# with the same key by the same user answers what the first answered, for 24 hours, and
# does nothing more, so a double click or a retry after a lost answer makes one case.
# Only a success is remembered: after an error the same key may try again. Each user's keys
# are a partition of their own, not one for the whole portal.
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@functools.cache
def _remember() -> IdempotencyConfig:
    # Imported here: most requests carry no key, and every API function imports this module.
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="request",
                             expires_after_seconds=24 * 3600)


class _Forgotten(Exception):
    """An answer not to remember (an error): Powertools drops the key when this is raised."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result.get("statusCode"))
        self.result = result


def _once(event: dict[str, Any], headers: Mapping[str, Any], key: str,
          resolve: Callable[[], dict[str, Any]], context: Any) -> dict[str, Any]:
    """The resolver's answer to a keyed POST: the first time, or as remembered."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    from portico import idempotency

    if not _KEY.match(key):
        return _plain(BadRequest("Idempotency-Key is 1-255 visible ASCII characters."))
    claims = _claims(event) or {}
    # What must be the same for a repeat: the route, the address, the account acted in and
    # the body.
    fingerprint = hashlib.sha256(json.dumps(
        [event.get("rawPath"), event.get("rawQueryString"), headers.get("x-portico-account"),
         event.get("body")]).encode()).hexdigest()
    store = idempotency.store(f"http#{claims.get('sub', '')}")
    config = _remember()
    if hasattr(context, "get_remaining_time_in_millis"):
        config.register_lambda_context(context)
    answered = False  # here, rather than remembered

    def answer(request: dict[str, Any]) -> dict[str, Any]:
        nonlocal answered
        answered = True
        result = resolve()
        if not 200 <= int(result.get("statusCode", 500)) < 300:
            raise _Forgotten(result)
        return result

    try:
        result: dict[str, Any] = idempotent_function(
            data_keyword_argument="request", persistence_store=store, config=config)(answer)(
                request={"key": f"{event.get('routeKey')}#{key}", "request": fingerprint})
    except _Forgotten as e:
        return e.result
    except IdempotencyValidationError:
        return _plain(Invalid("This Idempotency-Key was used for another request."))
    except IdempotencyAlreadyInProgressError:
        return _plain(Conflict("A request with this Idempotency-Key is still being answered."))
    except IdempotencyPersistenceLayerError:
        logger.exception("the Idempotency-Key store failed")
        return _plain(Throttled())
    if not answered:
        result = {**result, "headers": {**(result.get("headers") or {}),
                                         "Idempotent-Replayed": "true"}}
    return result


def _plain(e: PorticoError) -> dict[str, Any]:
    """A domain error as the Lambda answer, for a request refused before the resolver."""
    return {"statusCode": e.status, "isBase64Encoded": False,
            "headers": {"Content-Type": content_types.APPLICATION_JSON, **_retry_after(e)},
            "body": _error_body(e.code, e.message, e.details)}


class PortalResolver(APIGatewayHttpResolver):
    """Refuses a request no route should read (a body of another content type, not UTF-8
    or too big, an over-long id) before validation; the body's JSON itself is checked by
    `inputs.parse` as the route reads it. Marks every answer `no-store`: API answers are
    personal and must not sit in a shared cache."""

    def __init__(self, *, other_bodies: Mapping[str, OtherBody] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.other_bodies = dict(other_bodies or {})

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        event = dict(event)
        refused = _refusal(event, self.other_bodies)
        headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
        key = headers.get("idempotency-key")
        if refused is not None:
            result = _plain(refused)
        elif key is not None and _method(event) == "POST" and _claims(event) is not None:
            result = _once(event, headers, str(key),
                           lambda: APIGatewayHttpResolver.resolve(self, event, context), context)
        else:
            result = super().resolve(event, context)
        result["headers"] = {**(result.get("headers") or {}), "Cache-Control": "no-store"}
        return result


def api(other_bodies: Mapping[str, OtherBody] | None = None) -> APIGatewayHttpResolver:
    """A resolver with validation and the portal's error mapping: never a stack trace.
    `other_bodies`: routes (`"POST /kb/import"`) whose body is not JSON."""
    app = PortalResolver(enable_validation=True, json_body_deserializer=inputs.parse,
                         other_bodies=other_bodies)
    app.use(middlewares=[_check_token])
    for exc, handler in ((PorticoError, _domain_error),
                         (RequestValidationError, _invalid_request),
                         (NotFoundError, _no_route),
                         (ClientError, _aws_error),
                         (Exception, _unexpected)):
        app.exception_handler(exc)(handler)
    return app


def caller(app: APIGatewayHttpResolver) -> Caller:
    return caller_from_event(app.current_event.raw_event)


_ACCOUNT_HEADER = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def request_id(app: APIGatewayHttpResolver) -> str:
    return str(app.current_event.request_context.request_id or "")


def principal(app: APIGatewayHttpResolver) -> Principal:
    """The contact behind the token, acting in the account the request names
    (`X-Portico-Account`) or else their primary account."""
    who = caller(app)
    account = app.current_event.headers.get("x-portico-account") or None
    if account is not None and not _ACCOUNT_HEADER.match(account):
        raise BadRequest("X-Portico-Account is not an account id.")
    return resolve(who.sub, account_id=account, request_id=request_id(app),
                   issued_at=who.issued_at)


def no_content() -> Response[str]:
    return Response(status_code=204, content_type=None, body="")
