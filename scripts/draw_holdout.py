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

Usage: python scripts/draw_holdout.py [--csv PATH] [--taken DIR ...] (shared rule: gold_draw.py)
Prints `group<TAB>nct_id<TAB>chars<TAB>pool size` per group.
"""

from __future__ import annotations

from gold_draw import Rule, main

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

RULE = Rule(
    seed=2027,
    groups=[(g, rx, None) for g, rx in GROUPS],
    min_chars=1200,
    max_chars=3000,
    min_bullets=6,
    taken=["criteria_gold"],
)


if __name__ == "__main__":
    main(__doc__ or "", RULE)
