"""Batch matching throughput on Dask: patient-trial evaluations per second, 1 and 2 workers.

    python bench/bench_batch.py --out bench/results                  # demo store, local cluster
    python bench/bench_batch.py --db postgresql+psycopg://u@host/db --status recruiting \\
        --patients /data/profiles --scheduler tcp://scheduler:8786 --out bench/results

Without --db the bundled demo records (`trialscout ingest --demo`) go into a temporary SQLite
store. Without --patients the matcher's test profiles are replicated (`--copies`). Criteria are
parsed once before timing (the store's cache); the clock covers shipping the parsed trials to
the workers, matching, and gathering results, not cluster start (reported separately).
Writes `batch.json` in --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "tests" / "fixtures" / "match"


def _store(db: str | None, tmp: Path) -> str:
    if db:
        return db
    from trialscout.registry.ingest import demo_paths, ingest_paths
    from trialscout.store import Store

    path = tmp / "demo.db"
    with Store.open(path) as store:
        ingest_paths(demo_paths(), store, progress=False)
    return str(path)


def _patients(path: str | None, copies: int, tmp: Path) -> Path:
    if path:
        return Path(path)
    lines = []
    for p in sorted(PROFILES.glob("*.json")):
        doc = json.loads(p.read_text(encoding="utf-8"))
        for i in range(copies):
            lines.append(json.dumps({**doc, "id": f"{doc.get('id', p.stem)}-{i}"}))
    out = tmp / "patients.ndjson"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="store path or URL (default: demo records in a temp store)")
    ap.add_argument("--patients", help="folder / NDJSON of profiles (default: test profiles)")
    ap.add_argument("--copies", type=int, default=4, help="copies of each test profile")
    ap.add_argument("--status", action="append", default=[], help="trial overall status filter")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--scheduler", help="Dask scheduler address (then --workers is ignored)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args(argv)

    from trialscout.match.batch import dask_client, patient_tasks, run_dask, select_trials
    from trialscout.match.screen import iter_patients
    from trialscout.registry.model import OverallStatus
    from trialscout.store import Store

    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        db = _store(args.db, tmp)
        with Store.open(db) as store:
            t0 = time.perf_counter()
            statuses = [OverallStatus(s.upper()) for s in args.status]
            trials = select_trials(store, statuses=statuses)
            parse_s = time.perf_counter() - t0
        tasks, errors = patient_tasks(iter_patients(_patients(args.patients, args.copies, tmp)))
        n_eval = len(tasks) * len(trials)
        print(
            f"{len(tasks)} patients x {len(trials)} trials = {n_eval} evaluations "
            f"({len(errors)} unreadable patients; criteria ready in {parse_s:.1f} s)"
        )
        plan: list[int | None] = [None] if args.scheduler else list(args.workers)
        for workers in plan:
            t0 = time.perf_counter()
            with dask_client(args.scheduler, workers=workers or 1) as client:
                start_s = time.perf_counter() - t0
                nworkers = len(client.scheduler_info().get("workers", {}))
                run_dask(client, tasks[:nworkers], trials[:5])  # warm-up: imports on workers
                t1 = time.perf_counter()
                out = run_dask(client, tasks, trials)
                secs = time.perf_counter() - t1
            ok = sum(1 for o in out if o.doc is not None)
            rate = ok * len(trials) / secs
            runs.append(
                {
                    "workers": nworkers,
                    "scheduler": args.scheduler or "LocalCluster(processes=True)",
                    "cluster_start_s": round(start_s, 2),
                    "seconds": round(secs, 2),
                    "evaluations": ok * len(trials),
                    "evaluations_per_s": round(rate, 1),
                }
            )
            print(
                f"{nworkers} worker(s): {rate:,.0f} evaluations/s "
                f"({secs:.1f} s; cluster start {start_s:.1f} s)"
            )
    result = {
        "benchmark": "batch matching on Dask distributed",
        "command": "python bench/bench_batch.py " + " ".join(argv or sys.argv[1:]),
        "patients": len(tasks),
        "trials": len(trials),
        "store": "demo records (SQLite)" if not args.db else "given --db",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "note": "shared 2-core machine; +-20%",
        },
        "runs": runs,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "batch.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
