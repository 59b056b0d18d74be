"""Clinical atoms, session 3: conditions, measurements, reproductive state and review cues
read from real criterion sentences (the gold trial or NCT id of the source in each case),
and the matcher reading the new atoms as unknown when the patient file is silent."""

from __future__ import annotations

from typing import Any

import pytest

from parse_helpers import atom_dicts, fully_parsed, parse_one
from trialscout.criteria.atoms import ConditionAtom, MeasurementAtom, NotNode, iter_atoms
from trialscout.criteria.extractors import clinical
from trialscout.criteria.extractors.base import Ctx as Ctx_
from trialscout.criteria.normalize import normalize
from trialscout.match.engine import evaluate
from trialscout.match.evaluators.common import Ctx
from trialscout.match.policy import MatchPolicy
from trialscout.patient.profile import PatientProfile


def parse(text: str, kind: str = "exclusion") -> tuple[Any, bool]:
    return parse_one(text, kind)


def atoms(text: str, kind: str = "exclusion", typ: str | None = None) -> list[dict[str, Any]]:
    return atom_dicts(text, kind, typ)


def fully(text: str, kind: str = "exclusion") -> bool:
    return fully_parsed(text, kind)


def conditions(text: str, kind: str = "exclusion") -> list[str]:
    return [a["condition"] for a in atoms(text, kind, "condition")]


def reasons(text: str, kind: str = "exclusion") -> list[str]:
    return [a["reason"] for a in atoms(text, kind, "review")]


def measures(text: str, kind: str = "exclusion") -> list[tuple[str, str, float, str | None]]:
    return [
        (a["name"], a["comparator"], a["value"], a.get("unit"))
        for a in atoms(text, kind, "measurement")
    ]


def prof(**kw: Any) -> PatientProfile:
    return PatientProfile.model_validate({"as_of": "2026-06-01", **kw})


# ----------------------------------------------------------------- no limit: unparsed


@pytest.mark.parametrize(
    "text",
    [
        "Adequate renal function",  # NCT00101907 inc-6
        "Adequate bone marrow, liver and kidney function",  # NCT00193128 inc-7
    ],
)
def test_adequate_function_without_limits_stays_unparsed(text: str) -> None:
    expr, _ = parse(text, "inclusion")
    assert not fully(text, "inclusion")
    assert [a.type for a in iter_atoms(expr)] == ["unparsed"]


def test_organ_dysfunction_without_an_organ_is_unparsed() -> None:
    # NCT07062484 exc-6: the gold marks "severe organ dysfunction" unparsed (no limit)
    expr, _ = parse("severe organ dysfunction or not suitable for chemoradiotherapy;")
    assert not fully("severe organ dysfunction or not suitable for chemoradiotherapy;")
    assert "organ_dysfunction" not in conditions(
        "severe organ dysfunction or not suitable for chemoradiotherapy;"
    )
    assert any(a.type == "unparsed" for a in iter_atoms(expr))


def test_abbreviation_in_brackets_is_not_a_review_note() -> None:
    # NCT02532114 inc-8
    text = "Documented metastatic disease on bone scan, computed tomography (CT) scan or MRI"
    assert reasons(text, "inclusion") == []
    assert parse(text, "inclusion")[1]


# ----------------------------------------------------------------- conditions


def test_one_condition_named_twice_in_a_row_is_one_atom() -> None:
    # NCT00209612 exc-7, NCT03121716 exc-9
    assert conditions(
        "Patients with concurrent psychiatric disease or psychotic symptoms, and judged to "
        "have difficulties participating in the study"
    ) == ["psychiatric_disorder"]
    assert conditions(
        "clinically significant supraventricular arrhythmia or ventricular arrhythmia "
        "requiring treatment or intervention;"
    ) == ["arrhythmia"]


def test_exceptions_go_to_the_later_mention_and_are_not_conditions() -> None:
    # NCT07332247 exc-5
    got = atoms(
        "Active autoimmune disease or history of autoimmune disease requiring systemic "
        "treatment (e.g., corticosteroids, immunosuppressants) within the past 2 years, except "
        "for stable hypothyroidism, type 1 diabetes mellitus, or resolved childhood asthma/atopy.",
        typ="condition",
    )
    assert [a["condition"] for a in got] == ["autoimmune_disease", "autoimmune_disease"]
    assert got[0]["status"] == "active" and not got[0].get("exceptions")
    assert got[1]["status"] == "history" and got[1]["within_days"] == 730
    assert len(got[1]["exceptions"]) == 3


