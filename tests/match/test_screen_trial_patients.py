"""`trialscout screen`: one trial against a folder of profiles / FHIR bundles or an NDJSON file."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialscout.cli.main import app
from trialscout.criteria.parser import parse_criteria
from trialscout.match import match_trial
from trialscout.match.screen import PatientInput, PatientInputError, iter_patients, screen_trial
from trialscout.patient.loader import load_profile
from trialscout.registry.json_reader import trial_from_api_v2
from trialscout.registry.model import Trial
from trialscout.registry.sources import RawRecord
from trialscout.store import Store

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "src" / "trialscout" / "demo" / "seeds"
NCT = "NCT07332247"
PROFILES = [
    "recurrent_npc_after_gp_pd1.json",
    "no_labs.json",
    "metastatic_keratinizing_female.json",
]


def _trial() -> Trial:
    path = SEEDS / f"{NCT}.json"
    return trial_from_api_v2(json.loads(path.read_text(encoding="utf-8")), str(path))


@pytest.fixture
def patients_dir(tmp_path: Path, fixtures: Path) -> Path:
    d = tmp_path / "patients"
    d.mkdir()
    for name in PROFILES:
        shutil.copy(fixtures / "match" / name, d / name)
    shutil.copy(fixtures / "patient" / "fhir" / "npc_bundle.json", d / "npc_bundle.json")
    (d / "broken_sex.json").write_text('{"id": "P-bad", "sex": "robot"}', encoding="utf-8")
    (d / "notes.txt").write_text("ignored: not a profile file", encoding="utf-8")
    return d


@pytest.fixture
def ndjson(tmp_path: Path, fixtures: Path) -> Path:
    lines = [json.dumps(json.loads((fixtures / "match" / n).read_text())) for n in PROFILES]
    lines.insert(1, "{not json")
    lines.append(json.dumps({"id": "P-x", "labs": [{"analyte": "hemoglobin", "value": "high"}]}))
    path = tmp_path / "patients.ndjson"
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


def _direct(fixtures: Path) -> dict[str, str]:
    """Verdicts from `match_trial` one patient at a time: what screening must agree with."""
    t = _trial()
    parsed = parse_criteria(t.eligibility.criteria if t.eligibility else None, t.nct_id)
    out = {}
    for name in PROFILES:
        p = load_profile(fixtures / "match" / name).profile
        assert p.id
        out[p.id] = match_trial(p, t, parsed).verdict
    return out


def test_iter_patients_reports_bad_records_by_name(patients_dir: Path, ndjson: Path) -> None:
    items = list(iter_patients(patients_dir))
    ok = [i for i in items if isinstance(i, PatientInput)]
    bad = [i for i in items if isinstance(i, PatientInputError)]
    assert len(ok) == 4 and len(bad) == 1
    assert bad[0].source.endswith("broken_sex.json")
    assert "broken_sex.json" in bad[0].message and "sex" in bad[0].message
    assert {"M-001", "M-002", "M-003"} <= {i.id for i in ok}
    assert any(i.source.endswith("npc_bundle.json") for i in ok)

    lines = list(iter_patients(ndjson))
    errors = [i for i in lines if isinstance(i, PatientInputError)]
    assert [e.source for e in errors] == [f"{ndjson}:2", f"{ndjson}:5"]
    assert "not valid JSON" in errors[0].message
    assert "labs[0]" in errors[1].message
    assert len([i for i in lines if isinstance(i, PatientInput)]) == 3


def test_screen_agrees_with_match_trial(fixtures: Path, patients_dir: Path) -> None:
    t = _trial()
    parsed = parse_criteria(t.eligibility.criteria if t.eligibility else None, t.nct_id)
    report = screen_trial(t, parsed, iter_patients(patients_dir))
    direct = _direct(fixtures)
    got = {p.id: p.verdict for p in report.patients}
    assert {k: got[k] for k in direct} == direct
    assert "ineligible" in direct.values()  # the fixture set is not trivially all one verdict
    for p in report.patients:
        if p.verdict == "ineligible":
            assert p.failed, p.id
            assert all(f.id and f.text for f in p.failed)
        if p.verdict == "possibly_eligible":
            assert p.missing, p.id
        if p.verdict == "eligible":
            assert not p.failed and not p.missing
    order = {"eligible": 0, "possibly_eligible": 1, "ineligible": 2}
    assert [order[p.verdict] for p in report.patients] == sorted(
        order[p.verdict] for p in report.patients
    )
    assert [e.source for e in report.errors] == [str(patients_dir / "broken_sex.json")]


def test_failed_lists_exactly_the_ruling_criteria(fixtures: Path) -> None:
    t = _trial()
    parsed = parse_criteria(t.eligibility.criteria if t.eligibility else None, t.nct_id)
    p = load_profile(fixtures / "match" / "metastatic_keratinizing_female.json").profile
    m = match_trial(p, t, parsed)
    report = screen_trial(t, parsed, [PatientInput("x", "x.json", p)])
    want = [c.id for c in m.criteria if c.counted and c.status in ("not_met", "applies")]
    assert want and [f.id for f in report.patients[0].failed] == want


def test_cli_json_from_store_and_csv(tmp_path: Path, fixtures: Path, patients_dir: Path) -> None:
    db = tmp_path / "store.db"
    body = (SEEDS / f"{NCT}.json").read_bytes()
    with Store.open(db) as store:
        store.upsert_batch([(_trial(), RawRecord("seed", "ctgov-json-v2", body))])
    res = CliRunner().invoke(
        app,
        ["screen", "--trial", NCT.lower(), str(patients_dir), "--db", str(db), "--format", "json"],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["trial"] == NCT
    direct = _direct(fixtures)
    assert {p["id"]: p["verdict"] for p in doc["patients"] if p["id"] in direct} == direct
    for p in doc["patients"]:
        assert set(p) >= {"id", "verdict", "missing", "failed"}
        for f in p["failed"]:
            assert set(f) >= {"id", "text"}
    assert "broken_sex.json" in res.stderr and "sex" in res.stderr
    assert doc["errors"][0]["source"].endswith("broken_sex.json")
    with Store.open(db) as store:
        assert store.get_criteria(NCT) is not None  # parsed once, cached in the store

    res = CliRunner().invoke(
        app, ["screen", "--trial", NCT, str(patients_dir), "--db", str(db), "--format", "csv"]
    )
    assert res.exit_code == 0, res.output
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows[0] == ["patient_id", "verdict", "score", "missing_facts", "failed_criteria"]
    assert len(rows) == 1 + 4
    assert {r[1] for r in rows[1:]} <= {"eligible", "possibly_eligible", "ineligible"}


def test_cli_ndjson_and_unknown_trial(tmp_path: Path, ndjson: Path) -> None:
    nodb = str(tmp_path / "none.db")
    res = CliRunner().invoke(
        app, ["screen", "--trial", NCT, str(ndjson), "--db", nodb, "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)["patients"]) == 3
    assert f"{ndjson}:2" in res.stderr

    res = CliRunner().invoke(app, ["screen", "--trial", "NCT00000000", str(ndjson), "--db", nodb])
    assert res.exit_code == 1
    assert "NCT00000000" in res.stderr
