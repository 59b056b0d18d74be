"""Clinical atoms, session 5 (helper C): recurring oncology phrasings from
eligibility-texts.csv (an NCT id of a source in each case) read as condition, infection and
review atoms, and the readings that must stay cautious (CNS disease, lead-in diseases, the
criterion's own verdict)."""

from __future__ import annotations

from typing import Any

from parse_helpers import atom_dicts, fully_parsed, parse_one


def atoms(text: str, kind: str = "exclusion", typ: str | None = None) -> list[dict[str, Any]]:
    return atom_dicts(text, kind, typ)


def conditions(text: str, kind: str = "exclusion") -> list[str]:
    return [a["condition"] for a in atoms(text, kind, "condition")]


def reasons(text: str, kind: str = "exclusion") -> list[str]:
    return [a["reason"] for a in atoms(text, kind, "review")]


def types(text: str, kind: str = "exclusion") -> list[str]:
    return [a["type"] for a in atoms(text, kind)]


def tree(text: str, kind: str = "exclusion") -> dict[str, Any]:
    expr, _ = parse_one(text, kind)
    return expr.model_dump(exclude={"text", "span"}, exclude_none=True)


# ---------------------------------------------------------------- shared head nouns


def test_pleural_or_pericardial_effusion_gives_both() -> None:
    # NCT00021112 "No pre-existing pleural or pericardial effusion" (48 texts)
    assert conditions("No pre-existing pleural or pericardial effusion") == [
        "pleural_effusion",
        "pericardial_effusion",
    ]
    assert fully_parsed("Pleural/pericardial effusion", "exclusion")
    assert conditions("Pleural, pericardial or peritoneal effusion") == [
        "pleural_effusion",
        "pericardial_effusion",
        "ascites",
    ]


def test_shared_head_needs_a_known_phrase() -> None:
    # "lung effusion" is no phrase: no lung atom, the word stays unread
    assert conditions("lung or pericardial effusion") == ["pericardial_effusion"]
    assert not fully_parsed("lung or pericardial effusion", "exclusion")


def test_same_condition_twice_keeps_one_atom_with_its_fields() -> None:
    # NCT00720512 inc-25: the exception list stays on the one other-malignancy atom
    got = atoms(
        "No prior or concurrent malignancy, except for curatively treated basal cell and "
        "squamous cell carcinoma of the skin, or in situ carcinoma of the cervix",
        "inclusion",
        "condition",
    )
    assert [a["condition"] for a in got] == ["other_malignancy"]
    assert "in situ carcinoma of the cervix" in got[0]["exceptions"]
    # NCT00878657: "requiring IV antibiotics" stays on the infection
    inf = atoms(
        "Acute bacterial or fungal infection requiring IV antibiotics", "inclusion", "condition"
    )
    assert len(inf) == 1 and inf[0]["requires_systemic_treatment"] is True


# ---------------------------------------------------------------- grades and scales


def test_grade_wordings_and_scale_names() -> None:
    for text in (
        "Participants with peripheral neuropathy of Grade 2 or greater intensity",  # NCT00718640
        "Peripheral neuropathy of more than grade 1 in severity",  # NCT00492206
        "No pre-existing neuropathy with a severity of > grade 1 in the WHO toxicity scale.",
        "Pre-existing neuropathy from any cause in excess of Grade 1.",  # NCT02032277
    ):
        got = atoms(text, typ="condition")
        assert [(a["condition"], a.get("min_grade")) for a in got] == [("neuropathy", 2)], text
        assert fully_parsed(text, "exclusion"), text


def test_toxicity_scale_name_is_not_an_unresolved_toxicity() -> None:
    # "NCI Common Toxicity Criteria" names the scale; an unresolved-toxicity atom ORed into
    # the exclusion would exclude any patient with a grade 2 toxicity (NCT02312661)
    text = "Pre-existing peripheral neuropathy ≥ Common toxicity criteria (CTC) grade 2."
    assert conditions(text) == ["neuropathy"]
    text2 = (
        "Active clinically serious infections defined as ≥ Grade 3 according to Common "
        "Toxicity Criteria for Adverse Effects (CTCAE) 4.0"
    )
    assert conditions(text2) == ["active_infection"]
    assert fully_parsed(text2, "exclusion")
    assert conditions("Toxicity grade 2 or higher") == ["toxicity_unresolved"]


def test_time_of_consent_is_not_a_consent_review() -> None:
    text = (
        "Participants with peripheral neuropathy of Grade 2 or greater intensity at the time "
        "of signing informed consent form"
    )
    assert types(text) == ["condition"]
    assert fully_parsed(text, "exclusion")


# ---------------------------------------------------------------- vocabulary


