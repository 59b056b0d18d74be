"""Biomarker criteria against profile biomarkers: three-valued, score types kept apart."""

from __future__ import annotations

import datetime as dt
from typing import Any

from trialscout.criteria.atoms import BiomarkerAtom
from trialscout.match.engine import evaluate
from trialscout.match.evaluators.common import Ctx
from trialscout.match.policy import MatchPolicy
from trialscout.patient.profile import PatientProfile


def _ctx(*bms: dict[str, Any]) -> Ctx:
    return Ctx(PatientProfile(as_of=dt.date(2024, 1, 1), biomarkers=list(bms)), MatchPolicy())


def _v(atom: BiomarkerAtom, *bms: dict[str, Any]) -> bool | None:
    return evaluate(atom, _ctx(*bms)).value


CPS1 = BiomarkerAtom(marker="PD-L1", score="CPS", comparator=">=", value=1)
TPS50 = BiomarkerAtom(marker="PD-L1", score="TPS", comparator=">=", value=50, unit="%")


def test_missing_result_is_unknown_never_negative() -> None:
    o = evaluate(CPS1, _ctx())
    assert o.value is None and o.missing and "PD-L1" in o.missing[0].question
    assert _v(BiomarkerAtom(marker="EGFR", gene="EGFR", result="wild-type")) is None
    assert _v(BiomarkerAtom(marker="HER2", gene="ERBB2", result="negative")) is None


def test_threshold_in_one_score_type_does_not_satisfy_another() -> None:
    tps60 = {"name": "PD-L1", "score": "TPS", "value": 60, "unit": "%"}
    o = evaluate(CPS1, _ctx(tps60))
    assert o.value is None and "TPS" in o.reason
    assert _v(TPS50, tps60) is True
    assert _v(TPS50, {"name": "PD-L1", "score": "TPS", "value": 10}) is False
    o2 = evaluate(CPS1, _ctx({"name": "PD-L1", "score": "CPS", "value": 20}))
    assert o2.value is True and "20" in o2.reason and "CPS" in o2.reason


def test_wild_type_needs_a_stated_negative_for_that_gene() -> None:
    wt = BiomarkerAtom(marker="KRAS", gene="KRAS", result="wild-type")
    assert _v(wt, {"gene": "KRAS", "result": "not detected"}) is True
    assert _v(wt, {"gene": "KRAS", "alteration": "G12D", "result": "detected"}) is False
    # another gene's negative says nothing about KRAS
    assert _v(wt, {"gene": "EGFR", "result": "negative"}) is None
    # one variant tested negative is not a wild-type gene
    assert _v(wt, {"gene": "KRAS", "alteration": "G12C", "result": "not detected"}) is None


def test_wildcards_match_what_they_cover_and_nothing_else() -> None:
    v600 = BiomarkerAtom(marker="BRAF", gene="BRAF", alteration="V600*", result="positive")
    assert _v(v600, {"gene": "BRAF", "alteration": "p.V600K", "result": "detected"}) is True
    assert _v(v600, {"gene": "BRAF", "alteration": "G469A", "result": "detected"}) is False
    sens = BiomarkerAtom(marker="EGFR", gene="EGFR", variant_class="sensitizing", result="positive")
    assert _v(sens, {"gene": "EGFR", "alteration": "ex19del", "result": "detected"}) is True
    assert _v(sens, {"gene": "EGFR", "alteration": "G719S", "result": "detected"}) is True
    assert _v(sens, {"gene": "EGFR", "alteration": "T790M", "result": "detected"}) is False
    g12c = BiomarkerAtom(marker="KRAS", gene="KRAS", alteration="G12C", result="positive")
    assert _v(g12c, {"gene": "KRAS", "alteration": "G12D", "result": "detected"}) is False
    assert _v(g12c, {"gene": "KRAS", "alteration": "p.G12C"}) is True
    fusion = BiomarkerAtom(marker="ALK", gene="ALK", kind="fusion", result="positive")
    assert _v(fusion, {"gene": "ALK", "kind": "fusion", "result": "positive"}) is True
    assert _v(fusion, {"gene": "ALK", "kind": "fusion", "result": "not detected"}) is False


