"""Invoices from the back office: `InvoiceIssued`, `InvoicePaid` and `InvoiceCancelled`
applied to the table, each in one change (the invoice, its index entries, the account's
balance, the portal's own event and the audit entry), or not at all.

Order: every event carries the back office's `version` of the invoice, and an event older
than what is stored changes nothing. So a payment that overtakes its invoice on the way is
not undone when the invoice arrives: the payment is held (an invoice without lines, shown
to nobody), and the late invoice fills in its lines under the payment's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portico import audit, change, clock, keys, store
from portico.access import Owner
from portico.errors import Conflict
from portico.events import Actor
from portico.integrations.errors import NotYet, Rejected
from portico.invoices import amounts, models


def account_of(event: models.ForAccount) -> str:
    if event.account_id is not None:
        found = store.get(keys.account(event.account_id), consistent=True)
    else:
        pointer = store.get(keys.account_number(str(event.account_number)), consistent=True)
        found = store.get(keys.account(str(pointer["account_id"])), consistent=True) \
            if pointer else None
    if found is None:
        raise NotYet(f"no account {event.account_id or event.account_number!r} (yet)")
    if found.get("kind") != "customer":
        raise Rejected(f"account {found['id']!r} is not a customer account")
    return str(found["id"])


# -- the balance ------------------------------------------------------------------------------
def _sums(item: Mapping[str, Any] | None) -> dict[str, int]:
    """What one invoice adds to its account's balance attributes."""
    if not item or "lines" not in item or item.get("status") not in models.UNPAID:
        return {}
    status, cur = str(item["status"]), str(item["currency"])
    return {f"sum_{status}_{cur}": int(item["total"]), f"count_{status}_{cur}": 1}


def balance_delta(before: Mapping[str, Any] | None,
                  after: Mapping[str, Any] | None) -> dict[str, int]:
    delta = dict(_sums(after))
    for k, v in _sums(before).items():
        delta[k] = delta.get(k, 0) - v
    return {k: v for k, v in delta.items() if v}


# -- applying one event ---------------------------------------------------------------------
def _indexed(item: dict[str, Any]) -> dict[str, Any]:
    """The invoice with the index keys its content and status give it."""
    out = {k: v for k, v in item.items()
           if k not in ("gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")}
    if "lines" in out:
        account, day, number = str(out["account_id"]), str(out["issue_date"]), str(out["number"])
        out.update(keys.invoices_of_account(account, day, number))
        out.update(keys.invoices_of_account_status(account, str(out["status"]), day, number))
    return out


def write(c: change.Change, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Record `after` in change `c`: the invoice (guarded by the version it had), its entry
    among unpaid invoices by due date, and the account's balance."""
    after = _indexed(after)
    if before is None:
        c.create({**after, "version": 1})
    else:
        sets = {k: v for k, v in after.items()
                if k not in ("pk", "sk", "version") and before.get(k) != v}
        gone = [k for k in before if k not in after and k not in ("pk", "sk", "version")]
        c.update(keys.invoice(str(after["number"])), version=int(before["version"]),
                 set_=sets, remove=gone)
    was_due = before is not None and before.get("status") == "open" and "lines" in before
    is_due = after.get("status") == "open" and "lines" in after
    if was_due and before is not None and (not is_due or before["due_date"] != after["due_date"]):
        c.delete(keys.invoice_due(str(before["due_date"]), str(before["number"])))
    if is_due and not (was_due and before is not None
                       and before["due_date"] == after["due_date"]):
        c.put({**keys.invoice_due(str(after["due_date"]), str(after["number"])),
               "type": "InvoiceDue", "number": after["number"],
               "account_id": after["account_id"]})
    delta = balance_delta(before, after)
    if delta:
        c.update(keys.balance(str(after["account_id"])),
                 set_={"type": "Balance", "account_id": after["account_id"]}, add=delta)


AUDITED = ("status", "total", "currency", "due_date", "source_version")


def _public(item: Mapping[str, Any]) -> dict[str, Any]:
    """The invoice as the portal's own events describe it."""
    return {"invoice_id": item["number"], "number": item["number"],
            "status": item["status"], "currency": item.get("currency"),
            "total": item.get("total"), "due_date": item.get("due_date"),
            "version": item["source_version"]}


InvoiceEvent = models.InvoiceIssued | models.InvoicePaid | models.InvoiceCancelled


def apply(event: InvoiceEvent, *, source: str, event_id: str) -> str:
    """Apply one back-office event (validated); what happened, in a word (`issued`,
    `stale`, ...)."""
    account_id = account_of(event)
    number = event.number
    before = store.get(keys.invoice(number), consistent=True)
    if before is not None and before["account_id"] != account_id:
        raise Rejected(f"invoice {number} belongs to another account")
    version = event.version
    stored = int(before["source_version"]) if before else 0
    has_lines = before is not None and "lines" in before
    now = clock.stamp()

    if isinstance(event, models.InvoiceIssued):
        if version <= stored and has_lines:
            return "stale"
        lines, sums = amounts.priced(event.lines)
        after = {**(before or {}), **keys.invoice(number), "type": "Invoice",
                 "number": number, "account_id": account_id, "currency": event.currency,
                 "issue_date": event.issue_date.isoformat(),
                 "due_date": event.due_date.isoformat(), "lines": lines,
                 "net_total": sums["net_total"], "tax_total": sums["tax_total"],
                 "total": sums["total"], "taxes": sums["taxes"],
                 "payment_reference": event.payment_reference,
                 "pdf_s3_key": event.pdf_s3_key, "updated_at": now}
        if version > stored:  # the newest word: a (re)issued invoice is open again
            after.update(status="open", source_version=version, paid_on=None,
                         cancelled_reason=None)
        outcome, type_ = "issued", "InvoiceIssued"
    elif isinstance(event, models.InvoicePaid):
        if version <= stored:
            return "stale"
        after = {**(before or {}), **keys.invoice(number), "type": "Invoice",
                 "number": number, "account_id": account_id, "status": "paid",
                 "paid_on": event.paid_on.isoformat(), "source_version": version,
                 "updated_at": now}
        if event.payment_reference:
            after["payment_reference"] = event.payment_reference
        outcome, type_ = "paid", "InvoicePaid"
    else:
        if version <= stored:
            return "stale"
        after = {**(before or {}), **keys.invoice(number), "type": "Invoice",
                 "number": number, "account_id": account_id, "status": "cancelled",
                 "cancelled_reason": event.reason, "source_version": version,
                 "updated_at": now}
        outcome, type_ = "cancelled", "InvoiceCancelled"
    after = {k: v for k, v in after.items() if v is not None}

    c = change.system("invoice", number, Owner(account_id), request_id=event_id,
                      actor=Actor(type="integration", id=source))
    write(c, before, after)
    c.audit(outcome, audit.changes(before, after, AUDITED))
    if "lines" in after:  # a held payment is announced with its invoice
        c.event(type_, _public(after))
    else:
        c.event("InvoicePaymentHeld" if type_ == "InvoicePaid" else "InvoiceCancellationHeld",
                {"number": number, "version": version})
    try:
        c.commit()
    except Conflict as e:  # another delivery of this invoice won the race: read it again
        raise NotYet(f"invoice {number} changed meanwhile") from e
    return outcome if "lines" in after else "held"
