"""The file scanner's byte checks, on files the tests make; and its handler on an object
that is no attachment."""

from __future__ import annotations

import copy
import io
import stat
import struct
import warnings
import zipfile
import zlib
from urllib.parse import unquote_plus

import pytest

from infra.functions import Function
from infra.local import ROOT
from portico import scan
from portico.cases import attachments, catalog
from portico.cases.attachments import CLEAN, QUARANTINED
from tests.conftest import sample_event

# Split so that antivirus on the machine running the tests leaves this file alone.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"  # noqa: E501
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def png() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def zipped(entries: dict[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]], *,
           method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names, on purpose
        with zipfile.ZipFile(buf, "w", compression=method) as zf:
            for name, data in (entries.items() if isinstance(entries, dict) else entries):
                zf.writestr(name, data)
    return buf.getvalue()


def content_types(part: str, main: str, *extra: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="{part}" ContentType="{main}"/>' + "".join(extra)
        + "</Types>").encode()


def docx(**more: bytes) -> bytes:
    return zipped({"[Content_Types].xml": content_types("/word/document.xml", DOCX_MAIN),
                   "_rels/.rels": b"<Relationships/>",
                   "word/document.xml": b"<w:document><w:body>Hello</w:body></w:document>",
                   **more})


def xlsx() -> bytes:
    return zipped({"[Content_Types].xml": content_types("/xl/workbook.xml", XLSX_MAIN),
                   "xl/workbook.xml": b"<workbook/>"})


def verdict(data: bytes, declared_type: str, declared_size: int | None = None) -> scan.Verdict:
    return scan.check(data, declared_type, len(data) if declared_size is None else declared_size)


def quarantined(data: bytes, declared_type: str, because: str) -> None:
    v = verdict(data, declared_type)
    assert v.status == QUARANTINED, v
    assert because in v.reason


# -- what passes ---------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "declared"), [
    (PDF, "application/pdf"),
    (png(), "image/png"),
    (JPEG, "image/jpeg"),
    (GIF, "image/gif"),
    (WEBP, "image/webp"),
    ("Hei, tässä lokit: 5 € ✓\r\n\tline 2\n".encode(), "text/plain"),
    ("\ufeffname;amount\nÄäkkönen;12,50\n".encode(), "text/csv"),
    (b"a < b and c > d; 1<2\n", "text/plain"),
    (zipped({"logs/app.log": b"ok\n" * 1000, "readme.txt": b"hi"}), "application/zip"),
    (docx(), DOCX),
    (xlsx(), XLSX),
    # A document with a spreadsheet embedded in it: an archive inside the archive.
    (docx(**{"word/embeddings/Sheet1.xlsx": xlsx()}), DOCX),
], ids=["pdf", "png", "jpeg", "gif", "webp", "text", "csv", "text-with-angles", "zip", "docx",
        "xlsx", "docx-with-xlsx"])
def test_files_that_are_what_they_say_are_clean(data: bytes, declared: str) -> None:
    assert verdict(data, declared) == scan.Verdict(CLEAN, "type, size and content checks passed")


def test_a_file_smaller_than_declared_is_fine() -> None:
    assert verdict(PDF, "application/pdf", len(PDF) + 100).status == CLEAN


def test_every_accepted_type_has_a_check() -> None:
    assert set(scan.CHECKS) >= catalog.ATTACHMENT_TYPES


# -- type and size -------------------------------------------------------------------------
def test_more_bytes_than_declared_is_quarantined() -> None:
    assert verdict(PDF, "application/pdf", len(PDF) - 1) == scan.Verdict(
        QUARANTINED, "larger than declared")


@pytest.mark.parametrize(("data", "declared"), [
    (png(), "application/pdf"),
    (PDF, "image/png"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),  # the signature alone is no PNG
    (b"\x89PNG....", "image/png"),
    (JPEG, "image/gif"),
    (b"RIFF\x1a\x00\x00\x00WAVEfmt ", "image/webp"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "image/jpeg"),
    (zipped({"word/document.xml": b"<w/>"}), DOCX),  # no [Content_Types].xml
    (docx(), XLSX),
    (xlsx(), DOCX),
    (zipped({"[Content_Types].xml": content_types("/word/document.xml", DOCX_MAIN)}), DOCX),
], ids=["png-as-pdf", "pdf-as-png", "png-signature-only", "png-truncated-signature",
        "jpeg-as-gif", "wav-as-webp", "exe-as-jpeg", "zip-as-docx", "docx-as-xlsx",
        "xlsx-as-docx", "docx-without-main-part"])
def test_content_must_match_the_declared_type(data: bytes, declared: str) -> None:
    quarantined(data, declared, "does not match the declared type")


