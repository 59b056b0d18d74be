"""FAQ answers come from the record, name their source, and are omitted when unanswerable."""

from __future__ import annotations

from trialscout.criteria.parser import parse_criteria
from trialscout.registry.model import ArmGroup, Eligibility, Location, OverallStatus, Trial
from trialscout.web.faq import build_faq

CRITERIA = """Inclusion Criteria:
1. Age 18-70 years.
2. ECOG performance status 0-1.
3. Achieved complete response after 4-6 cycles of chemotherapy plus PD-1 inhibitor therapy.
Exclusion Criteria:
1. Prior treatment with CTLA-4 inhibitors.
"""


def test_faq_answers_cite_sources() -> None:
    t = Trial(
        nct_id="NCT00000042",
        brief_title="X",
        overall_status=OverallStatus.RECRUITING,
        eligibility=Eligibility(criteria=CRITERIA, minimum_age="18 Years", maximum_age="70 Years"),
        locations=[
            Location(
                facility="A", city="Guangzhou", country="China", status=OverallStatus.RECRUITING
            )
        ],
        arm_groups=[ArmGroup(label="Arm A", intervention_names=["Drug: Toripalimab"])],
    )
    items = {i.question: i for i in build_faq(t, parse_criteria(CRITERIA, t.nct_id))}
    rec = items["Is NCT00000042 currently recruiting?"]
    assert rec.answer.startswith("Yes") and "RECRUITING" in rec.answer
    prior = items["Is prior treatment required for enrollment?"]
    assert prior.answer.startswith("Yes")
    assert any(s.anchor == "crit-inc-3" for s in prior.sources)
    assert "CTLA-4" in prior.answer
    assert "18 Years to 70 Years" in items["Is there an age limit?"].answer
    assert "Guangzhou" in items["Where are the study sites?"].answer
    assert "Toripalimab" in items["What does each group receive?"].answer
    assert all(i.sources for i in items.values())


def test_faq_omits_what_the_record_cannot_answer() -> None:
    t = Trial(nct_id="NCT00000043", brief_title="Y")
    assert build_faq(t, None) == []
    items = build_faq(t, parse_criteria("Inclusion Criteria:\n1. Signed informed consent.", None))
    qs = {i.question for i in items}
    assert "Is prior treatment required for enrollment?" not in qs
    assert "What disease stage is eligible?" not in qs
    assert "Is there an age limit?" not in qs
