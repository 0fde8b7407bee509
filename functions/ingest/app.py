"""Ingest: applies back-office events (`source: integration.<name>`, from the bus through
SQS) to accounts, contacts and invoices.

Each record is applied once: Powertools idempotency remembers the bus event's id, and every
apply compares the back office's `version` with what is stored, so a redelivered or
overtaken event changes nothing. An event that can never apply goes straight to the
dead-letter queue with its reason; one that may apply later (its account is on the way)
fails its record, and SQS retries it, then parks it.
"""

from __future__ import annotations

import json
from decimal import Decimal
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

from portico import idempotency
from portico.identity import upserts
from portico.integrations import inbound
from portico.invoices import ingest, models

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
config = IdempotencyConfig(event_key_jmespath="id", payload_validation_jmespath="detail",
                           expires_after_seconds=7 * 24 * 3600)


@idempotency.once("ingest", config, keyword="event")
def apply(event: dict[str, Any]) -> dict[str, str]:
    detail_type, source = str(event.get("detail-type", "")), str(event.get("source", ""))
    parsed = inbound.validate(detail_type, event.get("detail") or {})
    if isinstance(parsed, upserts.AccountUpserted):
        outcome = upserts.apply_account(parsed, source=source, event_id=event["id"])
    elif isinstance(parsed, upserts.ContactUpserted):
        outcome = upserts.apply_contact(parsed, source=source, event_id=event["id"])
    else:
        assert isinstance(parsed, models.InvoiceIssued | models.InvoicePaid
                          | models.InvoiceCancelled)
        outcome = ingest.apply(parsed, source=source, event_id=event["id"])
    logger.info("applied", extra={"event_id": event["id"], "detail_type": detail_type,
                                  "source": source, "outcome": outcome})
    metrics.add_metric(name="IntegrationEventsApplied", unit=MetricUnit.Count, value=1)
    return {"outcome": outcome}


def park(record: SQSRecord, reason: str) -> None:
    inbound.park(record.body, reason)
    logger.error("event parked", extra={"reason": reason, "message_id": record.message_id})
    metrics.add_metric(name="IntegrationEventsRejected", unit=MetricUnit.Count, value=1)


def on_record(record: SQSRecord) -> None:
    try:
        event = json.loads(record.body, parse_float=Decimal)
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            raise inbound.Rejected("not an EventBridge event")
        apply(event=event)
    except inbound.Rejected as e:
        park(record, str(e))
    except (json.JSONDecodeError, UnicodeDecodeError):
        park(record, "not JSON")
    except inbound.NotYet as e:
        logger.warning("event retried", extra={"reason": str(e),
                                               "message_id": record.message_id})
        raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    config.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=on_record, processor=processor,
                                    context=context)
