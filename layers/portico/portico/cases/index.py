"""The case search index: kept by the indexer from the case events, read by the search route.

Stored as a snapshot and the changes since, in the documents bucket under `cases/index/`:

- a *snapshot* is the whole index (`CaseIndex.dump()`, an SQLite database);
- a *change* is the latest document of each case a batch of events touched (gzipped JSON);
- the table's `CASEINDEX` item points at them: `seq` (the last change), `base` (the
  snapshot, `None` before the first) with `base_seq` (the change it includes up to), and
  `changes` (those after it, oldest first).

The indexer (`update`) reads each touched case and its comments, stores them as change
`seq + 1` and moves the pointer on only if it still says `seq` (two indexers at once: one
wins, the other's batch fails and SQS gives it again). Every `COMPACT_CHANGES` changes, or
once the oldest is `COMPACT_SECONDS` old, it stores a snapshot instead and deletes what that
made unneeded.

A process that searches (`Replica`) holds the index in memory: on first use it loads the
snapshot and applies the changes; then, at most every `CASE_INDEX_REFRESH_SECONDS` (2), it
reads the pointer (one GetItem) and applies the changes it has not seen, so a comment is
findable a few seconds after it is written. A change is a document per case, whole, so
applying one twice, or an older one after a newer, cannot happen out of order: changes are
applied in `seq` order and each reads the case after the one before was stored.

At 100,000 cases the snapshot is the size `bench/case_search.py` prints; past what one
function's memory holds, see `cases.search` for the engine to plug in.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from portico import access, aws, change, clock, keys, store
from portico.access import Owner, Scope
from portico.cases import desk, models
from portico.errors import BadRequest, Conflict, Forbidden
from portico.principal import Principal
from portico.settings import settings

if TYPE_CHECKING:
    # The engine (sqlite3, Snowball stemmers) is imported where it is used: the cases
    # function never searches.
    from portico.cases.search import CaseDocument, CaseIndex, Reach

PREFIX = "cases/index/"
COMPACT_CHANGES = 50
COMPACT_SECONDS = 3600
MAX_COMMENTS = 500  # of one case's thread; its first ones (MAX_TEXT_CHARS cuts the rest)
OWNER = Owner("")  # the index is the portal's, no account's
SUMMARY = (*desk.SUMMARY, "resolution_due")
INDEXED_EVENTS = ("CaseCreated", "CaseUpdated", "CaseAssigned", "CaseStatusChanged",
                  "CaseCommented", "CaseKeysMigrated")


# -- what is indexed of a case ----------------------------------------------------------------
def document(case_id: str) -> CaseDocument:
    """A case as the index reads it, from the table now; `deleted` if it is gone."""
    case = store.get(keys.case(case_id), consistent=True)
    if case is None:
        return {"id": case_id, "deleted": True}
    comments = store.query_all(keys.case(case_id)["pk"], sk_prefix=keys.COMMENT_PREFIX,
                               limit=MAX_COMMENTS)
    fields = " ".join(str(v) for v in (case.get("fields") or {}).values()
                      if isinstance(v, str | int | float) and not isinstance(v, bool))
    public = [str(case.get("description") or ""), fields]
    public += [str(c["body"]) for c in comments if not c.get("internal")]
    internal = [str(c["body"]) for c in comments if c.get("internal")]
    return {
        "id": case_id, "number": str(case["number"]), "subject": str(case["subject"]),
        "public": "\n".join(p for p in public if p),
        "internal": "\n".join(internal),
        "account_id": str(case["account_id"]), "requester_id": str(case["requester_id"]),
        "cc": [str(c) for c in case.get("cc") or ()], "assignee": case.get("assignee"),
        "status": str(case["status"]), "status_class": keys.case_class(str(case["status"])),
        "created_at": str(case["created_at"]),
        "summary": {k: case.get(k) for k in SUMMARY},
    }


# -- stored: snapshot, changes, pointer -------------------------------------------------------
def _s3() -> Any:
    return aws.client("s3")


def _put(key: str, body: bytes, content_type: str) -> str | None:
    """Store an object; its version (the documents bucket keeps versions)."""
    resp = _s3().put_object(Bucket=settings().documents_bucket, Key=key, Body=body,
                            ContentType=content_type)
    version = resp.get("VersionId")
    return str(version) if version else None


def _delete(key: str, version: str | None) -> None:
    """Delete an object for good: by version, or a versioned bucket would keep every
    snapshot ever made as a noncurrent version (350 MB each at 100,000 cases)."""
    args = {"Bucket": settings().documents_bucket, "Key": key}
    _s3().delete_object(**args, **({"VersionId": version} if version else {}))


def _get(key: str) -> bytes:
    return bytes(_s3().get_object(Bucket=settings().documents_bucket, Key=key)["Body"].read())


def _pointer(*, consistent: bool) -> dict[str, Any]:
    item = store.get(keys.CASE_INDEX, consistent=consistent)
    if item is None:
        return {"seq": 0, "base": None, "base_version": None, "base_seq": 0, "changes": []}
    return {"seq": int(item["seq"]), "base": item.get("base"),
            "base_version": item.get("base_version"),
            "base_seq": int(item.get("base_seq", 0)),
            # As JSON text, a list of [seq, key, cases, stored_at, version].
            "changes": json.loads(str(item.get("changes") or "[]"))}


class Replica:
    """The index as this process holds it, brought up to the pointer when asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: CaseIndex | None = None
        self._base: str | None = None
        self.seq = 0
        self._checked = float("-inf")

    def reset(self) -> None:
        with self._lock:
            self._index, self._base, self.seq = None, None, 0
            self._checked = float("-inf")

    def advanced(self, seq: int, base: str | None) -> None:
        """This process stored change `seq` (and snapshot `base`) and applied it."""
        with self._lock:
            self.seq = seq
            if base is not None:
                self._base = base

    def sync(self, *, force: bool = False) -> tuple[CaseIndex, dict[str, Any]]:
        """The index, caught up with the pointer if it was read longer ago than the refresh
        interval (always, and consistently, with `force`); and the pointer read."""
        from portico.cases.search import CaseIndex

        with self._lock:
            now = time.monotonic()
            if not force and self._index is not None and \
                    now - self._checked < settings().case_index_refresh_seconds:
                return self._index, {}
            for attempt in (1, 2):
                pointer = _pointer(consistent=force or attempt > 1)
                try:
                    self._catch_up(pointer, CaseIndex)
                    break
                except ClientError as e:
                    # A compaction deleted what the pointer named a moment ago: read again.
                    if attempt > 1 or e.response.get("Error", {}).get("Code") not in (
                            "NoSuchKey", "404"):
                        raise
            self._checked = now
            assert self._index is not None
            return self._index, pointer

    def _catch_up(self, pointer: dict[str, Any], engine: type[CaseIndex]) -> None:
        if self._index is None or pointer["base"] != self._base or \
                pointer["seq"] < self.seq:
            base = pointer["base"]
            index = engine.load(_get(base)) if base else engine()
            self._index, self._base, self.seq = index, base, int(pointer["base_seq"])
        for seq, key, *_ in pointer["changes"]:
            if seq > self.seq:
                self._index.upsert(json.loads(gzip.decompress(_get(key))))
                self.seq = seq


