"""Session 3, structure area: PDQ field headings, other kinds of "age", lab glosses and
dipstick grades, cross-references and the filler rows added to noncontent.csv."""

from __future__ import annotations

from typing import Any

import pytest

from trialscout.criteria.atoms import iter_atoms
from trialscout.criteria.parser import parse_criteria


def _crit(text: str, kind: str = "Inclusion") -> Any:
    p = parse_criteria(f"{kind} Criteria:\n - {text}", "NCT-TEST")
    assert p.criteria
    return p.criteria[0]


def _atoms(c: Any, typ: str) -> list[Any]:
    return [a for a in iter_atoms(c.expr) if a.type == typ]


PDQ = """
        PATIENT CHARACTERISTICS:

        Age:

          -  1 to 30

        Performance status:

          -  0-2

        Life expectancy:

          -  At least 2 months

        Hematopoietic:

          -  Platelet count at least 100,000/mm3
"""


def test_values_under_pdq_field_headings_read_in_context() -> None:
    p = parse_criteria(PDQ, "NCT-PDQ")
    by = {c.text: c for c in p.criteria}
    age = _atoms(by["1 to 30"], "age")
    assert [(a.min_years, a.max_years) for a in age] == [(1, 30)]
    perf = _atoms(by["0-2"], "performance")
    assert [(a.scale, a.min, a.max) for a in perf] == [("ECOG", 0, 2)]
    life = _atoms(by["At least 2 months"], "life_expectancy")
    assert [a.min_months for a in life] == [2]
    assert by["Life expectancy:"].fully_parsed


def test_heading_value_needs_the_heading() -> None:
    # the same words with no field heading above them stay unread
    c = _crit("1 to 30")
    assert not _atoms(c, "age")
    assert not c.fully_parsed
    c = _crit("At least 2 months")
    assert not _atoms(c, "life_expectancy")


def test_heading_reaches_second_sibling_and_named_scales() -> None:
    text = """
        Age:

          -  18 and over

        Performance status:

          -  GOG 0-2

          -  WHO 0 or 1
"""
    p = parse_criteria(text, "NCT-PDQ2")
    by = {c.text: c for c in p.criteria}
    assert [a.min_years for a in _atoms(by["18 and over"], "age")] == [18]
    gog = _atoms(by["GOG 0-2"], "performance")
    assert [(a.scale, a.min, a.max) for a in gog] == [("ECOG", 0, 2)]
    who = _atoms(by["WHO 0 or 1"], "performance")
    assert [(a.scale, a.min, a.max) for a in who] == [("WHO", 0, 1)]


@pytest.mark.parametrize(
    "text",
    [
        "Bone age of boys < 15 years, of girls < 13 years",
        "Mental age of at least 18 months",
        "Gestational age >= 24 completed weeks",
    ],
)
def test_other_kinds_of_age_are_not_the_patients_age(text: str) -> None:
    assert not _atoms(_crit(text), "age")


def test_age_in_months_is_converted_to_years() -> None:
    (a,) = _atoms(_crit("Age >= 6 months"), "age")
    assert a.min_years == pytest.approx(0.5)
    (b,) = _atoms(_crit("Age >= 12 months and <= 21 years"), "age")
    assert (b.min_years, b.max_years) == (1, 21)


def test_patient_age_beside_bone_age_still_read() -> None:
    (a,) = _atoms(_crit("Age 18 years or older; bone age > 14"), "age")
    assert a.min_years == 18


def test_lab_names_with_nested_glosses() -> None:
    c = _crit(
        "Aspartate aminotransferase (AST) (serum glutamic oxaloacetic transaminase [SGOT])/"
        "alanine aminotransferase (ALT) (serum glutamate pyruvate transaminase [SGPT]) "
        "<= 2.5 x institutional upper limit of normal"
    )
    labs = _atoms(c, "lab")
    assert sorted(a.analyte for a in labs) == ["alt", "ast"]
    assert all(a.uln_multiple == 2.5 for a in labs)
    assert c.fully_parsed


def test_within_normal_institutional_limits() -> None:
    c = _crit("Creatinine within normal institutional limits OR creatinine clearance >= 60 mL/min")
    crea = [a for a in _atoms(c, "lab") if a.analyte == "creatinine"]
    assert {(a.lln_multiple, a.uln_multiple) for a in crea} == {(1.0, None), (None, 1.0)}
    assert c.fully_parsed


def test_dipstick_grade_is_not_grams_per_day() -> None:
    (a,) = _atoms(_crit("Urine dipstick for proteinuria < 2+"), "lab")
    assert a.analyte == "urine_protein_dipstick"
    assert a.unit is None
    c = _crit("proteinuria >= 2+ by dipstick urinalysis", "Exclusion")
    (b,) = _atoms(c, "lab")
    assert (b.analyte, b.comparator, b.value) == ("urine_protein_dipstick", ">=", 2)
    assert c.fully_parsed
    (g,) = _atoms(_crit("Urine protein < 1 g/24h"), "lab")
    assert (g.analyte, g.unit) == ("urine_protein", "g/24h")


def test_unit_in_brackets_and_spelled_out_window_are_not_content() -> None:
    assert _crit("Creatinine < 2.5 mg/dL (SI: 221 mmol/L)").fully_parsed
    assert _crit(
        "serum creatinine <= 2.5 mg/dL. This value must be obtained within two weeks before "
        "protocol entry."
    ).fully_parsed
    # a spelled-out count that is not a time stays content
    from trialscout.criteria import logic

    sink: list[tuple[str, list[tuple[int, int]], bool]] = []
    logic.LEFTOVER_SINK = sink
    try:
        _crit("Prior chemotherapy in two settings")
    finally:
        logic.LEFTOVER_SINK = None
    assert any(t[x:y] == "two" for t, spans, _ in sink for x, y in spans)


def test_cross_reference_sets_no_limit() -> None:
    c = _crit("See Disease Characteristics")
    assert c.fully_parsed
    assert not list(iter_atoms(c.expr))
    # a pointer with words of its own keeps them
    assert not _crit("See Disease Characteristics for prior radiotherapy").fully_parsed


def test_grading_scale_and_response_standard_names_are_filler_beside_an_atom() -> None:
    c = _crit(
        "NCT CTCAE grade 3 or higher hemorrhage within 4 weeks of starting treatment", "Exclusion"
    )
    assert c.fully_parsed
    c = _crit(
        "Must have had documented evidence of progressive disease as defined based on "
        "Investigator's determination of response of International Myeloma Working Group "
        "(IMWG) criteria on or after their last regimen"
    )
    assert _atoms(c, "disease_status")
    assert c.fully_parsed
    # alone (no atom in the clause) the same words stay content
    assert not _crit("Response by PCWG2 criteria").fully_parsed


def test_but_not_limited_to_is_a_list_lead_in() -> None:
    c = _crit(
        "Uncontrolled illness including, but not limited to, ongoing or active infection or "
        "symptomatic congestive heart failure",
        "Exclusion",
    )
    assert _atoms(c, "condition")
    assert c.fully_parsed
