"""The second blind gold batch loads and keeps its spans verbatim (docs/criteria-gold.md).

Only the file names of the held-out folder are read here (no trial overlaps either set).
"""

from __future__ import annotations

import json
from pathlib import Path

from trialscout.criteria.evaluate import load_gold

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BATCH2 = FIXTURES / "criteria_gold_batch2"
DEV = FIXTURES / "criteria_gold"
HOLDOUT = FIXTURES / "criteria_gold_holdout"


def test_batch2_loads_with_the_gold_loader() -> None:
    trials = load_gold(BATCH2)
    assert len(trials) == 12
    assert len({t.area for t in trials}) == 12  # one trial per disease group


def test_batch2_spans_are_verbatim_and_disjoint_from_other_gold_sets() -> None:
    taken = {p.stem for p in DEV.glob("NCT*.json")} | {p.stem for p in HOLDOUT.glob("NCT*.json")}
    for path in sorted(BATCH2.glob("NCT*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["nct_id"] == path.stem
        assert path.stem not in taken
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
