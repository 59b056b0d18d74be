"""Clinical safety, session 4 (helper I): an exception after "other than" no longer swallows
the conditions listed after it; a "non-X" qualifier is not dropped; "a poor risk for surgery"
is a judgement, not a prior surgery; infection lists, exceptions and status words.
Sentences are from eligibility-texts.csv or the ClinicalTrials.gov sample (NCT id given)."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import iter_atoms
from trialscout.criteria.parser import parse_text


def atoms(text: str, kind: str = "exclusion", typ: str | None = None) -> list[dict[str, Any]]:
    expr, _ = parse_text(text, 0, len(text), kind)
    out = []
    for a in iter_atoms(expr):
        d = a.model_dump(exclude={"span"}, exclude_none=True)
        if typ is None or d["type"] == typ:
            out.append(d)
    return out


def test_exception_ends_before_next_condition() -> None:
    # NCT03572478
    t = (
        "Uncontrolled intercurrent illness including, but not limited to, requirement for "
        "oxygen therapy, ongoing or active infection other than minor urinary tract infection, "
        "symptomatic congestive heart failure, unstable angina pectoris, cardiac arrhythmia, or "
        "psychiatric illness/social situations that would limit compliance with study "
        "requirements."
    )
    conds = {a["condition"]: a for a in atoms(t, typ="condition")}
    assert {"active_infection", "heart_failure", "unstable_angina", "arrhythmia"} <= set(conds)
    assert conds["active_infection"]["exceptions"] == ["minor urinary tract infection"]
    assert conds["hypoxemia"]["exceptions"] == []


def test_exception_list_of_same_kind_runs_on() -> None:
    t = "Active autoimmune disease except vitiligo, type I diabetes, or hypothyroidism"
    conds = atoms(t, typ="condition")
    assert [c["condition"] for c in conds] == ["autoimmune_disease"]
    assert len(conds[0]["exceptions"]) == 3


def test_exception_ends_at_status_word_item() -> None:
    # NCT00852709
    t = (
        "Serious cardiac arrhythmia other than atrial flutter or fibrillation requiring "
        "medication, or uncontrolled congestive heart failure"
    )
    conds = {a["condition"]: a for a in atoms(t, typ="condition")}
    assert "heart_failure" in conds
    assert all("congestive" not in e for e in conds["arrhythmia"]["exceptions"])


def test_in_addition_to_is_an_exception_not_an_infection() -> None:
    t = (
        "Evidence of another form of liver disease in addition to viral hepatitis, such as "
        "autoimmune or alcoholic liver disease."
    )
    got = atoms(t)
    assert not [a for a in got if a["type"] == "infection"]
    liver = next(a for a in got if a.get("condition") == "liver_disease")
    assert "viral hepatitis" in liver["exceptions"]


def test_non_qualifier_not_dropped() -> None:
    t = (
        "Volunteers with transient ischemic attack (TIA) as the potentially qualifying event, "
        "intracranial hemorrhage, nonatherosclerotic stroke, sensitivity or major allergy to "
        "the study drugs are not eligible."
    )
    assert "stroke" not in [a["condition"] for a in atoms(t, typ="condition")]
    assert any("nonatherosclerotic" in a["text"] for a in atoms(t, typ="unparsed"))
    assert [a["status"] for a in atoms("non-controlled hypertension", typ="condition")] == [
        "uncontrolled"
    ]


def test_poor_risk_for_surgery_is_not_prior_surgery() -> None:
    t = (
        "Chronic disease such as heart, lung, liver, kidney, blood or metabolic disorders "
        "which may render the patient a poor risk for surgery or chemotherapy."
    )
    got = atoms(t)
    assert not [a for a in got if a["type"] == "prior_therapy"]
    assert any(a["type"] == "review" and a["reason"] == "suitability" for a in got)


def test_hepatitis_letter_list() -> None:
    got = atoms("Known history of hepatitis A, B, or C", typ="infection")
    assert [(a["pathogen"], a.get("marker"), a["status"]) for a in got] == [
        ("OTHER", "hepatitis_a", "history"),
        ("HBV", None, "history"),
        ("HCV", None, "history"),
    ]


def test_vaccine_is_not_an_infection() -> None:
    assert not atoms("hepatitis A or B vaccine within 30 days", typ="infection")
    assert not atoms("Prior hepatitis A vaccine", typ="infection")


def test_infection_status_words() -> None:
    got = atoms("Seronegative for HIV, hepatitis B and hepatitis C", "inclusion", "infection")
    assert [a["status"] for a in got] == ["negative"] * 3
    assert got[0]["text"].startswith("Seronegative")
    got = atoms("positive serology for hepatitis B", typ="infection")
    assert got[0]["text"] == "positive serology for hepatitis B"
    assert atoms("latent TB", typ="infection")[0]["text"] == "latent TB"
    assert not atoms("latent TB", typ="unparsed")
    assert {a["pathogen"] for a in atoms("active hepatitis", typ="infection")} == {"HBV", "HCV"}


def test_excepted_pathogens_are_not_infections() -> None:
    # NCT02109224
    t = "Infection other than HIV, hepatitis B, or hepatitis C that is symptomatic"
    assert not atoms(t, typ="infection")
    # NCT01447420
    assert not atoms("History of liver disease other than Hepatitis B", typ="infection")


def test_other_pathogen_gate_from_table() -> None:
    from trialscout.criteria.extractors import clinical

    for ident, rx in clinical._INF_OTHER:
        assert clinical._OTHER_PRE.pattern.count(rx.pattern) == 1, ident


def test_letter_list_yields_to_marker() -> None:
    # NCT00705536: the antibody marker of the last letter is kept
    t = (
        "Positive human immunodeficiency virus (HIV) 1, HIV 2, hepatitis B, or hepatitis C "
        "antibody test result."
    )
    assert ("HCV", "anti-HCV") in [
        (a["pathogen"], a.get("marker")) for a in atoms(t, typ="infection")
    ]


def test_chronic_active_hepatitis_stays_a_liver_disease() -> None:
    # NCT01055795
    t = "Liver disease such as cirrhosis, chronic active hepatitis or chronic persistent hepatitis"
    assert not atoms(t, typ="infection")


def test_vaccination_list_is_not_an_infection() -> None:
    # NCT02121756
    t = (
        "Routine standard of care vaccinations including hepatitis A and/or B, influenza, "
        "pneumococcal, and tetanus are permitted if administered at least 7 days before entry"
    )
    assert not atoms(t, typ="infection")


def test_excepted_hiv_infection_is_no_condition() -> None:
    # NCT00102206
    t = (
        "Any clinically significant diseases other than HIV infection or findings during "
        "medical history screening that, in the opinion of the investigator, may interfere"
    )
    got = atoms(t)
    assert not [a for a in got if a["type"] in ("infection", "condition")]


def test_disease_named_as_topic_is_no_condition() -> None:
    # ClinicalTrials.gov sample (TREC 2021 judged-eligible trial)
    t = "Participation in another clinical trial in the COPD Clinical Research Network"
    assert not atoms(t, typ="condition")
    assert [a["condition"] for a in atoms("History of COPD", typ="condition")] == ["copd"]
