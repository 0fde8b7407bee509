"""Case attachments: uploaded straight to S3 with a presigned POST whose policy holds the
size and type limits and asks for server-side encryption; downloaded with a short-lived
presigned GET. Both only for those who may see the case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from portico import aws, keys, store
from portico.access import Privilege
from portico.cases import catalog, desk, models
from portico.errors import Invalid, NotFound
from portico.principal import Principal
from portico.settings import settings

UPLOAD_SECONDS = 300
DOWNLOAD_SECONDS = 60


def object_key(case_id: str, attachment_id: str, filename: str) -> str:
    return f"cases/{case_id}/{attachment_id}/{filename}"


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


def start(p: Principal, case_id: str, new: models.NewAttachment) -> models.Upload:
    case = desk.visible(p, case_id, Privilege.APPEND)
    problems = []
    if new.size > catalog.ATTACHMENT_MAX_BYTES:
        problems.append(f"size: at most {catalog.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB")
    if new.content_type not in catalog.ATTACHMENT_TYPES:
        problems.append(f"content_type: one of {', '.join(sorted(catalog.ATTACHMENT_TYPES))}")
    if problems:
        raise Invalid("The attachment cannot be accepted.", details=problems)
    attachment_id = uuid.uuid4().hex
    key = object_key(case_id, attachment_id, new.filename)
    store.put_item({
        **keys.attachment(case_id, attachment_id), "type": "Attachment", "id": attachment_id,
        "case_id": case_id, "account_id": case["account_id"], "filename": new.filename,
        "content_type": new.content_type, "size": new.size, "object_key": key,
        "uploaded_by": p.contact_id, "uploaded": False,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    })
    form = upload_form(settings().attachments_bucket, key, new.content_type, new.size)
    return models.Upload(attachment_id=attachment_id, url=form["url"],
                         fields={k: str(v) for k, v in form["fields"].items()},
                         expires_in=UPLOAD_SECONDS)


def _uploaded(item: dict[str, Any]) -> bool:
    """Whether the file reached S3; remembered once seen, so a list costs one look each."""
    if item.get("uploaded"):
        return True
    try:
        aws.client("s3").head_object(Bucket=settings().attachments_bucket,
                                     Key=item["object_key"])
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    store.put_item({**item, "uploaded": True})
    return True


def _out(item: dict[str, Any]) -> models.Attachment:
    return models.Attachment(id=item["id"], case_id=item["case_id"], filename=item["filename"],
                             content_type=item["content_type"], size=int(item["size"]),
                             uploaded_by=item["uploaded_by"], created_at=item["created_at"])


def list_for(p: Principal, case_id: str, *, cursor: str | None,
             limit: int) -> models.AttachmentPage:
    desk.visible(p, case_id)
    items, nxt = store.query_page(keys.case(case_id)["pk"], sk_prefix=keys.ATTACHMENT_PREFIX,
                                  limit=limit, cursor=cursor)
    return models.AttachmentPage(items=[_out(i) for i in items if _uploaded(i)],
                                 next_cursor=nxt)


def download(p: Principal, case_id: str, attachment_id: str) -> models.Download:
    desk.visible(p, case_id)
    item = store.get(keys.attachment(case_id, attachment_id))
    if item is None or not _uploaded(item):
        raise NotFound("No such attachment.")
    url = aws.client("s3").generate_presigned_url("get_object", Params={
        "Bucket": settings().attachments_bucket, "Key": item["object_key"],
        "ResponseContentDisposition": f'attachment; filename="{item["filename"]}"',
        "ResponseContentType": item["content_type"],
    }, ExpiresIn=DOWNLOAD_SECONDS)
    return models.Download(url=url, expires_in=DOWNLOAD_SECONDS, filename=item["filename"])
