"""The patient profile: the one input the matcher reads (design/patient-profile.md).

Every field except `as_of` is optional, and absent means "not known", never "no".
Models forbid unknown fields so a typo ("birthdate", "labz") is an error that names
the field path instead of a silently ignored fact. Each list item maps to one
FHIR/mCODE resource. Facts that came from a FHIR resource or a note sentence are
recorded in `sources`, keyed by field path (`labs[2]`), so a verdict can cite them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from trialscout.patient import vocab

Sex = Literal["male", "female", "other", "unknown"]
Scale = Literal["ECOG", "KPS", "WHO", "Lansky"]
TreatmentKind = Literal["drug", "regimen", "radiotherapy", "surgery", "procedure"]
Setting = Literal["curative", "recurrent", "metastatic", "maintenance"]
Response = Literal["CR", "PR", "SD", "PD"]
Edition = Literal["AJCC7", "AJCC8", "AJCC9"]
QualResult = Literal[
    "positive",
    "negative",
    "detected",
    "not detected",
    "equivocal",
    "indeterminate",
]
Span = tuple[int, int]
NonNeg = Annotated[float, Field(ge=0)]

_SEX_ALIASES = {"m": "male", "f": "female", "man": "male", "woman": "female"}
_SCALE_ALIASES = {
    "ecog": "ECOG",
    "kps": "KPS",
    "karnofsky": "KPS",
    "karnofsky performance status": "KPS",
    "who": "WHO",
    "lansky": "Lansky",
}
# Sub-settings the doc folds into `curative`; source: design/patient-profile.md "Meanings".
_SETTING_ALIASES = {
    "neoadjuvant": "curative",
    "induction": "curative",
    "concurrent": "curative",
    "adjuvant": "curative",
    "definitive": "curative",
    "radical": "curative",
}
_RESULT_ALIASES = {
    "pos": "positive",
    "+": "positive",
    "neg": "negative",
    "-": "negative",
    "not-detected": "not detected",
    "undetected": "not detected",
    "undetectable": "not detected",
    "nondetected": "not detected",
    "non-detected": "not detected",
}
_EDITIONS = {
    "7": "AJCC7",
    "7th": "AJCC7",
    "8": "AJCC8",
    "8th": "AJCC8",
    "9": "AJCC9",
    "9th": "AJCC9",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _lower_alias(v: Any, aliases: dict[str, str]) -> Any:
    if isinstance(v, str):
        k = v.strip().lower()
        return aliases.get(k, k)
    return v


def _norm_result(v: Any) -> Any:
    return _lower_alias(v, _RESULT_ALIASES)


class Location(_Model):
    """Where the patient is, for distance to trial sites."""

    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = None
    lat: float | None = Field(None, ge=-90, le=90, description="latitude, degrees")
    lon: float | None = Field(None, ge=-180, le=180, description="longitude, degrees")


class Diagnosis(_Model):
    """A cancer diagnosis (mCODE PrimaryCancerCondition)."""

    name: str = Field(description="cancer type, e.g. 'nasopharyngeal carcinoma'")
    codes: list[str] = Field(
        default_factory=list, description="'ICD-10:C11.9', 'SNOMED:...', 'ICD-O-3:8072/3'"
    )
    primary: bool | None = Field(None, description="primary cancer (false: a second cancer)")
    date: dt.date | None = Field(None, description="date of diagnosis")
    histology: str | None = Field(None, description="morphology as text")
    who_type: str | None = Field(None, description="WHO type (NPC: I, II, III)")
    status: str | None = Field(
        None, description="disease course: newly diagnosed, locally advanced, recurrent, metastatic"
    )
    body_site: str | None = None
    confirmation: Literal["histological", "cytological", "clinical"] | None = None


class Stage(_Model):
    """TNM and stage group; groups are computed per edition, so the edition is kept."""

    edition: Edition | None = Field(None, description="AJCC7, AJCC8 or AJCC9")
    basis: Literal["clinical", "pathological"] | None = None
    T: str | None = Field(None, description="e.g. T3, cT2, T4a")
    N: str | None = Field(None, description="e.g. N1")
    M: str | None = Field(None, description="e.g. M0, M1b")
    group: str | None = Field(None, description="stage group, e.g. III, IVA (no 'stage')")
    date: dt.date | None = None

    @field_validator("edition", mode="before")
    @classmethod
    def _edition(cls, v: Any) -> Any:
        if isinstance(v, str):
            k = v.strip().upper().replace(" ", "").replace("EDITION", "").replace("AJCC", "")
            return _EDITIONS.get(k.lower(), v)
        if isinstance(v, int):
            return _EDITIONS.get(str(v), v)
        return v

    @field_validator("group", mode="before")
    @classmethod
    def _group(cls, v: Any) -> Any:
        if isinstance(v, str):
            s = v.strip()
            if s.lower().startswith("stage"):
                s = s[5:].strip()
            return s.upper()
        return v


class Recurrence(_Model):
    """The latest recurrence: where, when, and whether it can be treated locally."""

    date: dt.date | None = None
    extent: Literal["local", "regional", "locoregional", "distant"] | None = None
    sites: list[str] = Field(default_factory=list)
    resectable: bool | None = None
    T: str | None = Field(None, description="rT stage, e.g. rT2")
    N: str | None = Field(None, description="rN stage")
    in_irradiated_field: bool | None = None


class Metastasis(_Model):
    """A distant metastasis site (mCODE SecondaryCancerCondition)."""

    site: str
    date: dt.date | None = None
    lesions: int | None = Field(None, ge=0)
    measurable: bool | None = None
    symptomatic: bool | None = Field(None, description="matters for brain metastases")
    treated: bool | None = None
    stable: bool | None = None


class Performance(_Model):
    """A performance-status assessment; ECOG/WHO 0-5, KPS/Lansky 0-100 in steps of 10."""

    scale: Scale = Field(description="ECOG, KPS (Karnofsky), WHO or Lansky")
    value: float
    date: dt.date | None = None

    @field_validator("scale", mode="before")
    @classmethod
    def _scale(cls, v: Any) -> Any:
        if isinstance(v, str):
            return _SCALE_ALIASES.get(v.strip().lower(), v)
        return v

    @model_validator(mode="after")
    def _range(self) -> Performance:
        v = self.value
        if self.scale in ("ECOG", "WHO"):
            if not (0 <= v <= 5 and v == int(v)):
                raise ValueError(f"{self.scale} must be a whole number 0-5, found {v:g}")
        elif not (0 <= v <= 100 and v % 10 == 0):
            raise ValueError(f"{self.scale} must be 0-100 in steps of 10, found {v:g}")
        return self


class Biomarker(_Model):
    """A tumour marker or genomic result: a named marker, or a gene with its alteration."""

    name: str | None = Field(None, description="PD-L1, HER2, EBV DNA, MSI, TMB, p16...")
    gene: str | None = Field(None, description="HGNC symbol, e.g. EGFR")
    alteration: str | None = Field(None, description="HGVS protein change or exon event")
    kind: Literal["mutation", "fusion", "amplification", "deletion", "expression"] | None = None
    result: str | None = Field(
        None, description="detected, not detected, positive, negative, MSS, MSI-H, 3+ ..."
    )
    score: str | None = Field(None, description="PD-L1 score type: TPS, CPS, IC")
    value: float | None = None
    unit: str | None = None
    assay: str | None = Field(None, description="e.g. 22C3, SP263")
    date: dt.date | None = None

    @field_validator("result", mode="before")
    @classmethod
    def _result(cls, v: Any) -> Any:
        return _norm_result(v)

    @model_validator(mode="after")
    def _named(self) -> Biomarker:
        if not self.name and not self.gene:
            raise ValueError("a biomarker needs 'name' or 'gene'")
        return self


class Lab(_Model):
    """A lab result: `value` + `unit`, or a qualitative `result`.

    Units must be spellings the project knows (data/patient/units.json): an unknown
    unit is an error, because a value the matcher cannot convert would be compared
    wrongly. Values with no unit (INR, ratios) carry `value` alone.
    """

    test: str = Field(description="common name, abbreviation or 'LOINC:718-7'")
    value: float | None = None
    unit: str | None = None
    result: QualResult | None = None
    uln: float | None = Field(None, ge=0, description="the lab's upper limit of normal")
    lln: float | None = Field(None, ge=0, description="the lab's lower limit of normal")
    date: dt.date | None = None

    @field_validator("result", mode="before")
    @classmethod
    def _result(cls, v: Any) -> Any:
        return _norm_result(v)

    @field_validator("unit")
    @classmethod
    def _unit(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        if vocab.canonical_unit(v) is None:
            raise ValueError(
                f"unknown unit {v!r}; expected one of: {', '.join(vocab.known_units())}"
            )
        return v

    @model_validator(mode="after")
    def _check(self) -> Lab:
        if self.value is None and self.result is None:
            raise ValueError("a lab needs 'value' (with 'unit') or 'result'")
        if self.value is not None and self.value < 0:
            raise ValueError(f"value must be >= 0, found {self.value:g}")
        if self.uln is not None and self.lln is not None and self.lln > self.uln:
            raise ValueError(f"lln {self.lln:g} is above uln {self.uln:g}")
        return self

    @property
    def analyte(self) -> str | None:
        """Canonical analyte name (`Hb`, `LOINC:718-7` -> `hemoglobin`), None if unknown."""
        return vocab.canonical_lab(self.test)

    @property
    def canonical_unit(self) -> str | None:
        """The unit in its canonical spelling (`x10^9/L` -> `10^9/L`)."""
        return vocab.canonical_unit(self.unit) if self.unit else None


class Vitals(_Model):
    """Body measurements and cardiac function."""

    weight_kg: NonNeg | None = None
    height_cm: NonNeg | None = None
    bmi: NonNeg | None = None
    qtc_ms: NonNeg | None = None
    lvef_pct: float | None = Field(None, ge=0, le=100)
    nyha_class: int | None = Field(None, ge=1, le=4)
    systolic_bp: NonNeg | None = None
    diastolic_bp: NonNeg | None = None


class Treatment(_Model):
    """A treatment: a drug, regimen, radiotherapy course, surgery or other procedure."""

    kind: TreatmentKind
    name: str
    drugs: list[str] = Field(default_factory=list, description="members of a regimen")
    codes: list[str] = Field(default_factory=list)
    setting: Setting | None = Field(
        None,
        description="curative (neoadjuvant, concurrent, adjuvant, definitive), "
        "recurrent, metastatic, maintenance",
    )
    intent: str | None = Field(None, description="curative, palliative")
    line: int | None = Field(None, ge=1, description="line of recurrent/metastatic therapy")
    cycles: int | None = Field(None, ge=0)
    sites: list[str] = Field(default_factory=list)
    start: dt.date | None = None
    end: dt.date | None = None
    date: dt.date | None = Field(None, description="single-day treatments (surgery)")
    ongoing: bool | None = None
    dose_gy: float | None = Field(None, ge=0)
    fractions: int | None = Field(None, ge=0)
    best_response: Response | None = Field(None, description="RECIST: CR, PR, SD, PD")
    major: bool | None = Field(None, description="major surgery")

    @field_validator("setting", mode="before")
    @classmethod
    def _setting(cls, v: Any) -> Any:
        return _lower_alias(v, _SETTING_ALIASES)

    @field_validator("best_response", mode="before")
    @classmethod
    def _response(cls, v: Any) -> Any:
        return v.strip().upper() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _dates(self) -> Treatment:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Condition(_Model):
    """A comorbidity or past illness (other cancers, autoimmune disease, infections...)."""

    name: str
    codes: list[str] = Field(default_factory=list)
    status: Literal["active", "resolved", "history", "remission", "inactive"] | None = None
    controlled: bool | None = None
    grade: int | None = Field(None, ge=1, le=5, description="CTCAE grade")
    date: dt.date | None = None
    treated: bool | None = None
    requires_systemic_treatment: bool | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v


class FactSource(_Model):
    """Where a fact came from, so evidence can cite it."""

    origin: Literal["structured", "fhir", "note"]
    resource: str | None = Field(None, description="FHIR 'Observation/abc'")
    sentence: str | None = Field(None, description="the note sentence")
    span: Span | None = Field(None, description="character offsets of the match in the note")


class PatientProfile(_Model):
    """One patient as the matcher sees it (design/patient-profile.md)."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        title="trialscout patient profile",
        json_schema_extra={
            "$comment": "Every field except as_of is optional; absent means not known."
        },
    )

    id: str | None = None
    as_of: dt.date = Field(description="the date the profile describes; ages and windows use it")
    birth_date: dt.date | None = None
    age: int | None = Field(
        None, ge=0, le=130, description="years at as_of; stands in for birth_date"
    )
    sex: Sex | None = None
    location: Location | None = None
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    stage: Stage | None = None
    recurrence: Recurrence | None = None
    metastases: list[Metastasis] = Field(default_factory=list)
    performance: list[Performance] = Field(default_factory=list)
    biomarkers: list[Biomarker] = Field(default_factory=list)
    labs: list[Lab] = Field(default_factory=list)
    vitals: Vitals | None = None
    treatments: list[Treatment] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    negatives: list[str] = Field(
        default_factory=list, description="conditions or exposures the record states are absent"
    )
    medications: list[str] = Field(default_factory=list, description="current medications")
    allergies: list[str] = Field(default_factory=list)
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    life_expectancy_months: float | None = Field(None, ge=0)
    note: str | None = Field(None, description="free text; facts found in it cite the sentence")
    sources: dict[str, FactSource] = Field(
        default_factory=dict,
        description="where non-structured facts came from, keyed by field path ('labs[2]')",
    )

    @field_validator("sex", mode="before")
    @classmethod
    def _sex(cls, v: Any) -> Any:
        return _lower_alias(v, _SEX_ALIASES)

    @model_validator(mode="after")
    def _consistent(self) -> PatientProfile:
        if self.birth_date is not None:
            if self.birth_date > self.as_of:
                raise ValueError(f"birth_date {self.birth_date} is after as_of {self.as_of}")
            if self.age is not None and abs(_years(self.birth_date, self.as_of) - self.age) > 1:
                raise ValueError(
                    f"age {self.age} disagrees with birth_date {self.birth_date} at {self.as_of}"
                )
        return self

    # ------------------------------------------------------------------ helpers

    def age_at(self, on: dt.date | None = None) -> int | None:
        """Completed years at `on` (default `as_of`): exact from birth_date, else from `age`."""
        on = on or self.as_of
        if self.birth_date is not None:
            return _years(self.birth_date, on)
        if self.age is not None:
            return (
                self.age + _years(self.as_of, on)
                if on >= self.as_of
                else self.age - _years(on, self.as_of)
            )
        return None

    @property
    def age_exact(self) -> bool:
        """True when age comes from a birth date (an `age` alone is exact to the year only)."""
        return self.birth_date is not None

    def source_of(self, path: str) -> FactSource:
        """Where the fact at `path` (`labs[2]`, `sex`) came from; structured input by default."""
        src = self.sources.get(path)
        if src is None:
            root = path.split(".")[0]
            src = self.sources.get(root)
        return src or FactSource(origin="structured")

    def find_labs(self, analyte: str) -> list[tuple[int, Lab]]:
        """Labs for one analyte (any alias or LOINC), newest first, with their index."""
        want = vocab.canonical_lab(analyte) or analyte.strip().lower()
        hits = [
            (i, lab)
            for i, lab in enumerate(self.labs)
            if (lab.analyte or lab.test.strip().lower()) == want
        ]
        return sorted(hits, key=lambda x: x[1].date or dt.date.min, reverse=True)

    def latest_performance(self, scale: str | None = None) -> tuple[int, Performance] | None:
        """The newest performance assessment (optionally of one scale), with its index."""
        items = [
            (i, p)
            for i, p in enumerate(self.performance)
            if scale is None or p.scale == _SCALE_ALIASES.get(scale.lower(), scale)
        ]
        if not items:
            return None
        return max(items, key=lambda x: x[1].date or dt.date.min)

    @property
    def primary_diagnosis(self) -> Diagnosis | None:
        for d in self.diagnoses:
            if d.primary:
                return d
        return self.diagnoses[0] if self.diagnoses else None


def _years(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class ExtractedFact(_Model):
    """One fact found in a note, with the sentence and span it came from."""

    field: str = Field(description="profile field path: 'age', 'labs', 'performance', ...")
    value: Any = Field(description="the value for that field (a sub-model dict for lists)")
    text: str = Field(description="the matched words")
    sentence: str
    span: Span = Field(description="character offsets of `text` in the note")
    negated: bool = False
    historical: bool = False
    family: bool = False
    hypothetical: bool = False
    uncertain: bool = False

    @property
    def source(self) -> FactSource:
        return FactSource(origin="note", sentence=self.sentence, span=self.span)
