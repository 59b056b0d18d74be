"""The API v2 client against the loopback replay server: paging, rate limit, retries, errors."""

from __future__ import annotations

import importlib.util
import itertools
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from trialscout.registry.api_client import (
    USER_AGENT,
    ApiClient,
    ApiRequestError,
    ApiRetriesExhausted,
    RateLimiter,
    StudiesPage,
    study_query_params,
    updated_since_filter,
)
from trialscout.registry.replay import Fault, ReplayServer

RECORDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "api_v2_replay" / "recordings"
FAST = 60 * 1000.0  # requests/minute: the limiter never gets in the way of these tests


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(RECORDINGS) as server:
        yield server


class SleepLog:
    """Stands in for time.sleep: records what the client asked to wait, waits for nothing."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _client(replay: ReplayServer, **kw: object) -> ApiClient:
    opts: dict[str, object] = {"rate_per_minute": FAST, "backoff_base": 0.01, "timeout": 5.0}
    opts.update(kw)
    return ApiClient(replay.base_url, **opts)  # type: ignore[arg-type]


def _ncts(page: StudiesPage) -> list[str]:
    return [s["protocolSection"]["identificationModule"]["nctId"] for s in page.studies]


def _all_pages(client: ApiClient, params: dict[str, str]) -> list[StudiesPage]:
    pages = [client.get_page(params, None, count_total=True)]
    while pages[-1].next_page_token:
        pages.append(client.get_page(params, pages[-1].next_page_token))
    return pages


def test_paging_follows_next_page_token_to_the_end(replay: ReplayServer) -> None:
    params = study_query_params(page_size=4)
    with _client(replay) as client:
        pages = _all_pages(client, params)
    assert [len(p.studies) for p in pages] == [4, 4, 2]
    assert pages[0].total_count == 10
    assert pages[-1].next_page_token is None
    ids = [n for p in pages for n in _ncts(p)]
    assert len(ids) == len(set(ids)) == 10

    studies_requests = [r for r in replay.requests if r.path.endswith("/studies")]
    assert len(studies_requests) == 3
    tokens = [r.params.get("pageToken") for r in studies_requests]
    assert tokens[0] is None
    assert tokens[1:] == [t.token for t in replay.recording("all").pages[1:]]
    # countTotal only on the first page; every request asks for JSON and says who it is.
    assert [r.params.get("countTotal") for r in studies_requests] == ["true", None, None]
    assert all(r.params["format"] == "json" for r in studies_requests)
    assert all(r.user_agent == USER_AGENT and "trialscout" in r.user_agent for r in replay.requests)


def test_condition_and_status_queries_get_their_own_answers(replay: ReplayServer) -> None:
    with _client(replay) as client:
        cond = _all_pages(client, study_query_params(condition="disorder", page_size=4))
        done = _all_pages(client, study_query_params(statuses=("COMPLETED",), page_size=2))
        open_ = _all_pages(
            client,
            study_query_params(statuses=("RECRUITING", "NOT_YET_RECRUITING"), page_size=4),
        )
    cond_studies = [s for p in cond for s in p.studies]
    assert 0 < len(cond_studies) < 10
    for s in cond_studies:
        conditions = s["protocolSection"]["conditionsModule"]["conditions"]
        assert any("disorder" in c.lower() for c in conditions)

    completed = [s for p in done for s in p.studies]
    assert len(done) == 2 and len(completed) == 4
    assert {s["protocolSection"]["statusModule"]["overallStatus"] for s in completed} == {
        "COMPLETED"
    }
    assert [
        s["protocolSection"]["statusModule"]["overallStatus"] for p in open_ for s in p.studies
    ] == ["NOT_YET_RECRUITING"]
    sent = [r.params.get("filter.overallStatus") for r in replay.requests]
    assert "RECRUITING,NOT_YET_RECRUITING" in sent


def test_updated_since_becomes_filter_advanced(replay: ReplayServer) -> None:
    since = date(2022, 1, 1)
    assert updated_since_filter(since) == "AREA[LastUpdatePostDate]RANGE[2022-01-01,MAX]"
    with _client(replay) as client:
        page = client.get_page(study_query_params(updated_since=since, page_size=4), None)
    assert replay.requests[-1].params["filter.advanced"] == (
        "AREA[LastUpdatePostDate]RANGE[2022-01-01,MAX]"
    )
    dates = [
        s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]
        for s in page.studies
    ]
    assert dates and all(d >= "2022-01-01" for d in dates)


class StampingTransport(httpx.HTTPTransport):
    """Notes when each request leaves the client."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[float] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(time.monotonic())
        return super().handle_request(request)


def test_requests_are_spaced_by_the_rate_limit(replay: ReplayServer) -> None:
    rate = 20 * 60.0  # 20 per second: 50 ms apart
    interval = 60.0 / rate
    replay.inject(Fault("status", status=503, times=2))  # retries wait their turn too
    transport = StampingTransport()
    with _client(replay, rate_per_minute=rate, backoff_base=0.0, transport=transport) as client:
        _all_pages(client, study_query_params(page_size=4))
    assert len(transport.sent) == len(replay.requests) == 5
    sent_gaps = [b - a for a, b in itertools.pairwise(transport.sent)]
    # The limiter spaces the moments it lets requests go; building and sending each request
    # then takes a little client time, so allow 2 ms of that jitter (unthrottled: ~1 ms apart).
    assert min(sent_gaps) >= interval - 0.002, sent_gaps
    # As seen by the server: loopback delivery adds jitter, but unthrottled requests would
    # arrive ~1 ms apart, far below half the interval.
    arrived_gaps = [b - a for a, b in itertools.pairwise(r.at for r in replay.requests)]
    assert min(arrived_gaps) >= interval / 2, arrived_gaps


