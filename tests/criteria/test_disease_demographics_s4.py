"""Diagnosis, disease extent and demographics, session 4 (helper E): patterns that recur in
eligibility-texts.csv, each read from a real criterion sentence (NCT id of the source in the
comment), and the readings that must NOT happen (a cancer named as an exception, a blood
cancer's CNS involvement, "smoldering" myeloma)."""

# ruff: noqa: E501  (criterion sentences are quoted whole, as the registry wrote them)
from __future__ import annotations

from typing import Any

import pytest

from parse_helpers import atom_dicts, fully_parsed, parse_one


def parse(text: str, kind: str) -> tuple[Any, bool]:
    return parse_one(text, kind)


def atoms(text: str, kind: str = "inclusion", typ: str | None = None) -> list[dict[str, Any]]:
    return atom_dicts(text, kind, typ)


def fully(text: str, kind: str = "inclusion") -> bool:
    return fully_parsed(text, kind)


def cancers(text: str, kind: str = "inclusion") -> list[str | None]:
    return [a.get("cancer") for a in atoms(text, kind, "diagnosis")]


# ------------------------------------------------------------------ CNS


def test_primary_brain_tumor_is_read_beside_brain_metastases() -> None:
    # NCT01212887 / NCT00451880: the qualifier run before "brain metastases" took the
    # "or" inside "tumor", so the metastasis atom swallowed the brain tumour
    text = "No primary brain tumor or brain metastases"
    assert cancers(text) == ["brain_tumor"]
    assert [a["site"] for a in atoms(text, typ="metastasis")] == ["brain"]
    assert fully(text)


@pytest.mark.parametrize(
    "text",
    [
        "Symptomatic Central Nervous System (CNS) or leptomeningeal metastases.",
        "Known central nervous system [CNS] metastases",
    ],
)
def test_cns_with_its_abbreviation_is_one_site(text: str) -> None:
    sites = [a["site"] for a in atoms(text, "exclusion", "metastasis")]
    assert sites[0] == "brain"
    assert fully(text, "exclusion")


def test_cns_tumors_with_abbreviation_are_brain_tumors() -> None:
    text = (
        "Subjects with a histological diagnosis of advanced cancer (solid tumors or "
        "central nervous system [CNS] tumors) with disease that is recurrent or refractory"
    )
    assert "brain_tumor" in cancers(text)
    assert fully(text)


@pytest.mark.parametrize(
    "text",
    [
        "Known CNS lymphoma or leukemia",  # NCT02611908
        "Known active central nervous system (CNS) leukemia",  # NCT02635074
        "Central nervous system (CNS) lymphoma.",  # NCT02727777
        "Patient must not have central nervous system or leptomeningeal lymphoma.",
    ],
)
def test_blood_cancer_in_the_cns_is_involvement_not_the_diagnosis(text: str) -> None:
    # an exclusion of CNS involvement must not exclude every lymphoma/leukaemia patient
    got = atoms(text, "exclusion")
    assert not [a for a in got if a["type"] == "diagnosis"]
    assert "brain" in [a["site"] for a in got if a["type"] == "metastasis"]


def test_no_cns_leukemia_in_an_inclusion_is_involvement() -> None:
    got = atoms("No active CNS leukemia", "inclusion")
    assert [a["type"] for a in got] == ["metastasis"]


def test_primary_cns_lymphoma_stays_a_diagnosis() -> None:
    # NCT00629187
    assert cancers("primary CNS lymphoma", "exclusion") == ["non_hodgkin_lymphoma"]
    assert not atoms("primary CNS lymphoma", "exclusion", "metastasis")


# ------------------------------------------------------------------ haematological


@pytest.mark.parametrize(
    ("text", "histology"),
    [
        (
            "Newly diagnosed, previously untreated Diffuse Large B-Cell Lymphoma",
            "diffuse_large_b_cell",
        ),
        ("Mantle cell lymphoma", "mantle_cell"),
        ("Burkitt's lymphoma", "burkitt"),
        ("Primary central nervous system (CNS) lymphoma", "primary_cns"),
    ],
)
def test_lymphoma_subtypes_are_non_hodgkin_lymphoma(text: str, histology: str) -> None:
    # the subtype is a histology of the lymphoma (session 5: the matcher reads a patient's
    # subtype from the diagnosis name too, tests/match/test_lymphoma_subtypes.py)
    got = atoms(text, "inclusion", "diagnosis")
    assert [(a["cancer"], a.get("histologies", [])) for a in got] == [
        ("non_hodgkin_lymphoma", [histology])
    ]
    assert fully(text)


def test_b_cell_cll_sll_is_one_cll() -> None:
    assert cancers("Patients with B cell CLL/SLL") == ["cll"]
    assert cancers("Diagnosis of B-cell CLL") == ["cll"]


def test_smoldering_myeloma_is_not_myeloma() -> None:
    # NCT02195479: an exclusion of smouldering myeloma must not exclude myeloma patients
    text = "Participant has a diagnosis of primary amyloidosis, monoclonal gammopathy of undetermined significance, or smoldering multiple myeloma"
    assert cancers(text, "exclusion") == ["smoldering_myeloma"]


