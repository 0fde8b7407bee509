"""The knowledge base's search index: built by the indexer, read by the search routes.

The indexer, on a batch of publish/archive/import events, reads every published article,
builds one index (`kb.search.SearchIndex`) and stores it in the documents bucket under a
new key, then points the table's `KBINDEX` item at it (a change of its own, only if it is
newer than the index pointed at, so a slow build never replaces a fresher one). A burst of
publishes is one batch and so one build.

The search side keeps the index in memory: loaded on first use, and at most every
`KB_INDEX_REFRESH_SECONDS` (30) it reads the pointer (one GetItem) and loads a newer index
if there is one. The pointer also carries the article count of each category per audience,
so the category list needs no index and no scan.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from portico import aws, change, clock, keys, store
from portico.errors import Conflict
from portico.kb import articles, models
from portico.principal import Principal
from portico.settings import settings

if TYPE_CHECKING:
    # The engine (sqlite3, Snowball stemmers) is imported where it is used: reading an
    # article, the knowledge base function's busiest request, never needs it.
    from portico.kb.search import Article, SearchIndex

PREFIX = "kb/index/"


def plain(rendered: str) -> str:
    """An article's text as readers see it: the rendered HTML without its tags, so no
    Markdown mark-up (table pipes, asterisks) is searched or shown in a snippet."""
    return " ".join(html.unescape(_TAG.sub(" ", rendered)).split())


_TAG = re.compile(r"<[^>]*>")


def documents(published: list[dict[str, Any]]) -> Iterator[Article]:
    """One search document per live translation of each published article."""
    for a in published:
        for lang, t in (a.get("live") or {}).items():
            yield {"id": a["id"], "slug": a["slug"], "external_id": a.get("external_id"),
                   "title": t["title"], "body": plain(t["html"]),
                   "summary": t.get("summary", ""), "category": a["category"],
                   "tags": list(a.get("tags") or []), "lang": lang,
                   "audience": a.get("audience", "public"), "status": "published"}


def category_counts(published: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per category, how many articles each audience reads (`public`, or roles joined
    by `|`): a reader's count is the sum over the audiences that include them."""
    counts: dict[str, dict[str, int]] = {}
    for a in published:
        audience = a.get("audience", "public")
        key = "public" if audience == "public" else "|".join(sorted(audience))
        per = counts.setdefault(str(a["category"]), {})
        per[key] = per.get(key, 0) + 1
    return counts




def covers(occurred: list[str]) -> bool:
    """Whether the current index was built after all these events (and the index's lag):
    then a burst of publishes costs one build, not one per batch."""
    pointer = store.get(keys.KB_INDEX, consistent=True)
    if pointer is None or not occurred:
        return False
    # The index reads articles through gsi1, which trails the table by a moment: an event
    # this close before a build began may not be in it yet.
    lag = timedelta(seconds=settings().kb_index_lag_seconds)
    built_from = clock.parse(str(pointer["built_from"]))
    return all(clock.parse(t) < built_from - lag for t in occurred)


def rebuild(*, request_id: str) -> dict[str, Any]:
    """Build the index of what is published now, store it and point at it."""
    started = clock.stamp()
    from portico.kb.search import SearchIndex

    published = articles.published()
    blob = SearchIndex.build(documents(published))
    key = f"{PREFIX}{started.replace(':', '')}-{uuid.uuid4().hex[:8]}.sqlite"
    aws.client("s3").put_object(Bucket=settings().documents_bucket, Key=key, Body=blob,
                                ContentType="application/vnd.sqlite3")
    c = change.system("kb_index", "current", articles.OWNER, request_id=request_id)
    c.update(keys.KB_INDEX, set_={"key": key, "built_from": started,
                                  "articles": len(published), "bytes": len(blob),
                                  # As JSON text: category names are the authors', and a
                                  # map keyed by them is no place for anyone's words.
                                  "categories": json.dumps(category_counts(published),
                                                           sort_keys=True),
                                  "updated_at": clock.stamp()},
             condition="attribute_not_exists(#built_from) OR #built_from < :started",
             values={":started": started},
             conflict=Conflict("A newer index is current.", details={"newer": True}))
    c.event("KnowledgeBaseIndexed", {"key": key, "articles": len(published),
                                     "bytes": len(blob)})
    c.audit("index", {"key": {"after": key}})
    try:
        c.commit()
    except Conflict as e:
        if not (isinstance(e.details, dict) and e.details.get("newer")):
            raise
        return {"key": key, "current": False, "articles": len(published)}
    return {"key": key, "current": True, "articles": len(published), "bytes": len(blob)}


class Current:
    """The index this process serves from, refreshed when a newer one is pointed at."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: SearchIndex | None = None
        self._key: str | None = None
        self._checked = float("-inf")
        self.categories: dict[str, dict[str, int]] = {}

    def get(self, *, now: float | None = None) -> SearchIndex | None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if now - self._checked >= settings().kb_index_refresh_seconds:
                self._checked = now
                pointer = store.get(keys.KB_INDEX)
                key = str(pointer["key"]) if pointer else None
                if key and key != self._key:
                    from portico.kb.search import SearchIndex

                    body = aws.client("s3").get_object(
                        Bucket=settings().documents_bucket, Key=key)["Body"].read()
                    self._index, self._key = SearchIndex.load(body), key
                    self.categories = json.loads(str((pointer or {}).get("categories")
                                                     or "{}"))
            return self._index



# -- what readers ask -------------------------------------------------------------------------
def _reader(p: Principal | None) -> tuple[frozenset[str], bool]:
    """The reader's roles, and whether they read every audience (staff)."""
    return articles.roles_of(p), articles.is_staff(p)


def search(p: Principal | None, q: str, *, lang: str | None, category: str | None,
           limit: int) -> models.SearchPage:
    index = current.get()
    if index is None or not q.strip():
        return models.SearchPage(items=[])
    roles, staff = _reader(p)
    hits = index.search(q, roles=roles, lang=lang, category=category, limit=limit,
                        unrestricted=staff)
    return models.SearchPage(items=[models.SearchHit.model_validate(h) for h in hits])


def suggest(p: Principal | None, q: str, *, lang: str | None) -> models.SuggestionList:
    index = current.get()
    if index is None or len(q.strip()) < 2:
        return models.SuggestionList(items=[])
    roles, staff = _reader(p)
    found = index.suggest(q, roles=roles, lang=lang, limit=5, unrestricted=staff)
    return models.SuggestionList(items=[models.Suggestion.model_validate(s) for s in found])


def categories(p: Principal | None) -> models.CategoryList:
    current.get()
    roles, staff = _reader(p)
    out = []
    for category, per in sorted(current.categories.items()):
        n = sum(int(count) for audience, count in per.items()
                if staff or audience == "public" or roles & set(audience.split("|")))
        if n:
            out.append(models.CategoryCount(category=category, count=n))
    return models.CategoryList(items=out)


current = Current()
