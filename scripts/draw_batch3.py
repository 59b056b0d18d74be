"""Draw the third blind criteria gold batch (session 4): 14 oncology trials, one per group.

Deterministic: the same CSV gives the same 14 trials. Rule (docs/criteria-gold.md,
"Batch 3 (session 4)"), the batch-2 drawing rule with these changes: seed 2029, 14 groups in
the order of GROUPS below (lung, breast, colorectal, gastric/oesophageal, head and neck WITH
nasopharynx, lymphoma, leukaemia, myeloma, prostate, gynaecological, melanoma, liver/pancreas,
glioma/brain, renal/bladder), texts of 1,000-3,500 characters with at least 5 bulleted or
numbered lines, and every trial already in the development gold set
(tests/fixtures/criteria_gold), the held-out set (tests/fixtures/criteria_gold_holdout) or
batch 2 (tests/fixtures/criteria_gold_batch2) excluded. Only the held-out and batch-2
folders' file NAMES are read.

1. Oncology subset: the `diseases` column matches ONCOLOGY_RE (as in
   trialscout.criteria.evaluate; copied here so this script runs without the package).
2. For each group, in order: `diseases` matches the group regex; the text is
   1,000-3,500 characters, contains "exclusion criteria" and at least 5 bulleted or
   numbered lines; the trial is in no gold set and was not drawn for an earlier group.
3. The pool is sorted by NCT id and shuffled with one `random.Random(2029)`, advanced
   group by group; the first trial is taken.

Usage: python scripts/draw_batch3.py [--csv PATH] [--gold DIR] [--holdout DIR] [--batch2 DIR]
Prints `group<TAB>nct_id<TAB>chars<TAB>pool size` per group.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

SEED = 2029
MIN_CHARS, MAX_CHARS = 1000, 3500
MIN_BULLETS = 5

ONCOLOGY_RE = re.compile(
    r"cancer|carcinoma|tumou?r|neoplas|lymphoma|leuka?emia|myeloma|sarcoma|melanoma|glioma|"
    r"glioblastoma|metasta|malignan|blastoma|mesothelioma|myelodysplas|carcinoid",
    re.IGNORECASE,
)
# (group, regex on `diseases`)
GROUPS: list[tuple[str, str]] = [
    ("lung", r"lung|bronch|nsclc|sclc"),
    ("breast", r"breast"),
    ("colorectal", r"colorectal|colon|rect(?:al|um)"),
    ("gastric_oesophageal", r"gastric|stomach|o?esophag|gastro-?o?esophageal"),
    (
        "head_and_neck",
        r"head and neck|nasopharyn|oropharyn|hypopharyn|laryn|oral cavity|mouth|tongue|salivary",
    ),
    ("lymphoma", r"lymphoma"),
    ("leukaemia", r"leuka?emia"),
    ("myeloma", r"myeloma"),
    ("prostate", r"prostat"),
    (
        "gynaecological",
        r"ovar|cervix|cervical (?:cancer|carcinoma|neoplasm)|endometri|uterine|uterus",
    ),
    ("melanoma", r"melanoma"),
    ("liver_pancreas", r"hepatocell|liver cancer|pancrea"),
    (
        "glioma_brain",
        r"glioma|glioblastoma|astrocytoma|oligodendrogli|ependymoma|medulloblastoma|brain",
    ),
    ("renal_bladder", r"renal|kidney|bladder|urothel"),
]
BULLET_RE = re.compile(r"^\s*(-|\*|\d{1,2}\.|[a-z]\)|\(\w{1,3}\))\s+\S", re.MULTILINE)


def draw(csv_path: Path, gold_dirs: list[Path]) -> list[tuple[str, str, int, int]]:
    csv.field_size_limit(sys.maxsize)
    with csv_path.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if ONCOLOGY_RE.search(r["diseases"] or "")]
    # file names only: the held-out and batch-2 files are never opened
    taken = {p.stem for d in gold_dirs for p in d.glob("NCT*.json")}
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
                and len(BULLET_RE.findall(r["criteria"])) >= MIN_BULLETS
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
    fixtures = root / "tests/fixtures"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_csv = Path("/work/shared/data/criteria/eligibility-texts.csv")
    ap.add_argument("--csv", type=Path, default=default_csv)
    ap.add_argument("--gold", type=Path, default=fixtures / "criteria_gold")
    ap.add_argument("--holdout", type=Path, default=fixtures / "criteria_gold_holdout")
    ap.add_argument("--batch2", type=Path, default=fixtures / "criteria_gold_batch2")
    args = ap.parse_args()
    for group, nct, chars, pool in draw(args.csv, [args.gold, args.holdout, args.batch2]):
        print(f"{group}\t{nct}\t{chars}\t{pool}")


if __name__ == "__main__":
    main()
