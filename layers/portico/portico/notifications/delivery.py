"""The notifier's queue: parking what cannot be delivered (with the reason), backing off
before a retry, carrying an announcement's audience over to the next invocation, and the
daily digest run."""

from __future__ import annotations

import json
from typing import Any

from portico import aws
from portico.notifications import digest
from portico.settings import settings

# The queue's maxReceiveCount (template.yaml): the try after which a record is parked.
LAST_ATTEMPT = 5
BACKOFF_SECONDS = (30, 120, 600, 1800)


def park(body: str, reason: str) -> None:
    """Onto the notifications dead-letter queue, with the reason beside the message;
    `python -m portico.notifications redrive` puts them back once the cause is fixed."""
    aws.client("sqs").send_message(
        QueueUrl=settings().notification_dead_letter_queue_url, MessageBody=body,
        MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:1000]}})


def back_off(receipt_handle: str, attempt: int) -> None:
    """Wait longer before each retry: 30 s, 2 min, 10 min, 30 min."""
    delay = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1]
    aws.client("sqs").change_message_visibility(
        QueueUrl=settings().notification_queue_url, ReceiptHandle=receipt_handle,
        VisibilityTimeout=delay)


def carry_on(event: dict[str, Any], cursor: str) -> None:
    """The rest of an announcement's audience, for the next invocation."""
    aws.client("sqs").send_message(
        QueueUrl=settings().notification_queue_url,
        MessageBody=json.dumps({"detail-type": event["type"], "source": "portico",
                                "detail": event, "cursor": cursor}, default=str))


def send_digests(*, request_id: str, budget_seconds: float) -> dict[str, int]:
    from portico.invoices.pdf import brand

    return digest.run(request_id=request_id, site=settings().site_url, brand=brand().name,
                      budget_seconds=budget_seconds)
