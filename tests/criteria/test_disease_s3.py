"""Session 3, disease extractor: diagnosis, histology, status, measurable disease, timing."""

from __future__ import annotations

from typing import Any

import pytest

from trialscout.criteria.atoms import iter_atoms
from trialscout.criteria.parser import parse_criteria


def parse(text: str, kind: str = "inclusion") -> list[Any]:
    head = "Inclusion Criteria:" if kind == "inclusion" else "Exclusion Criteria:"
    pc = parse_criteria(f"{head}\n- {text}\n", "NCT00000000")
    assert len(pc.criteria) == 1
    return pc.criteria


def atoms(text: str, typ: str | None = None, kind: str = "inclusion") -> list[dict[str, Any]]:
    crit = parse(text, kind)[0]
    out = [a.model_dump(exclude_none=True) for a in iter_atoms(crit.expr)]
    return [a for a in out if typ is None or a["type"] == typ]


def fully(text: str, kind: str = "inclusion") -> bool:
    return parse(text, kind)[0].fully_parsed


def dx(text: str, kind: str = "inclusion") -> list[tuple[str | None, list[str]]]:
    return [(a.get("cancer"), a.get("histologies", [])) for a in atoms(text, "diagnosis", kind)]


def statuses(text: str, kind: str = "inclusion") -> list[str]:
    return [a["status"] for a in atoms(text, "disease_status", kind)]


# ------------------------------------------------------------------ diagnosis


def test_extent_word_before_generic_cancer_is_solid_tumor_and_status() -> None:
    text = "Histologically or cytologically confirmed metastatic and/or advanced solid tumor"
    assert dx(text) == [("solid_tumor", [])]
    assert statuses(text) == ["metastatic", "advanced"]
    assert dx("Subjects with advanced cancer") == [("solid_tumor", [])]
    assert statuses("Subjects with advanced cancer") == ["advanced"]


def test_generic_cancer_in_exclusion_is_not_a_diagnosis() -> None:
    # "Metastatic disease or locally advanced cancer" (exclusion): the trial's own cancer's extent
    assert dx("Metastatic disease or locally advanced cancer", "exclusion") == []


def test_non_prefix_negates_the_term() -> None:
    assert dx("Non-medullary thyroid cancer") == [("thyroid_cancer", [])]
    assert dx("Medullary thyroid cancer") == [("medullary_thyroid_cancer", [])]


def test_head_and_neck_subsite_list_is_one_head_and_neck_cancer() -> None:
    text = (
        "Histologically proven squamous cell carcinoma of the oral cavity, oropharynx, "
        "hypopharynx or larynx"
    )
    assert dx(text) == [("head_and_neck_cancer", ["squamous_cell_carcinoma"])]
    assert fully(text)
    # the nasopharynx inside the list is no NPC diagnosis
    text2 = (
        "Squamous cell carcinoma involving either the oral cavity, oropharynx, nasopharynx, "
        "hypopharynx, or larynx"
    )
    assert [c for c, _ in dx(text2)] == ["head_and_neck_cancer"]


def test_separate_head_and_neck_sites_stay_separate() -> None:
    text = "Tumors of the lips, paranasal sinuses, salivary glands, or of unknown primary tumors"
    assert [c for c, _ in dx(text, "exclusion")] == [
        "lip_cancer",
        "paranasal_sinus_cancer",
        "salivary_gland_cancer",
        "unknown_primary",
    ]


def test_sarcoma_subtypes_are_histologies_of_the_listed_cancer() -> None:
    text = (
        "Histological documentation of Soft Tissue Sarcoma, including Synovial sarcoma, "
        "Leiomyosarcoma, Clear cell sarcoma, Epithelioid sarcoma"
    )
    got = atoms(text, "diagnosis")
    assert len(got) == 1
    assert got[0]["cancer"] == "soft_tissue_sarcoma"
    assert set(got[0]["histologies"]) == {"synovial", "leiomyosarcoma", "clear_cell", "epithelioid"}
    assert got[0]["confirmation"] == "histological"


