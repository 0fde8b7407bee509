"""The local cloud runs a function's SQS, Schedule and S3 events as Lambda would: partial
batch failures return to the queue, come back, and reach the DLQ after maxReceiveCount; an
upload invokes once with S3's event, and a failed invocation is retried twice. A stream
source leaves moto no iterators behind."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from aws_lambda_powertools.utilities.parser.models import S3Model
from moto.dynamodbstreams.models import dynamodbstreams_backends

from infra.local import ACCOUNT_ID, LocalCloud
from infra.workers import BucketSource, Schedule, StreamSource
from tests.conftest import wait_for

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURE = FIXTURES / "queues" / "template.yaml"


@pytest.fixture(scope="module")
def queues(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    with LocalCloud(template=FIXTURE, stack_name="queue-test", seed=False,
                    site_dir=tmp_path_factory.mktemp("site")) as cloud:
        yield cloud


def worker_module(cloud: LocalCloud) -> Any:
    return cloud.functions["WorkerFunction"]._load()


def dead_letters(cloud: LocalCloud) -> list[dict[str, Any]]:
    sqs = cloud.client("sqs")
    resp = sqs.receive_message(QueueUrl=cloud.resource("WorkDeadLetterQueue"),
                               MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [json.loads(m["Body"]) for m in resp.get("Messages", [])]


def test_failed_items_are_redelivered_then_dead_lettered(queues: LocalCloud) -> None:
    sqs = queues.client("sqs")
    module = worker_module(queues)
    for name, fail in (("first", False), ("poison", True), ("second", False)):
        sqs.send_message(QueueUrl=queues.resource("WorkQueue"),
                         MessageBody=json.dumps({"name": name, "fail": fail}))

    letters = wait_for(lambda: dead_letters(queues))
    assert [m["name"] for m in letters] == ["poison"]

    seen = [d for d in module.deliveries]
    by_name = {n: [d["receive_count"] for d in seen if d["name"] == n]
               for n in ("first", "poison", "second")}
    # The good ones once; the bad one on each receive the redrive policy allows.
    assert by_name["first"] == [1]
    assert by_name["second"] == [1]
    assert by_name["poison"] == [1, 2, 3]
    remaining = sqs.get_queue_attributes(
        QueueUrl=queues.resource("WorkQueue"),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert remaining == {"ApproximateNumberOfMessages": "0",
                         "ApproximateNumberOfMessagesNotVisible": "0"}


def test_schedule_fires_on_its_rate(queues: LocalCloud) -> None:
    now = [1000.0]
    fn = queues.functions["WorkerFunction"]
    props = fn.events["Tick"]["Properties"]
    schedule = Schedule(fn, "arn:aws:events:eu-west-1:123456789012:rule/tick", props,
                        queues.region, "123456789012", clock=lambda: now[0])
    module = worker_module(queues)
    before = len(module.ticks)

    schedule.poll_once()
    now[0] += 59
    schedule.poll_once()
    assert len(module.ticks) == before, "rate(1 minute) must not fire early"
    now[0] += 1
    schedule.poll_once()
    now[0] += 60
    schedule.poll_once()
    assert len(module.ticks) == before + 2
    tick = module.ticks[-1]
    assert tick["detail-type"] == "Scheduled Event"
    assert tick["resources"] == ["arn:aws:events:eu-west-1:123456789012:rule/tick"]


def test_schedule_runs_in_the_cloud_from_the_template(queues: LocalCloud) -> None:
    schedules = [w for w in queues.workers if isinstance(w, Schedule)]
    assert [(s.function.logical_id, s.period) for s in schedules] == [("WorkerFunction", 60)]


# -- S3 events ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def uploads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    with LocalCloud(template=FIXTURES / "uploads" / "template.yaml", stack_name="upload-test",
                    seed=False, site_dir=tmp_path_factory.mktemp("site")) as cloud:
        yield cloud


def scanner(cloud: LocalCloud) -> Any:
    return cloud.functions["ScannerFunction"]._load()


def records_for(cloud: LocalCloud, key: str) -> list[dict[str, Any]]:
    return [r for e in scanner(cloud).events for r in e.get("Records", [])
            if r["s3"]["object"]["key"] == key]


def invoked_once(cloud: LocalCloud, key: str) -> dict[str, Any]:
    """The one record of `key`, after waiting long enough to see a second one if any."""
    wait_for(lambda: records_for(cloud, key))
    time.sleep(0.5)
    found = records_for(cloud, key)
    assert len(found) == 1, found
    return found[0]


def test_an_s3_event_is_declared_once_per_function_and_bucket(uploads: LocalCloud) -> None:
    bucket = uploads.resource("UploadsBucket")
    config = uploads.client("s3").get_bucket_notification_configuration(Bucket=bucket)
    (queue,) = config["QueueConfigurations"]
    assert queue["Events"] == ["s3:ObjectCreated:*"]
    assert queue["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "uploads/"}]
    assert [type(w) for w in uploads.workers] == [BucketSource]
    assert uploads.functions["ScannerFunction"].env["UPLOADS_BUCKET"] == bucket
    # The notification's s3:TestEvent is not an invocation.
    time.sleep(0.3)
    assert all("Records" in e for e in scanner(uploads).events)


def test_a_put_invokes_once_with_s3_s_event(uploads: LocalCloud) -> None:
    s3 = uploads.client("s3")
    bucket = uploads.resource("UploadsBucket")
    put = s3.put_object(Bucket=bucket, Key="uploads/case 1/report 2024:Q1+final.txt",
                        Body=b"hello")
    s3.put_object(Bucket=bucket, Key="elsewhere/not-mine.txt", Body=b"x")

    record = invoked_once(uploads, "uploads/case+1/report+2024%3AQ1%2Bfinal.txt")
    S3Model.model_validate({"Records": [record]})  # what Powertools' parser requires
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["awsRegion"] == uploads.region
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert record["s3"]["object"]["size"] == 5
    assert record["s3"]["object"]["eTag"] == put["ETag"].strip('"')
    assert record["s3"]["object"]["versionId"] == put["VersionId"]
    assert record["s3"]["object"]["sequencer"]
    time.sleep(0.3)
    assert not records_for(uploads, "elsewhere/not-mine.txt")


def test_a_presigned_post_upload_invokes_once(uploads: LocalCloud) -> None:
    s3 = uploads.client("s3")
    bucket = uploads.resource("UploadsBucket")
    post = s3.generate_presigned_post(
        bucket, "uploads/posted file (1).pdf", Fields={"Content-Type": "application/pdf"},
        Conditions=[{"Content-Type": "application/pdf"}, ["content-length-range", 1, 1000]])
    answer = requests.post(post["url"], data=post["fields"],
                           files={"file": ("x.pdf", b"%PDF-1.7 twelve")}, timeout=10)
    assert answer.status_code == 204, answer.text

    record = invoked_once(uploads, "uploads/posted+file+%281%29.pdf")
    S3Model.model_validate({"Records": [record]})
    assert record["eventName"] == "ObjectCreated:Post"
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["object"]["size"] == len(b"%PDF-1.7 twelve")


def failures(cloud: LocalCloud) -> list[dict[str, Any]]:
    sqs = cloud.client("sqs")
    got = sqs.receive_message(QueueUrl=cloud.resource("ScanFailedQueue"),
                              MaxNumberOfMessages=10).get("Messages", [])
    for m in got:
        sqs.delete_message(QueueUrl=cloud.resource("ScanFailedQueue"),
                           ReceiptHandle=m["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in got]


def test_a_failed_invocation_is_retried(uploads: LocalCloud) -> None:
    s3 = uploads.client("s3")
    bucket = uploads.resource("UploadsBucket")
    s3.put_object(Bucket=bucket, Key="uploads/fail-1-once.txt", Body=b"x")

    wait_for(lambda: len(records_for(uploads, "uploads/fail-1-once.txt")) >= 2)
    time.sleep(0.5)
    assert scanner(uploads).attempts["uploads/fail-1-once.txt"] == 2
    assert not failures(uploads)


def test_an_event_failing_three_times_goes_to_the_on_failure_destination(
        uploads: LocalCloud) -> None:
    s3 = uploads.client("s3")
    bucket = uploads.resource("UploadsBucket")
    s3.put_object(Bucket=bucket, Key="uploads/fail-9-always.txt", Body=b"x")

    (failure,) = wait_for(lambda: failures(uploads))
    assert scanner(uploads).attempts["uploads/fail-9-always.txt"] == 3
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["requestContext"]["functionArn"].startswith(
        uploads.functions["ScannerFunction"].arn)
    (record,) = failure["requestPayload"]["Records"]
    assert record["s3"]["object"]["key"] == "uploads/fail-9-always.txt"
    assert failure["responsePayload"]["errorType"] == "RuntimeError"


def test_a_stream_source_leaves_moto_one_iterator_per_shard(cloud: LocalCloud) -> None:
    # moto kept every iterator it issued: a stream source polling for an hour grew the
    # process by ~200 MB (see infra/moto_fixes.py).
    backend = dynamodbstreams_backends[ACCOUNT_ID][cloud.region]
    sources = [w for w in cloud.workers if isinstance(w, StreamSource)]
    assert sources, "the template has no DynamoDB event"
    time.sleep(2.5)  # a few polls, even at the idle back-off
    assert len(backend.shard_iterators) <= len(sources)
