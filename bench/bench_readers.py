"""Reader throughput: stream a registry archive through iter_records + parse_record.

Usage: .venv/bin/python bench/bench_readers.py [ARCHIVE_OR_FOLDER ...] [--repeat N]
Default input: ../shared/data/ctgov/AllPublicXML-sample.zip. Prints the figures and writes
them to bench/results/readers.json. Single process, one core; nothing is kept in memory
(each Trial is dropped once built, as the ingest stage does per batch). Stage times are CPU
time (process_time), so other work on a shared machine inflates wall time but not them.
"""

from __future__ import annotations

import argparse
import collections
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from trialscout.registry.errors import RecordError  # noqa: E402
from trialscout.registry.readers import parse_record  # noqa: E402
from trialscout.registry.sources import iter_records  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "ctgov" / "AllPublicXML-sample.zip"


def run_once(paths: list[str]) -> dict[str, object]:
    ok = 0
    errors: list[str] = []
    read_s = parse_s = 0.0
    formats: collections.Counter[str] = collections.Counter()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    it = iter(iter_records(paths))
    while True:
        t0 = time.process_time()
        try:
            raw = next(it)
        except StopIteration:
            break
        t1 = time.process_time()
        read_s += t1 - t0
        if isinstance(raw, RecordError):
            errors.append(str(raw))
            continue
        formats[raw.format] += 1
        try:
            parse_record(raw)
            ok += 1
        except RecordError as exc:
            errors.append(str(exc))
        parse_s += time.process_time() - t1
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    n = ok + len(errors)
    return {
        "records": n,
        "parsed": ok,
        "errors": len(errors),
        "error_lines": errors[:50],
        "formats": dict(formats),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "read_cpu_s": round(read_s, 3),
        "parse_cpu_s": round(parse_s, 3),
        "studies_per_s_wall": round(n / wall, 1) if wall else None,
        "studies_per_s_cpu": round(n / cpu, 1) if cpu else None,
        "parse_ms_per_study": round(parse_s / max(1, n) * 1e3, 4),
        "read_ms_per_study": round(read_s / max(1, n) * 1e3, 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("paths", nargs="*", default=[str(DEFAULT)])
    ap.add_argument("--repeat", type=int, default=3, help="runs; the fastest is reported")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "readers.json"))
    args = ap.parse_args()
    runs = [run_once(args.paths) for _ in range(max(1, args.repeat))]
    best = min(runs, key=lambda r: float(r["cpu_s"]))  # type: ignore[arg-type]
    result = {
        "benchmark": "registry readers (iter_records + parse_record)",
        "inputs": args.paths,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "runs": len(runs),
        "best": best,
        "all_wall_s": [r["wall_s"] for r in runs],
        "all_cpu_s": [r["cpu_s"] for r in runs],
    }
    print(f"records            {best['records']}")
    print(f"parsed             {best['parsed']}")
    print(f"errors             {best['errors']}")
    for line in best["error_lines"]:  # type: ignore[attr-defined]
        print(f"  {line}")
    print(f"wall / cpu s       {best['wall_s']} / {best['cpu_s']}")
    print(f"studies/s (wall)   {best['studies_per_s_wall']}")
    print(f"studies/s (cpu)    {best['studies_per_s_cpu']}")
    print(f"read ms/study cpu  {best['read_ms_per_study']}")
    print(f"parse ms/study cpu {best['parse_ms_per_study']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
