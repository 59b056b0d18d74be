"""Clinical atom families (session 2): infections, measurements, conditions, reproductive
state and review cues, read from real criterion sentences (NCT id of the source in each case)."""

from __future__ import annotations

from typing import Any

import pytest

from parse_helpers import atom_dicts, parse_one
from trialscout.criteria.atoms import (
    AndNode,
    IfNode,
    MeasurementAtom,
    NotNode,
    OrNode,
    iter_atoms,
)


def parse(text: str, kind: str = "exclusion") -> tuple[Any, bool]:
    return parse_one(text, kind)


def leaves(expr: Any) -> list[Any]:
    return list(iter_atoms(expr))


def atoms(text: str, kind: str = "exclusion", typ: str | None = None) -> list[dict[str, Any]]:
    return atom_dicts(text, kind, typ)


def infections(text: str, kind: str = "exclusion") -> list[tuple[str, str | None, str]]:
    return [(a["pathogen"], a.get("marker"), a["status"]) for a in atoms(text, kind, "infection")]


# ------------------------------------------------------------------ infections


def test_hepatitis_b_or_c_gives_both_pathogens() -> None:
    # NCT01905592 exc-8, NCT01321008 exc-1
    assert infections("Known active Hepatitis B or C") == [
        ("HBV", None, "active"),
        ("HCV", None, "active"),
    ]
    text = "Patients with active Hepatitis B and/or Hepatitis C infection."
    assert infections(text) == [("HBV", None, "active"), ("HCV", None, "active")]
    assert parse(text)[1]


def test_history_of_distributes_over_the_pathogen_list() -> None:
    # NCT01045421 exc-17
    text = (
        "Known history of human immunodeficiency virus (HIV) infection, hepatitis B, or hepatitis C"
    )
    assert infections(text) == [
        ("HIV", None, "history"),
        ("HBV", None, "history"),
        ("HCV", None, "history"),
    ]


def test_seropositive_for_or_active_reads_positive_and_vaccine_is_not_infection() -> None:
    # NCT01202890 exc-3
    text = (
        "Known seropositive for or active viral infection with human immunodeficiency virus "
        "(HIV), hepatitis B virus (HBV) or hepatitis C virus (HCV). Patients who are "
        "seropositive because of hepatitis B virus vaccine are eligible."
    )
    assert infections(text) == [
        ("HIV", None, "positive"),
        ("HBV", None, "positive"),
        ("HCV", None, "positive"),
    ]
    assert not atoms(text, typ="condition")  # "viral infection with" belongs to the pathogens


def test_viral_hepatitis_is_hbv_or_hcv() -> None:
    # NCT02200614 exc-16
    expr, _ = parse(
        "Active viral hepatitis, active human immunodeficiency virus (HIV) or chronic liver "
        "disease."
    )
    inf = [(a.pathogen, a.status) for a in leaves(expr) if a.type == "infection"]
    assert inf == [("HBV", "active"), ("HCV", "active"), ("HIV", "active")]
    assert isinstance(expr, OrNode)


def test_history_of_active_tb_is_active() -> None:
    # NCT07332247 exc-6
    text = "Known history of active pulmonary tuberculosis (TB)."
    assert infections(text) == [("TB", None, "active")]


def test_other_pathogen_from_table() -> None:
    # NCT01083537 exc-8
    text = "Patients with concurrent active infections with Clostridium Difficile."
    assert ("OTHER", "clostridium_difficile", "active") in infections(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Signed HIV testing consent", "inclusion"),  # NCT02427893 inc-2
        ("cimetidine, aprepitant, HIV protease inhibitors, nefazodone", "exclusion"),  # NCT02037230
        ("CT Abdomen: confirms diagnosis and aids in determining the location", "inclusion"),
    ],
)
def test_pathogen_words_that_are_not_an_infection(text: str, kind: str) -> None:
    assert infections(text, kind) == []


def test_testing_list_is_not_a_marker_requirement() -> None:
    # NCT03121716 exc-13
    text = (
        "Evidence of hepatitis B virus (HBV) or hepatitis C virus (HCV) infection or risk of "
        "reactivation based on institutional guidelines and tests. Testing may include the "
        "following: HBV DNA, HCV RNA, hepatitis B surface antigen, or anti-Hepatitis B core "
        "antibody."
    )
    assert infections(text) == [("HBV", None, "active"), ("HCV", None, "active")]


