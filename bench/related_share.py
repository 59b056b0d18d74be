"""How related are 'More related trials'? Over every NPC trial in a store, the share of its
top-k related trials that are NPC or head-and-neck trials.

A trial's topic comes from the project's cancer vocabulary (data/criteria/cancer_types.csv)
applied to its conditions, condition MeSH terms, keywords and title: NPC is
`nasopharyngeal_carcinoma`; head and neck is any of HEAD_NECK below.

    python bench/related_share.py --db var/demo.db          # a store
    python bench/related_share.py --demo                    # a fresh store of the demo data
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from trialscout.registry.model import Trial
from trialscout.web.related import RelatedIndex

NPC = "nasopharyngeal_carcinoma"
HEAD_NECK = {
    NPC,
    "head_and_neck_cancer",
    "oral_cavity_cancer",
    "oropharyngeal_cancer",
    "hypopharyngeal_cancer",
    "laryngeal_cancer",
    "salivary_gland_cancer",
    "paranasal_sinus_cancer",
    "lip_cancer",
}


def cancers_of(t: Trial) -> set[str]:
    from trialscout.criteria.vocab import vocab

    text = " ; ".join([*t.conditions, *(m.term for m in t.condition_mesh), *t.keywords, t.title])
    return {m.id for m in vocab().cancer.find(text)}


@dataclass
class ShareReport:
    trials: int
    npc_trials: int
    k: int
    related_pairs: int
    npc_or_head_neck: int
    share: float


def related_share(trials: list[Trial], k: int = 5) -> ShareReport:
    index = RelatedIndex.build(trials)
    topics = {t.nct_id: cancers_of(t) for t in trials}
    npc = [t.nct_id for t in trials if NPC in topics[t.nct_id]]
    pairs = hits = 0
    for nct in npc:
        for r in index.related(nct, k):
            pairs += 1
            hits += bool(topics[r.nct_id] & HEAD_NECK)
    return ShareReport(
        len(trials), len(npc), k, pairs, hits, round(hits / pairs, 4) if pairs else 0.0
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", help="store to measure")
    ap.add_argument("--demo", action="store_true", help="measure a fresh store of the demo data")
    ap.add_argument("-k", type=int, default=5)
    args = ap.parse_args(argv)
    from trialscout.store import Store

    if args.demo or not args.db:
        from trialscout.registry.ingest import demo_paths, ingest_paths

        tmp = tempfile.mkdtemp()
        store = Store.open(Path(tmp) / "demo.db")
        ingest_paths(demo_paths(), store, progress=False)
    else:
        store = Store.open(args.db)
    with store:
        report = related_share(list(store.iter_trials()), args.k)
    print(json.dumps(asdict(report), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