replica = Replica()


def update(case_ids: Iterable[str], *, request_id: str) -> dict[str, Any]:
    """Index the latest of these cases: one change (or a snapshot, when it is time)."""
    index, pointer = replica.sync(force=True)
    docs = [document(i) for i in dict.fromkeys(case_ids)]
    if not docs:
        return {"seq": pointer["seq"], "cases": 0}
    seq = pointer["seq"] + 1
    stamp = clock.stamp()
    changes = list(pointer["changes"])
    oldest = clock.parse(changes[0][3]) if changes else None
    compact = len(changes) + 1 >= COMPACT_CHANGES or (
        oldest is not None and (clock.now() - oldest).total_seconds() >= COMPACT_SECONDS)
    tag = f"{seq:012d}-{uuid.uuid4().hex[:8]}"
    if compact:
        index.upsert(docs)
        key = f"{PREFIX}snapshot-{tag}.sqlite"
        version = _put(key, index.dump(), "application/vnd.sqlite3")
        after = {"seq": seq, "base": key, "base_version": version, "base_seq": seq,
                 "changes": "[]"}
    else:
        key = f"{PREFIX}change-{tag}.json.gz"
        version = _put(key, gzip.compress(json.dumps(docs).encode()), "application/gzip")
        changes.append([seq, key, len(docs), stamp, version])
        after = {"seq": seq, "base": pointer["base"], "base_version": pointer["base_version"],
                 "base_seq": pointer["base_seq"], "changes": json.dumps(changes)}
    c = change.system("case_index", "current", OWNER, request_id=request_id)
    c.update(keys.CASE_INDEX, set_={**after, "updated_at": stamp},
             condition="attribute_not_exists(#seq) OR #seq = :seq",
             values={":seq": pointer["seq"]},
             conflict=Conflict("The case index moved on meanwhile."))
    c.event("CaseSearchIndexed", {"seq": seq, "cases": len(docs), "snapshot": compact})
    c.audit("index", {"seq": {"before": pointer["seq"], "after": seq}})
    try:
        c.commit()
    except Conflict:
        replica.reset()  # what this process applied is not what the pointer says
        raise
    if compact:
        replica.advanced(seq, key)
        # Nothing names these any more; a reader that had just read the old pointer reads
        # it again (`Replica.sync`).
        old = [(pointer["base"], pointer["base_version"]),
               *((c[1], c[4] if len(c) > 4 else None) for c in pointer["changes"])]
        for k, v in old:
            if k:
                _delete(k, v)
    else:
        index.upsert(docs)
        replica.advanced(seq, None)
    return {"seq": seq, "cases": len(docs), "snapshot": compact}


