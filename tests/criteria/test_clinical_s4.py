"""Clinical atoms, session 4 (helper D): recurring oncology phrasings from
eligibility-texts.csv (NCT id of a source in each case) read as condition, reproductive
and review atoms, with the words around them no longer left over; and the cases that
must stay as they were (exceptions, impaired abilities, tests that rule pregnancy out)."""

from __future__ import annotations

from typing import Any

import pytest

from parse_helpers import atom_dicts, fully_parsed, parse_one


def parse(text: str, kind: str = "exclusion") -> tuple[Any, bool]:
    return parse_one(text, kind)


def atoms(text: str, kind: str = "exclusion", typ: str | None = None) -> list[dict[str, Any]]:
    return atom_dicts(text, kind, typ)


def conditions(text: str, kind: str = "exclusion") -> list[str]:
    return [a["condition"] for a in atoms(text, kind, "condition")]


def fully(text: str, kind: str = "exclusion") -> bool:
    return fully_parsed(text, kind)


def dumped(text: str, kind: str = "exclusion") -> str:
    expr, _ = parse(text, kind)
    return expr.model_dump_json()


# NCI template (NCT01889420 and ~140 oncology criteria)
INTERCURRENT = (
    "Uncontrolled intercurrent illness including, but not limited to, ongoing or active\n"
    "        infection, symptomatic congestive heart failure, unstable angina pectoris, cardiac\n"
    "        arrhythmia, or psychiatric illness/social situations that would limit compliance with"
    " study\n        requirements."
)


def test_intercurrent_illness_head_is_lead_in_to_the_listed_conditions() -> None:
    got = conditions(INTERCURRENT)
    assert got == [
        "active_infection",
        "heart_failure",
        "unstable_angina",
        "arrhythmia",
        "psychiatric_disorder",
    ]
    assert [a["reason"] for a in atoms(INTERCURRENT, typ="review")] == ["compliance"]
    assert fully(INTERCURRENT)


def test_intercurrent_illness_alone_is_still_a_systemic_disease() -> None:
    # gold NCT00215605 exc-5
    assert conditions("Uncontrolled intercurrent illness") == ["systemic_disease"]


def test_allergy_or_hypersensitivity_to_study_drug() -> None:
    # NCT03043599 exc-20, NCT02300610 exc-16
    for text in (
        "History of allergy or hypersensitivity to any of the study drugs or study drug components",
        "Allergy/sensitivity to any study drug (gemcitabine, cisplatin, enzalutamide)",
        "Known allergies, hypersensitivity, or intolerance to monoclonal antibodies",
    ):
        assert "drug_hypersensitivity" in conditions(text), text
        assert not any(a["type"] == "unparsed" for a in atoms(text)), text


def test_nci_cardiac_template_with_ecg_evidence_of_acute_ischemia() -> None:
    # NCT00117351 exc-4 and the NCI/sponsor cardiac template (31 oncology criteria)
    text = (
        "Myocardial infarction within 6 months prior to enrollment or has New York Heart\n"
        "             Association (NYHA) Class III or IV heart failure, uncontrolled angina,"
        " severe uncontrolled ventricular arrhythmias, or electrocardiographic evidence of"
        " acute ischemia or active conduction system abnormalities. Prior to study entry,"
        " any ECG abnormality at Screening has to be documented by the investigator as not"
        " medically relevant."
    )
    got = conditions(text)
    assert "coronary_heart_disease" in got and "heart_failure" in got
    assert [a["reason"] for a in atoms(text, typ="review")] == ["investigator_judgment"]
    assert fully(text)


def test_electrocardiographic_evidence_alone_stays_content() -> None:
    # the qualifier only explains a condition atom in its clause
    assert not fully("Electrocardiographic evidence of an unusual pattern")


def test_bradycardia_is_a_rhythm_disorder() -> None:
    # NCT01302249: "sinus bradycardia, second or third degree atrioventricular block"
    assert conditions("Symptomatic bradycardia or sick sinus syndrome") == ["arrhythmia"]


