"""Event-source pieces that need no AWS: filter criteria, schedule expressions, back-off,
turns between the API and the event sources, moto's stream records once read."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from moto.dynamodb.models.table import Table
from moto.dynamodbstreams.models import DynamoDBStreamsBackend, ShardIterator

from infra import moto_fixes
from infra.functions import Turn
from infra.local import ROOT
from infra.template import Template
from infra.workers import Worker, passes_filters, rate_seconds
from tests.conftest import sample_event, wait_for


def _client(service: str) -> Any:
    """A client of moto's in-process mock (inside `mock_aws()`)."""
    import boto3

    make: Any = boto3.client  # any service, by name
    return make(service, region_name="eu-west-1", aws_access_key_id="testing",
                aws_secret_access_key="testing")


def _key(hash_key: str, range_key: str) -> list[dict[str, str]]:
    return [{"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"}]


def _table(ddb: Any, *, index: tuple[str, str] | None = None) -> None:
    """Table `t` keyed `pk`/`sk`, with `index` as the keys of gsi1 if given."""
    names = ("pk", "sk", *(index or ()))
    ddb.create_table(
        TableName="t", BillingMode="PAY_PER_REQUEST", KeySchema=_key("pk", "sk"),
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in names],
        **({"GlobalSecondaryIndexes": [{"IndexName": "gsi1", "KeySchema": _key(*index),
                                        "Projection": {"ProjectionType": "ALL"}}]}
           if index else {}))


def test_publisher_filter_from_the_template_passes_only_outbox_inserts() -> None:
    t = Template(ROOT / "template.yaml", stack_name="s", region="eu-west-1",
                 account_id="123456789012")
    events = t.properties("PublisherFunction")["Events"]
    filters = events["Outbox"]["Properties"]["FilterCriteria"]["Filters"]
    records = sample_event("publisher/outbox-insert")["Records"]
    assert [passes_filters(filters, r) for r in records] == [False, True]
    modified = {**records[1], "eventName": "MODIFY"}
    assert passes_filters(filters, modified) is False


def test_no_filters_pass_everything() -> None:
    assert passes_filters([], {"anything": 1})


@pytest.mark.parametrize(("expression", "seconds"), [
    ("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(2 hours)", 7200),
    ("rate(1 day)", 86400)])
def test_rate_expressions(expression: str, seconds: int) -> None:
    assert rate_seconds(expression) == seconds


def test_cron_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="rate"):
        rate_seconds("cron(0 12 * * ? *)")


def test_an_idle_worker_backs_off_to_a_second_and_polls_fast_again_after_work() -> None:
    polls: list[int] = [0, 0, 0, 0, 0, 0, 1, 0]
    waits: list[float] = []

    class Counting(Worker):
        def poll_once(self) -> int:
            if not polls:
                self.signal_stop()
                return 1
            return polls.pop(0)

    def wait(timeout: float | None = None) -> bool:
        waits.append(timeout or 0)
        return False

    w = Counting("counting")
    w._wake.wait = wait  # type: ignore[method-assign]
    w._run()
    assert waits == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 0.1]


# -- taking turns ---------------------------------------------------------------------------

def test_a_waiting_request_goes_before_every_waiting_background_invocation() -> None:
    turn = Turn()
    order: list[str] = []
    release = threading.Event()

    def run(name: str, background: bool) -> None:
        with turn(background=background):
            order.append(name)
            if name == "first":
                release.wait(5)

    def waiting() -> int:
        return len(turn._changed._waiters)  # type: ignore[attr-defined]

    first = threading.Thread(target=run, args=("first", True))
    first.start()
    wait_for(lambda: order == ["first"])
    later = [threading.Thread(target=run, args=(f"background {n}", True)) for n in range(3)]
    for t in later:
        t.start()
    wait_for(lambda: waiting() == 3)
    request = threading.Thread(target=run, args=("request", False))
    request.start()
    wait_for(lambda: waiting() == 4)
    release.set()
    for t in [first, request, *later]:
        t.join(5)
    assert order[:2] == ["first", "request"]
    assert sorted(order[2:]) == ["background 0", "background 1", "background 2"]


