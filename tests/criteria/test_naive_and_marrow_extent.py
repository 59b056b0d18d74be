"""Two wrong confident readings found in session 4 (helper reports), now fixed:

- "treatment-naive for ... NSCLC" negated the whole criterion, so an inclusion required the
  patient NOT to have the trial's own cancer;
- "Radiotherapy to > 25% of bone marrow" read as plain radiotherapy ('bone', 'marrow' are
  filler words), so the exclusion caught any radiotherapy.
"""

from __future__ import annotations

from trialscout.criteria.atoms import AndNode, DiagnosisAtom, NotNode, iter_atoms
from trialscout.criteria.parser import parse_criteria


def _crit(text: str, kind: str = "Inclusion"):  # type: ignore[no-untyped-def]
    return parse_criteria(f"{kind} Criteria:\n- {text}", "X").criteria[0]


def _negated_types(expr, under: bool = False) -> set[str]:  # type: ignore[no-untyped-def]
    if isinstance(expr, NotNode):
        return _negated_types(expr.arg, not under)
    if isinstance(expr, AndNode) or hasattr(expr, "args"):
        out: set[str] = set()
        for a in expr.args:
            out |= _negated_types(a, under)
        return out
    return {expr.type} if under else set()


def test_naive_negates_the_therapy_not_the_disease() -> None:
    c = _crit("Chemotherapy-naive patients with metastatic prostate cancer")
    assert _negated_types(c.expr) == {"prior_therapy"}
    assert any(isinstance(a, DiagnosisAtom) for a in iter_atoms(c.expr))


def test_naive_with_no_therapy_read_is_unknown_not_a_negated_disease() -> None:
    c = _crit("Patients must be treatment-naïve for locally advanced or metastatic NSCLC")
    assert "diagnosis" not in _negated_types(c.expr)
    assert not c.fully_parsed


def test_naive_alone_still_negates_the_therapy() -> None:
    c = _crit("Chemotherapy-naive")
    assert isinstance(c.expr, NotNode) and c.fully_parsed


def test_marrow_extent_of_radiotherapy_is_kept_as_unread_part_of_the_same_fact() -> None:
    c = _crit("Radiotherapy to greater than 25% of bone marrow", "Exclusion")
    assert not c.fully_parsed
    assert isinstance(c.expr, AndNode)
    assert {a.type for a in c.expr.args} == {"prior_therapy", "unparsed"}


def test_plain_radiotherapy_window_is_untouched() -> None:
    c = _crit("Prior radiotherapy within 4 weeks", "Exclusion")
    assert c.fully_parsed and c.expr.type == "prior_therapy"
