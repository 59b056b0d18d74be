"""`trialscout batch` on a local Dask cluster (threads, 2 workers): the same JSON as looping
`match_trial` in one process, and one broken patient file reported by name."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialscout.cli.main import app
from trialscout.cli.match_cmd import match_json
from trialscout.criteria.cache import get_or_parse
from trialscout.match import match_trial
from trialscout.match.batch import (
    SUMMARY_FILE,
    dask_client,
    patient_tasks,
    run_batch,
    run_dask,
    run_local,
    select_trials,
)
from trialscout.match.screen import iter_patients
from trialscout.patient.loader import load_profile
from trialscout.registry.json_reader import trial_from_api_v2
from trialscout.registry.model import OverallStatus
from trialscout.registry.sources import RawRecord
from trialscout.store import Store

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "src" / "trialscout" / "demo" / "seeds"
PROFILES = [
    "recurrent_npc_after_gp_pd1.json",
    "no_labs.json",
    "metastatic_keratinizing_female.json",
]


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with dask_client(workers=2, processes=False) as client:
        yield client


@pytest.fixture
def store_db(tmp_path: Path) -> Path:
    db = tmp_path / "store.db"
    items = []
    for p in sorted(SEEDS.glob("*.json")):
        body = p.read_bytes()
        items.append(
            (trial_from_api_v2(json.loads(body), p.name), RawRecord(p.name, "ctgov-json-v2", body))
        )
    with Store.open(db) as store:
        store.upsert_batch(items)
    return db


@pytest.fixture
def patients_dir(tmp_path: Path, fixtures: Path) -> Path:
    d = tmp_path / "patients"
    d.mkdir()
    for name in PROFILES:
        shutil.copy(fixtures / "match" / name, d / name)
    shutil.copy(fixtures / "patient" / "fhir" / "npc_bundle.json", d / "npc_bundle.json")
    (d / "broken.json").write_text('{"id": "P-9", "as_of": "2026-01-01", "labs": 3', "utf-8")
    return d


def _reference(store_db: Path, patients_dir: Path, fixtures: Path) -> dict[str, dict[str, object]]:
    """In-process loop over `match_trial` for every patient file and every trial."""
    with Store.open(store_db) as store:
        trials = [(t, get_or_parse(store, t)) for t in store.iter_trials()]
    out = {}
    for path in sorted(patients_dir.glob("*.json")):
        if path.name == "broken.json":
            continue
        profile = load_profile(path).profile
        results = [match_trial(profile, t, parsed) for t, parsed in trials]
        results.sort(key=lambda r: r.rank_key(), reverse=True)
        out[path.stem] = json.loads(json.dumps(match_json(profile.id, results)))
    return out


def test_dask_gives_the_single_process_results(
    cluster: object, store_db: Path, patients_dir: Path, fixtures: Path, tmp_path: Path
) -> None:
    with Store.open(store_db) as store:
        trials = select_trials(store)
    assert len(trials) == 3
    tasks, errors = patient_tasks(iter_patients(patients_dir))
    assert [e.source for e in errors] == [str(patients_dir / "broken.json")]
    local = run_local(tasks, trials)
    distributed = run_dask(cluster, tasks, trials, chunk_size=1)  # type: ignore[arg-type]
    assert [(o.name, o.doc) for o in distributed] == [(o.name, o.doc) for o in local]

    summary = run_batch(patients_dir, trials, tmp_path / "out", client=cluster)  # type: ignore[arg-type]
    ref = _reference(store_db, patients_dir, fixtures)
    written = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "out").glob("*.json")}
    side = written.pop(SUMMARY_FILE.removesuffix(".json"))
    assert written == ref
    assert summary.evaluations == 4 * 3 and summary.workers == 2
    assert len(summary.errors) == 1 and "broken.json" in summary.errors[0]
    assert side["errors"] == summary.errors and len(side["results"]) == 4
    verdicts = {r["verdict"] for doc in ref.values() for r in doc["results"]}  # type: ignore[attr-defined]
    assert len(verdicts) >= 2  # the comparison covers more than one kind of answer


def test_cli_batch_on_a_scheduler_address(
    cluster: object, store_db: Path, patients_dir: Path, fixtures: Path, tmp_path: Path
) -> None:
    address = cluster.scheduler.address  # type: ignore[attr-defined]
    out = tmp_path / "res"
    res = CliRunner().invoke(
        app,
        [
            "batch",
            str(patients_dir),
            "--db",
            str(store_db),
            "--status",
            "recruiting",
            "--out",
            str(out),
            "--scheduler",
            address,
        ],
    )
    assert res.exit_code == 0, res.output
    assert "broken.json" in res.stderr
    with Store.open(store_db) as store:
        recruiting = [
            t.nct_id for t in store.iter_trials() if t.overall_status == OverallStatus.RECRUITING
        ]
    assert recruiting
    doc = json.loads((out / "no_labs.json").read_text())
    assert sorted(r["nct_id"] for r in doc["results"]) == sorted(recruiting)
    ref = _reference(store_db, patients_dir, fixtures)["no_labs"]
    keep = [r for r in ref["results"] if r["nct_id"] in recruiting]  # type: ignore[index,union-attr]
    assert doc == {"patient": ref["patient"], "results": keep}
    assert not (out / "broken.json").exists()


def test_ndjson_names_and_all_broken(tmp_path: Path, cluster: object, fixtures: Path) -> None:
    lines = [(fixtures / "match" / n).read_text().replace("\n", " ") for n in PROFILES[:2]]
    nd = tmp_path / "p.ndjson"
    nd.write_text("\n".join([lines[0], "[1, 2]", lines[1]]) + "\n", encoding="utf-8")
    tasks, errors = patient_tasks(iter_patients(nd))
    assert [t.name for t in tasks] == ["p-line1", "p-line3"]
    assert [e.source for e in errors] == [f"{nd}:2"]
    assert "found list" in errors[0].message or "object" in errors[0].message
