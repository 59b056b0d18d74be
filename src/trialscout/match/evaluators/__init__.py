"""One module per atom family; `evaluate_atom` dispatches on the atom type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trialscout.match.evaluators.common import Ctx
from trialscout.match.logic import Outcome, review, unknown
from trialscout.match.result import MissingFact

_REGISTRY: dict[str, Callable[[Any, Ctx], Outcome]] = {}


def _load() -> dict[str, Callable[[Any, Ctx], Outcome]]:
    if not _REGISTRY:
        from trialscout.match.evaluators import (
            biomarkers,
            conditions,
            demographics,
            disease,
            infection,
            labs,
            measurement,
            performance,
            stage,
            therapy,
        )

        for mod in (
            conditions,
            demographics,
            disease,
            infection,
            labs,
            measurement,
            performance,
            stage,
            therapy,
            biomarkers,  # after disease: replaces its basic "biomarker" evaluator
        ):
            _REGISTRY.update(mod.EVALUATORS)
    return _REGISTRY


REVIEW_REASONS = {
    "consent": "informed consent is obtained by the study team",
    "compliance": "ability to comply is judged by the investigator",
    "investigator_judgment": "left to the investigator's judgment",
    "suitability": "suitability is judged by the treating team",
    "other": "needs a clinician's judgment",
}


def evaluate_atom(atom: Any, ctx: Ctx) -> Outcome:
    kind = atom.type
    if kind == "review":
        return review(f"Clinician review: {REVIEW_REASONS.get(atom.reason, atom.reason)}")
    if kind == "unparsed":
        fact = MissingFact(
            fact=f"criterion:{atom.text[:60]}",
            question="Criterion not understood by the parser: check by hand.",
        )
        return unknown("criterion not understood by the parser; check by hand", [fact])
    fn = _load().get(kind)
    if fn is None:
        return unknown(f"no evaluator for '{kind}' criteria yet; check by hand")
    return fn(atom, ctx)
