"""`eval criterion-labels` on a few rows of the TrialGPT criterion annotations."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trialscout.match.labels_eval import STATUS_TO_LABEL, evaluate_labels


def test_status_mapping_covers_every_status() -> None:
    assert STATUS_TO_LABEL["met"] == "included"
    assert STATUS_TO_LABEL["applies"] == "excluded"
    assert STATUS_TO_LABEL["review"] == STATUS_TO_LABEL["unknown"] == "not enough information"


def test_labels_report_counts_rows_and_bad_lines(fixtures: Path) -> None:
    rep = evaluate_labels(fixtures / "match" / "criterion-annotations-sample.jsonl")
    assert rep.rows == 4
    assert rep.scored == 3
    assert rep.failed == 1 and "not JSON" in rep.errors[0]
    assert sum(sum(r.values()) for r in rep.confusion.values()) == 3
    assert 0.0 <= rep.accuracy <= 1.0
    assert rep.majority_accuracy >= 0.33


def test_cli_json(fixtures: Path) -> None:
    from trialscout.cli.main import app

    res = CliRunner().invoke(
        app,
        [
            "eval",
            "criterion-labels",
            str(fixtures / "match" / "criterion-annotations-sample.jsonl"),
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["scored"] == 3 and "confusion" in out


def test_full_dev_set_runs(shared_data: Path) -> None:
    rep = evaluate_labels(shared_data / "benchmarks" / "criterion-annotations-dev.jsonl")
    assert rep.scored == 881 and rep.failed == 0
    assert abs(rep.majority_accuracy - 0.47) < 0.005
