"""Draw the second blind criteria gold batch (session 4): 12 oncology trials, one per group.

Deterministic: the same CSV gives the same 12 trials. Rule (docs/criteria-gold.md,
"Batch 2 (session 4)"), the documented seed-2026 / held-out drawing rule with these changes:
seed 2028, one trial per group, 12 groups in the order of GROUPS below (lung, breast,
colorectal, gastric/oesophageal, head and neck without nasopharynx, lymphoma, leukaemia,
myeloma, prostate, gynaecological, melanoma, pancreas/liver), texts of 1,200-3,000
characters, and every trial already in the development gold set
(tests/fixtures/criteria_gold) or the held-out set (tests/fixtures/criteria_gold_holdout)
excluded. Only the held-out folder's file NAMES are read.

1. Oncology subset: the `diseases` column matches ONCOLOGY_RE (as in
   trialscout.criteria.evaluate; copied here so this script runs without the package).
2. For each group, in order: `diseases` matches the group regex (and, for head and neck,
   neither `diseases` nor the criteria text matches `nasopharyn`); the text is
   1,200-3,000 characters, contains "exclusion criteria" and at least 6 bulleted or
   numbered lines; the trial is in neither gold set nor drawn for an earlier group.
3. The pool is sorted by NCT id and shuffled with one `random.Random(2028)`, advanced
   group by group; the first trial is taken.

Usage: python scripts/draw_batch2.py [--csv PATH] [--gold DIR] [--holdout DIR]
Prints `group<TAB>nct_id<TAB>chars<TAB>pool size` per group.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

SEED = 2028
MIN_CHARS, MAX_CHARS = 1200, 3000

ONCOLOGY_RE = re.compile(
    r"cancer|carcinoma|tumou?r|neoplas|lymphoma|leuka?emia|myeloma|sarcoma|melanoma|glioma|"
    r"glioblastoma|metasta|malignan|blastoma|mesothelioma|myelodysplas|carcinoid",
    re.IGNORECASE,
)
# (group, regex on `diseases`, regex that must NOT match `diseases` or the criteria text)
GROUPS: list[tuple[str, str, str | None]] = [
    ("lung", r"lung|bronch|nsclc|sclc", None),
    ("breast", r"breast", None),
    ("colorectal", r"colorectal|colon|rect(?:al|um)", None),
    ("gastric_oesophageal", r"gastric|stomach|o?esophag|gastro-?o?esophageal", None),
    (
        "head_and_neck",
        r"head and neck|oropharyn|hypopharyn|laryn|oral cavity|mouth|tongue|salivary",
        r"nasopharyn",
    ),
    ("lymphoma", r"lymphoma", None),
    ("leukaemia", r"leuka?emia", None),
    ("myeloma", r"myeloma", None),
    ("prostate", r"prostat", None),
    (
        "gynaecological",
        r"ovar|cervix|cervical (?:cancer|carcinoma|neoplasm)|endometri|uterine|uterus",
        None,
    ),
    ("melanoma", r"melanoma", None),
    ("liver_pancreas", r"hepatocell|liver cancer|pancrea", None),
]
BULLET_RE = re.compile(r"^\s*(-|\*|\d{1,2}\.|[a-z]\)|\(\w{1,3}\))\s+\S", re.MULTILINE)


def draw(csv_path: Path, gold_dirs: list[Path]) -> list[tuple[str, str, int, int]]:
    csv.field_size_limit(sys.maxsize)
    with csv_path.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if ONCOLOGY_RE.search(r["diseases"] or "")]
    # file names only: the held-out files are never opened
    taken = {p.stem for d in gold_dirs for p in d.glob("NCT*.json")}
    rng = random.Random(SEED)
    picks = []
    for group, pattern, exclude in GROUPS:
        group_re = re.compile(pattern, re.IGNORECASE)
        excl_re = re.compile(exclude, re.IGNORECASE) if exclude else None
        pool = sorted(
            (
                r
                for r in rows
                if group_re.search(r["diseases"])
                and not (
                    excl_re and (excl_re.search(r["diseases"]) or excl_re.search(r["criteria"]))
                )
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
    ap.add_argument("--holdout", type=Path, default=root / "tests/fixtures/criteria_gold_holdout")
    args = ap.parse_args()
    for group, nct, chars, pool in draw(args.csv, [args.gold, args.holdout]):
        print(f"{group}\t{nct}\t{chars}\t{pool}")


if __name__ == "__main__":
    main()
