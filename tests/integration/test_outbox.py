"""A change and its event commit together; the publisher puts the event on the bus, and a
rule delivers it to a subscriber's queue exactly as the domain wrote it."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from infra.local import LocalCloud
from portico import keys, outbox, store
from portico.events import Actor, Event
from tests.conftest import listen


def contact_event(account_id: str = "acc-northwind") -> Event:
    return Event(type="ContactUpdated", actor=Actor(type="contact", id="c-1"),
                 account_id=account_id, data={"fields": ["phone"], "note": "åäö ✓"})


def test_committed_event_reaches_the_queue_exactly_as_sent(cloud: LocalCloud) -> None:
    event = contact_event()
    contact_id = uuid.uuid4().hex
    with listen(cloud, id=[event.id]) as listener:
        with cloud.functions["IdentityFunction"].environment():
            outbox.commit([store.put({**keys.contact(contact_id), "id": contact_id,
                                      "phone": "+358 40 123"})], [event])
            saved = store.get(keys.contact(contact_id))
        delivered = listener.collect()
    assert saved is not None
    assert saved["phone"] == "+358 40 123"
    assert delivered, "the event did not reach a subscriber of the bus"
    bus_event = delivered[0]
    assert bus_event["source"] == "portico"
    assert bus_event["detail-type"] == "ContactUpdated"
    assert bus_event["detail"] == json.loads(event.to_json())
    assert set(bus_event["detail"]) == {"id", "type", "version", "occurred_at", "actor",
                                        "account_id", "data"}


def test_failed_change_writes_no_event(cloud: LocalCloud) -> None:
    contact_id = uuid.uuid4().hex
    event = contact_event()
    after = contact_event()
    with listen(cloud, id=[event.id, after.id]) as listener:
        with cloud.functions["IdentityFunction"].environment():
            store.transact([store.put({**keys.contact(contact_id), "id": contact_id})])
            with pytest.raises(store.Cancelled):
                outbox.commit([store.put({**keys.contact(contact_id), "id": contact_id},
                                         condition="attribute_not_exists(pk)")], [event])
            assert store.get(keys.outbox(event.id), consistent=True) is None
            # The next write after a cancelled transaction still gets its event out.
            outbox.commit([store.put({**keys.contact(uuid.uuid4().hex), "id": "later"})],
                          [after])
        listener.collect(at_least=2, timeout=3)
    assert [e["detail"]["id"] for e in listener.received] == [after.id]


def test_a_record_the_bus_refuses_is_retried_then_parked(cloud: LocalCloud) -> None:
    broken_id = uuid.uuid4().hex
    good = contact_event()
    with listen(cloud, id=[good.id]) as listener:
        with cloud.functions["IdentityFunction"].environment():
            # An outbox item whose envelope is not JSON: EventBridge answers FailedEntryCount.
            store.transact([store.put({**keys.outbox(broken_id), "event_type": "Broken",
                                       "event": "{not json",
                                       "expires_at": int(time.time()) + 60})])
            contact_id = uuid.uuid4().hex
            outbox.commit([store.put({**keys.contact(contact_id), "id": contact_id})], [good])
        # The good event behind it is not lost (it may arrive more than once: consumers
        # dedupe on the envelope id).
        assert listener.collect(timeout=20)

    sqs = cloud.client("sqs")
    parked: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    while not parked and time.monotonic() < deadline:
        resp = sqs.receive_message(QueueUrl=cloud.resource("PublisherDeadLetterQueue"),
                                   MaxNumberOfMessages=10)
        parked = [json.loads(m["Body"]) for m in resp.get("Messages", [])]
        time.sleep(0.1)
    assert parked, "the refused record was not parked on the publisher DLQ"
    info = parked[0]
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["DDBStreamBatchInfo"]["batchSize"] >= 1
