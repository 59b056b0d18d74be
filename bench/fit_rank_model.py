"""Fit and evaluate the learned relevance model of `find` across collections (docs/find.md).

Reads the candidate dumps of `bench/trec_rank_features.py` (one per collection), reproduces
`find`'s default ranking from them (a check that the dumps are faithful), reports recall of
the judged relevant trials at several depths, fits a logistic regression (numpy, L2,
standardised features, deterministic: full-batch Newton steps from zero) on one collection
and evaluates it on the other, inside `find`'s verdict tiers.

    python bench/fit_rank_model.py --feat trec2021=var/feat-trec2021.json \
        --feat sigir2016=var/feat-sigir2016.json [--write]

`--write` stores the models (one trained on each collection, and one on both) in
`src/trialscout/data/search/rank_model.csv` with `rank_model.json` saying how.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytrec_eval

from trialscout.search.learned import MODEL_CSV, MODEL_INFO, features, topic_maxima

Row = dict[str, Any]
Topic = dict[str, Any]

# The hand-set default the session-4 model was fitted against (search.rank before session 5,
# which added a criteria-only share, CRITERIA_WEIGHT 0.2): kept so a re-fit reproduces
# data/search/rank_model.json.
FIELD_WEIGHT = 0.3
RELEVANCE_WEIGHT = 0.9
MIN_RELEVANCE = 0.6


def fit_of(r: Row) -> float:
    c = r["counts"]
    total = sum(c.values()) or 1
    return max(0.0, min(1.0, r["match_score"] - 0.25 * c["unknown"] / total + 0.25))


def default_rel(rows: Sequence[Row]) -> list[float]:
    top_b = max(max(0.0, r["bm25"]) for r in rows) or 1.0
    top_f = max(r["field_short"] for r in rows) or 1.0
    return [
        (1 - FIELD_WEIGHT) * max(0.0, r["bm25"]) / top_b + FIELD_WEIGHT * r["field_short"] / top_f
        for r in rows
    ]


def tiered(
    rows: Sequence[Row],
    rel: Sequence[float],
    *,
    min_rel: float = MIN_RELEVANCE,
    rel_weight: float = RELEVANCE_WEIGHT,
) -> list[str]:
    """`find.rank` with `ranking="verdict"`: tiers by verdict, then 0.9 rel + 0.1 fit."""
    keyed = []
    for r, v in zip(rows, rel, strict=True):
        if r["verdict"] == "ineligible":
            tier = 0.0 if r["confident"] else 0.5
        else:
            tier = 2.0 if r["verdict"] == "eligible" and v >= min_rel else 1.0
        rs = round(rel_weight * v + (1 - rel_weight) * fit_of(r), 6)
        keyed.append((-tier, -rs, r["rrank"], r["nct_id"]))
    keyed.sort()
    return [k[3] for k in keyed]


def evaluate(
    topics: Mapping[str, Topic], order: Callable[[Topic], Sequence[str]]
) -> dict[str, dict[str, float]]:
    qrels = {q: t["judged"] for q, t in topics.items()}
    runs = {}
    for q, t in topics.items():
        ids = list(order(t))
        runs[q] = {d: float(len(ids) - i) for i, d in enumerate(ids)} or {"__none__": 0.0}
    g = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10"}).evaluate(runs)
    s = pytrec_eval.RelevanceEvaluator(qrels, {"P.10", "recip_rank"}, relevance_level=2).evaluate(
        runs
    )
    return {
        q: {"ndcg@10": g[q]["ndcg_cut_10"], "p@10": s[q]["P_10"], "rr": s[q]["recip_rank"]}
        for q in topics
    }


def mean(per: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    return {
        m: round(statistics.fmean(v[m] for v in per.values()), 4) for m in ("ndcg@10", "p@10", "rr")
    }


def recall(topics: Mapping[str, Topic], key: str, depth: int, min_grade: int = 1) -> float:
    found = total = 0
    for t in topics.values():
        rel = {d for d, g in t["judged"].items() if g >= min_grade}
        total += len(rel)
        found += len(rel & set(t[key][:depth]))
    return round(found / total, 4) if total else 0.0


class Coll:
    """One collection's candidates as a feature matrix (all features), grades, topics."""

    def __init__(self, topics: Mapping[str, Topic]) -> None:
        self.topics = dict(topics)
        self.names: list[str] = []
        xs: list[list[float]] = []
        self.rows: list[Row] = []
        self.qids: list[str] = []
        for q, t in self.topics.items():
            rows = t["candidates"]
            top = topic_maxima(rows)
            for r in rows:
                f = features(r, top)
                if not self.names:
                    self.names = list(f)
                xs.append([f[k] for k in self.names])
                self.rows.append(r)
                self.qids.append(q)
        self.x = np.array(xs, dtype=float)
        self.y = np.array([int(r["grade"]) for r in self.rows], dtype=int)
        self.span: dict[str, tuple[int, int]] = {}
        for i, q in enumerate(self.qids):
            a, _ = self.span.get(q, (i, i))
            self.span[q] = (a, i + 1)

    def subset(self, qids: Sequence[str]) -> Coll:
        return Coll({q: self.topics[q] for q in qids})

    def cols(self, use: Sequence[str]) -> np.ndarray:
        return self.x[:, [self.names.index(k) for k in use]]