def test_positive_pregnancy_test_is_pregnancy() -> None:
    # NCT02477215 exc-1.1
    text = (
        "Female patients who are lactating or have a positive serum pregnancy test during the"
        " screening period."
    )
    states = [a["state"] for a in atoms(text, typ="reproductive")]
    assert states == ["breastfeeding", "pregnant"]
    assert fully(text)


def test_negative_hcg_pregnancy_test_with_long_test_name() -> None:
    # NCT02055924 inc-12: a test that rules pregnancy out, NOT pregnant
    text = (
        "Women of childbearing potential must have a negative serum beta human chorionic\n"
        "             gonadotropin (β-hCG) or urine pregnancy test at Screening"
    )
    expr, ok = parse(text, "inclusion")
    assert expr.type == "not" and expr.arg.type == "reproductive"
    assert expr.arg.state == "pregnant"
    assert ok


def test_pregnancy_confirmation_sentence_is_detail_not_a_not_pregnant_exclusion() -> None:
    # NCT01300793 exc-7: an exclusion must not exclude the women who are NOT pregnant
    text = (
        "Female subject is pregnant or breast-feeding. Confirmation that the subject is not"
        " pregnant must be established by a negative serum pregnancy test result obtained"
        " during screening. Pregnancy testing is not required for post-menopausal or"
        " surgically sterilized women."
    )
    js = dumped(text)
    assert '"type":"not"' not in js
    assert [a["state"] for a in atoms(text, typ="reproductive")] == ["pregnant", "breastfeeding"]
    assert fully(text)


def test_nursing_infants_template_does_not_exclude_the_drug() -> None:
    # NCT00492206 exc-10 (NCI template): the drug named in the reason is no prior therapy
    text = (
        "Pregnant women are excluded from this study because carboplatin is an agent with the"
        " potential for teratogenic or abortifacient effects. Because there is an unknown but"
        " potential risk for adverse events in nursing infants secondary to treatment of the"
        " mother with carboplatin, breastfeeding should be discontinued if the mother is"
        " treated with carboplatin."
    )
    got = atoms(text)
    assert [a["type"] for a in got] == ["reproductive", "reproductive"]
    assert [a["state"] for a in got] == ["pregnant", "breastfeeding"]
    assert fully(text)


def test_uncontrolled_infection_with_nci_definition() -> None:
    # NCT00983528 exc-6
    text = (
        "Patients with a systemic fungal, bacterial, viral, or other infection not controlled"
        " (defined as exhibiting ongoing signs/symptoms related to the infection and without"
        " improvement, despite appropriate antibiotics or other treatment)."
    )
    got = atoms(text, typ="condition")
    assert [(a["condition"], a["status"]) for a in got] == [("active_infection", "uncontrolled")]
    assert fully(text)


@pytest.mark.parametrize(
    ("text", "kind", "negated"),
    [
        # NCT01423123 inc-4: must be able to swallow -> NOT dysphagia
        ("Patients must have the ability to swallow oral medication.", "inclusion", True),
        ("Must have an ability to swallow pills or capsules.", "inclusion", True),
        # NCT00703638 exc-20: an impaired ability is dysphagia itself
        ("Any condition that impairs patient's ability to swallow whole pills", "exclusion", False),
    ],
)
def test_ability_to_swallow(text: str, kind: str, negated: bool) -> None:
    expr, ok = parse(text, kind)
    assert ok
    if negated:
        assert expr.type == "not" and expr.arg.condition == "dysphagia"
    else:
        assert expr.type == "condition" and expr.condition == "dysphagia"


def test_inability_to_swallow_is_not_negated() -> None:
    expr, _ = parse("Inability to swallow capsules", "exclusion")
    assert expr.type == "condition" and expr.condition == "dysphagia"


def test_arterial_or_venous_thrombotic_or_embolic_events() -> None:
    # NCT01096030 exc-2, NCT03353753 exc-6
    text = "History of arterial or venous thrombotic or embolic events"
    assert conditions(text) == ["thromboembolism"]
    assert fully(text)


