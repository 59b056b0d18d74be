"""Classic XML reader: every section mapped onto the model, and every way a record can be bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialscout.registry.errors import RecordError
from trialscout.registry.model import DateType, OverallStatus, Phase, Sex, StdAge, StudyType
from trialscout.registry.xml_reader import trial_from_xml

XML = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov" / "xml"
PALLAS = XML.parent / "both-formats" / "NCT02513394.xml"


def _read(name: str) -> bytes:
    return (XML / name).read_bytes()


def _edit(data: bytes, old: str, new: str) -> bytes:
    assert old.encode() in data, old
    return data.replace(old.encode(), new.encode(), 1)


def test_pallas_identity_status_dates_design() -> None:
    t = trial_from_xml(PALLAS.read_bytes(), str(PALLAS))
    assert t.nct_id == "NCT02513394"
    assert t.source_format == "ctgov-xml"
    assert t.acronym == "PALLAS"
    assert t.org_study_id == "AFT-05"
    assert [s.id for s in t.secondary_ids] == ["ABCSG 42", "BIG 14-03", "2014-005181-30"]
    assert t.overall_status is OverallStatus.ACTIVE_NOT_RECRUITING
    assert t.phases == [Phase.PHASE3]
    assert t.study_type is StudyType.INTERVENTIONAL
    assert t.enrollment is not None
    assert (t.enrollment.count, t.enrollment.type) == (5796, DateType.ACTUAL)
    # month precision kept, "Anticipated" -> ESTIMATED, "Estimate" -> ESTIMATED
    assert t.start_date is not None and t.start_date.date == "2015-08"
    assert t.start_date.type is None
    assert t.completion_date is not None
    assert (t.completion_date.date, t.completion_date.type) == ("2025-09", DateType.ESTIMATED)
    assert t.first_submitted_date == "2015-07-29"
    assert t.first_posted_date is not None
    assert t.first_posted_date.type is DateType.ESTIMATED
    assert t.last_update == "2020-03-09"
    assert t.status_verified_date == "2019-12"
    assert t.design is not None
    assert t.design.allocation == "RANDOMIZED"
    assert t.design.intervention_model == "PARALLEL"
    assert t.design.primary_purpose == "TREATMENT"
    assert t.design.masking == "NONE"
    assert t.design.who_masked == []


def test_pallas_people_places_and_terms() -> None:
    t = trial_from_xml(PALLAS.read_bytes(), str(PALLAS))
    assert t.lead_sponsor is not None
    assert (t.lead_sponsor.name, t.lead_sponsor.cls) == (
        "Alliance Foundation Trials, LLC.",
        "OTHER",
    )
    assert ("Pfizer", "INDUSTRY") in [(c.name, c.cls) for c in t.collaborators]
    assert t.responsible_party is not None and t.responsible_party.type == "SPONSOR"
    assert t.overall_officials[0].name == "Monica Bertagnolli, MD"
    assert t.overall_officials[0].role == "PRINCIPAL_INVESTIGATOR"
    assert "Korea, Republic of" in t.countries
    first = t.locations[0]
    assert (first.facility, first.city, first.state, first.zip, first.country) == (
        "University of South Alabama Mitchell Cancer Institute",
        "Mobile",
        "Alabama",
        "36604",
        "United States",
    )
    assert [m.term for m in t.condition_mesh] == ["Breast Neoplasms"]
    assert [m.term for m in t.intervention_mesh] == ["Palbociclib"]
    assert t.keywords == ["HR+/HER2- breast cancer", "Palbociclib"]
    assert t.has_results is False
    # arms list their interventions the API v2 way, derived from the interventions
    arm_a = t.arm_groups[0]
    assert arm_a.type == "EXPERIMENTAL"
    assert arm_a.intervention_names == [
        "Drug: Palbociclib",
        "Drug: Standard Adjuvant Endocrine Therapy",
    ]
    assert t.interventions[1].arm_group_labels == ["Arm A", "Arm B"]
    assert t.interventions[0].type == "DRUG"


def test_criteria_text_is_dedented_with_one_bullet_per_line() -> None:
    t = trial_from_xml(PALLAS.read_bytes(), str(PALLAS))
    assert t.eligibility is not None
    crit = t.eligibility.criteria
    assert crit is not None
    lines = crit.split("\n")
    assert lines[0] == "Inclusion Criteria:"
    assert lines[2] == "* Signed informed consent prior to study specific procedures."
    # a wrapped bullet is joined back into one line
    assert (
        "* Pre- and postmenopausal women or men with Stage II (Stage IIA limited to max. 1000 "
        "patients) or Stage III early invasive breast cancer"
    ) in lines
    assert "Exclusion Criteria:" in lines
    assert not any(line.startswith(" ") for line in lines)
    assert "\r" not in crit


def test_eligibility_ages_sex_and_std_ages() -> None:
    t = trial_from_xml(PALLAS.read_bytes(), str(PALLAS))
    e = t.eligibility
    assert e is not None
    assert e.sex is Sex.ALL
    assert (e.minimum_age, e.minimum_age_years) == ("18 Years", 18.0)
    assert (e.maximum_age, e.maximum_age_years) == (None, None)  # "N/A"
    assert e.healthy_volunteers is False
    assert e.std_ages == [StdAge.ADULT, StdAge.OLDER_ADULT]

    t2 = trial_from_xml(_read("NCT01339988.xml"), "NCT01339988.xml")
    e2 = t2.eligibility
    assert e2 is not None
    assert e2.sex is Sex.MALE
    assert e2.minimum_age is None and e2.maximum_age_years == 21.0
    assert e2.std_ages == [StdAge.CHILD, StdAge.ADULT]


def test_months_age_and_accepts_healthy_volunteers() -> None:
    data = _edit(
        _read("NCT01339988.xml"),
        "<minimum_age>N/A</minimum_age>",
        "<minimum_age>6 Months</minimum_age>",
    )
    data = _edit(data, "<maximum_age>21 Years</maximum_age>", "<maximum_age>17 Years</maximum_age>")
    data = _edit(data, "<healthy_volunteers>No<", "<healthy_volunteers>Accepts Healthy Volunteers<")
    e = trial_from_xml(data, "NCT01339988.xml").eligibility
    assert e is not None
    assert e.minimum_age == "6 Months" and e.minimum_age_years == pytest.approx(0.5)
    assert e.healthy_volunteers is True
    assert e.std_ages == [StdAge.CHILD]


def test_masking_with_who_is_masked() -> None:
    data = _edit(
        _read("NCT01339988.xml"),
        "<masking>None (Open Label)</masking>",
        "<masking>Double (Participant, Investigator)</masking>",
    )
    design = trial_from_xml(data, "NCT01339988.xml").design
    assert design is not None
    assert design.masking == "DOUBLE"
    assert design.who_masked == ["PARTICIPANT", "INVESTIGATOR"]


def test_contacts_sites_and_observational_design() -> None:
    t = trial_from_xml(_read("NCT02830269.xml"), "NCT02830269.xml")
    assert t.study_type is StudyType.OBSERVATIONAL
    assert t.design is not None
    assert (t.design.observational_model, t.design.time_perspective) == ("OTHER", "PROSPECTIVE")
    assert len(t.central_contacts) == 2  # overall_contact and overall_contact_backup
    assert all(c.role == "CONTACT" for c in t.central_contacts)
    assert t.central_contacts[1].email == "pf-perrigault@chu-montpellier.fr"
    site = t.locations[0]
    assert site.status is OverallStatus.RECRUITING
    assert site.facility == "UHMontpellier" and site.state is None
    assert site.contacts[0].name == "GERALD CHANQUES, MD PHD"
    assert site.contacts[0].phone == "+33467337271"
    assert t.eligibility is not None
    assert t.eligibility.sampling_method == "PROBABILITY_SAMPLE"
    assert t.eligibility.study_population == "All patients admitted to the neurointensive care"
    assert t.countries == ["France"]


def test_old_schema_dates_and_results_reference() -> None:
    t = trial_from_xml(_read("raw_study.xml"), "raw_study.xml")
    assert t.nct_id == "NCT00002475"
    assert t.first_submitted_date == "1999-11-01"  # firstreceived_date
    assert t.last_update == "2013-07-09"  # lastchanged_date
    refs = [(r.type, r.pmid) for r in t.references]
    assert ("RESULT", "8368765") in refs
    assert t.design is not None and t.design.primary_purpose == "TREATMENT"


def test_old_free_text_study_design() -> None:
    t = trial_from_xml(_read("NCT00513591_mod.xml"), "NCT00513591_mod.xml")
    assert t.nct_id == "NCT00513591"  # the _mod suffix does not count as a mismatch
    assert t.design is not None
    assert (t.design.observational_model, t.design.time_perspective) == ("COHORT", "PROSPECTIVE")
    assert t.eligibility is not None and t.eligibility.gender_based is False
    assert t.eligibility.criteria is not None
    # nested bullets keep their nesting as indented markdown items
    assert (
        "\n  * Lupus (systemic lupus erythematosus or cutaneous lupus)\n" in t.eligibility.criteria
    )

    data = _edit(
        _read("NCT00513591_mod.xml"),
        "<study_design>Observational Model: Cohort, Time Perspective: Prospective</study_design>",
        "<study_design>Allocation: Randomized, Endpoint Classification: Safety/Efficacy Study, "
        "Intervention Model: Parallel Assignment, Masking: Double Blind (Subject, Caregiver), "
        "Primary Purpose: Treatment</study_design>",
    )
    d = trial_from_xml(data, "NCT00513591.xml").design
    assert d is not None
    assert (d.allocation, d.intervention_model, d.primary_purpose) == (
        "RANDOMIZED",
        "PARALLEL",
        "TREATMENT",
    )
    assert (d.masking, d.who_masked) == ("DOUBLE", ["PARTICIPANT", "CARE_PROVIDER"])


def test_missing_sections_are_not_errors() -> None:
    t = trial_from_xml(_read("NCT03182660.xml"), "NCT03182660.xml")
    assert t.overall_status is OverallStatus.WITHHELD
    assert t.study_type is None  # "N/A"
    assert t.eligibility is None and t.design is None and t.enrollment is None
    assert t.conditions == [] and t.locations == [] and t.phases == []
    assert t.lead_sponsor is not None and t.lead_sponsor.cls is None
    assert t.responsible_party is not None
    assert t.responsible_party.old_organization == "[Redacted]"


def test_clinical_results_sets_has_results() -> None:
    data = _edit(
        _read("NCT03182660.xml"), "</clinical_study>", "<clinical_results/></clinical_study>"
    )
    assert trial_from_xml(data, "NCT03182660.xml").has_results is True


def test_phase_pairs_become_two_phases() -> None:
    data = _edit(PALLAS.read_bytes(), "<phase>Phase 3</phase>", "<phase>Phase 1/Phase 2</phase>")
    assert trial_from_xml(data, "NCT02513394.xml").phases == [Phase.PHASE1, Phase.PHASE2]


# -- errors ---------------------------------------------------------------------------------


def _error(data: bytes, source: str) -> RecordError:
    with pytest.raises(RecordError) as info:
        trial_from_xml(data, source)
    err = info.value
    assert err.source == source
    assert "\n" not in str(err)
    assert source in str(err)
    return err


def test_id_mismatch_names_the_file_and_field() -> None:
    err = _error(_read("NCT00980226-id-mismatch.xml"), "xml-edge-cases/NCT00980226-id-mismatch.xml")
    assert err.field == "nct_id"
    assert "nct_id NCT00081588 does not match file name" in str(err)


def test_id_mismatch_inside_an_archive_member() -> None:
    err = _error(_read("NCT00980226-id-mismatch.xml"), "All.zip:NCT0098xxxx/NCT00980226.xml")
    assert err.field == "nct_id"


def test_files_without_an_nct_name_are_not_compared() -> None:
    assert (
        trial_from_xml(_read("NCT00980226-id-mismatch.xml"), "upload.xml").nct_id == "NCT00081588"
    )


def test_html_page_is_not_a_study() -> None:
    err = _error(_read("Invalid-nct-id.html"), "Invalid-nct-id.html")
    assert "XML" in str(err) or "not a ClinicalTrials.gov study" in str(err)


@pytest.mark.parametrize("name", ["covid_search.xml", "empty_search.xml"])
def test_search_feed_is_not_a_study(name: str) -> None:
    err = _error(_read(name), name)
    assert "root element <rss>" in str(err)


def test_malformed_xml() -> None:
    data = PALLAS.read_bytes()[:5000]
    err = _error(data, "NCT02513394.xml")
    assert "malformed XML" in str(err)
    _error(b"", "empty.xml")


def test_invalid_and_missing_nct_id() -> None:
    data = _edit(PALLAS.read_bytes(), "<nct_id>NCT02513394</nct_id>", "<nct_id>NCT0251339</nct_id>")
    err = _error(data, "study.xml")
    assert err.field == "nct_id" and "invalid NCT ID 'NCT0251339'" in str(err)
    data = _edit(PALLAS.read_bytes(), "<nct_id>NCT02513394</nct_id>", "")
    err = _error(data, "study.xml")
    assert err.field == "nct_id" and "missing" in str(err)


@pytest.mark.parametrize(
    ("old", "new", "field", "value"),
    [
        ("<phase>Phase 3</phase>", "<phase>Phase 5</phase>", "phase", "Phase 5"),
        (
            "<overall_status>Active, not recruiting</overall_status>",
            "<overall_status>Paused</overall_status>",
            "overall_status",
            "Paused",
        ),
        (
            "<intervention_model>Parallel Assignment</intervention_model>",
            "<intervention_model>Round Robin</intervention_model>",
            "study_design_info.intervention_model",
            "Round Robin",
        ),
        ("<gender>All</gender>", "<gender>Any</gender>", "eligibility.gender", "Any"),
        (
            "<agency_class>Industry</agency_class>",
            "<agency_class>Charity</agency_class>",
            "collaborator.agency_class",
            "Charity",
        ),
        (
            "<intervention_type>Drug</intervention_type>",
            "<intervention_type>Potion</intervention_type>",
            "intervention.intervention_type",
            "Potion",
        ),
        (
            '<completion_date type="Anticipated">',
            '<completion_date type="Guessed">',
            "completion_date.type",
            "Guessed",
        ),
    ],
)
def test_unknown_enum_value_names_field_and_value(
    old: str, new: str, field: str, value: str
) -> None:
    err = _error(_edit(PALLAS.read_bytes(), old, new), "NCT02513394.xml")
    assert err.field == field
    assert repr(value) in str(err)
    assert err.nct_id == "NCT02513394"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "<start_date>August 2015</start_date>",
            "<start_date>Summer 2015</start_date>",
            "start_date",
        ),
        (
            "<minimum_age>18 Years</minimum_age>",
            "<minimum_age>18 Decades</minimum_age>",
            "eligibility.minimum_age",
        ),
        ('<enrollment type="Actual">5796<', '<enrollment type="Actual">many<', "enrollment"),
    ],
)
def test_unreadable_values_name_the_field(old: str, new: str, field: str) -> None:
    err = _error(_edit(PALLAS.read_bytes(), old, new), "NCT02513394.xml")
    assert err.field == field


def test_xml_entities_are_not_resolved() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
        b"<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>"
        b"<brief_title>&e;</brief_title></clinical_study>"
    )
    t = trial_from_xml(data, "NCT00000001.xml")
    assert t.brief_title is None or "localhost" not in t.brief_title