def rebuild(*, request_id: str, progress: Any = None) -> dict[str, Any]:
    """Index every case from the table (an operator's command: cases written before the
    index, or a lost bucket): read page by page, applied as changes."""
    done = 0
    cursor: str | None = None
    while True:
        items, cursor = store.scan_page(types=["Case"], cursor=cursor)
        if items:
            update((str(i["id"]) for i in items), request_id=request_id)
            done += len(items)
        if progress:
            progress(done, cursor)
        if cursor is None:
            return {"cases": done}


# -- what readers ask -------------------------------------------------------------------------
def _reach(p: Principal, scope: str, account_id: str | None) -> Reach:
    """The access table's word on which cases `p` may find, as index tokens; narrowed to
    the scope asked for."""
    from portico.cases import search

    reach = access.scopes(p, "case")
    tokens: set[str] = set()
    if Scope.SELF in reach:
        tokens.add(search.requester_token(p.account_id, p.contact_id))
    if Scope.SHARED in reach:
        tokens.add(search.cc_token(p.account_id, p.contact_id))
    if Scope.ACCOUNT in reach:
        tokens.add(search.account_token(p.account_id))
    if Scope.PARTNER in reach:
        tokens.update(search.account_token(a) for a in p.delegated_accounts)
    narrow: frozenset[str] | None = None
    if scope == "mine":
        narrow = frozenset({search.requester_token(p.account_id, p.contact_id),
                            search.cc_token(p.account_id, p.contact_id)})
    elif scope == "account":
        target = account_id or p.account_id
        access.require_list(p, "case", target)
        narrow = frozenset({search.account_token(target)})
    elif scope == "assigned":
        if not p.is_staff:
            raise Forbidden("Cases are assigned to staff; search yours with scope=mine.")
        narrow = frozenset({search.assignee_token(p.contact_id)})
    if not reach:
        raise access.forbidden("case")
    return search.Reach(everything=Scope.ALL in reach, tokens=frozenset(tokens),
                        narrow=narrow, staff=p.is_staff)


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    key = store.decode_cursor(cursor)
    if set(key) != {"search"} or not key["search"].isdigit() or len(key["search"]) > 6:
        raise BadRequest("The cursor belongs to another list.")
    return int(key["search"])


def search(p: Principal, q: str, *, scope: str, account_id: str | None, status: str | None,
           cursor: str | None, limit: int) -> models.CaseSearchPage:
    """The cases `p` may read that match `q`, best first. A case number answers that case
    alone (`jump`: the page opens it)."""
    from portico.cases.search import DEPTH, case_number

    reach = _reach(p, scope, account_id)
    offset = _offset(cursor)
    if offset >= DEPTH:
        raise BadRequest("The cursor belongs to another list.")
    index, _ = replica.sync()
    found = index.search(q, reach, status=status, limit=limit, offset=offset)
    items = [models.CaseHit.model_validate({**h["summary"], "snippet": h["snippet"],
                                           "score": h["score"]}) for h in found.hits]
    jump = items[0].id if case_number(q) is not None and len(items) == 1 else None
    nxt = store.encode_cursor({"search": str(offset + len(items))}) if found.more else None
    return models.CaseSearchPage(items=items, next_cursor=nxt, jump=jump,
                                 order="relevance" if found.ranked else "recent")


def cases_in(event_records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The case ids a batch of bus events (SQS bodies) is about."""
    for r in event_records:
        detail = json.loads(r["body"]).get("detail") or {}
        case_id = (detail.get("data") or {}).get("case_id")
        if isinstance(case_id, str) and case_id:
            yield case_id
