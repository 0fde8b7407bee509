"""Thin, typed access to the one table: items in, items out, AWS errors as domain errors."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from portico import aws
from portico.errors import BadRequest, Conflict, Throttled
from portico.settings import settings

Item = dict[str, Any]
TransactItem = dict[str, Any]

_NAME_REF = re.compile(r"#[A-Za-z_][A-Za-z0-9_]*")
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

THROTTLING_CODES = frozenset({
    "ProvisionedThroughputExceeded",  # as a transaction's cancellation reason
    "ThrottlingError",
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "LimitExceededException",
})


def _to_dynamo(v: Any) -> Any:
    # DynamoDB numbers are decimals; a float goes in by its shortest exact text.
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, dict):
        return {k: _to_dynamo(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_to_dynamo(x) for x in v]
    return v


def _from_dynamo(v: Any) -> Any:
    # ... and come back as int or float, so models and JSON see plain numbers.
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, dict):
        return {k: _from_dynamo(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_from_dynamo(x) for x in v]
    if isinstance(v, set):
        return {_from_dynamo(x) for x in v}
    return v


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(_to_dynamo(v)) for k, v in item.items()}


def deserialize(image: Mapping[str, Any]) -> Item:
    return {k: _from_dynamo(_deserializer.deserialize(v)) for k, v in image.items()}


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


Path = str | tuple[str, ...]  # an attribute, or a path into a map


def update(key: Mapping[str, str], *, set_: Mapping[Any, Any] | None = None,
           add: Mapping[str, int | set[str]] | None = None, remove: Sequence[str] = (),
           discard: Mapping[str, set[str]] | None = None,
           condition: str | None = None, values: Mapping[str, Any] | None = None,
           names: Mapping[str, str] | None = None) -> TransactItem:
    """An Update for a transaction. Attribute names become placeholders; a tuple key is a
    path into a map (`("accounts", account_id)`). `add` adds to a number or a string set,
    `discard` takes members out of a string set. In `condition`, `#attr` names an
    attribute; `names` gives placeholders of its own (for map keys)."""
    placeholders: dict[str, str] = dict(names or {})
    vals: dict[str, Any] = dict(values or {})
    clauses: list[str] = []

    def name(attr: str) -> str:
        ph = f"#n{len(placeholders)}"
        placeholders[ph] = attr
        return ph

    def path(p: Path) -> str:
        return ".".join(name(part) for part in ((p,) if isinstance(p, str) else p))

    if set_:
        parts = []
        for i, (attr, v) in enumerate(set_.items()):
            vals[f":s{i}"] = v
            parts.append(f"{path(attr)} = :s{i}")
        clauses.append("SET " + ", ".join(parts))
    if add:
        parts = []
        for i, (attr, v) in enumerate(add.items()):
            vals[f":a{i}"] = v
            parts.append(f"{name(attr)} :a{i}")
        clauses.append("ADD " + ", ".join(parts))
    if remove:
        clauses.append("REMOVE " + ", ".join(name(a) for a in remove))
    if discard:
        parts = []
        for i, (attr, members) in enumerate(discard.items()):
            vals[f":d{i}"] = members
            parts.append(f"{name(attr)} :d{i}")
        clauses.append("DELETE " + ", ".join(parts))
    op: dict[str, Any] = {"TableName": settings().table_name, "Key": serialize(key),
                          "UpdateExpression": " ".join(clauses)}
    if condition:
        given = set(names or {})
        for attr in sorted(set(_NAME_REF.findall(condition)) - given):
            condition = re.sub(rf"(?<![\w#]){re.escape(attr)}(?![\w])", name(attr[1:]),
                               condition)
        op["ConditionExpression"] = condition
    if placeholders:
        op["ExpressionAttributeNames"] = placeholders
    if vals:
        op["ExpressionAttributeValues"] = serialize(vals)
    return {"Update": op}


def delete(key: Mapping[str, str], *, condition: str | None = None,
           values: Mapping[str, Any] | None = None) -> TransactItem:
    op: dict[str, Any] = {"TableName": settings().table_name, "Key": serialize(key)}
    if condition:
        op["ConditionExpression"] = condition
    if values:
        op["ExpressionAttributeValues"] = serialize(values)
    return {"Delete": op}


class Cancelled(Exception):
    """A transaction DynamoDB cancelled: `codes` holds one reason per item, in order."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes

    @property
    def failed_condition(self) -> int | None:
        """The index of the first item whose condition failed, if one did."""
        return self.codes.index("ConditionalCheckFailed") \
            if "ConditionalCheckFailed" in self.codes else None


def transact(items: Sequence[TransactItem]) -> None:
    """All or nothing. Throttling is a 503 with Retry-After, a write racing another on the
    same item a 409; any other cancellation is raised as `Cancelled` for the unit of work
    (portico.change) to explain."""
    with aws_errors():
        try:
            aws.dynamodb().transact_write_items(TransactItems=list(items))  # type: ignore[arg-type]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = e.response.get("CancellationReasons", [])
            raise cancellation([r.get("Code", "None") for r in reasons]) from e


