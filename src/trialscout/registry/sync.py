"""Pull studies from the ClinicalTrials.gov API v2 into the store, page by page, resumably.

Each page is parsed and upserted in one transaction; after the commit the query's
checkpoint (its fingerprint and the next page token) is saved in the store's meta
table, so an interrupted run picks up at the first page it had not committed. A study
that fails to parse is reported in one line and the rest of the page is stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trialscout.registry.api_client import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ApiClient,
    study_query_params,
)
from trialscout.registry.errors import RecordError
from trialscout.registry.model import OverallStatus

if TYPE_CHECKING:
    from trialscout.registry.model import Trial
    from trialscout.registry.sources import RawRecord
    from trialscout.store import Store

RECORD_FORMAT: Final = "ctgov-json-v2"
CHECKPOINT_PREFIX = "sync:"
LAST_RUN_KEY = "sync:last_run"


class SyncQuery(BaseModel):
    """What to pull. Only registry search terms: never anything about a patient."""

    model_config = ConfigDict(frozen=True)

    condition: str | None = None
    term: str | None = None
    intervention: str | None = None
    statuses: tuple[OverallStatus, ...] = ()
    updated_since: date | None = None
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    def params(self) -> dict[str, str]:
        return study_query_params(
            condition=self.condition,
            term=self.term,
            intervention=self.intervention,
            statuses=tuple(s.value for s in self.statuses),
            updated_since=self.updated_since,
            page_size=self.page_size,
        )

    def fingerprint(self, base_url: str) -> str:
        """Same server + same parameters = same fingerprint; page tokens are only valid there."""
        canon = json.dumps(
            {"base_url": base_url.rstrip("/"), "params": sorted(self.params().items())},
            separators=(",", ":"),
        )
        return hashlib.sha256(canon.encode()).hexdigest()[:20]


class Checkpoint(BaseModel):
    """Saved after each committed page under `sync:<fingerprint>`."""

    fingerprint: str
    base_url: str
    params: dict[str, str]
    next_page_token: str
    pages_done: int
    studies_seen: int
    total_count: int | None = None
    started_at: str


class PageReport(BaseModel):
    """What one committed page did; passed to the progress callback."""

    page: int
    studies: int
    stored: int
    unchanged: int
    failed: int
    studies_seen: int
    total_count: int | None


class SyncSummary(BaseModel):
    """This run's counts. `complete` is False when stopped early (`max_pages`); `changed`: the
    NCT IDs this run inserted or replaced (their cached parsed criteria were dropped)."""

    pages: int = 0
    stored: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[str] = Field(default_factory=list)
    total_count: int | None = None
    complete: bool = False
    resumed_at_page: int | None = None
    next_page_token: str | None = None
    changed: list[str] = Field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _checkpoint_key(fingerprint: str) -> str:
    return f"{CHECKPOINT_PREFIX}{fingerprint}"


def load_checkpoint(store: Store, fingerprint: str) -> Checkpoint | None:
    raw = store.get_meta(_checkpoint_key(fingerprint))
    if not raw:
        return None
    try:
        return Checkpoint.model_validate_json(raw)
    except ValidationError:
        return None  # an unreadable checkpoint only costs a fresh start


def _study_nct(study: Any) -> str | None:
    try:
        nct = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return None
    return nct if isinstance(nct, str) else None


def _parse_study(study: Any, source: str) -> tuple[Trial, RawRecord]:
    """One study to (Trial, RawRecord); every failure becomes a `RecordError`."""
    from trialscout.registry.json_reader import trial_from_api_v2
    from trialscout.registry.sources import RawRecord

    nct = _study_nct(study)
    if not isinstance(study, dict):
        raise RecordError(source, "study is not a JSON object", nct_id=nct)
    payload = json.dumps(study, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        trial = trial_from_api_v2(study, source)
    except RecordError as exc:
        if exc.nct_id is None:
            exc.nct_id = nct
        raise
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise RecordError(source, first["msg"], field=field, nct_id=nct) from exc
    except Exception as exc:  # a reader bug must not stop the batch
        raise RecordError(source, f"{type(exc).__name__}: {exc}", nct_id=nct) from exc
    return trial, RawRecord(source=source, format=RECORD_FORMAT, payload=payload)


def run_sync(
    store: Store,
    client: ApiClient,
    query: SyncQuery,
    *,
    max_pages: int | None = None,
    restart: bool = False,
    on_page: Callable[[PageReport], None] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> SyncSummary:
    """Fetch every page of `query` into `store`, resuming from a saved checkpoint.

    API errors propagate (after the pages already committed); the checkpoint stays so a
    rerun continues. A finished run clears it and records `sync:last_run`.
    """
    params = query.params()
    fingerprint = query.fingerprint(client.base_url)
    key = _checkpoint_key(fingerprint)
    label = client.describe(params)
    summary = SyncSummary()

    checkpoint = None if restart else load_checkpoint(store, fingerprint)
    if checkpoint is not None:
        token: str | None = checkpoint.next_page_token
        page_no = checkpoint.pages_done
        seen = checkpoint.studies_seen
        total = checkpoint.total_count
        started_at = checkpoint.started_at
        summary.resumed_at_page = page_no + 1
    else:
        token, page_no, seen, total, started_at = None, 0, 0, None, _now()
    summary.total_count = total

    while True:
        if max_pages is not None and summary.pages >= max_pages:
            summary.next_page_token = token
            return summary
        page = client.get_page(params, token, count_total=token is None)
        page_no += 1
        if page.total_count is not None:
            total = summary.total_count = page.total_count

        items: list[tuple[Trial, RawRecord]] = []
        failed = 0
        for i, study in enumerate(page.studies):
            try:
                items.append(_parse_study(study, f"{label}#page{page_no}[{i}]"))
            except RecordError as exc:
                failed += 1
                line = str(exc)
                summary.errors.append(line)
                if on_error is not None:
                    on_error(line)
        seen += len(page.studies)
        token = page.next_page_token or None
        # The checkpoint (or, on the last page, its removal and the run record) commits in
        # the same transaction as the page's studies: a crash never skips or loses a page.
        meta: dict[str, str | None]
        if token:
            cp = Checkpoint(
                fingerprint=fingerprint,
                base_url=client.base_url,
                params=params,
                next_page_token=token,
                pages_done=page_no,
                studies_seen=seen,
                total_count=total,
                started_at=started_at,
            )
            meta = {key: cp.model_dump_json()}
        else:
            run = json.dumps(
                {
                    "started_at": started_at,
                    "finished_at": _now(),
                    "base_url": client.base_url,
                    "query": params,
                    "fingerprint": fingerprint,
                    "pages": page_no,
                    "total_count": total,
                },
                sort_keys=True,
            )
            meta = {key: None, LAST_RUN_KEY: run, f"{LAST_RUN_KEY}:{fingerprint}": run}
        result = store.upsert_batch(items, meta=meta)
        stored = result.inserted + result.updated
        summary.pages += 1
        summary.stored += stored
        summary.changed.extend(result.changed_ids)
        summary.unchanged += result.unchanged
        summary.failed += failed
        if on_page is not None:
            on_page(
                PageReport(
                    page=page_no,
                    studies=len(page.studies),
                    stored=stored,
                    unchanged=result.unchanged,
                    failed=failed,
                    studies_seen=seen,
                    total_count=total,
                )
            )
        if not token:
            break

    summary.complete = True
    return summary


def last_run(store: Store) -> dict[str, Any] | None:
    """The most recent completed sync (`started_at`, `finished_at`, `query`...), if any."""
    raw = store.get_meta(LAST_RUN_KEY)
    if not raw:
        return None
    value = json.loads(raw)
    return value if isinstance(value, dict) else None


def since_date(store: Store, value: str) -> date:
    """`--since`: a date (YYYY-MM-DD), or `last` for the day the last completed sync started
    (inclusive, so nothing updated while it ran is missed). Raises ValueError, saying why."""
    text = value.strip()
    if text.lower() == "last":
        run = last_run(store)
        started = str(run.get("started_at", "")) if run else ""
        if not started:
            raise ValueError(f"no completed sync is recorded in the store ({LAST_RUN_KEY})")
        try:
            return datetime.fromisoformat(started).date()
        except ValueError:
            raise ValueError(f"{LAST_RUN_KEY} has an unreadable started_at: {started!r}") from None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD) nor 'last'") from None


def refresh_criteria(
    store: Store, nct_ids: list[str], *, on_error: Callable[[str], None] | None = None
) -> int:
    """Parse (and cache) the criteria of the trials a sync changed, so matching finds them
    ready. Returns how many were parsed; a trial that fails is reported and skipped."""
    from trialscout.criteria.cache import get_or_parse

    done = 0
    for nct_id in dict.fromkeys(nct_ids):
        trial = store.get_trial(nct_id)
        if trial is None:
            continue
        try:
            get_or_parse(store, trial)
        except Exception as exc:  # a parser bug in one trial must not stop the rest
            if on_error is not None:
                on_error(f"{nct_id}: criteria not parsed: {type(exc).__name__}: {exc}")
            continue
        done += 1
    return done
