"""'More related trials': TF-IDF cosine similarity over each trial's descriptive fields.

Why TF-IDF and not embeddings: it runs offline with no model, is explainable ("shares
the words nasopharyngeal, carcinoma, cisplatin"), and over a disease-focused store the
rare words (a cancer site, a drug) carry the weight, which is what "related" means.

Each trial becomes one sparse vector: words and two-word phrases from its conditions,
condition MeSH terms, keywords, title and interventions (names and intervention MeSH
terms), with field weights below; tf = 1 + log(count), idf = log((1 + N) / (1 + df)) + 1,
L2-normalised. Similarity is the dot product, found through an inverted index. The
index is built once per store state (trial count and newest update) and cached in
memory.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from trialscout.registry.model import Trial

# Field weights: conditions and MeSH name the disease; the title and drugs refine it.
WEIGHTS: dict[str, float] = {
    "conditions": 3.0,
    "condition_mesh": 3.0,
    "keywords": 2.0,
    "title": 1.0,
    "interventions": 1.0,
    "intervention_mesh": 1.0,
}

DESCRIPTION = (
    "Similarity is TF-IDF cosine over each trial's conditions and condition MeSH terms "
    "(weight 3), keywords (2), title, interventions and intervention MeSH terms (1), using "
    "words and two-word phrases, computed over the trials in this local store."
)

# Words every trial record uses: they say nothing about what a trial is about.
_STOP_WORDS = (
    "a an and are as at be by for from in into is of on or the to with without vs versus "
    "study trial phase patients patient treatment therapy clinical randomized randomised "
    "ii iii i iv based after before during plus"
)
_STOP = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def tokens(text: str) -> list[str]:
    """Lower-cased words (stop words dropped) and adjacent two-word phrases."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def trial_fields(t: Trial) -> dict[str, list[str]]:
    return {
        "conditions": list(t.conditions),
        "condition_mesh": [m.term for m in t.condition_mesh],
        "keywords": list(t.keywords),
        "title": [t.title],
        "interventions": [iv.name for iv in t.interventions],
        "intervention_mesh": [m.term for m in t.intervention_mesh],
    }


def _weighted_tf(t: Trial) -> dict[str, float]:
    tf: dict[str, float] = defaultdict(float)
    for name, texts in trial_fields(t).items():
        counts = Counter(tok for s in texts for tok in tokens(s))
        for tok, n in counts.items():
            tf[tok] += WEIGHTS[name] * (1.0 + math.log(n))
    return tf


@dataclass
class RelatedTrial:
    nct_id: str
    score: float
    shared: list[str] = field(default_factory=list)


class RelatedIndex:
    """TF-IDF vectors of every trial and an inverted index over them."""

    def __init__(self, vectors: dict[str, dict[str, float]]) -> None:
        self.vectors = vectors
        self.postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for nct, vec in vectors.items():
            for tok, w in vec.items():
                self.postings[tok].append((nct, w))

    @classmethod
    def build(cls, trials: Iterable[Trial]) -> RelatedIndex:
        tfs = {t.nct_id: _weighted_tf(t) for t in trials}
        n = len(tfs)
        df: Counter[str] = Counter()
        for tf in tfs.values():
            df.update(tf.keys())
        vectors: dict[str, dict[str, float]] = {}
        for nct, tf in tfs.items():
            vec = {tok: w * (math.log((1 + n) / (1 + df[tok])) + 1.0) for tok, w in tf.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            vectors[nct] = {tok: v / norm for tok, v in vec.items()}
        return cls(vectors)

    def __len__(self) -> int:
        return len(self.vectors)

    def related(self, nct_id: str, k: int = 5) -> list[RelatedTrial]:
        """The `k` most similar other trials, best first (ties broken by NCT ID)."""
        query = self.vectors.get(nct_id)
        if not query:
            return []
        scores: dict[str, float] = defaultdict(float)
        for tok, w in query.items():
            for other, w2 in self.postings.get(tok, ()):
                if other != nct_id:
                    scores[other] += w * w2
        best = sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:k]
        out: list[RelatedTrial] = []
        for other, s in best:
            vec = self.vectors[other]
            common = sorted(
                (t for t in query if t in vec and " " not in t),
                key=lambda t: -query[t] * vec[t],
            )
            out.append(RelatedTrial(other, round(s, 4), common[:5]))
        return out


_CACHE: dict[tuple[int, str], tuple[str, RelatedIndex]] = {}
_LOCK = threading.Lock()


def _fingerprint(store: Any) -> str:
    """Changes whenever trials are added or updated (count plus newest update date)."""
    from sqlalchemy import func, select

    from trialscout.store.schema import trials as trials_table

    with store.engine.connect() as conn:
        n, newest = conn.execute(select(func.count(), func.max(trials_table.c.last_update))).one()
    return f"{n}:{newest}"


def related_index(store: Any) -> RelatedIndex:
    """The cached index for this store, rebuilt when the store's content changed."""
    key = (id(store), str(store.engine.url))
    try:
        fp = _fingerprint(store)
    except Exception:  # a store without the expected schema: fall back to the count
        fp = str(store.count())
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == fp:
            return hit[1]
    index = RelatedIndex.build(store.iter_trials())
    with _LOCK:
        _CACHE[key] = (fp, index)
    return index
