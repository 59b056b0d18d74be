"""Kleene logic and unit conversion."""

from __future__ import annotations

import pytest

from trialscout.match.logic import (
    all_of,
    any_of,
    conditional,
    false,
    negate,
    not_applicable,
    review,
    true,
    unknown,
)
from trialscout.match.units import convert, infer_unit

T, F, U = true("t"), false("f"), unknown("u")


def test_and_or_not_three_valued() -> None:
    assert all_of([T, F, U]).value is False
    assert all_of([T, U]).value is None
    assert all_of([T, T]).value is True
    assert any_of([F, U, T]).value is True
    assert any_of([F, U]).value is None
    assert any_of([F, F]).value is False
    assert negate(U).value is None
    assert negate(T).value is False


def test_not_applicable_is_neutral_and_review_never_decides() -> None:
    na = not_applicable("male")
    assert all_of([na, T]).value is True
    assert all_of([na, na]).na
    r = all_of([T, review("judgment")])
    assert r.value is None and r.review
    assert all_of([F, review("judgment")]).value is False
    # an open unknown outranks review: the question must still be asked
    assert not all_of([U, review("x")]).review


def test_if_unknown_condition_answers_only_when_branches_agree() -> None:
    assert conditional(U, T, T).value is True
    assert conditional(U, T, F).value is None
    assert conditional(T, F, T).value is False
    assert conditional(F, F, T).value is True


@pytest.mark.parametrize(
    ("value", "src", "dst", "analyte", "expected"),
    [
        (11.8, "g/dL", "g/L", "hemoglobin", 118),
        (90, "g/L", "g/dL", "hemoglobin", 9),
        (1500, "/uL", "10^9/L", "anc", 1.5),
        (1500, "cells/mm3", "10^9/L", "anc", 1.5),
        (150, "K/uL", "10^9/L", "platelets", 150),
        (1.5, "x10^9/L", "cells/uL", "anc", 1500),
        (1.0, "mg/dL", "umol/L", "creatinine", 88.4),
        (1.0, "mg/dL", "umol/L", "bilirubin", 17.1),
        (40, "IU/L", "U/L", "alt", 40),
    ],
)
def test_convert(value: float, src: str, dst: str, analyte: str, expected: float) -> None:
    got = convert(value, src, dst, analyte)
    assert got == pytest.approx(expected)


def test_convert_needs_the_analyte_for_molar_units() -> None:
    assert convert(1.0, "mg/dL", "umol/L", "albumin") is None


def test_infer_unit_only_where_unambiguous() -> None:
    assert infer_unit("hemoglobin", 118) == "g/L"
    assert infer_unit("hemoglobin", 11.8) == "g/dL"
    assert infer_unit("platelets", 150000) == "/uL"
    assert infer_unit("creatinine", 80) == "umol/L"
    assert infer_unit("hemoglobin", 28) is None
