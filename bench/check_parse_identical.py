"""Check that the criteria parser's output is unchanged (a guard for speed work).

    # once, with the code before a change:
    python bench/check_parse_identical.py --csv ../shared/data/criteria/eligibility-texts.csv \
        --write /tmp/parse_baseline.jsonl
    # after the change:
    python bench/check_parse_identical.py --csv ../shared/data/criteria/eligibility-texts.csv \
        --against /tmp/parse_baseline.jsonl

Each line is the JSON of `parse_criteria(text, nct_id)` for one trial of the corpus.
`--against` compares line by line and exits 1 naming the first trials that differ.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path


def _lines(csv: Path, limit: int) -> list[str]:
    from trialscout.criteria.evaluate import iter_corpus
    from trialscout.criteria.parser import parse_criteria

    rows = list(iter_corpus(csv))
    if limit:
        rows = rows[:limit]
    return [parse_criteria(r.criteria, r.nct_id).model_dump_json() for r in rows]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, required=True, help="eligibility-texts.csv")
    ap.add_argument("--limit", type=int, default=0, help="only the first N trials (0 = all)")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", type=Path, help="write the parses here (JSON lines)")
    g.add_argument("--against", type=Path, help="compare with parses written before")
    args = ap.parse_args(argv)
    lines = _lines(args.csv, args.limit)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    if args.write:
        args.write.write_text("\n".join(lines) + "\n")
        print(f"wrote {len(lines)} parses to {args.write} (sha256 {digest})")
        return 0
    before = args.against.read_text().splitlines()
    if args.limit:
        before = before[: args.limit]
    bad = [i for i, (a, b) in enumerate(zip(before, lines, strict=False)) if a != b]
    if len(before) != len(lines):
        print(f"DIFFERENT: {len(before)} parses before, {len(lines)} now")
        return 1
    if bad:
        print(f"DIFFERENT: {len(bad)} of {len(lines)} trials differ, e.g. lines {bad[:10]}")
        for i in bad[:3]:
            a, b = before[i], lines[i]
            k = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), min(len(a), len(b)))
            print(f"  line {i}: before ...{a[max(0, k - 120) : k + 120]}")
            print(f"  line {i}: now    ...{b[max(0, k - 120) : k + 120]}")
        return 1
    print(f"IDENTICAL: {len(lines)} parses byte-identical (sha256 {digest})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
