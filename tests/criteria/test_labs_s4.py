"""Lab and infection phrasings read in session 4 (helper C): spellings of the comparator, the
ULN and the value that recur across eligibility-texts.csv, new analytes, conditional limits
written with "without" / "(5 times ULN if ...)", and the safety rules around them."""

from __future__ import annotations

from typing import Any

import pytest

from trialscout.criteria.atoms import IfNode, iter_atoms
from trialscout.criteria.parser import parse_criteria


def _parse(text: str, kind: str = "inclusion") -> tuple[Any, bool]:
    head = "Inclusion Criteria:" if kind == "inclusion" else "Exclusion Criteria:"
    p = parse_criteria(f"{head}\n\n- {text}\n")
    assert len(p.criteria) == 1
    c = p.criteria[0]
    return c.expr, c.fully_parsed


def _labs(expr: Any) -> list[tuple[str, str, float | None, str | None, float | None, float | None]]:
    return [
        (a.analyte, a.comparator, a.value, a.unit, a.uln_multiple, a.lln_multiple)
        for a in iter_atoms(expr)
        if a.type == "lab"
    ]


@pytest.mark.parametrize(
    "text,want",
    [
        # comparator spellings
        ("Serum total bilirubin = ≤1.5 x ULN", [("bilirubin", "<=", None, None, 1.5, None)]),
        (
            "Platelet count must be greater than/equal to 100,000/mm^3.",
            [("platelets", ">=", 100000.0, "/uL", None, None)],
        ),
        (
            "Platelet count > equal to 100,000/uL",
            [("platelets", ">=", 100000.0, "/uL", None, None)],
        ),
        ("Platelet count >= to 75 x 10^9/L.", [("platelets", ">=", 75.0, "10^9/L", None, None)]),
        ("PSA > or = to 2 ng/ml", [("psa", ">=", 2.0, "ng/mL", None, None)]),
        ("creatinine ≤ than 1.5 ULN", [("creatinine", "<=", None, None, 1.5, None)]),
        (
            "Total bilirubin within 1.5 times the upper limit of normal",
            [("bilirubin", "<=", None, None, 1.5, None)],
        ),
        # ULN spellings
        (
            "AST/SGOT and ALT/SGPT ≤2.5×ULN",
            [("ast", "<=", None, None, 2.5, None), ("alt", "<=", None, None, 2.5, None)],
        ),
        (
            "SGOT and SGPT <= 2.5xUNL",
            [("ast", "<=", None, None, 2.5, None), ("alt", "<=", None, None, 2.5, None)],
        ),
        ("Total bilirubin < 1.5 x ULN for age", [("bilirubin", "<", None, None, 1.5, None)]),
        ("Bilirubin <= 1.5 x upper-normal limit", [("bilirubin", "<=", None, None, 1.5, None)]),
        ("ALAT < 3 N", [("alt", "<", None, None, 3.0, None)]),
        # value spellings: decimal comma, thousands with a dot or a space before a count unit
        ("plasma creatinine ≤ 1,6 mg/dL", [("creatinine", "<=", 1.6, "mg/dL", None, None)]),
        ("platelets ≥ 100.000/mm3", [("platelets", ">=", 100000.0, "/uL", None, None)]),
        ("neutrophils ≥ 1.500/mm3", [("anc", ">=", 1500.0, "/uL", None, None)]),
        ("Platelets > 100 000/mm3", [("platelets", ">", 100000.0, "/uL", None, None)]),
        ("Granulocytes > 1.5E9/l", [("anc", ">", 1.5, "10^9/L", None, None)]),
        # the direction written after the value
        ("Hemoglobin 9.0 gm/dL or higher", [("hemoglobin", ">=", 9.0, "g/dL", None, None)]),
        ("Serum creatinine 2.0 mg/dL or lower", [("creatinine", "<=", 2.0, "mg/dL", None, None)]),
        ("Albumin is 2.8 g/dL or above", [("albumin", ">=", 2.8, "g/dL", None, None)]),
        # analytes and spellings added to labs.csv
        ("Hgb A1c ≤ 7%", [("hba1c", "<=", 7.0, "%", None, None)]),
        ("CD4 count > 350 cells/mm3", [("cd4", ">", 350.0, "/uL", None, None)]),
        ("BUN <= 30 mg/dL", [("bun", "<=", 30.0, "mg/dL", None, None)]),
        (
            "Creatine phosphokinase (CPK) ≤ 2.5 x ULN",
            [("creatine_kinase", "<=", None, None, 2.5, None)],
        ),
        ("Gamma glutamyl transferase (GGT) ≤5 x ULN", [("ggt", "<=", None, None, 5.0, None)]),
        (
            "Serum amylase and lipase ≤ 1.5 x ULN",
            [("amylase", "<=", None, None, 1.5, None), ("lipase", "<=", None, None, 1.5, None)],
        ),
        (
            "Urine protein creatinine (UPC) ratio < 1.0",
            [("urine_protein", "<", 1.0, None, None, None)],
        ),
        (
            "Serum aspartate transaminase (AST/SGOT) or serum alanine transaminase (ALT/SGPT) "
            "less than or equal to 2.5 X ULN",
            [("ast", "<=", None, None, 2.5, None), ("alt", "<=", None, None, 2.5, None)],
        ),
        # within the normal range: >= 1 x LLN and <= 1 x ULN (docs/criteria-gold.md)
        (
            "Potassium = in normal range",
            [
                ("potassium", ">=", None, None, None, 1.0),
                ("potassium", "<=", None, None, 1.0, None),
            ],
        ),
        (
            "total bilirubin: within normal institutional limits",
            [
                ("bilirubin", ">=", None, None, None, 1.0),
                ("bilirubin", "<=", None, None, 1.0, None),
            ],
        ),
    ],
)
def test_lab_phrasings(text: str, want: list[tuple[Any, ...]]) -> None:
    expr, ok = _parse(text)
    assert ok, text
    assert sorted(_labs(expr), key=str) == sorted(want, key=str)


