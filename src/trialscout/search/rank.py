"""Ranking signals for `find` beyond the retrieval BM25 (docs/find.md, Ranking).

- `field_scores`: BM25 of the patient's words over each candidate's *short fields* (titles,
  conditions, condition MeSH terms, keywords). The retrieval BM25 is dominated by the long
  summary and criteria texts, where an incidental finding of the note ("urinary retention")
  counts as much as the diagnosis; a trial's titles and conditions name what the trial is
  about. Stemming is the store's own (an FTS5 table in `temp`), document frequencies are the
  store's (`patient_query.document_frequencies`, cached), the average length is the
  candidates'.
- `confident_ineligible`: whether an ineligible verdict rests on a fully parsed criterion
  about age or sex alone. On the TREC collections those calls are right; calls resting on a
  diagnosis, a therapy, or a partly parsed criterion are wrong as often as right there
  (docs/find.md), so only the confident ones demote a trial.
- `lead_weights`: the words of the note's first sentence count `LEAD_WEIGHT` times in the
  short-field BM25. A clinical note opens with who the patient is and why they are seen
  ("a 45-year-old man with a history of anaplastic astrocytoma", "presents to the ER with
  chest pain"); later sentences add findings, tests and treatments.
- `criteria_scores`: FTS5 BM25 of the retrieval query with only the eligibility criteria
  weighted: how much of the patient's query the trial's criteria speak of (a trial about the
  patient's disease names it, its stage and its treatments there).
- `fuse`: the relevance used for ranking, a weighted sum of the signals, each relative to the
  best candidate (0..1).
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from trialscout.criteria.atoms import ParsedCriteria, iter_atoms
from trialscout.match import TrialMatch
from trialscout.search.text import STOPWORDS, tokens
from trialscout.store.schema import trials
from trialscout.store.search_index import FIELDS, FTS_TABLE

# Atom types whose failure, in a fully parsed criterion, is trusted to rule a trial out for
# ranking. Measured on TREC 2021 / SIGIR 2016 (docs/find.md): demoting on age/sex calls is
# right more often than wrong; adding diagnosis calls cost NDCG@10 (0.434 -> 0.430).
CONFIDENT_ATOMS = frozenset({"age", "sex"})

# Weights of the relevance signals (each 0..1 relative to the best candidate). Chosen on TREC
# 2021 and checked on SIGIR 2016 (docs/find.md): short-field BM25 0.3 lifted NDCG@10 on both
# (0.390 -> 0.417, 0.180 -> 0.185); with the optional dense score, 0.15 / 0.25.
FIELD_WEIGHT = 0.3
FIELD_WEIGHT_WITH_DENSE = 0.15
DENSE_WEIGHT = 0.25
# Weight of the criteria-only BM25 (`criteria_scores`), taken from the retrieval BM25's share.
# 0.2 is the share the SIGIR 2016-fitted relevance model gave the criteria field (session 4,
# `rank_model.csv`); measured in session 5 (docs/find.md): TREC 2021 NDCG@10 0.428 -> 0.454,
# SIGIR 2016 0.187 -> 0.188.
CRITERIA_WEIGHT = 0.2

# Weight of the note's first-sentence words in the short-field BM25 (the other words: 1).
# Measured in session 5 (docs/find.md): x2 raised NDCG@10 on TREC 2021 (0.405 -> 0.428) and
# on SIGIR 2016 (0.184 -> 0.187); x3 and more helped TREC further but cost SIGIR.
LEAD_WEIGHT = 2.0
# A sentence ends at . ! or ? followed by white space.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

_SHORT_KEYS = ("brief_title", "official_title", "conditions", "keywords", "condition_mesh")
_LIST_KEYS = frozenset({"conditions", "keywords", "condition_mesh"})
_K1 = 1.2
_B = 0.75
_TOK_TABLE = "ts_rank_tok"
_TOK_VOCAB = "ts_rank_tok_v"
_TOKENIZER = "porter unicode61 remove_diacritics 2"  # the store's (store.search_index)


@dataclass(frozen=True)
class Signals:
    """Per candidate: the retrieval BM25 and the optional extra scores (raw, any scale)."""

    bm25: float
    field: float | None = None
    dense: float | None = None
    criteria: float | None = None


def short_text(data: str | Mapping[str, object]) -> str:
    """A trial's short fields as one text: brief and official title, conditions, condition
    MeSH terms, keywords. `data` is the stored JSON of a `Trial` (or its dict)."""
    doc = json.loads(data) if isinstance(data, str) else data
    parts: list[str] = []
    for key in ("brief_title", "official_title"):
        v = doc.get(key)
        if isinstance(v, str):
            parts.append(v)
    for key in ("conditions", "keywords"):
        v = doc.get(key)
        if isinstance(v, list):
            parts.extend(str(x) for x in v)
    mesh = doc.get("condition_mesh")
    if isinstance(mesh, list):
        parts.extend(str(m.get("term", "")) for m in mesh if isinstance(m, dict))
    return "\n".join(p for p in parts if p)


def short_texts(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per trial, the stored fields `short_text` and `dense.dense_text` read, taken out of the
    stored JSON by SQLite itself (decoding every candidate's whole record in Python cost
    more than the rest of the ranking)."""
    out: dict[str, dict[str, Any]] = {}
    if conn.dialect.name != "sqlite":
        for i in range(0, len(ids), 500):
            stmt = select(trials.c.nct_id, trials.c.data).where(
                trials.c.nct_id.in_(ids[i : i + 500])
            )
            for nct_id, data in conn.execute(stmt):
                doc = json.loads(data)
                out[nct_id] = {k: doc.get(k) for k in _SHORT_KEYS}
        return out
    cols = ", ".join(f"json_extract(data, '$.{k}')" for k in _SHORT_KEYS)
    for i in range(0, len(ids), 500):
        chunk = list(ids[i : i + 500])
        marks = ", ".join("?" * len(chunk))
        rows = conn.exec_driver_sql(
            f"SELECT nct_id, {cols} FROM trials WHERE nct_id IN ({marks})", tuple(chunk)
        )
        for nct_id, *vals in rows:
            out[nct_id] = {
                k: json.loads(v) if isinstance(v, str) and k in _LIST_KEYS else v
                for k, v in zip(_SHORT_KEYS, vals, strict=True)
            }
    return out


