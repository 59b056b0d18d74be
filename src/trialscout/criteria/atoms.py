"""Typed, explainable eligibility constraints: expression trees of atoms.

A parsed criterion is a small tree (AND / OR / NOT / IF) whose leaves are typed
atoms. Every node keeps the words it came from (`text`) and where they are in the
trial's eligibility text (`span`, character offsets), so a verdict can always show
its source. The tree serialises to readable JSON (like MatchMiner's CTML), so a
clinician's correction can be saved and reloaded.

Meaning of a tree: for an inclusion criterion, true = the patient meets it; for an
exclusion criterion, true = the excluding condition applies. Evaluation is
three-valued (true / false / unknown); see `trialscout.match`.
"""

from __future__ import annotations

import typing
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Comparator = Literal["<", "<=", ">", ">=", "="]
Span = tuple[int, int]


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = ""
    span: Span | None = None


# --------------------------------------------------------------------------- atoms


class AgeAtom(_Node):
    type: Literal["age"] = "age"
    min_years: float | None = None
    max_years: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True


class SexAtom(_Node):
    type: Literal["sex"] = "sex"
    sex: Literal["female", "male"]


class DiagnosisAtom(_Node):
    """A cancer type (canonical id from data/cancer_types), optionally with histology."""

    type: Literal["diagnosis"] = "diagnosis"
    cancer: str | None = None
    histologies: list[str] = Field(default_factory=list)
    who_types: list[str] = Field(default_factory=list)
    confirmation: Literal["histological", "pathological", "cytological", "any"] | None = None


class StageAtom(_Node):
    """Stage group and/or TNM, with the AJCC edition when stated."""

    type: Literal["stage"] = "stage"
    groups: list[str] = Field(default_factory=list)
    t: list[str] = Field(default_factory=list)
    n: list[str] = Field(default_factory=list)
    m: list[str] = Field(default_factory=list)
    edition: Literal["AJCC7", "AJCC8", "AJCC9"] | None = None
    basis: Literal["clinical", "pathological"] | None = None


class DiseaseStatusAtom(_Node):
    """Disease extent or course: metastatic, locally advanced, recurrent, resectable..."""

    type: Literal["disease_status"] = "disease_status"
    status: str
    detail: str | None = None


class MetastasisAtom(_Node):
    type: Literal["metastasis"] = "metastasis"
    site: str
    symptomatic: bool | None = None
    treated: bool | None = None
    stable: bool | None = None


class MeasurableDiseaseAtom(_Node):
    type: Literal["measurable_disease"] = "measurable_disease"
    standard: str | None = None
    min_lesions: int = 1
    sites: list[str] = Field(default_factory=list)


class PerformanceAtom(_Node):
    type: Literal["performance"] = "performance"
    scale: Literal["ECOG", "KPS", "WHO", "LANSKY"]
    min: float | None = None
    max: float | None = None


class PriorTherapyAtom(_Node):
    """Prior (or current) treatment: a drug, class, regimen or modality, with qualifiers."""

    type: Literal["prior_therapy"] = "prior_therapy"
    modality: str | None = None
    drug: str | None = None
    drug_class: str | None = None
    regimen: str | None = None
    setting: str | None = None
    line: int | None = None
    min_cycles: int | None = None
    max_cycles: int | None = None
    response: list[str] = Field(default_factory=list)
    within_days: int | None = None
    major: bool | None = None
    ongoing: bool | None = None


class LabAtom(_Node):
    """A lab limit as a value with unit, or as a multiple of the upper/lower limit of normal."""

    type: Literal["lab"] = "lab"
    analyte: str
    loinc: str | None = None
    comparator: Comparator
    value: float | None = None
    unit: str | None = None
    uln_multiple: float | None = None
    lln_multiple: float | None = None


class InfectionAtom(_Node):
    type: Literal["infection"] = "infection"
    pathogen: Literal["HBV", "HCV", "HIV", "TB", "OTHER"]
    marker: str | None = None
    status: Literal["positive", "negative", "active", "history", "any"] = "positive"
    comparator: Comparator | None = None
    value: float | None = None
    unit: str | None = None


class ConditionAtom(_Node):
    """A comorbidity: heart disease, autoimmune disease, ILD, other malignancy..."""

    type: Literal["condition"] = "condition"
    condition: str
    status: Literal["active", "history", "any", "uncontrolled"] = "any"
    min_grade: int | None = None
    nyha_min: int | None = None
    within_days: int | None = None
    requires_systemic_treatment: bool | None = None
    exceptions: list[str] = Field(default_factory=list)


class MeasurementAtom(_Node):
    """A non-lab measurement: QTc (ms), LVEF (%), weight, BMI..."""

    type: Literal["measurement"] = "measurement"
    name: str
    comparator: Comparator
    value: float
    unit: str | None = None