def test_her2_status_from_ihc_and_ish_with_synonyms() -> None:
    pos = BiomarkerAtom(marker="HER2", gene="ERBB2", result="positive")
    neg = BiomarkerAtom(marker="HER2", gene="ERBB2", result="negative")
    low = BiomarkerAtom(marker="HER2", gene="ERBB2", result="low")
    ihc3 = {"gene": "ERBB2", "score": "IHC", "result": "3+"}
    ihc2 = {"name": "HER2", "score": "IHC", "result": "2+"}
    ish_neg = {"name": "HER2", "assay": "FISH", "kind": "amplification", "result": "negative"}
    assert _v(pos, ihc3) is True and _v(neg, ihc3) is False
    assert _v(pos, ihc2) is None  # 2+ needs ISH
    assert _v(pos, ihc2, ish_neg) is False
    assert _v(low, ihc2, ish_neg) is True
    assert _v(neg, ihc2, ish_neg) is True  # HER2-negative includes HER2-low


def test_signatures_and_reasons_name_the_value() -> None:
    msi = BiomarkerAtom(marker="MSI", result="high")
    assert _v(msi, {"name": "MSI", "result": "MSI-H"}) is True
    o = evaluate(msi, _ctx({"name": "MSI", "result": "MSS"}))
    assert o.value is False and "MSI" in o.reason and "mss" in o.reason.lower()
    assert o.evidence and o.evidence[0].startswith("biomarkers[0]")
    tmb = BiomarkerAtom(marker="TMB", comparator=">=", value=10, unit="mut/Mb")
    assert _v(tmb, {"name": "TMB", "value": 12, "unit": "mut/Mb"}) is True
    ebv = BiomarkerAtom(marker="EBV DNA", comparator=">=", value=1000, unit="IU/mL")
    # copies/mL and IU/mL do not convert
    assert _v(ebv, {"name": "EBV DNA", "value": 1500, "unit": "copies/mL"}) is None


def test_form_answers_round_trip_through_the_fact_key() -> None:
    from trialscout.match.evaluators.biomarkers import fact_key, profile_entry, words

    for atom, answer in [
        (CPS1, 5.0),
        (
            BiomarkerAtom(marker="EGFR", gene="EGFR", alteration="L858R", result="positive"),
            "positive",
        ),
        (BiomarkerAtom(marker="KRAS", gene="KRAS", result="wild-type"), "negative"),
        (BiomarkerAtom(marker="HER2", gene="ERBB2", result="positive"), "positive"),
        (BiomarkerAtom(marker="HER2", gene="ERBB2", score="IHC", comparator="=", value=3), "3+"),
    ]:
        o = evaluate(atom, _ctx())
        assert o.value is None and o.missing
        fact = o.missing[0].fact
        assert fact == fact_key(atom)[0]
        entry = profile_entry(fact, answer)
        assert _v(atom, entry) is True, (words(atom), entry)
    # a CPS answer never settles a TPS question
    assert _v(TPS50, profile_entry(fact_key(CPS1)[0], 80.0)) is None


def test_trial_form_asks_for_the_biomarkers_the_trial_needs() -> None:
    from trialscout.criteria.parser import parse_criteria
    from trialscout.web.qualify import form_fields, profile_from_form

    text = "Inclusion Criteria:\n- PD-L1 CPS >= 1\n- EGFR wild-type\n"
    parsed = parse_criteria(text, "NCT00000001")

    class _Trial:
        nct_id = "NCT00000001"
        eligibility = None
        conditions: tuple[str, ...] = ()

    fields, _ = form_fields(_Trial(), parsed)
    bio = {f.fact: f for f in fields if f.fact.startswith("biomarker:")}
    assert bio["biomarker:PD-L1:#CPS"].kind == "number"
    assert bio["biomarker:EGFR"].kind == "select"
    form = {bio["biomarker:PD-L1:#CPS"].name: "12", bio["biomarker:EGFR"].name: "negative"}
    profile = profile_from_form(list(bio.values()), form, dt.date(2024, 1, 1))
    got = {(b.name or b.gene): b for b in profile.biomarkers}
    assert (got["PD-L1"].score, got["PD-L1"].value) == ("CPS", 12)
    assert got["EGFR"].result == "negative"
