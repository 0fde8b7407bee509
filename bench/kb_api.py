"""Knowledge-base relevance through the real API path: SciFact's 5,183 abstracts imported
with `POST /kb/import?publish=true` (as an admin, in parts of at most 5 MB), the indexer's
build awaited, then SciFact's 809 training queries sent to `GET /kb/search` as a signed-in
contact. Prints the import's time, the index's build, nDCG@10, Recall@100 and the search's
p50/p99 through the local gateway.

    python -m bench.kb_api        (about two minutes)
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.kb_search import DATA, ndcg10, read
from infra.local import LocalCloud
from portico.kb import imports

ADMIN = "admin@portico.example"
CONTACT = "contact@northwind.example"


def parts(corpus: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    size = 0
    for d in corpus:
        line = json.dumps({"id": d["id"], "title": d["title"] or d["id"],
                           "body": d["body"] or d["title"], "category": "scifact",
                           "lang": "en", "audience": "public"}) + "\n"
        if size + len(line.encode()) > imports.MAX_BYTES:
            out.append("".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line.encode())
    return [*out, "".join(current)]


def main() -> None:
    corpus, queries = read("corpus.jsonl"), read("train_queries.jsonl")
    printed: list[str] = [f"data: {DATA}"]
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as quiet, \
            contextlib.redirect_stdout(quiet), \
            LocalCloud(port=0, site_dir=Path(tmp)) as cloud:
        api = cloud.api_url
        admin, contact = cloud.signed_in(ADMIN), cloud.signed_in(CONTACT)
        started = time.perf_counter()
        for body in parts(corpus):
            r = admin.post(f"{api}/kb/import?publish=true", data=body.encode(), timeout=600,
                           headers={"Content-Type": "application/x-ndjson"})
            assert r.status_code == 200, r.text[:500]
        imported = time.perf_counter() - started
        # The indexer's build is done when a query finds the corpus.
        probe = corpus[0]["title"]
        while True:
            hits = contact.get(f"{api}/kb/search", params={"q": probe, "limit": 100},
                               timeout=60).json()["items"]
            if any(h["external_id"] == corpus[0]["id"] for h in hits):
                break
            assert time.perf_counter() - started < 900, "the index was not built in time"
            time.sleep(1)
        indexed = time.perf_counter() - started
        ndcg = recall = 0.0
        ms: list[float] = []
        for q in queries:
            t = time.perf_counter()
            r = contact.get(f"{api}/kb/search", params={"q": q["query"], "lang": "en",
                                                        "limit": 100}, timeout=60)
            ms.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text[:300]
            ranked = [h["external_id"] for h in r.json()["items"]]
            relevant = set(q["relevant"])
            ndcg += ndcg10(ranked, relevant)
            recall += len(relevant & set(ranked)) / len(relevant)
        cut = statistics.quantiles(ms, n=100)
        printed += [
            f"imported {len(corpus):,} articles through POST /kb/import in {imported:.1f} s; "
            f"searchable {indexed:.1f} s after the first call",
            f"SciFact train through GET /kb/search ({len(queries)} queries): "
            f"nDCG@10 {ndcg / len(queries):.4f}  Recall@100 {recall / len(queries):.4f}",
            f"GET /kb/search (limit 100) through the local gateway: p50 {cut[49]:.1f} ms, "
            f"p99 {cut[98]:.1f} ms"]
    print("\n".join(printed))


if __name__ == "__main__":
    main()
