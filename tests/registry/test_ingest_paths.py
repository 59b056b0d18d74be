"""Ingest into a real SQLite store: counts, broken files, resume after a crash, the CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialscout.cli.main import app
from trialscout.registry import ingest as ingest_mod
from trialscout.registry.ingest import CHECKPOINT_PREFIX, ingest_paths
from trialscout.store import Store

GOOD = 6  # 5 classic XML + 1 API v2 JSON in tests/fixtures/ingest


@pytest.fixture
def folder(tmp_path: Path, fixtures: Path) -> Path:
    dest = tmp_path / "records"
    shutil.copytree(fixtures / "ingest", dest)
    return dest


def test_folder_with_broken_file(folder: Path, db_path: Path) -> None:
    (folder / "NCT09999999.xml").write_text("<clinical_study><id_info><nct_id>NCT099")
    seen: list[str] = []
    with Store.open(db_path) as store:
        summary = ingest_paths([folder], store, progress=False, on_error=seen.append)
        assert (summary.stored, summary.unchanged, summary.failed) == (GOOD, 0, 1)
        assert store.count() == GOOD
        assert store.get_trial("NCT00465816") is not None  # the JSON one
        raw = store.get_raw("NCT00006200")
        assert raw is not None and raw.format == "ctgov-xml"
        assert raw.payload == (folder / "NCT00006200.xml").read_bytes()
    assert len(seen) == 1 and "NCT09999999.xml" in seen[0]
    assert summary.errors == seen


def test_rerun_counts_unchanged_and_leaves_no_checkpoint(folder: Path, db_path: Path) -> None:
    with Store.open(db_path) as store:
        ingest_paths([folder], store, progress=False)
        again = ingest_paths([folder], store, progress=False)
        assert (again.stored, again.unchanged, again.failed, again.skipped) == (0, GOOD, 0, 0)
        assert store.meta_items(CHECKPOINT_PREFIX) == {}


def test_resume_after_crash(folder: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Store.upsert_batch
    calls = {"n": 0}

    def crashing(self: Store, items, *, meta=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C during the third batch
        return real(self, items, meta=meta)

    monkeypatch.setattr(Store, "upsert_batch", crashing)
    with Store.open(db_path) as store, pytest.raises(KeyboardInterrupt):
        ingest_paths([folder], store, batch_size=2, progress=False)
    monkeypatch.setattr(Store, "upsert_batch", real)

    with Store.open(db_path) as store:
        assert store.count() == 4  # two committed batches of two, nothing half-written
        checkpoints = store.meta_items(CHECKPOINT_PREFIX)
        assert list(checkpoints.values()) == ["4"]
        assert str(folder.resolve()) in next(iter(checkpoints))
        summary = ingest_paths([folder], store, batch_size=2, progress=False)
        assert (summary.skipped, summary.stored, summary.unchanged) == (4, 2, 0)
        assert store.count() == GOOD
        assert store.meta_items(CHECKPOINT_PREFIX) == {}


def test_changed_input_does_not_reuse_old_checkpoint(folder: Path, db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.set_meta(ingest_mod.checkpoint_key(folder), "6")
        st = (folder / "NCT00006200.xml").stat()
        os.utime(folder / "NCT00006200.xml", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        summary = ingest_paths([folder], store, progress=False)
        assert summary.skipped == 0 and summary.stored == GOOD


def test_missing_path_raises(db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path) as store, pytest.raises(FileNotFoundError, match="nope"):
        ingest_paths([tmp_path / "nope"], store, progress=False)


def test_demo_not_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(ingest_mod.resources, "files", lambda _pkg: tmp_path)
    with pytest.raises(FileNotFoundError, match="demo data not found"):
        ingest_mod.demo_paths()


runner = CliRunner()


def test_cli_ingest_and_search(folder: Path, db_path: Path) -> None:
    (folder / "NCT09999999.xml").write_text("not xml at all")
    res = runner.invoke(app, ["ingest", str(folder), "--db", str(db_path), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert f"stored {GOOD}, unchanged 0, failed 1" in res.stdout
    assert "NCT09999999.xml" in res.stderr

    res = runner.invoke(app, ["search", "", "--db", str(db_path), "--json", "--limit", "3"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["total"] == GOOD and len(out["results"]) == 3
    assert {"nct_id", "title", "status", "phases", "conditions", "score"} <= set(out["results"][0])

    res = runner.invoke(app, ["search", "", "--db", str(db_path), "--status", "unknown"])
    assert res.exit_code == 0, res.output
    assert "1 trials" in res.stdout and "NCT00006200" in res.stdout


def test_cli_errors(db_path: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["ingest", str(tmp_path / "missing.zip"), "--db", str(db_path)])
    assert res.exit_code == 2 and "missing.zip" in res.stderr
    res = runner.invoke(app, ["search", "x", "--near", "abc", "--db", str(db_path)])
    assert res.exit_code == 2 and "unknown place 'abc'" in res.stderr
    res = runner.invoke(
        app, ["search", "x", "--radius", "far", "--near", "1,2", "--db", str(db_path)]
    )
    assert res.exit_code == 2 and "--radius" in res.stderr
    res = runner.invoke(app, ["search", "x", "--phase", "9", "--db", str(db_path)])
    assert res.exit_code == 2 and "unknown phase '9'" in res.stderr
