"""The learned relevance model of `find` (search.learned): its stored table, held-out choice,
scoring, the per-field FTS5 signals, and `find` / `eval trec` with it (docs/find.md)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from trialscout.patient.loader import load_note
from trialscout.registry.ingest import ingest_paths
from trialscout.search.find import find_trials
from trialscout.search.learned import (
    MODEL_CSV,
    RankModel,
    _fts_fields,
    features,
    held_out_model,
    model_info,
    models,
    read_models,
    to_fts5_text,
    topic_maxima,
)
from trialscout.search.trec import TrecError, load_qrels, load_queries, run_trec
from trialscout.store import Store
from trialscout.store.search_index import FIELDS

TINY = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "trec_tiny"
NOTE = (
    "Patient is a 45-year-old man with a history of anaplastic astrocytoma of the spine "
    "complicated by severe lower extremity weakness and urinary retention."
)


# ---------------------------------------------------------------------- the stored table


def test_stored_models_are_complete_and_say_how_they_were_trained() -> None:
    ms = models()
    info = model_info()
    assert {"trec2021", "sigir2016", "all"} <= set(ms)
    feats = {name: set(m.weights) for name, m in ms.items()}
    assert len({frozenset(f) for f in feats.values()}) == 1  # one feature set for every model
    for m in ms.values():
        for w, _mu, sd in m.weights.values():
            assert math.isfinite(w) and sd > 0
    topics = {n: set(v["topics"]) for n, v in info["models"].items()}
    assert topics["trec2021"] and topics["sigir2016"]
    assert not topics["trec2021"] & topics["sigir2016"]
    assert topics["all"] == topics["trec2021"] | topics["sigir2016"]
    assert info["script"] == "bench/fit_rank_model.py"


def test_held_out_model_never_saw_the_topics_it_is_measured_on() -> None:
    trec = sorted(model_info()["models"]["trec2021"]["topics"])
    sigir = sorted(model_info()["models"]["sigir2016"]["topics"])
    on_trec = held_out_model(trec[:5])
    on_sigir = held_out_model(sigir[:5])
    assert on_trec is not None and on_trec.name == "sigir2016"
    assert on_sigir is not None and on_sigir.name == "trec2021"
    assert held_out_model([trec[0], sigir[0]]) is None
    # A topic no model was trained on: any model is held out.
    assert held_out_model(["no-such-topic"]) is not None


def test_read_models_reads_comments_bias_and_weights(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text(
        "# a comment\nmodel,feature,weight,mean,sd\nm,(bias),-2.0,0,1\n"
        "m,bm25,1.0,0.5,0.5\nm,field_short,-0.5,0.1,0.25\n",
        encoding="utf-8",
    )
    m = read_models(p)["m"]
    assert m.bias == -2.0
    assert m.weights == {"bm25": (1.0, 0.5, 0.5), "field_short": (-0.5, 0.1, 0.25)}
    assert MODEL_CSV.exists()


def test_relevance_is_linear_relative_to_the_best_and_clipped() -> None:
    m = RankModel("t", -3.0, {"a": (1.0, 0.5, 0.5), "b": (-1.0, 0.0, 1.0)})
    # score = a / 0.5 - b; the bias and means do not enter.
    assert m.score({"a": 0.5, "b": 0.5}) == pytest.approx(0.5)
    rel = m.relevance([{"a": 1.0, "b": 0.0}, {"a": 0.5, "b": 0.0}, {"a": 0.0, "b": 1.0}])
    assert rel == pytest.approx([1.0, 0.5, 0.0])
    assert m.relevance([{"a": 0.0, "b": 0.0}]) == [0.0]
    assert m.relevance([]) == []


def _row(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "nct_id": "NCT00000001",
        "bm25": 10.0,
        "rrank": 1,
        "field_short": 2.0,
        "field_title": 1.0,
        "field_cond": 0.0,
        "field_kw": 0.0,
        "fts_query": [1.0] * len(FIELDS),
        "fts_note": [0.0] * len(FIELDS),
        "concepts": 2,
        "concepts_in_cond": 1,
        "concepts_in_short": 2,
        "cancer": True,
        "cancer_in_cond": False,
        "verdict": "possibly_eligible",
        "match_score": 0.5,
        "confident": False,
        "counts": {
            "met": 2,
            "not_met": 0,
            "unknown": 2,
            "applies": 0,
            "does_not_apply": 0,
            "review": 0,
        },
        "status": "RECRUITING",
        "phases": "PHASE2",
        "study_type": "INTERVENTIONAL",
        "enrollment": 100,
    }
    base.update(kw)
    return base


def test_features_are_relative_to_the_topic_best() -> None:
    rows = [_row(), _row(nct_id="NCT00000002", bm25=5.0, field_short=0.0, rrank=2)]
    top = topic_maxima(rows)
    f1, f2 = (features(r, top) for r in rows)
    assert f1["bm25"] == 1.0 and f2["bm25"] == 0.5
    assert f1["field_short"] == 1.0 and f2["field_short"] == 0.0
    assert f1["field_cond"] == 0.0  # no candidate scores: 0, not a division by zero
    assert f1["concepts_in_cond"] == 0.5 and f1["cancer_not_in_cond"] == 1.0
    assert f1["met_share"] == 0.5 and f1["unknown_share"] == 0.5
    assert all(0.0 <= v <= 1.0 for v in f1.values())


# ------------------------------------------------------------------ on a real store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("learned") / "store.db"
    with Store.open(path) as s:
        assert ingest_paths([TINY / "trials"], s, progress=False).failed == 0
        yield s


def test_fts_fields_for_the_candidates_equal_the_index_scores(store: Store) -> None:
    """Per-field BM25 read for the candidates alone (rowid IN) equals FTS5's score of the
    same rows over every match (it does not depend on which rows are asked for); every
    matching trial scores in some field and no field scores below zero; a trial that does
    not match gets nothing. (FTS5's term-frequency saturation is over the weighted sum of
    the fields, so the per-field scores do not add up to the unweighted one.)"""
    q = to_fts5_text(NOTE)
    with store.engine.connect() as conn:
        ids = [r[0] for r in conn.exec_driver_sql("SELECT nct_id FROM trials ORDER BY nct_id")]
        some = _fts_fields(conn, q, ids[:3])
        every = _fts_fields(conn, q, ids)
        total = {
            r[0]: -float(r[1])
            for r in conn.exec_driver_sql(
                "SELECT t.nct_id, bm25(trials_fts) FROM trials_fts "
                "JOIN trials t ON t.doc_id = trials_fts.rowid WHERE trials_fts MATCH ?",
                (q,),
            )
        }
    assert some and all(every[k] == v for k, v in some.items())
    for k, v in every.items():
        assert min(v) >= 0.0 and max(v) > 0.0 and total[k] > 0.0
    assert set(every) == set(total) & set(ids)


def test_find_with_the_learned_model_keeps_the_verdict_order(store: Store) -> None:
    profile = load_note(NOTE, source="<t>", as_of=dt.date(2026, 1, 1)).profile
    model = models()["all"]
    plain = find_trials(store, profile, top=50, show_ineligible=True)
    learned = find_trials(store, profile, top=50, show_ineligible=True, relevance_model=model)
    assert {r.match.nct_id for r in learned.results} == {r.match.nct_id for r in plain.results}
    bad = [r.match.verdict == "ineligible" for r in learned.results]
    # Ineligible trials stay after every other trial.
    assert bad == sorted(bad)
    assert all(0.0 <= r.rank_score <= 1.0 for r in learned.results)
    assert learned.model_dump().keys() == plain.model_dump().keys()


def test_eval_trec_with_the_learned_model_uses_a_held_out_model(store: Store) -> None:
    q, r = load_queries(TINY / "queries.jsonl"), load_qrels(TINY / "qrels.tsv")
    report = run_trec(store, q, r, as_of=dt.date(2026, 1, 1), learned=True)
    # The tiny collection's topics are TREC 2021 topics: the SIGIR 2016 model ranks them.
    assert report.relevance_model == "sigir2016"
    assert 0.0 <= report.trialscout["ndcg@10"] <= 1.0
    plain = run_trec(store, q, r, as_of=dt.date(2026, 1, 1))
    assert plain.relevance_model is None


def test_eval_trec_refuses_when_every_model_saw_the_topics(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trialscout.search.trec as trec

    monkeypatch.setattr(trec, "held_out_model", lambda ids: None)
    q, r = load_queries(TINY / "queries.jsonl"), load_qrels(TINY / "qrels.tsv")
    with pytest.raises(TrecError, match="trained on these topics"):
        run_trec(store, q, r, as_of=dt.date(2026, 1, 1), learned=True)


# ------------------------------------------------------------------------ the fit script


def _fit_module():  # type: ignore[no-untyped-def]
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location(
        "fit_rank_model", root / "bench/fit_rank_model.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _topic(qid: str, n: int, relevant: set[int]) -> dict[str, object]:
    """A synthetic topic: candidate i has BM25 n - i; the relevant ones also match in their
    short fields (so field_short, not BM25, tells them apart)."""
    rows = [
        _row(
            nct_id=f"NCT{qid}{i:04d}",
            bm25=float(n - i),
            rrank=i + 1,
            field_short=5.0 if i in relevant else 0.5,
            grade=2 if i in relevant else 0,
        )
        for i in range(n)
    ]
    judged = {r["nct_id"]: r["grade"] for r in rows if r["grade"]}
    return {"_id": qid, "judged": judged, "candidates": rows}


def test_fit_is_deterministic_and_learns_the_signal_that_separates() -> None:
    fr = _fit_module()
    topics = {f"{q}": _topic(f"{q}", 30, {5 + q % 3, 12, 20 + q % 5}) for q in range(8)}
    c = fr.Coll(topics)
    a = fr.train(c, ["bm25", "field_short"], 1.0)
    b = fr.train(c, ["bm25", "field_short"], 1.0)
    assert a[1].tolist() == b[1].tolist() and a[4] == b[4]
    w = dict(zip(a[0], a[1].tolist(), strict=True))
    assert w["field_short"] > 0 and w["field_short"] > abs(w["bm25"])
    # Ranked by the fitted relevance, every topic's relevant trials lead: NDCG@10 = 1.
    per = fr.score(c, a)
    assert all(v["ndcg@10"] == pytest.approx(1.0) for v in per.values())
    # The default (0.7 BM25 + 0.3 short-field) does not separate them as well.
    default = fr.mean(
        fr.evaluate(topics, lambda t: fr.tiered(t["candidates"], fr.default_rel(t["candidates"])))
    )
    assert default["ndcg@10"] < 1.0