def cancellation(codes: list[str]) -> Exception:
    """What a cancelled transaction means, from its per-item reasons: throttling is a 503
    with Retry-After, a race with another transaction a 409 to retry, and anything else
    (a failed condition) is for the unit of work to explain."""
    if any(c in THROTTLING_CODES for c in codes):
        return Throttled(retry_after=1)
    if "ConditionalCheckFailed" not in codes and "TransactionConflict" in codes:
        return Conflict("Another change to the same record is in progress; retry.",
                        details={"retry": True})
    return Cancelled(codes)


def get(key: Mapping[str, str], *, consistent: bool = False) -> Item | None:
    with aws_errors():
        resp = aws.dynamodb().get_item(
            TableName=settings().table_name, Key=serialize(key), ConsistentRead=consistent
        )
    raw = resp.get("Item")
    return deserialize(raw) if raw else None


def batch_get(keys: Sequence[Mapping[str, str]]) -> list[Item]:
    """Items by key, a hundred to a request (missing ones are left out)."""
    table = settings().table_name
    found: list[Item] = []
    with aws_errors():
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {
                table: {"Keys": [serialize(k) for k in keys[start:start + 100]]}}
            while request:
                resp = aws.dynamodb().batch_get_item(RequestItems=request)
                found += [deserialize(i) for i in resp.get("Responses", {}).get(table, [])]
                request = resp.get("UnprocessedKeys") or {}
    return found


def query_page(pk: str, *, index: str | None = None, sk_prefix: str | None = None,
               sk_between: tuple[str, str] | None = None,
               limit: int = 25, cursor: str | None = None, newest_first: bool = False,
               where: str | None = None, where_names: Mapping[str, str] | None = None,
               where_values: Mapping[str, Any] | None = None) -> tuple[list[Item], str | None]:
    """One page of a partition, and the opaque cursor of the next (None at the end).

    `sk_between`: sort keys from the first to the second, both included. `where` filters
    the page after it is read (a page may then hold fewer than `limit` items; the cursor
    still moves on)."""
    pk_attr, sk_attr = (f"{index}pk", f"{index}sk") if index else ("pk", "sk")
    condition, bounds = "#pk = :pk", {":pk": pk}
    if sk_prefix:
        condition, bounds[":sk"] = condition + " AND begins_with(#sk, :sk)", sk_prefix
    elif sk_between:
        condition += " AND #sk BETWEEN :lo AND :hi"
        bounds[":lo"], bounds[":hi"] = sk_between
    args: dict[str, Any] = {
        "TableName": settings().table_name,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": {"#pk": pk_attr,
                                     **({"#sk": sk_attr} if sk_prefix or sk_between else {})},
        "ExpressionAttributeValues": serialize(bounds),
        "Limit": limit,
        "ScanIndexForward": not newest_first,
    }
    if index:
        args["IndexName"] = index
    if where:
        args["FilterExpression"] = where
        args["ExpressionAttributeNames"].update(where_names or {})
        args["ExpressionAttributeValues"].update(serialize(where_values or {}))
    if cursor:
        args["ExclusiveStartKey"] = serialize(_start_key(cursor, pk=pk, index=index,
                                                         sk_prefix=sk_prefix,
                                                         sk_between=sk_between))
    with aws_errors():
        resp = aws.dynamodb().query(**args)
    items = [deserialize(i) for i in resp.get("Items", [])]
    last = resp.get("LastEvaluatedKey")
    return items, encode_cursor(deserialize(last)) if last else None


def query_all(pk: str, *, index: str | None = None, sk_prefix: str | None = None,
              sk_between: tuple[str, str] | None = None, limit: int = 1000) -> list[Item]:
    """A whole (small, bounded) partition: memberships of a contact, accounts of a partner,
    a resource's claimed slots in a window. One call while the items fit DynamoDB's 1 MB
    page."""
    page = limit
    items, cursor = query_page(pk, index=index, sk_prefix=sk_prefix, sk_between=sk_between,
                               limit=page)
    while cursor and len(items) < limit:
        more, cursor = query_page(pk, index=index, sk_prefix=sk_prefix,
                                  sk_between=sk_between, limit=page, cursor=cursor)
        items += more
    return items[:limit]


MAX_KEY_LENGTH = 1024


def _start_key(cursor: str, *, pk: str, index: str | None, sk_prefix: str | None,
               sk_between: tuple[str, str] | None = None) -> dict[str, str]:
    """The cursor's key, if it is one this very list could have handed out: the key schema
    of the table (and index) read, strings only, in this partition, within the prefix.
    Anything else is a 400, never a read of another partition or a 500."""
    start = decode_cursor(cursor)
    pk_attr, sk_attr = (f"{index}pk", f"{index}sk") if index else ("pk", "sk")
    schema = {"pk", "sk", pk_attr, sk_attr}
    if set(start) != schema or any(len(v) > MAX_KEY_LENGTH or not v for v in start.values()):
        raise BadRequest("The cursor is not valid.")
    if start[pk_attr] != pk or (sk_prefix and not start[sk_attr].startswith(sk_prefix)) \
            or (sk_between and not sk_between[0] <= start[sk_attr] <= sk_between[1]):
        raise BadRequest("The cursor belongs to another list.")
    return start


