"""Leftover rules (noncontent.csv, cancer context, cue words) and the lab / demographics
phrasings of session 2: what counts as content, and what must stay unparsed."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from trialscout.criteria.atoms import Expr, OrNode, iter_atoms
from trialscout.criteria.parser import parse_text
from trialscout.criteria.vocab import DATA_DIR, read_table

ROOT = Path(__file__).resolve().parents[2]


def _parse(text: str, kind: str = "inclusion") -> tuple[Expr, bool]:
    return parse_text(text, 0, len(text), kind)


def _atoms(expr: Expr) -> list[dict[str, Any]]:
    return [a.model_dump(exclude={"text", "span"}) for a in iter_atoms(expr)]


def _types(expr: Expr) -> list[str]:
    return [a.type for a in iter_atoms(expr)]


def _labs(expr: Expr) -> list[tuple[str, str, float | None, float | None]]:
    return [
        (a["analyte"], a["comparator"], a["value"], a["uln_multiple"])
        for a in _atoms(expr)
        if a["type"] == "lab"
    ]


# --------------------------------------------------------------------------- the table


def test_noncontent_table_rows_are_well_formed() -> None:
    head = (DATA_DIR / "noncontent.csv").read_text(encoding="utf-8").splitlines()[:4]
    assert any(line.startswith("# Source:") for line in head)
    rows = read_table("noncontent.csv")
    assert rows
    kinds = {"word", "phrase", "qualifier"}
    from trialscout.criteria.atoms import ATOM_TYPES

    for r in rows:
        assert r["kind"] in kinds, r
        assert r["note"].strip(), r
        if r["kind"] == "word":
            assert re.fullmatch(r"[a-z][a-z0-9'\-]*", r["text"]), r
        else:
            re.compile(r["text"])
        for t in (r.get("atoms") or "").split("|"):
            assert not t or t in ATOM_TYPES, r


# --------------------------------------------------------------------------- filler beside atoms


@pytest.mark.parametrize(
    "text",
    [
        "Ability to understand and willingness to sign a written informed consent document",
        "Subject has provided written informed consent.",
        "Consent: Signed informed consent, approved by IRB, will be obtained before treatment",
        "Uncontrolled arterial hypertension, despite standard medical management.",
        "Prior chemotherapy or immunotherapy for prostate cancer.",
        "Hemoglobin >= 9 g/dL (transfusion allowed)",
        "ECOG 0-1 (Restricted strenuous activity)",
        "Adults (>= 18 years)",
    ],
)
def test_filler_beside_an_atom_is_not_content(text: str) -> None:
    expr, ok = _parse(text)
    assert ok, _atoms(expr)
    assert "unparsed" not in _types(expr)


def test_provided_after_has_is_not_an_eligible_if_cue() -> None:
    expr, ok = _parse("Subject has provided written informed consent.")
    assert ok
    assert _types(expr) == ["review"]


def test_cancer_context_is_free_only_beside_an_atom() -> None:
    # the cancer names the setting of the therapy atom
    expr, ok = _parse("Prior chemotherapy for prostate cancer.", "exclusion")
    assert ok and _types(expr) == ["prior_therapy"]
    # alone it is the diagnosis
    expr, ok = _parse("Histologically confirmed prostate cancer")
    assert "diagnosis" in _types(expr)


@pytest.mark.parametrize(
    "text,kind",
    [
        # no atom at all: unparsed whatever the words
        ("Zygomorphic florets of any kind", "exclusion"),
        ("Patients must be considered", "inclusion"),
        # menopausal status is a requirement of its own here, not a contraception exemption
        ("Postmenopausal women with ER positive breast cancer", "inclusion"),
        # a requirement beside a lab limit stays content
        ("Platelets >= 100,000/mm3 (transfusion independent)", "inclusion"),
        # a condition on a normal value stays content ("X normal" is read only where it opens
        # a clause: docs/criteria-gold.md "Corrections (session 5)")
        (
            "Bilirubin =< 1.5 mg/dL (3 mg/dL in the presence of Gilbert's disease provided "
            "direct bilirubin is normal)",
            "inclusion",
        ),
        # the object of "as determined by" stays content unless it is a named method
        (
            "Creatinine clearance >= 60 mL/min as determined by 24-hour urine collection",
            "inclusion",
        ),
    ],
)
def test_real_content_stays_unparsed(text: str, kind: str) -> None:
    expr, ok = _parse(text, kind)
    assert not ok
    assert "unparsed" in _types(expr)


def test_reproductive_wording_is_free_only_beside_the_reproductive_atom() -> None:
    expr, ok = _parse(
        "Women of child bearing potential must agree to use highly effective barrier contraception"
    )
    assert ok, _atoms(expr)
    assert "reproductive" in _types(expr)


# --------------------------------------------------------------------------- labs


def test_second_limit_joined_by_or_is_read_not_dropped() -> None:
    expr, ok = _parse("Total bilirubin <= 1.5 mg/dL or <= 1.5 x ULN")
    assert ok
    assert expr.type == "or"
    assert sorted(_labs(expr), key=str) == sorted(
        [("bilirubin", "<=", 1.5, None), ("bilirubin", "<=", None, 1.5)], key=str
    )


def test_sex_specific_second_limit() -> None:
    expr, ok = _parse("Serum creatinine levels <1.5 mg/dL [males], <1.4 mg/dL [females]")
    assert ok
    atoms = _atoms(expr)
    assert {a["sex"] for a in atoms if a["type"] == "sex"} == {"male", "female"}
    assert sorted(v or 0.0 for _, _, v, _ in _labs(expr)) == [1.4, 1.5]
    # each limit goes with its own sex: OR(AND(male, <1.5), AND(female, <1.4))
    assert isinstance(expr, OrNode)
    pairs = set()
    for branch in expr.args:
        d = _atoms(branch)
        pairs.add((d[0]["sex"], d[1]["value"]))
    assert pairs == {("male", 1.5), ("female", 1.4)}


def test_conditional_second_limit_still_an_if() -> None:
    expr, ok = _parse("AST/ALT <= 2.5 x ULN (<= 5 x ULN if liver metastases)")
    assert ok
    assert expr.type == "if" or any(
        a.type == "if"
        for a in getattr(expr, "args", [])  # AST and ALT may be split into two IFs
    )
    assert ("ast", "<=", None, 5.0) in _labs(expr)
    assert ("ast", "<=", None, 2.5) in _labs(expr)


@pytest.mark.parametrize(
    "text,lo,hi,analyte",
    [
        ("Creatinine clearance between 30 and 60 mL/min", 30.0, 60.0, "crcl"),
        ("Platelets between 50,000 and 100,000/mm3", 50000.0, 100000.0, "platelets"),
        ("Hemoglobin 9-12 g/dL", 9.0, 12.0, "hemoglobin"),
    ],
)
def test_lab_range(text: str, lo: float, hi: float, analyte: str) -> None:
    expr, ok = _parse(text)
    assert ok
    assert sorted(_labs(expr), key=str) == sorted(
        [(analyte, ">=", lo, None), (analyte, "<=", hi, None)], key=str
    )


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Bilirubin not higher than 1.5 mg/dL", ("bilirubin", "<=", 1.5, None)),
        ("Platelets not below 100,000/mm3", ("platelets", ">=", 100000.0, None)),
        ("AST and ALT not exceeding 3 x ULN", ("ast", "<=", None, 3.0)),
        (
            "Serum alanine aminotransferase (ALT)/aspartate aminotransferase (AST) less than "
            "three times the upper limit of normal.",
            ("ast", "<", None, 3.0),
        ),
        (
            "Serum glutamate pyruvate transaminase (SGPT) < 3 x normal values",
            ("alt", "<", None, 3.0),
        ),
        ("AST <= 2.5 xULN", ("ast", "<=", None, 2.5)),
        ("Bilirubin <= 1.5 IULN", ("bilirubin", "<=", None, 1.5)),
        (
            "castrate serum testosterone level (i.e. =< 50 ng/dL)",
            ("testosterone", "<=", 50.0, None),
        ),
        ("Sodium > 130 mmol/L", ("sodium", ">", 130.0, None)),
    ],
)
def test_lab_phrasings(text: str, expected: tuple[str, str, float | None, float | None]) -> None:
    expr, _ = _parse(text)
    assert expected in _labs(expr)


def test_limit_goes_to_the_analyte_named_last_before_it() -> None:
    expr, _ = _parse("Serum creatinine normal OR creatinine clearance >= 60 mL/min/1.73 m^2")
    assert ("crcl", ">=", 60.0, None) in _labs(expr)
    assert not any(a == "creatinine" and v == 60.0 for a, _, v, _ in _labs(expr))


def test_word_number_is_not_a_lab_value_without_uln() -> None:
    expr, _ = _parse("Platelets less than one week old transfusion")
    assert not _labs(expr)


# --------------------------------------------------------------------------- demographics


@pytest.mark.parametrize(
    "text,scale,lo,hi",
    [
        (
            "Patients must have a Zubrod performance status (measure of general well being that "
            "ranges from 0 to 5 where 0 represents perfect health) of < 2.",
            "ECOG",
            None,
            1.0,
        ),
        (
            "World Health Organization (WHO) Eastern Cooperative Oncology Group (ECOG) "
            "performance status of 0 or 1",
            "ECOG",
            0.0,
            1.0,
        ),
        ("A Zubrod performance status of two or less.", "ECOG", None, 2.0),
        ("Karnofsky performance status (KPS) greater or equal to 70", "KPS", 70.0, None),
        ("Eastern Cooperative Group (ECOG) Performance Status of 0-2.", "ECOG", 0.0, 2.0),
    ],
)
def test_performance_phrasings(text: str, scale: str, lo: float | None, hi: float | None) -> None:
    expr, ok = _parse(text)
    assert ok, _atoms(expr)
    perf = [a for a in _atoms(expr) if a["type"] == "performance"]
    assert len(perf) == 1
    assert (perf[0]["scale"], perf[0]["min"], perf[0]["max"]) == (scale, lo, hi)


def test_who_after_another_scale_is_read_but_who_grade_is_not() -> None:
    expr, _ = _parse("Have a Performance Scale of Karnofsky > 60%, ECOG < 2 or WHO < 2")
    assert {a["scale"] for a in _atoms(expr) if a["type"] == "performance"} == {
        "KPS",
        "ECOG",
        "WHO",
    }
    expr, _ = _parse("WHO grade 3 glioma, Karnofsky performance >= 70", "exclusion")
    assert [a["scale"] for a in _atoms(expr) if a["type"] == "performance"] == ["KPS"]


@pytest.mark.parametrize(
    "text,lo,hi",
    [
        ("Age 12 months to 21 years", 1.0, 21.0),
        ("18-70years,ECOG PS:0-1,Life expectancy of more than 3 months", 18.0, 70.0),
        ("Children and adolescents aged 1 to 21 years", 1.0, 21.0),
    ],
)
def test_age_phrasings(text: str, lo: float, hi: float) -> None:
    expr, ok = _parse(text)
    assert ok, _atoms(expr)
    age = [a for a in _atoms(expr) if a["type"] == "age"]
    assert [(a["min_years"], a["max_years"]) for a in age] == [(lo, hi)]


def test_adults_alone_stays_unparsed() -> None:
    _, ok = _parse("Adults")
    assert not ok


# --------------------------------------------------------------------------- coverage script


def test_coverage_script_counts_flagged_leftover_words(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["nctid", "phase", "diseases", "drugs", "criteria"])
        w.writerow(
            [
                "NCT00000001",
                "phase 2",
                "['breast cancer']",
                "[]",
                "Inclusion Criteria:\n- ECOG 0-1 and zygomorphic florets\n- Age >= 18 years\n"
                "Exclusion Criteria:\n- Pregnancy",
            ]
        )
        w.writerow(
            ["NCT00000002", "phase 2", "['asthma']", "[]", "Inclusion Criteria:\n- zygomorphic"]
        )
    spec = importlib.util.spec_from_file_location(
        "criteria_coverage", ROOT / "scripts/criteria_coverage.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["criteria_coverage"] = mod
    spec.loader.exec_module(mod)
    rep = mod.run(path, 0, False)
    json.dumps(rep)  # serialisable
    assert rep["oncology_trials"] == 1
    words = {r["word"]: r for r in rep["leftover_words"]}
    assert "zygomorphic" in words and "florets" in words
    assert words["zygomorphic"]["count"] == 1  # the non-oncology trial is not counted
    assert "[[zygomorphic]]" in words["zygomorphic"]["example"]
    assert "ecog" not in words  # read by an atom
    assert rep["criteria"]["oncology"]["n"] == 3
    from trialscout.criteria import logic

    assert logic.LEFTOVER_SINK is None  # the hook is reset