def test_shared_head_noun_with_abbreviation() -> None:
    text = "Confirmed diagnosis of gastric or gastroesophageal junction (GEJ) adenocarcinoma"
    assert dx(text) == [
        ("gastric_cancer", ["adenocarcinoma"]),
        ("gastroesophageal_junction_cancer", ["adenocarcinoma"]),
    ]


def test_histology_belongs_to_the_cancer_after_of() -> None:
    text = (
        "Recurrent carcinoma of the nasopharynx, squamous cell carcinoma of unknown primary, "
        "and salivary gland carcinoma are not allowed"
    )
    got = dict(dx(text, "exclusion"))
    assert got["unknown_primary"] == ["squamous_cell_carcinoma"]
    assert got["nasopharyngeal_carcinoma"] == []


def test_histologies_after_without_are_separate_atoms() -> None:
    text = (
        "Histologically or cytologically confirmed adenocarcinoma of prostate without "
        "neuroendocrine differentiation or small cell features."
    )
    assert dx(text) == [
        ("prostate_cancer", ["adenocarcinoma"]),
        ("prostate_cancer", ["neuroendocrine"]),
        ("prostate_cancer", ["small_cell"]),
    ]
    assert fully(text)


def test_excluded_histologies_in_parentheses_are_one_atom() -> None:
    text = (
        "Confirmed RCC with a clear cell component (subjects with pure papillary cell tumor or "
        "collecting duct, medullary, chromophobe, and unclassified RCC are excluded)."
    )
    assert dx(text) == [
        ("renal_cell_carcinoma", ["clear_cell"]),
        (
            "renal_cell_carcinoma",
            ["papillary", "collecting_duct", "medullary", "chromophobe", "unclassified"],
        ),
    ]


def test_cancer_scoping_a_therapy_through_a_status_list_is_not_a_diagnosis() -> None:
    text = (
        "Disease progression following a prior platinum-containing regimen for locally "
        "advanced, unresectable/inoperable or metastatic NSCLC"
    )
    assert dx(text) == []


def test_history_of_a_cancer_in_exclusion_is_no_diagnosis() -> None:
    assert dx("Prior diagnosis of Stage IV ovarian cancer", "exclusion") == []
    assert dx("Stage IV ovarian cancer", "exclusion") == [("ovarian_cancer", [])]


def test_bare_histology_bullet_is_a_diagnosis() -> None:
    assert dx("Squamous cell carcinoma") == [(None, ["squamous_cell_carcinoma"])]
    assert dx("Large cell carcinoma") == [(None, ["large_cell"])]
    assert fully("Adenocarcinoma")
    # one qualifier word is no diagnosis; an exclusion keeps its "other cancer" meaning
    assert dx("squamous") == []
    assert dx("Squamous cell carcinoma", "exclusion") == []


def test_primary_before_a_cancer_is_explained() -> None:
    text = (
        "A diagnosis of primary ovarian cancer, primary peritoneal cancer or fallopian tube cancer"
    )
    assert fully(text)
    assert [c for c, _ in dx(text)] == [
        "ovarian_cancer",
        "primary_peritoneal_cancer",
        "fallopian_tube_cancer",
    ]


def test_diffuse_hcc_and_cutaneous_melanoma_histologies() -> None:
    assert dx("Diffuse HCC;", "exclusion") == [("hepatocellular_carcinoma", ["diffuse"])]
    assert dx("Cutaneous melanoma with Breslow depth > 1 mm")[0] == ("melanoma", ["cutaneous"])


# ------------------------------------------------------------------ disease status


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Locoregionally confined stage III or IV disease", ["locally_advanced"]),
        (
            "Advanced malignancy for which standard curative measures do not exist or are no "
            "longer effective",
            ["advanced", "refractory"],
        ),
        ("Patients must be high or intermediate risk of disease progression", []),
        ("Histologically proven glioblastoma at time of diagnosis or relapse", []),
        ("AML in first complete remission", ["complete_remission"]),
    ],
)
def test_status_phrases(text: str, want: list[str]) -> None:
    assert statuses(text) == want


def test_second_relapse_is_a_count_and_stays_unparsed() -> None:
    assert statuses("Have greater than second relapse", "exclusion") == []
    assert not fully("Have greater than second relapse", "exclusion")


