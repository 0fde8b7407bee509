"""Case search: an SQLite FTS5 index in memory, changed case by case as cases change.

The knowledge base's index is rebuilt whole on a publish; cases change every second, so
this one is kept up to date one document at a time (`upsert`) and only its snapshots are
stored whole (`cases.index`). Text analysis, query words, highlighting and snippets are the
knowledge base's (`kb.search`, `kb.text`). A case may be written in English or Finnish and
says nothing of which: its language is guessed from its stopwords and its words indexed by
that language's stems; a query word is looked up by both, so it meets either.

Who may find a case is decided inside the MATCH, never after it: every document carries
tokens in its `meta` column (its account; its requester and each CC, per account; its
assignee, status, status class and number), and a reader's query is AND-ed with the tokens
their access reaches (`Reach`). Internal notes are a column of their own that only staff
queries name; a customer's query cannot match them, and customer snippets are cut from
the public text alone.

A query is AND-ed word by word (each word by any of its stems): "broken printer" finds the
cases that say both. FTS5's bm25() ranks (the subject weighted above the thread), newer
cases first on a tie. Pages are by offset: a case whose text changes between two pages may
move across them, which nothing else does.

Another engine (OpenSearch Serverless, past a few million cases or when one function's
memory is not enough) implements `Engine`: the same documents indexed with `meta` tokens as
keyword fields, a reader's reach as a `filter` clause, the text fields chosen by whether
the reader is staff. The indexer and the search function pick the class by setting.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypedDict

from portico.cases.models import STATUS_CLASSES
from portico.kb import text
from portico.kb.search import Matcher, folded, query_words, quote, snippet, token

FORMAT = 1
DEPTH = 1000  # results reach at most this deep
# Ranking costs a bm25() per match (at 100,000 cases, 0.6 s for a word in most of them) and
# tells little when most cases match; past this many, the newest changed come first.
RANK_MOST = 5000
SUBJECT_WEIGHT = 3.0
MAX_TEXT_CHARS = 200_000  # of a case's thread: a case of thousands of comments is cut
SNIPPET_TEXT_CHARS = 20_000  # kept for snippets (as far as `kb.search` looks for words)

_SCHEMA = """
CREATE TABLE info(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
-- What a hit shows: the case's list fields (JSON), its public text and its internal notes
-- (zlib, the first SNIPPET_TEXT_CHARS: only the page's hits are read back, for snippets).
-- On a tie the newer case first: by creation, which a change does not move, so the pages
-- of one search do not reorder while a case is worked on.
CREATE TABLE doc(rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, summary TEXT NOT NULL,
                 public BLOB NOT NULL, internal BLOB NOT NULL, created_at TEXT NOT NULL);
-- Pre-analysed terms (`kb.text`), so the ascii tokenizer only splits on spaces. Content
-- kept, so a changed case is replaced by rowid. No positions (detail=column): nothing asks
-- for a phrase, snippets are found in Python, and the index is a sixth smaller.
CREATE VIRTUAL TABLE fts USING fts5(subject, body, internal, meta, tokenize='ascii',
                                   detail=column);
"""

LANGS = text.LANGS
_NUMBER = re.compile(r"^\s*(?:#|cs-?\s*)0*(\d{1,9})\s*$", re.IGNORECASE)


class CaseDocument(TypedDict, total=False):
    """What the index reads of a case (`cases.index.document` makes it)."""

    id: str
    number: str
    subject: str
    public: str  # description, custom field values and public comments
    internal: str  # internal notes: staff only
    account_id: str
    requester_id: str
    cc: list[str]
    assignee: str | None
    status: str
    status_class: str  # open / closed
    created_at: str
    summary: dict[str, Any]  # the list fields a hit shows
    deleted: bool  # the case is gone: drop it


class CaseHit(TypedDict):
    summary: dict[str, Any]
    snippet: str
    score: float


class Found(NamedTuple):
    hits: list[CaseHit]
    more: bool  # there are more after this page
    ranked: bool  # best first; else (too many matched to rank) the latest changed first


@dataclass(frozen=True)
class Reach:
    """The cases a reader may find, as index tokens: `everything` (staff), or any case
    whose meta holds one of `tokens`; `narrow`, if given, must also match (a scope)."""

    everything: bool = False
    tokens: frozenset[str] = frozenset()
    narrow: frozenset[str] | None = None
    staff: bool = False  # may match and see internal notes


def account_token(account_id: str) -> str:
    return token("a", account_id)


def requester_token(account_id: str, contact_id: str) -> str:
    return token("o", f"{account_id}:{contact_id}")


def cc_token(account_id: str, contact_id: str) -> str:
    return token("w", f"{account_id}:{contact_id}")


def assignee_token(contact_id: str) -> str:
    return token("g", contact_id)


def status_token(status: str) -> str:
    return token("s", status)


def class_token(status_class: str) -> str:
    return token("k", status_class)


def number_token(digits: int) -> str:
    return f"n{digits}"


def case_number(q: str) -> int | None:
    """The number a query names when it is a case number (`CS-000123`, `cs123`, `#123`)."""
    m = _NUMBER.match(q)
    return int(m.group(1)) if m else None


def _meta(doc: CaseDocument) -> str:
    account = str(doc["account_id"])
    meta = [account_token(account), requester_token(account, str(doc["requester_id"])),
            status_token(str(doc["status"])), class_token(str(doc["status_class"]))]
    meta += [cc_token(account, str(c)) for c in doc.get("cc") or ()]
    if doc.get("assignee"):
        meta.append(assignee_token(str(doc["assignee"])))
    digits = case_number(str(doc.get("number") or ""))
    if digits is not None:
        meta.append(number_token(digits))
    return " ".join(meta)


def language(s: str) -> str:
    """The case's language, by which language's stopwords it uses more (English on a tie:
    a short technical text often has none of either)."""
    counts = dict.fromkeys(LANGS, 0)
    for w in text.words(s[:5000]):
        for lg in LANGS:
            if w in text.STOPWORDS[lg]:
                counts[lg] += 1
    return "fi" if counts["fi"] > counts["en"] else "en"


def terms(s: str, lang: str) -> str:
    """The indexed terms of a text, as the index's ascii tokenizer splits them."""
    return " ".join(text.terms(s[:MAX_TEXT_CHARS], lang))


def _pack(s: str) -> bytes:
    return zlib.compress(s[:SNIPPET_TEXT_CHARS].encode(), 6)


def _unpack(b: bytes) -> str:
    return zlib.decompress(b).decode()


class Engine(Protocol):
    """What the indexer and the search function need of an engine."""

    def upsert(self, docs: Iterable[CaseDocument]) -> int: ...

    def search(self, q: str, reach: Reach, *, status: str | None = None, limit: int = 25,
               offset: int = 0) -> Found: ...


@dataclass
class _Query:
    match: str
    words: list[tuple[str, ...]] = field(default_factory=list)


class CaseIndex:
    """The index in memory; `dump()` is a snapshot's bytes, `load()` reads one back."""

    def __init__(self, db: sqlite3.Connection | None = None) -> None:
        if db is None:
            db = sqlite3.connect(":memory:", check_same_thread=False)
            db.executescript(_SCHEMA)
            db.execute("INSERT INTO info VALUES ('format', ?)", (FORMAT,))
            db.commit()
        self._db = db
        # One connection; the local cloud calls from threads, an indexer applies while
        # nothing reads.
        self._lock = threading.Lock()
        info = dict(db.execute("SELECT key, value FROM info"))
        if info.get("format") != FORMAT:
            raise ValueError("not a case index of this version")

    @classmethod
    def load(cls, blob: bytes) -> CaseIndex:
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.deserialize(blob)
        return cls(db)

    def dump(self) -> bytes:
        with self._lock:
            self._db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
            self._db.commit()
            return self._db.serialize()

    @property
    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM doc").fetchone()[0])

    # -- changing -----------------------------------------------------------------------

    def upsert(self, docs: Iterable[CaseDocument]) -> int:
        """Put each case's latest document in, replacing the one it had; a `deleted` one
        goes. The number of documents applied."""
        n = 0
        with self._lock:
            for d in docs:
                n += 1
                old = self._db.execute("SELECT rowid FROM doc WHERE id = ?",
                                       (str(d["id"]),)).fetchone()
                if old is not None:
                    self._db.execute("DELETE FROM fts WHERE rowid = ?", old)
                    self._db.execute("DELETE FROM doc WHERE rowid = ?", old)
                if d.get("deleted"):
                    continue
                subject = str(d.get("subject") or "")
                public = str(d.get("public") or "")
                internal = str(d.get("internal") or "")
                lang = language(f"{subject}\n{public}")
                cur = self._db.execute(
                    "INSERT INTO doc(id, summary, public, internal, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (str(d["id"]), json.dumps(d.get("summary") or {}, sort_keys=True),
                     _pack(public), _pack(internal), str(d.get("created_at") or "")))
                self._db.execute(
                    "INSERT INTO fts(rowid, subject, body, internal, meta) VALUES (?, ?, ?, ?, ?)",
                    (cur.lastrowid, terms(subject, lang),
                     terms(f"{d.get('number') or ''} {public}", lang), terms(internal, lang),
                     _meta(d)))
            self._db.commit()
        return n

    # -- finding ------------------------------------------------------------------------

    def search(self, q: str, reach: Reach, *, status: str | None = None, limit: int = 25,
               offset: int = 0) -> Found:
        """The cases the reader may find that have every word of `q` (a case number: that
        case), best first (or, when more than `RANK_MOST` match, the latest changed
        first)."""
        limit = max(0, min(limit, DEPTH - offset))
        if not limit or offset < 0:
            return Found([], False, True)
        query = self._query(q, reach, status)
        if query is None:
            return Found([], False, True)
        with self._lock:
            # Counting reads the postings without scoring them: a few ms at 100,000.
            many = self._db.execute(
                "SELECT count(*) FROM (SELECT rowid FROM fts WHERE fts MATCH ? LIMIT ?)",
                (query.match, RANK_MOST + 1)).fetchone()[0] > RANK_MOST
            if many:  # a changed case gets a new rowid: the latest changed first
                rows = self._db.execute(
                    "SELECT d.summary, d.public, d.internal, 0.0 FROM "
                    "(SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid DESC "
                    "LIMIT ? OFFSET ?) AS f JOIN doc AS d ON d.rowid = f.rowid "
                    "ORDER BY d.rowid DESC",
                    (query.match, limit + 1, offset)).fetchall()
            else:
                rows = self._db.execute(
                    "SELECT d.summary, d.public, d.internal, f.r FROM "
                    "(SELECT rowid, bm25(fts, ?, 1.0, ?, 0.0) AS r FROM fts "
                    "WHERE fts MATCH ?) AS f JOIN doc AS d ON d.rowid = f.rowid "
                    "ORDER BY f.r, d.created_at DESC, d.id LIMIT ? OFFSET ?",
                    # A customer's ranking owes nothing to internal notes either.
                    (SUBJECT_WEIGHT, 1.0 if reach.staff else 0.0, query.match, limit + 1,
                     offset)).fetchall()
        more = len(rows) > limit
        matcher = Matcher(query.words) if query.words else None
        hits: list[CaseHit] = []
        for summary, packed, packed_internal, r in rows[:limit]:
            public = _unpack(packed)
            internal = _unpack(packed_internal) if reach.staff else ""
            shown = public
            found = matcher.hits(public, folded(public), LANGS) if matcher else []
            if matcher and not found and reach.staff and internal:
                # Staff found it by an internal note: show the note, marked as such.
                found = matcher.hits(internal, folded(internal), LANGS)
                shown = internal if found else public
            hits.append({"summary": json.loads(summary),
                         "snippet": snippet(shown, found) if shown else "",
                         "score": round(-float(r), 4)})
        return Found(hits, more, not many)

    def _query(self, q: str, reach: Reach, status: str | None) -> _Query | None:
        where = ""
        if not reach.everything:
            if not reach.tokens:
                return None
            where += " AND meta : (" + " OR ".join(map(quote, sorted(reach.tokens))) + ")"
        if reach.narrow is not None:
            if not reach.narrow:
                return None
            where += " AND meta : (" + " OR ".join(map(quote, sorted(reach.narrow))) + ")"
        if status:  # "open" and "done" are classes of statuses; others one status
            where += " AND meta : " + quote(
                class_token(STATUS_CLASSES[status]) if status in STATUS_CLASSES
                else status_token(status))
        columns = "{subject body internal}" if reach.staff else "{subject body}"
        digits = case_number(q)
        if digits is not None:
            return _Query(match=f"meta : {quote(number_token(digits))}{where}")
        words = query_words(q, LANGS)
        if not words:
            return None
        each = ["(" + " OR ".join(map(quote, w)) + ")" for w in words]
        return _Query(match=f"{columns} : (" + " AND ".join(each) + ")" + where,
                      words=words)

