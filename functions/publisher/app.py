"""Publisher: puts outbox items from the table's stream on the portal's event bus.

A record whose event the bus did not take is reported as a batch item failure, so Lambda
retries from it (and, after the retries in template.yaml, parks it in the publisher DLQ).
Consumers dedupe on the event's own `id`, since a retry may publish an event twice.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico import aws, keys
from portico.events import SOURCE
from portico.settings import settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


class PublishFailed(Exception):
    pass


def publish(record: DynamoDBRecord) -> None:
    change = record.dynamodb
    if record.event_name != DynamoDBRecordEventName.INSERT or change is None:
        return
    pk = (change.keys or {}).get("pk")
    if not isinstance(pk, str) or not keys.is_outbox(pk):
        return
    image = change.new_image or {}
    event_id = pk.removeprefix(keys.OUTBOX_PREFIX)
    # The envelope goes on the bus exactly as the writer stored it; an event relayed
    # from a back-office system keeps that system's source.
    result = aws.events().put_events(Entries=[{
        "Source": str(image.get("source") or SOURCE),
        "DetailType": str(image.get("event_type", "")),
        "Detail": str(image.get("event", "")),
        "EventBusName": settings().event_bus_name,
    }])
    if result.get("FailedEntryCount", 0):
        entry = result["Entries"][0]
        raise PublishFailed(f"event {event_id} refused by the bus: {entry.get('ErrorCode')} "
                            f"{entry.get('ErrorMessage')}")
    logger.info("published", extra={"event_id": event_id,
                                     "event_type": image.get("event_type")})
    metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=publish, processor=processor, context=context
    )
