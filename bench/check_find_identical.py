"""Check that `find` results are unchanged on a kept store (a guard for speed work).

    # once, with the code before a change (profiles are extracted once and kept, so a change
    # to the note extractor does not show up as a change of `find`):
    python bench/check_find_identical.py --db /tmp/scale3/scale-100000.db \
        --queries ../shared/data/benchmarks/trec2021/queries.jsonl \
        --profiles /tmp/find_profiles.json --write /tmp/find_baseline.jsonl
    # after the change:
    python bench/check_find_identical.py --db ... --profiles /tmp/find_profiles.json \
        --against /tmp/find_baseline.jsonl [--profile-out /tmp/find.prof]

Each line is the JSON of `find_trials(..., top=candidates, show_ineligible=True)` for one
patient: every candidate, its rank, scores, reason and the full match (criteria, statuses,
reasons, evidence, missing facts). `--against` compares line by line and exits 1 naming the
patients that differ. Prints the CPU time of each `find` (document-frequency cache cleared
before each, as `bench_scale.py` does); `--profile-out` writes a cProfile of the finds.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path


def _profiles(queries: Path | None, path: Path, patients: int) -> list[object]:
    from trialscout.patient.profile import PatientProfile

    if path.exists():
        return [PatientProfile.model_validate(d) for d in json.loads(path.read_text())]
    if queries is None:
        sys.exit(f"{path} does not exist: pass --queries to extract the profiles")
    from trialscout.patient.loader import load_note

    notes = [json.loads(ln)["text"] for ln in queries.read_text().splitlines() if ln.strip()]
    out = [
        load_note(t, source="<bench>", as_of=dt.date(2021, 6, 1)).profile for t in notes[:patients]
    ]
    path.write_text(json.dumps([p.model_dump(mode="json") for p in out]))
    return list(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True, help="a kept store (bench_scale --keep)")
    ap.add_argument("--queries", type=Path, help="patient notes (queries.jsonl)")
    ap.add_argument("--profiles", type=Path, required=True, help="extracted profiles (JSON)")
    ap.add_argument("--patients", type=int, default=20)
    ap.add_argument("--candidates", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=1, help="time every patient this many times")
    ap.add_argument("--profile-out", type=Path, help="write a cProfile of the finds here")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--write", type=Path, help="write the results here (JSON lines)")
    g.add_argument("--against", type=Path, help="compare with results written before")
    args = ap.parse_args(argv)

    from trialscout.search.find import find_trials
    from trialscout.search.patient_query import DF_CACHE
    from trialscout.store import Store

    profiles = _profiles(args.queries, args.profiles, args.patients)
    lines: list[str] = []
    cpu: list[float] = []
    prof = cProfile.Profile() if args.profile_out else None
    with Store.open(args.db) as store:
        find_trials(store, profiles[0], top=20, candidates=args.candidates)  # warm-up
        for r in range(args.rounds):
            for p in profiles:
                DF_CACHE.clear()
                c0 = time.process_time()
                if prof is not None:
                    prof.enable()
                res = find_trials(
                    store, p, top=args.candidates, candidates=args.candidates, show_ineligible=True
                )
                if prof is not None:
                    prof.disable()
                cpu.append(time.process_time() - c0)
                if r == 0:
                    lines.append(res.model_dump_json())
    if prof is not None and args.profile_out:
        prof.dump_stats(str(args.profile_out))
    xs = sorted(cpu)
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    print(
        f"find CPU over {len(xs)}: p50 {statistics.median(xs) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, mean {statistics.fmean(xs) * 1000:.0f} ms"
    )
    if args.write:
        args.write.write_text("\n".join(lines) + "\n")
        print(f"wrote {len(lines)} results to {args.write}")
    if args.against:
        old = args.against.read_text().splitlines()
        bad = [i for i, (a, b) in enumerate(zip(old, lines, strict=False)) if a != b]
        if len(old) != len(lines):
            bad.append(-1)
        if bad:
            print(f"DIFFERENT: patients {bad}")
            return 1
        print(f"identical: {len(lines)} patients")
    return 0


if __name__ == "__main__":
    sys.exit(main())
