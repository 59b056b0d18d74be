"""Lymphoma subtypes are histologies of the lymphoma (docs/criteria-gold.md): a trial for one
subtype is not a trial for another, and excluding one subtype does not exclude the others."""

from __future__ import annotations

import datetime as dt

from trialscout.criteria.parser import parse_criteria
from trialscout.match.engine import match_trial
from trialscout.patient.profile import PatientProfile

TEXT = """Inclusion Criteria:
- Histologically confirmed diffuse large B-cell lymphoma
Exclusion Criteria:
- Mantle cell lymphoma
- Primary CNS lymphoma
"""


def _verdicts(diagnosis: str) -> dict[str, str]:
    parsed = parse_criteria(TEXT, nct_id="NCT00000001")
    profile = PatientProfile(as_of=dt.date(2026, 1, 1), diagnoses=[{"name": diagnosis}])
    m = match_trial(profile, None, parsed)
    return {r.id: r.status for r in m.criteria}


def test_the_subtype_is_read_as_a_histology() -> None:
    parsed = parse_criteria(TEXT, nct_id="NCT00000001")
    dx = {c.id: c.expr for c in parsed.criteria}
    assert getattr(dx["inc-1"], "histologies", None) == ["diffuse_large_b_cell"]
    assert getattr(dx["exc-1"], "histologies", None) == ["mantle_cell"]
    assert getattr(dx["exc-2"], "histologies", None) == ["primary_cns"]


def test_the_named_subtype_meets_the_inclusion_and_escapes_the_exclusions() -> None:
    v = _verdicts("diffuse large B-cell lymphoma")
    assert v["inc-1"] == "met"
    assert v["exc-1"] == "does_not_apply" and v["exc-2"] == "does_not_apply"


def test_another_subtype_does_not_meet_the_inclusion() -> None:
    assert _verdicts("follicular lymphoma")["inc-1"] == "not_met"
    v = _verdicts("mantle cell lymphoma")
    assert v["inc-1"] == "not_met" and v["exc-1"] == "applies"


def test_an_unspecified_lymphoma_is_unknown_never_no() -> None:
    v = _verdicts("non-Hodgkin lymphoma")
    assert v["inc-1"] == "unknown" and v["exc-1"] == "unknown"
