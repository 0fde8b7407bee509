"""The file scanner's rules: an uploaded attachment is untrusted until its bytes are checked.

`check` looks at bytes only (no AWS): the size against what was declared, the content
against the declared type (magic numbers, UTF-8 text without markup, archives opened with
`zipfile` within limits that stop zip bombs and path tricks), and a scan for known-malicious
content. `inspect_upload` is what the scanner function does with an object the attachments
bucket reports: read it (bounded), check it, record the verdict once, and keep bad bytes
out of reach.

The scan step is the `Scanner` passed in, by default `signatures`, a byte-signature list
(today the EICAR test file only). It is deliberately small and pluggable: a real engine,
e.g. ClamAV in a Lambda layer, replaces it with a function of the same shape (bytes in,
name of what was found or None out) and unpacks archives itself.
"""

from __future__ import annotations

import io
import lzma
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.etree import ElementTree

from botocore.exceptions import ClientError

from portico import aws
from portico.cases import attachments, catalog

Scanner = Callable[[bytes], str | None]

# Archive limits. Real attachments (Office files, a zip of logs) stay far below them.
MAX_ENTRIES = 1000
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 100          # uncompressed : compressed, per entry ...
RATIO_FROM = 1024 * 1024  # ... of at least this size: small entries cannot be a bomb alone
MAX_DEPTH = 3            # zip in zip; a .docx with an embedded .xlsx is depth 2
# What a browser sniffs for a resource's type (WHATWG MIME Sniffing, "resource header").
SNIFF_BYTES = 1445

# In two pieces, so that antivirus on a developer's machine does not take this module for
# the test file it names.
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
         b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
SIGNATURES: Mapping[str, bytes] = {"EICAR-Test-File": EICAR}


@dataclass(frozen=True)
class Verdict:
    status: str  # attachments.CLEAN or attachments.QUARANTINED
    reason: str


def signatures(data: bytes) -> str | None:
    """The name of the first known-malicious signature in `data`, else None."""
    return next((name for name, sig in SIGNATURES.items() if sig in data), None)


class _Bad(Exception):
    """A reason to quarantine, raised from deep inside an archive."""


# -- types -------------------------------------------------------------------------------
_MARKUP = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|frame|frameset|svg|object|embed"
    rb"|\?php)\b", re.IGNORECASE)

_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation":
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
               EOFError, ValueError, OSError, zlib.error, lzma.LZMAError, KeyError,
               struct.error)


TypeCheck = Callable[[bytes, Scanner], None]


def _starts(*magic: bytes) -> TypeCheck:
    def check(data: bytes, scan: Scanner) -> None:
        if not data.startswith(magic):
            raise _Bad("content does not match the declared type")
    return check


def _png(data: bytes, scan: Scanner) -> None:
    # The signature, then the IHDR chunk every PNG begins with.
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"):
        raise _Bad("content does not match the declared type")


def _webp(data: bytes, scan: Scanner) -> None:
    if not (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        raise _Bad("content does not match the declared type")


def _text(data: bytes, scan: Scanner) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _Bad("text is not valid UTF-8") from e
    if b"\x00" in data:
        raise _Bad("text contains NUL bytes")


def _zip(data: bytes, scan: Scanner) -> None:
    _archive(data, _Budget(), scan=scan)


def _office(declared: str) -> TypeCheck:
    def check(data: bytes, scan: Scanner) -> None:
        with _open_zip(data) as zf:
            _ooxml(zf, _OOXML_MAIN[declared])
        _archive(data, _Budget(), scan=scan)
    return check


# Each allowed type and how its bytes must look. Legacy OLE Office files (.doc, .xls) are
# not among them: macros hide in those where only a real engine can look.
CHECKS: dict[str, TypeCheck] = {
    "application/pdf": _starts(b"%PDF-"),
    "image/png": _png,
    "image/jpeg": _starts(b"\xff\xd8\xff"),
    "image/gif": _starts(b"GIF87a", b"GIF89a"),
    "image/webp": _webp,
    "text/plain": _text,
    "text/csv": _text,
    "application/zip": _zip,
    **{t: _office(t) for t in _OOXML_MAIN},
}
TEXT_TYPES = frozenset({"text/plain", "text/csv"})
ARCHIVE_TYPES = frozenset({"application/zip", *_OOXML_MAIN})


# -- archives ----------------------------------------------------------------------------
@dataclass
class _Budget:
    """What is left to unpack, shared by an archive and every archive inside it."""

    entries: int = field(default_factory=lambda: MAX_ENTRIES)
    size: int = field(default_factory=lambda: MAX_UNCOMPRESSED)


def _open_zip(data: bytes) -> zipfile.ZipFile:
    # zipfile finds an archive anywhere in the bytes; one after a program (a self-extracting
    # .exe) or any other prefix is not the zip it was declared to be.
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise _Bad("not a zip archive")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as e:
        raise _Bad("the archive cannot be opened") from e


def _bad_name(name: str) -> bool:
    parts = re.split(r"[/\\]", name)
    return (name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) is not None
            or ".." in parts or "\x00" in name)