def test_within_normal_lists_every_analyte() -> None:
    expr, ok = _parse("Potassium, calcium, and magnesium must be within normal limits (WNL)")
    assert ok
    got = {(a, c) for a, c, *_ in _labs(expr)}
    assert got == {(x, c) for x in ("potassium", "calcium", "magnesium") for c in (">=", "<=")}


def test_in_normal_range_is_never_below_normal() -> None:
    # "in normal range" once fell through to the "below normal" branch (< 1 x LLN)
    expr, _ = _parse("Potassium = in normal range")
    assert ("potassium", "<", None, None, None, 1.0) not in _labs(expr)


def _if_parts(expr: Any) -> tuple[Any, list[Any], list[Any]]:
    node = (
        expr
        if isinstance(expr, IfNode)
        else next(a for a in getattr(expr, "args", []) if isinstance(a, IfNode))
    )
    return node.cond, list(iter_atoms(node.then)), list(iter_atoms(node.otherwise))


@pytest.mark.parametrize(
    "text",
    [
        "AST/ALT ≤ 3 x ULN for patients without liver metastasis; "
        "≤ 5 x ULN for patients with liver metastasis",
        "AST and ALT less than 3 times the UNL in the absence of demonstrable liver metastases, "
        "or less than 5 times the UNL in the presence of liver metastases.",
        "AST and ALT ≤ 3 times ULN (5 times ULN if liver metastases are present)",
        "ALT and AST ≤ 3 x ULN (in case of liver metastases: ≤ 5 times ULN).",
    ],
)
def test_conditional_limit_pairs(text: str) -> None:
    expr, ok = _parse(text)
    assert ok, text
    cond, then, otherwise = _if_parts(expr)
    assert cond.type == "metastasis" and cond.site == "liver"
    assert {a.uln_multiple for a in then} == {5.0}
    assert {a.uln_multiple for a in otherwise} == {3.0}
    # the limit with liver metastases keeps the first limit's comparator
    assert {a.comparator for a in then} == {a.comparator for a in otherwise}


