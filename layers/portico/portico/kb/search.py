"""Knowledge-base search: a prebuilt SQLite FTS5 index, built once per publish, loaded into
memory by the search function and queried there.

How a query is answered:

1. The query becomes terms with the same analysis as the articles (`kb.text`: Snowball
   stems for English and Finnish, diacritics folded, stopwords out). The FTS5 MATCH
   expression is made only of those terms, each quoted, OR-ed, so nothing a user types is
   ever read as FTS syntax.
2. Audience, language and category are tokens of the article's `meta` column and are AND-ed
   into the same MATCH: a role-restricted article is never a candidate for anyone outside
   its audience, so no later truncation can let it in or leave a page short.
3. FTS5's bm25() (title weighted above body) picks the best `CANDIDATES`; the best
   `RERANK` of them are ranked again in Python: BM25 tuned on stemmed terms (k1, b, the
   title's weight), then pseudo-relevance feedback (RM3): the best few lend their
   characteristic terms to the query, which finds articles that say the same in other
   words. On SciFact's training queries this is nDCG@10 0.718 where FTS5 alone is 0.70;
   meaning (`kb.semantic`) then orders the best `RERANK` again, to 0.726.
4. Snippets come from the article's own text, HTML-escaped, the matched words in <mark>;
   two query words side by side in the text lift an article a little (the exact phrase
   wins a tie).

Where this engine stops: the whole index lives in the function's memory and every query is
answered by one process. At 10,000 articles of 300 words the index is about 74 MB (4.6 of
them the model's tables), loads in 0.1 s and answers in 6 ms (p99 7.5 ms); at 100,000 it is
about 655 MB, takes two minutes to build (half of it the vectors), 0.6 s to load and 21 ms
a query (p99 27 ms): about the limit for a Lambda
function (memory, /tmp, the time to fetch it from S3) and for a rebuild on every publish.
Past that, or when articles change faster than a rebuild a minute, use OpenSearch
Serverless: a class with the same `search()` and `suggest()` (the `Engine` protocol below)
that sends a bool query with the audience (`public` or any of the reader's roles),
language and category as `filter` terms on keyword fields, and the text as a `multi_match`
over `title^2` and `body` with the Finnish or English analyzer (`search_as_you_type` on the
title for suggest), and the article vectors in a `knn_vector` field that a hybrid query
blends in; the indexer then indexes the changed articles into the collection
instead of calling `SearchIndex.build`, and the search function picks the class by
setting. Nothing else changes.
"""

from __future__ import annotations

import html
import itertools
import json
import marshal
import math
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypedDict

from portico.kb import semantic, text

FORMAT = 1
CANDIDATES = 100  # results reach at most this deep
RERANK = 40  # the second stage ranks the best this many again
MAX_QUERY_CHARS = 1000  # a query longer than this is cut: no one types more into a box
MAX_QUERY_TERMS = 32
BUDGET = 0.2  # postings the candidate terms may bring, as a share of the articles ...
BUDGET_FLOOR = 1000  # ... or this many, whichever is more

# Tuned on SciFact's training queries (bench/kb_search.py), general values only.
K1 = 1.2
B = 0.4
TITLE_WEIGHT = 2.0
FEEDBACK_DOCS = 5
FEEDBACK_TERMS = 80
ORIGINAL_WEIGHT = 0.55  # share of the original query in the expanded one
PHRASE_BONUS = 0.2  # query terms side by side in the text: a tie-breaker, no more
PHRASE_DEPTH = 10

SNIPPET_CHARS = 200
SNIPPET_SCAN_CHARS = 20000


class Article(TypedDict, total=False):
    """What the index reads of an article; `audience` is "public" or a list of roles."""

    id: str
    slug: str
    external_id: str | None
    title: str
    body: str
    summary: str
    category: str
    tags: list[str]
    lang: str
    audience: str | list[str]
    status: str


class Hit(TypedDict):
    id: str
    slug: str
    external_id: str | None
    title: str
    snippet: str  # HTML: escaped text, matches in <mark>
    score: float


class Suggestion(TypedDict):
    id: str
    slug: str
    external_id: str | None
    title: str


class Engine(Protocol):
    """What the search function needs of an engine; another engine implements this."""

    def search(self, q: str, *, roles: Collection[str], lang: str | None = None,
               category: str | None = None, limit: int = 10, offset: int = 0,
               unrestricted: bool = False) -> list[Hit]: ...

    def suggest(self, q: str, *, roles: Collection[str], lang: str | None = None,
                limit: int = 5, unrestricted: bool = False) -> list[Suggestion]: ...