def _entries(zf: zipfile.ZipFile, budget: _Budget) -> Iterator[bytes]:
    """The content of each file in the archive, unpacked within the budget."""
    infos = zf.infolist()
    budget.entries -= len(infos)
    if budget.entries < 0:
        raise _Bad(f"the archive has more than {MAX_ENTRIES} entries")
    # The sizes in the directory can lie; they are checked again while unpacking.
    if sum(i.file_size for i in infos) > budget.size:
        raise _Bad(f"the archive unpacks to more than {MAX_UNCOMPRESSED // 2**20} MB")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise _Bad("the archive has entries of the same name")
    for info in infos:
        if _bad_name(info.filename):
            raise _Bad("an archive entry has an absolute or parent path")
        if info.flag_bits & 0x1:
            raise _Bad("an archive entry is encrypted")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _Bad("an archive entry is a symbolic link")
        if info.is_dir():
            continue
        with zf.open(info) as f:
            content = f.read(budget.size + 1)
        if len(content) > budget.size:
            raise _Bad(f"the archive unpacks to more than {MAX_UNCOMPRESSED // 2**20} MB")
        budget.size -= len(content)
        if len(content) >= RATIO_FROM and len(content) > MAX_RATIO * max(info.compress_size, 1):
            raise _Bad("an archive entry is compressed suspiciously well (a zip bomb)")
        yield content


def _archive(data: bytes, budget: _Budget, *, scan: Scanner, depth: int = 1) -> None:
    try:
        with _open_zip(data) as zf:
            for content in _entries(zf, budget):
                found = scan(content)
                if found:
                    raise _Bad(f"{found} found in an archive entry")
                if content.startswith((b"PK\x03\x04", b"PK\x05\x06")):
                    if depth >= MAX_DEPTH:
                        raise _Bad("archives are nested too deep")
                    _archive(content, budget, scan=scan, depth=depth + 1)
    except _ZIP_ERRORS as e:
        raise _Bad("the archive cannot be read") from e


def _ooxml(zf: zipfile.ZipFile, main_type: str) -> None:
    """An Office Open XML package of the declared kind: its content types name the main
    part of that kind, the part is there, and there are no macros."""
    names = set(zf.namelist())
    if "[Content_Types].xml" not in names:
        raise _Bad("content does not match the declared type")
    try:
        raw = zf.read("[Content_Types].xml")
    except _ZIP_ERRORS as e:
        raise _Bad("the archive cannot be read") from e
    if len(raw) > 1024 * 1024 or re.search(rb"<!(?:DOCTYPE|ENTITY)", raw, re.IGNORECASE):
        # A package never needs a DTD; one could expand entities without end.
        raise _Bad("the document's content types are malformed")
    try:
        root = ElementTree.fromstring(raw)  # noqa: S314 - no DTD, so no entities (above)
    except ElementTree.ParseError as e:
        raise _Bad("the document's content types are malformed") from e
    types = {(el.get("PartName") or "").lstrip("/"): el.get("ContentType") or ""
             for el in root.iter(f"{_CT_NS}Override")}
    if any("macroenabled" in t.lower() or "vbaproject" in t.lower() for t in types.values()) \
            or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _Bad("the document contains macros")
    if not any(t == main_type and part in names for part, t in types.items()):
        raise _Bad("content does not match the declared type")