# ------------------------------------------------------------------ measurements


def meas(text: str, kind: str = "exclusion") -> list[tuple[str, str, float, str | None]]:
    return [
        (a["name"], a["comparator"], a["value"], a.get("unit"))
        for a in atoms(text, kind, "measurement")
    ]


def test_systolic_and_diastolic_with_their_own_limits() -> None:
    # NCT02853331
    text = (
        "Has poorly controlled hypertension defined as systolic blood pressure (SBP) ≥150 mm Hg "
        "and/or diastolic blood pressure (DBP) ≥90 mm Hg."
    )
    assert meas(text) == [
        ("systolic_blood_pressure", ">=", 150, "mm[Hg]"),
        ("diastolic_blood_pressure", ">=", 90, "mm[Hg]"),
    ]
    assert parse(text)[1]
    cond = atoms(text, typ="condition")
    assert cond and cond[0]["condition"] == "hypertension" and cond[0]["status"] == "uncontrolled"


def test_blood_pressure_pair_over_is_either_under_is_both() -> None:
    # NCT00392665 "Blood pressure > 150/100mmHg"; NCT00074308 "less than 150/100 mm Hg"
    over, ok = parse("Blood pressure > 150/100mmHg")
    assert ok and isinstance(over, OrNode)
    assert [(a.name, a.value) for a in leaves(over)] == [
        ("systolic_blood_pressure", 150),
        ("diastolic_blood_pressure", 100),
    ]
    under, _ = parse("Blood pressure less than 150/100 mm Hg", "inclusion")
    assert isinstance(under, AndNode)
    assert {a.comparator for a in leaves(under) if a.type == "measurement"} == {"<"}


def test_value_before_the_pressure_name() -> None:
    # NCT02406521
    text = (
        "uncontrolled hypertension defined as sustained BP > 150 mm Hg systolic or > 100 mm Hg "
        "diastolic despite optimal antihypertensive treatment."
    )
    assert meas(text) == [
        ("systolic_blood_pressure", ">", 150, "mm[Hg]"),
        ("diastolic_blood_pressure", ">", 100, "mm[Hg]"),
    ]
    assert parse(text)[1]


def test_second_limit_on_the_same_name() -> None:
    # NCT02154776
    assert meas("Systolic blood pressure >160 or <90 mmHg") == [
        ("systolic_blood_pressure", ">", 160, "mm[Hg]"),
        ("systolic_blood_pressure", "<", 90, "mm[Hg]"),
    ]


def test_names_in_a_list_share_one_limit() -> None:
    # NCT02043860 inc-9
    text = "Pulmonary: DLCO, FEV1, FVC >50% of predicted"
    assert meas(text, "inclusion") == [
        ("dlco", ">", 50, "%"),
        ("fev1", ">", 50, "%"),
        ("fvc", ">", 50, "%"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NCT02275286
        (
            "Normal cardiac function with a LVEF ≥ 50% by echocardiogram or MUGA.",
            ("lvef", ">=", 50),
        ),
        # NCT01321008 inc-5
        (
            "Left ventricular ejection fraction must be evaluated by nuclear medicine scan or "
            "echocardiography and measure >/= 50%.",
            ("lvef", ">=", 50),
        ),
        # NCT00337194
        ("Corrected diffusion capacity of carbon monoxide (DLCO) >= 50%", ("dlco", ">=", 50)),
        # NCT02348489
        ("Forced expiratory volume in 1 second (FEV1) ≤65% of expected.", ("fev1", "<=", 65)),
        # NCT00003926 inc-27
        ("Cardiac shortening fraction greater than 30%", ("shortening_fraction", ">", 30)),
        # NCT01296568
        (
            "Have a QTc interval of >500 milliseconds (msec) on the screening "
            "electrocardiogram (ECG)",
            ("qtc", ">", 500),
        ),
        # NCT02200614 inc-3
        (
            "Prostate-specific Antigen (PSA) doubling time of ≤ 10 months",
            ("psa_doubling_time", "<=", 10),
        ),
    ],
)
def test_measurement_with_method_words_fully_parsed(
    text: str, expected: tuple[str, str, float]
) -> None:
    got = [(n, c, v) for n, c, v, _ in meas(text, "inclusion")]
    assert got == [expected]
    assert parse(text, "inclusion")[1]