_SCHEMA = """
CREATE TABLE info(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
-- bag: the article's terms and their counts (the title's counted TITLE_WEIGHT times),
-- marshalled: the second stage reads a hundred of these per query, and this is the
-- fastest form Python reads back. dl: the bag's total.
CREATE TABLE doc(rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, slug TEXT NOT NULL,
                 external_id TEXT, title TEXT NOT NULL, plain TEXT NOT NULL,
                 folded TEXT, lang TEXT NOT NULL, dl REAL NOT NULL, bag BLOB NOT NULL);
CREATE TABLE df(term TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
-- Pre-analysed terms, so the ascii tokenizer only splits on spaces: every term made in
-- Python is one FTS token. Contentless: doc holds what is shown.
CREATE VIRTUAL TABLE fts USING fts5(title, body, meta, tokenize='ascii', content='');
CREATE VIRTUAL TABLE sug USING fts5(words, meta, tokenize='ascii', content='',
                                    prefix='1 2 3');
-- Meaning (kb.semantic): an English article's vector, and what a query's vector is made
-- of. An index built where the model is not installed has neither.
CREATE TABLE vec(rowid INTEGER PRIMARY KEY, v BLOB NOT NULL);
CREATE TABLE model(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
"""

PUBLIC = "pub"


def token(kind: str, value: str) -> str:
    # Hex keeps any role, language or category one exact ascii token.
    return kind + value.encode().hex()


def _audience(article: Mapping[str, Any]) -> list[str]:
    # Only a missing audience means public; an empty list of roles means staff only.
    audience = article.get("audience")
    if audience is None or isinstance(audience, str):
        audience = [audience or "public"]
    return [PUBLIC if a == "public" else token("r", str(a)) for a in audience]


def _lang(article: Mapping[str, Any]) -> str:
    lang = str(article.get("lang") or "en")
    return lang if lang in text.LANGS else "en"


