"""Segmentation: headers, markers, nesting, wrapped lines, exact spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialscout.criteria.parser import parse_criteria
from trialscout.criteria.segment import segment


def items(text: str) -> list[tuple[str, str, str | None, str]]:
    return [
        (i.id, i.kind, i.parent.id if i.parent else None, text[i.start : i.end])
        for i in segment(text).items
    ]


@pytest.mark.parametrize(
    ("inc", "exc"),
    [
        ("Inclusion Criteria:", "Exclusion Criteria:"),
        ("Key inclusion criteria", "Key Exclusion Criteria"),
        ("INCLUSION", "EXCLUSION"),
        ("**Inclusion criteria:**", "Exclusion criteria."),
        (
            "Patients must meet all of the following criteria:",
            "Patients will be excluded if any of the following apply:",
        ),
    ],
)
def test_header_styles(inc: str, exc: str) -> None:
    text = f"{inc}\n1. Age >= 18 years\n2. ECOG 0-1\n{exc}\n1. HIV infection\n"
    got = items(text)
    assert [(i, k, t) for i, k, _, t in got] == [
        ("inc-1", "inclusion", "Age >= 18 years"),
        ("inc-2", "inclusion", "ECOG 0-1"),
        ("exc-1", "exclusion", "HIV infection"),
    ]


@pytest.mark.parametrize("marker", ["1.", "1)", "(1)", "a.", "i.", "-", "*", "•", "·"])
def test_marker_styles(marker: str) -> None:
    text = f"Inclusion Criteria:\n{marker} Age >= 18 years\n{marker} ECOG 0-1\n"
    if marker[0].isalnum() or marker.startswith("("):
        nxt = {"1.": "2.", "1)": "2)", "(1)": "(2)", "a.": "b.", "i.": "ii."}[marker]
        text = f"Inclusion Criteria:\n{marker} Age >= 18 years\n{nxt} ECOG 0-1\n"
    assert [t for *_, t in items(text)] == ["Age >= 18 years", "ECOG 0-1"]


def test_no_header_means_inclusion() -> None:
    got = items("- Age over 18\n- Signed informed consent\n")
    assert [(k, t) for _, k, _, t in got] == [
        ("inclusion", "Age over 18"),
        ("inclusion", "Signed informed consent"),
    ]


def test_inline_header_content() -> None:
    got = items("Inclusion Criteria: Age >= 18 years\nExclusion Criteria: Pregnancy")
    assert [(i, t) for i, _, _, t in got] == [("inc-1", "Age >= 18 years"), ("exc-1", "Pregnancy")]


def test_classic_xml_wrapping_and_nesting() -> None:
    text = (
        "\n        Inclusion Criteria:\n\n"
        "          -  Histologically confirmed nasopharyngeal carcinoma with a long text that\n"
        "             wraps onto a second indented line\n\n"
        "          -  Adequate bone marrow function:\n\n"
        "               1. Absolute Neutrophil Count (ANC) >=1.5 x 109/L;\n\n"
        "               2. Platelets >=100 x 109/L;\n\n"
        "        Exclusion Criteria:\n\n"
        "          -  Pregnant or breastfeeding\n"
    )
    got = items(text)
    assert [(i, p) for i, _, p, _ in got] == [
        ("inc-1", None),
        ("inc-2", None),
        ("inc-2.1", "inc-2"),
        ("inc-2.2", "inc-2"),
        ("exc-1", None),
    ]
    assert got[0][3].endswith("wraps onto a second indented line")
    assert "\n" in got[0][3]  # the span keeps the original wrapping
    p = parse_criteria(text)
    lab = p.criteria[2].expr
    assert lab.type == "lab" and lab.unit == "10^9/L" and lab.value == 1.5  # type: ignore[union-attr]


def test_unmarked_block_after_colon_becomes_children() -> None:
    text = (
        "Inclusion Criteria\n\n9. Adequate organ function, defined as:\n\n"
        "Hematology:Hemoglobin ≥ 90 g/L,ANC ≥ 1.5 × 10⁹/L Renal Function:Creatinine ≤ 1.5 × ULN\n"
        "10. ECOG 0-1\n"
    )
    got = items(text)
    assert [(i, p) for i, _, p, _ in got] == [
        ("inc-1", None),
        ("inc-1.1", "inc-1"),
        ("inc-1.2", "inc-1"),
        ("inc-2", None),
    ]
    assert got[1][3] == "Hematology:Hemoglobin ≥ 90 g/L,ANC ≥ 1.5 × 10⁹/L"


def test_spans_exact_on_fixture(fixtures: Path) -> None:
    text = (fixtures / "criteria" / "xml_wrapped.txt").read_text(encoding="utf-8")
    seg = segment(text)
    assert len(seg.items) >= 8
    for it in seg.items:
        s = text[it.start : it.end]
        assert s == s.strip() and s
        # nothing but the marker and spaces sits between the line start and the span start
        line_start = text.rfind("\n", 0, it.start) + 1
        assert len(text[line_start : it.start].strip()) <= 4
    kinds = [i.kind for i in seg.items]
    assert kinds.index("exclusion") > 0 and "inclusion" not in kinds[kinds.index("exclusion") :]


def test_paragraph_header_kind() -> None:
    text = "The following patients will be excluded from this study:\n- Pregnancy\n"
    got = items(text)
    assert got == [("exc-1", "exclusion", None, "Pregnancy")]
