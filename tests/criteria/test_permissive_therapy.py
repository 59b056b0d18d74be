"""A criterion that permits a therapy ("Prior chemotherapy is allowed") neither requires it
(inclusion) nor forbids it (exclusion); its atoms stay in the tree and the matcher reads it
as not applicable. A permission with a limit is left as it was."""

from __future__ import annotations

import datetime as dt

from trialscout.criteria.atoms import IfNode, iter_atoms
from trialscout.criteria.parser import parse_criteria
from trialscout.match.engine import match_trial
from trialscout.patient.profile import PatientProfile

TEXT = """Inclusion Criteria:
- Prior chemotherapy is allowed
- Prior radiotherapy is permitted
- Prior chemotherapy is allowed if completed 4 weeks before
Exclusion Criteria:
- Patients will not be excluded because they have received prior rituximab
- Patients receiving ongoing enzalutamide will be allowed
- Prior rituximab
"""


def _statuses(**facts: object) -> dict[str, str]:
    parsed = parse_criteria(TEXT, nct_id="NCT00000001")
    profile = PatientProfile.model_validate({"as_of": dt.date(2026, 1, 1), **facts})
    return {r.id: r.status for r in match_trial(profile, None, parsed).criteria}


def test_permissions_keep_their_atoms_under_an_if() -> None:
    parsed = {c.id: c for c in parse_criteria(TEXT, nct_id="NCT00000001").criteria}
    for cid in ("inc-1", "inc-2", "exc-1", "exc-2"):
        assert isinstance(parsed[cid].expr, IfNode), cid
        assert [a.type for a in iter_atoms(parsed[cid].expr)] == ["prior_therapy"]
    # a limit ("if completed 4 weeks before") keeps the old reading; a plain exclusion too
    assert not isinstance(parsed["inc-3"].expr, IfNode)
    assert not isinstance(parsed["exc-3"].expr, IfNode)


def test_untreated_and_treated_patients_both_pass_a_permission() -> None:
    untreated = _statuses(negatives=["chemotherapy", "radiotherapy", "rituximab", "enzalutamide"])
    treated = _statuses(treatments=[{"kind": "drug", "name": "rituximab"}])
    for s in (untreated, treated):
        assert [s[c] for c in ("inc-1", "inc-2", "exc-1", "exc-2")] == ["not_applicable"] * 4
    assert untreated["exc-3"] == "does_not_apply" and treated["exc-3"] == "applies"


NEG_TEXT = """Inclusion Criteria:
- Age >= 18
Exclusion Criteria:
- No prior chemotherapy
- Patients must not have had prior radiotherapy
- Must not be pregnant or breast-feeding
- Subjects who have not received prior chemotherapy
- No adequate contraception during the study
"""


def test_exclusions_worded_as_requirements_exclude_what_they_name() -> None:
    """ "No prior chemotherapy" under Exclusion Criteria excludes the treated patients, not
    the untreated ones; literal negations ("who have not received", "No adequate
    contraception") keep their NOT."""
    parsed = parse_criteria(NEG_TEXT, nct_id="NCT00000002")

    def statuses(**facts: object) -> dict[str, str]:
        profile = PatientProfile.model_validate({"as_of": dt.date(2026, 1, 1), "age": 50, **facts})
        return {r.id: r.status for r in match_trial(profile, None, parsed).criteria}

    naive = statuses(
        negatives=["chemotherapy", "radiotherapy"], pregnant=False, breastfeeding=False
    )
    treated = statuses(
        treatments=[{"kind": "drug", "name": "cisplatin"}, {"kind": "radiotherapy", "name": "IMRT"}]
    )
    assert naive["exc-1"] == "does_not_apply" and treated["exc-1"] == "applies"
    assert naive["exc-2"] == "does_not_apply" and treated["exc-2"] == "applies"
    assert naive["exc-3"] == "does_not_apply"
    assert naive["exc-4"] == "applies" and treated["exc-4"] == "does_not_apply"
    exprs = {c.id: c.expr for c in parsed.criteria}
    assert exprs["exc-5"].type == "not"
