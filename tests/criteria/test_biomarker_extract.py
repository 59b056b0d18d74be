"""Biomarker criteria -> typed atoms (extractors/biomarkers.py, data/biomarkers tables)."""

from __future__ import annotations

from typing import Any

import pytest

from trialscout.criteria.atoms import BiomarkerAtom, NotNode, OrNode, iter_atoms
from trialscout.criteria.extractors.biomarkers import (
    canonical_alteration,
    canonical_marker,
    canonical_result,
    covers,
)
from trialscout.criteria.parser import parse_text


def _parse(text: str, kind: str = "inclusion") -> Any:
    expr, _ = parse_text(text, 0, len(text), kind)
    return expr


def _bio(text: str, kind: str = "inclusion") -> list[dict[str, Any]]:
    return [
        a.model_dump(exclude_none=True, exclude={"text", "span", "type", "kind", "unit"})
        for a in iter_atoms(_parse(text, kind))
        if isinstance(a, BiomarkerAtom)
    ]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("PD-L1 CPS >= 1", {"marker": "PD-L1", "score": "CPS", "comparator": ">=", "value": 1.0}),
        (
            "PD-L1 TPS >= 50%",
            {"marker": "PD-L1", "score": "TPS", "comparator": ">=", "value": 50.0},
        ),
        (
            "PD-L1 combined positive score (CPS) ≥ 10",
            {"marker": "PD-L1", "score": "CPS", "comparator": ">=", "value": 10.0},
        ),
        ("TMB >= 10 mut/Mb", {"marker": "TMB", "comparator": ">=", "value": 10.0}),
        ("HER2-negative breast cancer", {"marker": "HER2", "gene": "ERBB2", "result": "negative"}),
        ("HER2-low disease", {"marker": "HER2", "result": "low"}),
        ("ERBB2 positive", {"marker": "HER2", "gene": "ERBB2", "result": "positive"}),
        ("KRAS G12C mutation", {"marker": "KRAS", "alteration": "G12C", "result": "positive"}),
        ("any ALK fusion", {"marker": "ALK", "result": "positive"}),
        ("EGFR wild-type", {"marker": "EGFR", "result": "wild-type"}),
        ("MSI-H or dMMR", {"marker": "MSI", "result": "high"}),
        ("p16 negative oropharyngeal cancer", {"marker": "p16", "result": "negative"}),
        ("BRAF V600 mutation", {"marker": "BRAF", "alteration": "V600*", "result": "positive"}),
    ],
)
def test_biomarker_atom_fields(text: str, want: dict[str, Any]) -> None:
    atoms = _bio(text)
    assert atoms, text
    assert any(all(a.get(k) == v for k, v in want.items()) for a in atoms), atoms


def test_alternatives_of_one_gene_are_an_or() -> None:
    e = _parse("EGFR exon 19 deletion or L858R")
    assert isinstance(e, OrNode)
    assert [a.alteration for a in iter_atoms(e)] == ["exon 19 deletion", "L858R"]  # type: ignore[union-attr]
    e2 = _parse("BRAF V600E or V600K mutation")
    assert isinstance(e2, OrNode)
    assert {a.alteration for a in iter_atoms(e2)} == {"V600E", "V600K"}  # type: ignore[union-attr]


def test_exon19_spellings_and_examples() -> None:
    for s in ("EGFR ex19del", "EGFR del19", "EGFR exon 19 deletions", "EGFR deletion in exon 19"):
        assert [a["alteration"] for a in _bio(s)] == ["exon 19 deletion"], s
    # examples name the group, they do not replace it
    ex = _bio("Known sensitizing EGFR mutations (for example, deletion 19 or L858R)", "exclusion")
    assert ex == [
        {"marker": "EGFR", "gene": "EGFR", "result": "positive", "variant_class": "sensitizing"}
    ]


def test_list_shares_wild_type() -> None:
    atoms = _bio("KRAS, NRAS and BRAF wild type")
    assert [(a["marker"], a["result"]) for a in atoms] == [
        ("KRAS", "wild-type"),
        ("NRAS", "wild-type"),
        ("BRAF", "wild-type"),
    ]


def test_negated_inclusion_keeps_positive_atoms_under_not() -> None:
    e = _parse("No sensitizing EGFR mutation or ALK rearrangement")
    assert isinstance(e, NotNode)
    assert {a.marker for a in iter_atoms(e)} == {"EGFR", "ALK"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        "Prior treatment with an EGFR-TKI.",
        "Prior therapy with anti-PD-1 or anti-PD-L1 antibody",
        "Previous HER2-targeted therapy",
        "eGFR >= 60 mL/min",
        "Prior ALK inhibitor",
    ],
)
def test_drugs_and_lookalikes_are_not_biomarkers(text: str) -> None:
    assert _bio(text) == []


def test_vocabulary_helpers() -> None:
    assert canonical_marker("HER-2/neu") == "HER2"
    assert canonical_marker("ERBB2") == "HER2"
    assert canonical_marker("programmed death-ligand 1") == "PD-L1"
    assert canonical_marker("no such marker") is None
    assert canonical_alteration("EGFR", "p.L858R") == "L858R"
    assert canonical_alteration("EGFR", "Ex19del") == "exon 19 deletion"
    assert canonical_alteration("EGFR", "G719X") == "G719*"
    assert canonical_result("Not detected") == "negative"
    assert canonical_result("MSI-H") == "high"
    assert covers("BRAF", "V600*", "V600K")
    assert not covers("BRAF", "V600*", "G469A")
    assert not covers("BRAF", "V600E", "V600K")
