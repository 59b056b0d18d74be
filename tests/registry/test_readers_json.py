"""API v2 JSON reader: fields, markdown escapes, and the errors it reports."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from trialscout.registry.errors import RecordError
from trialscout.registry.json_reader import trial_from_api_v2
from trialscout.registry.model import DateType, OverallStatus, Phase, Sex, StdAge, StudyType

API = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov" / "api-v2"
PALLAS = API.parent / "both-formats" / "NCT02513394.json"


def _study(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((API / f"{name}.json").read_text("utf-8"))
    return data


def test_interventional_study_fields() -> None:
    t = trial_from_api_v2(_study("NCT03418623"), "NCT03418623.json")
    assert t.source_format == "ctgov-json-v2"
    assert t.org_study_id == "GET73 ¹H-MRS"
    assert t.overall_status is OverallStatus.COMPLETED
    assert t.phases == [Phase.PHASE2]
    assert t.study_type is StudyType.INTERVENTIONAL
    assert t.start_date is not None
    assert (t.start_date.date, t.start_date.type) == ("2018-03-08", DateType.ACTUAL)
    assert t.design is not None
    assert (t.design.allocation, t.design.intervention_model) == ("RANDOMIZED", "CROSSOVER")
    assert t.design.masking == "QUADRUPLE"
    assert t.design.who_masked == [
        "PARTICIPANT",
        "CARE_PROVIDER",
        "INVESTIGATOR",
        "OUTCOMES_ASSESSOR",
    ]
    assert [a.intervention_names for a in t.arm_groups] == [["Drug: GET73"], ["Other: Placebo"]]
    assert t.eligibility is not None
    assert t.eligibility.minimum_age_years == 21.0 and t.eligibility.maximum_age_years == 40.0
    assert t.eligibility.std_ages == [StdAge.ADULT]
    assert t.condition_mesh and all(m.id for m in t.condition_mesh)


def test_observational_study_contacts_sites_geo() -> None:
    t = trial_from_api_v2(_study("NCT03475563"), "NCT03475563.json")
    assert t.overall_status is OverallStatus.UNKNOWN
    assert t.last_known_status is OverallStatus.RECRUITING
    assert t.design is not None and t.design.observational_model == "CASE_ONLY"
    assert (t.central_contacts[0].name, t.central_contacts[0].role) == (
        "Imanol Otaegui, MD",
        "CONTACT",
    )
    site = t.locations[0]
    assert site.status is OverallStatus.RECRUITING
    assert site.geo is not None and (site.geo.lat, site.geo.lon) == (41.54329, 2.10942)
    assert site.contacts[0].name == "Eduard Bosch, MD"
    assert t.countries == sorted({loc.country for loc in t.locations if loc.country})
    assert t.eligibility is not None and t.eligibility.sex is Sex.ALL


def test_markdown_escapes_are_dropped_from_text() -> None:
    study = _study("NCT03475563")
    study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = (
        "Inclusion Criteria:\n\n* Age \\>= 18 years\n* ECOG \\< 2 \\[PS\\]\n"
    )
    study["protocolSection"]["descriptionModule"]["briefSummary"] = "Dose \\> 5 mg  "
    t = trial_from_api_v2(study, "NCT03475563.json")
    assert t.eligibility is not None
    assert t.eligibility.criteria == "Inclusion Criteria:\n\n* Age >= 18 years\n* ECOG < 2 [PS]"
    assert t.brief_summary == "Dose > 5 mg"


def test_withdrawn_study_with_why_stopped_and_zero_enrollment() -> None:
    t = trial_from_api_v2(_study("NCT00973089"), "NCT00973089.json")
    assert t.overall_status is OverallStatus.WITHDRAWN
    assert t.why_stopped
    assert t.enrollment is not None and t.enrollment.count == 0
    assert t.interventions[0].other_names == ["Indirect pulp capping"]


def test_identification_only_study_parses_with_empty_sections() -> None:
    t = trial_from_api_v2(_study("NCT03453554"), "NCT03453554.json")
    assert t.nct_id == "NCT03453554"
    assert t.overall_status is None and t.eligibility is None and t.design is None
    assert t.locations == [] and t.phases == [] and t.has_results is False


def test_has_results_and_references() -> None:
    t = trial_from_api_v2(json.loads(PALLAS.read_text("utf-8")), str(PALLAS))
    assert t.has_results is True
    assert t.results_first_posted_date is not None
    assert {r.type for r in t.references} <= {"BACKGROUND", "RESULT", "DERIVED"}
    assert any(r.pmid == "34995105" for r in t.references)
    assert (t.collaborators[0].name, t.collaborators[0].cls) == (
        "Austrian Breast & Colorectal Cancer Study Group",
        "NETWORK",
    )
    assert [(s.id, s.type) for s in t.secondary_ids][-1] == ("2014-005181-30", "EUDRACT_NUMBER")


def test_std_ages_computed_when_the_record_lacks_them() -> None:
    study = _study("NCT03418623")
    del study["protocolSection"]["eligibilityModule"]["stdAges"]
    t = trial_from_api_v2(study, "NCT03418623.json")
    assert t.eligibility is not None and t.eligibility.std_ages == [StdAge.ADULT]


def _error(study: dict[str, Any], source: str = "NCT03418623.json") -> RecordError:
    with pytest.raises(RecordError) as info:
        trial_from_api_v2(study, source)
    assert info.value.source == source
    assert "\n" not in str(info.value)
    return info.value


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("statusModule", "overallStatus"), "PAUSED", "statusModule.overallStatus"),
        (("designModule", "phases"), ["PHASE5"], "designModule.phases"),
        (
            ("designModule", "designInfo", "allocation"),
            "COIN_TOSS",
            "designModule.designInfo.allocation",
        ),
        (("eligibilityModule", "sex"), "ANY", "eligibilityModule.sex"),
        (
            ("statusModule", "startDateStruct", "type"),
            "GUESSED",
            "statusModule.startDateStruct.type",
        ),
        (("sponsorCollaboratorsModule", "leadSponsor", "class"), "CHARITY", "leadSponsor.class"),
    ],
)
def test_unknown_enum_value_names_field_and_value(
    path: tuple[str, ...], value: Any, field: str
) -> None:
    study = copy.deepcopy(_study("NCT03418623"))
    node = study["protocolSection"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    err = _error(study)
    assert err.field == field
    shown = value[0] if isinstance(value, list) else value
    assert repr(shown) in str(err)


def test_wrong_types_and_bad_dates_name_the_field() -> None:
    study = _study("NCT03418623")
    study["protocolSection"]["statusModule"]["startDateStruct"]["date"] = "March 2018"
    assert _error(study).field == "start_date.date"

    study = _study("NCT03418623")
    study["protocolSection"]["armsInterventionsModule"]["armGroups"] = {"label": "x"}
    assert _error(study).field == "armGroups"

    study = _study("NCT03418623")
    study["protocolSection"]["eligibilityModule"]["minimumAge"] = "21 Eons"
    assert _error(study).field == "eligibilityModule.minimumAge"

    study = _study("NCT03418623")
    study["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = -3
    assert _error(study).field == "enrollment.count"


def test_nct_id_errors() -> None:
    study = _study("NCT03418623")
    assert "does not match file name" in str(_error(study, "dump/NCT00000001.json"))
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT-3418623"
    assert "invalid NCT ID" in str(_error(study, "x.json"))
    del study["protocolSection"]["identificationModule"]["nctId"]
    assert _error(study, "x.json").field == "nct_id"


def test_not_a_study() -> None:
    assert "protocolSection" in str(_error({"foo": 1}, "x.json"))
    with pytest.raises(RecordError):
        trial_from_api_v2([1, 2], "x.json")  # type: ignore[arg-type]
