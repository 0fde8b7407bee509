"""Handlers called with the sample events in events/: the layer's checks and error shape."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from infra.functions import Function, LambdaContext
from infra.local import ROOT
from portico.events import Actor, Event
from tests.conftest import sample_event

CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado"  # the client id in events/identity/get-me.json


@pytest.fixture(scope="module")
def identity() -> Function:
    fn = Function("IdentityFunction", "identity", "arn:aws:lambda:eu-west-1:1:function:i",
                  ROOT / "functions" / "identity", "app.lambda_handler",
                  {"POWERTOOLS_SERVICE_NAME": "identity", "USER_POOL_CLIENT_ID": CLIENT,
                   "STAGE": "test", "POWERTOOLS_TRACE_DISABLED": "true",
                   "POWERTOOLS_METRICS_DISABLED": "true", "AWS_REGION": "eu-west-1"},
                  3, 128, {})
    return fn


def call(fn: Function, event: dict[str, Any]) -> tuple[int, Any]:
    result = fn.invoke(event)
    return result["statusCode"], json.loads(result["body"])


def test_health(identity: Function) -> None:
    assert call(identity, sample_event("identity/get-health")) == (
        200, {"status": "ok", "stage": "test"})


@pytest.mark.parametrize(("claim", "value", "message"), [
    ("token_use", "id", "access token"),
    ("client_id", "another-client", "another client"),
])
def test_wrong_kind_of_token_is_401(identity: Function, claim: str, value: str,
                                    message: str) -> None:
    event = copy.deepcopy(sample_event("identity/get-me"))
    event["requestContext"]["authorizer"]["jwt"]["claims"][claim] = value
    status, body = call(identity, event)
    assert status == 401
    assert body["error"]["code"] == "unauthorized"
    assert message in body["error"]["message"]


def test_me_without_authorizer_context_is_401(identity: Function) -> None:
    event = copy.deepcopy(sample_event("identity/get-me"))
    del event["requestContext"]["authorizer"]
    assert call(identity, event)[0] == 401


def test_unknown_route_is_a_json_404(identity: Function) -> None:
    event = copy.deepcopy(sample_event("identity/get-health"))
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/nowhere"
    assert call(identity, event) == (404, {"error": {"code": "not_found",
                                                     "message": "No such route."}})


def test_context_counts_down() -> None:
    ctx = LambdaContext("f", 128, "arn", timeout_s=3)
    assert 0 < ctx.get_remaining_time_in_millis() <= 3000


def test_envelope_sample_is_a_valid_event() -> None:
    envelope = sample_event("domain/envelope")
    assert json.loads(Event.model_validate(envelope).to_json()) == envelope
    bus = sample_event("domain/bus-event")
    assert bus["detail"] == envelope
    assert bus["detail-type"] == envelope["type"]


def test_event_type_must_be_pascal_case() -> None:
    with pytest.raises(ValueError, match="type"):
        Event(type="case_created", actor=Actor(type="system"), account_id=None, data={})


@pytest.mark.parametrize("sample", sorted(p.stem for p in (ROOT / "events" / "cases").glob(
    "*.json")))
def test_case_event_samples_are_valid_envelopes(sample: str) -> None:
    envelope = sample_event(f"cases/{sample}")
    event = Event.model_validate(envelope)
    assert event.type.startswith("Case")
    if event.type == "CaseCommented" and event.data["internal"]:
        assert "body" not in event.data
