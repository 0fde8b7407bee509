"""The signed webhook back-office systems call when they cannot put events on the bus."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico import http
from portico.integrations import webhook

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = http.api()


@app.post("/integrations/webhook", status_code=202)
def take_call(call: Annotated[webhook.WebhookCall, Body()]) -> webhook.WebhookAccepted:
    """One back-office event, `{"type": ..., "detail": ...}`, signed (see the README):
    202 when it is on its way to the bus."""
    del call  # validated for the contract; the signature covers the raw text
    accepted = webhook.take(app.current_event.headers, app.current_event.body or "",
                            request_id=http.request_id(app))
    logger.info("webhook call taken", extra=accepted.model_dump())
    metrics.add_metric(name="WebhookCalls", unit=MetricUnit.Count, value=1)
    return accepted


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
