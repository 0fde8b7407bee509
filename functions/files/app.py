"""Files: checks every object the attachments bucket reports created and marks its
attachment clean or quarantined; only clean files download.

S3 delivers an event at least once and in no promised order. The verdict is recorded once
(a repeated event changes nothing), and a failure raises, so Lambda retries the event and
then leaves it on the function's dead-letter queue.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext

from portico import scan

logger = Logger()
tracer = Tracer()
metrics = Metrics()

_METRICS = {"clean": "AttachmentsClean", "quarantined": "AttachmentsQuarantined"}


@tracer.capture_method
def inspect(bucket: str, key: str, version_id: str | None, request_id: str) -> scan.Inspection:
    result = scan.inspect_upload(bucket, key, version_id=version_id, request_id=request_id)
    where = {"case_id": result.case_id, "attachment_id": result.attachment_id,
             "version_id": version_id}
    if result.action == "unknown":
        # Not an attachment the portal announced: nothing to mark, and nothing to serve it.
        logger.warning("object of no attachment", extra={"bucket": bucket, "key": key})
    elif result.action == "overwrite_removed":
        logger.warning("unchecked second upload removed", extra=where)
        metrics.add_metric(name="AttachmentOverwritesRemoved", unit=MetricUnit.Count, value=1)
    elif result.action == "repeated":
        logger.info("already checked", extra=where)
    elif result.verdict is not None:
        logger.info("checked", extra={**where, "status": result.verdict.status,
                                      "reason": result.verdict.reason})
        metrics.add_metric(name=_METRICS[result.verdict.status], unit=MetricUnit.Count,
                           value=1)
    return result


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    records = list(S3Event(event).records)
    for record in records:
        obj = record.s3.get_object
        # S3 sends the key URL-encoded, a space as `+`; the data class leaves it so.
        inspect(record.s3.bucket.name, unquote_plus(obj.key), obj.version_id,
                context.aws_request_id)
    return {"records": len(records)}