def test_qtc_sex_after_value_is_an_if_on_sex() -> None:
    # NCT02451943
    text = (
        "The participant has a QT interval calculated using Bazett's formula (QTcB) interval of "
        ">450 milliseconds (msec) for males and >470 msec for females on screening "
        "electrocardiogram (ECG)."
    )
    expr, ok = parse(text)
    assert isinstance(expr, IfNode) and ok
    assert expr.cond.type == "sex" and expr.cond.sex == "male"
    assert isinstance(expr.then, MeasurementAtom) and expr.then.value == 450
    assert isinstance(expr.otherwise, MeasurementAtom) and expr.otherwise.value == 470


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        # NCT02199223
        ("Patients with severe hepatic impairment (Child-Pugh Class C).", [(">=", 10)]),
        # NCT02154646
        ("Presence of liver cirrhosis with Child-Pugh Stage of B or C.", [(">=", 7)]),
        ("Child-Pugh A or B7", [("<=", 7)]),
        ("Cirrhosis at a level of Child-Pugh B (or worse)", [(">=", 7)]),  # NCT02359058 exc-7
    ],
)
def test_child_pugh_class_as_score_limits(text: str, limits: list[tuple[str, float]]) -> None:
    got = [(c, v) for n, c, v, _ in meas(text) if n == "child_pugh_score"]
    assert got == limits


def test_weight_loss_is_not_a_weight_limit() -> None:
    # session 3: weight loss is a measurement of its own (percent), never a body-weight limit
    got = meas("Weight loss > 10% within 3 months")
    assert [g[0] for g in got] == ["weight_loss"]


# ------------------------------------------------------------------ conditions


def conds(text: str, kind: str = "exclusion") -> list[str]:
    return [a["condition"] for a in atoms(text, kind, "condition")]


def test_organ_adjectives_sharing_one_head_noun() -> None:
    # NCT07062484 exc-7
    text = (
        "individuals that had serious kidney, heart, blood, nervous system, or liver diseases "
        "or psychiatric disorders;"
    )
    assert conds(text) == [
        "kidney_disease",
        "cardiovascular_disease",
        "hematologic_disease",
        "neurological_disease",
        "liver_disease",
        "psychiatric_disorder",
    ]
    assert parse(text)[1]
    # NCT02627963 exc-4
    text = (
        "Significant hematologic, gastrointestinal, thromboembolic, vascular, bleeding, or "
        "coagulation disorders."
    )
    assert conds(text)[:4] == [
        "hematologic_disease",
        "gi_disease",
        "thromboembolism",
        "vascular_disease",
    ]


def test_including_but_not_limited_to_is_not_an_exception() -> None:
    # NCT00081887 exc-7
    text = (
        "Other significant medical condition that compromises safety, compliance or study "
        "conduct, including but not limited to uncontrolled hypertension, unstable angina, "
        "congestive heart failure, myocardial infarction within 6 months, ventricular "
        "arrhythmia, diabetes, active infection, pulmonary fibrosis, and chronic hepatitis"
    )
    found = atoms(text, typ="condition")
    assert {"hypertension", "unstable_angina", "heart_failure", "diabetes"} <= {
        a["condition"] for a in found
    }
    assert not any(a.get("exceptions") for a in found)
    mi = next(a for a in found if a["condition"] == "myocardial_infarction")
    assert mi["within_days"] == 180


def test_control_words_around_a_condition_are_covered() -> None:
    # NCT00600210
    text = (
        "Inadequately controlled hypertension (defined as systolic blood pressure >150 and/or "
        "diastolic blood pressure > 100 mmHg on antihypertensive medications)"
    )
    expr, ok = parse(text)
    assert ok
    hyp = next(a for a in leaves(expr) if a.type == "condition")
    assert hyp.status == "uncontrolled"