Fit = tuple[list[str], np.ndarray, np.ndarray, np.ndarray, float]


def fit_logistic(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Weighted L2 logistic regression by Newton's method from zero (deterministic)."""
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    z = (x - mu) / sd
    a = np.hstack([np.ones((len(z), 1)), z])
    beta = np.zeros(a.shape[1])
    reg = np.full(a.shape[1], l2)
    reg[0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(a @ beta)))
        grad = a.T @ (w * (p - y)) + reg * beta
        h = (a * (w * p * (1 - p))[:, None]).T @ a + np.diag(reg) + 1e-9 * np.eye(a.shape[1])
        step = np.linalg.solve(h, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[1:], mu, sd, float(beta[0])


def train(c: Coll, use: Sequence[str], l2: float) -> Fit:
    """Relevant (grade >= 1) vs not, grade-2 trials weighted double, each topic weighing the
    same (topics with many candidates do not dominate)."""
    x = c.cols(use)
    lab = (c.y >= 1).astype(float)
    per = {q: b - a for q, (a, b) in c.span.items()}
    wt = np.where(c.y >= 2, 2.0, 1.0) * np.array([200.0 / per[q] for q in c.qids])
    coef, mu, sd, b = fit_logistic(x, lab, wt, l2)
    return list(use), coef, mu, sd, b


def rel_of(c: Coll, fit: Fit) -> dict[str, list[float]]:
    """Per topic: the model's linear score over the raw features (weight / sd; the bias and
    the means only shift it), relative to the topic's best candidate, clipped at 0: the
    form of the hand-set fusion, so the tier threshold and the fit share keep their
    meaning (the probability relative to the best lost 0.03 NDCG@10 on TREC 2021 with the
    hand-set weights)."""
    use, coef, _mu, sd, _b = fit
    s = c.cols(use) @ (coef / sd)
    out: dict[str, list[float]] = {}
    for q, (a, e) in c.span.items():
        best = float(s[a:e].max())
        out[q] = [max(0.0, float(v)) / best if best > 0 else 0.0 for v in s[a:e]]
    return out


def score(c: Coll, fit: Fit) -> dict[str, dict[str, float]]:
    rels = rel_of(c, fit)
    return evaluate(c.topics, lambda t: tiered(t["candidates"], rels[t["_id"]]))


def folds(qids: Sequence[str], k: int = 5) -> list[tuple[list[str], list[str]]]:
    """Deterministic topic folds: topic i goes to fold i mod k."""
    out = []
    for f in range(k):
        test = [q for i, q in enumerate(qids) if i % k == f]
        out.append(([q for q in qids if q not in test], test))
    return out


def select(c: Coll, grid: Sequence[tuple[str, float]]) -> tuple[tuple[str, float], dict]:
    """The (feature set, l2) with the best mean NDCG@10 over topic folds of `c` alone."""
    subs = [(c.subset(tr), c.subset(te)) for tr, te in folds(list(c.topics))]
    table = {}
    for s, l2 in grid:
        per: dict[str, dict[str, float]] = {}
        for tr, te in subs:
            per.update(score(te, train(tr, FEATURE_SETS[s], l2)))
        table[(s, l2)] = mean(per)["ndcg@10"]
    best = max(grid, key=lambda g: (table[g], -len(FEATURE_SETS[g[0]]), g[1]))
    return best, table


def load(path: str) -> dict[str, Topic]:
    topics = dict(json.loads(Path(path).read_text(encoding="utf-8"))["topics"])
    for q, t in topics.items():
        t["_id"] = q
    return topics


_FTS = ("title", "conditions", "interventions", "keywords", "summary", "criteria")
_MATCH = ["met_share", "unknown_share", "against_share", "criteria_log"]
_TRIAL = ["recruiting", "completed", "phase1", "phase3", "interventional", "enrollment_log"]
_TEXT = [
    "bm25",
    "field_short",
    "field_title",
    "field_cond",
    "field_kw",
    "concepts_in_cond",
    "concepts_in_short",
    "cancer_in_cond",
    "cancer_not_in_cond",
]
FEATURE_SETS: dict[str, list[str]] = {
    "base2": ["bm25", "field_short"],
    "base3": ["bm25", "field_short", "field_cond"],
    "base2_match": ["bm25", "field_short", "met_share", "unknown_share"],
    "fields4": ["bm25", "field_title", "field_cond", "field_kw"],
    "base2_fts2": ["bm25", "field_short", "fts_query_criteria", "fts_query_summary"],
    "base2_fts": ["bm25", "field_short", *(f"fts_query_{f}" for f in _FTS)],
    "text": _TEXT,
    "text_fts": [*_TEXT, *(f"fts_query_{f}" for f in _FTS)],
    "text_fts_note": [
        *_TEXT,
        *(f"fts_query_{f}" for f in _FTS),
        *(f"fts_note_{f}" for f in _FTS),
    ],
    "text_fts_match": [*_TEXT, *(f"fts_query_{f}" for f in _FTS), *_MATCH],
    "text_fts_trial": [*_TEXT, *(f"fts_query_{f}" for f in _FTS), *_TRIAL],
    "all": [
        *_TEXT,
        *(f"fts_query_{f}" for f in _FTS),
        *(f"fts_note_{f}" for f in _FTS),
        "rrank_log",
        *_MATCH,
        "eligible",
        "ineligible",
        "confident",
        *_TRIAL,
    ],
}
L2S = (1.0, 10.0, 100.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feat", action="append", required=True, help="name=dump.json")
    ap.add_argument("--sets", nargs="*", default=list(FEATURE_SETS))
    ap.add_argument("--out", type=Path, default=None, help="write the report (JSON) here")
    ap.add_argument(
        "--write",
        default=None,
        metavar="SET:L2",
        help="store models with this feature set and L2, one per collection and one on all",
    )
    a = ap.parse_args(argv)
    data = {n: Coll(load(p)) for n, p in (f.split("=", 1) for f in a.feat)}
    report: dict[str, Any] = {"collections": {}, "directions": {}}
    for n, c in data.items():
        t = c.topics
        rec = {f"find@{k}": recall(t, "retrieved", k) for k in (100, 200, 500, 1000)} | {
            f"baseline@{k}": recall(t, "baseline", k) for k in (200, 1000)
        }
        rec["find@200_grade2"] = recall(t, "retrieved", 200, 2)
        d = mean(evaluate(t, lambda x: tiered(x["candidates"], default_rel(x["candidates"]))))
        bm = mean(evaluate(t, lambda x: x["baseline"]))
        report["collections"][n] = {"topics": len(t), "recall": rec, "default": d, "bm25": bm}
        print(f"{n}: {len(t)} topics; recall of grade>=1 {rec}")
        print(f"  default (reproduced) {d}  baseline {bm}")
    grid = [(s, l2) for s in a.sets for l2 in L2S]
    names = list(data)
    fits: dict[str, Fit] = {}
    for tr in names:
        best, table = select(data[tr], grid)
        fit = train(data[tr], FEATURE_SETS[best[0]], best[1])
        fits[tr] = fit
        print(f"trained on {tr}: chosen by {tr}'s own topic folds: {best} (CV {table[best]})")
        for te in names:
            if te == tr:
                continue
            res = mean(score(data[te], fit))
            cross = {
                f"{s}/{l2}": mean(score(data[te], train(data[tr], FEATURE_SETS[s], l2)))["ndcg@10"]
                for s, l2 in grid
            }
            print(f"  -> {te}: {res} (default {report['collections'][te]['default']})")
            report["directions"][f"{tr}->{te}"] = {
                "selected": list(best),
                "cv_on_training": {f"{s}/{l2}": v for (s, l2), v in table.items()},
                "result": res,
                "every_setting_on_test": cross,
                "weights": dict(zip(fit[0], [round(float(w), 4) for w in fit[1]], strict=True)),
            }
    if a.out:
        a.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    if a.write:
        s, l2 = a.write.split(":")
        stored = {n: train(c, FEATURE_SETS[s], float(l2)) for n, c in data.items()}
        everything = Coll({f"{t['_id']}": t for c in data.values() for t in c.topics.values()})
        stored["all"] = train(everything, FEATURE_SETS[s], float(l2))
        topics = {n: sorted(c.topics) for n, c in data.items()}
        topics["all"] = sorted(everything.topics)
        write_models(stored, topics, f"{s}:{l2}")
    return 0


def write_models(fits: Mapping[str, Fit], topics: Mapping[str, list[str]], setting: str) -> None:
    lines = [
        "# Learned relevance model of `find` (search.learned, docs/find.md), fitted by",
        "# bench/fit_rank_model.py: one model per training collection and one on all",
        "# (rank_model.json lists each model's training topics). relevance = max(0, sum",
        "# weight / sd x feature) relative to the best candidate; mean only centres the fit.",
        "model,feature,weight,mean,sd",
    ]
    for n, (use, coef, mu, sd, b) in fits.items():
        lines.append(f"{n},(bias),{b:.6f},0,1")
        for k, w, m_, s_ in zip(use, coef, mu, sd, strict=True):
            lines.append(f"{n},{k},{w:.6f},{m_:.6f},{s_:.6f}")
    MODEL_CSV.write_text("\n".join(lines) + "\n", encoding="utf-8")
    info = {
        "fitted": dt.date.today().isoformat(),
        "script": "bench/fit_rank_model.py",
        "setting": setting,
        "method": "L2 logistic regression (Newton's method from zero), standardised features; "
        "label grade >= 1, grade-2 trials weighted x2, each topic weighted equally; candidates "
        "from bench/trec_rank_features.py (find's 200, unjudged = 0)",
        "models": {n: {"topics": t} for n, t in topics.items()},
    }
    MODEL_INFO.write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_CSV} and {MODEL_INFO}")


if __name__ == "__main__":
    raise SystemExit(main())
