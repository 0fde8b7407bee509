"""Thin, typed access to the one table: items in, items out, AWS errors as domain errors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from portico import aws
from portico.errors import Conflict, Throttled
from portico.settings import settings

Item = dict[str, Any]
TransactItem = dict[str, Any]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

THROTTLING_CODES = frozenset({
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "LimitExceededException",
})


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items()}


def deserialize(image: Mapping[str, Any]) -> Item:
    return {k: _deserializer.deserialize(v) for k, v in image.items()}


@contextmanager
def aws_errors() -> Iterator[None]:
    """Turns throttling into a 503 with Retry-After; everything else passes through."""
    try:
        yield
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in THROTTLING_CODES:
            raise Throttled(retry_after=1) from e
        raise


def put(item: Mapping[str, Any], *, condition: str | None = None,
        values: Mapping[str, Any] | None = None) -> TransactItem:
    op: dict[str, Any] = {"TableName": settings().table_name, "Item": serialize(item)}
    if condition:
        op["ConditionExpression"] = condition
    if values:
        op["ExpressionAttributeValues"] = serialize(values)
    return {"Put": op}


def transact(items: Sequence[TransactItem]) -> None:
    """All or nothing. A failed condition is a Conflict naming the item that failed."""
    with aws_errors():
        try:
            aws.dynamodb().transact_write_items(TransactItems=list(items))  # type: ignore[arg-type]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = e.response.get("CancellationReasons", [])
            codes = [r.get("Code", "None") for r in reasons]
            if "ConditionalCheckFailed" in codes:
                raise Conflict("The record was changed or already exists.",
                               details={"failed": codes.index("ConditionalCheckFailed")}) from e
            if "TransactionConflict" in codes:
                raise Conflict("Another change to the same record is in progress; retry.") from e
            if any(c in THROTTLING_CODES for c in codes):
                raise Throttled(retry_after=1) from e
            raise


def get(key: Mapping[str, str], *, consistent: bool = False) -> Item | None:
    with aws_errors():
        resp = aws.dynamodb().get_item(
            TableName=settings().table_name, Key=serialize(key), ConsistentRead=consistent
        )
    raw = resp.get("Item")
    return deserialize(raw) if raw else None


def put_item(item: Mapping[str, Any]) -> None:
    with aws_errors():
        aws.dynamodb().put_item(TableName=settings().table_name, Item=serialize(item))