def test_examples_of_an_autoimmune_class_and_a_permitted_sentence() -> None:
    # NCT03121716 exc-1 (shortened)
    got = atoms(
        "Subjects with any active autoimmune disease or history of autoimmune disease, or "
        "history of syndrome that requires systemic steroids or immunosuppressive medications, "
        "including but not limited to the following: rheumatoid arthritis, pneumonitis, colitis "
        "(inflammatory bowel disease), hepatitis, hypophysitis, nephritis, hyperthyroidism, and "
        "hypothyroidism, except for subjects with vitiligo or resolved childhood asthma/atopy. "
        "Subjects with hypothyroidism stable on hormone replacement will not be excluded.",
        typ="condition",
    )
    assert [a["condition"] for a in got] == [
        "autoimmune_disease",
        "autoimmune_disease",
        "immune_condition_requiring_steroids",
    ]
    assert "vitiligo" in got[2]["exceptions"] and "hypothyroidism" in got[2]["exceptions"]


def test_a_judged_medical_condition_is_the_review_not_a_condition() -> None:
    # NCT02136134 exc-6: the example keeps its atom; NCT03121716 exc-12: organ classes named
    # as examples of "any other medical" condition are not atoms
    text = (
        "Has any concurrent medical condition or disease (eg, active systemic infection) that "
        "is likely to interfere with study procedures"
    )
    assert conditions(text) == ["active_infection"]
    assert reasons(text) == ["investigator_judgment"]
    text = (
        "Any other medical (eg, pulmonary, metabolic, congenital, endocrinal, or CNS disease), "
        "psychiatric, or social condition deemed by the investigator to be likely to interfere "
        "with a subject's rights"
    )
    _, ok = parse(text)
    assert conditions(text) == [] and ok
    assert reasons(text) == ["investigator_judgment"]


def test_specific_conditions_beside_a_preclude_clause_are_kept() -> None:
    # NCI template wording; "preclude" is the investigator's judgment
    text = (
        "No medical illness, psychiatric illness, or non-malignant systemic disease that "
        "would preclude study treatment"
    )
    assert "psychiatric_disorder" in conditions(text)
    assert reasons(text) == ["investigator_judgment"]
    assert parse(text)[1]


@pytest.mark.parametrize(
    ("text", "ident", "nyha"),
    [
        ("Clinically significant cardiac disease (NYHA stadium > 2)", "heart_failure", 3),
        (
            "History of cardiac disease with a New York Heart Association (NYHA) Class II or "
            "greater congestive heart failure (CHF)",
            "heart_failure",
            2,
        ),
    ],
)
def test_nyha_grades_heart_failure(text: str, ident: str, nyha: int) -> None:
    got = atoms(text, typ="condition")
    assert [(a["condition"], a.get("nyha_min")) for a in got] == [(ident, nyha)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NCT02627963 exc-4: the list reads "bleeding" as a bleeding disorder
        (
            "Significant hematologic, gastrointestinal, thromboembolic, vascular, bleeding, or "
            "coagulation disorders.",
            [
                "hematologic_disease",
                "gi_disease",
                "thromboembolism",
                "vascular_disease",
                "bleeding_diathesis",
                "coagulation_disorder",
            ],
        ),
        # NCT02359058 exc-1
        (
            "A significant bleeding disorder, vasculitis, or had a significant bleeding episode "
            "from the gastrointestinal tract within 12 weeks prior to enrollment.",
            ["bleeding_diathesis", "vasculitis", "gi_hemorrhage"],
        ),
        # NCT00314977 exc-2 (misspelt), NCT00209612 exc-3 (translation of interstitial)
        (
            "Serious other diseases as recent myocardial infarction or clinically significant "
            "arrythmias",
            ["myocardial_infarction", "arrhythmia"],
        ),
        (
            "Patients with no serious concurrent complications (such as heart disease, "
            "Intestinal pneumonia)",
            ["cardiovascular_disease", "interstitial_lung_disease"],
        ),
        # NCT00372515 exc-5
        (
            "Active gastrointestinal disease or disorder that alters gastrointestinal motility "
            "or absorption",
            ["gi_malabsorption"],
        ),
        # NCT01083537 exc-1, exc-8: a cause and a named pathogen are not conditions
        ("Patients diagnosed with MBO caused by malignancy other than primary ovarian cancer.", []),
        ("Patients with concurrent active infections with Clostridium Difficile.", []),
        # NCT00610571 exc-1: toxicity to the fetus is the reason for contraception
        (
            "Pregnant or breast feeding women. This therapy may be associated with potential "
            "toxicity to the fetus or child",
            [],
        ),
        # NCI template
        ("No significant traumatic injury within the past 21 days", ["traumatic_injury"]),
        # NCT00448305 exc-5: organ adjectives in brackets after the head noun
        (
            "Uncontrolled inflammatory disease (autoimmune or infectious)",
            ["autoimmune_disease", "active_infection"],
        ),
    ],
)
def test_condition_readings(text: str, expected: list[str]) -> None:
    assert conditions(text) == expected


