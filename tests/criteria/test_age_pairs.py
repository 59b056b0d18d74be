"""Age limits written as a pair, from registry texts (eligibility-texts.csv). "N years and
younger/older" must not swallow a following "than M": "younger than 18 or older than 85
years of age" in an exclusion was read as age >= 18, which excluded every adult."""

from __future__ import annotations

import pytest

from trialscout.criteria.atoms import AgeAtom, iter_atoms
from trialscout.criteria.parser import parse_criteria


def _ages(text: str, kind: str = "Inclusion") -> list[AgeAtom]:
    c = parse_criteria(f"{kind} Criteria:\n- {text}", "X").criteria[0]
    return [a for a in iter_atoms(c.expr) if isinstance(a, AgeAtom)]


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("Subjects must be >= 18 years and <= 75 years of age.", 18, 75),  # NCT00423579
        ("The patient is at least 40 years and less than or equal to 75 years old.", 40, 75),
        ("Must be ambulatory male subjects ≥ 55 years to ≤ 90 years of age", 55, 90),
        ("18 years and older", 18, None),
    ],
)
def test_both_limits_of_a_pair_are_read(text: str, lo: float | None, hi: float | None) -> None:
    (age,) = _ages(text)
    assert (age.min_years, age.max_years) == (lo, hi)


@pytest.mark.parametrize(
    "text",
    [
        "Patients younger than 18 or older than 85 years of age.",  # NCT01044966
        "Younger than 21 or older than 75 years of age",  # NCT02330276
        "Less than 18 or greater than 70 years old",  # NCT02592629
    ],
)
def test_an_exclusion_of_the_young_and_the_old_never_excludes_a_middle_aged_adult(
    text: str,
) -> None:
    for age in _ages(text, "Exclusion"):
        # an exclusion atom that holds for a 50-year-old would exclude every adult
        lo, hi = age.min_years, age.max_years
        assert not ((lo is None or lo <= 50) and (hi is None or hi >= 50)), age


def test_older_than_then_younger_than_is_not_an_upper_limit_of_the_first_number() -> None:
    # NCT00429403: was read as age <= 15
    assert all(
        a.max_years != 15
        for a in _ages("Female patients older than 15 years and younger than 46 years.")
    )
