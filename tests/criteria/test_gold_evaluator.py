"""The scoring rules of trialscout.criteria.evaluate on small hand-made cases."""

from __future__ import annotations

from typing import Any

import pytest

from trialscout.criteria.atoms import (
    AgeAtom,
    AndNode,
    Criterion,
    LabAtom,
    ParsedCriteria,
    PerformanceAtom,
    UnparsedAtom,
)
from trialscout.criteria.evaluate import (
    GoldCriterion,
    GoldError,
    GoldTrial,
    atoms_match,
    canonical_value,
    evaluate_gold,
    score_trial,
    validate_gold,
)

SRC = "Inclusion Criteria:\n- Age 18-70 years\n- Hemoglobin >= 9 g/dL and ECOG 0-1\n"


def _span(s: str) -> tuple[int, int]:
    a = SRC.index(s)
    return (a, a + len(s))


def _gold(atoms2: list[dict[str, Any]]) -> GoldTrial:
    t1, t2 = "Age 18-70 years", "Hemoglobin >= 9 g/dL and ECOG 0-1"
    return GoldTrial(
        nct_id="NCT00000001",
        source="test",
        area="test",
        annotator="test",
        source_text=SRC,
        criteria=[
            GoldCriterion(
                id="inc-1",
                kind="inclusion",
                text=t1,
                span=_span(t1),
                fully_parseable=True,
                atoms=[{"type": "age", "min_years": 18, "max_years": 70}],
            ),
            GoldCriterion(
                id="inc-2",
                kind="inclusion",
                text=t2,
                span=_span(t2),
                fully_parseable=True,
                atoms=atoms2,
            ),
        ],
    )


GOLD_ATOMS2 = [
    {"type": "lab", "analyte": "hemoglobin", "comparator": ">=", "value": 9, "unit": "g/dL"},
    {"type": "performance", "scale": "ECOG", "min": 0, "max": 1},
]


def _parsed(second: list[Any], first: list[Any] | None = None) -> ParsedCriteria:
    t1, t2 = "Age 18-70 years", "Hemoglobin >= 9 g/dL and ECOG 0-1"
    first = first if first is not None else [AgeAtom(min_years=18, max_years=70)]
    crits = []
    for i, (t, atoms) in enumerate(((t1, first), (t2, second)), start=1):
        expr = atoms[0] if len(atoms) == 1 else AndNode(args=atoms)
        crits.append(
            Criterion(
                id=f"inc-{i}",
                kind="inclusion",
                text=t,
                span=_span(t),
                expr=expr,
                fully_parsed=not any(isinstance(a, UnparsedAtom) for a in atoms),
            )
        )
    return ParsedCriteria(nct_id="NCT00000001", parser_version="t", criteria=crits)


def _hb(value: float = 9, unit: str = "g/dL") -> LabAtom:
    return LabAtom(analyte="hemoglobin", comparator=">=", value=value, unit=unit)


def test_perfect_match_scores_one() -> None:
    s = score_trial(
        _gold(GOLD_ATOMS2), _parsed([_hb(), PerformanceAtom(scale="ECOG", min=0, max=1)])
    )
    report, _ = evaluate_gold(
        [_gold(GOLD_ATOMS2)],
        lambda text, nct: _parsed([_hb(), PerformanceAtom(scale="ECOG", min=0, max=1)]),
    )
    assert report.micro["f1"] == 1.0
    assert report.per_type["lab"]["f1"] == 1.0
    assert s.aligned == 2 and s.kind_agree == 2 and s.parse_agree == 2


def test_missing_atom_lowers_recall_only() -> None:
    report, _ = evaluate_gold([_gold(GOLD_ATOMS2)], lambda text, nct: _parsed([_hb()]))
    assert report.per_type["performance"]["recall"] == 0.0
    assert report.per_type["performance"]["fn"] == 1
    assert report.micro["precision"] == 1.0
    assert report.micro["recall"] == pytest.approx(2 / 3, abs=1e-3)


def test_extra_atom_lowers_precision_only() -> None:
    extra = LabAtom(analyte="platelets", comparator=">=", value=100, unit="10^9/L")
    parsed = _parsed([_hb(), PerformanceAtom(scale="ECOG", min=0, max=1), extra])
    report, _ = evaluate_gold([_gold(GOLD_ATOMS2)], lambda text, nct: parsed)
    assert report.micro["recall"] == 1.0
    assert report.micro["precision"] == pytest.approx(3 / 4)
    assert report.per_type["lab"]["fp"] == 1


