"""`find_trials` and `trialscout find` on a real store: three NPC seed trials among eight
unrelated TREC-judged trials."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialscout.cli.main import app
from trialscout.patient.loader import load_profile
from trialscout.registry.ingest import ingest_paths
from trialscout.search.find import find_trials
from trialscout.store import Store

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "src" / "trialscout" / "demo" / "seeds"
TINY = ROOT / "tests" / "fixtures" / "trec_tiny"
NPC_PROFILE = ROOT / "tests" / "fixtures" / "match" / "recurrent_npc_after_gp_pd1.json"
NPC_NOTE = ROOT / "tests" / "fixtures" / "patient" / "notes" / "npc_note.txt"
NPC_IDS = {"NCT07062484", "NCT07188584", "NCT07332247"}
ORDER = {"eligible": 2, "possibly_eligible": 1, "ineligible": 0}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("find") / "store.db"
    with Store.open(path) as store:
        summary = ingest_paths([SEEDS, TINY / "trials"], store, progress=False)
        assert summary.failed == 0
    return path


@pytest.fixture(scope="module")
def store(store_path: Path):  # type: ignore[no-untyped-def]
    with Store.open(store_path) as s:
        yield s


def _npc():  # type: ignore[no-untyped-def]
    return load_profile(NPC_PROFILE).profile


def test_npc_trials_rank_above_unrelated_ones(store: Store) -> None:
    res = find_trials(store, _npc(), show_ineligible=True)
    ids = [r.match.nct_id for r in res.results]
    assert ids, "nothing found"
    npc_positions = [i for i, n in enumerate(ids) if n in NPC_IDS]
    # Every NPC trial that was retrieved comes before any unrelated trial of the same tier.
    for r in res.results:
        if r.match.nct_id not in NPC_IDS:
            same_tier_npc = [
                x
                for x in res.results
                if x.match.nct_id in NPC_IDS and x.match.verdict == r.match.verdict
            ]
            assert all(x.rank < r.rank for x in same_tier_npc)
    assert npc_positions, "no NPC trial retrieved"
    assert "nasopharyngeal carcinoma" in res.query.concepts


def test_results_are_tiered_and_explained(store: Store) -> None:
    res = find_trials(store, _npc(), show_ineligible=True)
    tiers = [ORDER[r.match.verdict] for r in res.results]
    assert tiers == sorted(tiers, reverse=True)
    assert [r.rank for r in res.results] == list(range(1, len(res.results) + 1))
    for r in res.results:
        assert r.retrieval_score > 0
        assert "text match #" in r.rank_reason
        word = r.match.verdict.replace("_", " ")
        assert r.rank_reason.startswith(word)
        if r.match.verdict == "ineligible":
            assert "ruled out by" in r.rank_reason


def test_ineligible_hidden_unless_asked(store: Store) -> None:
    shown = find_trials(store, _npc(), show_ineligible=True)
    hidden = find_trials(store, _npc())
    n_inel = sum(1 for r in shown.results if r.match.verdict == "ineligible")
    assert all(r.match.verdict != "ineligible" for r in hidden.results)
    assert hidden.hidden_ineligible == n_inel
    assert len(hidden.results) == len(shown.results) - n_inel


def test_status_and_top_limit(store: Store) -> None:
    res = find_trials(store, _npc(), statuses=["recruiting"], show_ineligible=True)
    assert res.results
    assert {r.match.nct_id for r in res.results} <= {"NCT07188584", "NCT07332247"}
    one = find_trials(store, _npc(), show_ineligible=True, top=1)
    assert len(one.results) == 1


def test_age_prefilter_drops_adult_only_trials(store: Store) -> None:
    child = _npc().model_copy(update={"birth_date": dt.date(2018, 1, 1)})
    res = find_trials(store, child, show_ineligible=True)
    # The seeds take adults only (18+); a child's query never reaches them.
    assert not {r.match.nct_id for r in res.results} & {"NCT07062484", "NCT07332247"}


def test_radius_keeps_only_nearby_recruiting_sites(store: Store) -> None:
    guangzhou = (23.13, 113.26)
    res = find_trials(store, _npc(), near=guangzhou, radius_km=100, show_ineligible=True)
    assert [r.match.nct_id for r in res.results] == ["NCT07332247"]
    assert res.results[0].distance_km is not None and res.results[0].distance_km < 100


def test_cli_json_has_match_shape_plus_rank(store_path: Path) -> None:
    out = CliRunner().invoke(
        app,
        [
            "find",
            str(NPC_PROFILE),
            "--db",
            str(store_path),
            "--format",
            "json",
            "--show-ineligible",
        ],
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["patient"] == "M-001"
    assert doc["results"]
    for r in doc["results"]:
        assert {"nct_id", "title", "verdict", "score", "criteria", "missing"} <= set(r)
        assert {"rank", "rank_reason", "retrieval_score"} <= set(r)


def test_cli_note_needs_no_profile(store_path: Path) -> None:
    out = CliRunner().invoke(
        app,
        [
            "find",
            str(NPC_NOTE),
            "--db",
            str(store_path),
            "--as-of",
            "2026-06-01",
            "--format",
            "json",
            "--show-ineligible",
        ],
    )
    assert out.exit_code == 0, out.output
    results = json.loads(out.stdout)["results"]
    best_text = min(results, key=lambda r: r["retrieval_rank"])
    assert best_text["nct_id"] in NPC_IDS
    for r in results:
        if r["nct_id"] not in NPC_IDS:
            # An unrelated trial can only be a weak text match for an NPC note.
            assert "weak" in r["rank_reason"], r["rank_reason"]


def test_cli_errors_are_clear(store_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["find", str(NPC_PROFILE), "--db", str(store_path), "--status", "x"])
    assert bad.exit_code == 2 and "unknown status" in bad.output
    nodb = runner.invoke(app, ["find", str(NPC_PROFILE), "--db", str(tmp_path / "none.db")])
    assert nodb.exit_code == 1 and "no store" in nodb.output
    radius = runner.invoke(
        app, ["find", str(NPC_PROFILE), "--db", str(store_path), "--radius", "50"]
    )
    assert radius.exit_code == 2 and "--near" in radius.output
