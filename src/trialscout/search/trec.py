"""TREC-style evaluation of `find` against graded judgments, beside a plain BM25 baseline.

Both systems rank the same trials (the corpus ingested into one store) in the same run. The
judgments are restricted to trials in that store: a judged trial the corpus lacks can be
found by neither system, and counting it would only shrink both scores. Unjudged trials count
as not relevant. Metrics come from `pytrec_eval` (trec_eval's own code): NDCG@10 on the graded
judgments (0 not relevant, 1 excluded, 2 eligible); P@10 and reciprocal rank with only grade 2
relevant, as in the TREC Clinical Trials track.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import select

from trialscout.search.dense import DenseScorer
from trialscout.search.learned import RankModel, held_out_model
from trialscout.search.text import TextQuery, parse_text
from trialscout.store import Store
from trialscout.store.schema import trials

METRICS = ("ndcg@10", "p@10", "rr")


class TrecError(ValueError):
    """A queries or qrels file that cannot be read; names the file and line."""


class TrecReport(BaseModel):
    trialscout: dict[str, float]
    bm25: dict[str, float]
    ratio: dict[str, float | None]
    topics: int = Field(description="topics with at least one judged trial in the corpus")
    topics_skipped: int = Field(description="topics none of whose judged trials are in the corpus")
    corpus_trials: int
    judged_in_corpus: int
    per_topic: dict[str, dict[str, dict[str, float]]] = Field(default_factory=dict)
    ranking: str = "verdict"
    dense: bool = False
    relevance_model: str | None = Field(
        default=None, description="learned relevance model used (search.learned), if any"
    )
    library: str = "pytrec_eval"


def load_queries(path: Path) -> dict[str, str]:
    """`{"_id", "text"}` per line (BEIR/TrialGPT layout) -> topic id -> text."""
    out: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise TrecError(f"{path}: cannot read queries: {e.strerror or e}") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            qid, text = str(row["_id"]), str(row["text"])
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise TrecError(f"{path}:{n}: expected JSON with '_id' and 'text' ({e})") from None
        out[qid] = text
    return out


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    """TSV `query-id, corpus-id, score` (header optional) -> topic -> trial -> grade."""
    out: dict[str, dict[str, int]] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise TrecError(f"{path}: cannot read qrels: {e.strerror or e}") from None
    for n, row in enumerate(csv.reader(text.splitlines(), delimiter="\t"), start=1):
        if not row or (n == 1 and row[0] == "query-id"):
            continue
        if len(row) < 3:
            raise TrecError(f"{path}:{n}: expected 3 tab-separated fields, found {len(row)}")
        try:
            grade = int(row[2])
        except ValueError:
            raise TrecError(f"{path}:{n}: score must be an integer, found {row[2]!r}") from None
        out.setdefault(row[0], {})[row[1].strip().upper()] = grade
    return out


def bm25_run(store: Store, text: str, limit: int = 1000) -> list[tuple[str, float]]:
    """The baseline: the store's FTS5 BM25 over the whole topic text as one OR query."""
    tq = TextQuery(phrases=parse_text(text), mode="any")
    if tq.is_empty():
        return []
    fts = store.index.match(tq)
    stmt = (
        select(trials.c.nct_id, fts.c.score)
        .join(fts, fts.c.doc_id == trials.c.doc_id)
        .order_by(fts.c.score.desc(), trials.c.nct_id)
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [(r[0], float(r[1])) for r in conn.execute(stmt)]


def trialscout_run(
    store: Store,
    text: str,
    as_of: dt.date,
    *,
    candidates: int = 200,
    ranking: str = "verdict",
    dense: DenseScorer | None = None,
    relevance_model: RankModel | None = None,
) -> list[tuple[str, float]]:
    """`find` on the topic read as a clinical note; every candidate ranked, ineligible ones
    included (those ruled out on age/sex last with `verdict` ranking, every ineligible one
    marked down with `relevance`)."""
    from trialscout.patient.loader import load_note
    from trialscout.search.find import find_trials

    profile = load_note(text, source="<topic>", as_of=as_of).profile
    found = find_trials(
        store,
        profile,
        top=candidates,
        candidates=candidates,
        show_ineligible=True,
        ranking="relevance" if ranking == "relevance" else "verdict",
        dense=dense,
        relevance_model=relevance_model,
    )
    return [(r.match.nct_id, float(r.rank_score)) for r in found.results]


def _as_run(ranked: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Scores that give trec_eval exactly our order (it breaks ties by document id)."""
    n = len(ranked)
    return {doc: float(n - i) for i, (doc, _) in enumerate(ranked)}


def evaluate_runs(
    qrels: dict[str, dict[str, int]], runs: dict[str, dict[str, float]]
) -> dict[str, dict[str, float]]:
    """Per-topic metrics with pytrec_eval: graded NDCG@10; P@10 and RR at grade 2."""
    import pytrec_eval

    graded = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10"})
    strict = pytrec_eval.RelevanceEvaluator(qrels, {"P.10", "recip_rank"}, relevance_level=2)
    full = {q: runs.get(q, {}) or {"__none__": 0.0} for q in qrels}
    a, b = graded.evaluate(full), strict.evaluate(full)
    return {
        q: {
            "ndcg@10": a[q]["ndcg_cut_10"],
            "p@10": b[q]["P_10"],
            "rr": b[q]["recip_rank"],
        }
        for q in qrels
    }


def _mean(per_topic: dict[str, dict[str, float]]) -> dict[str, float]:
    return {
        m: round(statistics.fmean(v[m] for v in per_topic.values()), 4) if per_topic else 0.0
        for m in METRICS
    }


def _store_ids(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return {r[0] for r in conn.execute(select(trials.c.nct_id))}


def run_trec(
    store: Store,
    queries: dict[str, str],
    qrels: dict[str, dict[str, int]],
    *,
    as_of: dt.date | None = None,
    limit_topics: int | None = None,
    candidates: int = 200,
    ranking: str = "verdict",
    dense: bool = False,
    learned: bool = False,
    on_topic: Callable[[str], None] | None = None,
) -> TrecReport:
    """Run both systems on every judged topic of `queries` against the trials in `store`.
    `dense`: fuse the optional embedding score into `find`'s relevance (`search.dense`;
    raises `DenseUnavailable` on first use when its packages are missing). `learned`: rank
    with the stored relevance model none of whose training topics is evaluated
    (`learned.held_out_model`; TrecError if every model saw one of them)."""
    in_store = _store_ids(store)
    local: dict[str, dict[str, int]] = {}
    skipped = 0
    for qid in queries:
        judged = {d: g for d, g in qrels.get(qid, {}).items() if d in in_store}
        if any(g > 0 for g in judged.values()):
            local[qid] = judged
        elif qid in qrels:
            skipped += 1
    topic_ids = list(local)[:limit_topics] if limit_topics else list(local)
    local = {q: local[q] for q in topic_ids}
    when = as_of or dt.date.today()
    scorer = DenseScorer() if dense else None
    model = held_out_model(topic_ids) if learned else None
    if learned and model is None:
        raise TrecError("--learned: every stored relevance model was trained on these topics")
    ours: dict[str, dict[str, float]] = {}
    base: dict[str, dict[str, float]] = {}
    for qid in topic_ids:
        if on_topic is not None:
            on_topic(qid)
        ours[qid] = _as_run(
            trialscout_run(
                store,
                queries[qid],
                when,
                candidates=candidates,
                ranking=ranking,
                dense=scorer,
                relevance_model=model,
            )
        )
        base[qid] = _as_run(bm25_run(store, queries[qid]))
    ts_topics = evaluate_runs(local, ours)
    bm_topics = evaluate_runs(local, base)
    ts, bm = _mean(ts_topics), _mean(bm_topics)
    return TrecReport(
        trialscout=ts,
        bm25=bm,
        ratio={m: round(ts[m] / bm[m], 3) if bm[m] else None for m in METRICS},
        topics=len(topic_ids),
        topics_skipped=skipped,
        corpus_trials=len(in_store),
        ranking=ranking,
        dense=dense,
        relevance_model=model.name if model is not None else None,
        judged_in_corpus=sum(len(v) for v in local.values()),
        per_topic={q: {"trialscout": ts_topics[q], "bm25": bm_topics[q]} for q in topic_ids},
    )
