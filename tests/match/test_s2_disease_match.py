"""Session 2 (issue 3): matcher reading of the new atom values; unknown, never no."""

from __future__ import annotations

import datetime as dt
from typing import Any

from trialscout.criteria.atoms import BiomarkerAtom, DiseaseStatusAtom
from trialscout.criteria.parser import parse_text
from trialscout.match.engine import evaluate
from trialscout.match.evaluators.common import Ctx
from trialscout.match.policy import MatchPolicy
from trialscout.patient.profile import PatientProfile


def _ctx(**kw: Any) -> Ctx:
    return Ctx(PatientProfile(as_of=dt.date(2024, 1, 1), **kw), MatchPolicy())


TNBC = BiomarkerAtom(marker="triple_negative", result="positive")


def test_triple_negative_needs_er_pr_and_her2_negative() -> None:
    neg = [
        {"name": "ER", "result": "negative"},
        {"name": "PR", "result": "negative"},
        {"name": "HER2", "result": "negative"},
    ]
    assert evaluate(TNBC, _ctx(biomarkers=neg)).value is True
    er_pos = [{"name": "ER", "result": "positive"}, *neg[1:]]
    assert evaluate(TNBC, _ctx(biomarkers=er_pos)).value is False
    # one receptor not recorded: unknown, never "no"
    o = evaluate(TNBC, _ctx(biomarkers=neg[:2]))
    assert o.value is None and o.missing
    assert evaluate(TNBC, _ctx()).value is None


def test_parsed_triple_negative_criterion_matches() -> None:
    # NCT00448305 inc-1, biomarker part only
    t = "Histologically proven triple-receptor-negative metastatic or relapsed breast cancer"
    expr, _ = parse_text(t, 0, len(t), "inclusion")
    bm = [a for a in getattr(expr, "args", [expr]) if isinstance(a, BiomarkerAtom)]
    assert bm and bm[0].marker == "triple_negative"
    ctx = _ctx(biomarkers=[{"name": "ER", "result": "positive"}])
    assert evaluate(bm[0], ctx).value is False


def test_cd_antigen_status_is_read_from_the_profile() -> None:
    cd20 = BiomarkerAtom(marker="CD20", result="positive")
    assert evaluate(cd20, _ctx(biomarkers=[{"name": "CD20", "result": "positive"}])).value is True
    assert evaluate(cd20, _ctx(biomarkers=[{"name": "CD20", "result": "negative"}])).value is False
    assert evaluate(cd20, _ctx()).value is None


def test_local_recurrence_detail_with_qualifier_still_needs_a_local_recurrence() -> None:
    a = DiseaseStatusAtom(status="recurrent", detail="local_with_or_without_regional")
    local = _ctx(recurrence={"extent": "locoregional"})
    distant = _ctx(recurrence={"extent": "distant"})
    unknown_extent = _ctx(recurrence={"date": "2023-05-01"})
    assert evaluate(a, local).value is True
    assert evaluate(a, distant).value is False
    assert evaluate(a, unknown_extent).value is None
    assert evaluate(a, _ctx()).value is None


def test_castration_resistant_is_unknown_without_a_record() -> None:
    a = DiseaseStatusAtom(status="castration_resistant")
    o = evaluate(a, _ctx())
    assert o.value is None and o.missing
