"""Facts from clinical notes: values, sentences, spans, negation, family history, merging."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from trialscout.patient import ProfileError, load_profile
from trialscout.patient.note import NoteFacts, extract_facts, merge, to_profile
from trialscout.patient.profile import PatientProfile

AS_OF = dt.date(2026, 6, 1)


@pytest.fixture
def notes(fixtures: Path) -> Path:
    return fixtures / "patient" / "notes"


def _note(notes: Path, name: str) -> str:
    return (notes / name).read_text()


def _values(facts: NoteFacts, field: str) -> list[object]:
    return [f.value for f in facts.of(field)]


def test_npc_note_facts_with_sentences_and_spans(notes: Path) -> None:
    text = _note(notes, "npc_note.txt")
    facts = extract_facts(text)
    for f in facts.facts:
        assert text[f.span[0] : f.span[1]] == f.text
        assert f.text in f.sentence
    assert _values(facts, "age") == [45]
    assert _values(facts, "sex") == ["male"]
    assert {"scale": "ECOG", "value": 1} in _values(facts, "performance")
    assert _values(facts, "labs") == [
        {"test": "hemoglobin", "value": 10.2, "unit": "g/dL"},
        {"test": "platelets", "value": 150.0, "unit": "10^9/L"},
        {"test": "creatinine", "value": 1.1, "unit": "mg/dL"},
    ]
    hb = facts.of("labs")[0]
    assert hb.text == "Hb 10.2 g/dL"
    assert hb.sentence == "Hb 10.2 g/dL, platelets 150 x10^9/L, creatinine 1.1 mg/dL."
    assert {"T": "T3", "N": "N1", "M": "M0", "edition": "AJCC8"} in _values(facts, "stage")
    assert _values(facts, "negatives") == ["smoking", "HIV", "hepatitis B", "brain metastases"]
    hiv = next(f for f in facts.of("negatives") if f.value == "HIV")
    assert hiv.negated and hiv.sentence == "No history of HIV."
    family = next(f for f in facts.facts if f.family)
    assert family.value == {"name": "breast cancer", "primary": True}


def test_npc_note_profile(notes: Path) -> None:
    text = _note(notes, "npc_note.txt")
    p = to_profile(extract_facts(text), AS_OF, note=text)
    assert p.age == 45 and p.sex == "male"
    assert [d.name for d in p.diagnoses] == ["nasopharyngeal carcinoma"]  # not the mother's
    dx = p.diagnoses[0]
    assert (dx.histology, dx.who_type, dx.status) == (
        "non-keratinizing undifferentiated carcinoma",
        "III",
        "recurrent",
    )
    assert p.stage is not None and (p.stage.group, p.stage.T, p.stage.edition) == (
        "III",
        "T3",
        "AJCC8",
    )
    assert {t.name for t in p.treatments if t.kind == "drug"} >= {"cisplatin", "toripalimab"}
    assert p.medications == ["amlodipine"]
    assert [c.name for c in p.conditions] == ["hypertension"]
    assert "HIV" in p.negatives and "hepatitis B" in p.negatives
    src = p.source_of("labs[0]")
    assert src.origin == "note" and src.sentence is not None and "Hb 10.2" in src.sentence


def test_sigir_20141_negations_and_family_history(notes: Path) -> None:
    facts = extract_facts(_note(notes, "sigir-20141.txt"))
    p = to_profile(facts, AS_OF)
    assert (p.age, p.sex) == (58, "female")
    assert [c.name for c in p.conditions] == ["hypertension", "obesity"]
    assert p.negatives == ["smoking", "diabetes", "hyperlipidemia"]
    heart = next(f for f in facts.facts if f.text == "heart disease")
    assert heart.family and "heart disease" not in p.negatives  # family history is not hers


def test_sigir_201514_pregnancy_and_labs(notes: Path) -> None:
    facts = extract_facts(_note(notes, "sigir-201514.txt"))
    p = to_profile(facts, AS_OF)
    assert (p.age, p.sex, p.pregnant) == (27, "female", True)
    first = facts.of("labs")[:3]
    assert [f.value for f in first] == [
        {"test": "hemoglobin", "value": 9.0, "unit": "g/dL"},
        {"test": "WBC", "value": 6.3, "unit": "10^9/L"},  # "x 109/L": a lost superscript
        {"test": "platelets", "value": 119.0, "unit": "10^9/L"},
    ]
    assert first[0].text == "hemoglobin (Hb) of 9.0 g/dL"


def test_sigir_201423_history_and_family(notes: Path) -> None:
    facts = extract_facts(_note(notes, "sigir-201423.txt"))
    p = to_profile(facts, AS_OF)
    assert (p.age, p.sex) == (63, "male")
    names = [c.name for c in p.conditions]
    assert names == ["smoking", "diabetes", "hypothyroidism", "psoriasis"]
    assert "dementia" not in names  # "family history of early onset dementia"
    assert all(c.status == "history" for c in p.conditions)


def test_trec_20211_cancer_and_drugs(notes: Path) -> None:
    p = to_profile(extract_facts(_note(notes, "trec-20211.txt")), AS_OF)
    assert (p.age, p.sex) == (45, "male")
    assert [d.name for d in p.diagnoses] == ["glioma"]
    drugs = [t.name for t in p.treatments if t.kind == "drug"]
    assert drugs == ["temozolomide", "irinotecan", "bevacizumab"]  # CPT-11, Avastin
    assert any(t.kind == "radiotherapy" for t in p.treatments)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("48 M with a h/o HTN.", "sex", "male"),
        ("Patient is a 60 yo F.", "age", 60),
        (
            "KPS 70%. Karnofsky performance status of 80.",
            "performance",
            {"scale": "KPS", "value": 70},
        ),
        ("ECOG performance status 0-1.", "performance", {"scale": "ECOG", "value": 1}),
        (
            "Pathology: pT2N0M0.",
            "stage",
            {"T": "T2", "N": "N0", "M": "M0", "basis": "pathological"},
        ),
        ("She is not pregnant.", "pregnant", False),
        (
            "Absolute neutrophil count 1,500 cells/mm3.",
            "labs",
            {"test": "ANC", "value": 1500.0, "unit": "cells/mm3"},
        ),
    ],
)
def test_small_patterns(text: str, field: str, value: object) -> None:
    assert value in _values(extract_facts(text), field)


def test_merge_structured_wins(notes: Path) -> None:
    structured = PatientProfile(
        as_of=AS_OF,
        age=50,
        labs=[{"test": "hemoglobin", "value": 120, "unit": "g/L"}],
        conditions=[{"name": "HIV", "status": "active"}],
        performance=[{"scale": "ECOG", "value": 0}],
    )
    merged = merge(structured, extract_facts(_note(notes, "npc_note.txt")))
    assert merged.age == 50  # structured wins
    assert merged.sex == "male"  # filled from the note
    assert [x.value for x in merged.performance] == [0]
    hbs = merged.find_labs("Hb")
    assert [lab.value for _, lab in hbs] == [120]  # the note's Hb does not override
    assert merged.find_labs("platelets")[0][1].value == 150
    i = merged.find_labs("platelets")[0][0]
    assert merged.source_of(f"labs[{i}]").origin == "note"
    assert merged.source_of("labs[0]").origin == "structured"
    assert "HIV" not in merged.negatives  # structured says present
    assert "hepatitis B" in merged.negatives


def test_load_note_file_and_note_option(notes: Path, fixtures: Path) -> None:
    with pytest.raises(ProfileError, match="--as-of"):
        load_profile(notes / "npc_note.txt")
    loaded = load_profile(notes / "npc_note.txt", as_of=AS_OF)
    assert loaded.format == "note" and loaded.profile.age == 45 and loaded.facts
    assert loaded.profile.note is not None
    yaml_plus = load_profile(
        fixtures / "patient" / "example_profile.yaml", note=notes / "npc_note.txt"
    )
    p = yaml_plus.profile
    assert p.birth_date == dt.date(1975, 3, 2) and p.age is None  # birth date wins over note age
    assert p.performance[0].scale == "KPS"  # structured performance kept
    assert "smoking" in p.negatives
    json.loads(p.model_dump_json())


def test_empty_note() -> None:
    assert extract_facts("   ").facts == []


def test_urine_and_fractional_excretion_values_are_not_read_as_serum_labs() -> None:
    """'fractional excretion of sodium 3.3%' once became a serum sodium of 3.3."""
    facts = extract_facts(
        "Labs: fractional excretion of sodium 3.3%. Serum sodium 131 mmol/L. "
        "Urine creatinine 80 mg/dL, creatinine 1.1 mg/dL."
    )
    labs = [f.value for f in facts.of("labs")]
    assert {"test": "sodium", "value": 131.0, "unit": "mmol/L"} in labs
    assert {"test": "creatinine", "value": 1.1, "unit": "mg/dL"} in labs
    assert all(lab.get("value") not in (3.3, 80.0) for lab in labs)
