"""Registry-scale benchmark of `find` (a benchmark, not a test; numbers vary +-20% here).

Builds a store of N trials by replicating the real records of the classic XML sample under
new NCT IDs (NCT9xxxxxxx) with perturbed fields (overall status, age limits, keyword subset,
last-update date), then measures, each size in its own process (clean peak RSS):

- ingest: `Store.upsert_batch` of the replicated trials (index included), trials/s;
- criteria: parsing every distinct criteria text once (`parse_criteria`), then caching the
  parse for every trial (`Store.put_criteria`); copies share their original's text;
- search: short AND queries as a user types them (`Store.search`), p50 / p95;
- retrieval: the patient OR query alone, three ways: the whole note (the BM25 baseline,
  `trec.bm25_run`), the default selective query (`patient_query.build_query`, timed alone as
  `build_query` too, with its document-frequency cache cleared first, then `find.retrieve`),
  and that query with the cancer-type prefilter;
- find: `find_trials` (top 200 candidates fully evaluated) for 20 patients (TREC 2021 notes,
  extracted before timing; document-frequency cache cleared before each), p50 / p95;
- peak RSS of the process.

Every timing has a wall figure and a CPU figure (`*_cpu_*`, `time.process_time`): on a
shared machine the wall figures carry the other jobs' load.

    python bench/bench_scale.py --xml-zip ../shared/data/ctgov/AllPublicXML-sample.zip \
        --queries ../shared/data/benchmarks/trec2021/queries.jsonl \
        --sizes 10000 100000 500000 --out bench/results

`--workdir DIR --keep` keeps the stores (~3 GB per 100k trials), `--build-only` only builds
them, `--reuse` measures a kept store again (the build figures already in the output for
that size are kept).

Writes `<out>/scale.json` (sizes already there from an earlier run are kept unless re-run).
`bench/check_find_identical.py` checks on a kept store that a change leaves `find`'s output
as it was (and times it, with a cProfile if asked).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SHORT_QUERIES = [
    "nasopharyngeal carcinoma",
    "breast cancer",
    "PD-1",
    "lung cancer EGFR",
    "glioblastoma temozolomide",
    "pancreatic cancer",
    "melanoma",
    "prostate cancer radiotherapy",
    "head and neck",
    "colorectal cancer",
]
STATUSES = ["RECRUITING", "COMPLETED", "ACTIVE_NOT_RECRUITING", "NOT_YET_RECRUITING", "UNKNOWN"]


def _pct(xs: list[float], p: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))
    return round(xs[k] * 1000, 2)


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load_base(xml_zip: Path) -> list[tuple[Any, Any]]:
    """The real records: (Trial, RawRecord) for every readable study of the zip."""
    from trialscout.registry.errors import RecordError
    from trialscout.registry.readers import parse_record
    from trialscout.registry.sources import iter_records

    out = []
    for raw in iter_records([xml_zip]):
        if isinstance(raw, RecordError):
            continue
        try:
            out.append((parse_record(raw), raw))
        except RecordError:
            continue
    return out


def replicas(base: list[tuple[Any, Any]], n: int, seed: int = 7) -> Iterator[tuple[Any, Any]]:
    """The first len(base) are the real records; the rest copies under NCT9xxxxxxx with
    perturbed status, age limits, keywords and last-update date."""
    from trialscout.registry.model import DatedEvent, OverallStatus

    rng = random.Random(seed)
    for i in range(n):
        trial, raw = base[i % len(base)]
        if i < len(base):
            yield trial, raw
            continue
        upd: dict[str, Any] = {
            "nct_id": f"NCT9{i:07d}",
            "overall_status": OverallStatus(rng.choice(STATUSES)),
            "keywords": [k for k in trial.keywords if rng.random() < 0.7],
            "last_update_posted_date": DatedEvent(
                date=f"20{rng.randint(10, 23):02d}-{rng.randint(1, 12):02d}-01"
            ),
        }
        el = trial.eligibility
        if el is not None:
            lo = el.minimum_age_years
            shift = rng.choice([-2, 0, 0, 3])
            upd["eligibility"] = el.model_copy(
                update={"minimum_age_years": max(0.0, lo + shift) if lo is not None else None}
            )
        yield trial.model_copy(update=upd), raw


def build(db: Path, base: list[tuple[Any, Any]], n: int) -> dict[str, Any]:
    from trialscout.criteria.parser import PARSER_VERSION, parse_criteria
    from trialscout.store import Store

    out: dict[str, Any] = {}
    with Store.open(db) as store:
        t0, c0 = time.perf_counter(), time.process_time()
        batch: list[tuple[Any, Any]] = []
        for item in replicas(base, n):
            batch.append(item)
            if len(batch) == 1000:
                store.upsert_batch(batch)
                batch = []
        if batch:
            store.upsert_batch(batch)
        wall = time.perf_counter() - t0
        out["ingest_s"] = round(wall, 1)
        out["ingest_cpu_s"] = round(time.process_time() - c0, 1)
        out["ingest_trials_per_s"] = round(n / max(wall, 1e-6))

        # Criteria: parse each distinct text once, cache the parse for every trial.
        t0, c0 = time.perf_counter(), time.process_time()
        parsed: dict[str, str] = {}
        for trial, _ in base:
            text = trial.eligibility.criteria if trial.eligibility else None
            key = text or ""
            if key not in parsed:
                parsed[key] = parse_criteria(text, trial.nct_id).model_dump_json(exclude_none=True)
        out["criteria_parse_s"] = round(time.perf_counter() - t0, 1)
        out["criteria_parse_cpu_s"] = round(time.process_time() - c0, 1)
        out["criteria_distinct_texts"] = len(parsed)
        t0, c0 = time.perf_counter(), time.process_time()
        for trial, _ in replicas(base, n):
            text = trial.eligibility.criteria if trial.eligibility else None
            store.put_criteria(trial.nct_id, PARSER_VERSION, parsed[text or ""])
        out["criteria_cache_s"] = round(time.perf_counter() - t0, 1)
        out["criteria_cache_cpu_s"] = round(time.process_time() - c0, 1)
        out["trials"] = store.count()
    out["db_mb"] = round(db.stat().st_size / 1e6)
    return out


class _Timer:
    """Wall and CPU seconds of each timed call (the shared machine distorts wall time)."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self._t = (0.0, 0.0)

    def __enter__(self) -> _Timer:
        self._t = (time.perf_counter(), time.process_time())
        return self

    def __exit__(self, *_: object) -> None:
        self.wall.append(time.perf_counter() - self._t[0])
        self.cpu.append(time.process_time() - self._t[1])

    def put(self, out: dict[str, Any], name: str) -> None:
        out[f"{name}_p50_ms"], out[f"{name}_p95_ms"] = _pct(self.wall, 50), _pct(self.wall, 95)
        out[f"{name}_cpu_p50_ms"] = _pct(self.cpu, 50)
        out[f"{name}_cpu_p95_ms"] = _pct(self.cpu, 95)


