"""Note extraction keeps a lymphoma / leukaemia subtype instead of collapsing it to the generic
type (TREC 2021 trec-20214: 'Burkitt's lymphoma' read as 'lymphoma' failed every trial that asks
for non-Hodgkin lymphoma)."""

from __future__ import annotations

import datetime as dt

from trialscout.patient.loader import load_note

AS_OF = dt.date(2026, 1, 1)


def _names(note: str) -> list[str]:
    return [d.name for d in load_note(note, as_of=AS_OF).profile.diagnoses]


def test_burkitt_lymphoma_kept_and_later_generic_mention_folded() -> None:
    note = (
        "Pericardial fluid analysis was consistent with Burkitt's lymphoma. Lumbar puncture "
        "was negative, which made this a primary cardiac lymphoma."
    )
    assert _names(note) == ["burkitt lymphoma"]


def test_generic_mention_first_takes_the_subtype_name() -> None:
    assert _names("Lymphoma was found. Biopsy showed Burkitt's lymphoma.") == ["burkitt lymphoma"]


def test_leukaemia_subtypes() -> None:
    assert _names("A 60 year old man with CLL.") == ["chronic lymphocytic leukemia"]
    assert _names("History of non-Hodgkin lymphoma.") == ["non-hodgkin lymphoma"]
    assert _names("She has Hodgkin's disease.") == ["hodgkin lymphoma"]
    assert _names("A 30 year old man with leukemia.") == ["leukemia"]


def test_subtype_matches_the_criteria_vocabulary() -> None:
    from trialscout.match.evaluators.disease import cancer_ids

    d = load_note("Burkitt's lymphoma.", as_of=AS_OF).profile.diagnoses[0]
    assert {"non_hodgkin_lymphoma", "lymphoma"} <= cancer_ids(d)