class ReproductiveAtom(_Node):
    type: Literal["reproductive"] = "reproductive"
    state: Literal["pregnant", "breastfeeding", "planning_pregnancy", "contraception"]


class LifeExpectancyAtom(_Node):
    type: Literal["life_expectancy"] = "life_expectancy"
    min_months: float


class TimeRelationAtom(_Node):
    """An interval between two clinical events ("recurrence > 1 year after radical treatment")."""

    type: Literal["time_relation"] = "time_relation"
    event: str
    reference: str
    min_days: int | None = None
    max_days: int | None = None


class BiomarkerAtom(_Node):
    """A tumour marker or genomic requirement (docs/biomarkers.md).

    `alteration` may be a wildcard ("V600*"); `variant_class` names a group of variants
    ("sensitizing"); `result` "wild-type" needs a stated negative result for the gene.
    """

    type: Literal["biomarker"] = "biomarker"
    marker: str
    gene: str | None = None
    alteration: str | None = None
    score: str | None = None
    comparator: Comparator | None = None
    value: float | None = None
    result: str | None = None
    kind: Literal["mutation", "fusion", "amplification", "deletion", "expression"] | None = None
    variant_class: str | None = None
    assay: str | None = None
    unit: str | None = None


class ReviewAtom(_Node):
    """What only an investigator can judge; shown, never decisive."""

    type: Literal["review"] = "review"
    reason: Literal["consent", "compliance", "investigator_judgment", "suitability", "other"]


class UnparsedAtom(_Node):
    """Text the engine cannot read: evaluated as unknown, never dropped."""

    type: Literal["unparsed"] = "unparsed"


AtomTypes = (
    AgeAtom
    | SexAtom
    | DiagnosisAtom
    | StageAtom
    | DiseaseStatusAtom
    | MetastasisAtom
    | MeasurableDiseaseAtom
    | PerformanceAtom
    | PriorTherapyAtom
    | LabAtom
    | InfectionAtom
    | ConditionAtom
    | MeasurementAtom
    | ReproductiveAtom
    | LifeExpectancyAtom
    | TimeRelationAtom
    | BiomarkerAtom
    | ReviewAtom
    | UnparsedAtom
)
Atom = Annotated[AtomTypes, Field(discriminator="type")]

ATOM_TYPES: tuple[str, ...] = tuple(
    t.model_fields["type"].default for t in typing.get_args(AtomTypes)
)

# --------------------------------------------------------------------------- operators


class AndNode(_Node):
    type: Literal["and"] = "and"
    args: list[Expr]


class OrNode(_Node):
    type: Literal["or"] = "or"
    args: list[Expr]


class NotNode(_Node):
    type: Literal["not"] = "not"
    arg: Expr


class IfNode(_Node):
    """A conditional limit: `then` where `cond` holds, else `otherwise`.

    With `cond` unknown, the evaluator answers only where both branches agree
    (clinical-reference.md, "Conditional limits").
    """

    type: Literal["if"] = "if"
    cond: Expr
    then: Expr
    otherwise: Expr


Expr = Annotated[AndNode | OrNode | NotNode | IfNode | AtomTypes, Field(discriminator="type")]

AndNode.model_rebuild()
OrNode.model_rebuild()
NotNode.model_rebuild()
IfNode.model_rebuild()


# --------------------------------------------------------------------------- criteria


class Criterion(BaseModel):
    """One inclusion or exclusion item, its exact words, and its parsed tree."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="'inc-3', 'exc-10', nested items 'inc-9.2'")
    kind: Literal["inclusion", "exclusion"]
    text: str
    span: Span
    parent: str | None = None
    expr: Expr
    fully_parsed: bool = Field(description="no unparsed leaf in the tree")


class ParsedCriteria(BaseModel):
    """All criteria of one trial, as stored with it."""

    model_config = ConfigDict(extra="forbid")

    nct_id: str | None = None
    parser_version: str
    criteria: list[Criterion] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


def iter_atoms(expr: Expr) -> list[Expr]:
    """Every leaf of a tree, left to right."""
    if type(expr) in _LEAF_TYPES:  # most calls: a leaf (`isinstance` on a model is slow)
        return [expr]
    if isinstance(expr, AndNode | OrNode):
        out: list[Expr] = []
        for a in expr.args:
            out.extend(iter_atoms(a))
        return out
    if isinstance(expr, NotNode):
        return iter_atoms(expr.arg)
    if isinstance(expr, IfNode):
        return iter_atoms(expr.cond) + iter_atoms(expr.then) + iter_atoms(expr.otherwise)
    return [expr]


# the atom classes themselves (no operator is one of them): `iter_atoms`' fast path
_LEAF_TYPES: frozenset[type] = frozenset(typing.get_args(AtomTypes))
