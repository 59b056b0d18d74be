"""Speed paths of session 5 (helper P) give what the slow paths give.

- `vocab.fast_fold` / `FoldedPattern`: a re.I regex scanned as its case-sensitive fold on
  lower-cased ASCII text returns the original's matches (same spans, groups in the text's
  own case), falls back on non-ASCII text, and is not used where no safe fold exists;
- `PhraseMatcher._find_ascii` (folded long regex, ungated) = `_find_slow` (keyword gate,
  re.I regex) on every criterion of the development gold texts, for every matcher;
- the whole parse with every fast path off (gates, folded regexes, ASCII phrase matching)
  is the parse with them on, on the development gold texts.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from trialscout.criteria import parser, vocab
from trialscout.criteria.extractors import (
    base,
    biomarkers,
    clinical,
    demographics,
    disease,
    labs,
    therapy,
)
from trialscout.criteria.normalize import normalize
from trialscout.criteria.segment import segment

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOLD_DIRS = ("criteria_gold", "criteria_gold_batch2", "criteria_gold_batch3")

EXTRA = (
    "Inclusion Criteria:\n"
    "- Age >= 18 years; ECOG 0-1\n"
    "- Renal, hepatic, cardiac or psychiatric disease\n"
    "- HEPATITIS A infection; Hepatitis E\n"
    "- Women of child-bearing potential: the effects of X on the developing human fetus "
    "are unknown\n"
    "- Bone age of boys < 15 years\n"
    "- No NSCLC or SCLC; prior Docetaxel, TAXOTERE or FOLFOX\n"
    "Exclusion Criteria:\n"
    "- Müller-type tumours; renal or hepatic disease (non-ASCII text)\n"
    "- Kelvin sign \u212a and long s \u017f inside a criterion with renal, hepatic disease\n"
)


def _gold_texts() -> list[str]:
    out = [EXTRA]
    for d in GOLD_DIRS:
        for p in sorted((FIXTURES / d).glob("NCT*.json")):
            out.append(json.loads(p.read_text())["source_text"])
    return out


def _criteria(texts: list[str]) -> list[str]:
    out: list[str] = []
    for t in texts:
        for it in segment(t).items:
            n = normalize(t[it.start : it.end]).text
            out += [n, n.upper(), n[: len(n) // 2]]
    return out


@pytest.fixture(scope="module")
def gold_texts() -> list[str]:
    texts = _gold_texts()
    assert len(texts) > 70  # the three development folders were found
    return texts


def _spans(ms: object) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in ms]  # type: ignore[attr-defined]


FOLD_CASES = [
    (r"\b(?:renal|hepatic|cardiac)\s+(?P<h>disease|disorder)s?\b", re.I),
    (r"(?:[^.;]{0,40}?\bmay be )?harmful to (?:the )?(?:fetus|embryo)", re.I),
    (r"\bbone\s+age\b[^;\n]*?(?=;|\.\s|\.$|$)", re.I),
    (r"(?<![a-z])x+|\bage\b", re.I),
]
FOLD_TEXTS = [
    "Renal DISEASE, hepatic disorders; cardiac disease.",
    "It MAY BE harmful to the Fetus. Bone Age < 15; x",
    "",
    "Müller renal disease (non-ASCII)",
    "bone age \u017fixteen; renal disea\u017fe",
]


@pytest.mark.parametrize(("pattern", "flags"), FOLD_CASES)
def test_fast_fold_matches_the_original(pattern: str, flags: int) -> None:
    rx = re.compile(pattern, flags)
    fast = vocab.fast_fold(rx)
    assert isinstance(fast, vocab.FoldedPattern)
    for t in FOLD_TEXTS:
        for pos, endpos in ((0, sys.maxsize), (3, len(t)), (2, max(2, len(t) - 4))):
            assert _spans(fast.finditer(t, pos, endpos)) == _spans(rx.finditer(t, pos, endpos))
            a, b = fast.search(t, pos, endpos), rx.search(t, pos, endpos)
            assert (a is None) == (b is None)
            if a is not None and b is not None:
                assert (a.span(), a.groups(), a.group()) == (b.span(), b.groups(), b.group())
        assert fast.sub("#", t) == rx.sub("#", t)  # delegated
    assert fast.pattern == rx.pattern and fast.flags == rx.flags
    assert fast.groupindex == rx.groupindex


def test_fast_fold_keeps_the_text_case_in_groups() -> None:
    fast = vocab.fast_fold(re.compile(r"(?P<w>renal|hepatic) disease", re.I))
    m = fast.search("x HEPATIC Disease")
    assert m is not None and m.group("w") == "HEPATIC" and m.group() == "HEPATIC Disease"


@pytest.mark.parametrize(
    "rx",
    [
        re.compile(r"renal disease"),  # no re.I: nothing to fold
        re.compile(r"[A-Z]{2,} disease", re.I),  # upper-case letters: no safe fold
        re.compile(r"(?i:renal) disease", re.I),  # inline flags
        re.compile("\u017fome disease", re.I),  # the long s matches ASCII "s" under re.I
        re.compile("\u212a disease", re.I),  # the Kelvin sign matches "k"
        re.compile(r"(?<![a-z])x*|\bage\b", re.I),  # can match empty
        re.compile(r"[0-_]+ disease", re.I),  # a range with upper-case letters
        re.compile(r"\x41 disease", re.I),  # an upper-case letter as an escape
    ],
)
def test_fast_fold_leaves_unsafe_patterns_alone(rx: re.Pattern[str]) -> None:
    assert vocab.fast_fold(rx) is rx


def test_phrase_matchers_ascii_path_is_the_slow_path(gold_texts: list[str]) -> None:
    v = vocab.vocab()
    matchers = [m for m in vars(v).values() if isinstance(m, vocab.PhraseMatcher)]
    assert len(matchers) >= 9
    texts = _criteria(gold_texts)
    assert sum(t.isascii() for t in texts) > 1000
    n_found = 0
    for m in matchers:
        for t in texts:
            fast, slow = m._find(t), m._find_slow(t)
            assert [(p.id, p.start, p.end, p.text) for p in fast] == [
                (p.id, p.start, p.end, p.text) for p in slow
            ], (m, t)
            n_found += len(fast)
    assert n_found > 1000


def _fast_paths_off(monkeypatch: pytest.MonkeyPatch) -> int:
    """Every fast path of this session off; returns how many folded regexes were undone."""
    monkeypatch.setattr(parser, "gate_of", lambda ex: None)
    monkeypatch.setattr(parser, "_PLAN", ((), []))
    monkeypatch.setattr(vocab.PhraseMatcher, "_find", vocab.PhraseMatcher._find_slow)
    n = 0
    for mod in (base, biomarkers, clinical, demographics, disease, labs, therapy):
        for name, value in list(vars(mod).items()):
            if isinstance(value, vocab.FoldedPattern):
                monkeypatch.setattr(mod, name, value._rx)
                n += 1
    return n


def test_parse_with_fast_paths_off_is_the_same(
    gold_texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def dump() -> list[str]:
        out = []
        for t in gold_texts:
            for m in vars(vocab.vocab()).values():
                if isinstance(m, vocab.PhraseMatcher):
                    m._last = None  # no remembered matches across the two passes
            out.append(parser.parse_criteria(t, "NCT0").model_dump_json())
        return out

    on = dump()
    _fast_paths_off(monkeypatch)
    off = dump()
    assert on == off


def test_review_cue_gates_are_the_literal_test() -> None:
    for cue in vocab.vocab().review_cues:
        if cue.gate is None or cue.gate_rx is None:
            continue
        for t in _criteria(_gold_texts()[:20]):
            low = t.lower()
            assert (cue.gate_rx.search(low) is not None) == any(g in low for g in cue.gate)


def test_keyword_gate_is_any_keyword() -> None:
    def ex(ctx: base.Ctx) -> list[base.Found]:
        return []

    fn = base.needs("qt", "qtc", "ejection", "lv ef")(ex)
    gate = base.gate_of(fn)
    assert gate is not None
    for low in ("qtc > 470", "lv ef 50%", "lvef", "ejection fraction", "", "q t"):
        want = any(k in low for k in ("qt", "qtc", "ejection", "lv ef"))
        assert gate(low, vocab.squash(low), low, low.isascii()) is want
