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

Usage: python scripts/draw_batch2.py [--csv PATH] [--taken DIR ...] (shared rule: gold_draw.py)
Prints `group<TAB>nct_id<TAB>chars<TAB>pool size` per group.
"""

from __future__ import annotations

from gold_draw import Group, Rule, main

# (group, regex on `diseases`, regex that must NOT match `diseases` or the criteria text)
GROUPS: list[Group] = [
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

RULE = Rule(
    seed=2028,
    groups=GROUPS,
    min_chars=1200,
    max_chars=3000,
    min_bullets=6,
    taken=["criteria_gold", "criteria_gold_holdout"],
)


if __name__ == "__main__":
    main(__doc__ or "", RULE)
