"""Scoring a parent criterion with sub-items: each child's atoms count once."""

from __future__ import annotations

from trialscout.criteria.evaluate import GoldCriterion, GoldTrial, score_trial
from trialscout.criteria.parser import parse_criteria

TEXT = (
    "Inclusion Criteria:\n\n"
    "  -  Histologically confirmed relapsed solid tumors, including:\n\n"
    "       -  Ewing sarcoma\n\n"
    "       -  Wilms tumor\n"
)


def _gold() -> GoldTrial:
    def crit(cid: str, words: str, atoms: list[dict[str, object]], heading: bool) -> GoldCriterion:
        a = TEXT.index(words)
        return GoldCriterion(
            id=cid,
            kind="inclusion",
            text=words,
            span=(a, a + len(words)),
            heading=heading,
            fully_parseable=True,
            atoms=atoms,
        )

    return GoldTrial(
        nct_id="NCT00000000",
        source="test",
        area="sarcoma",
        annotator="test",
        source_text=TEXT,
        criteria=[
            crit(
                "inc-1",
                "Histologically confirmed relapsed solid tumors, including:",
                [{"type": "disease_status", "status": "relapsed"}],
                False,
            ),
            crit(
                "inc-2", "Ewing sarcoma", [{"type": "diagnosis", "cancer": "ewing_sarcoma"}], False
            ),
            crit("inc-3", "Wilms tumor", [{"type": "diagnosis", "cancer": "wilms_tumor"}], False),
        ],
    )


def test_parent_tree_embeds_children_but_scores_them_once() -> None:
    parsed = parse_criteria(TEXT, "NCT00000000")
    parent = next(c for c in parsed.criteria if c.parent is None)
    kids = [c for c in parsed.criteria if c.parent == parent.id]
    assert len(kids) == 2
    score = score_trial(_gold(), parsed)
    dx = score.per_type["diagnosis"]
    assert (dx.tp, dx.fn) == (2, 0)
    extra = [m["extra"] for m in score.misses if "extra" in m]
    # the children's diagnoses are not counted again under the parent
    assert not [e for e in extra if e.get("cancer") in ("ewing_sarcoma", "wilms_tumor")], extra