def query_words(text: str) -> list[str]:
    """The distinct content words of a note or query (function words and 1-letter tokens
    dropped), in order."""
    return list(dict.fromkeys(w for w in tokens(text) if w not in STOPWORDS and len(w) > 1))


def lead_weights(text: str, words: Sequence[str], weight: float = LEAD_WEIGHT) -> dict[str, float]:
    """Query weight per word: `weight` for the words of `text`'s first sentence, 1 for the
    others. A text of one sentence (a structured profile's query) weighs every word alike."""
    first = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    lead = set(tokens(first))
    return {w: weight if w in lead else 1.0 for w in words}


class _StemCache:
    """Word -> the store tokenizer's terms (usually one porter stem), kept across calls: the
    candidates of every `find` share most of their title and condition words, and asking
    FTS5 for a stem costs a row written to a temporary table."""

    def __init__(self, max_words: int = 200_000) -> None:
        self.max_words = max_words
        self._lock = threading.Lock()
        self._terms: dict[str, tuple[str, ...]] = {}

    def terms(self, conn: Connection, words: Iterable[str]) -> dict[str, tuple[str, ...]]:
        want = set(words)
        with self._lock:
            known = {w: self._terms[w] for w in want if w in self._terms}
        todo = sorted(want - known.keys())
        if todo:
            new = _fts5_terms(conn, todo)
            with self._lock:
                if len(self._terms) + len(new) > self.max_words:
                    self._terms.clear()
                self._terms.update(new)
            known.update(new)
        return known