def encode_cursor(key: Mapping[str, Any]) -> str:
    raw = json.dumps(dict(key), separators=(",", ":"), sort_keys=True, default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("The cursor is not valid.") from None
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise BadRequest("The cursor is not valid.")
    return {str(k): str(v) for k, v in key.items()}


class _Blocks:
    """Numbers a function instance has reserved and not yet handed out, per counter."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ranges: dict[str, tuple[int, int]] = {}  # name -> (next, end exclusive)

    def take(self, name: str) -> int | None:
        with self.lock:
            nxt, end = self.ranges.get(name, (0, 0))
            if nxt >= end:
                return None
            self.ranges[name] = (nxt + 1, end)
            return nxt

    def add(self, name: str, first: int, end: int) -> int:
        with self.lock:
            self.ranges[name] = (first + 1, end)
            return first


_blocks = _Blocks()
NUMBER_BLOCK = 20


def next_number(name: str, *, block: int = NUMBER_BLOCK) -> int:
    """The next value of a named counter (case numbers). Each function instance reserves
    `block` numbers with one atomic update and hands them out one by one, so the counter's
    item takes one write per `block` numbers: not a cap on the portal's write rate. Numbers
    stay unique and short; across instances they are not in creation order, and a block an
    instance did not finish leaves a gap."""
    table = settings().table_name
    taken = _blocks.take(f"{table}/{name}")
    if taken is not None:
        return taken
    with aws_errors():
        resp = aws.dynamodb().update_item(
            TableName=table,
            Key=serialize({"pk": f"COUNTER#{name}", "sk": "COUNTER"}),
            UpdateExpression="ADD #n :block",
            ExpressionAttributeNames={"#n": "value"},
            ExpressionAttributeValues=serialize({":block": block}),
            ReturnValues="UPDATED_NEW")
    last = int(deserialize(resp["Attributes"])["value"])
    return _blocks.add(f"{table}/{name}", last - block + 1, last + 1)


def count(key: Mapping[str, str], *, most: int, expires_at: int) -> bool:
    """Add one to a counter item unless it has reached `most`. False when it has."""
    with aws_errors():
        try:
            aws.dynamodb().update_item(
                TableName=settings().table_name, Key=serialize(key),
                UpdateExpression="ADD #n :one SET #exp = :exp",
                ConditionExpression="attribute_not_exists(#n) OR #n < :most",
                ExpressionAttributeNames={"#n": "count", "#exp": "expires_at"},
                ExpressionAttributeValues=serialize({":one": 1, ":most": most,
                                                     ":exp": expires_at}))
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
    return True


# -- items that are no one's record -----------------------------------------------------------
# A live (WebSocket) connection is plumbing, not data a principal owns: it has no version,
# event or audit entry, and expires by TTL. These two write such items alone, and nothing
# else: both insist on `expires_at`, which no domain record without a TTL has.

def put_transient(item: Mapping[str, Any], *, expires_at: int) -> None:
    """Write an item that expires by TTL at `expires_at` (epoch seconds)."""
    with aws_errors():
        aws.dynamodb().put_item(TableName=settings().table_name,
                                Item=serialize({**item, "expires_at": expires_at}))


def delete_transient(key: Mapping[str, str]) -> None:
    """Delete an item that would expire by TTL anyway; a missing one is fine, one without
    a TTL is refused (ConditionalCheckFailedException)."""
    with aws_errors():
        aws.dynamodb().delete_item(TableName=settings().table_name, Key=serialize(key),
                                   ConditionExpression="attribute_exists(expires_at) "
                                                       "OR attribute_not_exists(pk)")


# -- operator commands --------------------------------------------------------------------------
def scan_page(*, types: Sequence[str], cursor: str | None, limit: int = 100
              ) -> tuple[list[Item], str | None]:
    """One page of the whole table's items of these `type`s, for an operator's migration
    (never a request path: a scan's cost grows with the table)."""
    names = {"#type": "type"}
    values = {f":t{i}": t for i, t in enumerate(types)}
    args: dict[str, Any] = {
        "TableName": settings().table_name, "Limit": limit,
        "FilterExpression": f"#type IN ({', '.join(values)})",
        "ExpressionAttributeNames": names, "ExpressionAttributeValues": serialize(values)}
    if cursor:
        args["ExclusiveStartKey"] = serialize(decode_cursor(cursor))
    with aws_errors():
        resp = aws.dynamodb().scan(**args)
    last = resp.get("LastEvaluatedKey")
    return ([deserialize(i) for i in resp.get("Items", [])],
            encode_cursor(deserialize(last)) if last else None)
