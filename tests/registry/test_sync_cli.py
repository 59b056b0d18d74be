"""`trialscout sync` end to end: CliRunner, a real SQLite store, the loopback replay server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from trialscout.cli.main import app
from trialscout.registry.replay import Fault, ReplayServer
from trialscout.registry.sync import last_run
from trialscout.store import Store

RECORDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "api_v2_replay" / "recordings"


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(RECORDINGS) as server:
        yield server


def _sync(replay: ReplayServer, db: Path, *args: str, base_url: bool = True) -> Result:
    argv = ["sync", "--db", str(db), "--rate", "60000", "--no-progress", *args]
    if base_url:
        argv += ["--base-url", replay.base_url]
    return CliRunner().invoke(app, argv)


def _count(db: Path) -> int:
    with Store.open(str(db)) as store:
        return store.count()


def test_sync_pulls_every_page(replay: ReplayServer, db_path: Path) -> None:
    result = _sync(replay, db_path, "--page-size", "4")
    assert result.exit_code == 0, result.output
    assert "pages: 3  stored: 10  unchanged: 0  failed: 0" in result.stdout
    assert _count(db_path) == 10
    with Store.open(str(db_path)) as store:
        run = last_run(store)
    assert run is not None and run["query"]["pageSize"] == "4"


def test_base_url_from_the_environment(
    replay: ReplayServer, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALSCOUT_API_URL", replay.base_url)
    result = _sync(replay, db_path, "--page-size", "4", base_url=False)
    assert result.exit_code == 0, result.output
    assert _count(db_path) == 10
    assert replay.requests  # it went to the replay server, not the live registry


def test_status_and_condition_options(replay: ReplayServer, db_path: Path) -> None:
    result = _sync(replay, db_path, "--status", "completed", "--page-size", "2")
    assert result.exit_code == 0, result.output
    assert "stored: 4" in result.stdout
    assert replay.requests[0].params["filter.overallStatus"] == "COMPLETED"

    result = _sync(
        replay, db_path, "-s", "recruiting", "-s", "not_yet_recruiting", "--page-size", "4"
    )
    assert result.exit_code == 0, result.output
    assert replay.requests[-1].params["filter.overallStatus"] == "RECRUITING,NOT_YET_RECRUITING"

    result = _sync(replay, db_path, "--condition", "disorder", "--page-size", "4")
    assert result.exit_code == 0, result.output
    assert replay.requests[-1].params["query.cond"] == "disorder"
    # Both "disorder" studies are COMPLETED, so the first run already stored them.
    assert "stored: 0  unchanged: 2" in result.stdout
    assert _count(db_path) == 4 + 1


def test_updated_since_option(replay: ReplayServer, db_path: Path) -> None:
    result = _sync(replay, db_path, "--updated-since", "2022-01-01", "--page-size", "4")
    assert result.exit_code == 0, result.output
    assert replay.requests[0].params["filter.advanced"] == (
        "AREA[LastUpdatePostDate]RANGE[2022-01-01,MAX]"
    )
    assert _count(db_path) == 2


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--status", "OPEN"], "--status"),
        (["--updated-since", "last week"], "--updated-since"),
        (["--page-size", "5000"], "--page-size"),
        (["--base-url", "clinicaltrials.gov/api/v2"], "--base-url"),
    ],
)
def test_bad_options_are_refused_before_any_request(
    replay: ReplayServer, db_path: Path, args: list[str], needle: str
) -> None:
    result = _sync(replay, db_path, *args, base_url="--base-url" not in args)
    assert result.exit_code == 2
    assert needle in result.output
    assert replay.requests == []


def test_failed_sync_exits_1_and_the_rerun_resumes(replay: ReplayServer, db_path: Path) -> None:
    tokens = [p.token for p in replay.recording("all").pages]
    replay.inject(Fault("status", status=503, page_token=tokens[2] or "", times=2))
    result = _sync(replay, db_path, "--page-size", "4", "--attempts", "2")
    assert result.exit_code == 1
    err = result.stderr
    assert "sync failed" in err and "gave up after 2 attempts" in err and "HTTP 503" in err
    assert "resume" in err
    assert "retrying in" in err  # the user sees the back-off, not a silent wait
    assert _count(db_path) == 8

    before = len(replay.requests)
    result = _sync(replay, db_path, "--page-size", "4")
    assert result.exit_code == 0, result.output
    assert "resumed at page 3" in result.stdout
    assert [r.params.get("pageToken") for r in replay.requests[before:]] == [tokens[2]]
    assert _count(db_path) == 10


def test_bad_study_is_reported_on_stderr_and_the_rest_stored(
    replay: ReplayServer, db_path: Path
) -> None:
    result = _sync(replay, db_path, "--term", "replay-malformed", "--page-size", "4")
    assert result.exit_code == 0, result.output
    assert "stored: 2" in result.stdout and "failed: 1" in result.stdout
    assert "NCT04207047" in result.stderr
    assert _count(db_path) == 2


def test_progress_bar_goes_to_stderr(replay: ReplayServer, db_path: Path) -> None:
    argv = ["sync", "--db", str(db_path), "--rate", "60000", "--page-size", "4"]
    result = CliRunner().invoke(app, [*argv, "--base-url", replay.base_url])
    assert result.exit_code == 0, result.output
    assert "10/10" in result.stderr
    assert "10/10" not in result.stdout
