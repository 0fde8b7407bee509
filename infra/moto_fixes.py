"""Corrections to moto that the local cloud's guarantees depend on (checked with moto 5.2.5).

TransactWriteItems backs up every table it touches by deep-copying the whole table, once
per item of the transaction, and rolls back by swapping in the copy. That costs time in
proportion to the table (a case took 0.4 s with the demo data, 0.6 s after 200 more), and
the writes applied before a failure stayed as stream records on the swapped-out shard,
where an earlier shard iterator still read them: the publisher would have put the events of
a transaction that never committed on the bus. Now a transaction backs up only the items it
touches, and on failure puts them back and drops the stream records it added; transactions
and stream reads take one lock, so a read never sees a transaction half done, and the
table keeps its shard, so an iterator stays valid across a rolled-back transaction.

moto keeps every DynamoDB Streams shard iterator it hands out, for good: each GetRecords
adds one (its NextShardIterator), so a stream source polling for hours grew the process by
~200 MB an hour. An iterator is now dropped once read (GetRecords returns its successor)
and any other expires 15 minutes after it was issued, as on AWS.

moto also keeps every stream record, with the item's old and new images, for good. AWS
keeps them 24 hours; locally the only reader is the stream event source (infra/workers.py),
which reads each record once and keeps what it retries in memory. So a record is dropped
once every live iterator of its shard is past it: whoever holds an iterator can still read
all it could before, and a source that lost a GetRecords answer asks again after its last
record, which is kept until its next read. A reader that comes later with TRIM_HORIZON
starts at the first record kept, as it would after 24 hours on AWS.

moto keeps every model object it ever made in a list on its class, for its dashboard
(/moto-api/): every version of every item, every stream record and shard iterator, every
SQS message and the copy each receive makes. A portal left running held on to all of it.
Objects are no longer listed, so what nothing else refers to is freed; the dashboard lists
none. S3 keys and multipart uploads are listed weakly, for moto's reset to close their
files: a deleted or replaced object (a case-index snapshot, every few minutes of use) was
kept with its whole body, up to 5 MB of it in memory.

Every Query listed all of the table's items and sorted them before picking those of its
partition (or index partition), and then sorted those again: a request's reads cost time in
proportion to the whole table, so a local portal (and the test suite) slowed as it filled.
A Query on the table now looks at its own partition only, and one on an index skips the
first sort; the results are the same.

An SQS queue remembers the receipt handles of every message ever deleted from it, so that
deleting one twice is not an error: some 25,000 an hour under demo traffic. It now
remembers the last `REMEMBERED_RECEIPTS` (a handle is good for 12 hours on AWS; locally a
source deletes within seconds of receiving).

The event sources (infra/workers.py) poll moto. So that an idle one need not poll often
to be prompt, `watch` tells a source when a message reaches its queue or a record its
table's stream, and it polls at once.

moto's DynamoDB items are kept packed, one string each: infra/moto_items.

GlobalSignOut is an unsigned call, so moto cannot tell its region from the request and
looks for the token in the default region only: signing out from the browser failed. It
now finds the token's pool the way moto's other unsigned Cognito calls do.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.common_models import BaseModel
from moto.core.responses import EmptyResult
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import StreamShard, Table
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.s3.models import FakeKey
from moto.sqs.models import Queue

from infra import moto_items

_lock = threading.RLock()
_applied = False


class _TablesAreNotCopied:
    """Stands in for `copy` in moto's DynamoDB backend: a Table is not deep-copied (see
    _transact_write_items for the backup that replaces it); anything else is."""

    @staticmethod
    def deepcopy(value: Any) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value)


def _transact_write_items(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def transact(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Any:
        with _lock:
            backup: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
            stream_lengths: dict[str, int] = {}
            for entry in transact_items:
                _, op = next(iter(entry.items()))
                name = op.get("TableName")
                if name not in self.tables:
                    continue
                table = self.tables[name]
                if "Item" in op:
                    key = {a: op["Item"][a] for a in (table.hash_key_attr, table.range_key_attr)
                           if a is not None and a in op["Item"]}
                else:
                    key = op.get("Key") or {}
                try:
                    current = self.get_item(name, key)
                except (KeyError, MockValidationException):  # moto says so below
                    current = None
                backup.append((name, key, copy.deepcopy(current.to_json()["Attributes"])
                               if current is not None else None))
                if table.stream_shard is not None:
                    stream_lengths.setdefault(name, len(table.stream_shard.items))
            try:
                return original(self, transact_items)
            except Exception:
                for name, key, attrs in reversed(backup):
                    table = self.tables[name]
                    if attrs is None:
                        hash_key, range_key = self.get_keys_value(table, key)
                        table.delete_item(hash_key, range_key)
                    else:
                        table.put_item(attrs)
                for name, length in stream_lengths.items():
                    shard = self.tables[name].stream_shard
                    if shard is not None:
                        del shard.items[length:]
                raise

    return transact


ITERATOR_LIFETIME = 15 * 60.0  # seconds; DynamoDB Streams' documented expiry
# iterator ARN -> (when it was issued, time.monotonic; the backend that holds it)
_issued: dict[str, tuple[float, DynamoDBStreamsBackend]] = {}
_next_sweep = 0.0


def _forget_expired() -> None:
    """Drops iterators issued more than ITERATOR_LIFETIME ago; at most once a minute, since
    every poll of every stream source comes here. Called with _lock held."""
    global _next_sweep
    now = time.monotonic()
    if now < _next_sweep:
        return
    _next_sweep = now + 60
    for arn in [a for a, (at, _) in _issued.items() if now - at > ITERATOR_LIFETIME]:
        _, backend = _issued.pop(arn)
        backend.shard_iterators.pop(arn, None)


def _get_shard_iterator(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def get_shard_iterator(self: DynamoDBStreamsBackend, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            _forget_expired()
            iterator = original(self, *args, **kwargs)
            _issued[iterator.arn] = (time.monotonic(), self)
            return iterator

    return get_shard_iterator


def _trim(backend: DynamoDBStreamsBackend, shard: StreamShard) -> None:
    """Drops the records of `shard` that every live iterator of it is past. Called with
    _lock held: a record's sequence number is its index plus the shard's first number, so
    the two change together (_add_record appends under the same lock)."""
    floor = min((it.sequence_number for it in backend.shard_iterators.values()
                 if it.stream_shard is shard), default=None)
    if floor is None:
        return
    read = min(floor - shard.starting_sequence_number, len(shard.items))
    if read > 0:
        del shard.items[:read]
        shard.starting_sequence_number += read


_watchers: dict[tuple[str, str], list[Callable[[], None]]] = {}
_watchers_lock = threading.Lock()


def watch(kind: str, name: str, wake: Callable[[], None]) -> Callable[[], None]:
    """Call `wake` whenever a message reaches the queue `name` (kind "sqs") or a record the
    stream of the table `name` (kind "stream"); answers the function that stops it."""
    with _watchers_lock:
        _watchers.setdefault((kind, name), []).append(wake)

    def unwatch() -> None:
        with _watchers_lock, contextlib.suppress(ValueError):
            _watchers.get((kind, name), []).remove(wake)

    return unwatch


def _notify(kind: str, name: str) -> None:
    with _watchers_lock:
        wakes = list(_watchers.get((kind, name), ()))
    for wake in wakes:
        wake()


def _add_record(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def add(self: StreamShard, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            result = original(self, *args, **kwargs)
        _notify("stream", self.table.name)
        return result

    return add


REMEMBERED_RECEIPTS = 10_000


class _RecentReceipts:
    """The receipt handles of a queue's last deleted messages, oldest dropped first: what
    moto's `Queue.deleted_messages` set is asked (`in`, `update`)."""

    def __init__(self, handles: Any = ()) -> None:
        self._handles: dict[str, None] = {}
        self.update(handles)

    def __contains__(self, handle: object) -> bool:
        return handle in self._handles

    def __len__(self) -> int:
        return len(self._handles)

    def update(self, handles: Any) -> None:
        for h in handles:
            self._handles[h] = None
        while len(self._handles) > REMEMBERED_RECEIPTS:
            del self._handles[next(iter(self._handles))]


