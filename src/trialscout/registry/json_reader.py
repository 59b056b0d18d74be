"""ClinicalTrials.gov API v2 study JSON (``protocolSection``...) -> Trial.

API v2 already speaks the model's vocabulary, so this is mostly a walk over the modules.
Enum values are still checked against the documented API v2 lists so a value the model
does not know is reported with its field instead of slipping through as free text.
Text fields are light markdown: the backslash escapes (``\\>=``) are dropped so the text
matches the classic XML's and reads naturally for the criteria parser.
"""

from __future__ import annotations

from typing import Any

from trialscout.registry._common import (
    build_trial,
    check_api_v2,
    check_nct_id,
    parse_age,
    std_ages,
)
from trialscout.registry.errors import RecordError
from trialscout.registry.model import DateType, OverallStatus, Phase, Sex, StdAge, StudyType, Trial
from trialscout.registry.textblock import unescape_markdown

SOURCE_FORMAT = "ctgov-json-v2"

_MODEL_ENUMS: dict[str, frozenset[str]] = {
    "status": frozenset(OverallStatus),
    "phase": frozenset(Phase),
    "study_type": frozenset(StudyType),
    "date_type": frozenset(DateType),
    "sex": frozenset(Sex),
    "std_age": frozenset(StdAge),
}


