"""Note extraction: past pregnancies are not current ones; consent/compliance statements."""

from __future__ import annotations

import datetime as dt

import pytest

from trialscout.patient.note import extract_facts, stated_commitments, to_profile

AS_OF = dt.date(2021, 1, 1)
CONSENT = (
    "8. The patient will provide informed consent, and will comply with the trial protocol "
    "without any practical issues."
)


def _pregnant(note: str) -> bool | None:
    return to_profile(extract_facts(note), AS_OF).pregnant


@pytest.mark.parametrize(
    "note",
    [
        "0. A 38 year old woman complains of pelvic pain.\n1. Past medical history remarkable "
        "for infertility treatment and an ectopic pregnancy at age 26.",
        "0. A 41-year-old woman with two prior pregnancies presents with headache.",
        "0. A 35-year-old woman had a pregnancy 3 years ago and now presents with fatigue.",
    ],
)
def test_past_pregnancy_is_not_current(note: str) -> None:
    assert _pregnant(note) is None


@pytest.mark.parametrize(
    "note",
    [
        "0. A 27-year-old woman at 11 weeks gestation in her second pregnancy has anemia.",
        "0. A 30-year-old woman who is pregnant presents with nausea.",
    ],
)
def test_current_pregnancy_still_found(note: str) -> None:
    assert _pregnant(note) is True


def test_denied_pregnancy_is_false() -> None:
    assert _pregnant("0. A 30-year-old woman with abdominal pain. 1. She is not pregnant.") is False


def test_statements_found_in_benchmark_style_note() -> None:
    note = "0. A 58-year-old woman with chest pain.\n" + CONSENT
    assert stated_commitments(note) == {"consent", "compliance"}


def test_statements_absent_or_negated() -> None:
    assert stated_commitments("0. A 58-year-old woman with chest pain.") == set()
    assert stated_commitments("He will not comply with the study protocol.") == set()
    assert stated_commitments("She has signed written informed consent.") == {"consent"}
