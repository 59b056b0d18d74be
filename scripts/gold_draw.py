"""The drawing rule the gold sets share (held-out set, batches 2 and 3): one oncology trial
per disease group, deterministic for a seed. Each `draw_*.py` script names its own seed,
groups and limits (docs/criteria-gold.md) and calls `main` here.

1. Oncology subset: the `diseases` column matches ONCOLOGY_RE (as in
   trialscout.criteria.evaluate; copied here so the scripts run without the package).
2. For each group, in order: `diseases` matches the group regex (and, where a group names
   one, its exclusion regex matches neither `diseases` nor the text); the text has
   MIN-MAX characters, contains "exclusion criteria" and enough bulleted or numbered lines;
   the trial is in none of the given gold folders (file names only: frozen sets are never
   opened) nor drawn for an earlier group.
3. The pool is sorted by NCT id and shuffled with one `random.Random(seed)`, advanced group
   by group; the first trial is taken.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ONCOLOGY_RE = re.compile(
    r"cancer|carcinoma|tumou?r|neoplas|lymphoma|leuka?emia|myeloma|sarcoma|melanoma|glioma|"
    r"glioblastoma|metasta|malignan|blastoma|mesothelioma|myelodysplas|carcinoid",
    re.IGNORECASE,
)
BULLET_RE = re.compile(r"^\s*(-|\*|\d{1,2}\.|[a-z]\)|\(\w{1,3}\))\s+\S", re.MULTILINE)
ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests/fixtures"

# (group, regex on `diseases`, regex that must match neither `diseases` nor the text)
Group = tuple[str, str, str | None]


@dataclass(frozen=True)
class Rule:
    seed: int
    groups: list[Group]
    min_chars: int
    max_chars: int
    min_bullets: int
    taken: list[str]  # gold folders (under tests/fixtures) whose trials are excluded


def draw(csv_path: Path, rule: Rule, taken_dirs: list[Path]) -> list[tuple[str, str, int, int]]:
    csv.field_size_limit(sys.maxsize)
    with csv_path.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if ONCOLOGY_RE.search(r["diseases"] or "")]
    taken = {p.stem for d in taken_dirs for p in d.glob("NCT*.json")}
    rng = random.Random(rule.seed)
    picks = []
    for group, pattern, exclude in rule.groups:
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
                and rule.min_chars <= len(r["criteria"]) <= rule.max_chars
                and "exclusion criteria" in r["criteria"].lower()
                and len(BULLET_RE.findall(r["criteria"])) >= rule.min_bullets
                and r["nctid"] not in taken
            ),
            key=lambda r: r["nctid"],
        )
        rng.shuffle(pool)
        pick = pool[0]
        taken.add(pick["nctid"])
        picks.append((group, pick["nctid"], len(pick["criteria"]), len(pool)))
    return picks


def main(doc: str, rule: Rule) -> None:
    """Print `group<TAB>nct_id<TAB>chars<TAB>pool size` per group."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    default_csv = Path("/work/shared/data/criteria/eligibility-texts.csv")
    ap.add_argument("--csv", type=Path, default=default_csv)
    ap.add_argument(
        "--taken",
        type=Path,
        nargs="*",
        default=[FIXTURES / name for name in rule.taken],
        help="gold folders whose trials are excluded (file names only)",
    )
    args = ap.parse_args()
    for group, nct, chars, pool in draw(args.csv, rule, args.taken):
        print(f"{group}\t{nct}\t{chars}\t{pool}")
