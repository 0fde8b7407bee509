"""A contact's notifications: stored once per event and reader, counted per section while
unread, read one by one or all at once. Old ones expire (TTL)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from typing import Any

from portico import change, clock, keys, store
from portico.access import Owner
from portico.errors import BadRequest, Conflict, NotFound
from portico.events import Actor
from portico.notifications import models
from portico.principal import Principal

KEEP_DAYS = 90
# A transaction holds 100 items: two per reader (the notification, their counts), one
# digest entry each at most, the event and the audit entry.
READERS_PER_CHANGE = 30


def notification_id(event: dict[str, Any], contact_id: str) -> str:
    """The same event read by the same contact is always the same notification."""
    digest = hashlib.sha256(f"{event['id']}|{contact_id}".encode()).hexdigest()[:16]
    return f"{event['occurred_at']}_{digest}"


def item(contact_id: str, nid: str, *, section: str, type_: str, title: str, body: str,
         link: str, event_id: str, mail: str) -> dict[str, Any]:
    return {
        **keys.notification(contact_id, nid), **keys.unread(contact_id, nid),
        "type": "Notification", "id": nid, "contact_id": contact_id, "section": section,
        "event_type": type_, "title": title, "body": body, "link": link,
        "created_at": nid.split("_", 1)[0], "event_id": event_id, "read": False,
        "mail": mail, "expires_at": int(time.time()) + KEEP_DAYS * 86400,
    }


def existing(contact_ids: Sequence[str], event: dict[str, Any]) -> set[str]:
    """Which of these readers already have this event's notification."""
    found = store.batch_get([keys.notification(c, notification_id(event, c))
                             for c in contact_ids])
    return {str(i["contact_id"]) for i in found}


def store_new(event: dict[str, Any], notes: Sequence[dict[str, Any]],
              digests: Sequence[dict[str, Any]]) -> None:
    """Write new notifications (and the digest entries of readers who take a daily mail),
    a change per group of readers. A notification that appeared meanwhile (a second
    delivery of the event, racing) makes the group fail: the caller retries, and finds it."""
    by_reader = {d["contact_id"]: d for d in digests}
    for start in range(0, len(notes), READERS_PER_CHANGE):
        group = notes[start:start + READERS_PER_CHANGE]
        c = change.system("notification", str(event["id"]),
                          Owner(str(event.get("account_id") or "")),
                          request_id=str(event["id"]))
        for n in group:
            c.create(n, conflict=Conflict("This notification exists already."))
            c.update(keys.unread_counts(str(n["contact_id"])), add={str(n["section"]): 1})
            if n["contact_id"] in by_reader:
                c.put(by_reader[n["contact_id"]])
        c.audit("deliver", {"readers": {"before": None, "after": len(group)}})
        c.event("NotificationsDelivered", {"event_id": event["id"],
                                           "event_type": event["type"],
                                           "readers": len(group)},
                account_id=event.get("account_id"))
        c.commit()


def mark_mailed(event: dict[str, Any], mailed: Sequence[tuple[str, str, str]],
                tokens: Sequence[dict[str, Any]]) -> None:
    """Record the mail sent for notifications (contact, id, outcome: `sent` or `failed:
    <reason>`), with the unsubscribe tokens their mail carried, so a redelivered event
    mails nobody twice."""
    for start in range(0, len(mailed), 45):
        group = mailed[start:start + 45]
        c = change.system("notification", str(event["id"]),
                          Owner(str(event.get("account_id") or "")),
                          request_id=str(event["id"]))
        for contact_id, nid, outcome in group:
            c.update(keys.notification(contact_id, nid), set_={"mail": outcome},
                     condition="attribute_exists(pk)")
        for t in tokens[start:start + 45]:
            c.put(t)
        c.audit("mail", {"mails": {"before": None, "after": len(group)}})
        c.event("NotificationsMailed", {"event_id": event["id"], "event_type": event["type"],
                                        "mails": len(group)},
                account_id=event.get("account_id"))
        c.commit()


