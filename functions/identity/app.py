"""Identity: health and the caller's own profile."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from portico import http
from portico.settings import settings
from pydantic import BaseModel

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = http.api()


class Health(BaseModel):
    status: str
    stage: str


class Me(BaseModel):
    sub: str
    username: str
    client_id: str
    scopes: list[str]
    auth_time: int | None
    expires_at: int


@app.get("/health")
def health() -> Health:
    return Health(status="ok", stage=settings().stage)


@app.get("/me")
def me() -> Me:
    c = http.caller(app)
    return Me(sub=c.sub, username=c.username, client_id=c.client_id, scopes=list(c.scopes),
              auth_time=c.auth_time, expires_at=c.expires_at)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
