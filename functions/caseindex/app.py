"""The case search indexer: the cases a batch of case events touched, read again and put
into the search index (through SQS, batched: a burst of comments is one change)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico.cases import index

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Each case is read as it is now, so a batch is one change whatever its order, and a
    # failed one (the index moved on meanwhile) is simply given again by SQS.
    done = index.update(index.cases_in(event.get("Records", [])),
                        request_id=context.aws_request_id)
    metrics.add_metric(name="CasesIndexed", unit=MetricUnit.Count, value=done["cases"])
    logger.info("cases indexed", extra={**done, "events": len(event.get("Records", []))})
    return done