# -- the reader's side ----------------------------------------------------------------------
def _out(i: dict[str, Any]) -> models.Notification:
    return models.Notification(id=str(i["id"]), section=i["section"],
                               type=str(i["event_type"]), title=str(i["title"]),
                               body=str(i["body"]), link=str(i["link"]),
                               created_at=str(i["created_at"]), read=bool(i.get("read")))


def list_for(p: Principal, *, unread: bool, cursor: str | None,
             limit: int) -> models.NotificationPage:
    if unread:
        items, nxt = store.query_page(keys.unread(p.contact_id)["gsi1pk"], index="gsi1",
                                      limit=limit, cursor=cursor, newest_first=True)
    else:
        items, nxt = store.query_page(keys.inbox(p.contact_id), sk_prefix=keys.INBOX_PREFIX,
                                      limit=limit, cursor=cursor, newest_first=True)
    now = time.time()
    # TTL deletes late: what has expired is gone for the reader already.
    return models.NotificationPage(items=[_out(i) for i in items
                                          if int(i.get("expires_at", now + 1)) > now],
                                   cursor=nxt)


def summary(contact_id: str) -> models.Summary:
    counts = store.get(keys.unread_counts(contact_id), consistent=True) or {}
    sections = {s: max(0, int(counts.get(s, 0))) for s in models.SECTIONS}
    return models.Summary(sections=sections, total=sum(sections.values()))


def _actor(p: Principal) -> Actor:
    return change.actor_of(p)


def read(p: Principal, notification_id: str) -> models.Notification:
    import re

    if not re.fullmatch(models.ID_PATTERN, notification_id):
        raise BadRequest("That is not a notification id.")
    found = store.get(keys.notification(p.contact_id, notification_id), consistent=True)
    if found is None:
        raise NotFound("No such notification.")
    if found.get("read"):
        return _out(found)
    _mark(p, [found])
    return _out({**found, "read": True})


def _mark(p: Principal, items: Sequence[dict[str, Any]]) -> None:
    c = change.system("notification", p.contact_id, Owner(p.account_id, p.contact_id),
                      request_id=p.request_id, actor=_actor(p))
    per_section: dict[str, int] = {}
    for i in items:
        c.update(keys.notification(p.contact_id, str(i["id"])),
                 set_={"read": True, "read_at": clock.stamp(), "gsi1pk": None,
                       "gsi1sk": None},
                 condition="attribute_exists(gsi1pk)",
                 conflict=Conflict("Read meanwhile; reload."))
        per_section[str(i["section"])] = per_section.get(str(i["section"]), 0) + 1
    c.update(keys.unread_counts(p.contact_id), add={s: -n for s, n in per_section.items()})
    c.audit("read", {"read": {"before": None, "after": len(items)}})
    c.event("NotificationsRead", {"contact_id": p.contact_id, "count": len(items)})
    c.commit()


def read_all(p: Principal) -> models.ReadAll:
    """Mark every unread notification read, a page at a time; then the counts go to zero
    (they may have drifted, say after notifications expired unread)."""
    marked, misses = 0, 0
    while misses < 3:
        items, _ = store.query_page(keys.unread(p.contact_id)["gsi1pk"], index="gsi1",
                                    limit=45)
        if not items:
            break
        try:
            _mark(p, items)
        except Conflict:  # the index still lists one just read: let it catch up
            misses += 1
            time.sleep(0.2 * misses)
            continue
        marked += len(items)
    counts = store.get(keys.unread_counts(p.contact_id), consistent=True) or {}
    stale = {s: -int(counts[s]) for s in models.SECTIONS if int(counts.get(s, 0)) != 0}
    if stale:
        c = change.system("notification", p.contact_id, Owner(p.account_id, p.contact_id),
                          request_id=p.request_id, actor=_actor(p))
        c.update(keys.unread_counts(p.contact_id), add=stale)
        c.audit("recount", {s: {"before": -n, "after": 0} for s, n in stale.items()})
        c.event("NotificationsRead", {"contact_id": p.contact_id, "count": 0})
        c.commit()
    return models.ReadAll(marked=marked)
