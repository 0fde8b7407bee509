"""Invoices as the customer's people read them: lists, one invoice, the balance, the PDF
and copy requests. Every read asks the access table; another account's invoice is a 404."""

from __future__ import annotations

import uuid
from datetime import date
from functools import lru_cache
from typing import Any

from botocore.exceptions import ClientError

from portico import access, aws, change, clock, keys, limits, store
from portico.access import Owner, Privilege
from portico.errors import BadRequest, NotFound
from portico.invoices import models
from portico.principal import Principal
from portico.settings import settings

DOWNLOAD_SECONDS = 300
# A copy costs someone's time (and, by post, a stamp): a few a day for one invoice.
COPY_REQUESTS_PER_INVOICE_DAY = 3


def _item(invoice_id: str) -> dict[str, Any]:
    item = store.get(keys.invoice(invoice_id)) if models.is_number(invoice_id) else None
    # A payment that arrived before its invoice is held without lines, and not shown.
    if item is None or "lines" not in item:
        raise NotFound("No such invoice.")
    return item


def _readable(p: Principal, invoice_id: str, privilege: Privilege = Privilege.READ
              ) -> dict[str, Any]:
    item = _item(invoice_id)
    access.require(p, "invoice", privilege, Owner(str(item["account_id"])))
    return item


def summary(item: dict[str, Any]) -> models.InvoiceSummary:
    return models.InvoiceSummary.model_validate({**item, "id": item["number"]})


def full(item: dict[str, Any], account_name: str | None = None) -> models.Invoice:
    return models.Invoice.model_validate({**item, "id": item["number"],
                                          "account_name": account_name})


def get(p: Principal, invoice_id: str) -> models.Invoice:
    item = _readable(p, invoice_id)
    account = store.get(keys.account(str(item["account_id"])))
    return full(item, account.get("name") if account else None)


