"""Draw the held-out criteria gold set (session 3): 10 oncology trials, one per group.

Deterministic: the same CSV gives the same 10 trials. Rule (docs/criteria-gold.md,
"Held-out set (session 3)"), the documented seed-2026 drawing rule with these changes:
seed 2027, one trial per group, the first 10 groups only (no gastric / head and neck),
texts of 1,200-3,000 characters, and every trial already in the development gold set
(tests/fixtures/criteria_gold) excluded.

1. Oncology subset: the `diseases` column matches ONCOLOGY_RE (as in
   trialscout.criteria.evaluate; copied here so this script runs without the package).
2. For each group, in order: `diseases` matches the group regex; the text is
   1,200-3,000 characters, contains "exclusion criteria" and at least 6 bulleted or
   numbered lines; the trial is not in the development gold set nor drawn for an earlier
   group.
3. The pool is sorted by NCT id and shuffled with one `random.Random(2027)`, advanced
   group by group; the first trial is taken.

Usage: python scripts/draw_holdout.py [--csv PATH] [--gold DIR]
Prints `group<TAB>nct_id<TAB>chars<TAB>pool size` per group.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

SEED = 2027
MIN_CHARS, MAX_CHARS = 1200, 3000

ONCOLOGY_RE = re.compile(
    r"cancer|carcinoma|tumou?r|neoplas|lymphoma|leuka?emia|myeloma|sarcoma|melanoma|glioma|"
    r"glioblastoma|metasta|malignan|blastoma|mesothelioma|myelodysplas|carcinoid",
    re.IGNORECASE,
)
GROUPS: list[tuple[str, str]] = [
    ("lymphoma", r"lymphoma"),
    ("leukaemia", r"leuka?emia"),
    ("myeloma", r"myeloma"),
    ("melanoma", r"melanoma"),
    ("glioma", r"glioma|glioblastoma|astrocytoma"),
    ("prostate", r"prostat"),
    (
        "gynaecological",
        r"ovar|cervix|cervical (?:cancer|carcinoma|neoplasm)|endometri|uterine|uterus",
    ),
    ("renal_bladder", r"renal|kidney|bladder|urothel"),
    ("sarcoma", r"sarcoma"),
    ("liver_pancreas", r"hepatocell|liver cancer|pancrea"),
]
BULLET_RE = re.compile(r"^\s*(-|\*|\d{1,2}\.|[a-z]\)|\(\w{1,3}\))\s+\S", re.MULTILINE)


def draw(csv_path: Path, gold_dir: Path) -> list[tuple[str, str, int, int]]:
    csv.field_size_limit(sys.maxsize)
    with csv_path.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if ONCOLOGY_RE.search(r["diseases"] or "")]
    taken = {p.stem for p in gold_dir.glob("NCT*.json")}
    rng = random.Random(SEED)
    picks = []
    for group, pattern in GROUPS:
        group_re = re.compile(pattern, re.IGNORECASE)
        pool = sorted(
            (
                r
                for r in rows
                if group_re.search(r["diseases"])
                and MIN_CHARS <= len(r["criteria"]) <= MAX_CHARS
                and "exclusion criteria" in r["criteria"].lower()
                and len(BULLET_RE.findall(r["criteria"])) >= 6
                and r["nctid"] not in taken
            ),
            key=lambda r: r["nctid"],
        )
        rng.shuffle(pool)
        pick = pool[0]
        taken.add(pick["nctid"])
        picks.append((group, pick["nctid"], len(pick["criteria"]), len(pool)))
    return picks


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_csv = Path("/work/shared/data/criteria/eligibility-texts.csv")
    ap.add_argument("--csv", type=Path, default=default_csv)
    ap.add_argument("--gold", type=Path, default=root / "tests/fixtures/criteria_gold")
    args = ap.parse_args()
    for group, nct, chars, pool in draw(args.csv, args.gold):
        print(f"{group}\t{nct}\t{chars}\t{pool}")


if __name__ == "__main__":
    main()
