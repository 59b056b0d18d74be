"""False 'ineligible' calls on TREC 2021 trials that expert judges graded eligible (issue 5).

Each case is a real criterion (trial and topic cited) that ruled out a patient the judges
called eligible; the fix must keep real exclusions excluding.
"""

from __future__ import annotations

import datetime as dt

from trialscout.criteria.parser import parse_criteria
from trialscout.match import match_trial
from trialscout.patient.loader import load_note

AS_OF = dt.date(2026, 1, 1)


def _patient(note: str):  # type: ignore[no-untyped-def]
    return load_note(note, as_of=AS_OF).profile


def _match(criteria: str, note: str):  # type: ignore[no-untyped-def]
    parsed = parse_criteria(criteria, "NCT-TEST")
    return parsed, match_trial(_patient(note), None, parsed)


def _status(m, text_start: str) -> str:  # type: ignore[no-untyped-def]
    return next(c.status for c in m.criteria if c.text.startswith(text_start))


# NCT00008216 (trec-202117, multiple myeloma, grade 2): a two-space nested '*' list
ONE_OF = (
    "DISEASE CHARACTERISTICS:\n\n"
    "* Diagnosis of one of the following:\n"
    "  * Chronic myelogenous leukemia\n"
    "  * Multiple myeloma\n"
)


def test_bullets_two_spaces_deeper_are_sub_items() -> None:
    parsed = parse_criteria(ONE_OF, "NCT00008216")
    parents = {c.text: c.parent for c in parsed.criteria}
    assert parents["Chronic myelogenous leukemia"] == "inc-1"
    assert parents["Multiple myeloma"] == "inc-1"


def test_one_of_the_following_needs_one_sub_item() -> None:
    _, m = _match(ONE_OF, "A 64-year-old man with multiple myeloma.")
    assert m.verdict != "ineligible"
    assert _status(m, "Diagnosis of one of the following") == "met"
    # the alternatives count through their parent, not one by one
    assert not next(c for c in m.criteria if c.text == "Chronic myelogenous leukemia").counted


def test_one_of_the_following_still_excludes_when_none_holds() -> None:
    _, m = _match(ONE_OF, "A 50-year-old woman with breast cancer.")
    assert m.verdict == "ineligible"
    assert _status(m, "Diagnosis of one of the following") == "not_met"


# NCT00003049 (trec-202115, pancreatic cancer, grade 2): carve-outs listed under 'except:'
EXCEPT = (
    "Other:\n\n"
    "* Greater than 5 years since prior malignancy except:\n"
    "  * Squamous cell skin cancer\n"
    "  * Basal cell skin cancer\n"
    "  * In situ cervical cancer\n"
)


def test_exceptions_listed_under_a_criterion_never_count_on_their_own() -> None:
    _, m = _match(EXCEPT, "A 70-year-old man with pancreatic cancer.")
    assert m.verdict != "ineligible"
    kid = next(c for c in m.criteria if c.text == "Squamous cell skin cancer")
    assert not kid.counted


# NCT00005985 (trec-20214, 44-year-old with lymphoma, grade 2): per-age-group requirements
AGE_GROUP = "Performance status:\n\n* Age 65-70 years:\n  * Karnofsky 80-100%\n"


def test_age_group_heading_applies_only_to_that_group() -> None:
    _, m = _match(AGE_GROUP, "A 44 year old female with lymphoma. Karnofsky 60%.")
    assert _status(m, "Age 65-70 years") == "not_applicable"
    assert m.verdict != "ineligible"


def test_age_group_heading_still_excludes_inside_the_group() -> None:
    _, m = _match(AGE_GROUP, "A 67 year old female with lymphoma. Karnofsky 60%.")
    assert _status(m, "Age 65-70 years") == "not_met"
    assert m.verdict == "ineligible"


# NCT00003838 (trec-202117, grade 2): 'Diseases to be included:' lists one cancer per item
COHORTS = (
    "Diseases to be included:\n\n"
    "* CML chronic phase\n"
    "* Acute lymphoblastic leukemia (ALL), all subjects in complete or partial remission.\n"
    "* Mantle cell lymphoma\n"
)


def test_items_naming_different_cancers_are_alternatives() -> None:
    _, m = _match(COHORTS, "A 50-year-old man with mantle cell lymphoma.")
    assert m.verdict != "ineligible"
    assert _status(m, "CML chronic phase") == "met"


def test_items_naming_different_cancers_exclude_a_patient_with_none() -> None:
    _, m = _match(COHORTS, "A 64-year-old man with multiple myeloma.")
    assert m.verdict == "ineligible"


# NCT00006251 (trec-202117, grade 2): 'with NHL, CLL and multiple myeloma' in one item
NHL_CLL_MM = (
    "Inclusion Criteria:\n\n* Patients aged > 49 years and < 75 years with non-Hodgkin lymphoma "
    "(NHL), chronic lymphocytic leukemia (CLL) and multiple myeloma\n"
)


