"""Batch matching: many patients against many trials, on Dask distributed.

The driver reads the patients (a bad record is reported by name, the rest go on), parses every
trial's criteria once (through the store's cache), ships the parsed trials to each worker once
(`scatter(broadcast=True)`), and sends patients in chunks. Each worker runs the same
`match_trial` loop as the single-process path (`run_local`), so the per-patient JSON is exactly
`trialscout match --format json` for that patient and those trials.

A scheduler address runs it on a real cluster (workers need trialscout installed); without one a
LocalCluster of `workers` processes starts on this machine (~1-2 s). Dask sends no telemetry.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialscout.criteria.atoms import ParsedCriteria
from trialscout.match.engine import match_trial
from trialscout.match.policy import MatchPolicy
from trialscout.match.result import TrialMatch
from trialscout.match.screen import PatientInput, PatientInputError, iter_patients
from trialscout.patient.profile import PatientProfile

if TYPE_CHECKING:
    from distributed import Client

    from trialscout.registry.model import OverallStatus
    from trialscout.store import Store

TrialItem = tuple[Any, ParsedCriteria]
SUMMARY_FILE = "_summary.json"


@dataclass(frozen=True)
class PatientTask:
    """One patient to match; `name` is its output file's stem (unique in the batch)."""

    name: str
    id: str | None
    source: str
    profile: PatientProfile


@dataclass(frozen=True)
class PatientOutput:
    name: str
    source: str
    doc: dict[str, Any] | None  # `match_json` of the patient, or None when it failed
    error: str | None = None


def match_doc(patient_id: str | None, results: list[TrialMatch]) -> dict[str, Any]:
    """`trialscout match --format json` for one patient (ranked as that command ranks)."""
    from trialscout.cli.match_cmd import match_json

    ranked = sorted(results, key=lambda r: r.rank_key(), reverse=True)
    return match_json(patient_id, ranked)


def match_one(
    task: PatientTask, trials: Sequence[TrialItem], policy: MatchPolicy | None = None
) -> PatientOutput:
    """Every trial for one patient; a failure names the patient's file, never its data."""
    try:
        results = [match_trial(task.profile, t, parsed, policy=policy) for t, parsed in trials]
    except Exception as exc:
        return PatientOutput(task.name, task.source, None, f"{task.source}: {type(exc).__name__}")
    return PatientOutput(task.name, task.source, match_doc(task.id, results))


def _match_chunk(
    tasks: list[PatientTask], trials: Sequence[TrialItem], policy: MatchPolicy | None
) -> list[PatientOutput]:
    return [match_one(t, trials, policy) for t in tasks]


def run_local(
    tasks: Sequence[PatientTask], trials: Sequence[TrialItem], policy: MatchPolicy | None = None
) -> list[PatientOutput]:
    """The single-process path: the reference the Dask path must reproduce."""
    return _match_chunk(list(tasks), trials, policy)