def _fts5_terms(conn: Connection, words: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each word through the store's tokenizer (an FTS5 table in `temp`, emptied after)."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        cur.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_TOK_TABLE} "
            f"USING fts5(t, tokenize='{_TOKENIZER}')"
        )
        cur.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_TOK_VOCAB} "
            f"USING fts5vocab(temp, {_TOK_TABLE}, instance)"
        )
        cur.execute(f"DELETE FROM temp.{_TOK_TABLE}")
        cur.executemany(
            f"INSERT INTO temp.{_TOK_TABLE}(rowid, t) VALUES (?, ?)",
            [(i + 1, w) for i, w in enumerate(words)],
        )
        found: dict[int, list[tuple[int, str]]] = {}
        for term, doc, offset in cur.execute(f"SELECT term, doc, offset FROM temp.{_TOK_VOCAB}"):
            found.setdefault(int(doc), []).append((int(offset), str(term)))
        cur.execute(f"DELETE FROM temp.{_TOK_TABLE}")
    finally:
        cur.close()
    return {w: tuple(t for _, t in sorted(found.get(i + 1, []))) for i, w in enumerate(words)}


STEMS = _StemCache()


def _stems(conn: Connection, texts: Sequence[str]) -> list[list[str]]:
    """Each text as the store tokenizer's terms (porter stems), in order."""
    split = [tokens(t) for t in texts]
    terms = STEMS.terms(conn, (w for ws in split for w in ws))
    return [[t for w in ws for t in terms.get(w, ())] for ws in split]


def bm25_scores(
    query: Mapping[str, float],
    docs: Mapping[str, Sequence[str]],
    idf: Mapping[str, float],
    *,
    k1: float = _K1,
    b: float = _B,
) -> dict[str, float]:
    """Okapi BM25 of weighted query terms over tokenised docs; the average length is the
    docs'. Terms without an `idf` count nothing."""
    avg = sum(len(d) for d in docs.values()) / max(1, len(docs)) or 1.0
    out: dict[str, float] = {}
    for key, d in docs.items():
        s = 0.0
        norm = k1 * (1 - b + b * len(d) / avg)
        for term, f in Counter(d).items():
            q = query.get(term)
            if q and term in idf:
                s += q * idf[term] * f * (k1 + 1) / (f + norm)
        out[key] = s
    return out


