"""Overdue invoices: marks open invoices past their due date (InvoiceOverdue), hourly."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico.invoices import overdue

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    # Leave a margin of the function's own timeout: what is left is the next run's.
    budget = max(5.0, context.get_remaining_time_in_millis() / 1000 - 10)
    done = overdue.run(request_id=context.aws_request_id, budget_seconds=budget)
    metrics.add_metric(name="InvoicesMarkedOverdue", unit=MetricUnit.Count,
                       value=done["marked"])
    logger.info("overdue run", extra=done)
    return done
