"""What a body must be before any model reads it, and how AWS's refusals become answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from portico import http, inputs, store
from portico.cases.attachments import content_disposition
from portico.errors import BadRequest, Conflict, Invalid, Throttled


@pytest.mark.parametrize(("text", "error"), [
    ("{", BadRequest),
    ('{"a": NaN}', Invalid),
    ('{"a": -Infinity}', Invalid),
    ('{"a": 1e126}', Invalid),
    ('{"a": 1e-131}', Invalid),
    ('{"a": 123456789012345678901234567890123456789}', Invalid),
    ('{"a": 0.123456789012345678901234567890123456789}', Invalid),
    ("[" * 17 + "]" * 17, BadRequest),
    ("[" * 100_000 + "]" * 100_000, BadRequest),
])
def test_bodies_no_route_should_read(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        inputs.parse(text)


@pytest.mark.parametrize("text", ['{"a": 0}', '{"a": 9.99e125}', '{"a": -1e-130}',
                                  '{"a": 12345678901234567890123456789012345678}',
                                  "[" * 16 + "]" * 16, '{"name": "Åsa ✓"}'])
def test_bodies_that_pass(text: str) -> None:
    assert inputs.parse(text) == json.loads(text)


def event(body: Any, content_type: str = "application/json", *, b64: bool = False,
          params: dict[str, str] | None = None) -> dict[str, Any]:
    return {"requestContext": {"http": {"method": "POST"}}, "headers": {
        "content-type": content_type}, "body": body, "isBase64Encoded": b64,
        "pathParameters": params or {}}


@pytest.mark.parametrize(("e", "status"), [
    (event('{"a": 1}', "text/plain"), 415),
    (event('{"a": 1}', "application/json; charset=latin-1"), 415),
    (event("/w==", b64=True), 400),  # \xff: not UTF-8
    (event("not base64!", b64=True), 400),
    (event('"' + "x" * (inputs.MAX_BODY_BYTES + 1) + '"'), 413),
    (event("{}", params={"caseId": "x" * 129}), 400),
    (event("{}", params={"caseId": "a\nb"}), 400),
])
def test_requests_refused_before_validation(e: dict[str, Any], status: int) -> None:
    refused = http._refusal(e)
    assert refused is not None
    assert refused.status == status


def test_a_good_body_passes_decoded() -> None:
    e = event("eyJhIjogMX0=", "Application/JSON; charset=UTF-8", b64=True)
    assert http._refusal(e) is None
    assert (e["body"], e["isBase64Encoded"]) == ('{"a": 1}', False)


@pytest.mark.parametrize(("codes", "error"), [
    (["None", "ThrottlingError"], Throttled),
    (["ProvisionedThroughputExceeded", "None"], Throttled),
    (["None", "TransactionConflict"], Conflict),
    (["ConditionalCheckFailed", "None"], store.Cancelled),
    (["ValidationError"], store.Cancelled),
])
def test_what_a_cancelled_transaction_means(codes: list[str], error: type[Exception]) -> None:
    assert isinstance(store.cancellation(codes), error)


def test_throttling_answers_503_with_retry_after() -> None:
    answer = http._plain(Throttled(retry_after=2))
    assert answer["statusCode"] == 503
    assert answer["headers"]["Retry-After"] == "2"
    assert json.loads(answer["body"])["error"]["code"] == "throttled"


@pytest.mark.parametrize(("name", "header"), [
    ("report.pdf", 'attachment; filename="report.pdf"'),
    ('a";b=c.pdf', 'attachment; filename="ab=c.pdf"'),
    ("evil\r\nSet-Cookie: x.pdf", 'attachment; filename="evilSet-Cookie: x.pdf"'),
    ("Lasku äö €.pdf", "attachment; filename=\"Lasku ao _.pdf\"; "
                       "filename*=UTF-8''Lasku%20%C3%A4%C3%B6%20%E2%82%AC.pdf"),
    ('"";', 'attachment; filename="download"'),
])
def test_download_names_cannot_add_header_parameters(name: str, header: str) -> None:
    assert content_disposition(name) == header
