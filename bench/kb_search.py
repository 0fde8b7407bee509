"""Knowledge-base search (`portico.kb.search`): speed at three sizes and relevance on SciFact.

For 1,000, 10,000 and 100,000 synthetic articles of about 300 words (sentences of SciFact
abstracts shuffled into new articles, a tenth of them partner-only): index build time and
size, cold load (bytes to a ready index and its first answer) and warm search p50/p99 over
SciFact's training queries (long claims: 10-20 terms) as a contact would send them (top 10
with snippets), wall clock and the thread's CPU time (the wall clock shows what else the
machine was doing), and suggest for the first third of each query as typed. Then nDCG@10
and Recall@100 of SciFact's 809 training queries against its 5,183 abstracts, through the
same module.

    python -m bench.kb_search               # all three sizes, about 3 minutes
    KB_BENCH_SIZES=1000,10000 python -m bench.kb_search
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import statistics
import time
from pathlib import Path
from typing import Any

from portico.kb.search import SearchIndex

ROOT = Path(__file__).resolve().parent.parent

DATA = Path(os.environ.get("KB_BENCH_DATA", ROOT.parent / "shared" / "data" / "scifact"))
SIZES = [int(s) for s in os.environ.get("KB_BENCH_SIZES", "1000,10000,100000").split(",")]
QUERIES = 500
CATEGORIES = ["billing", "accounts", "orders", "shipping", "returns", "security", "api",
              "mobile", "reports", "integrations"]


def read(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def synthetic(corpus: list[dict[str, Any]], n: int, seed: int = 7) -> list[dict[str, Any]]:
    """`n` articles of about 300 words made of SciFact's titles and sentences."""
    rnd = random.Random(seed)
    sentences = [s for d in corpus for s in re.split(r"(?<=\.)\s+", d["body"]) if s]
    out = []
    for i in range(n):
        words = 0
        body = []
        while words < 300:
            s = rnd.choice(sentences)
            body.append(s)
            words += s.count(" ") + 1
        audience: str | list[str] = "public" if i % 10 else ["partner"]
        out.append({"id": f"a{i}", "slug": f"article-{i}", "external_id": None,
                    "title": corpus[i % len(corpus)]["title"], "body": " ".join(body),
                    "summary": "", "category": CATEGORIES[i % len(CATEGORIES)],
                    "tags": [], "lang": "en", "audience": audience, "status": "published"})
    return out


def quantiles(ms: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(ms, n=100)
    return q[49], q[98]


def speed(corpus: list[dict[str, Any]], queries: list[str], n: int) -> None:
    articles = synthetic(corpus, n)
    t = time.perf_counter()
    blob = SearchIndex.build(articles)
    build = time.perf_counter() - t
    t = time.perf_counter()
    index = SearchIndex.load(blob)
    index.search("first search", roles=())
    cold = time.perf_counter() - t
    for q in queries[:100]:  # warm: stems and term statistics read once, as in service
        index.search(q, roles=("contact",), lang="en", limit=10)
    wall, cpu = [], []
    for q in queries:
        t, c = time.perf_counter(), time.thread_time()
        index.search(q, roles=("contact",), lang="en", limit=10)
        cpu.append((time.thread_time() - c) * 1000)
        wall.append((time.perf_counter() - t) * 1000)
    sug = []
    for q in queries[:200]:
        typed = q[: max(3, len(q) // 3)]
        t = time.perf_counter()
        index.suggest(typed, roles=("contact",), lang="en")
        sug.append((time.perf_counter() - t) * 1000)
    p50, p99 = quantiles(wall)
    c50, c99 = quantiles(cpu)
    s50, s99 = quantiles(sug)
    print(f"{n:>7,} articles  build {build:5.1f} s  {len(blob) / 2**20:5.0f} MiB  "
          f"cold load {cold * 1000:4.0f} ms  search p50 {p50:5.2f} p99 {p99:5.2f} ms "
          f"(CPU {c50:5.2f} / {c99:5.2f})  suggest p50 {s50:4.2f} p99 {s99:5.2f} ms",
          flush=True)


def ndcg10(ranked: list[str], relevant: set[str]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:10]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return dcg / ideal


def relevance(corpus: list[dict[str, Any]], queries: list[dict[str, Any]]) -> None:
    articles = [{"id": d["id"], "slug": d["id"], "external_id": d["id"], "title": d["title"],
                 "body": d["body"], "lang": "en", "audience": "public",
                 "status": "published"} for d in corpus]
    index = SearchIndex.load(SearchIndex.build(articles))
    ndcg = recall = 0.0
    for q in queries:
        relevant = set(q["relevant"])
        ranked = [h["id"] for h in index.search(q["query"], roles=(), lang="en", limit=100)]
        ndcg += ndcg10(ranked, relevant)
        recall += len(relevant & set(ranked)) / len(relevant)
    print(f"SciFact train ({len(queries)} queries, {len(corpus):,} abstracts): "
          f"nDCG@10 {ndcg / len(queries):.4f}  Recall@100 {recall / len(queries):.4f}")


def main() -> None:
    corpus = read("corpus.jsonl")
    queries = read("train_queries.jsonl")
    texts = [q["query"] for q in queries]
    random.Random(1).shuffle(texts)
    texts = (texts * (QUERIES // len(texts) + 1))[:QUERIES]
    for n in SIZES:
        speed(corpus, texts, n)
    relevance(corpus, queries)


if __name__ == "__main__":
    main()