def test_turns_are_exclusive_and_reentrant() -> None:
    turn = Turn()
    inside: list[int] = []
    most = [0]

    def run(background: bool) -> None:
        for _ in range(50):
            with turn(background=background):
                inside.append(1)
                most[0] = max(most[0], len(inside))
                with turn():  # a test's environment() that invokes a function
                    time.sleep(0.0001)
                inside.pop()

    threads = [threading.Thread(target=run, args=(n % 2 == 0,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert most[0] == 1


def test_stream_records_go_once_every_live_iterator_is_past_them() -> None:
    moto_fixes.apply()
    # moto makes its tables this way; its CloudFormation hooks are what mypy calls abstract.
    table = Table("t", account_id="123456789012", region="eu-west-1",  # type: ignore[abstract]
                  schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                  attr=[{"AttributeName": "pk", "AttributeType": "S"}],
                  streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    shard = table.stream_shard
    assert shard is not None
    streams = DynamoDBStreamsBackend("eu-west-1", "123456789012")

    def iterator(kind: str = "TRIM_HORIZON") -> str:
        it = ShardIterator(streams, shard, kind)
        streams.shard_iterators[it.arn] = it
        return it.arn

    def put(n: int) -> None:
        for i in range(n):
            table.put_item({"pk": {"S": f"item-{len(shard.items)}-{i}"}})

    def read(arn: str) -> tuple[list[int], str]:
        got = streams.get_records(arn, 100)
        return [int(r["dynamodb"]["SequenceNumber"]) for r in got["Records"]], got[
            "NextShardIterator"]

    put(3)
    source, other = iterator(), iterator()
    first, source = read(source)
    assert len(first) == 3
    first_again, other = read(other)  # the other reader gets all three: kept for it
    assert first_again == first
    put(2)
    # Both iterators now start after the first three; the source's answer is kept until its
    # next read, in case it never arrived.
    assert len(shard.items) == 5
    second, source = read(source)
    assert len(shard.items) == 2
    assert second == [first[-1] + 1, first[-1] + 2]
    _, source = read(source)
    assert len(shard.items) == 2, "the other reader has not read them yet"
    second_again, other = read(other)
    assert second_again == second
    _, source = read(source)
    assert shard.items == []
    put(1)
    (third,), _ = read(source)
    assert third == second[-1] + 1, "sequence numbers go on after a trim"
    later, _ = read(iterator())
    assert later == [third], "a new reader starts at the first record kept"


def test_a_query_reads_its_own_partition_and_answers_as_before(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import mock_aws

    moto_fixes.apply()
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        ddb = _client("dynamodb")
        _table(ddb, index=("g", "gs"))
        rows = [(f"P{i % 5}", f"s{i:03d}", f"G{i % 3}" if i % 2 else None, f"x{i % 4}")
                for i in range(120)]
        for pk, sk, g, gs in rows:
            item = {"pk": {"S": pk}, "sk": {"S": sk}}
            if g:
                item.update(g={"S": g}, gs={"S": gs})
            ddb.put_item(TableName="t", Item=item)

        def keys(items: list[Any]) -> list[str]:
            return [i["sk"]["S"] for i in items]

        got = ddb.query(TableName="t", KeyConditionExpression="pk = :p AND sk > :s",
                        ExpressionAttributeValues={":p": {"S": "P2"}, ":s": {"S": "s050"}},
                        ScanIndexForward=False, Limit=5)
        assert keys(got["Items"]) == sorted((r[1] for r in rows if r[0] == "P2"
                                             and r[1] > "s050"), reverse=True)[:5]
        by_index = sorted((r[3], r[0], r[1]) for r in rows if r[2] == "G1")
        first = ddb.query(TableName="t", IndexName="gsi1", KeyConditionExpression="g = :g",
                          ExpressionAttributeValues={":g": {"S": "G1"}}, Limit=7)
        rest = ddb.query(TableName="t", IndexName="gsi1", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": {"S": "G1"}},
                         ExclusiveStartKey=first["LastEvaluatedKey"])
        assert keys(first["Items"] + rest["Items"]) == [r[2] for r in by_index]
        assert ddb.query(TableName="t", KeyConditionExpression="pk = :p",
                         ExpressionAttributeValues={":p": {"S": "none"}})["Items"] == []


def test_a_watched_worker_polls_when_its_queue_gets_a_message(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import mock_aws

    moto_fixes.apply()
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    polled = threading.Event()

    class Sleepy(Worker):
        idle_sleep = max_idle_sleep = 60.0  # it would not poll again on its own

        def poll_once(self) -> int:
            if polls:
                polled.set()
            polls.append(time.monotonic())
            return 0

    polls: list[float] = []
    with mock_aws():
        sqs = _client("sqs")
        url = sqs.create_queue(QueueName="wake-test")["QueueUrl"]
        w = Sleepy("sleepy")
        w.watches = [("sqs", "wake-test")]
        w.start()
        try:
            assert wait_for(lambda: polls, timeout=5)
            sent = time.monotonic()
            sqs.send_message(QueueUrl=url, MessageBody="work")
            assert polled.wait(5)
            assert polls[1] - sent < 1.0
        finally:
            w.stop()
    assert not moto_fixes._watchers.get(("sqs", "wake-test"))  # stopping unwatches


def test_a_batching_window_gathers_what_arrives_into_one_invocation(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import mock_aws

    from infra.workers import QueueSource

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)

    class Indexer:
        logical_id = "Indexer"
        last_seconds = 0.1

        def __init__(self) -> None:
            self.batches: list[int] = []

        def invoke(self, event: dict[str, Any], background: bool = False) -> dict[str, Any]:
            self.batches.append(len(event["Records"]))
            return {}

    with mock_aws():
        sqs = _client("sqs")
        url = sqs.create_queue(QueueName="window-test")["QueueUrl"]
        arn = "arn:aws:sqs:eu-west-1:123456789012:window-test"
        for i in range(25):
            sqs.send_message(QueueUrl=url, MessageBody=str(i))
        windowed, plain = Indexer(), Indexer()
        source = QueueSource(sqs, windowed, url, arn,  # type: ignore[arg-type]
                             {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 5},
                             "eu-west-1")
        assert source.window == 1.0  # cut locally
        started = time.monotonic()
        assert source.poll_once() == 25
        assert windowed.batches == [25]  # one invocation, not pieces
        assert time.monotonic() - started < 2.0
        for i in range(3):
            sqs.send_message(QueueUrl=url, MessageBody=str(i))
        without = QueueSource(sqs, plain, url, arn,  # type: ignore[arg-type]
                              {"BatchSize": 10}, "eu-west-1")
        without.poll_once()
        assert plain.batches == [1, 1, 1]  # pieces of about 50 ms of work each


def test_expired_items_are_deleted_on_the_sweep_and_nothing_else(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import mock_aws

    from infra.workers import TimeToLive

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    now = 1_800_000_000.0
    with mock_aws():
        ddb = _client("dynamodb")
        _table(ddb)
        expires = {"gone": {"N": str(int(now) - 1)}, "later": {"N": str(int(now) + 60)},
                   "text": {"S": "0"}, "never": None}
        for name, value in expires.items():
            for i in range(3):
                ddb.put_item(TableName="t", Item={"pk": {"S": name}, "sk": {"S": str(i)},
                                                  **({"expires_at": value} if value else {})})
        clock = [now - 30]
        ttl = TimeToLive(ddb, "t", "expires_at", period=60, clock=lambda: clock[0])
        clock[0] = now
        ttl.poll_once()
        assert ttl.deleted == 0, "not before its period"
        clock[0] = now + 31
        ttl.poll_once()
        left = sorted(i["pk"]["S"] for i in ddb.scan(TableName="t")["Items"])
        # An attribute that is not a number is not a time to live, as on AWS.
        assert left == ["later"] * 3 + ["never"] * 3 + ["text"] * 3
        assert ttl.deleted == 3
        assert ttl.sweep(int(now) + 61) == 3
        assert ttl.deleted == 6


def test_a_feed_is_written_a_line_an_event_and_its_queue_emptied(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    import json

    from moto import mock_aws

    from infra.workers import FeedReader

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        sqs = _client("sqs")
        url = sqs.create_queue(QueueName="feed")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        events = [{"detail-type": "CaseCreated", "n": i, "text": "two\nlines"}
                  for i in range(13)]
        for e in events:
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(e, indent=1))
        reader = FeedReader(sqs, url, arn, tmp_path / "feed.ndjson")
        while reader.poll_once():
            pass
        lines = (tmp_path / "feed.ndjson").read_text().splitlines()
        assert sorted((json.loads(line) for line in lines), key=lambda e: e["n"]) == events
        assert reader.read == 13
        assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
            "ApproximateNumberOfMessages"] == "0"

        reader.MAX_FILE_BYTES = 100  # the file is kept small: the older part moves aside
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 13}))
        reader.poll_once()
        assert (tmp_path / "feed.ndjson").read_text() == '{"n": 13}\n'
        assert len((tmp_path / "feed.ndjson.1").read_text().splitlines()) == 13

        dropped = FeedReader(sqs, url, arn)  # no file: read and let go
        sqs.send_message(QueueUrl=url, MessageBody="{}")
        assert dropped.poll_once() == 1
        assert dropped.read == 1


def test_a_deleted_or_replaced_object_is_freed(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import weakref

    from moto import mock_aws
    from moto.s3.models import s3_backends

    moto_fixes.apply()
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3 = _client("s3")
        for bucket, versioned in (("plain", False), ("versioned", True)):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={
                "LocationConstraint": "eu-west-1"})
            if versioned:
                s3.put_bucket_versioning(Bucket=bucket,
                                         VersioningConfiguration={"Status": "Enabled"})
        backend = s3_backends["123456789012"]["global"]

        def held(bucket: str, key: str) -> list[weakref.ref[Any]]:
            return [weakref.ref(k) for k in backend.get_bucket(bucket).keys.getlist(key)]

        s3.put_object(Bucket="plain", Key="a", Body=b"x" * 100_000)
        first = held("plain", "a")
        s3.put_object(Bucket="plain", Key="a", Body=b"y")  # replaced
        s3.put_object(Bucket="plain", Key="b", Body=b"z")
        second = held("plain", "b")
        s3.delete_object(Bucket="plain", Key="b")
        v = s3.put_object(Bucket="versioned", Key="snap", Body=b"s" * 100_000)["VersionId"]
        old = held("versioned", "snap")
        s3.put_object(Bucket="versioned", Key="snap", Body=b"t")
        kept = [weakref.ref(k) for k in backend.get_bucket("versioned").keys.getlist("snap")
                if k.version_id != v]
        s3.delete_object(Bucket="versioned", Key="snap", VersionId=v)
        gc.collect()
        assert [r() for r in first + second + old] == [None, None, None]
        assert all(r() is not None for r in kept), "the other version is still there"
        assert s3.get_object(Bucket="plain", Key="a")["Body"].read() == b"y"
        assert s3.get_object(Bucket="versioned", Key="snap")["Body"].read() == b"t"


def test_a_queue_remembers_its_last_deleted_receipts_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import mock_aws
    from moto.sqs.models import sqs_backends

    moto_fixes.apply()
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr(moto_fixes, "REMEMBERED_RECEIPTS", 5)
    with mock_aws():
        sqs = _client("sqs")
        url = sqs.create_queue(QueueName="receipts")["QueueUrl"]
        handles = []
        for i in range(8):
            sqs.send_message(QueueUrl=url, MessageBody=str(i))
            (m,) = sqs.receive_message(QueueUrl=url)["Messages"]
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            handles.append(m["ReceiptHandle"])
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handles[-1])  # twice: still fine
        queue = sqs_backends["123456789012"]["eu-west-1"].queues["receipts"]
        assert len(queue.deleted_messages) == 5
        assert handles[-1] in queue.deleted_messages
        assert handles[0] not in queue.deleted_messages
