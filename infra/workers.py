"""What Lambda's event sources do, for the functions of template.yaml: moto stores queues,
streams and schedules but runs no code, so these loops poll and invoke.

- `QueueSource`: an `SQS` event. Receives a batch, invokes, deletes what succeeded; with
  `ReportBatchItemFailures` only the reported items stay, and they come back after the
  visibility timeout until the queue's redrive policy moves them to the DLQ.
- `StreamSource`: a `DynamoDB` event. Reads the table's stream in order, applies the
  filter criteria, and on failure retries from the first failed record up to
  `MaximumRetryAttempts`, then records the batch on the `OnFailure` destination.
- `Schedule`: a `Schedule` event with `rate(...)`, fired on its rate.
- `BucketSource`: an `S3` event. moto notifies a local queue (see LocalCloud); each message
  is one asynchronous invocation with S3's event, retried as Lambda retries it, then
  recorded on the function's `OnFailure` destination.

Two more loops do what AWS does by itself or a back office would:

- `TimeToLive`: a table's `TimeToLiveSpecification`. moto stores it and deletes nothing.
- `FeedReader`: the back office of an outbound feed (a queue a bus rule fills and no function
  reads). It writes what comes to a file and empties the queue.

Every source polls moto between invocations, never inside one, and invokes as `background`:
an API request that waits for its turn goes first (see infra/functions.py).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from infra import moto_fixes
from infra.functions import Function

log = logging.getLogger("portico.local")


class Worker:
    """A polling loop on its own thread; `poll_once` is the unit tests drive directly.

    An idle source waits `idle_sleep`, doubled after each empty poll up to `max_idle_sleep`,
    and polls fast again once it finds work: polling every 0.1 s cost 12-15 % of a core and
    slowed the API when nothing happened. A source that `watches` its queue or stream is
    woken the moment moto gets work for it (infra/moto_fixes.watch), so it can wait longer
    between polls: those are for what comes back with no new message, a retry after its
    visibility timeout.
    """

    idle_sleep = 0.1
    max_idle_sleep = 1.0

    def __init__(self, name: str) -> None:
        self.name = name
        self.watches: list[tuple[str, str]] = []  # ("sqs", queue) or ("stream", table)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._unwatch: list[Callable[[], None]] = []
        self._thread: threading.Thread | None = None

    def poll_once(self) -> int:
        raise NotImplementedError

    def start(self) -> None:
        self._stop.clear()  # a stopped source may start again
        self._unwatch = [moto_fixes.watch(kind, name, self.wake) for kind, name in self.watches]
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Poll now: there is work."""
        self._wake.set()

    def signal_stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for unwatch in self._unwatch:
            unwatch()
        self._unwatch = []

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the invocation in hand, if any; wait at most `timeout` seconds."""
        self.signal_stop()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def idle_sleeps(self) -> Iterator[float]:
        """The waits after consecutive empty polls."""
        sleep = self.idle_sleep
        while True:
            yield sleep
            sleep = min(sleep * 2, max(self.max_idle_sleep, self.idle_sleep))

    def _run(self) -> None:
        waits = self.idle_sleeps()
        while not self._stop.is_set():
            try:
                busy = self.poll_once()
            except Exception:  # keep polling, as the Lambda service does
                log.exception("%s: poll failed", self.name)
                busy = 0
            if busy:
                waits = self.idle_sleeps()
            else:
                # A wake while polling leaves the event set: the next poll comes at once.
                self._wake.wait(next(waits))
                self._wake.clear()


def _matches(pattern: Any, value: Any) -> bool:
    """EventBridge-style pattern matching, the subset Lambda filter criteria use here."""
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return False
        return all(_matches(p, value.get(k)) for k, p in pattern.items())
    if isinstance(pattern, list):
        for p in pattern:
            if isinstance(p, dict):
                if "prefix" in p and isinstance(value, str) and value.startswith(p["prefix"]):
                    return True
                if "exists" in p and (value is not None) == bool(p["exists"]):
                    return True
                if "anything-but" in p:
                    but = p["anything-but"]
                    if value is not None and value not in (but if isinstance(but, list)
                                                           else [but]):
                        return True
            elif value == p:
                return True
        return False
    return bool(pattern == value)


def passes_filters(filters: list[dict[str, Any]], record: dict[str, Any]) -> bool:
    if not filters:
        return True
    return any(_matches(json.loads(f["Pattern"]), record) for f in filters)


class BatchSource(Worker):
    """A source that invokes with a batch of records: an `SQS` or `DynamoDB` event.

    An invocation holds the turn, and an API request that comes meanwhile waits for it to
    end. BatchSize is a most (Lambda itself invokes with fewer records when fewer are at
    hand), so a batch goes in pieces: as many records as took about `piece_seconds` last
    time, one at first. A request then waits for a piece, not for a batch of 100 (the
    publisher's catch-up after startup held the turn for 0.5 s).
    """

    piece_seconds = 0.05

    def __init__(self, name: str, function: Function) -> None:
        super().__init__(name)
        self.function = function
        self._per_record = 0.0  # seconds, in the last invocation

    def piece(self, available: int) -> int:
        """How many of `available` records the next invocation takes."""
        if self._per_record <= 0:
            return 1
        return max(1, min(available, int(self.piece_seconds / self._per_record)))

    def deliver(self, records: list[dict[str, Any]]) -> Any:
        try:
            return self.function.invoke({"Records": records}, background=True)
        finally:
            self._per_record = self.function.last_seconds / len(records)


# Sources woken by moto when their work arrives poll on their own only for what comes back
# after a visibility timeout: soon after work (the back-off starts at 0.1 s again), and at
# last every 10 s, which costs an idle portal about 0.5 % of a core instead of 2.
WOKEN_MAX_IDLE_SLEEP = 10.0


# A function that asks for a batching window (an indexer: its cost is per invocation, not
# per record) is given what arrives within it as one batch, as Lambda does; locally the
# window is cut to this, so a page or a test waits a second at most.
LOCAL_MAX_BATCHING_WINDOW = 1.0


class QueueSource(BatchSource):
    max_idle_sleep = WOKEN_MAX_IDLE_SLEEP

    def __init__(self, sqs: Any, function: Function, queue_url: str, queue_arn: str,
                 props: dict[str, Any], region: str) -> None:
        super().__init__(f"sqs:{function.logical_id}", function)
        self.sqs = sqs
        self.queue_url = queue_url
        self.watches = [("sqs", queue_arn.rsplit(":", 1)[-1])]
        self.queue_arn = queue_arn
        self.batch_size = min(int(props.get("BatchSize", 10)), 10)  # per ReceiveMessage
        self.most = int(props.get("BatchSize", 10))
        self.window = min(float(props.get("MaximumBatchingWindowInSeconds", 0)),
                          LOCAL_MAX_BATCHING_WINDOW)
        self.report_failures = "ReportBatchItemFailures" in (
            props.get("FunctionResponseTypes") or [])
        self.region = region

    def record(self, m: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": {
                k: {"stringValue": v.get("StringValue"), "binaryValue": v.get("BinaryValue"),
                    "stringListValues": [], "binaryListValues": [], "dataType": v["DataType"]}
                for k, v in (m.get("MessageAttributes") or {}).items()},
            "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),  # noqa: S324
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        }

    def _receive(self, most: int) -> list[dict[str, Any]]:
        resp = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=most, WaitTimeSeconds=0,
            AttributeNames=["All"], MessageAttributeNames=["All"])
        return list(resp.get("Messages", []))

    def poll_once(self) -> int:
        messages = self._receive(self.batch_size)
        if messages and self.window:
            deadline = time.monotonic() + self.window
            while len(messages) < self.most and time.monotonic() < deadline \
                    and not self._stop.is_set():
                more = self._receive(min(self.batch_size, self.most - len(messages)))
                messages += more
                if not more:
                    self._stop.wait(0.05)
        rest = list(messages)
        # Once stopped, what is left comes back after the visibility timeout.
        while rest and not self._stop.is_set():
            n = len(rest) if self.window else self.piece(len(rest))
            done = self._handled(rest[:n])
            rest = rest[n:]
            for i in range(0, len(done), 10):
                self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                    {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]}
                    for k, m in enumerate(done[i:i + 10])])
        return len(messages)

    def _handled(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The messages of one invocation that are done with (the others come back)."""
        try:
            result = self.deliver([self.record(m) for m in messages])
        except Exception:  # the whole batch failed
            log.exception("%s failed; %d messages return to the queue", self.name,
                          len(messages))
            return []
        failed: set[str] = set()
        if self.report_failures and isinstance(result, dict):
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
        return [m for m in messages if m["MessageId"] not in failed]


class StreamSource(BatchSource):
    shards_every = 30.0
    max_idle_sleep = WOKEN_MAX_IDLE_SLEEP

    def __init__(self, streams: Any, sqs: Any, function: Function, stream_arn: str,
                 props: dict[str, Any], region: str,
                 destination_url: Callable[[str], str]) -> None:
        super().__init__(f"stream:{function.logical_id}", function)
        self.streams = streams
        self.sqs = sqs
        self.stream_arn = stream_arn
        # arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>
        self.watches = [("stream", stream_arn.split(":table/", 1)[-1].split("/", 1)[0])]
        self.batch_size = int(props.get("BatchSize", 100))
        self.position = str(props.get("StartingPosition", "LATEST"))
        self.max_retries = int(props.get("MaximumRetryAttempts", -1))
        self.report_failures = "ReportBatchItemFailures" in (
            props.get("FunctionResponseTypes") or [])
        self.filters = list((props.get("FilterCriteria") or {}).get("Filters") or [])
        on_failure = ((props.get("DestinationConfig") or {}).get("OnFailure") or {})
        self.on_failure = on_failure.get("Destination")
        self.destination_url = destination_url
        self.region = region
        self._last_read: dict[str, str] = {}
        self._iterators: dict[str, str] = {}  # shard id -> NextShardIterator
        self._shards: list[dict[str, Any]] = []
        self._shards_at = float("-inf")
        self._pending: list[dict[str, Any]] = []
        self._attempts = 0

    def _read(self, shard_id: str, after: str | None) -> list[dict[str, Any]]:
        # Each read follows the previous one's NextShardIterator: one call instead of two,
        # and moto then holds one iterator per shard (see infra/moto_fixes.py). A fresh
        # one, after the last record read, only at the start or after a failed read.
        iterator = self._iterators.pop(shard_id, None)
        if iterator is None:
            position = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
                        if after else {"ShardIteratorType": "TRIM_HORIZON"})
            iterator = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, **position)["ShardIterator"]
        resp = self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
        if resp.get("NextShardIterator"):
            self._iterators[shard_id] = resp["NextShardIterator"]
        records: list[dict[str, Any]] = resp.get("Records", [])
        return records

    def _iterate(self) -> list[dict[str, Any]]:
        # The shards change only if the stream is turned off and on: looked up again every
        # `shards_every` seconds, not on every poll (a third of an idle portal's calls).
        if time.monotonic() >= self._shards_at + self.shards_every:
            self._shards = self.streams.describe_stream(StreamArn=self.stream_arn)[
                "StreamDescription"]["Shards"]
            self._shards_at = time.monotonic()
        shards = self._shards
        records: list[dict[str, Any]] = []
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._last_read and self.position == "LATEST":
                # LATEST: what the shard holds when the source starts is not delivered.
                last = None
                while batch := self._read(shard_id, last):
                    last = batch[-1]["dynamodb"]["SequenceNumber"]
                self._last_read[shard_id] = last or ""
            got = self._read(shard_id, self._last_read.get(shard_id) or None)
            if got:
                self._last_read[shard_id] = got[-1]["dynamodb"]["SequenceNumber"]
            records += got
        return records

    def _lambda_record(self, r: dict[str, Any]) -> dict[str, Any]:
        out = json.loads(json.dumps(r, default=_json_default))
        out["awsRegion"] = self.region
        out["eventSourceARN"] = self.stream_arn
        return dict(out)

    def poll_once(self) -> int:
        if not self._pending:
            fresh = [self._lambda_record(r) for r in self._iterate()]
            self._pending = [r for r in fresh if passes_filters(self.filters, r)]
            self._attempts = 0
        if not self._pending:
            return 0
        batch = self._pending[:self.piece(min(len(self._pending), self.batch_size))]
        try:
            result = self.deliver(batch)
            failed = ({f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
                      if self.report_failures and isinstance(result, dict) else set())
        except Exception:  # Lambda retries the whole batch
            log.exception("%s failed", self.name)
            failed = {batch[0]["dynamodb"]["SequenceNumber"]}
        if not failed:
            self._pending = self._pending[len(batch):]
            self._attempts = 0  # MaximumRetryAttempts counts per batch
            return len(batch)
        # Checkpoint before the first failed record and retry from it, as Lambda does.
        first = min(i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed)
        self._pending = self._pending[first:]
        self._attempts += 1
        if 0 <= self.max_retries < self._attempts:
            self._give_up(batch[first:])
            self._pending = self._pending[len(batch) - first:]
            self._attempts = 0
        else:
            self._stop.wait(min(0.02 * 2 ** self._attempts, 0.5))
        return len(batch)

    def _give_up(self, records: list[dict[str, Any]]) -> None:
        log.error("%s: %d records given up after %d retries", self.name, len(records),
                  self.max_retries)
        if not self.on_failure:
            return
        seqs = [r["dynamodb"]["SequenceNumber"] for r in records]
        self.sqs.send_message(QueueUrl=self.destination_url(self.on_failure),
                              MessageBody=json.dumps({
            "requestContext": {"requestId": str(uuid.uuid4()),
                               "functionArn": self.function.arn,
                               "condition": "RetryAttemptsExhausted",
                               "approximateInvokeCount": self.max_retries + 1},
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": next(iter(self._last_read), ""),
                "startSequenceNumber": seqs[0], "endSequenceNumber": seqs[-1],
                "batchSize": len(records), "streamArn": self.stream_arn},
        }))


