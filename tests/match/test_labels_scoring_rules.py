"""Scoring rules of `eval criterion-labels` and the matcher fixes they rely on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from trialscout.criteria.atoms import ConditionAtom, ReproductiveAtom
from trialscout.match.engine import evaluate, status_of
from trialscout.match.evaluators.common import Ctx
from trialscout.match.labels_eval import evaluate_labels, predict_row
from trialscout.match.policy import MatchPolicy
from trialscout.patient.profile import PatientProfile

AS_OF = dt.date(2021, 1, 1)
MAN = (
    "0. A 63-year-old man presents with cough and shortness of breath.\n"
    "1. He has a history of hypertension.\n"
    "2. The patient will provide informed consent, and will comply with the trial protocol "
    "without any practical issues."
)
WOMAN = "0. A 45-year-old woman presents with chest pain.\n1. She denies smoking or diabetes."
ABSENT = MatchPolicy(absent_unless_documented=True)


def test_contraception_not_applicable_for_a_man() -> None:
    ctx = Ctx(PatientProfile(as_of=AS_OF, sex="male"), MatchPolicy())
    o = evaluate(ReproductiveAtom(state="contraception"), ctx)
    assert status_of("inclusion", o) == "not_applicable"
    ctx_f = Ctx(PatientProfile(as_of=AS_OF, sex="female"), MatchPolicy())
    assert status_of("inclusion", evaluate(ReproductiveAtom(state="contraception"), ctx_f)) == (
        "review"
    )


def test_default_policy_still_reads_silence_as_unknown() -> None:
    ctx = Ctx(PatientProfile(as_of=AS_OF, sex="female"), MatchPolicy())
    o = evaluate(ConditionAtom(condition="heart_failure", status="history"), ctx)
    assert status_of("exclusion", o) == "unknown"


def test_pregnancy_exclusion_for_a_man_is_not_applicable() -> None:
    r = predict_row(MAN, "Women who are pregnant or breast feeding", "exclusion")
    assert r.label == "not applicable"


def test_stated_consent_settles_review_atoms_both_ways() -> None:
    inc = predict_row(MAN, "Willing to comply with study procedures", "inclusion")
    assert inc.label == "included" and inc.rule == "statements"
    exc = predict_row(MAN, "Unwilling to comply with study procedures", "exclusion")
    assert exc.label == "not excluded"
    # without the statement the same criteria wait on review
    assert predict_row(WOMAN, "Willing to comply with study procedures", "inclusion").label == (
        "not enough information"
    )


def test_absent_policy_applies_to_exclusions_only() -> None:
    text = "History of heart failure"
    assert predict_row(WOMAN, text, "exclusion").label == "not enough information"
    r = predict_row(WOMAN, text, "exclusion", ABSENT)
    assert r.label == "not excluded"
    assert r.engine_status == "does_not_apply"  # the matcher's own policy settled it
    # an inclusion keeps "not enough information" (what the experts do for silence)
    assert predict_row(WOMAN, text, "inclusion", ABSENT).label == "not enough information"
    # unreadable exclusion text: unknown by default, 'not excluded' under the policy
    assert predict_row(WOMAN, "Army recruit", "exclusion").label == "not enough information"
    unread = predict_row(WOMAN, "Army recruit", "exclusion", ABSENT)
    assert unread.label == "not excluded" and unread.rule == "absent"
    assert unread.engine_status == "unknown" and not unread.fully_parsed


def test_documented_condition_still_excludes_under_policy() -> None:
    r = predict_row(MAN, "History of hypertension", "exclusion", ABSENT)
    assert r.label == "excluded"
    # "denies ... diabetes" settles it even by default
    assert predict_row(WOMAN, "Diabetes mellitus", "exclusion").label == "not excluded"


def test_report_carries_breakdown_and_policy(fixtures: Path) -> None:
    path = fixtures / "match" / "criterion-annotations-sample.jsonl"
    rep = evaluate_labels(path, ABSENT, keep_rows=True)
    assert set(rep.breakdown) >= {"gold_by_type", "our_status", "atom_type", "fully_parsed"}
    assert sum(b.n for b in rep.breakdown["fully_parsed"].values()) == rep.scored
    assert len(rep.rows_detail) == rep.scored
    assert any("exclusions only" in p for p in rep.policy)
    wrong = sum(n for _, n in rep.error_buckets)
    assert wrong == rep.scored - round(rep.accuracy * rep.scored)
    assert not evaluate_labels(path).rows_detail
