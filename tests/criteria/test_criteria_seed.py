"""Exact trees for the key items of the seed trials (texts copied in tests/fixtures/criteria)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trialscout.criteria.atoms import Criterion, ParsedCriteria, iter_atoms
from trialscout.criteria.parser import parse_criteria


def shape(e: Any) -> Any:
    """A tree without text/span and without default-valued fields (type kept)."""
    d = e.model_dump(exclude_defaults=True, exclude_none=True)

    def strip(x: Any, node: Any) -> Any:
        if isinstance(x, dict):
            out = {
                k: strip(v, getattr(node, k, None))
                for k, v in x.items()
                if k not in ("text", "span")
            }
            if node is not None and hasattr(node, "type"):
                out["type"] = node.type
            return out
        if isinstance(x, list):
            return [strip(v, node[i] if isinstance(node, list) else None) for i, v in enumerate(x)]
        return x

    return strip(d, e)


def load(fixtures: Path, nct: str) -> tuple[str, ParsedCriteria]:
    text = (fixtures / "criteria" / f"{nct}.txt").read_text(encoding="utf-8")
    return text, parse_criteria(text, nct)


def crit(p: ParsedCriteria, cid: str) -> Criterion:
    return next(c for c in p.criteria if c.id == cid)


@pytest.fixture
def seed1(fixtures: Path) -> ParsedCriteria:
    return load(fixtures, "NCT07332247")[1]


def lab(analyte: str, loinc: str, cmp: str, **kw: Any) -> dict[str, Any]:
    return {"type": "lab", "analyte": analyte, "loinc": loinc, "comparator": cmp, **kw}


def test_segments_seed1(seed1: ParsedCriteria) -> None:
    ids = [c.id for c in seed1.criteria]
    assert ids[:13] == [f"inc-{i}" for i in range(1, 10)] + [
        "inc-9.1",
        "inc-9.2",
        "inc-9.3",
        "inc-10",
    ]
    assert ids[13:] == [f"exc-{i}" for i in range(1, 16)]
    assert crit(seed1, "inc-9.2").parent == "inc-9"


def test_seed1_inclusion_trees(seed1: ParsedCriteria) -> None:
    assert shape(crit(seed1, "inc-1").expr) == {"type": "age", "min_years": 18.0, "max_years": 70.0}
    assert shape(crit(seed1, "inc-3").expr) == {
        "type": "diagnosis",
        "cancer": "nasopharyngeal_carcinoma",
        "histologies": ["non_keratinizing_carcinoma"],
        "who_types": ["II", "III"],
        "confirmation": "pathological",
    }
    inc2 = shape(crit(seed1, "inc-2").expr)
    assert inc2["type"] == "and"
    assert {
        "type": "disease_status",
        "status": "recurrent",
        "detail": "local_with_or_without_regional",
    } in inc2["args"]
    flat = [a for a in iter_atoms(crit(seed1, "inc-2").expr)]
    assert any(
        a.type == "time_relation"
        and shape(a)
        == {
            "type": "time_relation",
            "event": "recurrence",
            "reference": "end_of_curative_treatment",
            "min_days": 365,
        }
        for a in flat
    )
    assert any(a.type == "review" and a.reason == "suitability" for a in flat)  # type: ignore[union-attr]
    assert not any(a.type == "prior_therapy" for a in flat)
    both = {"min_cycles": 4, "max_cycles": 6, "response": ["CR", "PR"]}
    assert shape(crit(seed1, "inc-4").expr) == {
        "type": "and",
        "args": [
            {"type": "prior_therapy", "modality": "chemotherapy", **both},
            {"type": "prior_therapy", "drug_class": "pd1_inhibitor", **both},
        ],
    }
    assert shape(crit(seed1, "inc-5").expr) == {
        "type": "performance",
        "scale": "ECOG",
        "min": 0.0,
        "max": 1.0,
    }
    assert shape(crit(seed1, "inc-6").expr) == {"type": "life_expectancy", "min_months": 3.0}
    inc7 = shape(crit(seed1, "inc-7").expr)
    assert inc7["type"] == "not" and inc7["arg"]["type"] == "or"
    assert [a["modality"] for a in inc7["arg"]["args"]] == [
        "radiotherapy",
        "chemotherapy",
        "immunotherapy",
        "biological_therapy",
    ]
    assert all(a["setting"] == "recurrent" for a in inc7["arg"]["args"])
    inc8 = crit(seed1, "inc-8")
    assert inc8.fully_parsed and all(a.type == "review" for a in iter_atoms(inc8.expr))


def test_seed1_lab_block(seed1: ParsedCriteria) -> None:
    assert shape(crit(seed1, "inc-9.1").expr) == {
        "type": "and",
        "args": [
            lab("hemoglobin", "718-7", ">=", value=90.0, unit="g/L"),
            lab("anc", "751-8", ">=", value=1.5, unit="10^9/L"),
            lab("platelets", "777-3", ">=", value=100.0, unit="10^9/L"),
        ],
    }
    assert shape(crit(seed1, "inc-9.2").expr) == {
        "type": "or",
        "args": [
            lab("creatinine", "2160-0", "<=", uln_multiple=1.5),
            {
                "type": "or",
                "args": [
                    lab("crcl", "2164-2", ">=", value=60.0, unit="mL/min"),
                    lab("egfr", "98979-8", ">=", value=60.0, unit="mL/min"),
                ],
            },
        ],
    }
    ast_alt = lambda k: {  # noqa: E731
        "type": "and",
        "args": [
            lab("ast", "1920-8", "<=", uln_multiple=k),
            lab("alt", "1742-6", "<=", uln_multiple=k),
        ],
    }
    assert shape(crit(seed1, "inc-9.3").expr) == {
        "type": "and",
        "args": [
            lab("bilirubin", "1975-2", "<=", uln_multiple=1.5),
            {
                "type": "if",
                "cond": {"type": "metastasis", "site": "liver"},
                "then": ast_alt(5.0),
                "otherwise": ast_alt(2.5),
            },
        ],
    }
    parent = crit(seed1, "inc-9")
    assert parent.expr.type == "and" and len(parent.expr.args) == 3  # type: ignore[union-attr]
    assert parent.fully_parsed


def test_seed1_inr_unless_anticoagulated(seed1: ParsedCriteria) -> None:
    e = shape(crit(seed1, "inc-10").expr)
    assert e["type"] == "and"
    first = e["args"][0]
    assert first["type"] == "or"
    assert first["args"][0]["args"][0] == lab("inr", "6301-6", "<=", uln_multiple=1.5)
    assert first["args"][1]["args"][0] == {
        "type": "prior_therapy",
        "drug_class": "anticoagulant",
        "ongoing": True,
    }
    assert e["args"][1]["args"][0] == lab("aptt", "3173-2", "<=", uln_multiple=1.5)


def test_seed1_exclusion_trees(seed1: ParsedCriteria) -> None:
    assert shape(crit(seed1, "exc-3").expr) == {
        "type": "or",
        "args": [
            {"type": "prior_therapy", "drug_class": c}
            for c in ("pd1_inhibitor", "pdl1_inhibitor", "ctla4_inhibitor")
        ],
    }
    assert shape(crit(seed1, "exc-4").expr) == {
        "type": "condition",
        "condition": "other_malignancy",
        "status": "history",
        "within_days": 1825,
        "exceptions": [
            "basal cell carcinoma",
            "squamous cell skin cancer",
            "in-situ cervical cancer",
        ],
    }
    assert shape(crit(seed1, "exc-7").expr) == {
        "type": "and",
        "args": [
            {"type": "infection", "pathogen": "HBV", "marker": "HBsAg"},
            {
                "type": "infection",
                "pathogen": "HBV",
                "marker": "HBV DNA",
                "comparator": ">=",
                "value": 1000.0,
                "unit": "copies/mL",
            },
        ],
    }
    assert shape(crit(seed1, "exc-8").expr) == {
        "type": "and",
        "args": [
            {"type": "infection", "pathogen": "HCV", "marker": "anti-HCV"},
            {
                "type": "not",
                "arg": {
                    "type": "infection",
                    "pathogen": "HCV",
                    "marker": "HCV RNA",
                    "status": "negative",
                },
            },
        ],
    }
    assert shape(crit(seed1, "exc-9").expr) == {"type": "infection", "pathogen": "HIV"}
    exc10 = shape(crit(seed1, "exc-10").expr)
    assert exc10["type"] == "or"
    assert {"type": "condition", "condition": "heart_failure", "nyha_min": 2} in exc10["args"]
    assert {"type": "condition", "condition": "myocardial_infarction", "within_days": 180} in exc10[
        "args"
    ]
    assert {"type": "condition", "condition": "hypertension", "status": "uncontrolled"} in exc10[
        "args"
    ]
    exc11 = shape(crit(seed1, "exc-11").expr)
    assert {
        "type": "condition",
        "condition": "pneumonitis",
        "status": "history",
        "min_grade": 2,
    } in exc11["args"]
    assert shape(crit(seed1, "exc-12").expr)["args"][0] == {
        "type": "prior_therapy",
        "modality": "surgery",
        "within_days": 28,
        "major": True,
    }
    assert shape(crit(seed1, "exc-13").expr) == {
        "type": "or",
        "args": [
            {"type": "reproductive", "state": s}
            for s in ("pregnant", "breastfeeding", "planning_pregnancy")
        ],
    }
    assert shape(crit(seed1, "exc-15").expr) == {
        "type": "review",
        "reason": "investigator_judgment",
    }
    exc1 = shape(crit(seed1, "exc-1").expr)
    assert exc1 == {
        "type": "condition",
        "condition": "radiation_toxicity",
        "min_grade": 3,
        "exceptions": ["skin", "subcutaneous tissue", "mucosa"],
    }


def test_seed1_mostly_fully_parsed(seed1: ParsedCriteria) -> None:
    ok = [c.id for c in seed1.criteria if c.fully_parsed]
    assert len(ok) >= 24, [c.id for c in seed1.criteria if not c.fully_parsed]


def test_seed2_trees(fixtures: Path) -> None:
    _, p = load(fixtures, "NCT07062484")
    assert shape(crit(p, "inc-1").expr) == {"type": "age", "min_years": 18.0}
    assert shape(crit(p, "inc-2").expr) == {"type": "performance", "scale": "KPS", "min": 60.0}
    inc5 = [a for a in iter_atoms(crit(p, "inc-5").expr) if a.type == "measurable_disease"]
    assert shape(inc5[0]) == {
        "type": "measurable_disease",
        "sites": ["lung", "mediastinum", "pleura"],
    }
    assert shape(crit(p, "exc-4").expr) == {
        "type": "metastasis",
        "site": "brain",
        "symptomatic": True,
    }
    assert shape(crit(p, "exc-1").expr) == {
        "type": "prior_therapy",
        "drug_class": "checkpoint_inhibitor",
    }
    assert shape(crit(p, "exc-3").expr) == {
        "type": "prior_therapy",
        "modality": "chemotherapy",
        "setting": "metastatic",
    }
    inc4 = [shape(a) for a in iter_atoms(crit(p, "inc-4").expr)]
    assert {
        "type": "time_relation",
        "event": "metastasis",
        "reference": "end_of_treatment",
        "min_days": 180,
    } in inc4


def test_seed3_stage_and_qtc(fixtures: Path) -> None:
    _, p = load(fixtures, "NCT07188584")
    assert shape(crit(p, "inc-1").expr) == {
        "type": "stage",
        "groups": ["IVB"],
        "m": ["M1"],
        "edition": "AJCC9",
        "basis": "clinical",
    }
    assert shape(crit(p, "inc-4").expr) == {"type": "age", "max_years": 70.0}
    qtc = [a for a in crit(p, "exc-1").expr.args if a.type == "if"]  # type: ignore[union-attr]
    assert shape(qtc[0]) == {
        "type": "if",
        "cond": {"type": "sex", "sex": "male"},
        "then": {
            "type": "measurement",
            "name": "QTc",
            "comparator": ">",
            "value": 450.0,
            "unit": "ms",
        },
        "otherwise": {
            "type": "measurement",
            "name": "QTc",
            "comparator": ">",
            "value": 470.0,
            "unit": "ms",
        },
    }


def test_every_node_span_points_at_its_text(fixtures: Path) -> None:
    for nct in ("NCT07332247", "NCT07062484", "NCT07188584"):
        text, p = load(fixtures, nct)
        for c in p.criteria:
            assert text[c.span[0] : c.span[1]] == c.text
            for a in iter_atoms(c.expr):
                assert a.span is not None
                assert text[a.span[0] : a.span[1]] == a.text
