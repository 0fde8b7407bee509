"""Notifications: the caller's notifications, their unread counts, and unsubscribing from
a notification mail without signing in."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico import http
from portico.notifications import inbox, models, unsubscribe

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = http.api()


@app.get("/notifications")
def list_notifications(unread: Annotated[bool, Query()] = False, cursor: http.Cursor = None,
                       limit: http.Limit = 25) -> models.NotificationPage:
    """The caller's notifications, newest first; `unread=true` for the unread ones only."""
    return inbox.list_for(http.principal(app), unread=unread, cursor=cursor, limit=limit)


@app.get("/notifications/summary")
def summary() -> models.Summary:
    """Unread notifications per section: the navigation's badges."""
    return inbox.summary(http.principal(app).contact_id)


@app.post("/notifications/<notification_id>/read")
def read(notification_id: str) -> models.Notification:
    return inbox.read(http.principal(app), notification_id)


@app.post("/notifications/read-all")
def read_all() -> models.ReadAll:
    return inbox.read_all(http.principal(app))


@app.post("/notifications/unsubscribe")
def stop_mail(body: models.Unsubscribe) -> models.Unsubscribed:
    """Turn off one kind of notification mail with the token from that mail's link."""
    return unsubscribe.use(body, request_id=http.request_id(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
