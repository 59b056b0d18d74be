"""Vocabulary breadth and id aliasing for the criteria extractors."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import iter_atoms
from trialscout.criteria.parser import parse_criteria
from trialscout.criteria.vocab import vocab


def _atoms(text: str, kind: str) -> list[Any]:
    parsed = parse_criteria(text)
    return [
        a
        for c in parsed.criteria
        if c.expr is not None
        for a in iter_atoms(c.expr)
        if getattr(a, "type", None) == kind
    ]


def test_canonical_id_maps_short_and_spelled_forms_to_vocab_ids() -> None:
    v = vocab()
    assert v.canonical_id("cancer", "nasopharyngeal") == "nasopharyngeal_carcinoma"
    assert v.canonical_id("cancer", "NPC") == "nasopharyngeal_carcinoma"
    assert v.canonical_id("cancer", "breast") == "breast_cancer"
    assert v.canonical_id("histology", "squamous_cell") == "squamous_cell_carcinoma"
    assert v.canonical_id("cancer", "no_such_cancer") == "no_such_cancer"


def test_paediatric_sarcoma_subtypes_get_their_own_ids() -> None:
    text = "Inclusion Criteria:\n- Metastatic or relapsed Ewing's sarcoma\n- Osteogenic sarcoma\n"
    cancers = {a.cancer for a in _atoms(text, "diagnosis")}
    assert {"ewing_sarcoma", "osteosarcoma"} <= cancers
    assert "sarcoma" not in cancers


def test_sex_named_inside_a_criterion() -> None:
    text = (
        "Inclusion Criteria:\n- Gender: female\n"
        "- Women presenting with locally advanced breast cancer\n"
    )
    assert [a.sex for a in _atoms(text, "sex")] == ["female", "female"]


def test_breastfeeding_women_is_not_a_sex_atom() -> None:
    text = "Exclusion Criteria:\n- Women who are breastfeeding\n"
    assert _atoms(text, "sex") == []


def test_blood_pressure_and_her2_use_canonical_names() -> None:
    text = (
        "Exclusion Criteria:\n- Systolic blood pressure greater than 145 mm Hg\n"
        "- HER2 positive breast cancer\n"
    )
    (bp,) = _atoms(text, "measurement")
    assert (bp.name, bp.value, bp.unit) == ("systolic_blood_pressure", 145.0, "mm[Hg]")
    (her2,) = _atoms(text, "biomarker")
    assert (her2.marker, her2.gene, her2.result) == ("HER2", "ERBB2", "positive")
