"""Builds the static site from templates/site/ with Jinja2 (`python -m infra.site`).

Each page is rendered once per language: English at the root, Finnish under /fi/. Every
visible string comes from templates/site/i18n/<lang>.json, which is also embedded in each
page (as a JSON data block) for the strings the scripts show.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from portico.cases import catalog

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "templates" / "site"
OUTPUT = ROOT / "build" / "site"
LANGUAGES = ("en", "fi")
PREFIX = {"en": "", "fi": "/fi"}
# The portal's sections in menu order, and where each lives (portico.access.SECTIONS).
SECTION_PATHS = {
    "dashboard": "/", "cases": "/cases/", "kb": "/kb/", "invoices": "/invoices/",
    "bookings": "/bookings/", "notifications": "/notifications/", "account": "/account/",
    "profile": "/profile/",
}
NOTIFICATION_KINDS = ("cases", "invoices", "bookings", "announcements", "account")
# The case desk's categories, their fields and the priorities, for the new-case form.
CASE_DESK: dict[str, Any] = {
    "case_priorities": catalog.PRIORITIES,
    "case_categories": {c.id: [{"name": f.name, "type": f.type, "required": f.required,
                                "options": list(f.options)} for f in c.fields]
                        for c in catalog.CATEGORIES.values()},
    # Roles that open cases of some categories only (the billing role: billing cases).
    "case_role_categories": {r: sorted(c) for r, c in catalog.ROLE_CATEGORIES.items()},
}
# The files a case takes, as the forms state them up front and check before sending: each
# type the API accepts, by the name people know and its file name endings.
ATTACHMENT_KINDS = {
    "application/pdf": ("PDF", ".pdf"), "image/png": ("PNG", ".png"),
    "image/jpeg": ("JPEG", ".jpg .jpeg"), "image/gif": ("GIF", ".gif"),
    "image/webp": ("WebP", ".webp"), "text/plain": ("TXT", ".txt .log"),
    "text/csv": ("CSV", ".csv"), "application/zip": ("ZIP", ".zip"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("Word", ".docx"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("Excel", ".xlsx"),
}
if set(ATTACHMENT_KINDS) != catalog.ATTACHMENT_TYPES:
    raise RuntimeError("infra/site.py ATTACHMENT_KINDS must name each of catalog.ATTACHMENT_TYPES")
CASE_DESK["case_files"] = {
    "types": {mime: ext.split() for mime, (_, ext) in ATTACHMENT_KINDS.items()},
    "names": ", ".join(name for name, _ in ATTACHMENT_KINDS.values()),
    "accept": ",".join([*ATTACHMENT_KINDS, *(e for _, ext in ATTACHMENT_KINDS.values()
                                             for e in ext.split())]),
    "max_bytes": catalog.ATTACHMENT_MAX_BYTES,
    "max_mb": catalog.ATTACHMENT_MAX_BYTES // (1024 * 1024),
    "max_count": 10,
}


def catalogue(source: Path, lang: str) -> dict[str, str]:
    messages: dict[str, str] = json.loads((source / "i18n" / f"{lang}.json").read_text())
    return messages


def pages(source: Path) -> list[tuple[str, Path, dict[str, Any]]]:
    """(template, page, extra context): every page in the source, and a "coming soon" page
    for each section that has none of its own yet."""
    found = sorted(p.relative_to(source) for p in source.rglob("*.html")
                   if not any(part.startswith("_") for part in p.relative_to(source).parts)
                   and p.relative_to(source).parts[0] != "static")
    out: list[tuple[str, Path, dict[str, Any]]] = [(p.as_posix(), p, {}) for p in found]
    for section, path in SECTION_PATHS.items():
        page = Path(path.strip("/")) / "index.html"
        if page not in found:
            out.append(("_coming.html", page, {"section": section}))
    return out


def build(source: Path = SOURCE, output: Path = OUTPUT) -> Path:
    env = Environment(loader=FileSystemLoader(source), autoescape=select_autoescape(),
                      undefined=StrictUndefined)
    catalogues = {lang: catalogue(source, lang) for lang in LANGUAGES}
    missing = set(catalogues["en"]) ^ set(catalogues["fi"])
    if missing:
        raise ValueError(f"keys missing from a catalogue: {sorted(missing)}")
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    for lang in LANGUAGES:
        messages = catalogues[lang]
        other = "fi" if lang == "en" else "en"

        def t(key: str, _messages: dict[str, str] = messages, **values: Any) -> str:
            text = _messages[key]  # a missing key fails the build
            return text.format(**values) if values else text

        for template, rel, extra in pages(source):
            path = "/" + rel.as_posix().removesuffix("index.html")
            context = {
                "lang": lang, "alt_lang": other, "t": t, "messages": messages,
                "url": lambda p, _lang=lang: PREFIX[_lang] + p,
                "alt_url": PREFIX[other] + path,
                "sections": list(SECTION_PATHS), "section_paths": SECTION_PATHS,
                "notification_kinds": NOTIFICATION_KINDS, **CASE_DESK, **extra,
            }
            target = output / PREFIX[lang].lstrip("/") / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(env.get_template(template).render(**context), encoding="utf-8")
    shutil.copytree(source / "static", output / "static")
    return output


if __name__ == "__main__":
    out = build()
    print(f"site built in {out.relative_to(ROOT)}", file=sys.stderr)
