"""Notifier: turns domain events (from the bus, through SQS) into in-app notifications,
e-mail and live badges for the people each concerns.

Each record is handled once: Powertools idempotency remembers the event id, and the
notifications and their mail are marked in the table, so a redelivered event notifies
nobody twice. A mail SES refuses for now fails its record, which SQS retries later (the
visibility timeout grows with each try); after the last try the record is parked on the
dead-letter queue with the reason. A record that cannot be read is parked at once: it
never holds up the rest of its batch.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from portico import idempotency
from portico.events import Event
from portico.notifications import delivery, notifier

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
config = IdempotencyConfig(event_key_jmespath="[id, cursor]", payload_validation_jmespath="type",
                           expires_after_seconds=7 * 24 * 3600)


@idempotency.once("notifier", config, keyword="job")
def notify(job: dict[str, Any]) -> dict[str, Any]:
    done = notifier.handle(job["event"], cursor=job.get("cursor"))
    if done.more:  # an announcement's audience goes on in another invocation
        delivery.carry_on(job["event"], done.more)
    metrics.add_metric(name="NotificationsStored", unit=MetricUnit.Count, value=done.stored)
    metrics.add_metric(name="NotificationMailsSent", unit=MetricUnit.Count, value=done.mailed)
    logger.info("notified", extra={"event_id": job["id"], "event_type": job["type"],
                                   "readers": done.readers, "stored": done.stored,
                                   "mailed": done.mailed, "digested": done.digested,
                                   "failed": done.failed, "more": bool(done.more)})
    return {"stored": done.stored, "mailed": done.mailed}


def on_record(record: SQSRecord) -> None:
    try:
        body = json.loads(record.body)
        event = Event.model_validate(body["detail"]).model_dump()
    except (json.JSONDecodeError, KeyError, TypeError, ValidationError) as e:
        delivery.park(record.body, f"not a portal event: {type(e).__name__}")
        return
    job = {"id": event["id"], "type": event["type"], "cursor": body.get("cursor"),
           "event": event}
    try:
        notify(job=job)
    except notifier.MailLater as e:
        attempt = int(record.attributes.approximate_receive_count or 1)
        if attempt >= delivery.LAST_ATTEMPT:
            delivery.park(record.body, f"gave up after {attempt} tries: {e}")
            return
        delivery.back_off(record.receipt_handle, attempt)
        raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    config.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=on_record, processor=processor,
                                    context=context)