def test_a_type_without_a_check_is_quarantined() -> None:
    quarantined(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "application/msword",
                "no check for type")


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><html><body>Invoice</body></html>",
    b"  <html><script>alert(1)</script></html>",
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"<SCRIPT src=//evil.example/x.js></SCRIPT>",
    b"<?php system($_GET['c']); ?>",
], ids=["doctype", "html", "svg", "script-uppercase", "php"])
@pytest.mark.parametrize("declared", ["application/pdf", "text/plain", "text/csv", "image/gif"])
def test_html_or_script_under_another_type_is_quarantined(data: bytes, declared: str) -> None:
    quarantined(data, declared, "HTML or script")


def test_a_script_anywhere_in_a_text_file_is_quarantined() -> None:
    quarantined(b"harmless line\n" * 500 + b"<script>alert(1)</script>\n", "text/plain",
                "HTML or script")


def test_an_image_with_a_script_where_browsers_sniff_is_quarantined() -> None:
    quarantined(GIF[:6] + b"<script>alert(1)</script>" + GIF[6:], "image/gif", "HTML or script")


def test_a_zip_may_hold_a_web_page() -> None:
    page = zipped({"saved-error-page.html": b"<html><body>Error 500</body></html>"},
                  method=zipfile.ZIP_STORED)
    assert verdict(page, "application/zip").status == CLEAN


def test_markup_deep_inside_a_binary_file_is_left_to_its_type() -> None:
    data = PDF + bytes(scan.SNIFF_BYTES) + b"<html>"
    assert verdict(data, "application/pdf").status == CLEAN


@pytest.mark.parametrize(("data", "because"), [
    (b"name,amount\nx,1\x00\n", "NUL"),
    (b"caf\xe9 au lait\n", "UTF-8"),  # Latin-1, not UTF-8
    (b"\xff\xfeh\x00i\x00", "UTF-8"),  # UTF-16
    (png(), "UTF-8"),
])
def test_text_must_be_utf8_without_nul(data: bytes, because: str) -> None:
    quarantined(data, "text/plain", because)


# -- the scan ------------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "declared"), [
    (EICAR, "text/plain"),
    (b"notes\n" + EICAR + b"\nmore notes\n", "text/plain"),
    (PDF + EICAR, "application/pdf"),
    (zipped({"eicar.com": EICAR}), "application/zip"),
    (zipped({"a/b/eicar.txt": b"x" * 10_000 + EICAR}), "application/zip"),
    (zipped({"inner.zip": zipped({"eicar.com": EICAR})}), "application/zip"),
    (docx(**{"word/media/x.bin": EICAR}), DOCX),
], ids=["alone", "in-text", "in-pdf", "in-zip", "deep-in-zip-entry", "in-nested-zip",
        "in-docx"])
def test_the_eicar_test_file_is_quarantined(data: bytes, declared: str) -> None:
    quarantined(data, declared, "EICAR-Test-File found")


def test_the_scan_step_can_be_replaced() -> None:
    def engine(data: bytes) -> str | None:
        return "Win.Test.Thing" if b"THING" in data else None

    assert scan.check(b"a THING\n", "text/plain", 8, scan=engine) == scan.Verdict(
        QUARANTINED, "Win.Test.Thing found")
    archive = zipped({"x.txt": b"THING"})
    assert scan.check(archive, "application/zip", len(archive), scan=engine).status == QUARANTINED
    assert scan.check(EICAR, "text/plain", len(EICAR), scan=engine).status == CLEAN


# -- archives ------------------------------------------------------------------------------
def test_a_zip_bomb_is_quarantined() -> None:
    bomb = zipped({"zeros.bin": bytes(5 * 1024 * 1024)})
    assert len(bomb) < 10_000
    quarantined(bomb, "application/zip", "zip bomb")


def test_an_archive_that_unpacks_too_large_is_quarantined(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan, "MAX_UNCOMPRESSED", 1024 * 1024)
    data = zipped({f"part{i}.bin": bytes(range(256)) * 1024 for i in range(5)},
                  method=zipfile.ZIP_STORED)
    quarantined(data, "application/zip", "unpacks to more than")


def test_sizes_in_the_directory_cannot_hide_an_entry_s_size() -> None:
    data = bytearray(zipped({"a.bin": bytes(1024 * 1024)}))
    # Both headers claim 10 bytes where there are a megabyte: unpacking stops at 10 bytes,
    # which then fail their checksum.
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(sig) + offset
        data[at:at + 4] = struct.pack("<I", 10)
    quarantined(bytes(data), "application/zip", "cannot be read")