def test_able_to_swallow_is_not_dysphagia() -> None:
    # NCT02427893 inc-4
    expr, ok = parse("Able to swallow pills", "inclusion")
    assert ok
    assert isinstance(expr, NotNode)
    assert isinstance(expr.arg, ConditionAtom) and expr.arg.condition == "dysphagia"
    assert reasons("Able to swallow pills", "inclusion") == []


def test_history_distributes_over_an_or_list() -> None:
    # NCT00101907 exc-4
    got = atoms(
        "History of interstitial pneumonitis or pulmonary fibrosis or evidence of interstitial "
        "pneumonitis or pulmonary fibrosis on screening chest computed tomograph (CT) scan",
        typ="condition",
    )
    assert [(a["condition"], a["status"]) for a in got] == [
        ("pneumonitis", "history"),
        ("pulmonary_fibrosis", "history"),
        ("pneumonitis", "active"),
        ("pulmonary_fibrosis", "active"),
    ]


# ----------------------------------------------------------------- measurements


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (
            "Subjects with at least 1 but no more than 3 lesions in the liver may be considered",
            "inclusion",
            [("liver_lesion_count", ">=", 1.0, None), ("liver_lesion_count", "<=", 3.0, None)],
        ),
        (
            "Subjects with lesions larger than 8 cm in diameter and more than 40% of parenchymal "
            "disease involvement;",
            "exclusion",
            [("lesion_diameter", ">", 8.0, "cm"), ("liver_involvement", ">", 40.0, "%")],
        ),
        (
            "2 or more sites of metastatic disease",
            "inclusion",
            [("metastatic_site_count", ">=", 2.0, None)],
        ),
        (
            "Palpable lymph node ≥1.5 cm in diameter",
            "exclusion",
            [("lymph_node_diameter", ">=", 1.5, "cm")],
        ),
        (
            "Skin lesion involvement of at least 3% of BSA",
            "inclusion",
            [("skin_involvement_bsa", ">=", 3.0, "%")],
        ),
        (
            "Active infection or an unexplained fever; 38.5℃ during screening visits",
            "exclusion",
            [("body_temperature", ">", 38.5, "Cel")],
        ),
        (
            "No weight loss greater than 5% in the past 6 months",
            "inclusion",
            [("weight_loss", ">", 5.0, "%")],
        ),
        (
            "Forced expiratory volume (FEV)_1 at least 1.0 L",
            "inclusion",
            [("fev1", ">=", 1.0, "L")],
        ),
        (
            "Average systolic blood pressure of greater than 145 mm Hg",
            "exclusion",
            [("systolic_blood_pressure", ">", 145.0, "mm[Hg]")],
        ),
        # a measurable lesion's size is the measurable-disease definition, not a measurement
        ("At least one measurable lesion >= 10 mm by CT scan (RECIST 1.1)", "inclusion", []),
        # a size needs its unit
        ("Lymph node involvement in more than 3 regions", "exclusion", []),
    ],
)
def test_measurement_readings(
    text: str, kind: str, expected: list[tuple[str, str, float, str | None]]
) -> None:
    assert measures(text, kind) == expected


# ----------------------------------------------------------------- reproductive


def test_rule_out_pregnancy_is_a_test() -> None:
    expr, ok = parse(
        "all females of childbearing potential must have a blood test within 2 weeks prior to "
        "registration to rule out pregnancy",
        "inclusion",
    )
    assert ok
    assert isinstance(expr, NotNode)


def test_contraception_for_women_and_for_men() -> None:
    # NCT02449343 inc-6 (shortened): one requirement per sex from the extractor (the tree
    # builder merges identical atoms, so the parsed tree holds one)
    text = (
        "The woman patients of childbearing age who must agree to take contraceptive methods "
        "during the research; who are not in the lactation period and examined as negative in "
        "blood serum test or urine pregnancy test within 7 days before the research; The man "
        "patients who must agree to take contraceptive methods during the research"
    )
    n = normalize(text)
    ctx = Ctx_(n.text, n.text.lower(), "inclusion", n, text, 0)
    states = []
    for f in clinical.extract_reproductive(ctx):
        e = f.expr.arg if isinstance(f.expr, NotNode) else f.expr
        states.append(getattr(e, "state", None))
    assert sorted(s for s in states if s) == [
        "breastfeeding",
        "contraception",
        "contraception",
        "pregnant",
    ]


