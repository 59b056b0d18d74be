"""Speed paths of the criteria parser (session 4, helper A) give what the slow paths give.

- gates on / gates off: the same parse (`parser.gate_of`, `parser._PLAN` switch);
- `logic._fast`: a case-insensitive regex folded onto the lower-cased text finds the same
  spans as the regex on the text (ASCII), and falls back on non-ASCII text;
- `PhraseMatcher.find` remembers the last text: same matches, a fresh list per call;
- `atoms.iter_atoms` fast path for leaves.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialscout.criteria import logic, parser
from trialscout.criteria.atoms import (
    AndNode,
    LabAtom,
    NotNode,
    OrNode,
    UnparsedAtom,
    iter_atoms,
)
from trialscout.criteria.extractors.base import Ctx
from trialscout.criteria.normalize import normalize
from trialscout.criteria.vocab import vocab

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "criteria_gold"

VARIED = (
    "Inclusion Criteria:\n"
    "- Age >= 18 years; ECOG performance status 0-1\n"
    "- ANC >= 1500/uL and platelets >= 100,000/uL, or INR or PT <= 1.5 x ULN\n"
    "- Histologically confirmed metastatic non-small cell lung cancer, stage IV (AJCC 8th)\n"
    "- Prior treatment with a taxane (e.g. docetaxel) within 4 weeks before randomization\n"
    "- Patients are eligible only if they have measurable disease per RECIST 1.1\n"
    "- Creatinine clearance ≥ 60 mL/min (Cockcroft-Gault)\n"
    "- Life expectancy:\n"
    "  - At least 12 weeks\n"
    "Exclusion Criteria:\n"
    "- Pregnant or breastfeeding women\n"
    "- Known HIV, active hepatitis B or C infection\n"
    "- Symptomatic brain metastases unless treated and stable for 4 weeks\n"
    "- QTc > 470 ms; LVEF < 50%; uncontrolled hypertension\n"
    "- EGFR exon 19 deletion or ALK fusion\n"
    "- Any condition that in the opinion of the investigator would interfere\n"
    "- Müller-type tumours (non-ASCII text)\n"
)


def _texts() -> list[str]:
    out = [VARIED]
    for p in sorted(GOLD.glob("NCT*.json"))[:12]:
        out.append(json.loads(p.read_text())["source_text"])
    return out


def _dump(text: str) -> str:
    return parser.parse_criteria(text, "NCT0").model_dump_json()


def test_gates_on_and_off_give_the_same_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts()
    on = [_dump(t) for t in texts]
    monkeypatch.setattr(parser, "gate_of", lambda ex: None)
    monkeypatch.setattr(parser, "_PLAN", ((), []))
    off = [_dump(t) for t in texts]
    assert on == off


def _ctx(text: str) -> Ctx:
    n = normalize(text)
    return Ctx(n.text, n.text.lower(), "inclusion", n, text, 0)


FOLDED_RXS = [
    logic._FILLER,
    logic._LABEL,
    logic._NO_LIMIT,
    logic._QUALIFIER,
    logic._EXAMPLES,
    logic._CUE,
    *(rx for _, rx in logic._TABLE_QUALIFIERS),
    *([logic._TABLE_PHRASE] if logic._TABLE_PHRASE is not None else []),
]


@pytest.mark.parametrize(
    "text",
    [
        "Patients Must Have Documented disease Within The Last 4 Weeks prior to Randomization",
        "ECOG 0-1 AS DETERMINED BY the investigator, e.g. Karnofsky >= 70",
        "Eligible ONLY IF creatinine clearance (Cockcroft-Gault) >= 60 mL/min",
        "Hepatic: Not specified; Renal: see Disease Characteristics",
        "Unless treated and stable for at least one of the following: 4 weeks",
        "Straße Within The Last 4 Weeks; Müller ECOG e.g. 2",  # non-ASCII: the slow path
    ],
)
def test_folded_regexes_find_the_same_spans(text: str) -> None:
    ctx = _ctx(text)
    t = ctx.text
    for rx in FOLDED_RXS:
        slow = [m.span() for m in rx.finditer(t, 0, len(t))]
        assert [m.span() for m in logic._finditer(rx, ctx, 0, len(t))] == slow, rx.pattern[:60]
        for a, b in ((3, len(t)), (0, max(1, len(t) // 2))):
            assert [m.span() for m in logic._finditer(rx, ctx, a, b)] == [
                m.span() for m in rx.finditer(t, a, b)
            ]


def test_folded_falls_back_on_non_ascii() -> None:
    ctx = _ctx("Müller WITHIN the last 4 weeks")
    rx, text = logic._fast(logic._QUALIFIER, ctx)
    assert rx is logic._QUALIFIER and text is ctx.text
    ctx2 = _ctx("Within the last 4 weeks")
    rx2, text2 = logic._fast(logic._QUALIFIER, ctx2)
    assert rx2 is not logic._QUALIFIER and text2 is ctx2.low


def test_phrase_matcher_remembers_the_last_text() -> None:
    m = vocab().cancer
    text = "Metastatic non-small cell lung cancer or breast cancer"
    first = m.find(text)
    again = m.find(text)
    assert again == first == m._find(text)
    assert again is not first  # a list of its own
    again.clear()
    assert m.find(text) == first
    other = "prostate cancer"
    assert m.find(other) == m._find(other)
    assert m.find(text) == first


def test_iter_atoms_fast_path_is_the_same() -> None:
    lab = LabAtom(analyte="anc", comparator=">=", value=1.5)
    un = UnparsedAtom(text="x")
    tree = OrNode(args=[AndNode(args=[lab, NotNode(arg=un)]), lab])
    assert iter_atoms(tree) == [lab, un, lab]
    assert iter_atoms(lab) == [lab]


def test_gate_keeps_a_line_count_without_other_therapy_words() -> None:
    """NCT02109224: 'refractory to at least one regimen' (a line count, no drug or modality
    name) was skipped by the therapy gate; gated and ungated parses must agree."""
    from trialscout.criteria import parser

    text = (
        "Inclusion Criteria:\n- Active multiple myeloma that has relapsed, progressed, or been "
        "refractory to at least one regimen"
    )
    gated = parser.parse_criteria(text, "X").model_dump_json()
    saved = parser.gate_of, parser._PLAN
    try:
        parser.gate_of = lambda ex: None
        parser._PLAN = ((), [])
        ungated = parser.parse_criteria(text, "X").model_dump_json()
    finally:
        parser.gate_of, parser._PLAN = saved
    assert gated == ungated
    assert '"line":1' in gated.replace(" ", "")
