"""The local cloud runs a function's SQS and Schedule events as Lambda would: partial batch
failures return to the queue, come back, and reach the DLQ after maxReceiveCount."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.local import LocalCloud
from infra.workers import Schedule
from tests.conftest import wait_for

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "queues" / "template.yaml"


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
