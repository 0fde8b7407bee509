"""Case attachments: uploaded straight to S3 with a presigned POST whose policy holds the
size and type limits and asks for server-side encryption; checked by the file scanner when
the bucket says the object landed; downloaded with a short-lived presigned GET.

An attachment is `pending_scan` from the moment it is announced until the scanner marks it
`clean` or `quarantined`; only a clean file downloads. All of it only for those who may see
the case."""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Any
from urllib.parse import quote

from portico import aws, change, clock, keys, store
from portico.access import Privilege
from portico.cases import catalog, desk, models
from portico.errors import Conflict, Invalid, NotFound
from portico.principal import Principal
from portico.settings import settings

UPLOAD_SECONDS = 300
DOWNLOAD_SECONDS = 60
PENDING, CLEAN, QUARANTINED = "pending_scan", "clean", "quarantined"
_KEY = re.compile(r"^cases/(?P<case_id>[0-9a-f]{32})/(?P<attachment_id>[0-9a-f]{32})/")


def object_key(case_id: str, attachment_id: str, filename: str) -> str:
    return f"cases/{case_id}/{attachment_id}/{filename}"


def ids_of(key: str) -> tuple[str, str] | None:
    """(case id, attachment id) of an object key this module made, else None."""
    m = _KEY.match(key)
    return (m.group("case_id"), m.group("attachment_id")) if m else None


def upload_form(bucket: str, key: str, content_type: str, size: int) -> dict[str, Any]:
    """A presigned POST that S3 refuses unless the file matches what was declared."""
    form: dict[str, Any] = aws.client("s3").generate_presigned_post(
        Bucket=bucket, Key=key,
        Fields={"Content-Type": content_type, "x-amz-server-side-encryption": "AES256"},
        Conditions=[
            {"Content-Type": content_type},
            {"x-amz-server-side-encryption": "AES256"},
            ["content-length-range", 1, size],
        ],
        ExpiresIn=UPLOAD_SECONDS)
    return form


def content_disposition(filename: str) -> str:
    """`attachment` with a name that cannot add header parameters: quotes, `;`, `\\` and
    control characters go; a non-ASCII name travels as RFC 5987 `filename*` beside an
    ASCII fallback (RFC 6266)."""
    name = "".join(ch for ch in filename if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'["\\;]', "", name).strip() or "download"
    ascii_name = "".join(
        unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "_"
        for ch in name)
    if ascii_name == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def start(p: Principal, case_id: str, new: models.NewAttachment) -> models.Upload:
    case = desk.load(case_id)
    attachment_id = uuid.uuid4().hex
    c = change.by(p, "attachment", attachment_id, desk.owner(case), Privilege.CREATE)
    problems = []
    if new.size > catalog.ATTACHMENT_MAX_BYTES:
        problems.append(f"size: at most {catalog.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB")
    if new.content_type not in catalog.ATTACHMENT_TYPES:
        problems.append(f"content_type: one of {', '.join(sorted(catalog.ATTACHMENT_TYPES))}")
    if problems:
        raise Invalid("The attachment cannot be accepted.", details=problems)
    key = object_key(case_id, attachment_id, new.filename)
    c.create({
        **keys.attachment(case_id, attachment_id), "type": "Attachment", "id": attachment_id,
        "case_id": case_id, "account_id": case["account_id"], "filename": new.filename,
        "content_type": new.content_type, "size": new.size, "object_key": key,
        "uploaded_by": p.contact_id, "status": PENDING, "created_at": clock.stamp(),
    })
    c.audit("attach", {"attachment": {"before": None, "after": new.filename}},
            entity="case", entity_id=case_id)
    c.event("CaseAttachmentAdded", {
        "case_id": case_id, "number": case["number"], "attachment_id": attachment_id,
        "filename": new.filename, "content_type": new.content_type, "size": new.size,
        "status": PENDING})
    c.commit()
    form = upload_form(settings().attachments_bucket, key, new.content_type, new.size)
    return models.Upload(attachment_id=attachment_id, url=form["url"],
                         fields={k: str(v) for k, v in form["fields"].items()},
                         expires_in=UPLOAD_SECONDS)


def _out(item: dict[str, Any]) -> models.Attachment:
    return models.Attachment(id=item["id"], case_id=item["case_id"], filename=item["filename"],
                             content_type=item["content_type"], size=int(item["size"]),
                             status=item.get("status", PENDING),
                             uploaded_by=item["uploaded_by"], created_at=item["created_at"])


def list_for(p: Principal, case_id: str, *, cursor: str | None,
             limit: int) -> models.AttachmentPage:
    desk.visible(p, case_id)
    items, nxt = store.query_page(keys.case(case_id)["pk"], sk_prefix=keys.ATTACHMENT_PREFIX,
                                  limit=limit, cursor=cursor)
    return models.AttachmentPage(items=[_out(i) for i in items], next_cursor=nxt)


def download(p: Principal, case_id: str, attachment_id: str) -> models.Download:
    desk.visible(p, case_id)
    item = store.get(keys.attachment(case_id, attachment_id))
    if item is None:
        raise NotFound("No such attachment.")
    status = item.get("status", PENDING)
    if status != CLEAN:
        raise Conflict("The file is still being checked; try again in a moment."
                       if status == PENDING else
                       "The file did not pass the safety check and cannot be downloaded.",
                       details={"status": status})
    params = {
        "Bucket": settings().attachments_bucket, "Key": item["object_key"],
        "ResponseContentDisposition": content_disposition(item["filename"]),
        "ResponseContentType": item["content_type"],
    }
    if item.get("object_version"):
        # The bytes that were checked, not whatever a second upload put there since.
        params["VersionId"] = item["object_version"]
    url = aws.client("s3").generate_presigned_url("get_object", Params=params,
                                                  ExpiresIn=DOWNLOAD_SECONDS)
    return models.Download(url=url, expires_in=DOWNLOAD_SECONDS, filename=item["filename"])


def announced(case_id: str, attachment_id: str) -> dict[str, Any] | None:
    """The attachment record an uploaded object belongs to (for the file scanner)."""
    return store.get(keys.attachment(case_id, attachment_id), consistent=True)


def scanned(item: dict[str, Any], verdict: str, reason: str, *, request_id: str,
            version_id: str | None = None) -> bool:
    """Record the scanner's verdict on a pending attachment, once: a repeated S3 event for
    the same object changes nothing. True if this call recorded it. `version_id` is the
    object version that was checked: downloads serve that one, whatever lands later."""
    if verdict not in (CLEAN, QUARANTINED):
        raise ValueError(f"unknown verdict {verdict!r}")
    case = store.get(keys.case(item["case_id"]), consistent=True)
    if case is None:
        return False
    c = change.system("attachment", item["id"], desk.owner(case), request_id=request_id)
    c.update(keys.attachment(item["case_id"], item["id"]),
             set_={"status": verdict, "scan_reason": reason, "scanned_at": clock.stamp(),
                   "object_version": version_id},
             condition="#status = :pending", values={":pending": PENDING})
    c.audit("scan", {"status": {"before": PENDING, "after": verdict}},
            entity="case", entity_id=item["case_id"])
    c.event("CaseAttachmentScanned", {
        "case_id": item["case_id"], "number": case["number"], "attachment_id": item["id"],
        "status": verdict, "reason": reason})
    try:
        c.commit()
    except Conflict:
        return False
    return True
