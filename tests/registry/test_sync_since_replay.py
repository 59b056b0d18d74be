"""`trialscout sync --since DATE|last`: only changed studies, only their criteria re-parsed,
the run recorded. Real SQLite store, the loopback replay server (recording
`updated-since-2026-03-01`: two studies updated on 2026-03-02 with a rewritten criteria text)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from trialscout.cli.main import app
from trialscout.criteria.atoms import ParsedCriteria
from trialscout.criteria.parser import PARSER_VERSION, parse_criteria
from trialscout.registry.api_client import updated_since_filter
from trialscout.registry.replay import ReplayServer
from trialscout.registry.sync import LAST_RUN_KEY, last_run, since_date
from trialscout.store import Store

RECORDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "api_v2_replay" / "recordings"
CHANGED = ["NCT03418623", "NCT06171568"]
UNTOUCHED = "NCT00763412"


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(RECORDINGS) as server:
        yield server


def _sync(replay: ReplayServer, db: Path, *args: str) -> Result:
    argv = ["sync", "--db", str(db), "--rate", "60000", "--no-progress", "--page-size", "4"]
    return CliRunner().invoke(app, [*argv, "--base-url", replay.base_url, *args])


def _full_sync_with_cached_criteria(replay: ReplayServer, db: Path) -> dict[str, str]:
    """Everything stored once, every trial's criteria parsed and cached; returns the cache."""
    res = _sync(replay, db)
    assert res.exit_code == 0, res.output
    cache = {}
    with Store.open(db) as store:
        for t in store.iter_trials():
            text = t.eligibility.criteria if t.eligibility else None
            payload = parse_criteria(text, t.nct_id).model_dump_json(exclude_none=True)
            store.put_criteria(t.nct_id, PARSER_VERSION, payload)
            cache[t.nct_id] = payload
    return cache


def test_since_date_applies_only_changed_studies(replay: ReplayServer, db_path: Path) -> None:
    before = _full_sync_with_cached_criteria(replay, db_path)
    already = len(replay.requests)

    res = _sync(replay, db_path, "--since", "2026-03-01")
    assert res.exit_code == 0, res.output
    assert "pages: 1  stored: 2  unchanged: 0  failed: 0" in res.stdout
    assert "criteria parsed: 2" in res.stdout
    # The API was asked with the LastUpdatePostDate range filter, nothing else.
    sent = [r.params for r in replay.requests[already:]]
    assert sent and all(
        p.get("filter.advanced") == "AREA[LastUpdatePostDate]RANGE[2026-03-01,MAX]" for p in sent
    )
    with Store.open(db_path) as store:
        assert store.count() == 10
        for nct in CHANGED:
            t = store.get_trial(nct)
            assert t is not None and t.last_update == "2026-03-02"
            cached = store.get_criteria(nct)
            assert cached is not None and cached[0] == PARSER_VERSION
            assert cached[1] != before[nct]  # parsed again, from the new text
            parsed = ParsedCriteria.model_validate_json(cached[1])
            assert any("Pregnancy" in c.text for c in parsed.criteria)
            assert not any("Male participants" in c.text for c in parsed.criteria)
        for nct, payload in before.items():
            if nct not in CHANGED:
                assert store.get_criteria(nct) == (PARSER_VERSION, payload)  # untouched
        run = last_run(store)
    assert run is not None
    assert run["query"]["filter.advanced"] == updated_since_filter(date(2026, 3, 1))

    # Again: nothing changed since, nothing re-parsed.
    res = _sync(replay, db_path, "--since", "2026-03-01")
    assert res.exit_code == 0, res.output
    assert "stored: 0  unchanged: 2" in res.stdout
    assert "criteria parsed: 0" in res.stdout


def test_since_last_uses_the_recorded_run(replay: ReplayServer, db_path: Path) -> None:
    _full_sync_with_cached_criteria(replay, db_path)
    with Store.open(db_path) as store:
        run = last_run(store)
        assert run is not None and run["started_at"]
        # Pretend the full sync ran on 2026-03-01 (the recording's date).
        run["started_at"] = "2026-03-01T23:50:00+00:00"
        store.set_meta(LAST_RUN_KEY, json.dumps(run))
        assert str(since_date(store, "last")) == "2026-03-01"
        assert store.get_criteria(UNTOUCHED) is not None
    res = _sync(replay, db_path, "--since", "last")
    assert res.exit_code == 0, res.output
    assert "updated since 2026-03-01" in res.stderr
    assert "stored: 2" in res.stdout
    with Store.open(db_path) as store:
        newest = last_run(store)
        assert newest is not None and newest["started_at"] > "2026-03-02"  # this run, recorded
        assert newest["query"]["filter.advanced"].endswith("RANGE[2026-03-01,MAX]")


def test_since_last_without_a_recorded_run_and_bad_dates(
    replay: ReplayServer, db_path: Path
) -> None:
    res = _sync(replay, db_path, "--since", "last")
    assert res.exit_code == 2
    assert "no completed sync" in res.stderr
    res = _sync(replay, db_path, "--since", "03/01/2026")
    assert res.exit_code == 2 and "not a date" in res.stderr
    res = _sync(replay, db_path, "--since", "2026-03-01", "--updated-since", "2026-03-01")
    assert res.exit_code != 0
    assert not replay.requests  # nothing was fetched


def test_store_drops_cached_criteria_of_a_replaced_trial(db_path: Path) -> None:
    from trialscout.registry.model import DatedEvent, Trial
    from trialscout.registry.sources import RawRecord

    def rec(t: Trial) -> RawRecord:
        return RawRecord("x.json", "ctgov-json-v2", t.model_dump_json().encode())

    old = Trial(nct_id="NCT00000042", last_update_posted_date=DatedEvent(date="2020-01-01"))
    new = Trial(nct_id="NCT00000042", last_update_posted_date=DatedEvent(date="2021-01-01"))
    with Store.open(db_path) as store:
        first = store.upsert_batch([(old, rec(old))])
        assert first.changed_ids == ["NCT00000042"]
        store.put_criteria("NCT00000042", PARSER_VERSION, "{}")
        same = store.upsert_batch([(old, rec(old))])
        assert same.changed_ids == [] and store.get_criteria("NCT00000042") is not None
        replaced = store.upsert_batch([(new, rec(new))])
        assert replaced.changed_ids == ["NCT00000042"]
        assert store.get_criteria("NCT00000042") is None