def test_too_many_entries_are_quarantined() -> None:
    quarantined(zipped({f"f{i}.txt": b"x" for i in range(scan.MAX_ENTRIES + 1)}),
                "application/zip", "more than 1000 entries")


def test_entries_of_nested_archives_count_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan, "MAX_ENTRIES", 10)
    inner = zipped({f"f{i}.txt": b"x" for i in range(8)})
    quarantined(zipped({"a.txt": b"a", "b.txt": b"b", "inner.zip": inner}), "application/zip",
                "more than 10 entries")


@pytest.mark.parametrize("name", ["../evil.sh", "a/../../evil.sh", "/etc/cron.d/evil",
                                  "\\windows\\evil.dll", "C:/evil.dll", "a\\..\\evil.dll"])
def test_entries_cannot_climb_out(name: str) -> None:
    quarantined(zipped({name: b"x"}), "application/zip", "absolute or parent path")


def test_encrypted_entries_are_quarantined() -> None:
    data = bytearray(zipped({"secret.txt": b"ciphertext"}, method=zipfile.ZIP_STORED))
    # zipfile writes no encrypted entries; set the flag in both headers as a tool would.
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.index(sig) + offset] |= 0x1
    quarantined(bytes(data), "application/zip", "encrypted")


def test_symbolic_links_are_quarantined() -> None:
    info = zipfile.ZipInfo("link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    quarantined(zipped([(info, b"/etc/passwd")]), "application/zip", "symbolic link")


def test_duplicate_entry_names_are_quarantined() -> None:
    quarantined(zipped([("a.txt", b"one"), ("a.txt", b"two")]), "application/zip",
                "same name")


def test_archives_nested_too_deep_are_quarantined() -> None:
    data = b"innermost"
    for _ in range(scan.MAX_DEPTH + 1):
        data = zipped({"x": data})
    quarantined(data, "application/zip", "nested too deep")


@pytest.mark.parametrize(("data", "because"), [
    (b"PK\x03\x04" + bytes(200), "cannot be opened"),
    (b"PK\x03\x04 this is not really a zip at all", "cannot be opened"),
    (b"MZ\x90\x00" + bytes(60) + zipped({"a.txt": b"a"}), "not a zip archive"),
    (zipped({"a.txt": b"hello" * 100})[:-30], "cannot be opened"),
], ids=["zeros", "text", "self-extracting-exe", "truncated"])
def test_a_zip_that_does_not_open_is_quarantined(data: bytes, because: str) -> None:
    quarantined(data, "application/zip", because)


def test_a_corrupted_entry_is_quarantined() -> None:
    data = bytearray(zipped({"a.txt": b"hello world " * 50}, method=zipfile.ZIP_STORED))
    at = data.index(b"hello world")
    data[at:at + 5] = b"HELLO"  # the CRC no longer matches
    quarantined(bytes(data), "application/zip", "cannot be read")


def test_macros_in_a_docx_are_quarantined() -> None:
    quarantined(docx(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), DOCX, "macros")
    macro_types = zipped({
        "[Content_Types].xml": content_types(
            "/word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
        "word/document.xml": b"<w/>"})
    quarantined(macro_types, DOCX, "macros")


def test_a_dtd_in_the_content_types_is_quarantined() -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              b"&b;</Types>")
    quarantined(zipped({"[Content_Types].xml": laughs, "word/document.xml": b"<w/>"}), DOCX,
                "malformed")


# -- the handler ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def files() -> Function:
    return Function("FilesFunction", "files", "arn:aws:lambda:eu-west-1:1:function:files",
                    ROOT / "functions" / "files", "app.lambda_handler",
                    {"POWERTOOLS_SERVICE_NAME": "files", "POWERTOOLS_TRACE_DISABLED": "true",
                     "POWERTOOLS_METRICS_DISABLED": "true", "AWS_REGION": "eu-west-1"},
                    15, 1024, {})


def test_the_sample_event_names_an_attachment_object() -> None:
    event = sample_event("files/object-created")
    key = unquote_plus(event["Records"][0]["s3"]["object"]["key"])
    assert key.endswith("/Lasku äöå €.pdf")
    assert attachments.ids_of(key) is not None


@pytest.mark.parametrize("key", ["site/index.html", "cases/not-an-id/x/y.pdf",
                                 "cases%2Fabc", "other+folder/file.pdf"])
def test_objects_of_no_attachment_are_skipped(files: Function, key: str,
                                              caplog: pytest.LogCaptureFixture) -> None:
    event = copy.deepcopy(sample_event("files/object-created"))
    event["Records"][0]["s3"]["object"]["key"] = key
    # Nothing reaches AWS: there is no AWS here to reach.
    assert files.invoke(event) == {"records": 1}