def test_mm_abbreviation_and_diagnostic_criteria() -> None:
    # NCT02697383
    text = "Patients with a diagnosis of MM per standard IMWG criteria"
    assert cancers(text) == ["multiple_myeloma"]
    assert fully(text)


@pytest.mark.parametrize(
    "text",
    [
        "AML according to world health organization (WHO) criteria",
        "Have a diagnosis of Acute Myelogenous Leukemia (AML) according to World Health Organization (WHO) classification",
        "A diagnosis of CLL as defined by IWCLL 2008 criteria",
        "Multiple myeloma (MM) diagnosis according to the International Myeloma Working Group (IMWG) diagnostic criteria",
    ],
)
def test_diagnostic_classification_is_explained(text: str) -> None:
    assert fully(text)


def test_exception_subtype_is_no_histology_in_an_exclusion() -> None:
    # the exception must not narrow the excluded cancer to the very subtype it spares
    got = atoms(
        "Types of non-Hodgkin's lymphoma other than diffuse large B-cell lymphoma (DLBCL).",
        "exclusion",
        "diagnosis",
    )
    assert all(not a.get("histologies") for a in got)


def test_excluded_histology_in_an_inclusion_still_splits() -> None:
    got = atoms(
        "Histologically confirmed non-small cell lung cancer other than squamous cell carcinoma",
        "inclusion",
        "diagnosis",
    )
    assert {"squamous_cell_carcinoma"} in [set(a.get("histologies", [])) for a in got]


def test_exception_in_an_inclusion_is_not_a_diagnosis() -> None:
    text = "Presence of metastatic or inoperable malignancy, other than leukemia or a primary central nervous system (CNS) tumor, for which there is no known curative therapy"
    assert "brain_tumor" not in cancers(text)
    assert "leukemia" not in cancers(text)


# ------------------------------------------------------------------ confirmation, status


@pytest.mark.parametrize(
    "text",
    [
        "Histologically- or cytologically-confirmed recurrent or metastatic head and neck squamous cell carcinoma",
        "Histologically/cytologically confirmed malignant solid tumor",
    ],
)
def test_confirmation_with_hyphen_or_slash(text: str) -> None:
    dx = atoms(text, "inclusion", "diagnosis")
    assert dx[0]["confirmation"] == "any"
    assert fully(text)


@pytest.mark.parametrize(
    "text",
    [
        "Patients with advanced solid tumors for which no standard therapy exists",
        "Histologically or cytologically confirmed diagnosis of advanced solid tumor for which no therapy of proven efficacy is available.",
        "Histologically confirmed solid tumor that is metastatic or unresectable and for which standard curative or palliative measures do not exist or are no longer effective",
        "Standard regimen failed or no standard regimen available",
    ],
)
def test_no_standard_therapy_is_refractory(text: str) -> None:
    assert "refractory" in [a["status"] for a in atoms(text, "inclusion", "disease_status")]
    assert fully(text)


def test_no_standard_systemic_therapy_is_no_prior_therapy() -> None:
    text = "Relapsed solid tumor for whom no standard effective systemic therapy exists"
    assert not atoms(text, "inclusion", "prior_therapy")


def test_primary_refractory() -> None:
    got = atoms(
        "Acute myeloid leukemia in first relapse or primary refractory",
        "inclusion",
        "disease_status",
    )
    assert "refractory" in [a["status"] for a in got]


@pytest.mark.parametrize(
    ("text", "groups"),
    [("ISS stage I-III", ["I", "II", "III"]), ("Durie-Salmon stage II or III", ["II", "III"])],
)
def test_haematological_staging_systems(text: str, groups: list[str]) -> None:
    assert atoms(text, "inclusion", "stage")[0]["groups"] == groups
    assert fully(text)


# ------------------------------------------------------------------ demographics


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        (
            "Subject has an Eastern Co-operative Oncology Group Performance Status of 0, 1 or 2.",
            0,
            2,
        ),
        ("Performance status must be 0-2 according to Southwest Oncology Group Criteria", 0, 2),
        (
            "Performance status of 0 to 1 on the Eastern Cooperative Oncology Group performance status schedule.",
            0,
            1,
        ),
        ("Performance status of 0-2 on the ECOG Performance Scale", 0, 2),
    ],
)
def test_performance_scale_names(text: str, lo: int, hi: int) -> None:
    perf = atoms(text, "inclusion", "performance")
    assert [(p["scale"], p.get("min"), p.get("max")) for p in perf] == [("ECOG", lo, hi)]
    assert fully(text)


def test_performance_bare_grade_needs_its_scale_right_after() -> None:
    # a scale named elsewhere (Karnofsky) must not turn "0-2" into ECOG
    perf = atoms("Performance status 0-2 (Karnofsky 60-100%)", "inclusion", "performance")
    assert [p["scale"] for p in perf] == ["KPS"]


@pytest.mark.parametrize(
    "text",
    ["Age ≥ 18 years at time of consent.", "Age >= 18 years at time of study entry"],
)
def test_age_at_time_of(text: str) -> None:
    assert atoms(text, "inclusion", "age")[0]["min_years"] == 18
    assert fully(text)


def test_age_at_signing_consent_keeps_the_consent_cue() -> None:
    got = atoms("Age 18 years or older at the time of signing the informed consent document")
    assert [a["type"] for a in got] == ["age", "review"]
