"""Unicode/entity normalisation keeps an exact map back to the original text."""

from __future__ import annotations

from trialscout.criteria.normalize import normalize
from trialscout.criteria.parser import parse_criteria


def test_symbols_and_entities() -> None:
    raw = "Hb &ge; 9&nbsp;g/dL,\n   ANC ≥ 1.5 × 10⁹/L; “ok” µmol/L >/= 3 &lt;= 4 &amp; ‘x’"
    n = normalize(raw)
    assert n.text == "Hb >= 9 g/dL, ANC >= 1.5 x 10^9/L; \"ok\" umol/L >= 3 <= 4 & 'x'"
    assert len(n.starts) == len(n.ends) == len(n.text)
    i = n.text.index(">=")
    assert raw[slice(*n.span(i, i + 2))] == "&ge;"
    j = n.text.index("10^9")
    assert raw[slice(*n.span(j, j + 4))] == "10⁹"
    k = n.text.index("<=")
    assert raw[slice(*n.span(k, k + 2))] == "&lt;="


def test_empty_and_whitespace() -> None:
    assert normalize("").text == ""
    assert normalize(" \n\t ").text == ""


def test_entity_text_parses_like_plain_text() -> None:
    a = parse_criteria("Inclusion Criteria:\n- Platelets &gt;= 100 x 10^9/L\n- Age &ge; 18 years")
    b = parse_criteria("Inclusion Criteria:\n- Platelets >= 100 x 10^9/L\n- Age >= 18 years")
    for ca, cb in zip(a.criteria, b.criteria, strict=True):
        assert ca.expr.type == cb.expr.type
        assert ca.expr.model_dump(exclude={"text", "span"}) == cb.expr.model_dump(
            exclude={"text", "span"}
        )
    lab = a.criteria[0].expr
    assert lab.text == "Platelets &gt;= 100 x 10^9/L"  # type: ignore[union-attr]


def test_plain_ascii_fast_path_keeps_offsets() -> None:
    """Text needing no rewrite maps each character to itself (leading/trailing spaces cut)."""
    from trialscout.criteria.normalize import normalize as _norm

    n = _norm("  ANC >= 1.5 x 10^9/L ")
    assert n.text == "ANC >= 1.5 x 10^9/L"
    assert n.span(0, 3) == (2, 5)
    assert _norm("a  b").text == "a b"  # double space still collapses (slow path)
    assert _norm("x > = 3").text == "x >= 3"