def test_limit_without_a_condition_never_requires_it() -> None:
    # "without liver metastases" was read as AND(limit, liver metastasis): a patient without
    # liver metastases then failed the criterion
    expr, ok = _parse("ALT <= 2.5 x ULN without liver metastases")
    cond, then, otherwise = _if_parts(expr)
    assert cond.type == "metastasis"
    assert [a.type for a in then] == ["unparsed"]  # no limit given with liver metastases
    assert [(a.analyte, a.uln_multiple) for a in otherwise] == [("alt", 2.5)]
    assert not ok


def test_lone_limit_for_a_condition_is_conditional() -> None:
    expr, ok = _parse("SGPT < 5 x upper limit of normal for patients with liver metastases.")
    cond, then, otherwise = _if_parts(expr)
    assert cond.type == "metastasis"
    assert [(a.analyte, a.uln_multiple) for a in then] == [("alt", 5.0)]
    assert [a.type for a in otherwise] == ["unparsed"]
    assert not ok


def test_if_not_due_to_a_condition_is_the_limit_without_it() -> None:
    # "if not due to Gilbert's syndrome" was an AND with Gilbert's syndrome (requiring it)
    expr, _ = _parse("Serum bilirubin </=1.5 mg/dl if not due to Gilbert's syndrome")
    cond, then, otherwise = _if_parts(expr)
    assert cond.type == "condition" and cond.condition == "gilbert_syndrome"
    assert [a.type for a in then] == ["unparsed"]
    assert [(a.analyte, a.value) for a in otherwise] == [("bilirubin", 1.5)]


def test_an_exception_in_brackets_is_not_the_limits_condition() -> None:
    # "(in case of Gilbert syndrome, a higher bilirubin is allowed)" states another rule
    expr, _ = _parse(
        "Serum bilirubin > 1.5 x ULN (in case of Gilbert syndrome, a higher serum total "
        "bilirubin is allowed)",
        "exclusion",
    )
    assert not any(isinstance(n, IfNode) for n in [expr, *getattr(expr, "args", [])])


@pytest.mark.parametrize(
    "text",
    [
        # a relative change is not a limit
        "2 consecutive PSA levels 50% or greater above the PSA nadir",
        # HCT-CI is a comorbidity index, not the hematocrit
        "HCT-CI Score < or = 4 points",
        # a range inside a bracketed subgroup note is not a requirement
        "HgbA1c ≤8% (patients with an HgbA1c level between 7-8% will be required to have "
        "home glucose monitoring)",
    ],
)
def test_no_false_limit(text: str) -> None:
    expr, _ = _parse(text)
    labs = _labs(expr)
    assert ("psa", ">=", 50.0, "%", None, None) not in labs
    assert not any(a == "hematocrit" for a, *_ in labs)
    assert ("hba1c", ">=", 7.0, "%", None, None) not in labs


def test_ungated_reads_the_same() -> None:
    # the gated extractor (needs_low_match on the lab aliases) must see the new aliases
    from trialscout.criteria.vocab import vocab

    for alias in ("hgb a1c", "cd4 count", "bun", "cpk", "ggt", "amylase", "neutrophiles"):
        assert vocab().lab_for(alias) is not None, alias


@pytest.mark.parametrize(
    "text,marker,status",
    [
        ("Human T-cell lymphotrophic virus type I (HTLV-I) positive", "htlv", "positive"),
    ],
)
def test_other_infections(text: str, marker: str, status: str) -> None:
    expr, _ = _parse(text, "exclusion")
    got = [(a.marker, a.status) for a in iter_atoms(expr) if a.type == "infection"]
    assert (marker, status) in got
