"""`trialscout show` end to end: real parsed records in a real SQLite store, run through Typer."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialscout.cli.main import app
from trialscout.registry.json_reader import trial_from_api_v2
from trialscout.registry.model import Trial
from trialscout.registry.render import RESULTS_PENDING, SECTIONS
from trialscout.registry.sources import RawRecord
from trialscout.registry.xml_reader import trial_from_xml
from trialscout.store import Store

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "src" / "trialscout" / "demo" / "seeds"
DEMO_ZIP = ROOT / "src" / "trialscout" / "demo" / "ctgov-sample.zip"
MANY_SITES = "NCT00005088"  # head and neck, 258 sites, references and MeSH terms


def _run(*args: str, width: int = 80) -> tuple[int, str, str]:
    runner = CliRunner()
    res = runner.invoke(app, list(args), env={"COLUMNS": str(width), "NO_COLOR": "1"})
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def store_db(db_path: Path) -> Path:
    """A store holding the three seeds (API v2 JSON) and one many-site XML record."""
    items: list[tuple[Trial, RawRecord]] = []
    for f in sorted(SEEDS.glob("*.json")):
        payload = f.read_bytes()
        items.append(
            (
                trial_from_api_v2(json.loads(payload), str(f)),
                RawRecord(str(f), "ctgov-json-v2", payload),
            )
        )
    with zipfile.ZipFile(DEMO_ZIP) as zf:
        name = f"{MANY_SITES[:7]}xxxx/{MANY_SITES}.xml"
        payload = zf.read(name)
    src = f"{DEMO_ZIP.name}:{name}"
    items.append((trial_from_xml(payload, src), RawRecord(src, "ctgov-xml", payload)))
    with Store.open(str(db_path)) as store:
        store.upsert_batch(items)
    return db_path


def test_show_prints_every_section_and_the_key_facts(store_db: Path) -> None:
    code, out, _ = _run("show", "NCT07332247", "--db", str(store_db))
    assert code == 0
    for heading in SECTIONS:
        assert heading in out, heading
    # In the seed page's order.
    positions = [out.index(h) for h in SECTIONS]
    assert positions == sorted(positions)
    for fact in (
        "NCT07332247",
        "Last Updated: 2026-02-04",
        RESULTS_PENDING,
        "RECRUITING",
        "PHASE2",
        "94 participants",
        "INTERVENTIONAL",
        "2026-02-03",
        "2035-02-03",
        "Nasopharangeal Cancer",
        "RANDOMIZED",
        "Selective re-irradiation group",
        "Immediate re-irradiation group",
        "RADIATION",
        "Inclusion Criteria",
        "Exclusion Criteria",
        "ANC ≥ 1.5 × 10⁹/L",
        "18 Years",
        "70 Years",
        "Sun Yat-sen University (OTHER)",
        "Hai-Qiang Mai,MD,PhD",
        "PRINCIPAL_INVESTIGATOR",
        "Guangzhou, Guangdong, China",
        "+86-020-87343643",
        "00862087343643",
        "2025-FXY-205",
    ):
        assert fact in out, fact
    assert "Sun Yat-sen University" in out and "Cancer Center" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_show_json_round_trips_into_trial(store_db: Path) -> None:
    code, out, _ = _run("show", "nct07332247", "--db", str(store_db), "--json")
    assert code == 0
    parsed = Trial.model_validate(json.loads(out))
    with Store.open(str(store_db)) as store:
        assert parsed == store.get_trial("NCT07332247")
    assert parsed.enrollment is not None and parsed.enrollment.count == 94


def test_show_unknown_trial_exits_1_with_a_message(store_db: Path) -> None:
    code, out, err = _run("show", "NCT99999999", "--db", str(store_db))
    assert code == 1
    assert "NCT99999999" in err and "not in the store" in err
    assert out == ""


def test_show_rejects_a_malformed_id(store_db: Path) -> None:
    code, _, err = _run("show", "NCT123", "--db", str(store_db))
    assert code == 2
    assert "not an NCT ID" in err


def test_show_missing_store_says_so_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "nope" / "store.db"
    code, _, err = _run("show", "NCT07332247", "--db", str(db))
    assert code == 1
    assert "no store at" in err
    assert not db.exists() and not db.parent.exists()


def test_show_many_sites_lists_them_all(store_db: Path) -> None:
    with Store.open(str(store_db)) as store:
        trial = store.get_trial(MANY_SITES)
    assert trial is not None and len(trial.locations) > 200
    code, out, _ = _run("show", MANY_SITES, "--db", str(store_db), width=200)
    assert code == 0
    assert f"{len(trial.locations)} sites" in out
    for loc in trial.locations:
        assert loc.facility is not None and loc.facility in out, loc.facility
    code80, out80, _ = _run("show", MANY_SITES, "--db", str(store_db), width=80)
    assert code80 == 0
    assert max(len(line) for line in out80.splitlines()) <= 80
    # Compact: about one line per site, not a block each.
    locations_block = out80.split("Locations")[1].split("Countries")[0]
    assert len(locations_block.splitlines()) < 3 * len(trial.locations)


def test_show_sparse_seed_does_not_crash(store_db: Path) -> None:
    code, out, _ = _run("show", "NCT07188584", "--db", str(store_db))
    assert code == 0
    assert "PHASE3" in out and "70 Years" in out
    assert "not provided" in out  # no sponsor, sites, contacts on that page
