"""Meaning beside words: a static embedding model ranks the best lexical candidates again.

The model is WordLlama's `l2_supercat` (the `wordllama` package carries its token
embeddings and tokenizer; the embeddings are trained from Llama 2's, under its community
licence): a text's vector is the average of its tokens' vectors, so it costs no neural
network at query time. The indexer embeds each English article and stores the vectors in
the index, with the token table and the tokenizer, so that the search function needs only
the `tokenizers` library: the query's vector is the average of a few rows of the table.

The search blends the two: among the best `RERANK` candidates of the lexical ranking, each
score and each cosine similarity to the query are scaled to 0..1 and mixed, `WEIGHT` of
meaning. On SciFact's training queries this lifts nDCG@10 from 0.718 to 0.726: the model
alone reaches 0.49, but beside the words it tells apart candidates that share the same
words and differ in what they are about. The vocabulary is English; a Finnish article gets
no vector, and a list that holds one stays in its lexical order.

Vectors are kept as 8-bit integers with a scale each (a row of the token table the same):
132 bytes an article, 4 MB for the table.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from array import array
from collections.abc import Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Any

MODEL = "l2_supercat"
DIMS = 128  # of the model's 256: the first 128 keep nearly all of it, at half the size
WEIGHT = 0.3  # meaning's share of a blended score
LANGS = frozenset({"en"})
_SCALE = struct.Struct("<f")


def similarity(query: Sequence[float], stored: bytes) -> float:
    """The cosine of a unit query vector and a stored unit vector."""
    scale: float = _SCALE.unpack_from(stored)[0]
    return scale * sum(q * x for q, x in zip(query, array("b", stored[4:]), strict=True))


class Encoder:
    """The indexer's side: articles to vectors, and the tables a query needs. Reads the
    model from the `wordllama` package's files (with numpy, safetensors and tokenizers),
    in about a quarter of a second."""

    def __init__(self) -> None:
        import numpy as np
        import wordllama
        from safetensors import safe_open
        from tokenizers import Tokenizer

        home = Path(wordllama.__file__).parent
        self.tokenizer_json = (home / "tokenizers" / f"{MODEL}_tokenizer_config.json"
                               ).read_text(encoding="utf-8")
        with safe_open(str(home / "weights" / f"{MODEL}_256.safetensors"),
                       framework="np") as f:
            table = f.get_tensor("embedding.weight")[:, :DIMS].astype(np.float32)
        self._np = np
        self._tokenizer: Any = Tokenizer.from_str(self.tokenizer_json)
        self._table = table

    def embed(self, texts: Sequence[str]) -> Any:
        """Unit vectors (rows of a numpy array): the average of each text's token vectors,
        as WordLlama makes them."""
        np = self._np
        out = np.zeros((len(texts), DIMS), dtype=np.float32)
        for row, enc in enumerate(self._tokenizer.encode_batch(list(texts),
                                                               add_special_tokens=False)):
            if enc.ids:
                out[row] = self._table[enc.ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def vectors(self, texts: Sequence[str]) -> list[bytes]:
        if not texts:
            return []
        np = self._np
        out = self.embed(texts)
        scales = np.maximum(np.abs(out).max(axis=1), 1e-12) / 127
        rows = np.rint(out / scales[:, None]).astype(np.int8)
        # Each as its scale (4 bytes) and one signed byte per dimension.
        return [_SCALE.pack(float(s)) + r.tobytes() for s, r in zip(scales, rows, strict=True)]

    @cached_property
    def tables(self) -> dict[str, bytes]:
        """What the index carries for queries: the tokenizer and the token table."""
        np = self._np
        table = self._table
        scales = np.maximum(np.abs(table).max(axis=1), 1e-12) / 127
        rows = np.rint(table / scales[:, None]).astype(np.int8)
        return {"model": f"{MODEL}:{DIMS}".encode(),
                "tokenizer": zlib.compress(self.tokenizer_json.encode(), 6),
                "tokens": rows.tobytes(), "scales": scales.astype("<f4").tobytes()}


@cache
def encoder() -> Encoder | None:
    """The model, loaded once per process; None where `wordllama` is not installed (the
    search function's package): there, indexes are only read."""
    try:
        return Encoder()
    except ImportError:
        return None


def query_encoder(tables: dict[str, bytes]) -> QueryEncoder:
    """The query side of an index's tables; kept, since every index of a process carries
    the same model and making its tokenizer takes 50 ms."""
    key = hashlib.sha256(tables["model"] + tables["tokenizer"] + tables["scales"]).digest()
    found = _query_encoders.get(key)
    if found is None:
        found = QueryEncoder(tables)
        _query_encoders.clear()  # one model at a time
        _query_encoders[key] = found
    return found


_query_encoders: dict[bytes, QueryEncoder] = {}


class QueryEncoder:
    """The search function's side: a query's unit vector from the index's tables."""

    def __init__(self, tables: dict[str, bytes]) -> None:
        from tokenizers import Tokenizer

        self._tokenizer: Any = Tokenizer.from_str(zlib.decompress(tables["tokenizer"]).decode())
        self._tokens = tables["tokens"]
        self._scales = array("f", tables["scales"])
        self._rows = len(self._scales)

    def vector(self, q: str) -> list[float] | None:
        ids = [i for i in self._tokenizer.encode(q, add_special_tokens=False).ids
               if 0 <= i < self._rows]
        if not ids:
            return None
        total = [0.0] * DIMS
        for i in ids:
            scale = self._scales[i]
            row = array("b", self._tokens[i * DIMS:(i + 1) * DIMS])
            total = [t + scale * x for t, x in zip(total, row, strict=True)]
        norm = sum(t * t for t in total) ** 0.5
        return [t / norm for t in total] if norm else None
