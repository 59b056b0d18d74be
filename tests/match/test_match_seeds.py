"""End to end: hand-made profiles x the three seed trials, through the real parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialscout.criteria.parser import parse_criteria
from trialscout.match import TrialMatch, match_trial
from trialscout.patient.loader import load_profile
from trialscout.registry.json_reader import trial_from_api_v2

SEEDS = Path(__file__).resolve().parents[2] / "src" / "trialscout" / "demo" / "seeds"


def run(profile_file: Path, nct: str) -> TrialMatch:
    study = json.loads((SEEDS / f"{nct}.json").read_text(encoding="utf-8"))
    trial = trial_from_api_v2(study, nct)
    parsed = parse_criteria(trial.eligibility.criteria if trial.eligibility else None, nct)
    return match_trial(load_profile(profile_file).profile, trial, parsed)


def by_id(m: TrialMatch) -> dict[str, str]:
    return {c.id: c.status for c in m.criteria}


@pytest.fixture
def gp_pd1(fixtures: Path) -> Path:
    return fixtures / "match" / "recurrent_npc_after_gp_pd1.json"


def test_therapy_paradox_is_review_not_a_hard_no(gp_pd1: Path) -> None:
    m = run(gp_pd1, "NCT07332247")
    st = by_id(m)
    assert st["inc-4"] == "met"  # CR/PR after chemo + PD-1
    exc3 = next(c for c in m.criteria if c.id == "exc-3")
    assert exc3.status == "review"
    assert "inc-4" in exc3.conflict_with
    assert "toripalimab" in exc3.reason and "inc-4" in exc3.reason
    assert m.verdict != "ineligible"
    assert "exc-3" in m.needs_review


def test_seed_trial_statuses(gp_pd1: Path) -> None:
    m = run(gp_pd1, "NCT07332247")
    st = by_id(m)
    assert st["inc-1"] == "met"
    assert st["inc-3"] == "met"
    assert st["inc-5"] == "met"
    assert st["exc-7"] == "does_not_apply"  # HBV DNA 120 IU/mL < 171 IU/mL
    assert st["exc-9"] == "does_not_apply"
    assert st["exc-13"] == "not_applicable"  # male vs pregnancy
    assert st["exc-15"] == "review"
    hb = next(c for c in m.criteria if "Hemoglobin 118" in c.reason and c.parent)
    assert "Hemoglobin 118 g/L ≥ 90 g/L" in hb.reason
    assert any("11.8 g/dL (= 118 g/L)" in e for e in hb.evidence)
    assert m.verdict == "possibly_eligible"
    assert 0 < m.score < 1


def test_no_labs_asks_for_hemoglobin(fixtures: Path) -> None:
    m = run(fixtures / "match" / "no_labs.json", "NCT07332247")
    assert m.verdict == "possibly_eligible"
    questions = [x.question for x in m.missing]
    assert "What is the hemoglobin?" in questions
    facts = [x.fact for x in m.missing]
    assert len(facts) == len(set(facts))
    counts = [len(x.criteria) for x in m.missing]
    assert counts == sorted(counts, reverse=True)


def test_metastatic_keratinizing_female(fixtures: Path) -> None:
    p = fixtures / "match" / "metastatic_keratinizing_female.json"
    m = run(p, "NCT07332247")
    st = by_id(m)
    assert st["inc-3"] == "not_met"  # keratinizing
    # female, not pregnant or breastfeeding, but pregnancy plans are not recorded
    assert st["exc-13"] == "unknown"
    assert any("planning a pregnancy" in q.question for q in m.missing)
    assert m.verdict == "ineligible"
    m2 = run(p, "NCT07062484")
    assert by_id(m2)["inc-2"] == "met"  # KPS 70 vs KPS >= 60
    assert by_id(m2)["exc-2"] == "unknown"  # recurrence not recorded
    m3 = run(p, "NCT07188584")
    st3 = by_id(m3)
    assert st3["inc-1"] == "met"  # M1 with 5 lesions: TanyNanyM1
    assert st3["inc-2"] == "unknown"  # KPS 70 vs ECOG 0-1


def test_cli_match_json(gp_pd1: Path, tmp_path: Path) -> None:
    from trialscout.cli.main import app

    res = CliRunner().invoke(
        app,
        [
            "match",
            str(gp_pd1),
            "--trial",
            "NCT07332247",
            "--trial",
            "NCT07062484",
            "--db",
            str(tmp_path / "none.db"),
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["patient"] == "M-001"
    assert [r["nct_id"] for r in out["results"]] == ["NCT07332247", "NCT07062484"]
    r0 = out["results"][0]
    assert {"nct_id", "title", "verdict", "score", "criteria", "missing"} <= set(r0)
    assert {"kind", "text", "status", "reason", "evidence"} <= set(r0["criteria"][0])
    assert out["results"][1]["verdict"] == "ineligible"


def test_cli_match_text(gp_pd1: Path, tmp_path: Path) -> None:
    from trialscout.cli.main import app

    res = CliRunner().invoke(
        app, ["match", str(gp_pd1), "--trial", "NCT07332247", "--db", str(tmp_path / "x.db")]
    )
    assert res.exit_code == 0, res.output
    assert res.output.index("POSSIBLY ELIGIBLE") < res.output.index("Needs clinician review")
    assert "toripalimab" in res.output
