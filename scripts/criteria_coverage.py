"""Share of criteria fully parsed over eligibility-texts.csv (all and oncology), plus the
most frequent unparsed phrases, to decide what the engine should learn next.

Usage:
    .venv/bin/python scripts/criteria_coverage.py [PATH/eligibility-texts.csv] [--top 40]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections import Counter
from pathlib import Path

from trialscout.criteria.atoms import iter_atoms
from trialscout.criteria.parser import parse_criteria

ONCO = re.compile(
    r"cancer|carcinoma|tumou?r|neoplasm|lymphoma|leuka?emia|myeloma|sarcoma|melanoma|glioma|"
    r"glioblastoma|malignan|metasta|oncolog|blastoma|mesothelioma",
    re.I,
)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "csv",
        nargs="?",
        default=str(
            Path(__file__).resolve().parents[1].parent
            / "shared/data/criteria/eligibility-texts.csv"
        ),
    )
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    csv.field_size_limit(10**9)
    with open(args.csv, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if args.limit:
        rows = rows[: args.limit]
    tot = {"all": [0, 0], "onco": [0, 0]}
    phrases: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    t0 = time.perf_counter()
    for r in rows:
        text = r.get("criteria") or ""
        onco = bool(ONCO.search(r.get("diseases", "") + " " + text[:3000]))
        parsed = parse_criteria(text, r.get("nctid"))
        for c in parsed.criteria:
            if any(x.parent == c.id for x in parsed.criteria):
                continue  # parents are the AND of their children
            for key in ("all", "onco") if onco else ("all",):
                tot[key][0] += 1
                tot[key][1] += int(c.fully_parsed)
            for a in iter_atoms(c.expr):
                kinds[a.type] += 1
                if a.type == "unparsed" and onco:
                    words = re.findall(r"[a-z][a-z0-9-]+", a.text.lower())
                    for n in (2, 3):
                        for i in range(len(words) - n + 1):
                            phrases[" ".join(words[i : i + n])] += 1
    dt = time.perf_counter() - t0
    for key, (n, ok) in tot.items():
        print(f"{key:5} criteria {n:7d}  fully parsed {ok:7d}  ({100 * ok / max(n, 1):.1f}%)")
    print(f"trials {len(rows)} in {dt:.1f}s = {len(rows) / dt:.0f} trials/s")
    print("atoms:", ", ".join(f"{k}={v}" for k, v in kinds.most_common()))
    print("most frequent unparsed phrases (oncology):")
    for p, n in phrases.most_common(args.top):
        print(f"  {n:6d}  {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
