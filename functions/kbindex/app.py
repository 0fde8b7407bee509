"""The knowledge base's indexer: rebuilds the search index when articles are published,
archived or imported (through SQS, batched: a burst of publishes is one build)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico.kb import index

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Every record asks for the same thing, the index of what is published now: one build
    # answers them all, and none is needed when a build began after them. A failed build
    # fails the batch, and SQS delivers it again.
    occurred = [json.loads(r["body"])["detail"]["occurred_at"]
                for r in event.get("Records", [])]
    if index.covers(occurred):
        logger.info("index current", extra={"events": len(occurred)})
        return {"current": True, "built": False}
    built = index.rebuild(request_id=context.aws_request_id)
    metrics.add_metric(name="KnowledgeBaseIndexBuilt", unit=MetricUnit.Count, value=1)
    logger.info("index built", extra={**built, "events": len(event.get("Records", []))})
    return built