_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int:
    m = _RATE.match(expression.strip())
    if not m:
        raise ValueError(f"the local cloud runs rate(...) schedules only, not {expression!r}")
    return int(m.group(1)) * _UNIT[m.group(2).rstrip("s")]


class Schedule(Worker):
    def __init__(self, function: Function, rule_arn: str, props: dict[str, Any], region: str,
                 account_id: str, clock: Callable[[], float] = time.time) -> None:
        super().__init__(f"schedule:{function.logical_id}")
        self.function = function
        self.rule_arn = rule_arn
        self.period = rate_seconds(str(props["Schedule"]))
        self.enabled = props.get("Enabled", True) is not False
        self.input = props.get("Input")
        self.region = region
        self.account_id = account_id
        self.clock = clock
        self.next_at = clock() + self.period
        self.fired = 0

    def event(self, at: float) -> dict[str, Any]:
        if self.input is not None:
            parsed: dict[str, Any] = json.loads(self.input)
            return parsed
        return {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": self.account_id,
            "time": datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region, "resources": [self.rule_arn], "detail": {},
        }

    def idle_sleeps(self) -> Iterator[float]:
        """Until the next tick; at most a minute, so a changed clock is seen."""
        while True:
            yield max(0.05, min(self.next_at - self.clock(), 60.0))

    def poll_once(self) -> int:
        now = self.clock()
        if not self.enabled or now < self.next_at:
            return 0
        at, self.next_at = self.next_at, max(self.next_at + self.period, now)
        self.fired += 1
        try:
            self.function.invoke(self.event(at), background=True)
        except Exception:  # a failed run waits for the next tick
            log.exception("%s failed", self.name)
        return 0


