"""Speed gates of the parser (session 3) never change its output.

`vocab.bounded_phrases` (the labs gate) finds the same criteria as the plain
`(?<![A-Za-z])alias` regex; the biomarker gate keeps every mention.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from trialscout.criteria.extractors import labs
from trialscout.criteria.extractors.base import Ctx, gate_of
from trialscout.criteria.normalize import normalize
from trialscout.criteria.segment import segment
from trialscout.criteria.vocab import bounded_phrases, vocab

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "criteria_gold"

TEXT = (
    "Inclusion Criteria:\n"
    "- ANC >= 1500/uL and platelets >= 100,000/uL\n"
    "- Age >= 18 years\n"
    "Exclusion Criteria:\n"
    "- Pregnant or breastfeeding\n"
    "- Prior treatment with a PD-1 inhibitor within 4 weeks\n"
)


def test_bounded_phrases_finds_what_the_lookbehind_regex_finds() -> None:
    aliases = vocab().lab_aliases
    slow = re.compile(r"(?<![A-Za-z])" + vocab().lab_alias_re, re.I)
    fast = bounded_phrases(aliases)
    texts = [
        "AST and ALT <= 2.5 x ULN",
        "at least 3 months",  # "ast" inside a word
        "breast cancer, ALT normal",
        "5ALT",  # a digit before the alias still counts
        "xAST",
        "T bili < 1.5",
        "Hemoglobin-level >= 9",
        "alk. phos < 2x",
        "",
    ]
    for p in sorted(GOLD.glob("NCT*.json")):
        text = json.loads(p.read_text())["source_text"]
        texts += [text[it.start : it.end] for it in segment(text).items]
    for t in texts:
        low = normalize(t).text.lower()
        if not low.isascii():
            continue
        assert bool(fast.search(low)) == bool(slow.search(low)), t


def test_labs_gate_is_declared() -> None:
    gate = gate_of(labs.extract_labs)
    assert gate is not None
    assert gate("ast <= 2.5 x uln", "ast<=2.5xuln", "AST <= 2.5 x ULN", True)
    assert not gate("at least 3 months", "atleast3months", "at least 3 months", True)
    assert gate("âst", "âst", "âst", False)  # non-ASCII text always runs


def test_any_match_gate_sees_the_case() -> None:
    from trialscout.criteria.extractors.base import needs_any_match, wanted

    gated = needs_any_match([re.compile("ER"), re.compile("PR")])(lambda ctx: [])
    assert wanted(gated, "pr positive", None, "PR positive")
    assert not wanted(gated, "er positive", None, "er positive")
    assert wanted(gated, "er positive")  # no text given: the gate cannot judge, it runs
    assert gate_of(needs_any_match(None)(lambda ctx: [])) is None


def test_biomarker_gate_keeps_every_mention() -> None:
    from trialscout.criteria.extractors import biomarkers

    gate = gate_of(biomarkers.extract_biomarkers)
    assert gate is not None
    for text in ("ER-positive", "HER2-positive", "EGFR exon 19 deletion", "MSI-H", "KRAS G12C"):
        low = text.lower()
        assert gate(low, low.replace(" ", "").replace("-", ""), text, True), text
        ctx = _ctx(text)
        assert biomarkers.extract_biomarkers(ctx), text
    assert not gate("no prior chemotherapy", "nopriorchemotherapy", "no prior chemotherapy", True)


def _ctx(text: str) -> Ctx:
    n = normalize(text)
    return Ctx(n.text, n.text.lower(), "inclusion", n, text, 0)
