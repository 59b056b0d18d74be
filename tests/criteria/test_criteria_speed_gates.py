"""The parser's speed shortcuts never change what it finds.

Keyword gates (`needs*`, `gate_of`, `may_match`, `PhraseMatcher` gates) may only skip work
that would have found nothing; the fast paths of `squash` and `normalize` give the same
strings as the plain versions. Checked on the gold trials' criteria and on edge cases.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from trialscout.criteria.extractors import EXTRACTORS, clinical, labs, therapy
from trialscout.criteria.extractors.base import (
    Ctx,
    gate_of,
    may_match,
    needs,
    needs_match,
    wanted,
)
from trialscout.criteria.normalize import normalize
from trialscout.criteria.segment import segment
from trialscout.criteria.vocab import (
    _SQUASH,
    PhraseMatcher,
    required_literal_sets,
    squash,
    vocab,
)

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "criteria_gold"


def _criteria() -> list[Ctx]:
    out: list[Ctx] = []
    for p in sorted(GOLD.glob("NCT*.json")):
        text = json.loads(p.read_text())["source_text"]
        for it in segment(text).items:
            norm = normalize(text[it.start : it.end])
            if norm.text:
                out.append(Ctx(norm.text, norm.text.lower(), it.kind, norm, text, it.start))
    return out


@pytest.fixture(scope="module")
def ctxs() -> list[Ctx]:
    got = _criteria()
    assert len(got) > 300
    return got


def test_extractor_gates_only_skip_criteria_without_atoms(ctxs: list[Ctx]) -> None:
    skipped = 0
    for ex in EXTRACTORS:
        gate = gate_of(ex)
        if gate is None:
            continue
        for c in ctxs:
            sq = squash(c.low)
            if not gate(c.low, sq, c.text, c.low.isascii()):
                skipped += 1
                assert ex(c) == [], (ex.__name__, c.text)
                assert not wanted(ex, c.low, sq, c.text)
    assert skipped > 1000  # the gates do skip most extractor calls


def test_may_match_never_hides_a_match(ctxs: list[Ctx]) -> None:
    lab, _alt, _cond = labs._patterns()
    wnl, hilo = labs._normal_patterns()
    rxs = [lab, wnl, hilo, *(getattr(therapy, n) for n in ("_TARGET_LIST", "_TRIAL"))]
    rxs += [therapy._LINE_COUNT, therapy._CYCLES, therapy._WITHIN, therapy._RECOVERED]
    refused = 0
    for rx in rxs:
        for c in ctxs:
            ok = may_match(rx, c)
            refused += not ok
            if rx.search(c.text):
                assert ok, (rx.pattern[:60], c.text)
    assert refused > 0


def test_required_literal_sets_each_set_is_in_every_match() -> None:
    rx = re.compile(r"(?:adequate|normal)\s+(?:renal|hepatic)\s+function", re.I)
    sets = required_literal_sets(rx.pattern, rx.flags)
    assert ("adequate", "normal") in sets and ("hepatic", "renal") in sets
    for s in ("Adequate renal function", "normal HEPATIC function"):
        m = rx.search(s)
        assert m is not None
        for lits in sets:
            assert any(x in m.group().lower() for x in lits)
    # a verbose pattern's spaces are not literals
    vx = re.compile(r"abc \s+ def", re.X)
    assert all(" " not in x for lits in required_literal_sets(vx.pattern, vx.flags) for x in lits)


def test_needs_match_gate_sees_the_case() -> None:
    gated = needs_match(re.compile(r"T[0-4]"))(lambda ctx: [])
    assert wanted(gated, "t2 n0", None, "T2 N0")
    assert not wanted(gated, "t2 n0", None, "t2 n0")
    assert wanted(gated, "t2 n0")  # no text given: the gate cannot judge, the extractor runs
    kw = needs("ECOG", "a.b")(lambda ctx: [])
    g = gate_of(kw)
    assert g is not None and g("ecog 1", "ecog1", "ECOG 1", True)
    assert not g("axb", "axb", "axb", True)  # keywords are literal, "." is no wildcard


@pytest.mark.parametrize(
    "s",
    ["a b-c", "a\tb", "a\u00a0b", "a\u2003b", "", "--", "x \n y", "abc\u0085d", "a\u200bb"],
)
def test_squash_fast_path_equals_regex(s: str) -> None:
    assert squash(s) == _SQUASH.sub("", s)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("a &nbsp; b", "a b"),
        (" &nbsp;x", "x"),
        ("x &nbsp;", "x"),
        ("&nbsp; x y", "x y"),
        ("a\u00a0 b ≥ 2", "a b >= 2"),
        (" a ≥ b ", "a >= b"),
        ("a  \t b &amp; c", "a b & c"),
    ],
)
def test_normalize_lone_spaces_collapse_like_runs(raw: str, text: str) -> None:
    n = normalize(raw)
    assert n.text == text
    assert len(n.starts) == len(n.ends) == len(n.text)
    for i, ch in enumerate(n.text):
        if ch not in " >=&":
            assert raw[n.starts[i] : n.ends[i]] == ch


def test_phrase_matcher_gate_finds_the_same(ctxs: list[Ctx]) -> None:
    v = vocab()
    matchers = [m for m in vars(v).values() if isinstance(m, PhraseMatcher)]
    assert matchers
    for m in matchers:
        gate = m._gate
        assert gate is not None
        for c in ctxs[:400]:
            with_gate = m.find(c.text)
            m._gate = None
            try:
                plain = m.find(c.text)
            finally:
                m._gate = gate
            assert with_gate == plain


def test_adequate_precheck_covers_every_match(ctxs: list[Ctx]) -> None:
    extra = [
        "adequate bone marrow, liver and renal function",
        "adequate contraception during the study",
        "INR within the therapeutic range",
        "normal organ and marrow function",
        "adequate hematologic parameters",
    ]
    lows = [c.low for c in ctxs if c.low.isascii()] + [x.lower() for x in extra]
    hits = 0
    for low in lows:
        assert clinical._ADEQ_LOW is not None
        if clinical._ADEQ_LOW.search(low):
            hits += 1
            assert clinical._ADEQ_MAY.search(low), low
    assert hits >= 4
    assert not clinical._ADEQ_MAY.search("adequate contraception during the study")
