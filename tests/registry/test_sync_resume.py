"""`run_sync` into a real SQLite store from the replay server: pages, resume, bad studies."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from trialscout.registry.api_client import ApiClient, ApiRequestError, StudiesPage
from trialscout.registry.model import OverallStatus
from trialscout.registry.replay import Fault, ReplayServer
from trialscout.registry.sync import (
    CHECKPOINT_PREFIX,
    LAST_RUN_KEY,
    PageReport,
    SyncQuery,
    last_run,
    load_checkpoint,
    run_sync,
)
from trialscout.store import Store

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "api_v2_replay"
RECORDINGS = FIXTURE / "recordings"
ALL_IDS = sorted(p.stem for p in (FIXTURE / "studies").glob("NCT*.json"))
FAST = 60 * 1000.0


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(RECORDINGS) as server:
        yield server


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store.open(str(db_path)) as s:
        yield s


class Interrupted(Exception):
    """Stands for a crash, a kill or Ctrl-C in the middle of a sync."""


class DyingClient(ApiClient):
    """Serves `pages_before_death` pages, then dies on the next request."""

    def __init__(self, base_url: str, pages_before_death: int) -> None:
        super().__init__(base_url, rate_per_minute=FAST)
        self.left = pages_before_death

    def get_page(
        self, params: Mapping[str, str], page_token: str | None = None, *, count_total: bool = False
    ) -> StudiesPage:
        if self.left == 0:
            raise Interrupted("killed")
        self.left -= 1
        return super().get_page(params, page_token, count_total=count_total)


def _client(replay: ReplayServer) -> ApiClient:
    return ApiClient(replay.base_url, rate_per_minute=FAST, backoff_base=0.0)


def _sync_keys(store: Store) -> set[str]:
    return {k for k in store.meta_items(CHECKPOINT_PREFIX) if not k.startswith(LAST_RUN_KEY)}


def test_full_sync_stores_every_study_and_records_the_run(
    replay: ReplayServer, store: Store
) -> None:
    reports: list[PageReport] = []
    with _client(replay) as client:
        summary = run_sync(store, client, SyncQuery(page_size=4), on_page=reports.append)
    assert summary.complete
    assert (summary.pages, summary.stored, summary.unchanged, summary.failed) == (3, 10, 0, 0)
    assert summary.total_count == 10
    assert store.count() == 10
    assert sorted(t.nct_id for t in store.iter_trials()) == ALL_IDS
    assert [r.studies_seen for r in reports] == [4, 8, 10]
    assert all(r.total_count == 10 for r in reports)

    raw = store.get_raw("NCT06171568")
    assert raw is not None and raw.format == "ctgov-json-v2"
    assert raw.source.startswith(f"{replay.base_url}/studies?pageSize=4#page3[")
    assert json.loads(raw.payload)["protocolSection"]["identificationModule"]["nctId"] == (
        "NCT06171568"
    )

    run = last_run(store)
    assert run is not None
    assert run["query"] == {"pageSize": "4"} and run["base_url"] == replay.base_url
    assert run["finished_at"] >= run["started_at"]
    assert _sync_keys(store) == set()  # the checkpoint is gone once the run completes

    with _client(replay) as client:  # a second run changes nothing
        again = run_sync(store, client, SyncQuery(page_size=4))
    assert (again.stored, again.unchanged, again.resumed_at_page) == (0, 10, None)


def test_interrupted_sync_resumes_at_the_next_page(replay: ReplayServer, store: Store) -> None:
    query = SyncQuery(page_size=4)
    tokens = [p.token for p in replay.recording("all").pages]

    with DyingClient(replay.base_url, pages_before_death=2) as dying, pytest.raises(Interrupted):
        run_sync(store, dying, query)
    assert store.count() == 8
    cp = load_checkpoint(store, query.fingerprint(replay.base_url))
    assert cp is not None and cp.next_page_token == tokens[2] and cp.pages_done == 2
    assert last_run(store) is None
    before = len(replay.requests)

    with _client(replay) as client:
        summary = run_sync(store, client, query)
    rerun = replay.requests[before:]
    assert [r.params.get("pageToken") for r in rerun] == [tokens[2]]
    assert summary.resumed_at_page == 3
    assert (summary.pages, summary.stored, summary.unchanged) == (1, 2, 0)
    assert summary.total_count == 10  # carried over from the first page via the checkpoint
    ids = [t.nct_id for t in store.iter_trials()]
    assert sorted(ids) == ALL_IDS  # every study exactly once
    assert _sync_keys(store) == set()
    assert last_run(store) is not None


def test_server_error_mid_sync_keeps_committed_pages(replay: ReplayServer, store: Store) -> None:
    tokens = [p.token for p in replay.recording("all").pages]
    assert tokens[1] is not None
    replay.inject(Fault("status", status=400, page_token=tokens[1], body="bad token"))
    with _client(replay) as client, pytest.raises(ApiRequestError, match="bad token"):
        run_sync(store, client, SyncQuery(page_size=4))
    assert store.count() == 4
    with _client(replay) as client:
        summary = run_sync(store, client, SyncQuery(page_size=4))
    assert summary.resumed_at_page == 2 and summary.stored == 6
    assert store.count() == 10


def test_max_pages_stops_early_and_a_rerun_continues(replay: ReplayServer, store: Store) -> None:
    query = SyncQuery(page_size=4)
    with _client(replay) as client:
        first = run_sync(store, client, query, max_pages=1)
    assert not first.complete and first.pages == 1 and store.count() == 4
    assert first.next_page_token == replay.recording("all").pages[1].token
    with _client(replay) as client:
        rest = run_sync(store, client, query)
    assert rest.complete and rest.resumed_at_page == 2 and rest.pages == 2
    assert store.count() == 10


def test_restart_ignores_the_checkpoint(replay: ReplayServer, store: Store) -> None:
    query = SyncQuery(page_size=4)
    with _client(replay) as client:
        run_sync(store, client, query, max_pages=1)
        before = len(replay.requests)
        summary = run_sync(store, client, query, restart=True)
    assert summary.resumed_at_page is None and summary.pages == 3
    assert "pageToken" not in replay.requests[before].params
    assert summary.unchanged == 4 and summary.stored == 6


def test_checkpoints_are_per_query_and_server() -> None:
    a = SyncQuery(page_size=4)
    assert a.fingerprint("http://x/api/v2") == a.fingerprint("http://x/api/v2/")
    assert a.fingerprint("http://x/api/v2") != a.fingerprint("http://y/api/v2")
    assert a.fingerprint("http://x") != SyncQuery(page_size=5).fingerprint("http://x")
    assert a.fingerprint("http://x") != SyncQuery(condition="c", page_size=4).fingerprint(
        "http://x"
    )


def test_status_query_stores_only_that_status(replay: ReplayServer, store: Store) -> None:
    query = SyncQuery(statuses=(OverallStatus.COMPLETED,), page_size=2)
    with _client(replay) as client:
        summary = run_sync(store, client, query)
    assert summary.pages == 2 and summary.stored == 4
    assert {t.overall_status for t in store.iter_trials()} == {OverallStatus.COMPLETED}


def test_a_malformed_study_is_reported_and_the_rest_stored(
    replay: ReplayServer, store: Store
) -> None:
    errors: list[str] = []
    with _client(replay) as client:
        summary = run_sync(
            store, client, SyncQuery(term="replay-malformed", page_size=4), on_error=errors.append
        )
    assert summary.complete
    assert (summary.stored, summary.failed) == (2, 1)
    assert sorted(t.nct_id for t in store.iter_trials()) == ["NCT03418623", "NCT06171568"]
    assert store.get_trial("NCT04207047") is None
    assert errors == summary.errors and len(errors) == 1
    line = errors[0]
    assert "\n" not in line
    assert "NCT04207047" in line
    assert "#page1[1]" in line
    assert "date" in line.lower()  # names the field that was wrong
