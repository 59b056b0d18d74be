"""Criteria parser throughput on the eligibility-texts corpus (one process, one core).

    python bench/bench_criteria.py --csv ../shared/data/criteria/eligibility-texts.csv \
        --out bench/results

Prints trials per CPU second (process time: the target, >= 200 on one core, holds on a
shared machine too), wall-clock trials/s, criteria/s, p50/p95 ms per trial and peak RSS,
and writes <out>/criteria.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

TARGET_TRIALS_PER_CPU_S = 200.0


def _percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    k = min(len(sorted_ms) - 1, max(0, round(q * (len(sorted_ms) - 1))))
    return sorted_ms[k]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, required=True, help="eligibility-texts.csv")
    ap.add_argument("--out", type=Path, default=Path("bench/results"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N trials (0 = all)")
    ap.add_argument(
        "--warmup",
        type=int,
        default=20,
        help="parse the first N trials once, untimed, before the timed pass (regexes and "
        "tables that are built on first use; 0 = only one short criterion)",
    )
    args = ap.parse_args(argv)
    if not args.csv.is_file():
        print(f"bench_criteria: {args.csv} not found", file=sys.stderr)
        return 2

    from trialscout.criteria.evaluate import iter_corpus
    from trialscout.criteria.parser import PARSER_VERSION, parse_criteria

    rows = list(iter_corpus(args.csv))
    if args.limit:
        rows = rows[: args.limit]
    parse_criteria("Inclusion Criteria:\n- Age >= 18 years", None)  # warm caches/regexes
    for row in rows[: args.warmup]:  # lazily built regexes/tables: not per-trial work
        with contextlib.suppress(Exception):  # a failing trial is counted in the timed pass
            parse_criteria(row.criteria, row.nct_id)
    times_ms: list[float] = []
    n_criteria = n_full = failures = 0
    t_all = time.perf_counter()
    cpu_all = time.process_time()
    for row in rows:
        t0 = time.perf_counter()
        try:
            parsed = parse_criteria(row.criteria, row.nct_id)
        except Exception:
            failures += 1
            times_ms.append((time.perf_counter() - t0) * 1000)
            continue
        times_ms.append((time.perf_counter() - t0) * 1000)
        n_criteria += len(parsed.criteria)
        n_full += sum(c.fully_parsed for c in parsed.criteria)
    wall = time.perf_counter() - t_all
    cpu = time.process_time() - cpu_all
    times_ms.sort()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "parser_version": str(PARSER_VERSION),
        "csv": str(args.csv),
        "trials": len(rows),
        "warmup_trials": min(args.warmup, len(rows)),
        "criteria": n_criteria,
        "fully_parsed": n_full,
        "parse_failures": failures,
        "wall_s": round(wall, 3),
        "trials_per_s": round(len(rows) / wall, 1) if wall else 0.0,
        "cpu_seconds": round(cpu, 3),
        "trials_per_cpu_s": round(len(rows) / cpu, 1) if cpu else 0.0,
        "criteria_per_s": round(n_criteria / wall, 1) if wall else 0.0,
        "p50_ms": round(_percentile(times_ms, 0.50), 3),
        "p95_ms": round(_percentile(times_ms, 0.95), 3),
        "max_ms": round(times_ms[-1], 3) if times_ms else 0.0,
        "mean_ms": round(statistics.fmean(times_ms), 3) if times_ms else 0.0,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "target_trials_per_cpu_s": TARGET_TRIALS_PER_CPU_S,
        "target_met": bool(cpu) and len(rows) / cpu >= TARGET_TRIALS_PER_CPU_S,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "criteria.json").write_text(json.dumps(result, indent=2) + "\n")
    met = "met" if result["target_met"] else "NOT met"
    print(
        f"{result['trials']} trials, {n_criteria} criteria: CPU {cpu:.2f} s = "
        f"{result['trials_per_cpu_s']} trials/CPU-s (target >= {TARGET_TRIALS_PER_CPU_S:.0f}: "
        f"{met}); wall {wall:.2f} s = {result['trials_per_s']} trials/s, "
        f"{result['criteria_per_s']} criteria/s; per trial p50 {result['p50_ms']} ms, "
        f"p95 {result['p95_ms']} ms; peak RSS {result['peak_rss_mb']} MB; "
        f"failures {failures}"
    )
    print(f"wrote {args.out / 'criteria.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