def test_pregnancy_test_explaining_pregnant_is_no_second_atom() -> None:
    # NCT00330252 exc-4
    got = atoms(
        "Pregnant (a negative serum pregnancy test should be performed for all women of "
        "childbearing potential within 7 days of treatment) or currently lactating women",
        typ="reproductive",
    )
    assert [a["state"] for a in got] == ["pregnant", "breastfeeding"]


def test_contraception_after_unless_is_read_in_its_part() -> None:
    text = (
        "Women of childbearing potential unless (1) surgically sterile or (2) using adequate "
        "measures of contraception in the opinion of the Investigator"
    )
    assert parse(text, "inclusion")[1]


# ----------------------------------------------------------------- review


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NCT01083537 exc-22
        (
            "Any other medical conditions that might be aggravated by treatment or limit "
            "compliance.",
            ["investigator_judgment", "compliance"],
        ),
        # NCT02200614 exc-18
        (
            "Any condition that in the opinion of the investigator would impair the patients' "
            "ability to comply with the study procedures.",
            ["compliance"],
        ),
        # NCT00415194 exc-2
        (
            "You cannot have a serious sickness that might keep you from finishing the study",
            ["investigator_judgment"],
        ),
        # NCT00626639 exc-8: long-term follow-up is a kind of trial, not compliance
        (
            "Current enrollment in another clinical trial is not permitted unless the sole "
            "purpose of the trial is for long-term follow-up/survival data",
            [],
        ),
        ("No other disease that would obscure toxicity", ["investigator_judgment"]),
        # NCT00081887 exc-7: compliance as one object of the judged verb is not a cue of its own
        (
            "Other significant medical condition that compromises safety, compliance or study "
            "conduct",
            ["investigator_judgment"],
        ),
    ],
)
def test_review_readings(text: str, expected: list[str]) -> None:
    assert reasons(text) == expected


def test_accessible_for_follow_up_is_compliance() -> None:
    # NCT00314977 inc-12
    text = "Patients must be accessible for treatment and follow-up"
    assert reasons(text, "inclusion") == ["compliance"]
    assert parse(text, "inclusion")[1]


# ----------------------------------------------------------------- matcher


@pytest.mark.parametrize(
    "atom",
    [
        ConditionAtom(condition="traumatic_injury", within_days=21),
        ConditionAtom(condition="breast_cancer", status="history"),
        MeasurementAtom(name="weight_loss", comparator=">", value=5, unit="%"),
        MeasurementAtom(name="lymph_node_diameter", comparator=">=", value=1.5, unit="cm"),
        MeasurementAtom(name="liver_lesion_count", comparator="<=", value=3),
        MeasurementAtom(name="metastatic_site_count", comparator=">=", value=2),
        MeasurementAtom(name="body_temperature", comparator=">", value=38.5, unit="Cel"),
        MeasurementAtom(name="fev1", comparator=">=", value=1.0, unit="L"),
    ],
)
def test_new_atoms_read_unknown_on_a_silent_record(atom: Any) -> None:
    p = prof(vitals={"weight_kg": 70, "systolic_bp": 120})
    assert evaluate(atom, Ctx(p, MatchPolicy())).value is None


def test_not_dysphagia_reads_unknown_then_decides() -> None:
    expr, _ = parse("Able to swallow pills", "inclusion")
    assert evaluate(expr, Ctx(prof(), MatchPolicy())).value is None
    p = prof(conditions=[{"name": "dysphagia", "status": "active"}])
    assert evaluate(expr, Ctx(p, MatchPolicy())).value is False


def test_following_conditions_will_not_be_excluded_are_exceptions() -> None:
    # NCT03121716 exc-1 (second sentence)
    got = atoms(
        "Subjects with any active autoimmune disease. Subjects with the following conditions "
        "will not be excluded from this study: asthma that requires intermittent use of "
        "bronchodilators, hypothyroidism stable on hormone replacement, vitiligo.",
        typ="condition",
    )
    assert [a["condition"] for a in got] == ["autoimmune_disease"]
    assert {"asthma", "hypothyroidism"} <= set(got[0]["exceptions"])


def test_nyha_before_heart_disease_keeps_the_heart_disease() -> None:
    # NCT00081887 exc-1 (gold: cardiovascular_disease with its NYHA class)
    got = atoms("Patients with NYHA >= grade 3 heart disease", typ="condition")
    assert [(a["condition"], a["nyha_min"]) for a in got] == [("cardiovascular_disease", 3)]
