"""Related trials (TF-IDF cosine) and the related-share benchmark on a small built store."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from trialscout.registry.model import Intervention, MeshTerm, Trial
from trialscout.store import Store
from trialscout.web.related import RelatedIndex, related_index

ROOT = Path(__file__).resolve().parents[2]


def _trial(n: int, title: str, conditions: list[str], drugs: list[str]) -> Trial:
    return Trial(
        nct_id=f"NCT{n:08d}",
        brief_title=title,
        conditions=conditions,
        condition_mesh=[MeshTerm(term=c) for c in conditions[:1]],
        interventions=[Intervention(name=d, type="DRUG") for d in drugs],
    )


TRIALS = [
    _trial(
        1,
        "Gemcitabine cisplatin in nasopharyngeal carcinoma",
        ["Nasopharyngeal Carcinoma"],
        ["Gemcitabine", "Cisplatin"],
    ),
    _trial(
        2,
        "Toripalimab for recurrent nasopharyngeal carcinoma",
        ["Nasopharyngeal Carcinoma"],
        ["Toripalimab"],
    ),
    _trial(3, "Re-irradiation of nasopharyngeal cancer", ["Nasopharyngeal Cancer"], ["IMRT"]),
    _trial(
        4,
        "Cetuximab in head and neck squamous cell carcinoma",
        ["Head and Neck Squamous Cell Carcinoma"],
        ["Cetuximab", "Cisplatin"],
    ),
    _trial(5, "Letrozole for breast cancer", ["Breast Cancer"], ["Letrozole"]),
    _trial(6, "Trastuzumab in HER2 breast cancer", ["Breast Cancer"], ["Trastuzumab"]),
    _trial(7, "Osimertinib in lung cancer", ["Non-small Cell Lung Cancer"], ["Osimertinib"]),
]


def test_related_prefers_same_disease() -> None:
    index = RelatedIndex.build(TRIALS)
    top = index.related("NCT00000001", k=2)
    assert {r.nct_id for r in top} == {"NCT00000002", "NCT00000003"}
    assert all(r.nct_id != "NCT00000001" for r in index.related("NCT00000001", k=6))
    breast = index.related("NCT00000005", k=1)
    assert breast[0].nct_id == "NCT00000006"
    assert "breast" in breast[0].shared
    assert index.related("NCT99999999") == []


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("related_share", ROOT / "bench/related_share.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["related_share"] = mod  # dataclasses look their module up by name
    spec.loader.exec_module(mod)
    return mod


def test_related_share_benchmark_on_small_store(tmp_path: Path) -> None:
    bench = _bench()
    report = bench.related_share(TRIALS, k=2)
    assert report.npc_trials == 3
    assert report.related_pairs == 6
    assert report.share == 1.0  # every NPC trial's top 2 are NPC trials
    report4 = bench.related_share(TRIALS, k=4)
    # The 4th neighbour of an NPC trial here is head and neck or not: the share says which.
    assert 0.75 <= report4.share <= 1.0
    assert bench.main(["--db", str(_store(tmp_path))]) == 0


def _store(tmp_path: Path) -> Path:
    from trialscout.registry.sources import RawRecord

    path = tmp_path / "small.db"
    with Store.open(path) as store:
        store.upsert_batch(
            [(t, RawRecord(source="test", format="ctgov-json-v2", payload=b"{}")) for t in TRIALS]
        )
    return path


def test_index_cache_rebuilds_when_store_changes(tmp_path: Path) -> None:
    from trialscout.registry.sources import RawRecord

    with Store.open(_store(tmp_path)) as store:
        first = related_index(store)
        assert related_index(store) is first
        extra = _trial(
            8,
            "Nimotuzumab in nasopharyngeal carcinoma",
            ["Nasopharyngeal Carcinoma"],
            ["Nimotuzumab"],
        )
        store.upsert_batch([(extra, RawRecord(source="t", format="ctgov-json-v2", payload=b"{}"))])
        second = related_index(store)
        assert second is not first and len(second) == 8