class TimeToLive(Worker):
    """DynamoDB's TTL, which moto does not run: every `period` seconds, the items whose
    `attribute` is an epoch time in the past are deleted. AWS deletes them within a few days
    (the portal's reads never trust an expired item); locally a `make run` left on for days
    otherwise keeps every idempotency record, outbox item and rate-limit window in memory.

    Each delete is conditional on the item still being expired, so a write that moved it on
    meanwhile wins. The deletes reach the stream as REMOVE records, as TTL's do. A sweep
    scans the whole table (3.6 s of a core at 20,000 items), hence every 10 minutes.
    """

    def __init__(self, dynamodb: Any, table: str, attribute: str, *, period: float = 600.0,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(f"ttl:{table}")
        self.dynamodb = dynamodb
        self.table = table
        self.attribute = attribute
        self.period = period
        self.clock = clock
        self.next_at = clock() + period
        self.deleted = 0
        self._key_names: list[str] | None = None  # the table's key schema, read once

    def idle_sleeps(self) -> Iterator[float]:
        while True:
            yield max(0.05, min(self.next_at - self.clock(), 60.0))

    def poll_once(self) -> int:
        now = self.clock()
        if now < self.next_at:
            return 0
        self.next_at = now + self.period
        self.sweep(int(now))
        return 0

    def sweep(self, now: int) -> int:
        """Delete what expired before `now`; how many were deleted."""
        if self._key_names is None:
            schema = self.dynamodb.describe_table(TableName=self.table)["Table"]["KeySchema"]
            self._key_names = [k["AttributeName"] for k in schema]
        key_names = self._key_names
        names = {f"#k{i}": n for i, n in enumerate(key_names)} | {"#ttl": self.attribute}
        # Only a number is a time to live (on AWS, any other type never expires).
        test = "attribute_type(#ttl, :number) AND #ttl < :now"
        values = {":now": {"N": str(now)}, ":number": {"S": "N"}}
        expired = {"ConditionExpression": test, "ExpressionAttributeValues": values,
                   "ExpressionAttributeNames": {"#ttl": self.attribute}}
        deleted = 0
        start: dict[str, Any] | None = None
        while not self._stop.is_set():
            page = self.dynamodb.scan(
                TableName=self.table, FilterExpression=test,
                ProjectionExpression=", ".join(f"#k{i}" for i in range(len(key_names))),
                ExpressionAttributeNames=names, ExpressionAttributeValues=values,
                **({"ExclusiveStartKey": start} if start else {}))
            for key in page.get("Items", []):
                try:
                    self.dynamodb.delete_item(TableName=self.table, Key=key, **expired)
                    deleted += 1
                except ClientError as e:
                    if e.response.get("Error", {}).get("Code") != \
                            "ConditionalCheckFailedException":
                        raise
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        self.deleted += deleted
        return deleted


class FeedReader(Worker):
    """The back office of an outbound feed, locally: a queue that a bus rule fills and no
    function reads (the integration feed) is read, each message's body appended to `path`
    as one line of JSON, and the message deleted. Unread, the queue kept every event of a
    `make run` in memory (SQS keeps a message 14 days). With no `path` the messages are
    only deleted. Past `MAX_FILE_BYTES` the file becomes `<name>.1` (replacing the one
    before) and a new one starts.
    """

    max_idle_sleep = WOKEN_MAX_IDLE_SLEEP
    MAX_FILE_BYTES = 20 * 2**20

    def __init__(self, sqs: Any, queue_url: str, queue_arn: str,
                 path: Path | None = None) -> None:
        queue = queue_arn.rsplit(":", 1)[-1]
        super().__init__(f"feed:{queue}")
        self.sqs = sqs
        self.queue_url = queue_url
        self.path = path
        self.watches = [("sqs", queue)]
        self.read = 0

    def poll_once(self) -> int:
        messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                            WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return 0
        if self.path is not None:
            if self.path.exists() and self.path.stat().st_size > self.MAX_FILE_BYTES:
                self.path.replace(self.path.with_name(self.path.name + ".1"))
            with self.path.open("a") as f:
                f.writelines(" ".join(m["Body"].splitlines()) + "\n" for m in messages)
        self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
            {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]}
            for k, m in enumerate(messages)])
        self.read += len(messages)
        return len(messages)