def test_unit_normalised_numbers_match() -> None:
    parsed = _parsed([_hb(90, "g/L"), PerformanceAtom(scale="ECOG", min=0, max=1)])
    report, _ = evaluate_gold([_gold(GOLD_ATOMS2)], lambda text, nct: parsed)
    assert report.micro["f1"] == 1.0
    assert canonical_value("anc", 1500, "cells/mm³") == pytest.approx((1.5, "10^9/L"))
    assert canonical_value("platelets", 100, "× 10⁹/L") == (100, "10^9/L")
    assert canonical_value("creatinine", 133, "µmol/L")[0] == pytest.approx(1.5045, abs=1e-3)


def test_wrong_number_or_comparator_is_no_match() -> None:
    g = GOLD_ATOMS2[0]
    assert not atoms_match(g, _hb(10).model_dump())
    assert not atoms_match(g, {**_hb().model_dump(), "comparator": ">"})
    assert not atoms_match(g, {**_hb().model_dump(), "unit": "mg/dL"})
    assert atoms_match(g, {**_hb().model_dump(), "analyte": "Hemoglobin", "loinc": "718-7"})


def test_strings_compare_case_and_punctuation_insensitive() -> None:
    gold = {"type": "prior_therapy", "drug_class": "pd1_inhibitor"}
    assert atoms_match(gold, {"type": "prior_therapy", "drug_class": "PD-1 inhibitor"})
    assert atoms_match(gold, {"type": "prior_therapy", "drug_class": "pd1_inhibitor", "line": 1})
    assert not atoms_match(gold, {"type": "prior_therapy", "drug_class": "pdl1_inhibitor"})
    # an unset bound must stay unset: "age >= 18" is not "18-70"
    assert not atoms_match(
        {"type": "age", "min_years": 18, "max_years": None},
        {"type": "age", "min_years": 18, "max_years": 70},
    )


def test_unparsed_and_review_count_as_types() -> None:
    gold = _gold([{"type": "unparsed"}, {"type": "review", "reason": "consent"}])
    gold.criteria[1].fully_parseable = False
    parsed = _parsed([UnparsedAtom()])
    report, _ = evaluate_gold([gold], lambda text, nct: parsed)
    assert report.per_type["unparsed"]["tp"] == 1
    assert report.per_type["review"]["fn"] == 1


def test_atoms_routed_by_span_when_parser_merges_criteria() -> None:
    """One parsed criterion covering both gold items: atoms still land where their spans are."""
    t = "Age 18-70 years\n- Hemoglobin >= 9 g/dL and ECOG 0-1"
    a = SRC.index(t)
    age = AgeAtom(min_years=18, max_years=70, span=_span("Age 18-70 years"))
    hb = _hb()
    hb.span = _span("Hemoglobin >= 9 g/dL")
    ecog = PerformanceAtom(scale="ECOG", min=0, max=1, span=_span("ECOG 0-1"))
    merged = Criterion(
        id="inc-1",
        kind="inclusion",
        text=t,
        span=(a, a + len(t)),
        expr=AndNode(args=[age, hb, ecog]),
        fully_parsed=True,
    )
    parsed = ParsedCriteria(parser_version="t", criteria=[merged])
    s = score_trial(_gold(GOLD_ATOMS2), parsed)
    assert all(c.fp == 0 and c.fn == 0 for c in s.per_type.values())


def test_parser_exception_is_reported_not_raised() -> None:
    def boom(text: str, nct: str | None) -> ParsedCriteria:
        raise RuntimeError("bad")

    report, _ = evaluate_gold([_gold(GOLD_ATOMS2)], boom)
    assert report.parse_failures == ["NCT00000001: RuntimeError: bad"]
    assert report.micro["recall"] == 0.0


def test_validate_gold_names_the_bad_field() -> None:
    g = _gold([{"type": "lab", "analyte": "hemoglobin", "comparator": "≥", "value": 9}])
    with pytest.raises(GoldError, match=r"inc-2.*atoms\[0\]\.lab\.comparator"):
        validate_gold(g, "x.json")
    g = _gold(GOLD_ATOMS2)
    g.criteria[0].text = "Age 18 years"
    with pytest.raises(GoldError, match="inc-1: field 'text'"):
        validate_gold(g, "x.json")