def _chunks(items: Sequence[PatientTask], size: int) -> Iterator[list[PatientTask]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def run_dask(
    client: Client,
    tasks: Sequence[PatientTask],
    trials: Sequence[TrialItem],
    *,
    policy: MatchPolicy | None = None,
    chunk_size: int | None = None,
) -> list[PatientOutput]:
    """The same results as `run_local`, in the same order, computed on the cluster."""
    if not tasks:
        return []
    if chunk_size is None:
        nworkers = max(1, len(client.scheduler_info().get("workers", {})))
        chunk_size = max(1, math.ceil(len(tasks) / (nworkers * 4)))
    # The trials travel inside each task rather than as scattered data: a scattered value
    # cannot be recomputed, so a worker that misses heartbeats under load would take it
    # with it ("lost dependencies"). Tasks are few (about 4 per worker) and retried.
    shared = list(trials)
    futures = [
        client.submit(_match_chunk, chunk, shared, policy, pure=False, retries=2)
        for chunk in _chunks(tasks, chunk_size)
    ]
    out: list[PatientOutput] = []
    for part in client.gather(futures):
        out.extend(part)
    return out


@contextmanager
def dask_client(
    scheduler: str | None = None, *, workers: int = 2, processes: bool = True
) -> Iterator[Client]:
    """A client for `scheduler` (an address such as tcp://host:8786), else for a LocalCluster of
    `workers` single-threaded workers (`processes=False`: threads in this process, for tests)."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,  # shutdown races log harmless errors
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


# -- inputs ----------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def patient_tasks(
    items: Iterable[PatientInput | PatientInputError],
) -> tuple[list[PatientTask], list[PatientInputError]]:
    """Output names from the patient's file (and line): ids may repeat or be missing."""
    tasks: list[PatientTask] = []
    errors: list[PatientInputError] = []
    used: set[str] = set()
    for item in items:
        if isinstance(item, PatientInputError):
            errors.append(item)
            continue
        src = Path(item.source.rsplit(":", 1)[0]) if item.source.count(":") else Path(item.source)
        stem = src.stem
        if item.source != str(src):  # an NDJSON line: file:line
            stem = f"{stem}-line{item.source.rsplit(':', 1)[1]}"
        name = _UNSAFE.sub("_", stem).strip("._") or "patient"
        base, n = name, 2
        while name.lower() in used or name == SUMMARY_FILE.removesuffix(".json"):
            name, n = f"{base}-{n}", n + 1
        used.add(name.lower())
        tasks.append(PatientTask(name, item.profile.id, item.source, item.profile))
    return tasks, errors


def select_trials(
    store: Store,
    *,
    statuses: Sequence[OverallStatus] = (),
    nct_ids: Sequence[str] = (),
) -> list[TrialItem]:
    """Trials (NCT order) with their parsed criteria, parsed once and cached in the store."""
    from trialscout.criteria.cache import get_or_parse

    wanted = set(statuses)
    out: list[TrialItem] = []
    if nct_ids:
        found = (store.get_trial(n) for n in sorted(set(nct_ids)))
        trials: Iterable[Any] = (t for t in found if t is not None)
    else:
        trials = store.iter_trials()
    for t in trials:
        if wanted and t.overall_status not in wanted:
            continue
        out.append((t, get_or_parse(store, t)))
    return out


# -- the whole run ---------------------------------------------------------------------------


@dataclass
class BatchSummary:
    patients: int = 0
    trials: int = 0
    evaluations: int = 0
    seconds: float = 0.0
    workers: int = 0
    errors: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.evaluations / self.seconds if self.seconds > 0 else 0.0


def write_outputs(out_dir: Path, outputs: Sequence[PatientOutput], summary: BatchSummary) -> None:
    """One `<name>.json` per patient (the `match --format json` document) and `_summary.json`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    index = []
    for o in outputs:
        if o.doc is None:
            continue
        path = out_dir / f"{o.name}.json"
        path.write_text(json.dumps(o.doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        summary.written.append(path.name)
        index.append({"file": path.name, "source": o.source, "patient": o.doc.get("patient")})
    doc = {
        "patients": summary.patients,
        "trials": summary.trials,
        "evaluations": summary.evaluations,
        "results": index,
        "errors": summary.errors,
    }
    (out_dir / SUMMARY_FILE).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def run_batch(
    patients: str | Path,
    trials: Sequence[TrialItem],
    out_dir: str | Path,
    *,
    client: Client | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    policy: MatchPolicy | None = None,
    as_of: Any = None,
) -> BatchSummary:
    """Read `patients`, match them all against `trials` on Dask, write `out_dir`."""
    tasks, bad = patient_tasks(iter_patients(patients, as_of=as_of))
    summary = BatchSummary(patients=len(tasks), trials=len(trials))
    summary.errors.extend(e.message for e in bad)

    def go(c: Client) -> list[PatientOutput]:
        summary.workers = len(c.scheduler_info().get("workers", {}))
        start = time.perf_counter()
        res = run_dask(c, tasks, trials, policy=policy)
        summary.seconds = time.perf_counter() - start
        return res

    if client is not None:
        outputs = go(client)
    else:
        with dask_client(scheduler, workers=workers, processes=processes) as c:
            outputs = go(c)
    for o in outputs:
        if o.error is not None:
            summary.errors.append(o.error)
    done = [o for o in outputs if o.doc is not None]
    summary.evaluations = len(done) * len(trials)
    write_outputs(Path(out_dir), outputs, summary)
    return summary