# -- the check ---------------------------------------------------------------------------
def check(data: bytes, declared_type: str, declared_size: int, *,
          scan: Scanner = signatures) -> Verdict:
    """Clean only if the bytes are no larger than declared, are what the declared type says,
    and `scan` finds nothing in them or in any archive entry."""
    declared_type = declared_type.lower()
    if len(data) > declared_size:
        return Verdict(attachments.QUARANTINED, "larger than declared")
    type_check = CHECKS.get(declared_type)
    if type_check is None:
        return Verdict(attachments.QUARANTINED, f"no check for type {declared_type}")
    found = scan(data)
    if found:
        return Verdict(attachments.QUARANTINED, f"{found} found")
    # Markup anywhere in a text file, or where a browser sniffs in an image or a PDF: either
    # could be rendered as a page if a viewer ever ignored the declared type. An archive's
    # first bytes are an entry's header and (mostly compressed) data, not a page.
    if declared_type not in ARCHIVE_TYPES and _MARKUP.search(
            data if declared_type in TEXT_TYPES else data[:SNIFF_BYTES]):
        return Verdict(attachments.QUARANTINED, "HTML or script content")
    try:
        type_check(data, scan)
    except _Bad as bad:
        return Verdict(attachments.QUARANTINED, str(bad))
    return Verdict(attachments.CLEAN, "type, size and content checks passed")


# -- the upload --------------------------------------------------------------------------
Action = Literal["recorded", "repeated", "unknown", "overwrite_removed"]


@dataclass(frozen=True)
class Inspection:
    """What the scanner did with one uploaded object."""

    action: Action
    case_id: str | None = None
    attachment_id: str | None = None
    verdict: Verdict | None = None


def _versions(s3: Any, bucket: str, key: str) -> list[str]:
    """The ids of the key's object versions, newest first as S3 lists them; empty if the
    bucket does not version."""
    found = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
        found += [v["VersionId"] for v in page.get("Versions", [])
                  if v["Key"] == key and v.get("VersionId") not in (None, "null")]
    return found


def fetch(s3: Any, bucket: str, key: str, limit: int, version_id: str | None = None) -> bytes:
    """At most `limit` bytes of the object: enough to tell it is larger than declared,
    without reading whatever size was sent."""
    args: dict[str, Any] = {"Bucket": bucket, "Key": key, "Range": f"bytes=0-{limit - 1}"}
    if version_id:
        args["VersionId"] = version_id
    try:
        body = s3.get_object(**args)["Body"]
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") == "InvalidRange":  # an empty object
            return b""
        raise
    with body:
        data: bytes = body.read(limit)
    return data


def inspect_upload(bucket: str, key: str, *, version_id: str | None = None, request_id: str,
                   scan: Scanner = signatures, s3: Any = None) -> Inspection:
    """Check the object an attachments bucket event names (its key already URL-decoded) and
    record the verdict on its attachment, once.

    The attachment's bytes are the key's first version. The upload form stays valid for a
    few minutes, so any later version is a second upload nobody checked: each is deleted,
    which makes the checked version current again. A quarantined object gets a delete marker:
    no presigned link reaches it any more, and its bytes stay as a noncurrent version for
    investigation until the bucket's lifecycle expires them."""
    ids = attachments.ids_of(key)
    if ids is None:
        return Inspection("unknown")
    case_id, attachment_id = ids
    item = attachments.announced(case_id, attachment_id)
    if item is None or item.get("object_key") != key:
        return Inspection("unknown", case_id, attachment_id)
    s3 = s3 or aws.client("s3")
    version_id = None if version_id in (None, "", "null") else version_id
    versions = _versions(s3, bucket, key)
    first = versions[-1] if versions else None
    for later in versions[:-1]:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=later)
    if version_id and first and version_id != first:
        return Inspection("overwrite_removed", case_id, attachment_id)
    if item.get("status", attachments.PENDING) != attachments.PENDING:
        return Inspection("repeated", case_id, attachment_id)
    declared = int(item["size"])
    data = fetch(s3, bucket, key, min(declared, catalog.ATTACHMENT_MAX_BYTES) + 1, first)
    verdict = check(data, str(item["content_type"]), declared, scan=scan)
    recorded = attachments.scanned(item, verdict.status, verdict.reason, request_id=request_id,
                                   version_id=first)
    if verdict.status == attachments.QUARANTINED:
        s3.delete_object(Bucket=bucket, Key=key)
    return Inspection("recorded" if recorded else "repeated", case_id, attachment_id, verdict)
