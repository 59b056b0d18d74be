"""Recall round: time relations, stage lists, lab spellings and normal-range limits,
diagnosis context, planned treatments, recovery requirements."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import NotNode, iter_atoms
from trialscout.criteria.parser import parse_criteria


def _crit(text: str, kind: str = "inclusion") -> Any:
    head = "Inclusion Criteria:" if kind == "inclusion" else "Exclusion Criteria:"
    return parse_criteria(f"{head}\n\n  - {text}\n").criteria[0]


def _atoms(text: str, typ: str, kind: str = "inclusion") -> list[dict[str, Any]]:
    crit = _crit(text, kind)
    return [a.model_dump(exclude_none=True) for a in iter_atoms(crit.expr) if a.type == typ]


def _days(text: str, kind: str = "inclusion") -> list[tuple[int | None, int | None]]:
    return [(a.get("min_days"), a.get("max_days")) for a in _atoms(text, "time_relation", kind)]


def test_relapse_within_months_of_therapy_is_a_max_interval() -> None:
    assert _days("Relapse within 12 months of completing adjuvant endocrine treatment") == [
        (None, 365)
    ]
    assert _days("Progression within 60 days of ending bortezomib therapy", "exclusion") == [
        (None, 60)
    ]


def test_more_than_after_is_a_min_interval() -> None:
    assert _days("Recurrence diagnosed more than 12 months after the initial course of IMRT") == [
        (365, None)
    ]
    assert _days("Disease progressed after >6 months following the last dose of therapy") == [
        (180, None)
    ]


def test_time_from_diagnosis_and_disease_free_interval() -> None:
    got = _days("time from initial diagnosis to evidence of metastatic disease 12 months or less")
    assert got == [(None, 365)]
    assert _days(
        "Stage III ovarian cancer must have a 5-year disease-free interval", "exclusion"
    ) == [(1825, None)]


def test_event_without_interval_is_no_time_relation() -> None:
    assert _days("Relapsed after completion of first-line chemotherapy") == []
    # a washout without a disease event stays a prior-therapy window
    assert _days("Chemotherapy within 4 weeks of study entry", "exclusion") == []


def test_time_relation_keeps_the_reference_therapy_atom() -> None:
    got = _atoms("Recurrence within 6 months of the last dose of platinum therapy", "prior_therapy")
    assert any(a.get("drug_class") == "platinum" for a in got)


def test_stage_lists_ranges_and_sclc_stages() -> None:
    assert _atoms("Stage IA, IB, or IIA CTCL", "stage")[0]["groups"] == ["IA", "IB", "IIA"]
    st = _atoms("Locally advanced SCCHN, stage III or IV (T1-2, N2a-3 or T3-4)", "stage")[0]
    assert st["n"] == ["N2a", "N2b", "N2c", "N3"]
    assert _atoms("Limited or extensive-stage disease", "stage")[0]["groups"] == [
        "limited",
        "extensive",
    ]


def test_stage_per_clause_and_not_for_copd() -> None:
    got = _atoms(
        "Stage IV ovarian cancer; Stage III ovarian cancer must have", "stage", "exclusion"
    )
    assert [a["groups"] for a in got] == [["IV"], ["III"]]
    assert (
        _atoms("Stage II chronic obstructive pulmonary disease or worse", "stage", "exclusion")
        == []
    )


def _labs(text: str) -> set[tuple[Any, ...]]:
    return {
        (
            a["analyte"],
            a["comparator"],
            a.get("value"),
            a.get("uln_multiple"),
            a.get("lln_multiple"),
        )
        for a in _atoms(text, "lab")
    }


def test_lab_comparator_and_uln_spellings() -> None:
    assert _labs("Bilirubin < or = 3 x ULN") == {("bilirubin", "<=", None, 3.0, None)}
    assert _labs("ALAT and/or ASAT <=2.5 x UNL") == {
        ("alt", "<=", None, 2.5, None),
        ("ast", "<=", None, 2.5, None),
    }
    assert _labs("AST < 2 times normal") == {("ast", "<", None, 2.0, None)}
    assert _labs("Absolute granulocyte count > or = 1.5 x 10^9/L") == {
        ("anc", ">=", 1.5, None, None)
    }
    assert _labs("testosterone level =< 50 ng/dL") == {("testosterone", "<=", 50.0, None, None)}


def test_conditional_limit_in_brackets() -> None:
    crit = _crit(
        "ALT <= 2.0 x upper normal limit"
        " (or <= 3 x upper normal limit in the case of liver metastases)"
    )
    mults = sorted(a.uln_multiple for a in iter_atoms(crit.expr) if a.type == "lab")
    assert mults == [2.0, 3.0]


def test_normal_range_words() -> None:
    assert _labs("Serum magnesium and potassium within normal limits") == {
        ("magnesium", ">=", None, None, 1.0),
        ("magnesium", "<=", None, 1.0, None),
        ("potassium", ">=", None, None, 1.0),
        ("potassium", "<=", None, 1.0, None),
    }
    assert _labs("high serum lactate dehydrogenase") == {("ldh", ">", None, 1.0, None)}
    assert _labs("low hemoglobin") == {("hemoglobin", "<", None, None, 1.0)}


def test_cancer_named_as_context_is_no_diagnosis() -> None:
    assert _atoms("History of malignancy other than breast cancer", "diagnosis", "exclusion") == []
    assert (
        _atoms(
            "More than one prior systemic therapy for renal cell carcinoma",
            "diagnosis",
            "exclusion",
        )
        == []
    )
    got = _atoms("Histologically proven glioblastoma multiforme", "diagnosis")
    assert got and "glioblastoma" in got[0]["histologies"]


def test_planned_treatment_is_not_prior_therapy() -> None:
    for text in (
        "Intent to undergo disease resection or biopsy",
        "Scheduled to receive adjuvant concurrent chemoradiation",
        "No anticipated need for major surgical procedure during the course of the study",
    ):
        assert _atoms(text, "prior_therapy") == [], text
    assert _atoms("Major surgery within 4 weeks prior to first dose", "prior_therapy", "exclusion")


def test_recovered_from_prior_therapy_is_not_unresolved_toxicity() -> None:
    crit = _crit("Recovered from any prior therapy")
    assert isinstance(crit.expr, NotNode)
    inner = iter_atoms(crit.expr)
    assert [a.type for a in inner] == ["condition"]
    assert inner[0].condition == "toxicity_unresolved"  # type: ignore[union-attr]
    assert crit.fully_parsed


def test_performance_lists_and_bare_ps() -> None:
    got = _atoms("Must have an ECOG Performance Status score of 0, 1, or 2", "performance")
    assert [(a["scale"], a.get("min"), a.get("max")) for a in got] == [("ECOG", 0.0, 2.0)]
    got = _atoms("PS > 1, high serum lactate dehydrogenase", "performance")
    assert [(a["scale"], a.get("min"), a.get("max")) for a in got] == [("ECOG", 2.0, None)]
    got = _atoms("Karnofsky Performance Status > or equal to 60% at study entry", "performance")
    assert [(a["scale"], a.get("min")) for a in got] == [("KPS", 60.0)]


def test_bare_age_limit() -> None:
    got = _atoms("More than 18 years", "age")
    assert [(a["min_years"], a["min_inclusive"]) for a in got] == [(18.0, False)]
    assert _atoms("Age: > or equal to 18 years", "age")[0]["min_years"] == 18.0
    # a duration that is not an age
    assert _atoms("Disease-free for more than 5 years", "age", "exclusion") == []