def measure(db: Path, notes: list[str], rounds: int) -> dict[str, Any]:
    from trialscout.patient.loader import load_note
    from trialscout.search import SearchQuery
    from trialscout.search.find import find_trials, retrieve
    from trialscout.search.patient_query import DF_CACHE, PatientQuery, build_query
    from trialscout.search.trec import bm25_run
    from trialscout.store import Store

    out: dict[str, Any] = {}
    profiles = [load_note(t, source="<bench>", as_of=dt.date(2021, 6, 1)).profile for t in notes]
    with Store.open(db) as store:
        search = _Timer()
        for _ in range(rounds):
            for q in SHORT_QUERIES:
                with search:
                    store.search(SearchQuery(text=q, limit=20))
        search.put(out, "search")

        full = _Timer()
        for t in notes[: max(5, len(notes) // 4)]:
            with full:
                bm25_run(store, t, limit=200)
        full.put(out, "retrieval_full_note")

        # The patient query: building it (document frequencies, counted cold: the cache
        # is cleared first) and running it (`retrieve`, top 200, age/sex filters).
        bq, sel, pre = _Timer(), _Timer(), _Timer()
        words: list[int] = []
        for p in profiles:
            with store.engine.connect() as conn:
                DF_CACHE.clear()
                with sel:
                    with bq:
                        pq = build_query(conn, p)
                    retrieve(conn, store, pq, limit=200)
                words.append(len(pq.words) + len(pq.concepts))
                if not pq.cancer_conditions and pq.concepts:
                    # No cancer in the note: measure a conditions prefilter on its first concept.
                    pq = PatientQuery(
                        concepts=pq.concepts,
                        words=pq.words,
                        age=pq.age,
                        sex=pq.sex,
                        cancer_conditions=pq.concepts[:1],
                    )
                if pq.cancer_conditions:
                    with pre:
                        retrieve(conn, store, pq, limit=200, cancer_filter=True)
        bq.put(out, "build_query")
        sel.put(out, "retrieval_selective")
        pre.put(out, "retrieval_prefiltered")
        out["query_terms_mean"] = round(statistics.fmean(words), 1) if words else 0

        # find: one warm-up, then every patient once, each with the document-frequency
        # cache cleared (a conservative figure: a server keeps it across patients).
        find_trials(store, profiles[0], top=20, candidates=200)
        ft = _Timer()
        for p in profiles:
            DF_CACHE.clear()
            with ft:
                find_trials(store, p, top=20, candidates=200)
        ft.put(out, "find")
        out["find_patients"] = len(profiles)
    return out


def one(args: argparse.Namespace) -> None:
    base = load_base(args.xml_zip)
    notes = [json.loads(ln)["text"] for ln in args.queries.read_text().splitlines() if ln.strip()]
    notes = notes[: args.patients]
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ts-scale-"))
    db = workdir / f"scale-{args.one}.db"
    result: dict[str, Any] = {"size": args.one, "base_records": len(base)}
    if db.exists() and args.reuse:
        result["reused_store"] = True
        result["db_mb"] = round(db.stat().st_size / 1e6)
    else:
        db.unlink(missing_ok=True)
        result.update(build(db, base, args.one))
    if not args.build_only:
        result.update(measure(db, notes, args.rounds))
    result["peak_rss_mb"] = _rss_mb()
    if not args.keep and not args.build_only:
        for p in workdir.glob(f"scale-{args.one}.db*"):
            p.unlink()
    print(json.dumps(result))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--xml-zip", type=Path, required=True)
    ap.add_argument("--queries", type=Path, required=True, help="patient notes (queries.jsonl)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--patients", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("bench/results"))
    ap.add_argument("--workdir", default=None, help="where the stores go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the stores")
    ap.add_argument("--reuse", action="store_true", help="reuse a kept store of the same size")
    ap.add_argument("--build-only", action="store_true", help="build (and keep) the stores only")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        one(args)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "scale.json"
    results: dict[str, Any] = json.loads(target.read_text()) if target.exists() else {}
    runs = results.setdefault("runs", {})
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n), *sys.argv[1:]]
        print(f"size {n} ...", file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            continue
        new = json.loads(proc.stdout.strip().splitlines()[-1])
        old = runs.get(str(n), {})
        if new.get("reused_store"):
            # Keep the figures of the run that built the store (same size, same code path).
            new = {**{k: v for k, v in old.items() if k in _BUILD_KEYS}, **new}
        runs[str(n)] = new
        print(json.dumps(runs[str(n)]), file=sys.stderr, flush=True)
        results["machine"] = (
            f"{os.cpu_count()} cores shared with other jobs (load average "
            f"{os.getloadavg()[0]:.1f} at the end): wall times carry the other jobs' load; "
            "the *_cpu_* figures (time.process_time of this process) much less, though "
            "contention inflates them too; "
            f"Python {sys.version.split()[0]}, stdlib sqlite3 {_sqlite_version()}"
        )
        results["targets"] = {
            "search_p50_ms": 50,
            "find_ms": 1000,
            "find_candidates": 200,
            "peak_rss_mb": 2048,
        }
        target.write_text(json.dumps(results, indent=2) + "\n")


_BUILD_KEYS = {
    "ingest_s",
    "ingest_cpu_s",
    "ingest_trials_per_s",
    "criteria_parse_s",
    "criteria_parse_cpu_s",
    "criteria_distinct_texts",
    "criteria_cache_s",
    "criteria_cache_cpu_s",
    "trials",
    "db_mb",
    "build_note",
}


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


if __name__ == "__main__":
    main()
