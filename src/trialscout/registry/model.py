"""The trial record: one typed model for every registry format.

Both readers (API v2 JSON and classic XML) produce this model, so everything
downstream (store, criteria, matching, web) sees one shape. Enumerations use the
API v2 vocabulary (``RECRUITING``, ``PHASE2``...); the classic XML reader maps its
older wording onto it. Dates are ISO strings that keep the registry's precision
("2015-08" stays a month), since the registry often gives only a month.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

NCT_ID_RE = re.compile(r"^NCT\d{8}$")

NctId = Annotated[str, StringConstraints(pattern=r"^NCT\d{8}$")]
PartialDate = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, use_enum_values=False)


class OverallStatus(StrEnum):
    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING"
    COMPLETED = "COMPLETED"
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION"
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING"
    RECRUITING = "RECRUITING"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"
    WITHDRAWN = "WITHDRAWN"
    AVAILABLE = "AVAILABLE"
    NO_LONGER_AVAILABLE = "NO_LONGER_AVAILABLE"
    TEMPORARILY_NOT_AVAILABLE = "TEMPORARILY_NOT_AVAILABLE"
    APPROVED_FOR_MARKETING = "APPROVED_FOR_MARKETING"
    WITHHELD = "WITHHELD"
    UNKNOWN = "UNKNOWN"


class Phase(StrEnum):
    NA = "NA"
    EARLY_PHASE1 = "EARLY_PHASE1"
    PHASE1 = "PHASE1"
    PHASE2 = "PHASE2"
    PHASE3 = "PHASE3"
    PHASE4 = "PHASE4"


class StudyType(StrEnum):
    INTERVENTIONAL = "INTERVENTIONAL"
    OBSERVATIONAL = "OBSERVATIONAL"
    EXPANDED_ACCESS = "EXPANDED_ACCESS"


class DateType(StrEnum):
    ACTUAL = "ACTUAL"
    ESTIMATED = "ESTIMATED"


class Sex(StrEnum):
    ALL = "ALL"
    FEMALE = "FEMALE"
    MALE = "MALE"


class StdAge(StrEnum):
    CHILD = "CHILD"
    ADULT = "ADULT"
    OLDER_ADULT = "OLDER_ADULT"


class DatedEvent(_Model):
    """A registry date with its precision kept and whether it is actual or estimated."""

    date: PartialDate
    type: DateType | None = None


class Enrollment(_Model):
    count: int | None = Field(default=None, ge=0)
    type: DateType | None = None


class SecondaryId(_Model):
    id: str
    type: str | None = None
    domain: str | None = None


class Design(_Model):
    allocation: str | None = None
    intervention_model: str | None = None
    intervention_model_description: str | None = None
    primary_purpose: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None
    masking: str | None = None
    masking_description: str | None = None
    who_masked: list[str] = Field(default_factory=list)


class ArmGroup(_Model):
    label: str
    type: str | None = None
    description: str | None = None
    intervention_names: list[str] = Field(default_factory=list)


class Intervention(_Model):
    type: str | None = None
    name: str
    description: str | None = None
    other_names: list[str] = Field(default_factory=list)
    arm_group_labels: list[str] = Field(default_factory=list)


class Eligibility(_Model):
    criteria: str | None = None
    sex: Sex | None = None
    gender_based: bool | None = None
    minimum_age: str | None = None
    maximum_age: str | None = None
    minimum_age_years: float | None = None
    maximum_age_years: float | None = None
    healthy_volunteers: bool | None = None
    std_ages: list[StdAge] = Field(default_factory=list)
    study_population: str | None = None
    sampling_method: str | None = None


class Organization(_Model):
    name: str
    cls: str | None = Field(default=None, description="agency class: INDUSTRY, NIH, OTHER...")


class ResponsibleParty(_Model):
    type: str | None = None
    investigator_full_name: str | None = None
    investigator_title: str | None = None
    investigator_affiliation: str | None = None
    old_name_title: str | None = None
    old_organization: str | None = None


class Official(_Model):
    name: str
    affiliation: str | None = None
    role: str | None = None


class Contact(_Model):
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None


class GeoPoint(_Model):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Location(_Model):
    facility: str | None = None
    status: OverallStatus | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    geo: GeoPoint | None = None
    contacts: list[Contact] = Field(default_factory=list)


class Reference(_Model):
    pmid: str | None = None
    type: str | None = None
    citation: str | None = None


class MeshTerm(_Model):
    id: str | None = None
    term: str


class Trial(_Model):
    """One registry study, every section the product shows, plus where it came from."""

    nct_id: NctId
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    org_study_id: str | None = None
    secondary_ids: list[SecondaryId] = Field(default_factory=list)

    overall_status: OverallStatus | None = None
    last_known_status: OverallStatus | None = None
    why_stopped: str | None = None
    status_verified_date: PartialDate | None = None
    phases: list[Phase] = Field(default_factory=list)
    study_type: StudyType | None = None
    enrollment: Enrollment | None = None

    start_date: DatedEvent | None = None
    primary_completion_date: DatedEvent | None = None
    completion_date: DatedEvent | None = None
    first_submitted_date: PartialDate | None = None
    first_posted_date: DatedEvent | None = None
    last_update_posted_date: DatedEvent | None = None
    results_first_posted_date: DatedEvent | None = None

    brief_summary: str | None = None
    detailed_description: str | None = None
    conditions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)

    design: Design | None = None
    arm_groups: list[ArmGroup] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)
    eligibility: Eligibility | None = None

    lead_sponsor: Organization | None = None
    collaborators: list[Organization] = Field(default_factory=list)
    responsible_party: ResponsibleParty | None = None
    overall_officials: list[Official] = Field(default_factory=list)
    central_contacts: list[Contact] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)

    condition_mesh: list[MeshTerm] = Field(default_factory=list)
    intervention_mesh: list[MeshTerm] = Field(default_factory=list)
    has_results: bool = False

    source_format: str | None = Field(
        default=None,
        description="'ctgov-json-v2' or 'ctgov-xml'; the verbatim record is stored beside",
    )

    @property
    def title(self) -> str:
        return self.brief_title or self.official_title or self.nct_id

    @property
    def last_update(self) -> str | None:
        return self.last_update_posted_date.date if self.last_update_posted_date else None
