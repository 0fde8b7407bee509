"""Cases: open, follow, discuss, attach, route, resolve, rate; the staff's queues."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from portico import http
from portico.cases import attachments, desk, models

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = http.api()


class NewCaseIn(models.NewCase):
    account_id: str | None = None  # partners and staff open cases for another account
    # ... and for one of its people (a phoned-in case); a manager for a colleague
    requester_id: models.ContactId | None = None


class QueueList(BaseModel):
    items: list[str]


@app.post("/cases", status_code=201)
def open_case(new: NewCaseIn) -> models.Case:
    case = desk.open_case(
        http.principal(app),
        models.NewCase.model_validate(new.model_dump(exclude={"account_id", "requester_id"})),
        new.account_id, new.requester_id)
    metrics.add_metric(name="CasesOpened", unit=MetricUnit.Count, value=1)
    return case


@app.get("/cases")
def list_cases(scope: Annotated[Literal["mine", "account", "assigned"], Query()] = "mine",
               account: Annotated[str | None, Query(max_length=64)] = None,
               status: Annotated[models.StatusFilter | None, Query()] = None,
               q: Annotated[str | None, Query(max_length=100)] = None,
               order: Annotated[models.Order, Query()] = "newest",
               cursor: http.Cursor = None, limit: http.Limit = 25) -> models.CasePage:
    """`mine` and `account` lists are by when the case was opened (`order`), within a
    `status` class; with no status, open cases come first. `assigned`: open ones by
    resolution due."""
    return desk.list_cases(http.principal(app), scope=scope, account_id=account,
                           status=status, q=q, order=order, cursor=cursor, limit=limit)


@app.get("/cases/<case_id>")
def get_case(case_id: str) -> models.Case:
    return desk.get(http.principal(app), case_id)


@app.patch("/cases/<case_id>")
def patch_case(case_id: str, patch: models.CasePatch) -> models.Case:
    return desk.update(http.principal(app), case_id, patch)


@app.get("/cases/<case_id>/comments")
def list_comments(case_id: str, cursor: http.Cursor = None, limit: http.Limit = 50
                  ) -> models.CommentPage:
    return desk.comments(http.principal(app), case_id, cursor=cursor, limit=limit)


@app.post("/cases/<case_id>/comments", status_code=201)
def add_comment(case_id: str, new: models.NewComment) -> models.Comment:
    return desk.comment(http.principal(app), case_id, new)


@app.post("/cases/<case_id>/attachments", status_code=201)
def add_attachment(case_id: str, new: models.NewAttachment) -> models.Upload:
    return attachments.start(http.principal(app), case_id, new)


@app.get("/cases/<case_id>/attachments")
def list_attachments(case_id: str, cursor: http.Cursor = None, limit: http.Limit = 25
                     ) -> models.AttachmentPage:
    return attachments.list_for(http.principal(app), case_id, cursor=cursor, limit=limit)


@app.get("/cases/<case_id>/attachments/<attachment_id>")
def download(case_id: str, attachment_id: str) -> models.Download:
    return attachments.download(http.principal(app), case_id, attachment_id)


@app.post("/cases/<case_id>/satisfaction", status_code=201)
def rate(case_id: str, satisfaction: models.Satisfaction) -> models.Case:
    return desk.rate(http.principal(app), case_id, satisfaction)


@app.get("/queues")
def list_queues() -> QueueList:
    return QueueList(items=desk.queues(http.principal(app)))


@app.get("/queues/<queue>/cases")
def queue_cases(queue: str, status: Annotated[models.StatusFilter | None, Query()] = "open",
                cursor: http.Cursor = None, limit: http.Limit = 25) -> models.CasePage:
    return desk.queue_cases(http.principal(app), queue, status=status, cursor=cursor,
                            limit=limit)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