def test_intracranial_hemorrhage_within_6_months() -> None:
    # NCT02966730 exc-5
    got = atoms("History of stroke or intracranial hemorrhage within 6 months prior to enrollment.")
    conds = [(a["condition"], a.get("within_days")) for a in got if a["type"] == "condition"]
    assert [c for c, _ in conds] == ["stroke", "bleeding"]
    assert conds[-1] == ("bleeding", 180)


@pytest.mark.parametrize(
    ("text", "ident"),
    [
        ("Dihydropyrimidine dehydrogenase (DPD) deficiency.", "dpd_deficiency"),  # NCT01124630
        ("Known deficiency of dihydropyrimidine dehydrogenase (DPD)", "dpd_deficiency"),
        ("History of glucose-6-phosphate dehydrogenase deficiency", "g6pd_deficiency"),
        ("No known G6PD deficiency", "g6pd_deficiency"),
    ],
)
def test_enzyme_deficiencies(text: str, ident: str) -> None:
    assert conditions(text) == [ident]
    assert fully(text)


def test_impaired_cardiac_function() -> None:
    # NCT02155088 exc-7
    text = "Clinically significant cardiac disease or impaired cardiac function"
    assert conditions(text) == ["cardiovascular_disease"]
    assert fully(text)


def test_nyha_class_written_before_the_scale_name() -> None:
    got = atoms("Class 3-4 New York Heart Association classification status", typ="condition")
    assert [(a["condition"], a.get("nyha_min")) for a in got] == [("heart_failure", 3)]


def test_nyha_class_of_a_named_heart_failure_is_not_read_twice() -> None:
    # gold NCT01321008 exc-4
    text = (
        "a) Congestive heart failure class III/IV (CHF) per new york heart association (NYHA)"
        " criteria."
    )
    assert conditions(text) == ["heart_failure"]


def test_psychiatric_kind_of_judged_condition_is_the_review() -> None:
    # NCT00678977 exc-13
    text = (
        "Any serious and/or unstable pre-existing medical, psychiatric, or other condition that"
        " could interfere with patient's safety, provision of informed consent, or compliance to"
        " study procedures."
    )
    assert conditions(text) == []
    assert fully(text)


def test_psychiatric_disorder_named_alone_stays_a_condition() -> None:
    assert conditions("Uncontrolled psychiatric illness.") == ["psychiatric_disorder"]


def test_toxicity_resolved_to_grade_1() -> None:
    text = "Previous toxicities from previous treatment must have resolved to grade 1 or less"
    assert "toxicity_unresolved" in conditions(text, "inclusion")
    assert fully(text, "inclusion")


def test_associated_with_stays_content() -> None:
    # "drugs associated with pancreatitis" is about drugs: a lone pancreatitis atom would be
    # wrong, so the criterion must stay not fully parsed
    assert not fully("Concurrent use of drugs that may be associated with pancreatitis")


def test_unresolved_or_unstable_serious_toxicity() -> None:
    # NCT00649207 exc-4
    text = (
        "Unresolved or unstable, serious toxicity from prior administration of another"
        " investigational drug and/or prior anti-cancer treatment."
    )
    assert "toxicity_unresolved" in conditions(text)
    assert fully(text)


def test_absorption_of_named_drug_is_the_malabsorption_object() -> None:
    # NCT00516165 exc-6
    text = (
        "Impairment of gastrointestinal function or gastrointestinal disease that may"
        " significantly alter the absorption of RAD001"
    )
    assert conditions(text) == ["gi_malabsorption"]
    assert fully(text)


def test_bowel_obstruction_partial_or_complete() -> None:
    text = "Partial or complete bowel obstruction"
    assert conditions(text) == ["bowel_obstruction"]
    assert fully(text)


def test_considered_beside_investigator_opinion() -> None:
    text = (
        "Have an acute or subacute bowel obstruction or history of chronic diarrhea which is"
        " considered clinically significant in the opinion of the investigator."
    )
    assert conditions(text) == ["bowel_obstruction", "diarrhea"]
    assert fully(text)


def test_considered_without_a_review_atom_stays_content() -> None:
    assert not fully("Patients are not considered to have an active malignancy if treated")