class _JsonStudy:
    def __init__(self, study: dict[str, Any], source: str) -> None:
        self.study = study
        self.source = source
        self.nct_id: str | None = None

    # -- helpers -----------------------------------------------------------------------
    def err(self, field: str, message: str) -> RecordError:
        return RecordError(self.source, message, field=field, nct_id=self.nct_id)

    def obj(self, parent: dict[str, Any], key: str, field: str) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.err(field, f"expected an object, got {type(value).__name__}")
        return value

    def items(self, parent: dict[str, Any], key: str, field: str) -> list[dict[str, Any]]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.err(field, "expected a list of objects")
        return value

    def strings(self, parent: dict[str, Any], key: str, field: str) -> list[str]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.err(field, "expected a list of strings")
        return [v.strip() for v in value if v.strip()]

    def enum(self, field: str, value: Any, vocab_key: str) -> Any:
        """A model enum (status, phase...): name the field and value when unknown."""
        if value is None:
            return None
        if value not in _MODEL_ENUMS[vocab_key]:
            raise self.err(field, f"unknown value {value!r}")
        return value

    def api(self, field: str, value: Any, vocab_key: str) -> str | None:
        return check_api_v2(field, value, self.source, self.nct_id, vocab_key=vocab_key)

    def event(self, status: dict[str, Any], key: str) -> dict[str, Any] | None:
        struct = self.obj(status, key, f"statusModule.{key}")
        if not struct.get("date"):
            return None
        return {
            "date": struct["date"],
            "type": self.enum(f"statusModule.{key}.type", struct.get("type"), "date_type"),
        }

    # -- the record --------------------------------------------------------------------
    def trial(self) -> Trial:
        proto = self.obj(self.study, "protocolSection", "protocolSection")
        if not proto:
            raise RecordError(self.source, "not an API v2 study: no 'protocolSection'")
        ident = self.obj(proto, "identificationModule", "identificationModule")
        nct = ident.get("nctId")
        if nct is not None and not isinstance(nct, str):
            raise RecordError(self.source, f"invalid NCT ID {nct!r}", field="nct_id")
        self.nct_id = check_nct_id(nct, self.source)

        data: dict[str, Any] = {
            "nct_id": self.nct_id,
            "source_format": SOURCE_FORMAT,
            "brief_title": ident.get("briefTitle"),
            "official_title": ident.get("officialTitle"),
            "acronym": ident.get("acronym"),
            "org_study_id": self.obj(ident, "orgStudyIdInfo", "orgStudyIdInfo").get("id"),
            "secondary_ids": [
                {
                    "id": s.get("id"),
                    "type": self.api("secondaryIdInfos.type", s.get("type"), "secondary_id_type"),
                    "domain": s.get("domain"),
                }
                for s in self.items(ident, "secondaryIdInfos", "secondaryIdInfos")
            ],
        }

        status = self.obj(proto, "statusModule", "statusModule")
        data["overall_status"] = self.enum(
            "statusModule.overallStatus", status.get("overallStatus"), "status"
        )
        data["last_known_status"] = self.enum(
            "statusModule.lastKnownStatus", status.get("lastKnownStatus"), "status"
        )
        data["why_stopped"] = status.get("whyStopped")
        data["status_verified_date"] = status.get("statusVerifiedDate")
        data["start_date"] = self.event(status, "startDateStruct")
        data["primary_completion_date"] = self.event(status, "primaryCompletionDateStruct")
        data["completion_date"] = self.event(status, "completionDateStruct")
        data["first_submitted_date"] = status.get("studyFirstSubmitDate")
        data["first_posted_date"] = self.event(status, "studyFirstPostDateStruct")
        data["last_update_posted_date"] = self.event(status, "lastUpdatePostDateStruct")
        data["results_first_posted_date"] = self.event(status, "resultsFirstPostDateStruct")

        design_mod = self.obj(proto, "designModule", "designModule")
        data["study_type"] = self.enum(
            "designModule.studyType", design_mod.get("studyType"), "study_type"
        )
        data["phases"] = [
            self.enum("designModule.phases", p, "phase")
            for p in self.strings(design_mod, "phases", "designModule.phases")
        ]
        enrollment = self.obj(design_mod, "enrollmentInfo", "designModule.enrollmentInfo")
        if enrollment:
            data["enrollment"] = {
                "count": enrollment.get("count"),
                "type": self.enum(
                    "designModule.enrollmentInfo.type", enrollment.get("type"), "date_type"
                ),
            }
        data["design"] = self._design(design_mod)

        desc = self.obj(proto, "descriptionModule", "descriptionModule")
        data["brief_summary"] = _text(desc.get("briefSummary"))
        data["detailed_description"] = _text(desc.get("detailedDescription"))
        cond = self.obj(proto, "conditionsModule", "conditionsModule")
        data["conditions"] = self.strings(cond, "conditions", "conditionsModule.conditions")
        data["keywords"] = self.strings(cond, "keywords", "conditionsModule.keywords")

        arms_mod = self.obj(proto, "armsInterventionsModule", "armsInterventionsModule")
        data["arm_groups"] = [
            {
                "label": a.get("label"),
                "type": self.api("armGroups.type", a.get("type"), "arm_group_type"),
                "description": _text(a.get("description")),
                "intervention_names": self.strings(a, "interventionNames", "armGroups"),
            }
            for a in self.items(arms_mod, "armGroups", "armGroups")
        ]
        data["interventions"] = [
            {
                "type": self.api("interventions.type", i.get("type"), "intervention_type"),
                "name": i.get("name"),
                "description": _text(i.get("description")),
                "other_names": self.strings(i, "otherNames", "interventions.otherNames"),
                "arm_group_labels": self.strings(
                    i, "armGroupLabels", "interventions.armGroupLabels"
                ),
            }
            for i in self.items(arms_mod, "interventions", "interventions")
        ]
        data["eligibility"] = self._eligibility(proto)

        sponsors = self.obj(proto, "sponsorCollaboratorsModule", "sponsorCollaboratorsModule")
        lead = self.obj(sponsors, "leadSponsor", "leadSponsor")
        if lead.get("name"):
            data["lead_sponsor"] = self._org(lead, "leadSponsor")
        data["collaborators"] = [
            self._org(c, "collaborators")
            for c in self.items(sponsors, "collaborators", "collaborators")
            if c.get("name")
        ]
        rp = self.obj(sponsors, "responsibleParty", "responsibleParty")
        if rp:
            data["responsible_party"] = {
                "type": self.api("responsibleParty.type", rp.get("type"), "responsible_party_type"),
                "investigator_full_name": rp.get("investigatorFullName"),
                "investigator_title": rp.get("investigatorTitle"),
                "investigator_affiliation": rp.get("investigatorAffiliation"),
                "old_name_title": rp.get("oldNameTitle"),
                "old_organization": rp.get("oldOrganization"),
            }

        contacts_mod = self.obj(proto, "contactsLocationsModule", "contactsLocationsModule")
        data["overall_officials"] = [
            {
                "name": o.get("name"),
                "affiliation": o.get("affiliation"),
                "role": self.api("overallOfficials.role", o.get("role"), "official_role"),
            }
            for o in self.items(contacts_mod, "overallOfficials", "overallOfficials")
            if o.get("name")
        ]
        data["central_contacts"] = [
            self._contact(c, "centralContacts")
            for c in self.items(contacts_mod, "centralContacts", "centralContacts")
        ]
        data["locations"] = [
            self._location(loc) for loc in self.items(contacts_mod, "locations", "locations")
        ]
        data["countries"] = sorted({c for loc in data["locations"] if (c := loc.get("country"))})

        refs = self.obj(proto, "referencesModule", "referencesModule")
        data["references"] = [
            {
                "pmid": r.get("pmid"),
                "type": self.api("references.type", r.get("type"), "reference_type"),
                "citation": r.get("citation"),
            }
            for r in self.items(refs, "references", "references")
        ]

        derived = self.obj(self.study, "derivedSection", "derivedSection")
        data["condition_mesh"] = self._mesh(derived, "conditionBrowseModule")
        data["intervention_mesh"] = self._mesh(derived, "interventionBrowseModule")
        has_results = self.study.get("hasResults")
        if has_results is None:
            has_results = "resultsSection" in self.study
        if not isinstance(has_results, bool):
            raise self.err("hasResults", f"expected true/false, got {has_results!r}")
        data["has_results"] = has_results
        return build_trial(data, self.source)

    # -- sections ------------------------------------------------------------------------
    def _design(self, design_mod: dict[str, Any]) -> dict[str, Any] | None:
        info = self.obj(design_mod, "designInfo", "designModule.designInfo")
        if not info:
            return None
        masking = self.obj(info, "maskingInfo", "designInfo.maskingInfo")
        f = "designModule.designInfo"
        return {
            "allocation": self.api(f"{f}.allocation", info.get("allocation"), "allocation"),
            "intervention_model": self.api(
                f"{f}.interventionModel", info.get("interventionModel"), "intervention_model"
            ),
            "intervention_model_description": _text(info.get("interventionModelDescription")),
            "primary_purpose": self.api(
                f"{f}.primaryPurpose", info.get("primaryPurpose"), "primary_purpose"
            ),
            "observational_model": self.api(
                f"{f}.observationalModel", info.get("observationalModel"), "observational_model"
            ),
            "time_perspective": self.api(
                f"{f}.timePerspective", info.get("timePerspective"), "time_perspective"
            ),
            "masking": self.api(f"{f}.maskingInfo.masking", masking.get("masking"), "masking"),
            "masking_description": _text(masking.get("maskingDescription")),
            "who_masked": [
                self.api(f"{f}.maskingInfo.whoMasked", w, "who_masked")
                for w in self.strings(masking, "whoMasked", f"{f}.maskingInfo.whoMasked")
            ],
        }

    def _eligibility(self, proto: dict[str, Any]) -> dict[str, Any] | None:
        el = self.obj(proto, "eligibilityModule", "eligibilityModule")
        if not el:
            return None
        f = "eligibilityModule"
        min_text, min_years = parse_age(
            el.get("minimumAge"), f"{f}.minimumAge", self.source, self.nct_id
        )
        max_text, max_years = parse_age(
            el.get("maximumAge"), f"{f}.maximumAge", self.source, self.nct_id
        )
        given = el.get("stdAges")
        ages = (
            [self.enum(f"{f}.stdAges", a, "std_age") for a in self.strings(el, "stdAges", f)]
            if given is not None
            else std_ages(min_years, max_years)
        )
        return {
            "criteria": _text(el.get("eligibilityCriteria")),
            "sex": self.enum(f"{f}.sex", el.get("sex"), "sex"),
            "gender_based": el.get("genderBased"),
            "minimum_age": min_text,
            "maximum_age": max_text,
            "minimum_age_years": min_years,
            "maximum_age_years": max_years,
            "healthy_volunteers": el.get("healthyVolunteers"),
            "std_ages": ages,
            "study_population": _text(el.get("studyPopulation")),
            "sampling_method": self.api(
                f"{f}.samplingMethod", el.get("samplingMethod"), "sampling_method"
            ),
        }

    def _org(self, org: dict[str, Any], field: str) -> dict[str, Any]:
        return {
            "name": org.get("name"),
            "cls": self.api(f"{field}.class", org.get("class"), "agency_class"),
        }

    def _contact(self, c: dict[str, Any], field: str) -> dict[str, Any]:
        return {
            "name": c.get("name"),
            "role": self.api(f"{field}.role", c.get("role"), "contact_role"),
            "phone": c.get("phone"),
            "phone_ext": c.get("phoneExt"),
            "email": c.get("email"),
        }

    def _location(self, loc: dict[str, Any]) -> dict[str, Any]:
        geo = self.obj(loc, "geoPoint", "locations.geoPoint")
        return {
            "facility": loc.get("facility"),
            "status": self.enum("locations.status", loc.get("status"), "status"),
            "city": loc.get("city"),
            "state": loc.get("state"),
            "zip": loc.get("zip"),
            "country": loc.get("country"),
            "geo": {"lat": geo.get("lat"), "lon": geo.get("lon")} if geo else None,
            "contacts": [
                self._contact(c, "locations.contacts")
                for c in self.items(loc, "contacts", "locations.contacts")
            ],
        }

    def _mesh(self, derived: dict[str, Any], module: str) -> list[dict[str, Any]]:
        browse = self.obj(derived, module, f"derivedSection.{module}")
        return [
            {"id": m.get("id"), "term": m.get("term")}
            for m in self.items(browse, "meshes", f"{module}.meshes")
        ]


def _text(value: Any) -> Any:
    """Markdown-escaped registry text -> plain text (non-strings pass to the model's check)."""
    return unescape_markdown(value) if isinstance(value, str) else value


def trial_from_api_v2(study: dict[str, Any], source: str) -> Trial:
    """Read one API v2 study object; raises RecordError naming the source and field."""
    if not isinstance(study, dict):
        raise RecordError(
            source, f"not an API v2 study: expected an object, got {type(study).__name__}"
        )
    return _JsonStudy(study, source).trial()
