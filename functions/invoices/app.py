"""Invoices: the account's invoices, one invoice, its PDF, the balance and copy requests."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico import http
from portico.invoices import ledger, models

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = http.api()

Day = Annotated[str | None, Query(max_length=10, description="a date, YYYY-MM-DD")]


@app.get("/invoices")
def list_invoices(status: Annotated[models.Status | None, Query()] = None,
                  from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                  to: Day = None,
                  account_id: Annotated[str | None, Query(max_length=64,
                                                          pattern=r"^[A-Za-z0-9_.-]+$")] = None,
                  cursor: http.Cursor = None, limit: http.Limit = 25) -> models.InvoicePage:
    """The acting account's invoices (staff: `account_id`'s), newest first; `from`/`to`
    bound the issue date."""
    return ledger.list_invoices(http.principal(app), account_id=account_id, status=status,
                                frm=from_, to=to, cursor=cursor, limit=limit)


@app.get("/invoices/<invoice_id>")
def get_invoice(invoice_id: str) -> models.Invoice:
    return ledger.get(http.principal(app), invoice_id)


@app.get("/invoices/<invoice_id>/pdf")
def invoice_pdf(invoice_id: str) -> models.PdfLink:
    """A link to the invoice's PDF that works for five minutes."""
    link = ledger.pdf_link(http.principal(app), invoice_id)
    metrics.add_metric(name="InvoicePdfLinks", unit=MetricUnit.Count, value=1)
    return link


@app.post("/invoices/<invoice_id>/copy-requests", status_code=201)
def request_copy(invoice_id: str, new: models.NewCopyRequest) -> models.CopyRequest:
    return ledger.request_copy(http.principal(app), invoice_id, new)


@app.get("/accounts/<account_id>/balance")
def balance(account_id: str) -> models.Balance:
    return ledger.balance(http.principal(app), account_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
