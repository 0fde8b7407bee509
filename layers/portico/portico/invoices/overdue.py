"""Marking unpaid invoices past their due date `overdue` (InvoiceOverdue), run on a
schedule. It reads only the entries of open invoices due before today, a page at a time,
and each marking removes its entry: a second run finds nothing to do, and a run cut short
is finished by the next."""

from __future__ import annotations

import time
from datetime import date

from portico import audit, change, clock, keys, store
from portico.access import Owner
from portico.errors import PorticoError
from portico.invoices import ingest

PAGE = 100


def mark(number: str, *, today: date, request_id: str) -> bool:
    """Mark one invoice overdue if it still is open and past due; True if it was marked."""
    before = store.get(keys.invoice(number), consistent=True)
    if before is None or before.get("status") != "open" or "lines" not in before \
            or date.fromisoformat(str(before["due_date"])) >= today:
        return False
    after = {**before, "status": "overdue", "updated_at": clock.stamp()}
    c = change.system("invoice", number, Owner(str(before["account_id"])),
                      request_id=request_id)
    ingest.write(c, before, after)
    c.audit("overdue", audit.changes(before, after, ("status",)))
    c.event("InvoiceOverdue", {"invoice_id": number, "number": number,
                               "currency": before["currency"], "total": before["total"],
                               "due_date": before["due_date"],
                               "version": before["source_version"]})
    c.commit()
    return True


def run(*, today: date | None = None, request_id: str = "", budget_seconds: float = 50
        ) -> dict[str, int]:
    """Mark every open invoice due before `today` (UTC), within the time budget."""
    day = (today or clock.now().date())
    started = time.monotonic()
    marked = skipped = failed = 0
    cursor: str | None = None
    while time.monotonic() - started < budget_seconds:
        entries, cursor = store.query_page(keys.INVOICES_DUE, sk_between=("0", day.isoformat()),
                                           limit=PAGE, cursor=cursor)
        for entry in entries:
            if str(entry["sk"]) >= day.isoformat():
                continue
            try:
                if mark(str(entry["number"]), today=day, request_id=request_id):
                    marked += 1
                else:  # paid or moved in the moment since the page was read
                    skipped += 1
            except PorticoError:  # changed meanwhile: the next run looks again
                failed += 1
        if cursor is None:
            break
    return {"marked": marked, "skipped": skipped, "failed": failed}
