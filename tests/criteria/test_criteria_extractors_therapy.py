"""Prior-therapy and condition vocabulary: classes, examples, line counts, list splitting."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import iter_atoms
from trialscout.criteria.parser import parse_criteria
from trialscout.criteria.vocab import vocab


def _atoms(text: str, kind: str = "exclusion", typ: str = "prior_therapy") -> list[dict[str, Any]]:
    head = "Inclusion Criteria:" if kind == "inclusion" else "Exclusion Criteria:"
    pc = parse_criteria(f"{head}\n\n  - {text}\n")
    crit = pc.criteria[0]
    return [a.model_dump(exclude_none=True) for a in iter_atoms(crit.expr) if a.type == typ]


def test_each_egfr_tki_is_its_own_drug_with_class() -> None:
    got = _atoms("Prior treatment with gefitinib or erlotinib")
    assert [a["drug"] for a in got] == ["gefitinib", "erlotinib"]
    assert "egfr_tki" in vocab().drug_classes["gefitinib"]
    assert "egfr_inhibitor" in vocab().drug_classes["osimertinib"]  # old id keeps its class


def test_class_examples_in_brackets_are_not_atoms() -> None:
    got = _atoms("Patients with prior Taxan (Paclitaxel, Docetaxel) or CPT-11 treatment")
    assert {(a.get("drug_class"), a.get("drug")) for a in got} == {
        ("taxane", None),
        (None, "irinotecan"),
    }
    got = _atoms("Chemotherapy (e.g. docetaxel, cabazitaxel)")
    assert [a.get("modality") for a in got] == ["chemotherapy"]


def test_study_drug_as_time_reference_is_not_prior_therapy() -> None:
    got = _atoms("Major surgery within 14 days of first dose of MLN8237")
    assert [a.get("modality") for a in got] == ["surgery"]


def test_line_counts() -> None:
    assert _atoms("More than 1 prior chemotherapy regimen")[0]["line"] == 2
    assert _atoms("More than 3 prior regimens for metastatic RCC.")[0]["line"] == 4


def test_drug_containing_chemotherapy_is_one_atom() -> None:
    got = _atoms(
        "Progression following at least one Herceptin-containing cytotoxic chemotherapy regimen",
        kind="inclusion",
    )
    assert len(got) == 1
    assert got[0]["drug"] == "trastuzumab" and got[0]["modality"] == "chemotherapy"


def test_egfr_antibody_vs_tki_classes() -> None:
    got = _atoms("Prior anti-EGFR monoclonal antibody or EGFR tyrosine kinase inhibitor")
    assert {a.get("drug_class") for a in got} == {"anti_egfr", "egfr_tki"}


def test_growth_factor_receptor_is_not_a_transfusion() -> None:
    got = _atoms("Human epidermal growth factor receptor (HER) 2 status of positive.")
    assert all(a.get("modality") != "transfusion" for a in got)


def test_study_participation_is_not_another_trial() -> None:
    assert _atoms("Difficulties participating in the study") == []
    got = _atoms("Participation in another clinical trial within 30 days")
    assert got and got[0]["modality"] == "investigational"
    assert vocab().canonical_id("modality", "investigational_agent") == "investigational"


def test_transplants_and_cardiac_procedures() -> None:
    got = _atoms("Prior allogeneic bone marrow or other organ transplant")
    assert {a.get("modality") for a in got} >= {"allogeneic_transplant", "organ_transplant"}
    got = _atoms("Coronary artery bypass grafting (CABG) or coronary stenting in the past 3 years")
    assert {a.get("modality") for a in got} >= {"cabg", "coronary_angioplasty"}


def test_condition_list_gives_one_atom_per_condition() -> None:
    got = _atoms(
        "Myocardial infarction, unstable angina, transient ischemic attack or pulmonary "
        "fibrosis within 6 months",
        typ="condition",
    )
    ids = [a["condition"] for a in got]
    assert ids == [
        "myocardial_infarction",
        "unstable_angina",
        "transient_ischemic_attack",
        "pulmonary_fibrosis",
    ]
    assert vocab().canonical_id("condition", "hypersensitivity_to_study_drug") == (
        "drug_hypersensitivity"
    )
