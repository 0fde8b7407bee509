"""Notification digest: each reader who chose a daily mail gets yesterday's notifications
in one (run hourly; the first run of the day sends)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico.notifications import delivery

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    budget = max(5.0, context.get_remaining_time_in_millis() / 1000 - 15)
    done = delivery.send_digests(request_id=context.aws_request_id, budget_seconds=budget)
    metrics.add_metric(name="DigestsSent", unit=MetricUnit.Count, value=done["sent"])
    logger.info("digest run", extra=done)
    return done
