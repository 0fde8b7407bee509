"""Case search: the cases a reader may read that match their words, from an index this
function keeps in memory (`portico.cases.index`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico import http
from portico.cases import index, models

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = http.api()

# A query longer than a search box holds is cut by the engine, never refused.
Q = Annotated[str, Query(max_length=10_240)]


@app.get("/cases/search")
def search_cases(q: Q,
                 scope: Annotated[Literal["all", "mine", "account", "assigned"],
                                  Query()] = "all",
                 account: Annotated[str | None, Query(max_length=64)] = None,
                 status: Annotated[models.StatusFilter | None, Query()] = None,
                 cursor: http.Cursor = None, limit: http.Limit = 25) -> models.CaseSearchPage:
    """`all`: every case the caller may read (staff: every account's; a partner: the
    accounts it serves); `mine`: theirs and those they are copied on; `account`: one
    account's; `assigned`: a staff member's own."""
    return index.search(http.principal(app), q, scope=scope, account_id=account,
                        status=status, cursor=cursor, limit=limit)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
