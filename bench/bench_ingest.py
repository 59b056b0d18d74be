"""Ingest speed: the 6,786-study classic XML sample, and API v2 JSON replicated to a few thousand.

Each run goes into a fresh store in its own process (clean peak-RSS figures), through the same
code as `trialscout ingest` (`ingest_paths`). A second pass splits the time into read+parse and
store, and compares zlib levels for the verbatim records. Writes `<out>/ingest.json`.

    python bench/bench_ingest.py --xml-zip ../shared/data/ctgov/AllPublicXML-sample.zip \
        --out bench/results
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

from trialscout.registry.errors import RecordError
from trialscout.registry.ingest import ingest_paths
from trialscout.store import Store

MAX_JSON_BYTES = 200_000  # leave out the 1.5 MB results record: it would dominate the copies


def make_json_zip(api_v2_dir: Path, target: Path, count: int) -> int:
    """Replicate the real API v2 studies under new NCT IDs (NCT9xxxxxxx) into a zip."""
    studies = [
        json.loads(p.read_bytes())
        for p in sorted(api_v2_dir.glob("NCT*.json"))
        if p.stat().st_size <= MAX_JSON_BYTES
    ]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(count):
            study = json.loads(json.dumps(studies[i % len(studies)]))
            nct = f"NCT9{i:07d}"
            study["protocolSection"]["identificationModule"]["nctId"] = nct
            zf.writestr(f"{nct}.json", json.dumps(study))
    return count


def run_one(path: Path, batch_size: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "bench.db") as store:
        t0 = time.perf_counter()
        c0 = time.process_time()
        summary = ingest_paths([path], store, batch_size=batch_size, progress=False)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        db_mb = (Path(tmp) / "bench.db").stat().st_size / 1e6
    n = summary.stored + summary.unchanged + summary.failed
    return {
        "records": n,
        "stored": summary.stored,
        "failed": summary.failed,
        "seconds": round(elapsed, 2),
        "trials_per_s": round(n / elapsed, 1),
        # CPU time of this one process: the one-core figure, robust to other load on the machine.
        "cpu_seconds": round(cpu, 2),
        "trials_per_cpu_s": round(n / cpu, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "db_mb": round(db_mb, 1),
    }


def breakdown(path: Path, batch_size: int) -> dict[str, object]:
    """Where the time goes: read+parse, then store, measured separately."""
    from trialscout.registry.readers import parse_record
    from trialscout.registry.sources import iter_records

    t0 = time.perf_counter()
    items = []
    for rec in iter_records([path]):
        if isinstance(rec, RecordError):
            continue
        with contextlib.suppress(RecordError):
            items.append((parse_record(rec), rec))
    parse_s = time.perf_counter() - t0
    out: dict[str, object] = {"read_parse_s": round(parse_s, 2)}
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "b.db") as store:
        t0 = time.perf_counter()
        for i in range(0, len(items), batch_size):
            store.upsert_batch(items[i : i + batch_size])
        out["store_s"] = round(time.perf_counter() - t0, 2)
    payloads = [raw.payload for _, raw in items]
    raw_mb = sum(map(len, payloads)) / 1e6
    for level in (1, 6):
        t0 = time.perf_counter()
        size = sum(len(zlib.compress(p, level)) for p in payloads)
        out[f"zlib{level}_s"] = round(time.perf_counter() - t0, 2)
        out[f"zlib{level}_ratio"] = round(size / 1e6 / raw_mb, 3)
    t0 = time.perf_counter()
    for trial, _ in items:
        trial.model_dump_json(exclude_defaults=True)
    out["dump_json_s"] = round(time.perf_counter() - t0, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--xml-zip", type=Path, required=True)
    ap.add_argument("--api-v2", type=Path, default=None, help="folder of API v2 JSON studies")
    ap.add_argument("--json-count", type=int, default=3000)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--out", type=Path, default=Path("bench/results"))
    ap.add_argument("--one", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--breakdown", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        fn = breakdown if args.breakdown else run_one
        print(json.dumps(fn(args.one, args.batch_size)))
        return

    api_v2 = args.api_v2 or args.xml_zip.parent / "api-v2"
    results: dict[str, object] = {"batch_size": args.batch_size, "python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        inputs = {"xml": args.xml_zip}
        if api_v2.is_dir():
            inputs["json"] = Path(tmp) / "api-v2-replicated.zip"
            make_json_zip(api_v2, inputs["json"], args.json_count)
        for label, path in inputs.items():
            for mode in ("ingest", "breakdown"):
                cmd = [sys.executable, __file__, "--xml-zip", str(args.xml_zip), "--one", str(path)]
                cmd += ["--batch-size", str(args.batch_size)]
                if mode == "breakdown":
                    cmd.append("--breakdown")
                proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
                row = json.loads(proc.stdout.strip().splitlines()[-1])
                results[f"{label}_{mode}"] = row
                print(label, mode, json.dumps(row), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ingest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out / 'ingest.json'}")


if __name__ == "__main__":
    main()
