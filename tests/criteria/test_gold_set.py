"""The gold set itself: every file loads, atoms are typed, texts are verbatim, types covered."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from trialscout.criteria.atoms import ATOM_TYPES
from trialscout.criteria.evaluate import GoldError, load_gold, load_gold_file

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "criteria_gold"
FILES = sorted(GOLD.glob("*.json"))
SEEDS = {"NCT07332247", "NCT07062484", "NCT07188584"}
# Atom types that never occur in the gold texts (none at present).
NEVER_OCCUR: set[str] = set()


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_gold_file_loads_and_is_verbatim(path: Path) -> None:
    trial = load_gold_file(path)
    assert trial.nct_id == path.stem
    assert trial.criteria, "a gold trial has criteria"
    ids = [c.id for c in trial.criteria]
    assert len(ids) == len(set(ids))
    for c in trial.criteria:
        assert c.text in trial.source_text
        assert trial.source_text[c.span[0] : c.span[1]] == c.text
        assert c.text == c.text.strip()
        assert c.heading or c.atoms, f"{c.id} has no atoms"
        for a in c.atoms:
            assert a["type"] in ATOM_TYPES


def test_gold_set_size_and_seeds() -> None:
    trials = load_gold(GOLD)
    assert {t.nct_id for t in trials} >= SEEDS
    assert len(trials) >= 49
    n = sum(1 for t in trials for c in t.criteria if not c.heading)
    assert n >= 895


def test_gold_covers_every_atom_type() -> None:
    counts: Counter[str] = Counter(
        a["type"] for t in load_gold(GOLD) for c in t.criteria for a in c.atoms
    )
    missing = set(ATOM_TYPES) - set(counts) - NEVER_OCCUR
    assert not missing, f"atom types without a gold example: {sorted(missing)}"


def test_broken_gold_file_names_file_and_field(tmp_path: Path) -> None:
    data = json.loads(FILES[0].read_text())
    first = next(c for c in data["criteria"] if not c["heading"])
    first["atoms"] = [{"type": "no_such_atom"}]
    bad = tmp_path / "NCT99999999.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(GoldError, match=r"NCT99999999\.json.*atoms\[0\]"):
        load_gold_file(bad)
    (tmp_path / "NCT99999998.json").write_text("{not json")
    with pytest.raises(GoldError, match=r"NCT99999998\.json"):
        load_gold(tmp_path)
