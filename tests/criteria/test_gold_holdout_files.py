"""The held-out criteria gold set loads and keeps its spans verbatim (docs/criteria-gold.md)."""

from __future__ import annotations

import json
from pathlib import Path

from trialscout.criteria.evaluate import load_gold

HOLDOUT = Path(__file__).resolve().parents[1] / "fixtures" / "criteria_gold_holdout"
DEV = Path(__file__).resolve().parents[1] / "fixtures" / "criteria_gold"


def test_holdout_loads_with_the_gold_loader() -> None:
    trials = load_gold(HOLDOUT)
    assert len(trials) == 10


def test_holdout_spans_are_verbatim_and_disjoint_from_dev_set() -> None:
    dev_ids = {p.stem for p in DEV.glob("NCT*.json")}
    for path in sorted(HOLDOUT.glob("NCT*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["nct_id"] == path.stem
        assert path.stem not in dev_ids
        assert "parser not run" in data["annotator"]
        text = data["source_text"]
        for crit in data["criteria"]:
            start, end = crit["span"]
            assert text[start:end] == crit["text"], (path.stem, crit["id"])
            has_unparsed = any(a["type"] == "unparsed" for a in crit["atoms"])
            if crit["heading"]:
                assert crit["atoms"] == []
            else:
                assert crit["fully_parseable"] is (not has_unparsed), (path.stem, crit["id"])