def test_bare_malignancy_in_an_inclusion_is_the_trial_cancer() -> None:
    # NCT00215605 inc-1
    text = (
        "Histologically confirmed advanced malignancy (solid tumor or lymphoma) that is "
        "metastatic or unresectable"
    )
    assert "other_malignancy" not in conds(text, "inclusion")
    # NCT00398567 exc-2: "other cancer therapy" is a therapy
    text = "Major surgery, chemotherapy, Herceptin or other cancer therapy within 2 weeks"
    assert "other_malignancy" not in conds(text)


def test_infection_requiring_antibiotics() -> None:
    expr, ok = parse("Active infection requiring intravenous antibiotics within 14 days")
    assert ok
    a = next(x for x in leaves(expr) if x.type == "condition")
    assert a.requires_systemic_treatment is True and a.within_days == 14


# ------------------------------------------------------------------ reproductive and review


def test_childbearing_potential_alone_is_not_contraception() -> None:
    # NCT01321008 inc-8
    text = (
        "Female patients of childbearing potential must have a negative serum pregnancy test "
        "(BhCG) within 2 weeks of protocol entry."
    )
    expr, ok = parse(text, "inclusion")
    assert ok and isinstance(expr, NotNode)
    assert [a["state"] for a in atoms(text, "inclusion", "reproductive")] == ["pregnant"]


def test_contraception_sentence_has_no_pregnancy_or_compliance_atom() -> None:
    # NCT01321008 inc-7
    text = (
        "Female patients must be willing to use two adequate barrier methods of contraception "
        "to prevent pregnancy or agree to abstain from heterosexual activity throughout the "
        "study or be post menopausal (free from menses > two years or surgically sterilized)."
    )
    got = atoms(text, "inclusion")
    assert [a["type"] for a in got] == ["reproductive"]
    assert got[0]["state"] == "contraception"


def test_hope_to_become_pregnant() -> None:
    # NCT00209612 exc-14
    text = "Patients who are pregnant and lactating or hope to become pregnant during the study"
    assert "planning_pregnancy" in [a["state"] for a in atoms(text, typ="reproductive")]


def reasons(text: str, kind: str = "exclusion") -> list[str]:
    return [a["reason"] for a in atoms(text, kind, "review")]


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        # NCT01083537 inc-6
        (
            "Ability to understand and the willingness to sign a written informed consent "
            "document.",
            "inclusion",
            ["consent"],
        ),
        # NCT01440127 exc-14
        (
            "Psychiatric illness or social situation that would limit compliance with study "
            "requirements and/or obscure results",
            "exclusion",
            ["compliance"],
        ),
        # NCT02801487 exc-7
        ("Refusal of the patient to participate into the study", "exclusion", ["consent"]),
        # NCT01992952 inc-12
        ("Patient willing to donate archival tumour sample", "inclusion", ["consent"]),
        # NCT02383966 exc-7
        ("Legal incapacity or limited legal capacity", "exclusion", ["consent"]),
        # NCT01171924 inc-18
        (
            "Able to render informed consent and to follow protocol requirements.",
            "inclusion",
            ["consent", "compliance"],
        ),
        # NCT02383966 inc-6
        ("Other protocol-defined inclusion criteria could apply", "inclusion", ["other"]),
    ],
)
def test_review_reasons(text: str, kind: str, expected: list[str]) -> None:
    assert reasons(text, kind) == expected


def test_adequate_function_defined_by_limits_has_no_review_note() -> None:
    # NCT00081887 inc-3
    text = (
        "Adequate liver function (total bilirubin <= 1.5 x ULN, SGPT <= 2.5 x ULN) and renal "
        "function (serum creatine <= 1.5 x ULN)."
    )
    assert reasons(text, "inclusion") == []
    assert parse(text, "inclusion")[1]