def test_rate_limiter_waits_out_the_interval() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(60.0, clock=lambda: now[0], sleep=sleep)  # one a second
    limiter.wait()
    now[0] += 0.25
    limiter.wait()
    limiter.wait()
    assert slept == pytest.approx([0.75, 1.0])
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_retries_503_then_succeeds(replay: ReplayServer) -> None:
    replay.inject(Fault("status", status=503, times=2))
    sleeps = SleepLog()
    with _client(replay, sleep=sleeps, backoff_base=1.0, rng=lambda: 0.5) as client:
        page = client.get_page(study_query_params(page_size=4), None)
    assert len(page.studies) == 4
    assert [r.outcome for r in replay.requests] == ["fault:status", "fault:status", "page"]
    # Exponential: 1 s then 2 s base, with jitter 0.5 -> 0.75 and 1.5.
    backoffs = [s for s in sleeps.calls if s >= 0.5]
    assert backoffs == pytest.approx([0.75, 1.5])


def test_429_honours_retry_after(replay: ReplayServer) -> None:
    replay.inject(Fault("status", status=429, retry_after="7"))
    sleeps = SleepLog()
    retries: list[tuple[str, float]] = []
    with _client(replay, sleep=sleeps, on_retry=lambda p, d: retries.append((p, d))) as client:
        page = client.get_page(study_query_params(page_size=4), None)
    assert len(page.studies) == 4
    assert [r.outcome for r in replay.requests] == ["fault:status", "page"]
    assert max(sleeps.calls) >= 7.0
    assert len(retries) == 1 and retries[0][1] >= 7.0
    assert "HTTP 429" in retries[0][0] and "Retry-After 7" in retries[0][0]


def test_retry_after_beyond_the_cap_fails_clearly(replay: ReplayServer) -> None:
    replay.inject(Fault("status", status=429, retry_after="3600"))
    with (
        _client(replay, sleep=SleepLog(), retry_after_max=300.0) as client,
        pytest.raises(ApiRetriesExhausted, match="asks to wait 3600 s"),
    ):
        client.get_page(study_query_params(page_size=4), None)
    assert len(replay.requests) == 1


def test_dropped_connection_and_truncated_body_are_retried(replay: ReplayServer) -> None:
    replay.inject(Fault("drop"))
    replay.inject(Fault("malformed"))
    with _client(replay, sleep=SleepLog()) as client:
        page = client.get_page(study_query_params(page_size=4), None)
    assert len(page.studies) == 4
    assert [r.outcome for r in replay.requests] == ["fault:drop", "fault:malformed", "page"]


def test_timeout_is_retried(replay: ReplayServer) -> None:
    replay.inject(Fault("delay", delay_s=1.0))
    with _client(replay, sleep=SleepLog(), timeout=0.2) as client:
        page = client.get_page(study_query_params(page_size=4), None)
    assert len(page.studies) == 4
    assert len(replay.requests) == 2


def test_gives_up_after_max_attempts(replay: ReplayServer) -> None:
    replay.inject(Fault("status", status=502, times=10))
    with (
        _client(replay, sleep=SleepLog(), max_attempts=3) as client,
        pytest.raises(ApiRetriesExhausted) as info,
    ):
        client.get_page(study_query_params(page_size=4), None)
    assert len(replay.requests) == 3
    msg = str(info.value)
    assert "gave up after 3 attempts" in msg and "HTTP 502" in msg and "/studies" in msg


def test_400_fails_at_once_with_the_servers_message(replay: ReplayServer) -> None:
    replay.inject(Fault("status", status=400, body="Invalid value for filter.overallStatus"))
    sleeps = SleepLog()
    with _client(replay, sleep=sleeps) as client, pytest.raises(ApiRequestError) as info:
        client.get_page(study_query_params(page_size=4), None)
    assert len(replay.requests) == 1
    assert info.value.status_code == 400
    assert "HTTP 400" in str(info.value) and "Invalid value for filter.overallStatus" in str(
        info.value
    )


def test_unrecorded_query_is_a_clear_404(replay: ReplayServer) -> None:
    with _client(replay) as client, pytest.raises(ApiRequestError) as info:
        client.get_page(study_query_params(condition="no such thing", page_size=4), None)
    assert info.value.status_code == 404
    assert "no recording" in str(info.value)


def test_connection_refused_gives_up_with_a_clear_error() -> None:
    with ReplayServer(RECORDINGS) as server:
        url = server.base_url  # closed on exit: nothing listens there any more
    with (
        ApiClient(url, rate_per_minute=FAST, max_attempts=2, sleep=SleepLog()) as client,
        pytest.raises(ApiRetriesExhausted, match="ConnectError"),
    ):
        client.get_page(study_query_params(page_size=4), None)


def test_page_size_is_bounded() -> None:
    with pytest.raises(ValueError, match="between 1 and 1000"):
        study_query_params(page_size=1001)
    assert study_query_params(page_size=1000)["pageSize"] == "1000"


def test_recordings_are_what_make_replay_builds(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_replay", RECORDINGS.parent / "make_replay.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path / "rec")
    built = sorted(p.relative_to(tmp_path / "rec") for p in (tmp_path / "rec").rglob("*.json"))
    committed = sorted(p.relative_to(RECORDINGS) for p in RECORDINGS.rglob("*.json"))
    assert built == committed
    for rel in built:
        assert (tmp_path / "rec" / rel).read_bytes() == (RECORDINGS / rel).read_bytes(), rel
