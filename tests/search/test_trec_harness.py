"""The TREC evaluation harness on a tiny corpus: 8 judged trials, 3 topics (one with no
judged trial in the corpus), a qrels row for a trial the corpus lacks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from trialscout.cli.main import app
from trialscout.registry.ingest import ingest_paths
from trialscout.search.trec import (
    TrecError,
    bm25_run,
    evaluate_runs,
    load_qrels,
    load_queries,
    run_trec,
)
from trialscout.store import Store

TINY = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "trec_tiny"


def test_loaders_read_the_fixture() -> None:
    q = load_queries(TINY / "queries.jsonl")
    r = load_qrels(TINY / "qrels.tsv")
    assert list(q) == ["trec-20211", "trec-202120", "trec-20213"]
    assert r["trec-20211"]["NCT00002814"] == 2
    assert r["trec-202120"]["NCT00497575"] == 0


def test_loader_errors_name_file_and_line(tmp_path: Path) -> None:
    bad_q = tmp_path / "q.jsonl"
    bad_q.write_text('{"_id": "a", "text": "x"}\n{"text": "no id"}\n')
    with pytest.raises(TrecError, match=r"q\.jsonl:2"):
        load_queries(bad_q)
    bad_r = tmp_path / "r.tsv"
    bad_r.write_text("query-id\tcorpus-id\tscore\na\tNCT1\ttwo\n")
    with pytest.raises(TrecError, match=r"r\.tsv:2: score must be an integer"):
        load_qrels(bad_r)
    with pytest.raises(TrecError, match="cannot read"):
        load_qrels(tmp_path / "missing.tsv")


def test_metrics_match_hand_computed_values() -> None:
    qrels = {"t": {"a": 2, "b": 1, "c": 0}}
    perfect = evaluate_runs(qrels, {"t": {"a": 3.0, "b": 2.0, "c": 1.0}})["t"]
    assert perfect == {"ndcg@10": pytest.approx(1.0), "p@10": 0.1, "rr": 1.0}
    worst = evaluate_runs(qrels, {"t": {"c": 3.0, "b": 2.0, "a": 1.0}})["t"]
    # trec_eval gains are the grades: DCG = 1/log2(3) + 2/log2(4); IDCG = 2 + 1/log2(3).
    assert worst["ndcg@10"] == pytest.approx((0.63093 + 1.0) / (2 + 0.63093), abs=1e-4)
    assert worst["rr"] == pytest.approx(1 / 3)  # only grade 2 is relevant for RR
    assert evaluate_runs(qrels, {})["t"] == {"ndcg@10": 0.0, "p@10": 0.0, "rr": 0.0}


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with Store.open(tmp_path_factory.mktemp("trec") / "s.db") as store:
        ingest_paths([TINY / "trials"], store, progress=False)
        yield store


def test_bm25_baseline_ranks_the_matching_trials(tiny_store: Store) -> None:
    ranked = bm25_run(tiny_store, "anaplastic astrocytoma temozolomide")
    assert ranked
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True)


def test_run_trec_restricts_judgments_to_the_corpus(tiny_store: Store) -> None:
    report = run_trec(
        tiny_store,
        load_queries(TINY / "queries.jsonl"),
        load_qrels(TINY / "qrels.tsv"),
        as_of=dt.date(2021, 6, 1),
    )
    assert report.topics == 2 and report.topics_skipped == 1
    assert report.corpus_trials == 8
    assert report.judged_in_corpus == 8  # NCT99999991/2 are not in the corpus
    assert set(report.per_topic) == {"trec-20211", "trec-202120"}
    for system in (report.trialscout, report.bm25):
        assert set(system) == {"ndcg@10", "p@10", "rr"}
        assert all(0.0 <= v <= 1.0 for v in system.values())
    # Every judged trial is in the corpus and only 8 exist, so a perfect NDCG is reachable and
    # BM25, ranking all of them, gets a positive score.
    assert report.bm25["ndcg@10"] > 0
    for m, v in report.ratio.items():
        assert v == pytest.approx(report.trialscout[m] / report.bm25[m], abs=1e-3)


def _eval_trec(corpus: Path, *extra: str) -> Result:
    """Run `trialscout eval trec` on the tiny topics and judgments with `corpus`."""
    args = ["eval", "trec", "--queries", str(TINY / "queries.jsonl")]
    args += ["--qrels", str(TINY / "qrels.tsv"), "--corpus", str(corpus), *extra]
    return CliRunner().invoke(app, args)


def test_cli_eval_trec_json(tmp_path: Path) -> None:
    out = _eval_trec(
        TINY / "trials",
        *("--format", "json", "--limit-topics", "1", "--as-of", "2021-06-01"),
        *("--out", str(tmp_path / "r.json")),
    )
    assert out.exit_code == 0, out.output
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["topics"] == 1
    for key in ("trialscout", "bm25", "ratio"):
        assert set(doc[key]) == {"ndcg@10", "p@10", "rr"}


def test_cli_eval_trec_missing_corpus(tmp_path: Path) -> None:
    out = _eval_trec(tmp_path / "nope.zip")
    assert out.exit_code == 2
    assert "nope.zip" in out.output


def test_cli_eval_trec_dense_without_its_packages_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--dense` is optional: without its packages the run stops before ingesting anything."""
    from trialscout.search import dense

    monkeypatch.setattr(dense, "available", lambda: False)
    out = _eval_trec(TINY / "trials", "--db", str(tmp_path / "s.db"), "--dense")
    assert out.exit_code == 2
    assert "--dense" in out.output and "sentence-transformers" in out.output
    assert not (tmp_path / "s.db").exists()


def test_cli_eval_trec_learned_runs_with_a_model_that_never_saw_the_topics(
    tmp_path: Path,
) -> None:
    out = _eval_trec(
        TINY / "trials",
        *("--format", "json", "--learned", "--as-of", "2021-06-01"),
        *("--out", str(tmp_path / "r.json")),
    )
    assert out.exit_code == 0, out.output
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["topics"] >= 1 and 0.0 <= doc["trialscout"]["ndcg@10"] <= 1.0