def test_remission_of_another_cancer_in_exclusion_is_no_status() -> None:
    text = "History of other malignancy unless in complete remission for 5 years"
    assert "complete_remission" not in statuses(text, "exclusion")


def test_event_of_an_interval_is_the_time_relation() -> None:
    text = "Tumor progression or recurrence within 6 months of last dose of platinum therapy"
    assert statuses(text) == []
    trel = atoms(text, "time_relation")
    assert len(trel) == 1 and trel[0]["max_days"] == 180
    # the event words are explained by the time relation, not left over
    assert "progression" not in " ".join(a["text"] for a in atoms(text, "unparsed")).lower()


def test_asserted_recurrence_keeps_its_status_beside_the_interval() -> None:
    text = "Recurrence diagnosed more than 12 months after the initial course of radiotherapy"
    assert statuses(text) == ["recurrent"]
    assert atoms(text, "time_relation")[0]["min_days"] == 365
    text2 = (
        "Local recurrence (with or without regional recurrence) more than one year after "
        "radical treatment"
    )
    assert statuses(text2) == ["recurrent"]


# ------------------------------------------------------------------ measurable disease


def test_measurable_or_non_measurable_excludes_nobody() -> None:
    assert atoms("Measurable or non-measurable disease", "measurable_disease") == []
    assert not fully("Measurable or non-measurable disease")
    got = atoms(
        "Measurable or nonmeasurable, but evaluable, disease, determined using guidelines in "
        "RECIST v1.1",
        "measurable_disease",
    )
    assert len(got) == 1


def test_measurable_keeps_status_words_inside_its_noun_phrase() -> None:
    text = "Evidence of measurable recurrent or residual tumor"
    assert len(atoms(text, "measurable_disease")) == 1
    assert statuses(text) == ["recurrent"]


def test_measurable_does_not_swallow_a_preceding_resection() -> None:
    text = "Thyroid cancer not appropriate for surgical resection with measurable disease"
    assert "unresectable" in statuses(text)
    assert len(atoms(text, "measurable_disease")) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Measurable disease, defined as >= 1 lesion that can be accurately measured in >= 1 "
        "dimension as >= 20 mm with conventional techniques OR >= 10 mm with spiral CT scan",
        "Can be accurately measured in at least one dimension with longest diameter >=20 mm using "
        "conventional techniques or >=10 mm with spiral CT scan",
        "Accurately measured in at least one dimension according to RECIST",
    ],
)
def test_recist_measurable_definition_is_read(text: str) -> None:
    assert len(atoms(text, "measurable_disease")) == 1
    assert fully(text)


def test_complete_or_partial_remission_is_one_status() -> None:
    text = "Acute lymphoblastic leukemia (ALL), all subjects in complete or partial remission."
    assert statuses(text) == ["remission"]
    assert fully(text)


def test_lesion_size_joins_the_measurable_lesion() -> None:
    text = (
        "At least 1 unidimensionally measurable lesion at least 20 mm by conventional techniques "
        "OR at least 10 mm by spiral CT scan"
    )
    assert len(atoms(text, "measurable_disease")) == 1
    assert fully(text)


# ------------------------------------------------------------------ gates agree (lead, s3)


def test_gated_and_ungated_parses_agree_on_a_diagnostic_lesion_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A size on imaging in a diagnostic rule is no measurable-disease atom, gates or not."""
    from trialscout.criteria import parser

    text = (
        "Histologically proven HCC, or if not a candidate for biopsy, all of: A. History of "
        "cirrhosis. B. A focal liver lesion >= 3 cm on CT or MRI with arterial "
        "hypervascularization."
    )
    gated = atoms(text)
    monkeypatch.setattr(parser, "gate_of", lambda ex: None)
    monkeypatch.setattr(parser, "_PLAN", ((), []))
    ungated = atoms(text)
    assert gated == ungated
    assert [a for a in ungated if a["type"] == "measurable_disease"] == []


def test_body_surface_area_involvement_is_read_with_the_gates_on() -> None:
    text = "Body surface area involvement >= 10% at screening"
    got = atoms(text, "measurement")
    assert [(a["name"], a["comparator"], a["value"]) for a in got] == [
        ("skin_involvement_bsa", ">=", 10.0)
    ]
