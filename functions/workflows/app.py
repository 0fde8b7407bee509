"""Workflows: route each new case to its queue (CaseCreated, through SQS).

Idempotent twice over: Powertools idempotency remembers each event id, and routing itself
leaves an already-queued case alone, so a redelivered event changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico import idempotency
from portico.cases import desk
from portico.events import Event

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
# The same event id with another payload is an error (it is retried, then parked on the
# DLQ), never a silent skip of the second.
config = IdempotencyConfig(event_key_jmespath="id", payload_validation_jmespath="data",
                           expires_after_seconds=7 * 24 * 3600)


@idempotency.once("workflows", config, keyword="event")
def route(event: dict[str, Any]) -> dict[str, Any]:
    if event["type"] == "CaseCreated":
        routed = desk.route(event["data"]["case_id"], event_id=event["id"])
        logger.info("case routed" if routed else "case already routed",
                    extra={"case_id": event["data"]["case_id"], "event_id": event["id"]})
        return {"routed": routed}
    return {"ignored": event["type"]}


def on_record(record: SQSRecord) -> None:
    bus_event = json.loads(record.body)
    envelope = Event.model_validate(bus_event["detail"])
    route(event=envelope.model_dump())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    config.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=on_record, processor=processor,
                                    context=context)
