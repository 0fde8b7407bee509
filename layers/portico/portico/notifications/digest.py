"""The daily digest: one mail a day per reader who chose it, listing the notifications
they got the day before. Run hourly: the first run of a day sends, later ones find the
entries gone; a run cut short leaves the rest for the next."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from portico import change, keys, mail, store
from portico.access import Owner
from portico.errors import Conflict

logger = Logger()
PAGE = 100


def _send(contact: dict[str, Any], items: Sequence[dict[str, Any]], site: str,
          brand: str) -> bool:
    language = str(contact.get("language") or "en")
    prefix = "/fi" if language == "fi" else ""
    return mail.deliver(str(contact["email"]), "digest", language,
                        who=str(contact.get("name") or ""), brand=brand, count=len(items),
                        profile=f"{site}{prefix}/profile/",
                        items=[{"title": i["title"], "body": i["body"],
                                "link": f"{site}{prefix}{i['link']}"} for i in items])


def _done(day: str, contact_id: str, items: Sequence[dict[str, Any]], *,
          request_id: str) -> None:
    """The reader's entries of the day, gone with the record that their mail went: a
    second run finds nothing to send them."""
    for start in range(0, len(items), 90):
        c = change.system("notification", f"digest/{day}/{contact_id}",
                          Owner("", contact_id), request_id=request_id)
        for i in items[start:start + 90]:
            c.delete({"pk": str(i["pk"]), "sk": str(i["sk"])},
                     condition="attribute_exists(pk)",
                     conflict=Conflict("sent meanwhile"))
        c.audit("digest", {"items": {"before": None, "after": len(items)}})
        c.event("DigestSent", {"contact_id": contact_id, "day": day, "items": len(items)})
        c.commit()


def run(*, today: datetime | None = None, request_id: str = "", site: str = "",
        brand: str = "Portico", budget_seconds: float = 240) -> dict[str, int]:
    day = ((today or datetime.now(UTC)).date() - timedelta(days=1)).isoformat()
    started = time.monotonic()
    sent = failed = 0
    current: str | None = None
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal sent, failed
        if not current or not batch:
            return
        contact = store.get(keys.contact(current))
        if contact and contact.get("email") and contact.get("active", True):
            if _send(contact, batch, site, brand):
                sent += 1
            else:
                failed += 1
                return  # kept: the next run tries again
        with contextlib.suppress(Conflict):  # another run sent it meanwhile
            _done(day, current, batch, request_id=request_id)

    # Entries sort by reader, so each reader's entries come together.
    cursor: str | None = None
    while time.monotonic() - started < budget_seconds:
        entries, cursor = store.query_page(keys.digest(day), limit=PAGE, cursor=cursor)
        for e in entries:
            if e["contact_id"] != current:
                flush()
                current, batch = str(e["contact_id"]), []
            batch.append(e)
        if cursor is None:
            flush()
            break
    return {"sent": sent, "failed": failed}