def field_scores(
    conn: Connection,
    words: Sequence[str],
    docs: Mapping[str, str],
    weights: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """BM25 of `words` (the patient's) over each doc's short text (`short_text`); {} where the
    store is not SQLite (no FTS5 tokenizer to stem with). `weights`: a query weight per word
    (default 1; words sharing a stem take the highest, e.g. `lead_weights`)."""
    if conn.dialect.name != "sqlite" or not words or not docs:
        return {}
    from trialscout.search.patient_query import document_frequencies

    keys = list(docs)
    stemmed = _stems(conn, [*words, *(docs[k] for k in keys)])
    word_stem = {w: s[0] for w, s in zip(words, stemmed[: len(words)], strict=True) if s}
    doc_terms = {k: stemmed[len(words) + i] for i, k in enumerate(keys)}
    present = set().union(*(set(d) for d in doc_terms.values()))
    # One surface word per stem: its document frequency is the stem's (FTS5 stems the query).
    by_stem: dict[str, str] = {}
    query: dict[str, float] = {}
    for w, s in word_stem.items():
        if s in present:
            by_stem.setdefault(s, w)
            q = 1.0 if weights is None else weights.get(w, 1.0)
            query[s] = max(query.get(s, q), q)
    if not by_stem:
        return dict.fromkeys(keys, 0.0)
    n, dfs = document_frequencies(conn, list(by_stem.values()))
    idf = {
        s: math.log((n - dfs.get(w, 0) + 0.5) / (dfs.get(w, 0) + 0.5) + 1.0)
        for s, w in by_stem.items()
    }
    return bm25_scores(query, doc_terms, idf)


def doc_ids(conn: Connection, ids: Sequence[str]) -> dict[int, str]:
    """FTS row id -> NCT id for `ids` (500 per query: SQLite's bound-parameter limit)."""
    doc: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        chunk = list(ids[i : i + 500])
        marks = ", ".join("?" * len(chunk))
        for nct_id, doc_id in conn.exec_driver_sql(
            f"SELECT nct_id, doc_id FROM trials WHERE nct_id IN ({marks})", tuple(chunk)
        ):
            doc[int(doc_id)] = str(nct_id)
    return doc


def criteria_scores(conn: Connection, fts_query: str, ids: Sequence[str]) -> dict[str, float]:
    """Per trial among `ids`: FTS5 BM25 (higher is better) of `fts_query` (FTS5 syntax, the
    retrieval query) with the eligibility-criteria column weighted 1 and the others 0. The
    index's IDF and length normalisation are the whole store's. One pass over every match of
    the query, keeping `ids` (asking FTS5 for those rows alone, `rowid IN`, re-reads every
    term's postings per row: 30x slower, docs/find.md "Learned relevance"). {} where the
    store is not SQLite."""
    if conn.dialect.name != "sqlite" or not fts_query or not ids:
        return {}
    doc = doc_ids(conn, ids)
    weights = ", ".join("1.0" if f == "criteria" else "0.0" for f in FIELDS)
    out: dict[str, float] = {}
    rows = conn.exec_driver_sql(
        f"SELECT rowid, -bm25({FTS_TABLE}, {weights}) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?",
        (fts_query,),
    )
    for rowid, score in rows:
        k = doc.get(int(rowid))
        if k is not None:
            out[k] = float(score)
    return out


def confident_ineligible(m: TrialMatch, parsed: ParsedCriteria | None) -> bool:
    """True when some counted criterion that rules the trial out (inclusion not met, exclusion
    applies) is fully parsed and about age or sex only (`CONFIDENT_ATOMS`)."""
    if m.verdict != "ineligible" or parsed is None:
        return False
    by_id = {c.id: c for c in parsed.criteria}
    for r in m.criteria:
        if not r.counted or r.status not in ("not_met", "applies"):
            continue
        c = by_id.get(r.id)
        if c is None or not c.fully_parsed:
            continue
        types = {getattr(a, "type", None) for a in iter_atoms(c.expr)}
        if types and types <= CONFIDENT_ATOMS:
            return True
    return False


def _share(values: Iterable[float]) -> float:
    return max((v for v in values), default=0.0) or 1.0


def fuse(signals: Sequence[Signals]) -> list[float]:
    """Relevance 0..1 per candidate: the weighted sum of each signal relative to the best
    candidate (dense: min-max over the candidates, cosines bunch up). A signal missing for
    every candidate gives its weight to the retrieval BM25."""
    has_field = any(s.field is not None for s in signals)
    has_dense = any(s.dense is not None for s in signals)
    has_criteria = any(s.criteria is not None for s in signals)
    w_dense = DENSE_WEIGHT if has_dense else 0.0
    w_field = (FIELD_WEIGHT_WITH_DENSE if has_dense else FIELD_WEIGHT) if has_field else 0.0
    w_criteria = CRITERIA_WEIGHT if has_criteria else 0.0
    w_bm25 = 1.0 - w_field - w_dense - w_criteria
    top_bm = _share(max(0.0, s.bm25) for s in signals)
    top_field = _share(s.field or 0.0 for s in signals)
    top_criteria = _share(max(0.0, s.criteria or 0.0) for s in signals)
    dense = [s.dense for s in signals if s.dense is not None]
    lo, hi = (min(dense), max(dense)) if dense else (0.0, 1.0)
    span = (hi - lo) or 1.0
    out: list[float] = []
    for s in signals:
        v = w_bm25 * max(0.0, s.bm25) / top_bm
        if w_field:
            v += w_field * (s.field or 0.0) / top_field
        if w_criteria:
            v += w_criteria * max(0.0, s.criteria or 0.0) / top_criteria
        if w_dense and s.dense is not None:
            v += w_dense * (s.dense - lo) / span
        out.append(v)
    return out
