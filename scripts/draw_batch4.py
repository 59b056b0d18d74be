"""Draw the fourth blind criteria gold batch (session 5): 14 oncology trials, one per group.

Deterministic: the same CSV gives the same 14 trials. Rule (docs/criteria-gold.md,
"Batch 4 (session 5)"): the batch-3 rule with seed 2030. 14 groups in the order of GROUPS
below (lung, breast, colorectal, gastric/oesophageal, head and neck with nasopharynx,
lymphoma, leukaemia, myeloma, prostate, gynaecological, melanoma, liver/pancreas,
glioma/brain, renal/bladder), texts of 1,000-3,500 characters with at least 5 bulleted or
numbered lines, and every trial already in the development gold set
(tests/fixtures/criteria_gold), the held-out set (tests/fixtures/criteria_gold_holdout),
batch 2 or batch 3 (tests/fixtures/criteria_gold_batch2, _batch3) excluded. Only file
NAMES are read from those folders.

1. Oncology subset: the `diseases` column matches ONCOLOGY_RE (as in
   trialscout.criteria.evaluate; copied here so this script runs without the package).
2. For each group, in order: `diseases` matches the group regex; the text is
   1,000-3,500 characters, contains "exclusion criteria" and at least 5 bulleted or
   numbered lines; the trial is in no gold set and was not drawn for an earlier group.
3. The pool is sorted by NCT id and shuffled with one `random.Random(2030)`, advanced
   group by group; the first trial is taken.

Usage: python scripts/draw_batch4.py [--csv PATH] [--taken DIR ...] (shared rule: gold_draw.py)
Prints `group<TAB>nct_id<TAB>chars<TAB>pool size` per group.
"""

from __future__ import annotations

from draw_batch3 import GROUPS  # the same 14 groups, in the same order
from gold_draw import Rule, main

RULE = Rule(
    seed=2030,
    groups=[(g, rx, None) for g, rx in GROUPS],
    min_chars=1000,
    max_chars=3500,
    min_bullets=5,
    taken=[
        "criteria_gold",
        "criteria_gold_holdout",
        "criteria_gold_batch2",
        "criteria_gold_batch3",
    ],
)


if __name__ == "__main__":
    main(__doc__ or "", RULE)
