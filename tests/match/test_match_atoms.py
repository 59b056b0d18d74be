"""Each atom evaluator, built directly from atoms (independent of the parser's output)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from trialscout.criteria.atoms import (
    AgeAtom,
    ConditionAtom,
    DiagnosisAtom,
    IfNode,
    InfectionAtom,
    LabAtom,
    MeasurementAtom,
    MetastasisAtom,
    PerformanceAtom,
    PriorTherapyAtom,
    ReproductiveAtom,
    ReviewAtom,
    SexAtom,
    StageAtom,
    TimeRelationAtom,
    UnparsedAtom,
)
from trialscout.match.engine import evaluate
from trialscout.match.evaluators.common import Ctx
from trialscout.match.logic import Outcome
from trialscout.match.policy import MatchPolicy
from trialscout.patient.profile import PatientProfile


def prof(**kw: Any) -> PatientProfile:
    return PatientProfile.model_validate({"as_of": "2026-06-01", **kw})


def ev(atom: Any, p: PatientProfile, absent: bool = False) -> Outcome:
    return evaluate(atom, Ctx(p, MatchPolicy(absent_unless_documented=absent)))


def lab(test: str, value: float, unit: str | None = None, **kw: Any) -> dict[str, Any]:
    return {"test": test, "value": value, "unit": unit, **kw}


# ------------------------------------------------------------------ labs and units


def test_hemoglobin_g_dl_against_g_l_limit_keeps_original_in_evidence() -> None:
    o = ev(
        LabAtom(analyte="hemoglobin", comparator=">=", value=90, unit="g/L"),
        prof(labs=[lab("Hb", 11.8, "g/dL", date="2026-05-20")]),
    )
    assert o.value is True
    assert o.reason == "Hemoglobin 118 g/L ≥ 90 g/L"
    assert "11.8 g/dL (= 118 g/L)" in o.evidence[0] and "2026-05-20" in o.evidence[0]


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [(1400, "/uL", False), (1500, "cells/mm3", True), (2.0, "K/uL", True)],
)
def test_anc_count_units(value: float, unit: str, expected: bool) -> None:
    o = ev(
        LabAtom(analyte="anc", comparator=">=", value=1.5, unit="10^9/L"),
        prof(labs=[lab("ANC", value, unit)]),
    )
    assert o.value is expected


def test_creatinine_mg_dl_against_umol_limit() -> None:
    a = LabAtom(analyte="creatinine", comparator="<=", value=133, unit="umol/L")
    assert ev(a, prof(labs=[lab("creatinine", 1.4, "mg/dL")])).value is True  # 123.8
    assert ev(a, prof(labs=[lab("creatinine", 1.6, "mg/dL")])).value is False  # 141.4


def test_uln_band_met_unknown_not_met() -> None:
    a = LabAtom(analyte="bilirubin", comparator="<=", uln_multiple=1.5)
    # band 17-26 umol/L -> 1.5x = 25.5-39
    assert ev(a, prof(labs=[lab("bilirubin", 1.0, "mg/dL")])).value is True  # 17.1
    mid = ev(a, prof(labs=[lab("bilirubin", 30, "umol/L")]))
    assert mid.value is None and "lab's upper limit needed" in mid.reason
    assert mid.missing[0].fact == "uln:bilirubin"
    assert ev(a, prof(labs=[lab("bilirubin", 40, "umol/L")])).value is False


def test_own_uln_wins_over_band() -> None:
    a = LabAtom(analyte="ast", comparator="<=", uln_multiple=2.5)
    o = ev(a, prof(labs=[lab("AST", 110, "U/L", uln=40)]))
    assert o.value is False  # 110 > 100
    assert ev(a, prof(labs=[lab("AST", 110, "U/L", uln=45)])).value is True


def test_creatinine_band_depends_on_sex() -> None:
    a = LabAtom(analyte="creatinine", comparator="<=", uln_multiple=1.0)
    assert ev(a, prof(sex="male", labs=[lab("creatinine", 100, "umol/L")])).value is None
    assert ev(a, prof(sex="female", labs=[lab("creatinine", 100, "umol/L")])).value is False


def test_missing_lab_is_unknown_with_question() -> None:
    o = ev(LabAtom(analyte="hemoglobin", comparator=">=", value=90, unit="g/L"), prof())
    assert o.value is None
    assert o.missing[0].question == "What is the hemoglobin?"


def test_crcl_from_cockcroft_gault_when_not_measured() -> None:
    p = prof(age=50, sex="male", vitals={"weight_kg": 70}, labs=[lab("creatinine", 1.0, "mg/dL")])
    o = ev(LabAtom(analyte="crcl", comparator=">=", value=60, unit="mL/min"), p)
    assert o.value is True and "Cockcroft-Gault" in o.reason  # 87.5


# ------------------------------------------------------------------ performance


@pytest.mark.parametrize(
    ("scale", "value", "atom", "expected"),
    [
        ("ECOG", 1, PerformanceAtom(scale="KPS", min=60), True),
        ("ECOG", 2, PerformanceAtom(scale="KPS", min=60), None),
        ("KPS", 70, PerformanceAtom(scale="ECOG", min=0, max=1), None),
        ("KPS", 80, PerformanceAtom(scale="ECOG", min=0, max=1), True),
        ("ECOG", 3, PerformanceAtom(scale="ECOG", min=0, max=1), False),
        ("ECOG", 3, PerformanceAtom(scale="KPS", min=70), False),
    ],
)
def test_performance_across_scales(
    scale: str, value: int, atom: PerformanceAtom, expected: bool | None
) -> None:
    o = ev(atom, prof(performance=[{"scale": scale, "value": value}]))
    assert o.value is expected


# ------------------------------------------------------------------ stage


def test_ajcc8_group_computed_from_tnm_for_9th_edition_criterion() -> None:
    # T2 N1 M0 is stage II in the 8th edition but stage I in the 9th.
    p = prof(
        diagnoses=[{"name": "nasopharyngeal carcinoma"}],
        stage={"edition": "AJCC8", "T": "T2", "N": "N1", "M": "M0", "group": "II"},
    )
    assert ev(StageAtom(groups=["II"], edition="AJCC8"), p).value is True
    assert ev(StageAtom(groups=["I"], edition="AJCC9"), p).value is True
    assert ev(StageAtom(groups=["II"], edition="AJCC9"), p).value is False


def test_ivb_means_any_m1_in_8th_but_only_m1b_in_9th() -> None:
    base = {
        "diagnoses": [{"name": "nasopharyngeal carcinoma"}],
        "stage": {"edition": "AJCC8", "T": "T2", "N": "N1", "M": "M1", "group": "IVB"},
    }
    assert ev(StageAtom(groups=["IVB"], edition="AJCC8"), prof(**base)).value is True
    # 9th edition, lesion count unknown: M1a (IVA) or M1b (IVB)
    assert ev(StageAtom(groups=["IVB"], edition="AJCC9"), prof(**base)).value is None
    two = prof(**base, metastases=[{"site": "lung", "lesions": 2}])
    assert ev(StageAtom(groups=["IVB"], edition="AJCC9"), two).value is False
    five = prof(**base, metastases=[{"site": "lung", "lesions": 5}])
    assert ev(StageAtom(groups=["IVB"], edition="AJCC9"), five).value is True


def test_explicit_tnm_wins_over_group_label() -> None:
    p = prof(
        diagnoses=[{"name": "nasopharyngeal carcinoma"}],
        stage={"edition": "AJCC8", "T": "T2", "N": "N1", "M": "M1", "group": "IVB"},
        metastases=[{"site": "lung", "lesions": 2}],
    )
    o = ev(StageAtom(t=["Tany"], n=["Nany"], m=["M1"], groups=["IVB"], edition="AJCC9"), p)
    assert o.value is True and "stated TNM wins" in o.reason
    assert ev(StageAtom(m=["M1"]), prof(stage={"T": "T3", "N": "N1", "M": "M0"})).value is False


# ------------------------------------------------------------------ histology


@pytest.mark.parametrize(
    ("histology", "who", "expected"),
    [
        ("non-keratinizing undifferentiated carcinoma", None, True),
        ("non-keratinizing differentiated carcinoma", None, True),
        ("lymphoepithelial carcinoma", None, True),
        (None, "II", True),
        ("keratinizing squamous cell carcinoma", None, False),
        ("carcinoma", None, None),
        (None, None, None),
    ],
)
def test_npc_histology(histology: str | None, who: str | None, expected: bool | None) -> None:
    atom = DiagnosisAtom(
        cancer="nasopharyngeal_carcinoma",
        histologies=["non_keratinizing_carcinoma"],
        who_types=["II", "III"],
    )
    p = prof(
        diagnoses=[{"name": "nasopharyngeal carcinoma", "histology": histology, "who_type": who}]
    )
    assert ev(atom, p).value is expected


def test_other_cancer_is_not_npc() -> None:
    a = DiagnosisAtom(cancer="nasopharyngeal_carcinoma")
    assert ev(a, prof(diagnoses=[{"name": "breast cancer"}])).value is False


# ------------------------------------------------------------------ infections


@pytest.mark.parametrize(("iu", "expected"), [(150, False), (250, None), (300, True)])
def test_hbv_dna_iu_against_copies_limit(iu: float, expected: bool | None) -> None:
    a = InfectionAtom(
        pathogen="HBV", marker="HBV DNA", comparator=">=", value=1000, unit="copies/mL"
    )
    assert ev(a, prof(labs=[lab("HBV DNA", iu, "IU/mL")])).value is expected


def test_hiv_settled_by_negatives_else_unknown_or_policy() -> None:
    a = InfectionAtom(pathogen="HIV")
    assert ev(a, prof(negatives=["HIV"])).value is False
    assert ev(a, prof()).value is None
    o = ev(a, prof(), absent=True)
    assert o.value is False and "absent unless documented" in o.reason
    assert ev(a, prof(labs=[{"test": "HIV", "result": "positive"}])).value is True


# ------------------------------------------------------------------ conditional limits


def test_ast_if_liver_metastases() -> None:
    tree = IfNode(
        cond=MetastasisAtom(site="liver"),
        then=LabAtom(analyte="ast", comparator="<=", uln_multiple=5),
        otherwise=LabAtom(analyte="ast", comparator="<=", uln_multiple=2.5),
    )
    labs = [lab("AST", 150, "U/L", uln=40)]  # 3.75 x ULN
    assert ev(tree, prof(labs=labs)).value is None
    assert ev(tree, prof(labs=labs, metastases=[{"site": "liver"}])).value is True
    assert ev(tree, prof(labs=labs, negatives=["liver metastases"])).value is False
    low = [lab("AST", 60, "U/L", uln=40)]  # both branches agree
    assert ev(tree, prof(labs=low)).value is True


def test_qtc_limit_by_sex() -> None:
    tree = IfNode(
        cond=SexAtom(sex="male"),
        then=MeasurementAtom(name="qtc", comparator=">", value=450, unit="ms"),
        otherwise=MeasurementAtom(name="qtc", comparator=">", value=470, unit="ms"),
    )
    assert ev(tree, prof(sex="male", vitals={"qtc_ms": 460})).value is True
    assert ev(tree, prof(sex="female", vitals={"qtc_ms": 460})).value is False
    assert ev(tree, prof(vitals={"qtc_ms": 460})).value is None
    assert ev(tree, prof(vitals={"qtc_ms": 440})).value is False


# ------------------------------------------------------------------ therapy

GP_TORI = {
    "kind": "regimen",
    "name": "gemcitabine + cisplatin + toripalimab",
    "drugs": ["gemcitabine", "cisplatin", "toripalimab"],
    "setting": "recurrent",
    "line": 1,
    "cycles": 6,
    "start": "2023-10-01",
    "end": "2024-01-20",
    "best_response": "PR",
}
CCRT = {
    "kind": "drug",
    "name": "cisplatin",
    "setting": "concurrent",
    "start": "2021-06-20",
    "end": "2021-08-05",
}


def test_toripalimab_is_a_pd1_inhibitor_with_response_and_cycles() -> None:
    p = prof(treatments=[GP_TORI])
    a = PriorTherapyAtom(
        drug_class="pd1_inhibitor", response=["CR", "PR"], min_cycles=4, max_cycles=6
    )
    o = ev(a, p)
    assert o.value is True and "treatments[0]" in o.evidence[0]
    # PR is not CR; the record may still hold another PD-1 course: unknown, not no
    assert ev(PriorTherapyAtom(drug_class="pd1_inhibitor", response=["CR"]), p).value is None


def test_curative_platinum_counts_as_platinum_but_not_as_a_line() -> None:
    p = prof(treatments=[CCRT])
    assert ev(PriorTherapyAtom(drug_class="platinum"), p).value is True
    line1 = ev(PriorTherapyAtom(drug_class="platinum", line=1), p)
    assert line1.value is None  # not this one; silence about any other therapy
    assert (
        ev(
            PriorTherapyAtom(regimen="platinum_doublet", line=1), prof(treatments=[CCRT, GP_TORI])
        ).value
        is True
    )


def test_prior_therapy_silence_and_negatives() -> None:
    a = PriorTherapyAtom(drug_class="pd1_inhibitor")
    o = ev(a, prof())
    assert o.value is None and o.missing[0].question == "Has the patient had a PD-1 inhibitor?"
    assert ev(a, prof(negatives=["PD-1 inhibitor"])).value is False


def test_a_narrow_negative_does_not_settle_a_broader_question() -> None:
    # "No chemotherapy for recurrent disease" says nothing about curative chemotherapy.
    a = PriorTherapyAtom(modality="chemotherapy")
    narrow = prof(negatives=["chemotherapy for recurrent disease"])
    assert ev(a, narrow).value is None
    # A negative at least as broad as the question settles it; generic words don't narrow it.
    assert ev(a, prof(negatives=["prior chemotherapy"])).value is False
    hiv = InfectionAtom(pathogen="HIV")
    assert ev(hiv, prof(negatives=["HIV infection"])).value is False


def test_major_surgery_within_4_weeks() -> None:
    a = PriorTherapyAtom(modality="surgery", within_days=28, major=True)
    recent = {"kind": "surgery", "name": "neck dissection", "major": True, "date": "2026-05-15"}
    old = {**recent, "date": "2022-01-15"}
    assert ev(a, prof(treatments=[recent])).value is True
    assert ev(a, prof(treatments=[old])).value is None  # that one is old; others unknown


def test_recurrence_more_than_one_year_after_curative_radiotherapy() -> None:
    a = TimeRelationAtom(event="recurrence", reference="radical_treatment", min_days=365)
    rt = {
        "kind": "radiotherapy",
        "name": "IMRT",
        "intent": "curative",
        "start": "2021-06-20",
        "end": "2021-08-05",
    }
    assert ev(a, prof(treatments=[rt], recurrence={"date": "2023-09-01"})).value is True
    assert ev(a, prof(treatments=[rt], recurrence={"date": "2022-03-01"})).value is False
    o = ev(a, prof(recurrence={"date": "2023-09-01"}))
    assert o.value is None and o.missing


# ------------------------------------------------------------------ the rest


def test_age_sex_pregnancy() -> None:
    assert ev(AgeAtom(min_years=18, max_years=70), prof(birth_date="1955-05-01")).value is False
    assert ev(AgeAtom(min_years=18, max_years=70), prof(birth_date="1955-06-02")).value is True
    assert ev(AgeAtom(min_years=18, max_years=70), prof(age=70)).value is True
    o = ev(ReproductiveAtom(state="pregnant"), prof(sex="male"))
    assert o.na and "male" in o.reason
    assert ev(ReproductiveAtom(state="pregnant"), prof(sex="female")).value is None
    assert ev(ReproductiveAtom(state="pregnant"), prof(sex="female", pregnant=False)).value is False


def test_other_malignancy_window_and_exceptions() -> None:
    a = ConditionAtom(
        condition="other_malignancy", within_days=5 * 365, exceptions=["basal cell carcinoma"]
    )
    bcc = {
        "name": "basal cell carcinoma",
        "status": "resolved",
        "date": "2022-02-01",
        "treated": True,
    }
    assert ev(a, prof(conditions=[bcc])).value is False
    crc = {"name": "colon cancer", "status": "resolved", "date": "2019-01-01"}
    assert ev(a, prof(conditions=[crc])).value is False  # > 5 years ago
    assert ev(a, prof(conditions=[{**crc, "date": "2024-01-01"}])).value is True
    assert ev(a, prof()).value is None


def test_review_and_unparsed() -> None:
    r = ev(ReviewAtom(reason="investigator_judgment"), prof())
    assert r.value is None and r.review
    u = ev(UnparsedAtom(text="something odd"), prof())
    assert u.value is None and not u.review
    assert u.reason == "criterion not understood by the parser; check by hand"


def test_as_of_is_the_clock() -> None:
    a = PriorTherapyAtom(modality="surgery", within_days=28)
    s = {"kind": "surgery", "name": "biopsy", "date": "2026-05-15"}
    p = prof(treatments=[s])
    assert ev(a, p).value is True
    later = p.model_copy(update={"as_of": dt.date(2026, 9, 1)})
    assert ev(a, later).value is None