def _day(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise BadRequest(f"{name} is a date, YYYY-MM-DD.") from None


def list_invoices(p: Principal, *, account_id: str | None, status: str | None,
                  frm: str | None, to: str | None, cursor: str | None,
                  limit: int) -> models.InvoicePage:
    """An account's invoices, newest issue date first; with `status`, only those (its own
    index partition, so a page is full however many invoices have other statuses)."""
    account = account_id or p.account_id
    access.require_list(p, "invoice", account)
    lo, hi = _day(frm, "from") or "0", _day(to, "to")
    if hi is not None and frm is not None and lo > hi:
        raise BadRequest("from is after to.")
    # Sort keys are `<issue date>#<number>`: `~` sorts after every number of the last day.
    between = (lo, f"{hi}#~" if hi else "~")
    if status is None:
        pk, index = keys.invoices_of_account(account)["gsi1pk"], "gsi1"
    else:
        pk, index = keys.invoices_of_account_status(account, status)["gsi2pk"], "gsi2"
    items, next_cursor = store.query_page(pk, index=index, sk_between=between, limit=limit,
                                          cursor=cursor, newest_first=True)
    return models.InvoicePage(items=[summary(i) for i in items], cursor=next_cursor)


def balance(p: Principal, account_id: str) -> models.Balance:
    """What the account owes, per currency: kept as sums beside the account by every
    change of an invoice, so reading it is one GetItem however many invoices there are."""
    access.require_list(p, "invoice", account_id)
    item = store.get(keys.balance(account_id)) or {}
    currencies = sorted({k.split("_", 2)[2] for k in item if k.startswith("sum_")})
    out = []
    for cur in currencies:
        open_, overdue = int(item.get(f"sum_open_{cur}", 0)), int(item.get(f"sum_overdue_{cur}", 0))
        n_open, n_overdue = (int(item.get(f"count_open_{cur}", 0)),
                             int(item.get(f"count_overdue_{cur}", 0)))
        if n_open or n_overdue or open_ or overdue:
            out.append(models.CurrencyBalance(currency=cur, open=open_, overdue=overdue,
                                              total=open_ + overdue, open_count=n_open,
                                              overdue_count=n_overdue))
    return models.Balance(account_id=account_id, currencies=out)


# -- the document ---------------------------------------------------------------------------
def rendered_key(item: dict[str, Any], language: str) -> str:
    """Where the portal keeps its rendering of one version of an invoice, in one status
    (the PDF is stamped paid, overdue or cancelled) and one language: rendered once, on the
    first download."""
    return (f"invoices/rendered/{item['number']}/"
            f"v{int(item['source_version'])}-{item['status']}-{language}.pdf")


def _exists(key: str) -> bool:
    try:
        aws.client("s3").head_object(Bucket=settings().documents_bucket, Key=key)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


@lru_cache(maxsize=1)
def _renderer() -> Any:
    # fpdf2 and its imaging libraries load only for a download that needs a rendering.
    from portico.invoices import pdf

    return pdf


def document_key(item: dict[str, Any], language: str) -> str:
    """The S3 key of the invoice's PDF: the back office's own, or the portal's rendering
    (made now if this version has none yet)."""
    if item.get("pdf_s3_key"):
        return str(item["pdf_s3_key"])
    key = rendered_key(item, language)
    if not _exists(key):
        account = store.get(keys.account(str(item["account_id"]))) or {}
        body = _renderer().render(full(item, account.get("name")), account=account,
                                  language=language)
        aws.client("s3").put_object(Bucket=settings().documents_bucket, Key=key, Body=body,
                                    ContentType="application/pdf")
    return key


def pdf_link(p: Principal, invoice_id: str) -> models.PdfLink:
    item = _readable(p, invoice_id)
    account = store.get(keys.account(str(item["account_id"]))) or {}
    language = str(account.get("language") or p.language)
    language = language if language in ("en", "fi") else "en"
    key = document_key(item, language)
    filename = f"{item['number']}.pdf"
    url = aws.client("s3").generate_presigned_url("get_object", Params={
        "Bucket": settings().documents_bucket, "Key": key,
        "ResponseContentDisposition": f'attachment; filename="{filename}"',
        "ResponseContentType": "application/pdf"}, ExpiresIn=DOWNLOAD_SECONDS)
    return models.PdfLink(url=url, expires_in=DOWNLOAD_SECONDS, filename=filename)


# -- copies -----------------------------------------------------------------------------------
def copy_requests_per_invoice() -> limits.Limit:
    return limits.Limit("invoice-copy", COPY_REQUESTS_PER_INVOICE_DAY, 24 * 3600,
                        "copy requests for this invoice")


def request_copy(p: Principal, invoice_id: str, new: models.NewCopyRequest
                 ) -> models.CopyRequest:
    """A copy by e-mail or post, for the back office to send (InvoiceCopyRequested)."""
    item = _item(invoice_id)
    owner = Owner(str(item["account_id"]))
    c = change.by(p, "invoice", str(item["number"]), owner, Privilege.APPEND)
    limits.take(copy_requests_per_invoice(), str(item["number"]))
    request_id, at = uuid.uuid4().hex, clock.stamp()
    record = {
        **keys.invoice_copy_request(str(item["number"]), at, request_id),
        "type": "InvoiceCopyRequest", "id": request_id, "invoice_id": item["number"],
        "account_id": item["account_id"], "channel": new.channel, "note": new.note,
        "requested_at": at, "requested_by": p.contact_id,
    }
    c.create(record)
    c.audit("request_copy", {"channel": {"before": None, "after": new.channel}})
    c.event("InvoiceCopyRequested", {
        "invoice_id": item["number"], "number": item["number"], "request_id": request_id,
        # The back office sends the copy to the account's invoice address: the requester
        # is named by id, their address stays off the bus.
        "channel": new.channel, "note": new.note, "contact_id": p.contact_id,
        "language": p.language})
    c.commit()
    return models.CopyRequest(id=request_id, invoice_id=str(item["number"]),
                              channel=new.channel, note=new.note, requested_at=at)
