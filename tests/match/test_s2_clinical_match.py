"""Matcher behaviour for the clinical atoms the session-2 parser now emits: a profile that
lacks the fact reads unknown, never no; a recorded fact decides."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import ConditionAtom, InfectionAtom, MeasurementAtom, OrNode
from trialscout.criteria.parser import parse_text
from trialscout.match.engine import evaluate
from trialscout.match.evaluators.common import Ctx
from trialscout.match.logic import Outcome
from trialscout.match.policy import MatchPolicy
from trialscout.patient.profile import PatientProfile


def prof(**kw: Any) -> PatientProfile:
    return PatientProfile.model_validate({"as_of": "2026-06-01", **kw})


def ev(expr: Any, p: PatientProfile) -> Outcome:
    return evaluate(expr, Ctx(p, MatchPolicy()))


def parsed(text: str, kind: str = "exclusion") -> Any:
    expr, _ = parse_text(text, 0, len(text), kind)
    return expr


def test_other_pathogen_without_a_record_is_unknown() -> None:
    a = InfectionAtom(pathogen="OTHER", marker="clostridium_difficile", status="active")
    assert ev(a, prof()).value is None


def test_child_pugh_and_new_measurements_without_a_field_are_unknown() -> None:
    for name in ("child_pugh_score", "spo2", "fvc", "shortening_fraction", "psa_doubling_time"):
        a = MeasurementAtom(name=name, comparator=">=", value=7)
        o = ev(a, prof(vitals={"weight_kg": 70, "systolic_bp": 120}))
        assert o.value is None, name


def test_blood_pressure_pair_from_the_parser() -> None:
    # NCT00392665 "Blood pressure > 150/100mmHg" (exclusion: either number over the limit)
    expr = parsed("Blood pressure > 150/100mmHg")
    assert isinstance(expr, OrNode)
    assert ev(expr, prof()).value is None  # no vitals: unknown, never "does not apply"
    assert ev(expr, prof(vitals={"systolic_bp": 130})).value is None  # diastolic missing
    assert ev(expr, prof(vitals={"systolic_bp": 130, "diastolic_bp": 80})).value is False
    assert ev(expr, prof(vitals={"systolic_bp": 130, "diastolic_bp": 105})).value is True


def test_viral_hepatitis_without_records_is_unknown() -> None:
    # NCT02200614 exc-16
    expr = parsed("Active viral hepatitis")
    assert ev(expr, prof()).value is None


def test_organ_list_condition_without_a_record_is_unknown() -> None:
    a = ConditionAtom(condition="genitourinary_disease")
    assert ev(a, prof()).value is None
