"""The events back-office systems may send (`source: integration.<name>`), each with its
schema: what the webhook checks before taking a call and the ingest function applies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from portico import aws
from portico.identity import upserts
from portico.integrations.errors import NotYet, Rejected
from portico.invoices import models as invoices
from portico.settings import settings

__all__ = ["SCHEMAS", "NotYet", "Rejected", "park", "validate"]

SCHEMAS: dict[str, type[BaseModel]] = {
    "AccountUpserted": upserts.AccountUpserted,
    "ContactUpserted": upserts.ContactUpserted,
    "InvoiceIssued": invoices.InvoiceIssued,
    "InvoicePaid": invoices.InvoicePaid,
    "InvoiceCancelled": invoices.InvoiceCancelled,
}


def validate(detail_type: str, detail: Mapping[str, Any]) -> BaseModel:
    model = SCHEMAS.get(detail_type)
    if model is None:
        raise Rejected(f"unknown detail-type {detail_type!r}; known: {', '.join(SCHEMAS)}")
    try:
        return model.model_validate(dict(detail))
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'detail'}: {err['msg']}"
                             for err in e.errors()[:10])
        raise Rejected(f"{detail_type} is not valid: {problems}") from None


def park(body: str, reason: str) -> None:
    """Put an event that can never apply on the inbound dead-letter queue, with the reason
    beside it (the message attribute `reason`) for whoever looks into it."""
    aws.client("sqs").send_message(
        QueueUrl=settings().inbound_dead_letter_queue_url, MessageBody=body,
        MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:1000]}})