def test_cancers_listed_with_and_in_one_item_are_alternatives() -> None:
    _, m = _match(NHL_CLL_MM, "A 64-year-old man with multiple myeloma.")
    assert _status(m, "Patients aged") == "met"
    _, m2 = _match(NHL_CLL_MM, "A 64-year-old man with pancreatic cancer.")
    assert _status(m2, "Patients aged") == "not_met"


# NCT00492531 (trec-202145, a man, grade 2): a contraception rule addressed to women
FEMALE_BC = (
    "Inclusion Criteria:\n\n* Female subjects, on a reliable method of birth control or not "
    "physically able to bear children.\n"
)


def test_rule_addressed_to_women_does_not_exclude_a_man() -> None:
    _, m = _match(FEMALE_BC, "A 60-year-old man with COPD.")
    assert _status(m, "Female subjects") == "not_applicable"
    assert m.verdict != "ineligible"


# NCT00005985 (trec-20214 / trec-202113, lymphoma, grade 2): the qualifier 'HIV or HTLV-1
# associated' is not read, leaving 'No ... lymphomas' in a lymphoma trial
NO_ASSOC = (
    "Inclusion Criteria:\n\n* Histologically confirmed non-Hodgkin's lymphoma\n"
    "* No HIV or HTLV-1 associated lymphomas\n"
)


def test_criterion_that_would_exclude_the_trials_own_disease_goes_to_review() -> None:
    note = "The fluid analysis was consistent with Burkitt's lymphoma. She is 44 years old."
    _, m = _match(NO_ASSOC, note)
    r = next(c for c in m.criteria if c.text.startswith("No HIV"))
    assert r.status == "review"
    assert r.conflict_with == ["inc-1"]
    assert m.verdict != "ineligible"


def test_hiv_positive_patient_is_still_excluded() -> None:
    note = "A 44 year old woman with Burkitt's lymphoma. HIV positive."
    _, m = _match(NO_ASSOC, note)
    assert _status(m, "No HIV") == "not_met"
    assert m.verdict == "ineligible"


# NCT00462865 (trec-202161, breast cancer): 'Stage IV breast cancer' is one noun phrase
STAGE_IV = (
    "Inclusion Criteria:\n\n* Histologically confirmed breast cancer\n\n"
    "Exclusion Criteria:\n\n* Stage IV breast cancer\n"
)


def test_stage_before_cancer_is_read_as_one_phrase() -> None:
    parsed = parse_criteria(STAGE_IV, "NCT00462865")
    exc = next(c for c in parsed.criteria if c.kind == "exclusion")
    assert exc.expr.type == "and"
    _, m = _match(STAGE_IV, "A 45-year-old woman with breast cancer, stage II.")
    assert _status(m, "Stage IV breast cancer") == "does_not_apply"
    _, m4 = _match(STAGE_IV, "A 45-year-old woman with breast cancer, stage IV.")
    assert _status(m4, "Stage IV breast cancer") == "applies"
    assert m4.verdict == "ineligible"


# NCT00006251 (trec-202117, multiple myeloma, grade 2): groups of patients, each with its own
# list of cancers, at different levels of the list
GROUPS = (
    "Inclusion Criteria:\n\n"
    "* Patients aged > 49 years and < 75 years with non-Hodgkin lymphoma (NHL), chronic "
    "lymphocytic leukemia (CLL) and multiple myeloma\n"
    "* Patients < 75 years of age with other malignant diseases; the following diseases are "
    "the likely candidates:\n"
    "  * Acute Leukemia with < 10% blasts\n"
    "  * Hodgkin's disease\n"
    "  * Renal cell carcinoma\n"
)


def test_entry_rules_of_another_group_do_not_apply() -> None:
    _, m = _match(GROUPS, "A 64-year-old man with multiple myeloma.")
    assert _status(m, "Hodgkin's disease") == "not_applicable"
    assert m.verdict != "ineligible"


def test_patient_in_no_group_is_still_excluded() -> None:
    _, m = _match(GROUPS, "A 64-year-old man with pancreatic cancer.")
    assert m.verdict == "ineligible"


# NCT00495586 (trec-202128, COPD with FEV1/FVC 60%, grade 2): the bracket defines 'severe'
SEVERE_COPD = "Exclusion Criteria:\n\n* Severe COPD (FEV1<50%)\n"


def test_bracketed_value_defines_the_condition_before_it() -> None:
    parsed = parse_criteria(SEVERE_COPD, "NCT00495586")
    assert parsed.criteria[0].expr.type == "and"
    _, m = _match(SEVERE_COPD, "A 60-year-old man, a known case of COPD since 2 years ago.")
    assert _status(m, "Severe COPD") == "unknown"
    assert m.verdict != "ineligible"
