"""A diagnosis named by its subtype states its histology (issue 4: histology checks read the
diagnosis name when the histology field is empty), but "non-small cell" is not small cell."""

from __future__ import annotations

import datetime as dt

from trialscout.criteria.atoms import DiagnosisAtom
from trialscout.match.engine import evaluate
from trialscout.match.evaluators.common import Ctx
from trialscout.match.policy import MatchPolicy
from trialscout.patient.profile import PatientProfile


def _value(atom: DiagnosisAtom, name: str, histology: str | None = None) -> bool | None:
    dx = {"name": name, **({"histology": histology} if histology else {})}
    ctx = Ctx(PatientProfile(as_of=dt.date(2026, 1, 1), diagnoses=[dx]), MatchPolicy())
    return evaluate(atom, ctx).value


CLEAR_CELL_RCC = DiagnosisAtom(cancer="renal_cell_carcinoma", histologies=["clear_cell"])
SMALL_CELL = DiagnosisAtom(cancer="sclc", histologies=["small_cell"])
LUNG_ADENO = DiagnosisAtom(cancer="nsclc", histologies=["adenocarcinoma"])


def test_subtype_in_the_diagnosis_name_settles_the_histology() -> None:
    assert _value(CLEAR_CELL_RCC, "clear cell renal cell carcinoma") is True
    assert _value(SMALL_CELL, "small cell lung cancer") is True
    # the name states another histology: no
    assert _value(LUNG_ADENO, "squamous non-small cell lung cancer") is False


def test_negated_subtype_in_the_name_is_not_that_subtype() -> None:
    # "non-small cell" says nothing about adenocarcinoma vs squamous: unknown, never no
    assert _value(LUNG_ADENO, "non-small cell lung cancer") is None
    # "non-clear cell RCC" is not clear cell, and not known to be anything else
    assert _value(CLEAR_CELL_RCC, "non-clear cell renal cell carcinoma") is None


def test_the_histology_field_wins_over_the_name() -> None:
    assert _value(LUNG_ADENO, "non-small cell lung cancer", histology="adenocarcinoma") is True
    assert _value(LUNG_ADENO, "NSCLC adenocarcinoma", histology="squamous cell carcinoma") is False


def test_a_name_without_a_subtype_stays_unknown() -> None:
    assert _value(CLEAR_CELL_RCC, "renal cell carcinoma") is None
