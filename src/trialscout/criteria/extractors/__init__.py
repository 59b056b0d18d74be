"""Atom extractors, one module per family; each returns `Found` items for one criterion."""

from __future__ import annotations

from collections.abc import Callable

from trialscout.criteria.extractors.base import Ctx, Found
from trialscout.criteria.extractors.clinical import (
    extract_biomarkers,
    extract_conditions,
    extract_infections,
    extract_measurements,
    extract_reproductive,
    extract_review,
)
from trialscout.criteria.extractors.demographics import (
    extract_age,
    extract_field_values,
    extract_life_expectancy,
    extract_performance,
    extract_sex,
)
from trialscout.criteria.extractors.disease import (
    extract_diagnosis,
    extract_disease_status,
    extract_measurable,
    extract_metastasis,
    extract_stage,
    extract_time_relation,
)
from trialscout.criteria.extractors.labs import extract_labs
from trialscout.criteria.extractors.therapy import extract_therapy

EXTRACTORS: list[Callable[[Ctx], list[Found]]] = [
    extract_age,
    extract_sex,
    extract_performance,
    extract_life_expectancy,
    extract_field_values,
    extract_labs,
    extract_measurements,
    extract_infections,
    extract_conditions,
    extract_reproductive,
    extract_biomarkers,
    extract_stage,
    extract_time_relation,
    extract_measurable,
    extract_metastasis,
    extract_therapy,
    extract_disease_status,
    extract_diagnosis,
    extract_review,
]

__all__ = ["EXTRACTORS", "Ctx", "Found"]