def test_new_condition_phrases() -> None:
    assert conditions("Claustrophobia") == ["claustrophobia"]  # NCT00453362 exc-8
    assert conditions("Abuse of alcohol or drugs") == ["substance_abuse"]  # NCT02314819
    assert conditions("Serious comorbid diseases") == ["systemic_disease"]  # NCT00374699
    assert conditions("Coagulation dysfunction, hemorrhagic tendency") == [
        "coagulation_disorder",
        "bleeding_diathesis",
    ]
    assert conditions("Any psychological disorder") == ["psychiatric_disorder"]
    assert conditions("Requirement for IV alimentation") == ["parenteral_nutrition"]
    assert conditions("Clinically significant gastrointestinal abnormalities.") == ["gi_disease"]


def test_hiv_seropositivity() -> None:
    got = atoms("Patients with a known history of HIV seropositivity.", typ="infection")
    assert [a["pathogen"] for a in got] == ["HIV"]
    assert fully_parsed("HIV seropositivity", "exclusion")


def test_co_morbid_condition_judged_by_investigator_is_the_review() -> None:
    text = "Any co-morbid medical condition that would increase the risk of toxicity"
    assert types(text) == ["review"]
    assert fully_parsed(text, "exclusion")


# ---------------------------------------------------------------- oral intake, absorption


def test_ability_to_take_oral_medication_is_not_dysphagia() -> None:
    # NCT00453362 inc-8
    got = tree("Ability to take oral medication", "inclusion")
    assert got["type"] == "not"
    assert got["arg"]["type"] == "condition" and got["arg"]["condition"] == "dysphagia"


def test_disease_resulting_in_is_a_lead_in() -> None:
    # NCI template (NCT01184482 exc-8 and 13 corpus texts): a bare gi_disease ORed into the
    # exclusion would exclude any GI disease; a bare prior surgery any operated patient
    text = (
        "Gastrointestinal tract disease resulting in an inability to take oral medication or a "
        "requirement for IV alimentation, prior surgical procedures affecting absorption, or "
        "active peptic ulcer disease"
    )
    assert types(text) == ["condition"] * 4
    assert conditions(text) == [
        "dysphagia",
        "parenteral_nutrition",
        "gi_malabsorption",
        "peptic_ulcer",
    ]
    assert fully_parsed(text, "exclusion")


def test_condition_that_may_affect_absorption() -> None:
    for text in (
        "Patients with diseases that could affect the absorption of oral medication",
        "Any condition which may interfere with the absorption of study drug",
        "Prior surgical procedures that may affect absorption",
    ):
        assert types(text) == ["condition"], text
        assert conditions(text) == ["gi_malabsorption"], text
        assert fully_parsed(text, "exclusion"), text
    # a judged interference with the study stays the investigator's
    assert reasons("Any medical condition that could interfere with the study") == [
        "investigator_judgment"
    ]


# ---------------------------------------------------------------- cautious readings


def test_cns_disease_alone_is_left_for_a_person() -> None:
    # in oncology mostly the tumour in the CNS ("active CNS disease and/or carcinomatous
    # meningitis"); a neurological-disease atom could exclude patients the trial accepts
    assert types("Known CNS disease") == ["unparsed"]
    assert "neurological_disease" not in conditions(
        "Has known active central nervous system disease and/or carcinomatous meningitis."
    )
    # in a list of organ diseases it is one of them
    assert conditions(
        "evidence of current cardiovascular disease, central nervous system disease, "
        "hepatic disease"
    ) == ["cardiovascular_disease", "neurological_disease", "liver_disease"]


def test_other_cancer_unless_disease_free() -> None:
    # NCT02073123 exc-3: X AND NOT(NOT(other cancer within 5 years))
    got = tree("Any other cancer, unless the patient has been disease-free for ≥5 years")
    assert got["type"] == "and"
    inner = got["args"][1]["arg"]
    assert inner["type"] == "not"
    assert inner["arg"]["condition"] == "other_malignancy"
    assert inner["arg"]["within_days"] == 1825
    assert fully_parsed(
        "Second malignancies (except non-melanoma skin cancer) unless disease-free for 3 years.",
        "exclusion",
    )
    # "less than" is another reading: not read
    assert not any(
        a.get("within_days")
        for a in atoms("Other cancer unless disease-free for less than 5 years")
    )


def test_study_verdict_is_not_a_review() -> None:
    text = "Patients who have received prior lenalidomide therapy are not eligible for this study"
    assert reasons(text) == []
    assert fully_parsed(text, "exclusion")
    assert types("Pregnant or nursing patients will be excluded from the study") == [
        "reproductive",
        "reproductive",
    ]


def test_consent_verbs_before_consent() -> None:
    # NCT00583349 inc-2
    text = "Age > 18 and must be able to read, understand and sign informed consent"
    assert reasons(text, "inclusion") == ["consent"]
    assert fully_parsed(text, "inclusion")