class SearchIndex:
    """An index in memory. `build()` makes the bytes, `load()` reads them."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._lock = threading.Lock()  # one connection; the local cloud may call from threads
        info = dict(db.execute("SELECT key, value FROM info"))
        if info.get("format") != FORMAT:
            raise ValueError("not a search index of this version")
        self.count = int(info["n"])
        self._avgdl = float(info["avgdl"]) or 1.0
        self._df: dict[str, int] = {}
        self._idfs: dict[str, float] = {}
        # The model's tables are read on the first search that blends (kb.semantic).
        self._has_model = db.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'model'").fetchone() is not None and \
            db.execute("SELECT 1 FROM model LIMIT 1").fetchone() is not None
        self._query_encoder: semantic.QueryEncoder | None = None

    # -- building -----------------------------------------------------------------------

    @staticmethod
    def build(articles: Iterable[Mapping[str, Any]]) -> bytes:
        """The index of the published articles, as the bytes of an SQLite database."""
        db = sqlite3.connect(":memory:")
        db.executescript(_SCHEMA)
        df: Counter[str] = Counter()
        n = 0
        total = 0.0
        docs, fts, sug = [], [], []
        meant: list[tuple[int, str]] = []  # the articles the model reads, and their text
        for a in articles:
            if a.get("status", "published") != "published":
                continue
            n += 1
            lang = _lang(a)
            title = str(a.get("title") or "")
            plain = text.plain(str(a.get("body") or ""))
            tags = " ".join(str(t) for t in a.get("tags") or ())
            title_terms = text.terms(title, lang)
            body_terms = text.terms(f"{a.get('summary') or ''} {tags} {plain}", lang)
            bag: dict[str, float] = dict(Counter(body_terms))
            for t in title_terms:
                bag[t] = bag.get(t, 0) + TITLE_WEIGHT
            df.update(bag.keys())
            dl = TITLE_WEIGHT * len(title_terms) + len(body_terms)
            total += dl
            meta = [*_audience(a), token("l", lang)]
            if a.get("category"):
                meta.append(token("c", str(a["category"])))
            meta_s = " ".join(meta)
            ext = a.get("external_id")
            docs.append((n, str(a["id"]), str(a.get("slug") or a["id"]),
                         None if ext is None else str(ext), title, plain,
                         folded(plain), lang, dl,
                         marshal.dumps(bag)))
            fts.append((n, " ".join(title_terms), " ".join(body_terms), meta_s))
            # Suggest matches typed prefixes of the title's words and whole-word stems.
            words = dict.fromkeys(text.folded_words(title) + title_terms)
            sug.append((n, " ".join(words), meta_s))
            if lang in semantic.LANGS:
                meant.append((n, f"{title}. {plain}"))
        model = semantic.encoder()
        if model is not None:
            vectors = model.vectors([t for _, t in meant])
            db.executemany("INSERT INTO vec VALUES (?, ?)",
                           [(n, v) for (n, _), v in zip(meant, vectors, strict=True)])
            db.executemany("INSERT INTO model VALUES (?, ?)", model.tables.items())
        db.executemany("INSERT INTO doc VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", docs)
        db.executemany("INSERT INTO fts(rowid, title, body, meta) VALUES (?, ?, ?, ?)", fts)
        db.executemany("INSERT INTO sug(rowid, words, meta) VALUES (?, ?, ?)", sug)
        db.executemany("INSERT INTO df VALUES (?, ?)", df.items())
        db.executemany("INSERT INTO info VALUES (?, ?)", [
            ("format", FORMAT), ("n", n), ("avgdl", total / n if n else 1.0)])
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        db.execute("INSERT INTO sug(sug) VALUES ('optimize')")
        db.commit()
        blob = db.serialize()
        db.close()
        return blob

    @classmethod
    def load(cls, blob: bytes) -> SearchIndex:
        """An index ready to query from the bytes `build()` made."""
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.deserialize(blob)
        return cls(db)

    def dump(self) -> bytes:
        with self._lock:
            return self._db.serialize()

    # -- querying -----------------------------------------------------------------------

    def search(self, q: str, *, roles: Collection[str], lang: str | None = None,
               category: str | None = None, limit: int = 10, offset: int = 0,
               unrestricted: bool = False) -> list[Hit]:
        """The published articles that answer `q` and that a reader with `roles` may read
        (public ones always; `unrestricted` for staff who read every audience), best
        first. Results reach `CANDIDATES` deep."""
        limit = max(0, min(limit, CANDIDATES - offset))
        langs = _query_langs(lang)
        if not limit or offset < 0 or not langs:
            return []
        words = query_words(q, langs)
        qterms = list(dict.fromkeys(t for w in words for t in w))
        if not qterms:
            return []
        where = _filters(roles, lang, category, unrestricted)
        with self._lock:
            selective = self._selective(qterms)
            if not selective:  # no term of the query is in any article
                return []
            match = "{title body} : (" + " OR ".join(map(quote, selective)) + ")" + where
            found = self._db.execute(
                "SELECT rowid, bm25(fts, ?, 1.0, 0.0) AS r FROM fts WHERE fts MATCH ? "
                "ORDER BY r LIMIT ?", (TITLE_WEIGHT, match, CANDIDATES)).fetchall()
            if not found:
                return []
            head = [rowid for rowid, _ in found[:RERANK]]
            bags = self._db.execute(
                "SELECT rowid, dl, bag FROM doc WHERE rowid IN (SELECT value FROM json_each(?))",
                (json.dumps(head),)).fetchall()
            ranked = self._rerank(qterms, bags)
            # The rest keep FTS5's order, scored below the last one ranked again.
            last, cut = ranked[-1][1], found[len(head) - 1][1]
            ranked += [(rowid, last * 0.999 * r / cut) for rowid, r in found[len(head):]]
            read = [rowid for rowid, _ in ranked[:PHRASE_DEPTH]]
            read += [rowid for rowid, _ in ranked[offset:offset + limit]]
            docs = {r[0]: r for r in self._db.execute(
                "SELECT rowid, id, slug, external_id, title, plain, folded, lang FROM doc "
                "WHERE rowid IN (SELECT value FROM json_each(?))", (json.dumps(read),))}
        matcher = Matcher(words)
        found_in: dict[int, list[tuple[int, int, str]]] = {}

        def hits_in(rowid: int) -> list[tuple[int, int, str]]:
            if rowid not in found_in:
                found_in[rowid] = matcher.hits(*docs[rowid][5:8])
            return found_in[rowid]

        # The exact phrase wins a tie: a bonus to the best few that have two words of the
        # query side by side (or with only stopwords between).
        top = [(rowid, score + PHRASE_BONUS if matcher.phrased(docs[rowid][5], hits_in(rowid))
                else score) for rowid, score in ranked[:PHRASE_DEPTH]]
        top.sort(key=lambda r: -r[1])
        ranked[:PHRASE_DEPTH] = top
        with self._lock:
            ranked = self._blend(q, ranked)
            missing = [rowid for rowid, _ in ranked[offset:offset + limit] if rowid not in docs]
            docs.update((r[0], r) for r in self._db.execute(
                "SELECT rowid, id, slug, external_id, title, plain, folded, lang FROM doc "
                "WHERE rowid IN (SELECT value FROM json_each(?))", (json.dumps(missing),)))
        hits: list[Hit] = []
        for rowid, score in ranked[offset:offset + limit]:
            _, id_, slug, ext, title, plain, _, _ = docs[rowid]
            hits.append({"id": id_, "slug": slug, "external_id": ext, "title": title,
                         "snippet": snippet(plain, hits_in(rowid)),
                         "score": round(score, 4)})
        return hits

    def suggest(self, q: str, *, roles: Collection[str], lang: str | None = None,
                limit: int = 5, unrestricted: bool = False) -> list[Suggestion]:
        """Titles for a query being typed: a word may be the start of a title's word (the
        last one usually is; three letters at least once there are several words) or match
        it by its stem. Titles that have every word come first."""
        langs = _query_langs(lang)
        limit = max(0, min(limit, 20))
        words = list(text.words(q[:200]))[:8]
        if not words or not limit or not langs:
            return []
        stop = frozenset().union(*(text.STOPWORDS[lg] for lg in langs))
        typing = not q[:200][-1:].isspace()  # the last word may be the start of a word
        groups = []
        for i, w in enumerate(words):
            if len(words) > 1:
                partial = typing and i == len(words) - 1
                # Too common to narrow anything, and a short prefix is costly.
                if (w in stop and not partial) or (partial and len(w) < 3):
                    continue
            alts = {quote(text.term(w, lg)) for lg in langs}
            if len(w) >= 3 or len(words) == 1:
                alts.add(quote(text.fold(w)) + " *")
            groups.append("(" + " OR ".join(sorted(alts)) + ")")
        if not groups:
            return []
        where = _filters(roles, lang, None, unrestricted)
        found: dict[int, None] = {}
        with self._lock:
            for joiner in (" AND ", " OR "):
                match = "words : (" + joiner.join(groups) + ")" + where
                for (rowid,) in self._db.execute(
                        "SELECT rowid FROM sug WHERE sug MATCH ? ORDER BY bm25(sug) LIMIT ?",
                        (match, limit)):
                    found.setdefault(rowid)
                if len(found) >= limit or len(groups) == 1:
                    break
            ids = list(found)[:limit]
            if not ids:
                return []
            docs = {r[0]: r for r in self._db.execute(
                "SELECT rowid, id, slug, external_id, title FROM doc "
                "WHERE rowid IN (SELECT value FROM json_each(?))", (json.dumps(ids),))}
        return [{"id": docs[i][1], "slug": docs[i][2], "external_id": docs[i][3],
                 "title": docs[i][4]} for i in ids]

    # -- ranking ------------------------------------------------------------------------

    def _blend(self, q: str, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """The best `RERANK` again by words and meaning (kb.semantic): each score and each
        similarity to the query scaled to 0..1 across them, mixed `semantic.WEIGHT` of
        meaning; the rest follow below. Unchanged without a model, or when one of them
        has no vector (not English)."""
        if not self._has_model:
            return ranked
        head = ranked[:RERANK]
        stored = dict(self._db.execute(
            "SELECT rowid, v FROM vec WHERE rowid IN (SELECT value FROM json_each(?))",
            (json.dumps([rowid for rowid, _ in head]),)))
        if len(stored) < len(head) or len(head) < 2:
            return ranked
        if self._query_encoder is None:
            self._query_encoder = semantic.query_encoder(
                dict(self._db.execute("SELECT key, value FROM model")))
        vector = self._query_encoder.vector(q[:MAX_QUERY_CHARS])
        if vector is None:
            return ranked
        meaning = [semantic.similarity(vector, stored[rowid]) for rowid, _ in head]
        words = [score for _, score in head]

        def scaled(xs: list[float]) -> list[float]:
            low, span = min(xs), (max(xs) - min(xs)) or 1.0
            return [(x - low) / span for x in xs]

        w = semantic.WEIGHT
        mixed = [(rowid, (1 - w) * a + w * b) for (rowid, _), a, b in
                 zip(head, scaled(words), scaled(meaning), strict=True)]
        mixed.sort(key=lambda r: (-r[1], r[0]))
        # The rest keep their order, scored below the last one mixed.
        floor, cut = max(mixed[-1][1], 1e-6), words[-1] or 1.0
        return mixed + [(rowid, floor * 0.999 * score / cut)
                        for rowid, score in ranked[len(head):]]

    def _selective(self, qterms: Sequence[str]) -> list[str]:
        """The query terms that pick candidates: the rarest, as long as the articles they
        match stay within `BUDGET` (two at least). FTS5 scores every row that matches, so a
        term in most articles of a large index would make it score most of the index while
        it hardly orders anything; such terms still count in the second stage."""
        self._idf(qterms)
        budget = max(BUDGET * self.count, BUDGET_FLOOR)
        keep: list[str] = []
        for t in sorted((t for t in qterms if self._df[t]), key=self._df.__getitem__):
            budget -= self._df[t]
            if budget < 0 and len(keep) >= 2:
                break
            keep.append(t)
        return keep

    def _idf(self, terms: Iterable[str]) -> dict[str, float]:
        """Inverse document frequencies, read from the index once per term and kept."""
        cache = self._idfs
        missing = [t for t in terms if t not in cache]
        n = self.count
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            found = dict(self._db.execute(
                "SELECT term, n FROM df WHERE term IN (SELECT value FROM json_each(?))",
                (json.dumps(chunk),)))
            for t in chunk:
                df = found.get(t, 0)
                self._df[t] = df
                cache[t] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return {t: cache[t] for t in terms}

    def _rerank(self, qterms: Sequence[str],
                rows: Sequence[tuple[int, float, bytes]]) -> list[tuple[int, float]]:
        """BM25 over the candidates' bags, then again with the query expanded by the terms
        that characterise the best of them (RM3 pseudo-relevance feedback)."""
        bags: list[dict[str, float]] = [
            marshal.loads(bag) for _, _, bag in rows]  # noqa: S302 -- our own index's bytes
        norm = [K1 * (1 - B + B * dl / self._avgdl) for _, dl, _ in rows]
        idf = self._idf(qterms)

        def score(weights: Mapping[str, float]) -> list[float]:
            out = []
            for bag, k in zip(bags, norm, strict=True):
                s = 0.0
                for t, w in weights.items():
                    f = bag.get(t)
                    if f:
                        s += w * f * (K1 + 1) / (f + k)
                out.append(s)
            return out

        first = score({t: idf[t] for t in qterms})
        # The relevance model: the best candidates' term distributions, each weighted by
        # how much better it scored (softmax), so a clear winner speaks loudest.
        best = sorted(range(len(rows)), key=first.__getitem__, reverse=True)[:FEEDBACK_DOCS]
        top = first[best[0]]
        rel: dict[str, float] = {}
        for i in best:
            w = math.exp(first[i] - top) / (rows[i][1] or 1.0)
            for t, f in bags[i].items():
                rel[t] = rel.get(t, 0.0) + w * f
        idf.update(self._idf(rel))
        expansion = sorted(rel, key=lambda t: rel[t] * idf[t], reverse=True)[:FEEDBACK_TERMS]
        mass = sum(rel[t] * idf[t] for t in expansion) or 1.0
        n = len(qterms)
        weights = {t: ORIGINAL_WEIGHT * idf[t] for t in qterms}
        for t in expansion:
            gain = (1 - ORIGINAL_WEIGHT) * n * rel[t] * idf[t] ** 2 / mass
            weights[t] = weights.get(t, 0.0) + gain
        final = score(weights)
        order = sorted(range(len(rows)), key=lambda i: (-final[i], rows[i][0]))
        return [(rows[i][0], final[i]) for i in order]


def quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _query_langs(lang: str | None) -> tuple[str, ...]:
    if lang is None:
        return text.LANGS
    return (lang,) if lang in text.LANGS else ()


def query_words(q: str, langs: Sequence[str]) -> list[tuple[str, ...]]:
    """Each word of the query that is no stopword, as its terms in `langs`."""
    stop = frozenset().union(*(text.STOPWORDS[lg] for lg in langs))
    out: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for w in text.words(q[:MAX_QUERY_CHARS]):
        if w in stop:
            continue
        terms = tuple(dict.fromkeys(text.term(w, lg) for lg in langs))
        out.append(terms)
        seen.update(terms)
        if len(seen) >= MAX_QUERY_TERMS:
            break
    return out


def _filters(roles: Collection[str], lang: str | None, category: str | None,
             unrestricted: bool) -> str:
    where = ""
    if not unrestricted:
        audience = [PUBLIC, *(token("r", r) for r in sorted(set(roles)))]
        where += " AND meta : (" + " OR ".join(quote(a) for a in audience) + ")"
    if lang is not None:
        where += " AND meta : " + quote(token("l", lang))
    if category is not None:
        where += " AND meta : " + quote(token("c", category))
    return where


class Matcher:
    """Finds a query's terms in an article's own text."""

    def __init__(self, words: Sequence[tuple[str, ...]]) -> None:
        self.terms = {t for w in words for t in w}
        self.pairs = {(a, b) for x, y in itertools.pairwise(words)
                      for a, b in zip(x, y, strict=False)}
        # A word can only stem to a query term if it starts as the term does (a stem may
        # differ in its last letter: study -> studi), so a regex finds the few words worth
        # stemming; on folded text, offsets kept, so that "paivitys" meets "päivitys".
        prefixes = sorted({t[:-1] if len(t) > 3 else t for t in self.terms},
                          key=len, reverse=True)
        self.pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, prefixes))
                                  + r")[^\W_]*", re.IGNORECASE)

    def hits(self, plain: str, folded: str | None, lang: str | Sequence[str]
             ) -> list[tuple[int, int, str]]:
        """(start, end, term) of each query term in the first `SNIPPET_SCAN_CHARS`; a text
        of unknown language (a case) names both, and a word matches by either stem."""
        langs = [lg for lg in ((lang,) if isinstance(lang, str) else lang)
                 if lg in text.LANGS] or ["en"]
        head = plain[:SNIPPET_SCAN_CHARS]
        out = []
        for m in self.pattern.finditer(folded or plain, 0, SNIPPET_SCAN_CHARS):
            word = head[m.start():m.end()].lower()
            for lg in langs:
                if word not in text.STOPWORDS[lg]:
                    t = text.term(word, lg)
                    if t in self.terms:
                        out.append((m.start(), m.end(), t))
                        break
        return out

    def phrased(self, plain: str, hits: Sequence[tuple[int, int, str]]) -> bool:
        """Whether two query words that are neighbours in the query are in the text too,
        with nothing but punctuation or stopwords between them."""
        for (_, e, a), (s, _, b) in itertools.pairwise(hits):
            if (a, b) in self.pairs and all(
                    w.lower() in text.STOPWORDS["en"] or w.lower() in text.STOPWORDS["fi"]
                    for w in text.WORD.findall(plain, e, s)):
                return True
        return False


def snippet(plain: str, hits: Sequence[tuple[int, int, str]]) -> str:
    """About `SNIPPET_CHARS` characters of the text around its densest run of query terms,
    HTML-escaped, with the matching words in <mark>."""
    start = 0
    if hits:
        best, j = 0, 0
        for i, (s, _, _) in enumerate(hits):  # the window with the most matches; first wins
            while s - hits[j][0] > SNIPPET_CHARS - 40:
                j += 1
            if i - j + 1 > best:
                best, start = i - j + 1, hits[j][0]
        start = max(0, start - 40)
    end = min(len(plain), start + SNIPPET_CHARS)
    if start > 0:  # begin and end on whole words
        space = plain.find(" ", start, start + 30)
        start = space + 1 if space >= 0 else start
    if end < len(plain):
        space = plain.rfind(" ", end - 30, end)
        end = space if space > start else end
    out = ["…" if start > 0 else ""]
    pos = start
    for s, e, _ in hits:
        if s < start or e > end:
            continue
        out.append(html.escape(plain[pos:s]))
        out.append(f"<mark>{html.escape(plain[s:e])}</mark>")
        pos = e
    out.append(html.escape(plain[pos:end]))
    if end < len(plain):
        out.append("…")
    return "".join(out)


def folded(s: str) -> str | None:
    """`s` with each letter folded to one letter where it can be (ä -> a), so offsets in
    the result are offsets in `s`; None when that changes nothing (most English)."""
    table = {}
    for c in set(s):
        if not c.isascii():
            f = text.fold(c)
            if len(f) == 1 and f != c:
                table[ord(c)] = f
    return s.translate(table) if table else None
