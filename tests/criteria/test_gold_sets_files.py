"""The blind gold sets (held-out set, batches 2, 3 and 4; docs/criteria-gold.md) load
with the gold loader, keep their spans verbatim and share no trial with an earlier set.
Only structure is checked here: nothing is scored."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from trialscout.criteria.evaluate import load_gold

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ORDER = [
    "criteria_gold",
    "criteria_gold_holdout",
    "criteria_gold_batch2",
    "criteria_gold_batch3",
    "criteria_gold_batch4",
]
# folder -> (trials, distinct areas); batch 3's gynaecological draw is a pancreas trial by
# content (NCT01276548), so it has 13 areas for 14 trials
SIZES = {
    "criteria_gold_holdout": (10, 10),
    "criteria_gold_batch2": (12, 12),
    "criteria_gold_batch3": (14, 13),
    "criteria_gold_batch4": (14, 14),
}
SETS = list(SIZES)


@pytest.mark.parametrize("name", SETS)
def test_loads_with_the_gold_loader(name: str) -> None:
    trials = load_gold(FIXTURES / name)
    assert (len(trials), len({t.area for t in trials})) == SIZES[name]


@pytest.mark.parametrize("name", SETS)
def test_spans_are_verbatim_and_disjoint_from_earlier_sets(name: str) -> None:
    earlier = ORDER[: ORDER.index(name)]
    taken = {p.stem for d in earlier for p in (FIXTURES / d).glob("NCT*.json")}
    files = sorted((FIXTURES / name).glob("NCT*.json"))
    assert files
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["nct_id"] == path.stem
        assert path.stem not in taken
        assert "parser not run" in data["annotator"]
        text = data["source_text"]
        ids = [crit["id"] for crit in data["criteria"]]
        assert len(ids) == len(set(ids)), path.stem
        for crit in data["criteria"]:
            start, end = crit["span"]
            assert text[start:end] == crit["text"], (path.stem, crit["id"])
            has_unparsed = any(a["type"] == "unparsed" for a in crit["atoms"])
            if crit["heading"]:
                assert crit["atoms"] == []
            else:
                assert crit["atoms"], (path.stem, crit["id"])
                assert crit["fully_parseable"] is (not has_unparsed), (path.stem, crit["id"])
        spans = sorted(tuple(c["span"]) for c in data["criteria"])
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start, path.stem