@pytest.mark.parametrize(
    ("text", "ident", "nyha"),
    [
        # NCT02092363
        ("New York Heart Association Classification III or IV", "heart_failure", 3),
        # NCT02055690
        (
            "Class III or IV congestive heart failure, as defined by the New York Heart "
            "Association (NYHA) (Appendix 4)",
            "heart_failure",
            3,
        ),
        # NCT00448305 exc-6 (gold: NYHA grades heart failure)
        ("Clinically significant cardiac disease (NYHA stadium > 2)", "heart_failure", 3),
        # NCT00379080
        ("No New York Heart Association class III or IV heart failure", "heart_failure", 3),
    ],
)
def test_nyha_class(text: str, ident: str, nyha: int) -> None:
    got = atoms(text, typ="condition")
    assert [(a["condition"], a.get("nyha_min")) for a in got] == [(ident, nyha)]
    assert parse(text)[1]


def test_permitted_sentence_gives_exceptions() -> None:
    # NCT02989870
    text = (
        "Active autoimmune disease; Patients with type I diabetes mellitus, hypothyroidism "
        "requiring only hormone replacement, psoriasis not requiring systemic treatment, or "
        "vitiligo are permitted for enrollment."
    )
    got = atoms(text, typ="condition")
    assert len(got) == 1 and got[0]["condition"] == "autoimmune_disease"
    assert "vitiligo" in got[0]["exceptions"]
    assert parse(text)[1]


def test_lettered_exception_list() -> None:
    # NCT00150462
    text = (
        "Non-hematologic malignancy within the past three years except a) adequately treated "
        "basal cell or squamous cell skin cancer, b) carcinoma in situ of the cervix, or c) "
        "prostate cancer with stable prostate specific antigen (PSA) levels for three years"
    )
    got = atoms(text, typ="condition")
    assert [a["condition"] for a in got] == ["other_malignancy"]
    assert got[0]["within_days"] == 1095
    assert "carcinoma in situ of the cervix" in got[0]["exceptions"]
    assert parse(text)[1]


def test_autoimmune_examples_are_not_separate_atoms() -> None:
    # NCT03121716 exc-1 (shortened)
    text = (
        "Subjects with any active autoimmune disease or history of autoimmune disease, "
        "including but not limited to the following: rheumatoid arthritis, colitis, hepatitis"
    )
    expr, _ = parse(text)
    texts = [a.text for a in leaves(expr) if a.type == "condition"]
    assert texts == ["autoimmune disease", "autoimmune disease"]  # active / history


def test_contraception_template_wording_is_covered() -> None:
    # NCT02442739 / NCT00329719 (NCI template)
    text = (
        "Women of child-bearing potential and men must agree to use adequate contraception "
        "(hormonal or barrier method of birth control; abstinence) prior to study entry and "
        "for the duration of study participation. Should a woman become pregnant or suspect "
        "she is pregnant while she or her partner is participating in this study, she should "
        "inform her treating physician immediately."
    )
    _expr, ok = parse(text, "inclusion")
    assert ok
    assert [a["state"] for a in atoms(text, "inclusion", "reproductive")] == ["contraception"]


def test_postmenopausal_alone_is_not_a_contraception_atom() -> None:
    text = "Postmenopausal women with hormone receptor positive breast cancer"
    assert atoms(text, "inclusion", "reproductive") == []


@pytest.mark.parametrize(
    "text",
    [
        "QTc > 470 ms",
        "left ventricular ejection fraction >= 50%",
        "fractional shortening >= 28%",
        "body mass index < 35 kg/m2",
        "body weight >= 40 kg",
        "height >= 150 cm",
        "oxygen saturation >= 92%",
        "forced expiratory volume in one second >= 60%",
        "forced vital capacity >= 50%",
        "diffusing capacity of the lung for carbon monoxide >= 50%",
        "systolic > 160 mm Hg",
        "blood pressure > 150/100 mmHg",
        "temperature > 38.5 °C",
        "resting heart rate < 50 bpm",
        "prostate-specific antigen doubling time <= 10 months",
        "Breslow thickness > 1 mm",
        "mitotic rate >= 1/mm2",
        "Child-Pugh class A",
    ],
)
def test_measurement_gate_lets_every_table_spelling_through(text: str) -> None:
    from trialscout.criteria.extractors.base import wanted
    from trialscout.criteria.extractors.clinical import extract_measurements

    assert wanted(extract_measurements, text.lower())
    assert meas(text, "inclusion"), text
