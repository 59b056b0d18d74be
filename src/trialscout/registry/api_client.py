"""A polite client for the ClinicalTrials.gov API v2 `/studies` endpoint.

The registry allows about 50 requests a minute per IP, so every request (retries
included) waits its turn on a minimum-interval limiter. Transient failures (connect
errors, timeouts, dropped connections, truncated bodies, 429 and 5xx) are retried with
exponential backoff and jitter, honouring `Retry-After`; any other 4xx is a mistake in
the query and fails at once. Only registry queries are sent: never patient data.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trialscout import __version__

DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2"
API_URL_ENV = "TRIALSCOUT_API_URL"
DEFAULT_RATE_PER_MINUTE = 50.0
MAX_PAGE_SIZE = 1000
# Big enough to keep a full sync to a few hundred requests, small enough to hold in memory.
DEFAULT_PAGE_SIZE = 200
USER_AGENT = f"trialscout/{__version__} (clinical-trial finder; registry sync; python-httpx)"

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Transport errors worth another try; UnsupportedProtocol or a bad proxy setting would not heal.
_RETRY_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


class ApiError(Exception):
    """The registry could not answer this query; the message says why, in one line."""


class ApiRequestError(ApiError):
    """A 4xx other than 429: the query itself is wrong, so retrying cannot help."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class ApiRetriesExhausted(ApiError):
    """Every attempt failed with a transient error."""


class StudiesPage(BaseModel):
    """One `/studies` response: `{"studies": [...], "nextPageToken": ..., "totalCount": ...}`."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    studies: list[dict[str, Any]] = Field(default_factory=list)
    next_page_token: str | None = Field(default=None, alias="nextPageToken")
    total_count: int | None = Field(default=None, alias="totalCount", ge=0)


def default_base_url() -> str:
    return os.environ.get(API_URL_ENV) or DEFAULT_BASE_URL


def updated_since_filter(since: date) -> str:
    """The API v2 Essie expression for 'last update posted on or after `since`'."""
    return f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"


def study_query_params(
    *,
    condition: str | None = None,
    term: str | None = None,
    intervention: str | None = None,
    statuses: tuple[str, ...] = (),
    updated_since: date | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> dict[str, str]:
    """The query part of a `/studies` request, without paging parameters."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    params: dict[str, str] = {}
    if condition:
        params["query.cond"] = condition
    if term:
        params["query.term"] = term
    if intervention:
        params["query.intr"] = intervention
    if statuses:
        params["filter.overallStatus"] = ",".join(statuses)
    if updated_since is not None:
        params["filter.advanced"] = updated_since_filter(updated_since)
    params["pageSize"] = str(page_size)
    return params


class RateLimiter:
    """Minimum spacing between request starts (a token bucket of depth one)."""

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError(f"rate must be positive, got {per_minute}")
        self.interval = 60.0 / per_minute
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None

    def wait(self) -> None:
        now = self._clock()
        if self._next is not None and now < self._next:
            self._sleep(self._next - now)
            now = self._clock()
        self._next = now + self.interval


def _retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ApiClient:
    """`GET /studies` with paging, rate limiting and retries. Use as a context manager."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        rate_per_minute: float = DEFAULT_RATE_PER_MINUTE,
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        retry_after_max: float = 300.0,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        on_retry: Callable[[str, float], None] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        self.base_url = (base_url or default_base_url()).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"API base URL must start with http:// or https://: {self.base_url!r}")
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self.limiter = RateLimiter(rate_per_minute, clock=clock, sleep=sleep)
        self._sleep = sleep
        self._rng = rng
        self.on_retry = on_retry  # (what went wrong, seconds until the next try): for a UI
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            transport=transport,
            follow_redirects=True,
        )

    @property
    def studies_url(self) -> str:
        return f"{self.base_url}/studies"

    def describe(self, params: Mapping[str, str]) -> str:
        """The request URL without paging state: names the page's records in errors."""
        return f"{self.studies_url}?{urlencode(dict(params))}" if params else self.studies_url

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with 'equal jitter': half fixed, half random."""
        delay = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return delay / 2 + self._rng() * delay / 2

    def get_page(
        self,
        params: Mapping[str, str],
        page_token: str | None = None,
        *,
        count_total: bool = False,
    ) -> StudiesPage:
        """Fetch one page; retries transient failures, raises `ApiError` with a clear message."""
        query: dict[str, str] = {**params, "format": "json"}
        if page_token:
            query["pageToken"] = page_token
        if count_total:
            query["countTotal"] = "true"
        where = self.describe(params) + (f" (page token {page_token})" if page_token else "")
        last_problem = "no attempt made"
        for attempt in range(1, self.max_attempts + 1):
            self.limiter.wait()
            retry_after: float | None = None
            try:
                response = self._http.get(self.studies_url, params=query)
            except _RETRY_EXCEPTIONS as exc:
                last_problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            except httpx.HTTPError as exc:
                raise ApiError(f"{where}: request failed: {type(exc).__name__}: {exc}") from exc
            else:
                status = response.status_code
                if status == 200:
                    try:
                        data = json.loads(response.content)
                    except ValueError as exc:
                        last_problem = f"response body is not valid JSON ({exc})"
                    else:
                        try:
                            return StudiesPage.model_validate(data)
                        except ValidationError as exc:
                            first = exc.errors()[0]
                            loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
                            raise ApiError(
                                f"{where}: unexpected response shape at '{loc}': {first['msg']}"
                            ) from exc
                elif status in _RETRY_STATUSES:
                    last_problem = f"HTTP {status}"
                    retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                    if retry_after is not None:
                        last_problem += f" (Retry-After {response.headers['Retry-After']})"
                else:
                    body = _short(response.text)
                    raise ApiRequestError(
                        f"{where}: HTTP {status} {response.reason_phrase}"
                        + (f": {body}" if body else ""),
                        status,
                    )
            if attempt == self.max_attempts:
                break
            delay = self._backoff(attempt)
            if retry_after is not None:
                if retry_after > self.retry_after_max:
                    raise ApiRetriesExhausted(
                        f"{where}: server asks to wait {retry_after:.0f} s "
                        f"(more than {self.retry_after_max:.0f} s); try again later"
                    )
                delay = max(delay, retry_after)
            if self.on_retry is not None:
                self.on_retry(f"{where}: {last_problem}", delay)
            self._sleep(delay)
        raise ApiRetriesExhausted(
            f"{where}: gave up after {self.max_attempts} attempts; last error: {last_problem}"
        )
