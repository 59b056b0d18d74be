"""The hand-annotated biomarker gold set and `trialscout eval biomarkers`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from trialscout.cli.main import app
from trialscout.criteria.biomarker_eval import evaluate_biomarkers

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "biomarker_gold"


def test_gold_set_size_and_shape() -> None:
    rows = [json.loads(x) for x in (GOLD / "criteria.jsonl").read_text().splitlines() if x]
    assert len(rows) >= 30
    assert len({r["id"] for r in rows}) == len(rows)
    markers = {a["marker"] for r in rows for a in r["atoms"]}
    assert {"PD-L1", "HER2", "EGFR", "ALK", "KRAS", "BRAF", "MSI", "HPV", "p16"} <= markers


def test_eval_reports_f1_and_matching_accuracy() -> None:
    r = evaluate_biomarkers(GOLD)
    assert r["errors"] == []
    assert r["criteria"] >= 30 and r["matching"]["cases"] >= 30
    assert r["atoms"]["f1"] >= 0.9
    assert r["matching"]["accuracy"] >= 0.9


def test_bad_gold_record_is_reported_not_fatal(tmp_path: Path) -> None:
    for n in ("criteria.jsonl", "patients.json", "cases.jsonl"):
        shutil.copy(GOLD / n, tmp_path / n)
    with (tmp_path / "criteria.jsonl").open("a") as fh:
        fh.write('{"id": "broken"}\n')
    r = evaluate_biomarkers(tmp_path)
    assert any("criteria.jsonl line" in e for e in r["errors"])
    assert r["criteria"] >= 30


def test_cli_eval_biomarkers_json() -> None:
    res = CliRunner().invoke(app, ["eval", "biomarkers", "--gold", str(GOLD), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data["atoms"]) >= {"precision", "recall", "f1"}
    assert "accuracy" in data["matching"]


def test_cli_eval_biomarkers_missing_folder(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["eval", "biomarkers", "--gold", str(tmp_path)])
    assert res.exit_code == 2