def s3_record(record: dict[str, Any], *, sequencer: str,
              version_id: str | None = None) -> dict[str, Any]:
    """An S3 event record as S3 sends it, from moto's: moto leaves out the fields below
    (Powertools' S3 model requires them) and encodes the key's slashes, which S3 does not."""
    r = copy.deepcopy(record)
    request_id = uuid.uuid4().hex[:16].upper()
    r.setdefault("userIdentity", {"principalId": "AWS:LOCAL"})
    r.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
    r.setdefault("responseElements", {"x-amz-request-id": request_id,
                                      "x-amz-id-2": uuid.uuid4().hex})
    r["s3"]["bucket"].setdefault("ownerIdentity", {"principalId": "LOCAL"})
    obj = r["s3"]["object"]
    obj["key"] = obj["key"].replace("%2F", "/")
    if version_id:
        obj.setdefault("versionId", version_id)
    obj.setdefault("sequencer", sequencer)
    return r


class BucketSource(Worker):
    """S3 invokes Lambda asynchronously, one event per object: on an error Lambda retries
    twice (after about one and two minutes; here after `retry_delays` seconds), then sends
    the event to the `OnFailure` destination, or drops it."""

    retry_delays: tuple[int, ...] = (1, 2)
    max_idle_sleep = WOKEN_MAX_IDLE_SLEEP

    def __init__(self, sqs: Any, s3: Any, function: Function, queue_url: str, *,
                 max_retries: int = 2, on_failure: str | None = None,
                 destination_url: Callable[[str], str] | None = None) -> None:
        super().__init__(f"s3:{function.logical_id}")
        self.sqs = sqs
        self.s3 = s3
        self.function = function
        self.queue_url = queue_url
        self.watches = [("sqs", queue_url.rstrip("/").rsplit("/", 1)[-1])]
        self.max_retries = max_retries
        self.on_failure = on_failure
        self.destination_url = destination_url

    def _version_id(self, record: dict[str, Any]) -> str | None:
        # moto knows the version but does not say it; the newest version with the event's
        # ETag is the one, unless the same bytes were uploaded again since.
        try:
            head = self.s3.head_object(Bucket=record["s3"]["bucket"]["name"],
                                       Key=unquote_plus(record["s3"]["object"]["key"]))
        except ClientError:  # gone since; S3 would still have named the version
            return None
        version: str | None = head.get("VersionId")
        if version in (None, "null") or head["ETag"].strip('"') != record["s3"]["object"].get(
                "eTag"):
            return None
        return version

    def event(self, body: dict[str, Any], sent_ms: int) -> dict[str, Any]:
        return {"Records": [s3_record(r, sequencer=f"{sent_ms:016X}",
                                      version_id=self._version_id(r))
                            for r in body["Records"]]}

    def poll_once(self) -> int:
        resp = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=0,
            VisibilityTimeout=self.function.timeout + 5,
            AttributeNames=["ApproximateReceiveCount", "SentTimestamp"])
        messages = resp.get("Messages", [])
        if not messages:
            return 0
        m = messages[0]
        body = json.loads(m["Body"])
        if "Records" not in body:  # s3:TestEvent, sent when the notification is set
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
            return 1
        attempt = int(m["Attributes"]["ApproximateReceiveCount"])
        event = self.event(body, int(m["Attributes"]["SentTimestamp"]))
        try:
            self.function.invoke(event, background=True)
        except Exception as e:
            if attempt <= self.max_retries:
                log.warning("%s failed (attempt %d); retrying", self.name, attempt,
                            exc_info=True)
                delay = self.retry_delays[min(attempt, len(self.retry_delays)) - 1]
                self.sqs.change_message_visibility(QueueUrl=self.queue_url,
                                                   ReceiptHandle=m["ReceiptHandle"],
                                                   VisibilityTimeout=delay)
                return 1
            self._give_up(event, e, attempt)
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return 1

    def _give_up(self, event: dict[str, Any], error: Exception, attempts: int) -> None:
        log.error("%s: event given up after %d attempts", self.name, attempts,
                  exc_info=error)
        if not self.on_failure or self.destination_url is None:
            return
        self.sqs.send_message(QueueUrl=self.destination_url(self.on_failure),
                              MessageBody=json.dumps({
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "requestContext": {"requestId": str(uuid.uuid4()),
                               "functionArn": f"{self.function.arn}:$LATEST",
                               "condition": "RetriesExhausted",
                               "approximateInvokeCount": attempts},
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                                "functionError": "Unhandled"},
            "responsePayload": {"errorMessage": str(error),
                                "errorType": type(error).__name__},
        }))


def _json_default(v: Any) -> Any:
    if isinstance(v, datetime):
        return int(v.timestamp())
    if isinstance(v, bytes | bytearray):
        import base64

        return base64.b64encode(v).decode()
    if hasattr(v, "__float__"):
        f = float(v)
        return int(f) if f.is_integer() else f
    raise TypeError(type(v).__name__)
