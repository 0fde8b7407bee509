"""Domain errors. Each maps to one HTTP status and a stable code in portico.http."""

from __future__ import annotations


class PorticoError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequest(PorticoError):
    status = 400
    code = "bad_request"


class Invalid(PorticoError):
    """Well-formed input that breaks a domain rule (an unknown category, a missing field)."""

    status = 422
    code = "invalid_request"


class PayloadTooLarge(PorticoError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(PorticoError):
    status = 415
    code = "unsupported_media_type"


class Unauthorized(PorticoError):
    status = 401
    code = "unauthorized"


class Forbidden(PorticoError):
    status = 403
    code = "forbidden"


class NotFound(PorticoError):
    status = 404
    code = "not_found"


class Conflict(PorticoError):
    status = 409
    code = "conflict"


class Gone(PorticoError):
    status = 410
    code = "gone"


class TooManyRequests(PorticoError):
    """A rate limit of the portal's own; the client may try again after `retry_after`."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after


class Throttled(PorticoError):
    """AWS asked us to slow down; the client should retry after `retry_after` seconds."""

    status = 503
    code = "throttled"

    def __init__(self, message: str = "The service is busy, retry shortly.", *,
                 retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after