def _queue_init(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def init(self: Queue, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.deleted_messages = _RecentReceipts(self.deleted_messages)  # type: ignore[assignment]

    return init


def _add_message(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def add(self: Queue, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        _notify("sqs", self.name)
        return result

    return add


def _get_records(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> Any:
        with _lock:
            _forget_expired()
            if iterator_arn in self.shard_iterators:
                # Before the read: what this iterator returns is kept until its successor
                # is read, in case the answer never reaches the reader.
                _trim(self, self.shard_iterators[iterator_arn].stream_shard)
            result: dict[str, Any] = original(self, iterator_arn, limit)
            # Read once: its successor, NextShardIterator, reads on from where it stopped.
            self.shard_iterators.pop(iterator_arn, None)
            _issued.pop(iterator_arn, None)
            _issued[result["NextShardIterator"]] = (time.monotonic(), self)
            return result

    return get_records


_STILL_LISTED = {("moto.s3.models", "FakeKey"), ("moto.s3.models", "FakeMultipart")}


def _new_model(cls: type[BaseModel], *args: Any, **kwargs: Any) -> BaseModel:
    instance: BaseModel = super(BaseModel, cls).__new__(cls)  # as BaseModel.__new__ does
    if (cls.__module__, cls.__qualname__) in _STILL_LISTED:
        tracked = cls.instances_tracked  # type: ignore[attr-defined]
        if not isinstance(tracked, weakref.WeakSet):  # moto's reset sets a new list
            tracked = weakref.WeakSet(tracked)
            cls.instances_tracked = tracked  # type: ignore[attr-defined]
        tracked.add(instance)
    return instance


def _key_freed(self: FakeKey) -> None:
    """Closes a key's buffer when it is freed, without moto's warning: locally, a deleted
    object is freed, not left to the reset."""
    self.dispose()


_querying = threading.local()  # the table a Query of this thread runs on, and its partition


def _query(original: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs).arguments
        _querying.table = self
        _querying.partition = None if bound.get("index_name") else bound.get("hash_key")
        try:
            return original(self, *args, **kwargs)
        finally:
            _querying.table = None

    return query


def _all_items(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def all_items(self: Table) -> list[Any]:
        if getattr(_querying, "table", None) is not self:
            return list(original(self))
        # Inside Query, which sorts what it keeps: no order needed here.
        partition = _querying.partition
        buckets = list(self.items.values()) if partition is None else (
            [self.items[partition]] if partition in self.items else [])
        if not self.range_key_attr:
            return buckets
        return [item for bucket in buckets for item in bucket.values()]

    return all_items


def _global_sign_out(self: CognitoIdpResponse) -> EmptyResult:
    token = self._get_param("AccessToken")
    self._get_region_agnostic_backend()._find_backend_by_access_token(token).global_sign_out(
        token)
    return EmptyResult()


def apply() -> None:
    global _applied
    if _applied:
        return
    setattr(dynamodb_models, "copy", _TablesAreNotCopied)  # noqa: B010 - replaces a module
    DynamoDBBackend.transact_write_items = _transact_write_items(  # type: ignore[method-assign]
        DynamoDBBackend.transact_write_items)
    DynamoDBStreamsBackend.get_shard_iterator = (  # type: ignore[method-assign]
        _get_shard_iterator(DynamoDBStreamsBackend.get_shard_iterator))
    DynamoDBStreamsBackend.get_records = _get_records(  # type: ignore[method-assign]
        DynamoDBStreamsBackend.get_records)
    StreamShard.add = _add_record(StreamShard.add)  # type: ignore[method-assign]
    BaseModel.__new__ = staticmethod(_new_model)  # type: ignore[method-assign]
    FakeKey.__del__ = _key_freed  # type: ignore[method-assign]
    CognitoIdpResponse.global_sign_out = _global_sign_out  # type: ignore[method-assign]
    Table.query = _query(Table.query)  # type: ignore[method-assign]
    Queue.add_message = _add_message(Queue.add_message)  # type: ignore[method-assign]
    Queue.__init__ = _queue_init(Queue.__init__)  # type: ignore[method-assign]
    Table.all_items = _all_items(Table.all_items)  # type: ignore[method-assign]
    moto_items.apply(_querying)
    _applied = True
