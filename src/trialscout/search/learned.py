"""A small learned relevance model for `find`'s ranking (docs/find.md, "Learned relevance").

`raw_signals` reads, per candidate, what the model (and the benchmark harness
`bench/trec_rank_features.py`) can use: the retrieval BM25 and rank, the FTS5 BM25 of the
patient query per indexed field, the short-field BM25 of the note's words (titles, conditions
with MeSH terms, keywords, each alone and together), whether the trial's conditions name the
patient's concepts or cancer type, the match (verdict, criteria per status, favourable
share), and the trial's phase, status, study type and enrollment.

`features` turns one candidate's signals (with the topic's maxima) into the model's inputs,
and `RankModel` scores them: a logistic regression whose weights are a data table
(`data/search/rank_model.csv`, with how it was fitted in `rank_model.json`), fitted by
`bench/fit_rank_model.py` on judged topics.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from trialscout.match import TrialMatch
from trialscout.patient.profile import PatientProfile
from trialscout.search.patient_query import PatientQuery
from trialscout.search.rank import doc_ids, field_scores, query_words, short_text
from trialscout.search.text import tokens
from trialscout.store.search_index import FIELDS, FTS_TABLE, to_fts5

DATA = Path(__file__).resolve().parent.parent / "data" / "search"
MODEL_CSV = DATA / "rank_model.csv"
MODEL_INFO = DATA / "rank_model.json"

_STATUSES = ("met", "not_met", "unknown", "applies", "does_not_apply", "review")


def _fts_fields(
    conn: Connection, query: str, ids: Sequence[str], fields: Sequence[int] | None = None
) -> dict[str, list[float]]:
    """Per trial: FTS5 BM25 of `query` with one indexed field weighted at a time (`FIELDS`
    order; only the `fields` given are computed, the others are 0). FTS5's IDF and length
    normalisation are the whole index's and row's, so these are the field's share of the
    trial's score rather than a BM25 of the field alone. One pass over every match of the
    query, keeping the candidates: asking for the candidates' rows alone (`rowid IN`) made
    FTS5 re-open every term's postings for each row, 30x slower on the 6.8k TREC store."""
    if conn.dialect.name != "sqlite" or not query or not ids:
        return {}
    n = len(FIELDS)
    which = list(range(n)) if fields is None else sorted(set(fields))
    cols = ", ".join(
        f"-bm25({FTS_TABLE}, {', '.join('1.0' if j == i else '0.0' for j in range(n))})"
        for i in which
    )
    doc = doc_ids(conn, ids)
    out: dict[str, list[float]] = {}
    rows = conn.exec_driver_sql(
        f"SELECT rowid, {cols} FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", (query,)
    )
    for rowid, *vals in rows:
        k = doc.get(int(rowid))
        if k is not None:
            v = [0.0] * n
            for i, x in zip(which, vals, strict=True):
                v[i] = float(x)
            out[k] = v
    return out


