"""Sub-items that are bare drug names under a lead-in announcing therapies (NCT00352105
inc-31..36: "No concurrent CYP3A4 inducers, including any of the following:" over
"Phenytoin", "Carbamazepine", ...). Each is a therapy atom; the lead-in's "No" is applied
by the matcher's sub-item roll-up, so a patient on phenytoin is ruled out."""

from __future__ import annotations

from trialscout.criteria.parser import parse_criteria
from trialscout.match import match_trial
from trialscout.patient.profile import PatientProfile

LIST = (
    "Inclusion Criteria:\n"
    "- No concurrent CYP3A4 inducers, including any of the following:\n"
    "  - Phenytoin\n"
    "  - Hypericum perforatum (St. John's wort)\n"
    "  - Doxorubicin > 450 mg/m2\n"
    "  - Amphotericin B by injection\n"
    "- No known allergy to any of the following:\n"
    "  - Carbamazepine\n"
)


def _by_text() -> dict[str, object]:
    return {c.text.strip(): c for c in parse_criteria(LIST, "X").criteria}


def test_a_bare_drug_name_is_a_current_therapy_atom() -> None:
    c = _by_text()["Phenytoin"]
    assert c.fully_parsed  # type: ignore[attr-defined]
    atom = c.expr  # type: ignore[attr-defined]
    assert (atom.type, atom.drug, atom.ongoing) == ("prior_therapy", "phenytoin", True)


def test_a_name_with_its_common_name_in_brackets() -> None:
    assert _by_text()["Hypericum perforatum (St. John's wort)"].expr.drug == "st_johns_wort"  # type: ignore[attr-defined]


def test_a_dose_or_other_words_keep_the_item_unparsed() -> None:
    items = _by_text()
    assert not items["Doxorubicin > 450 mg/m2"].fully_parsed  # type: ignore[attr-defined]
    assert not items["Amphotericin B by injection"].fully_parsed  # type: ignore[attr-defined]


def test_an_allergy_lead_in_gives_no_therapy_atom() -> None:
    assert _by_text()["Carbamazepine"].expr.type == "unparsed"  # type: ignore[attr-defined]


def _verdict(meds: list[str]) -> str:
    text = LIST.split("  - Hypericum")[0]
    p = PatientProfile.model_validate(
        {"as_of": "2026-01-01", "age": 60, "sex": "male", "medications": meds}
    )
    return match_trial(p, None, parse_criteria(text, "X")).verdict


def test_a_patient_on_a_listed_drug_is_ruled_out() -> None:
    assert _verdict(["phenytoin"]) == "ineligible"


def test_a_patient_on_other_drugs_is_not_ruled_out() -> None:
    assert _verdict(["amlodipine"]) == "possibly_eligible"
