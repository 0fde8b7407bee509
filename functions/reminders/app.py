"""Booking reminders: every quarter of an hour, mail the bookers whose booking starts
within a day (once each)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico import clock
from portico.bookings import reminders

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    reminded, sent = reminders.run(clock.now(), request_id=context.aws_request_id)
    metrics.add_metric(name="BookingRemindersSent", unit=MetricUnit.Count, value=sent)
    logger.info("reminders", extra={"reminded": reminded, "sent": sent})
    return {"reminded": reminded, "sent": sent}
