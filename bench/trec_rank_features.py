"""Dump, per judged TREC/SIGIR topic, `find`'s candidates with their raw ranking signals and
judgments (a benchmark harness for the learned relevance model, docs/find.md).

For every topic with a judged relevant trial in the store: the note is read as `eval trec`
reads it, the patient query built and retrieved (`--depth` trials, to measure recall past
the default 200 candidates), the first `--candidates` are matched, and per candidate the
signals of `search.learned.raw_signals` are written with the grade (unjudged: 0). The
baseline's (whole-topic BM25) top 1,000 are written too, for recall.

    python bench/trec_rank_features.py --db var/eval-trec.db \
        --queries ../shared/data/benchmarks/trec2021/queries.jsonl \
        --qrels ../shared/data/benchmarks/trec2021/qrels.tsv --out var/feat-trec2021.json

The store must already hold the corpus (`make eval-trec` builds it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from trialscout.criteria.cache import get_or_parse
from trialscout.match import match_trial
from trialscout.patient.loader import load_note
from trialscout.registry.model import Trial
from trialscout.search.find import _cached_parses, _load_trials, _trial_ref, retrieve
from trialscout.search.learned import raw_signals
from trialscout.search.patient_query import build_query
from trialscout.search.rank import confident_ineligible, short_texts
from trialscout.search.trec import bm25_run, load_qrels, load_queries
from trialscout.store import Store
from trialscout.store.schema import trials


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--queries", type=Path, required=True)
    ap.add_argument("--qrels", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--candidates", type=int, default=200)
    ap.add_argument("--depth", type=int, default=1000)
    ap.add_argument("--as-of", default=None)
    ap.add_argument("--limit-topics", type=int, default=None)
    a = ap.parse_args(argv)
    when = dt.date.fromisoformat(a.as_of) if a.as_of else dt.date.today()
    queries, qrels = load_queries(a.queries), load_qrels(a.qrels)
    out: dict[str, Any] = {"as_of": when.isoformat(), "topics": {}}
    t0 = time.process_time()
    with Store.open(a.db) as store:
        with store.engine.connect() as conn:
            in_store = {r[0] for r in conn.execute(select(trials.c.nct_id))}
        topics = []
        for qid in queries:
            judged = {d: g for d, g in qrels.get(qid, {}).items() if d in in_store}
            if any(g > 0 for g in judged.values()):
                topics.append((qid, judged))
        for qid, judged in topics[: a.limit_topics]:
            print(qid, file=sys.stderr)
            profile = load_note(queries[qid], source="<topic>", as_of=when).profile
            with store.engine.connect() as conn:
                pq = build_query(conn, profile)
                hits = retrieve(conn, store, pq, limit=a.depth)
                cand = hits[: a.candidates]
                ids = [h[0] for h in cand]
                short = short_texts(conn, ids)
                cached = _cached_parses(conn, ids)
                loaded = _load_trials(conn, [i for i in ids if i not in cached])
            matches = []
            confident = []
            memo: dict[str, Any] = {}
            for i, (nct_id, score) in enumerate(cand, start=1):
                parsed = cached.get(nct_id)
                if parsed is None:
                    trial: Any = Trial.model_validate_json(loaded[nct_id])
                    parsed = get_or_parse(store, trial)
                else:
                    trial = _trial_ref(nct_id, short[nct_id])
                m = match_trial(profile, trial, parsed, memo=memo)
                matches.append((m, score, i))
                confident.append(confident_ineligible(m, parsed))
            with store.engine.connect() as conn:
                rows = raw_signals(conn, profile, pq, matches, confident, short)
            for r in rows:
                r["grade"] = judged.get(r["nct_id"], 0)
            out["topics"][qid] = {
                "judged": judged,
                "retrieved": [h[0] for h in hits],
                "baseline": [d for d, _ in bm25_run(store, queries[qid], limit=a.depth)],
                "candidates": rows,
            }
    out["cpu_s"] = round(time.process_time() - t0, 1)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(out), encoding="utf-8")
    print(f"{len(out['topics'])} topics, {out['cpu_s']} s CPU -> {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
