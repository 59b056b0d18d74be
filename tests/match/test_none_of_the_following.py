"""Negated lead-ins over sub-items ("None of the following:", "No concurrent ... including:").

Old PDQ-style registry texts put these in the inclusion list (NCT00074308 "None of the
following within the past 6 months:" over "Myocardial infarction", "Unstable angina", ...;
80 such lead-ins in eligibility-texts.csv). Read item by item, each sub-item became an
inclusion requirement, so a patient with a recent infarction "met" it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from trialscout.criteria.parser import parse_criteria
from trialscout.match import match_trial
from trialscout.match.engine import group_mode, group_window
from trialscout.match.result import TrialMatch
from trialscout.patient.loader import load_note

AS_OF = dt.date(2026, 1, 1)
MI_NOTE = "A 60-year-old man with colon cancer. He had a myocardial infarction."
CLEAN_NOTE = "A 60-year-old man with colon cancer."


def _match(criteria: str, note: str) -> TrialMatch:
    return match_trial(load_note(note, as_of=AS_OF).profile, None, parse_criteria(criteria, "X"))


def _status(m: TrialMatch, start: str) -> str:
    return next(c.status for c in m.criteria if c.text.startswith(start))


NONE = "Cardiac:\n\n* None of the following:\n  * Myocardial infarction\n  * Unstable angina\n"
NONE_WINDOW = NONE.replace("following:", "following within the past 6 months:")


def test_a_sub_item_that_holds_rules_the_patient_out() -> None:
    m = _match(NONE, MI_NOTE)
    assert _status(m, "None of the following") == "not_met"
    assert m.verdict == "ineligible"


def test_sub_items_do_not_count_on_their_own() -> None:
    m = _match(NONE, MI_NOTE)
    kid = next(c for c in m.criteria if c.text == "Myocardial infarction")
    assert not kid.counted


def test_nothing_known_stays_unknown_not_no() -> None:
    m = _match(NONE, CLEAN_NOTE)
    assert _status(m, "None of the following") == "unknown"
    assert m.verdict == "possibly_eligible"


def test_a_time_limit_in_the_lead_in_makes_an_undated_event_a_question() -> None:
    m = _match(NONE_WINDOW, MI_NOTE)
    assert _status(m, "None of the following within") == "unknown"
    assert m.verdict == "possibly_eligible"
    crit = next(c for c in m.criteria if c.text.startswith("None of the following within"))
    assert any("time limit" in f.question for f in crit.missing)


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("None of the following within the past 6 months:", "none"),
        ("No concurrent CYP3A4 inducers, including any of the following:", "none"),
        ("No multiple myeloma defined by 1 of the following:", "none"),
        ("Patients must not have any of the following:", "none"),
        ("No concurrent hormonal therapy, except for the following:", "except"),
        ("No evidence of leukemia, as indicated by the following criteria:", None),
        ("Diagnosis of one of the following:", "any"),
        ("No prior chemotherapy", None),  # not a lead-in: nothing announced
    ],
)
def test_group_modes(text: str, mode: str | None) -> None:
    assert group_mode(text) == mode


def test_time_limit_cue() -> None:
    assert group_window("None of the following within the past 6 months:")
    assert not group_window("None of the following:")
