"""The transactional outbox: a change and the events it causes commit together or not at all.

Each event becomes an outbox item in the same TransactWriteItems as the change. The table's
stream delivers the item to the publisher function, which puts it on the bus, so an answered
write always yields its event even if the function dies right after answering.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from portico import keys, store
from portico.events import Event, Relayed

# Long enough for the stream (24 h retention) and the publisher's retries to be done with it.
OUTBOX_TTL_SECONDS = 7 * 24 * 3600
MAX_TRANSACTION_ITEMS = 100


def outbox_item(event: Event | Relayed, *, now: float | None = None) -> store.Item:
    issued = time.time() if now is None else now
    item: store.Item = {
        **keys.outbox(event.id),
        "type": "OutboxEvent",
        "event_type": event.type,
        "event": event.to_json(),
        "expires_at": int(issued) + OUTBOX_TTL_SECONDS,
    }
    if isinstance(event, Relayed):  # the publisher puts it on the bus under its own source
        item["source"] = event.source
    return item


def commit(changes: Sequence[store.TransactItem],
           events: Sequence[Event | Relayed]) -> None:
    """Write `changes` (store.put/...) and `events` as one transaction."""
    if not events:
        raise ValueError("a change that emits no event does not need the outbox")
    if len(changes) + len(events) > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} items")
    items = list(changes)
    items += [store.put(outbox_item(e), condition="attribute_not_exists(pk)") for e in events]
    store.transact(items)
