"""Property tests for parse_criteria: it never raises, spans index the text, trees exist."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.criteria.atoms import (
    AndNode,
    IfNode,
    NotNode,
    OrNode,
    ParsedCriteria,
)

parser = pytest.importorskip("trialscout.criteria.parser")

FRAGMENTS = [
    "Inclusion Criteria:",
    "Exclusion Criteria:",
    "\n",
    "\n\n        -  ",
    "1. ",
    "a) ",
    "Age ≥ 18 years",
    "ECOG 0–1",
    "Hemoglobin &ge; 9 g/dL",
    "ANC ≥ 1.5 × 10⁹/L",
    "platelets >=100,000/µL",
    "AST/ALT ≤ 2.5 × ULN (≤ 5 × ULN if liver metastases)",
    "Creatinine clearance ≥ 60 mL/min",
    "No prior PD-1/PD-L1 inhibitor",
    "HBsAg positive with HBV DNA ≥ 1000 copies/mL",
    "pregnant or breast-feeding",
    "&lt;",
    "&amp;",
    "&#8805;",
    "\u00a0",
    "\u200b",
    "\t",
    "µ",
    "×",
    "⁹",
    "≤",
    "(",
    ")",
    "[",
    ":",
    ";",
    "stage IVB (AJCC 8th)",
    "T4N2M0",
    "life expectancy > 12 weeks",
    "QTc > 470 ms",
    "\u202e",
    "🙂",
]

texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=30).map(
        " ".join
    ),
)


def _walk(node: Any) -> list[Any]:
    out = [node]
    if isinstance(node, AndNode | OrNode):
        for a in node.args:
            out += _walk(a)
    elif isinstance(node, NotNode):
        out += _walk(node.arg)
    elif isinstance(node, IfNode):
        out += _walk(node.cond) + _walk(node.then) + _walk(node.otherwise)
    return out


def _check(text: str, parsed: ParsedCriteria) -> None:
    assert isinstance(parsed, ParsedCriteria)
    n = len(text)
    ids = [c.id for c in parsed.criteria]
    assert len(ids) == len(set(ids)), "criterion ids are unique"
    for c in parsed.criteria:
        a, b = c.span
        assert 0 <= a <= b <= n, f"{c.id} span {c.span} outside text of {n}"
        assert c.expr is not None
        for node in _walk(c.expr):
            if node.span is not None:
                x, y = node.span
                assert 0 <= x <= y <= n, f"{c.id} node span {node.span} outside text"
        leaves = [nd for nd in _walk(c.expr) if getattr(nd, "type", "") == "unparsed"]
        assert c.fully_parsed == (not leaves)
    ParsedCriteria.model_validate_json(parsed.model_dump_json())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_parse_never_raises_and_spans_index_text(text: str) -> None:
    _check(text, parser.parse_criteria(text, None))


def test_parse_spans_match_text_on_real_shape() -> None:
    text = (
        "Inclusion Criteria:\n\n        -  Age ≥ 18 years\n\n        -  ECOG 0-1\n\n"
        "Exclusion Criteria:\n\n        -  Pregnant or breast-feeding women\n"
    )
    parsed = parser.parse_criteria(text, "NCT00000001")
    _check(text, parsed)
    assert parsed.criteria, "bulleted criteria give criteria"
    for c in parsed.criteria:
        assert text[c.span[0] : c.span[1]].strip() != ""
    assert {c.kind for c in parsed.criteria} == {"inclusion", "exclusion"}


def test_parse_large_text() -> None:
    block = "\n        -  Hemoglobin &ge; 9 g/dL, ANC ≥ 1.5 × 10⁹/L and\u00a0no prior chemotherapy"
    text = "Inclusion Criteria:\n" + block * (100_000 // len(block) + 1)
    assert len(text) >= 100_000
    _check(text, parser.parse_criteria(text, None))


@pytest.mark.parametrize("text", ["", " ", "\n\n", "-", "Inclusion Criteria:", "&", "\x00", "1."])
def test_parse_degenerate_inputs(text: str) -> None:
    _check(text, parser.parse_criteria(text, None))
