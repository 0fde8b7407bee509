"""Bulk import from another helpdesk: one JSON object a line (NDJSON), `{id, title, body,
category, lang, audience}` (and `summary`, `tags` if the export has them).

The given `id` becomes the article's `external_id`: importing it again updates that
article (another `lang` adds a translation) and never makes a second one. Every line is
checked before anything is written; a file with a bad line imports nothing and says which
lines. Articles are written in chunks, each chunk one change (its writes, one
`ArticlesImported` event and one audit entry in one transaction).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, ValidationError

from portico import change, clock, keys, store
from portico.errors import Invalid
from portico.inputs import Input
from portico.kb import models, render

MAX_BYTES = 5 * 1024 * 1024
# Up to three items an article (the article, its slug, its import id) beside the chunk's
# event and audit entry: 30 articles stay within a transaction's 100 items.
CHUNK = 30
MAX_PROBLEMS = 20

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                              pattern=r"^[\x21-\x7e]+$")]


class Line(Input):
    id: ExternalId
    title: models.Title
    body: models.Body
    category: models.Category
    lang: models.Language = "en"
    audience: models.Audience = "public"
    summary: models.Summary = ""
    tags: list[models.Tag] = Field(default_factory=list, max_length=20)


class Imported(BaseModel):
    articles: int
    created: int
    updated: int
    published: bool


@dataclass
class Author:
    id: str
    name: str


def parse(text: str) -> list[Line]:
    """Every line checked; 422 naming the first bad ones, or the lines."""
    lines, problems, seen = [], [], set()
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = Line.model_validate(json.loads(raw))
        except (ValueError, RecursionError) as e:
            message = ("; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}"
                                 for x in e.errors()[:3])
                       if isinstance(e, ValidationError) else "not a JSON object")
            problems.append({"line": number, "problem": message})
        else:
            if (line.id, line.lang) in seen:
                problems.append({"line": number, "problem": f"id {line.id} in {line.lang} "
                                                            "is in the file twice"})
            seen.add((line.id, line.lang))
            lines.append(line)
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise Invalid("Some lines cannot be imported; nothing was.", details=problems)
    if not lines:
        raise Invalid("Send one article a line, as JSON.")
    return lines


def slug_for(title: str, external_id: str) -> str:
    """A readable slug from the title, made unique by the import id."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")
    tail = hashlib.sha256(external_id.encode()).hexdigest()[:8]
    return f"{words}-{tail}" if words else f"article-{tail}"


def _chunks(lines: list[Line]) -> Iterator[list[Line]]:
    for i in range(0, len(lines), CHUNK):
        yield lines[i:i + CHUNK]


def run(text: str, *, publish: bool, author: Author,
        begin: Callable[[str], change.Change]) -> Imported:
    """Import the lines; `begin(change_id)` makes each chunk's change (a principal's, with
    its access check, or the operator command's)."""
    lines = parse(text)
    created = updated = 0
    for chunk in _chunks(lines):
        c, n_new, n_old = _chunk(chunk, publish=publish, author=author, begin=begin)
        c.commit()
        created, updated = created + n_new, updated + n_old
    return Imported(articles=created + updated, created=created, updated=updated,
                    published=publish)


def _chunk(chunk: list[Line], *, publish: bool, author: Author,
           begin: Callable[[str], change.Change]) -> tuple[change.Change, int, int]:
    ids = sorted({line.id for line in chunk})
    pointers = {str(p["pk"]).removeprefix("ARTICLEEXT#"): str(p["article_id"])
                for p in store.batch_get([keys.article_external(i) for i in ids])}
    stored = {str(a["id"]): a for a in store.batch_get(
        [keys.article(a) for a in sorted(set(pointers.values()))])}
    at = clock.stamp()
    made: dict[str, dict[str, Any]] = {}  # by import id: articles new to the portal
    changed: dict[str, dict[str, Any]] = {}  # by article id: the fields to set
    for line in chunk:
        translation = {"title": line.title, "summary": line.summary, "body": line.body,
                       "html": render.html(line.body)}
        public = line.audience == "public"
        roles = [] if public else sorted(set(line.audience))
        shared = {"category": line.category, "tags": sorted(set(line.tags)),
                  "audience": "public" if public else roles, "public": public,
                  "roles": roles, "updated_at": at}
        current = stored.get(pointers.get(line.id, ""))
        if current is None:
            item = made.setdefault(line.id, _new(line, author, at))
            item.update(shared)
            item["draft"][line.lang] = translation
            continue
        fields = changed.setdefault(current["id"], {"draft": dict(current["draft"])})
        fields.update(shared)
        fields["draft"][line.lang] = translation
    c = begin(f"import-{ids[0]}")
    status = "published" if publish else "draft"
    for item in made.values():
        item.update(status=status, **keys.articles_by_status(status, item["category"],
                                                             item["slug"]))
        if publish:
            item.update(live=item["draft"], published_at=at)
        c.create(item)
        c.create({**keys.article_slug(item["slug"]), "type": "ArticleSlug",
                  "article_id": item["id"]})
        c.create({**keys.article_external(item["external_id"]), "type": "ArticleExternal",
                  "article_id": item["id"]})
    for article_id, fields in changed.items():
        current = stored[article_id]
        now_status = status if publish else str(current["status"])
        fields.update(keys.articles_by_status(now_status, fields["category"],
                                              str(current["slug"])))
        if publish:
            fields.update(status="published", live=fields["draft"], published_at=at)
        c.update(keys.article(article_id), version=int(current["version"]), set_=fields)
    c.event("ArticlesImported", {"created": len(made), "updated": len(changed),
                                 "published": publish,
                                 "article_ids": sorted([a["id"] for a in made.values()]
                                                       + list(changed))})
    c.audit("import", {"external_ids": {"after": ids}, "published": {"after": publish}})
    return c, len(made), len(changed)


def _new(line: Line, author: Author, at: str) -> dict[str, Any]:
    # The same import id makes the same article id: a retried chunk collides, never doubles.
    article_id = hashlib.sha256(f"kb-import:{line.id}".encode()).hexdigest()[:32]
    return {**keys.article(article_id), "type": "Article", "id": article_id,
            "slug": slug_for(line.title, line.id), "draft": {}, "external_id": line.id,
            "author_id": author.id, "author_name": author.name, "created_at": at,
            "version": 1, "helpful": 0, "not_helpful": 0}
