"""A record that names a broader cancer type than a criterion reads unknown, never no; a
record's subtype still rules out a different subtype (TREC 2021 trec-20214, NCT00003337 /
NCT00005985, graded eligible)."""

from __future__ import annotations

import datetime as dt

from trialscout.criteria.parser import parse_criteria
from trialscout.match import match_trial
from trialscout.patient.loader import load_note

AS_OF = dt.date(2026, 1, 1)
NHL = "Inclusion Criteria:\n\n* Histologically confirmed B-cell non-Hodgkin's lymphoma\n"
HODGKIN = "Inclusion Criteria:\n\n* Hodgkin's lymphoma\n"


def _status(criteria: str, note: str) -> str:
    parsed = parse_criteria(criteria, "NCT-TEST")
    m = match_trial(load_note(note, as_of=AS_OF).profile, None, parsed)
    return m.criteria[0].status


def test_generic_lymphoma_record_is_unknown_for_nhl() -> None:
    assert _status(NHL, "A 44 year old woman with lymphoma.") == "unknown"


def test_burkitt_record_meets_nhl() -> None:
    assert _status(NHL, "Fluid analysis consistent with Burkitt's lymphoma.") == "met"


def test_nhl_record_does_not_meet_hodgkin() -> None:
    note = "Fluid analysis consistent with Burkitt's lymphoma."
    assert _status(HODGKIN, note) == "not_met"


def test_leukaemia_subtypes_rule_each_other_out() -> None:
    cml = "Inclusion Criteria:\n\n* Chronic myelogenous leukemia\n"
    assert _status(cml, "A 60 year old man with CLL.") == "not_met"
    assert _status(cml, "A 60 year old man with leukemia.") == "unknown"
