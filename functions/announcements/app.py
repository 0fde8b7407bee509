"""Announcements: staff publish, change and withdraw them; every signed-in contact reads
the active ones addressed to them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico import http
from portico.announcements import board, models

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = http.api()


@app.get("/announcements")
def list_announcements(scope: Annotated[Literal["active", "all"], Query()] = "active"
                       ) -> models.AnnouncementList:
    return board.list_for(http.principal(app), scope)


@app.post("/announcements", status_code=201)
def publish_announcement(new: models.AnnouncementIn) -> models.Announcement:
    announcement = board.create(http.principal(app), new)
    metrics.add_metric(name="AnnouncementsPublished", unit=MetricUnit.Count, value=1)
    return announcement


@app.get("/announcements/<announcement_id>")
def get_announcement(announcement_id: str) -> models.Announcement:
    return board.get(http.principal(app), announcement_id)


@app.put("/announcements/<announcement_id>")
def update_announcement(announcement_id: str,
                        new: models.AnnouncementUpdate) -> models.Announcement:
    return board.update(http.principal(app), announcement_id, new)


@app.delete("/announcements/<announcement_id>", status_code=204)
def withdraw_announcement(announcement_id: str) -> Response[str]:
    board.withdraw(http.principal(app), announcement_id)
    return http.no_content()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