def _trial_facts(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    if conn.dialect.name != "sqlite":
        return out
    for i in range(0, len(ids), 500):
        chunk = list(ids[i : i + 500])
        marks = ", ".join("?" * len(chunk))
        rows = conn.exec_driver_sql(
            "SELECT nct_id, overall_status, phases, study_type, "
            "json_extract(data, '$.enrollment.count') "
            f"FROM trials WHERE nct_id IN ({marks})",
            tuple(chunk),
        )
        for nct_id, status, phases, study_type, enrol in rows:
            out[nct_id] = {
                "status": status or "",
                "phases": phases or "",
                "study_type": study_type or "",
                "enrollment": int(enrol) if enrol is not None else None,
            }
    return out


def _field_index(need: set[str] | None, prefix: str) -> list[int] | None:
    """The `FIELDS` positions named by features `prefix + field` in `need` (None: all)."""
    if need is None:
        return None
    return [i for i, f in enumerate(FIELDS) if prefix + f in need]


def _has(text_tokens: set[str], phrase: str) -> bool:
    words = [w for w in tokens(phrase) if len(w) > 2]
    return bool(words) and all(w in text_tokens for w in words)


def raw_signals(
    conn: Connection,
    profile: PatientProfile,
    pq: PatientQuery,
    matches: Sequence[tuple[TrialMatch, float, int]],
    confident: Sequence[bool],
    short: Mapping[str, Mapping[str, Any]],
    *,
    need: set[str] | None = None,
) -> list[dict[str, Any]]:
    """One dict of raw signals per match (see the module docstring). `need`: the features
    a model uses (default every one): signals no feature in it needs are left at zero (the
    per-field scores cost a BM25 or an FTS5 query each)."""

    def wanted(prefix: str) -> bool:
        return need is None or any(k.startswith(prefix) for k in need)

    ids = [m.nct_id for m, _, _ in matches]
    text = profile.note or pq.text()
    words = query_words(text)
    docs = {k: dict(short[k]) for k in ids if k in short}
    texts = {
        "short": lambda d: short_text(d),
        "title": lambda d: " ".join(
            x for x in (d.get("brief_title"), d.get("official_title")) if x
        ),
        "cond": lambda d: short_text(
            {"conditions": d.get("conditions"), "condition_mesh": d.get("condition_mesh")}
        ),
        "kw": lambda d: short_text({"keywords": d.get("keywords")}),
    }
    fields = {
        name: field_scores(conn, words, {k: fn(d) for k, d in docs.items()})
        if wanted(f"field_{name}")
        else {}
        for name, fn in texts.items()
    }
    fq = (
        _fts_fields(conn, to_fts5_text(pq.text()), ids, _field_index(need, "fts_query_"))
        if wanted("fts_query")
        else {}
    )
    fn = (
        _fts_fields(conn, to_fts5_text(text), ids, _field_index(need, "fts_note_"))
        if wanted("fts_note")
        else {}
    )
    trial_keys = ("recruiting", "completed", "phase", "interventional", "enrollment")
    facts = _trial_facts(conn, ids) if any(wanted(k) for k in trial_keys) else {}
    concepts = pq.concepts
    cancers = pq.cancer_conditions
    out: list[dict[str, Any]] = []
    for (m, score, rrank), conf in zip(matches, confident, strict=True):
        d = docs.get(m.nct_id, {})
        cond_tokens = set(
            tokens(
                short_text(
                    {"conditions": d.get("conditions"), "condition_mesh": d.get("condition_mesh")}
                )
            )
        )
        all_tokens = set(tokens(short_text(d))) if d else set()
        counts = dict.fromkeys(_STATUSES, 0)
        for c in m.criteria:
            if c.counted and c.status in counts:
                counts[c.status] += 1
        out.append(
            {
                "nct_id": m.nct_id,
                "bm25": score,
                "rrank": rrank,
                "field_short": fields["short"].get(m.nct_id, 0.0),
                "field_title": fields["title"].get(m.nct_id, 0.0),
                "field_cond": fields["cond"].get(m.nct_id, 0.0),
                "field_kw": fields["kw"].get(m.nct_id, 0.0),
                "fts_query": fq.get(m.nct_id, [0.0] * len(FIELDS)),
                "fts_note": fn.get(m.nct_id, [0.0] * len(FIELDS)),
                "concepts": len(concepts),
                "concepts_in_cond": sum(_has(cond_tokens, c) for c in concepts),
                "concepts_in_short": sum(_has(all_tokens, c) for c in concepts),
                "cancer": bool(cancers),
                "cancer_in_cond": any(_has(cond_tokens, c) for c in cancers),
                "verdict": m.verdict,
                "match_score": m.score,
                "confident": conf,
                "counts": counts,
                **facts.get(m.nct_id, {}),
            }
        )
    return out


def to_fts5_text(text: str) -> str:
    """An OR query of `text`'s words in FTS5 syntax (as `eval trec`'s baseline builds it)."""
    from trialscout.search.text import TextQuery, parse_text

    tq = TextQuery(phrases=parse_text(text), mode="any")
    return "" if tq.is_empty() else to_fts5(tq)


# ------------------------------------------------------------------------------ the model


def _rel(v: float, top: float) -> float:
    return max(0.0, v) / top if top > 0 else 0.0


def topic_maxima(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """The best value of each score-like signal over a topic's candidates (features are
    relative to it, as the hand-set fusion's are)."""
    keys = ("bm25", "field_short", "field_title", "field_cond", "field_kw")
    top = {k: max((float(r[k]) for r in rows), default=0.0) for k in keys}
    for name in ("fts_query", "fts_note"):
        for i in range(len(FIELDS)):
            top[f"{name}_{i}"] = max((float(r[name][i]) for r in rows), default=0.0)
    return top


def features(r: Mapping[str, Any], top: Mapping[str, float]) -> dict[str, float]:
    """The model's inputs for one candidate (every one 0..1 or a small count)."""
    f: dict[str, float] = {
        "bm25": _rel(r["bm25"], top["bm25"]),
        "rrank_log": math.log(r["rrank"]) / math.log(200.0),
        "field_short": _rel(r["field_short"], top["field_short"]),
        "field_title": _rel(r["field_title"], top["field_title"]),
        "field_cond": _rel(r["field_cond"], top["field_cond"]),
        "field_kw": _rel(r["field_kw"], top["field_kw"]),
    }
    for name in ("fts_query", "fts_note"):
        for i, fld in enumerate(FIELDS):
            f[f"{name}_{fld}"] = _rel(r[name][i], top[f"{name}_{i}"])
    nc = r["concepts"] or 0
    f["concepts_in_cond"] = r["concepts_in_cond"] / nc if nc else 0.0
    f["concepts_in_short"] = r["concepts_in_short"] / nc if nc else 0.0
    f["cancer_in_cond"] = 1.0 if r["cancer_in_cond"] else 0.0
    f["cancer_not_in_cond"] = 1.0 if r["cancer"] and not r["cancer_in_cond"] else 0.0
    c = r["counts"]
    total = sum(c.values()) or 1
    f["met_share"] = (c["met"] + c["does_not_apply"]) / total
    f["unknown_share"] = c["unknown"] / total
    f["against_share"] = (c["not_met"] + c["applies"]) / total
    f["criteria_log"] = math.log1p(sum(c.values())) / math.log(50.0)
    f["eligible"] = 1.0 if r["verdict"] == "eligible" else 0.0
    f["ineligible"] = 1.0 if r["verdict"] == "ineligible" else 0.0
    f["confident"] = 1.0 if r["confident"] else 0.0
    status = r.get("status", "")
    f["recruiting"] = 1.0 if status in ("RECRUITING", "NOT_YET_RECRUITING") else 0.0
    f["completed"] = 1.0 if status == "COMPLETED" else 0.0
    phases = r.get("phases", "")
    f["phase1"] = 1.0 if "PHASE1" in phases else 0.0
    f["phase3"] = 1.0 if "PHASE3" in phases or "PHASE4" in phases else 0.0
    f["interventional"] = 1.0 if r.get("study_type") == "INTERVENTIONAL" else 0.0
    enrol = r.get("enrollment")
    f["enrollment_log"] = math.log1p(enrol) / math.log(10000.0) if enrol else 0.0
    return f


@dataclass(frozen=True)
class RankModel:
    """A linear relevance score fitted as a logistic regression over standardised
    `features`; used as `max(0, sum weight / sd x feature)` relative to the best candidate
    (the bias and means only shift it), the form of the hand-set fusion (`rank.fuse`)."""

    name: str
    bias: float
    weights: dict[str, tuple[float, float, float]]  # feature -> (weight, mean, sd)

    def score(self, f: Mapping[str, float]) -> float:
        return sum(w / (sd or 1.0) * f.get(k, 0.0) for k, (w, _mu, sd) in self.weights.items())

    def relevance(self, feats: Sequence[Mapping[str, float]]) -> list[float]:
        """0..1 per candidate, relative to the best."""
        raw = [self.score(f) for f in feats]
        best = max(raw, default=0.0)
        return [max(0.0, v) / best if best > 0 else 0.0 for v in raw]


def read_models(path: Path = MODEL_CSV) -> dict[str, RankModel]:
    """Every model in the table (`model, feature, weight, mean, sd`; feature `(bias)`)."""
    rows: dict[str, dict[str, tuple[float, float, float]]] = {}
    bias: dict[str, float] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            name, feat = row["model"], row["feature"]
            if feat == "(bias)":
                bias[name] = float(row["weight"])
            else:
                rows.setdefault(name, {})[feat] = (
                    float(row["weight"]),
                    float(row["mean"]),
                    float(row["sd"]),
                )
    return {n: RankModel(n, bias.get(n, 0.0), w) for n, w in rows.items()}


@lru_cache(maxsize=1)
def models() -> dict[str, RankModel]:
    return read_models()


@lru_cache(maxsize=1)
def model_info() -> dict[str, Any]:
    return dict(json.loads(MODEL_INFO.read_text(encoding="utf-8")))


def held_out_model(topic_ids: Sequence[str]) -> RankModel | None:
    """The stored model none of whose training topics is among `topic_ids` (for measuring
    on judged topics without training on them); None if every model saw one of them."""
    info = model_info()["models"]
    want = set(topic_ids)
    for name, model in sorted(models().items()):
        if not want & set(info.get(name, {}).get("topics", [])):
            return model
    return None


def learned_relevance(
    conn: Connection,
    model: RankModel,
    profile: PatientProfile,
    pq: PatientQuery,
    matches: Sequence[tuple[TrialMatch, float, int]],
    short: Mapping[str, Mapping[str, Any]],
) -> list[float]:
    """`find`'s relevance from `model` (0..1 per match, relative to the best)."""
    rows = raw_signals(
        conn, profile, pq, matches, [False] * len(matches), short, need=set(model.weights)
    )
    top = topic_maxima(rows)
    return model.relevance([features(r, top) for r in rows])
