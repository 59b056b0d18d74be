"""Session 5 (helper S): "X normal" lab limits, transaminases as AST and ALT, ULN spellings,
age limits the parser used to drop or merge wrongly, and a comparator with a number that no
atom read counting as content (never a silently dropped limit)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.parse_helpers import atom_dicts, fully_parsed, parse_one

from trialscout.criteria.extractors import labs
from trialscout.criteria.extractors.base import Ctx, may_match
from trialscout.criteria.normalize import normalize


def _labs(text: str, kind: str = "inclusion") -> list[tuple[Any, ...]]:
    return sorted(
        (
            a["analyte"],
            a["comparator"],
            a.get("value"),
            a.get("uln_multiple"),
            a.get("lln_multiple"),
        )
        for a in atom_dicts(text, kind, "lab")
    )


def _wnl(*analytes: str) -> list[tuple[Any, ...]]:
    return sorted(
        x for a in analytes for x in ((a, ">=", None, None, 1.0), (a, "<=", None, 1.0, None))
    )


# --------------------------------------------------------------------------- "X normal"


@pytest.mark.parametrize(
    ("text", "analytes"),
    [
        ("Bilirubin normal", ["bilirubin"]),
        ("Calcium normal", ["calcium"]),
        ("Total bilirubin normal", ["bilirubin"]),
        ("SGOT/SGPT normal", ["ast", "alt"]),
        ("Creatinine normal for age", ["creatinine"]),
    ],
)
def test_x_normal_is_within_normal_limits(text: str, analytes: list[str]) -> None:
    # docs/criteria-gold.md "Corrections (session 5)": read like "within normal limits"
    assert _labs(text) == _wnl(*analytes)
    assert fully_parsed(text, "inclusion")


def test_x_normal_or_a_clearance_keeps_both_branches() -> None:
    text = "Creatinine normal OR creatinine clearance >= 60 mL/min"
    expr, _ = parse_one(text, "inclusion")
    assert expr.type == "or"
    assert ("crcl", ">=", 60.0, None, None) in _labs(text)
    assert fully_parsed(text, "inclusion")


def test_either_analyte_normal_is_an_or() -> None:
    expr, _ = parse_one("AST or ALT normal", "inclusion")
    assert expr.type == "or"


@pytest.mark.parametrize(
    "text",
    [
        # a condition, not a limit on every patient
        "Bilirubin =< 1.5 mg/dL (3 mg/dL in the presence of Gilbert's disease provided direct "
        "bilirubin is normal)",
        # an exception follows: the normal range would drop it
        "Bilirubin normal unless Gilbert's syndrome",
        # a second limit with no analyte follows
        "Bilirubin normal, or <= 1.5 x ULN if liver metastases",
    ],
)
def test_x_normal_never_swallows_what_follows(text: str) -> None:
    got = _labs(text)
    assert not any(lln == 1.0 for *_, lln in got) or not fully_parsed(text, "inclusion")


def test_bare_normal_gate_never_hides_a_match() -> None:
    rx = labs._bare_normal_pattern()
    for t in ("Bilirubin normal", "AST/ALT normal", "Creatinine normal OR crcl >= 60"):
        norm = normalize(t)
        ctx = Ctx(norm.text, norm.text.lower(), "inclusion", norm, t, 0)
        assert rx.search(norm.text) and may_match(rx, ctx)


# --------------------------------------------------------------------------- transaminases and ULN


def test_transaminases_are_ast_and_alt() -> None:
    assert _labs("Transaminases (ALT and AST) < 1.5 x upper limits of normal") == sorted(
        [("alt", "<", None, 1.5, None), ("ast", "<", None, 1.5, None)]
    )
    inc, _ = parse_one("transaminases <= 2.5 x ULN", "inclusion")
    exc, _ = parse_one("transaminases > 2.5 x ULN", "exclusion")
    assert inc.type == "and"  # both must be within the limit
    assert exc.type == "or"  # either one elevated excludes


def test_liver_enzymes_stay_one_analyte() -> None:
    # "liver enzymes" may also mean ALP or GGT (lab_groups.csv)
    assert [a[0] for a in _labs("Liver enzymes < 3 x ULN")] == ["transaminases"]


@pytest.mark.parametrize(
    "text",
    [
        "SGOT/AST and ALT must be less than or equal to 2.5 times the upper limit of institutional "
        "normal",
        "Transaminases =< 2.5 times above the upper limits of the institutional norm",
    ],
)
def test_uln_spellings_are_multiples(text: str) -> None:
    got = _labs(text)
    assert got and all(v is None and uln == 2.5 for _, _, v, uln, _ in got)


def test_days_apart_is_not_a_lab_value() -> None:
    text = "2 measures of creatinine clearance at least 7 days apart must be obtained"
    assert not _labs(text)


# --------------------------------------------------------------------------- age


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("≥ 18 and ≤ 75 years of age , with ≥ 40Kg", 18, 75),
        ("Adult patients, ≥ 18 and < 80 years of age.", 18, 80),
        ("Over the age of 18 years and able to provide informed consent", 18, None),
        ("Male or female over the age of 18", 18, None),
        ("Adults over age 50.", 50, None),
        ("older than 18 years", 18, None),
        ("65 years and over", 65, None),
        ("Male or female > 18 years of age or older", 18, None),
        ("18 years to 65 years;", 18, 65),
        ("Subject is between 18 years old and 75 years old, inclusive", 18, 75),
    ],
)
def test_age_limits(text: str, lo: float | None, hi: float | None) -> None:
    ages = atom_dicts(text, "inclusion", "age")
    assert len(ages) == 1
    assert (ages[0].get("min_years"), ages[0].get("max_years")) == (lo, hi)


def test_a_restated_exclusion_does_not_empty_the_range() -> None:
    text = (
        "Age ≥18 years. Because no dosing data are available in patients <18 years of age, "
        "children are excluded from this study."
    )
    ages = atom_dicts(text, "inclusion", "age")
    assert [(a.get("min_years"), a.get("max_years")) for a in ages] == [(18, None)]


def test_a_subgroup_age_is_not_the_criterion_limit() -> None:
    ages = atom_dicts(
        "Age 18-75 years; patients > 70 years must have an echocardiogram", "inclusion", "age"
    )
    assert [(a.get("min_years"), a.get("max_years")) for a in ages] == [(18, 75)]
    # "if patients are older than 30 years": a condition, not a limit
    assert not atom_dicts(
        "Enrollment is limited to 2 prior regimens if patients are older than 30 years.",
        "inclusion",
        "age",
    )
    # "... over age 65 ... are also eligible": an alternative group, not a limit on everyone
    assert not atom_dicts(
        "Have received at least one prior therapy. Patients who are over age 65 and have not "
        "received therapy for AML are also eligible",
        "inclusion",
        "age",
    )


# --------------------------------------------------------------------------- leftover limits


@pytest.mark.parametrize(
    "text",
    [
        # "AP" is not read: its limit must not vanish beside the parsed AST/ALT limit
        "AP <= 2.5 times ULN AND AST/ALT <= 1.5 times ULN",
        # the dose limit has no field
        "Maximum dose allowed for prednisone is no more than 10 mg/day",
        # the second limit of a range is not read
        "Total bilirubin > 1.5 mg/dL but < 3mg/dL",
        # an age limit in an alternative sentence
        "Have received at least one prior therapy. Patients who are over age 65 and have not "
        "received therapy for AML are also eligible",
    ],
)
def test_an_unread_limit_is_content(text: str) -> None:
    assert not fully_parsed(text, "inclusion")


@pytest.mark.parametrize(
    "text",
    [
        # RECIST's definition of a measurable lesion is what the atom means
        "Measurable disease defined as ≥ 1 lesion that can be measured in ≥ 1 dimension",
        # a time qualifier of a read atom
        "Prior chemotherapy completed more than 4 weeks before registration",
    ],
)
def test_definitions_and_time_qualifiers_are_not_limits(text: str) -> None:
    from trialscout.criteria import logic

    words = [m for m in logic._LOOSE_LIMIT.finditer(normalize(text).text)]
    kept = [
        m
        for m in words
        if not (
            logic._LIMIT_TIME.match(normalize(text).text, m.end())
            or logic._ONE_LESION.match(normalize(text).text, m.start())
        )
    ]
    assert not kept, [m.group() for m in kept]
    assert re.search(r"\d", text)


# --------------------------------------------------------------------------- a lab as a condition


def test_a_bracketed_limit_under_a_lab_condition_is_an_if() -> None:
    expr, ok = parse_one("AST <= 2.5 x ULN (1.5 x ULN if ALP > 2.5 x ULN)", "inclusion")
    assert expr.type == "if" and ok
    assert expr.cond.analyte == "alp" and expr.cond.comparator == ">"
    assert expr.then.uln_multiple == 1.5
    assert expr.otherwise.uln_multiple == 2.5


def test_a_lab_after_if_is_never_a_requirement() -> None:
    # before: AND(AST/ALT <= 1.5 x ULN, ...) with the condition read as a requirement
    text = (
        "AST/SGOT and ALT/SGPT <= 1.5 x Upper Limit of Normal (ULN) if alkaline phosphatase "
        "> 2.5 x ULN"
    )
    assert "alp" not in [a[0] for a in _labs(text)]
    assert not fully_parsed(text, "inclusion")


def test_if_then_binds_the_second_limit_to_the_first() -> None:
    expr, _ = parse_one(
        "if serum creatinine > 1.5 mg/dL, then the creatinine clearance must be > 60 mL/min",
        "inclusion",
    )
    ifs = [e for e in [expr, *getattr(expr, "args", [])] if e.type == "if"]
    assert ifs and ifs[0].cond.analyte == "creatinine"
    assert ifs[0].then.analyte == "crcl"


def test_excluded_if_a_lab_limit_is_the_criterion() -> None:
    text = "Subjects with renal impairment will be excluded if creatinine clearance < 60 ml/min."
    assert ("crcl", "<", 60.0, None, None) in _labs(text, "exclusion")


def test_patients_with_a_lab_limit_must_have_another_is_an_if() -> None:
    # before: AND(UPC > 0.5, proteinuria < 1000 mg/24h) required UPC > 0.5 of every patient
    expr, _ = parse_one(
        "Patients with urine protein:creatinine ratio > 0.5 must have proteinuria < 1,000 mg by "
        "24-hour urine collection",
        "inclusion",
    )
    assert expr.type == "if"
    assert expr.cond.comparator == ">"
    assert (expr.then.value, expr.then.unit) == (1000.0, "mg/24h")
    assert expr.otherwise.type == "and" and not expr.otherwise.args


def test_radioisotope_gfr_shares_the_clearance_limit() -> None:
    expr, ok = parse_one(
        "Creatinine clearance OR radioisotope glomerular filtration rate >= 70 mL/min", "inclusion"
    )
    assert ok and expr.type == "or"
    assert sorted(a[0] for a in _labs("Creatinine clearance or radioisotope GFR >= 70 mL/min")) == [
        "crcl",
        "egfr",
    ]


def test_a_permission_to_transfuse_is_not_content_but_a_requirement_is() -> None:
    assert fully_parsed(
        "Hematocrit at least 25% (transfusion or epoetin alfa allowed)", "inclusion"
    )
    assert not fully_parsed("Platelets >= 100,000/mm3 (transfusion independent)", "inclusion")
