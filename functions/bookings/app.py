"""Bookings: the resource catalogue, availability, booking, cancelling, approvals and
calendars."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico import http
from portico.bookings import calendar, catalogue, ledger, models

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = http.api()

Time = Annotated[str | None, Query(max_length=40)]
CALENDAR = "text/calendar; charset=utf-8"


def _ics(body: str, filename: str) -> Response[str]:
    return Response(status_code=200, content_type=CALENDAR, body=body,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# -- resources ----------------------------------------------------------------------------
@app.get("/resources")
def list_resources(category: Annotated[str | None, Query(max_length=40)] = None
                   ) -> models.ResourceList:
    return catalogue.list_for(http.principal(app), category)


@app.post("/resources", status_code=201)
def create_resource(new: models.ResourceIn) -> models.Resource:
    return catalogue.create(http.principal(app), new)


@app.get("/resources/<resource_id>")
def get_resource(resource_id: str) -> models.Resource:
    return catalogue.get(http.principal(app), resource_id)


@app.put("/resources/<resource_id>")
def update_resource(resource_id: str, new: models.ResourceUpdate) -> models.Resource:
    return catalogue.update(http.principal(app), resource_id, new)


@app.delete("/resources/<resource_id>", status_code=204)
def retire_resource(resource_id: str) -> Response[str]:
    catalogue.retire(http.principal(app), resource_id)
    return http.no_content()


@app.get("/resources/<resource_id>/availability")
def availability(resource_id: str,
                 from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
                 to: Time = None) -> models.Availability:
    return ledger.availability(http.principal(app), resource_id, from_, to)


@app.get("/resources/<resource_id>/bookings")
def resource_calendar(resource_id: str,
                      from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
                      to: Time = None) -> models.BookingPage:
    return ledger.resource_calendar(http.principal(app), resource_id, from_, to)


# -- bookings -----------------------------------------------------------------------------
@app.post("/bookings", status_code=201)
def book(new: models.NewBooking) -> models.Booking:
    booking = ledger.book(http.principal(app), new)
    metrics.add_metric(name="BookingsMade", unit=MetricUnit.Count, value=1)
    return booking


@app.get("/bookings")
def list_bookings(scope: Annotated[Literal["mine", "account", "pending"], Query()] = "mine",
                  from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
                  to: Time = None, cursor: http.Cursor = None, limit: http.Limit = 25
                  ) -> models.BookingPage:
    return ledger.list_bookings(http.principal(app), scope=scope, frm=from_, to=to,
                                cursor=cursor, limit=limit)


@app.get("/bookings.ics")
def calendar_feed(token: Annotated[str, Query(max_length=100)]) -> Response[str]:
    """A contact's bookings for a calendar app; the token is the credential."""
    return _ics(calendar.feed(token), "bookings.ics")


@app.get("/bookings/<booking_id>", responses={200: {
    "description": "The booking; with `.ics` after its id, the booking as an iCalendar "
                   "file.",
    "content": {"application/json": {"model": models.Booking},
                "text/calendar": {"schema": {"type": "string"}}}}})
def get_booking(booking_id: str) -> Any:
    p = http.principal(app)
    if booking_id.endswith(".ics"):
        return _ics(calendar.one(p, booking_id.removesuffix(".ics")), "booking.ics")
    return ledger.get(p, booking_id)


@app.delete("/bookings/<booking_id>")
def cancel(booking_id: str) -> models.Booking:
    return ledger.cancel(http.principal(app), booking_id)


@app.post("/bookings/<booking_id>/approve")
def approve(booking_id: str) -> models.Booking:
    return ledger.approve(http.principal(app), booking_id)


@app.post("/bookings/<booking_id>/reject")
def reject(booking_id: str, rejection: models.Rejection) -> models.Booking:
    return ledger.reject(http.principal(app), booking_id, rejection.reason)


# -- the caller's calendar feed -------------------------------------------------------------
@app.get("/calendar-feed")
def feed_state() -> models.Feed:
    return calendar.feed_state(http.principal(app))


@app.post("/calendar-feed", status_code=201)
def create_feed() -> models.NewFeed:
    return calendar.create_feed(http.principal(app))


@app.delete("/calendar-feed", status_code=204)
def revoke_feed() -> Response[str]:
    calendar.revoke_feed(http.principal(app))
    return http.no_content()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
