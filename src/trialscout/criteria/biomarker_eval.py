"""Measure biomarker extraction and matching against the hand-annotated gold set.

The gold set (tests/fixtures/biomarker_gold/) holds real biomarker criteria from
registry records with the atoms a reader expects (written by hand, never by the
parser), patient profiles, and the expected verdict of each criterion for each
profile. Two numbers come out: atom F1 (the parser's biomarker atoms vs gold, as
multisets of comparable keys) and matching accuracy (the engine's verdict on the
parsed criterion vs the expected one; unknown counts as a verdict of its own).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from trialscout.criteria.atoms import BiomarkerAtom, iter_atoms
from trialscout.criteria.parser import parse_text

KEY_FIELDS = (
    "marker",
    "gene",
    "alteration",
    "variant_class",
    "score",
    "comparator",
    "value",
    "result",
)
DEFAULT_GOLD = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "biomarker_gold"


class GoldCriterion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    nct_id: str
    kind: str
    text: str
    atoms: list[dict[str, Any]]


class GoldCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    criterion: str
    patient: str
    expected: bool | None
    rule: str


def atom_key(a: dict[str, Any]) -> tuple[Any, ...]:
    """The fields an atom must get right to count as found."""
    return tuple(a.get(f) for f in KEY_FIELDS)


def _read_jsonl(path: Path, model: type[BaseModel], errors: list[str]) -> list[Any]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(model.model_validate(json.loads(line)))
        except (ValueError, ValidationError) as exc:  # one bad record never stops the run
            errors.append(f"{path.name} line {n}: {str(exc).splitlines()[0]}")
    return out


def parsed_atoms(c: GoldCriterion) -> tuple[Any, list[dict[str, Any]]]:
    expr, _ = parse_text(c.text, 0, len(c.text), c.kind)
    atoms = [
        a.model_dump(exclude_none=True) for a in iter_atoms(expr) if isinstance(a, BiomarkerAtom)
    ]
    return expr, atoms


def biomarker_part(expr: Any, ctx: Any) -> Any:
    """The criterion's verdict with every non-biomarker leaf neutral (not applicable).

    Matching accuracy measures the biomarker rules, not the diagnosis or stage atoms
    that share a criterion with them ("KRAS wild-type colorectal cancer").
    """
    from trialscout.criteria.atoms import AndNode, IfNode, NotNode, OrNode
    from trialscout.match.evaluators import evaluate_atom
    from trialscout.match.logic import all_of, any_of, conditional, negate, not_applicable

    if isinstance(expr, AndNode):
        return all_of([biomarker_part(a, ctx) for a in expr.args])
    if isinstance(expr, OrNode):
        return any_of([biomarker_part(a, ctx) for a in expr.args])
    if isinstance(expr, NotNode):
        return negate(biomarker_part(expr.arg, ctx))
    if isinstance(expr, IfNode):
        return conditional(
            biomarker_part(expr.cond, ctx),
            biomarker_part(expr.then, ctx),
            biomarker_part(expr.otherwise, ctx),
        )
    if isinstance(expr, BiomarkerAtom):
        return evaluate_atom(expr, ctx)
    return not_applicable("not a biomarker")


def evaluate_biomarkers(gold_dir: Path = DEFAULT_GOLD) -> dict[str, Any]:
    """Atom P/R/F1 and matching accuracy over the gold set in `gold_dir`."""
    from trialscout.match.evaluators.common import Ctx
    from trialscout.match.policy import MatchPolicy
    from trialscout.patient.profile import PatientProfile

    errors: list[str] = []
    crit = _read_jsonl(gold_dir / "criteria.jsonl", GoldCriterion, errors)
    cases = _read_jsonl(gold_dir / "cases.jsonl", GoldCase, errors)
    raw = json.loads((gold_dir / "patients.json").read_text(encoding="utf-8"))
    profiles: dict[str, PatientProfile] = {}
    for pid, bms in raw.items():
        if pid.startswith("_"):
            continue
        try:
            profiles[pid] = PatientProfile(as_of=dt.date(2024, 1, 1), biomarkers=bms)
        except ValidationError as exc:
            errors.append(f"patients.json {pid}: {str(exc).splitlines()[0]}")
    tp = fp = fn = 0
    per: list[dict[str, Any]] = []
    trees: dict[str, Any] = {}
    for c in crit:
        expr, got = parsed_atoms(c)
        trees[c.id] = expr
        g = Counter(atom_key(a) for a in c.atoms)
        p = Counter(atom_key(a) for a in got)
        t = sum((g & p).values())
        tp, fp, fn = tp + t, fp + sum(p.values()) - t, fn + sum(g.values()) - t
        if t != sum(g.values()) or t != sum(p.values()):
            per.append(
                {
                    "id": c.id,
                    "missed": [list(k) for k in (g - p).elements()],
                    "extra": [list(k) for k in (p - g).elements()],
                }
            )
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    right = 0
    wrong: list[dict[str, Any]] = []
    by_rule: Counter[str] = Counter()
    for case in cases:
        if case.criterion not in trees or case.patient not in profiles:
            errors.append(f"cases.jsonl: unknown criterion/patient {case.criterion}/{case.patient}")
            continue
        o = biomarker_part(trees[case.criterion], Ctx(profiles[case.patient], MatchPolicy()))
        got_v = o.value if not o.na else None
        if got_v == case.expected:
            right += 1
        else:
            by_rule[case.rule] += 1
            wrong.append(
                {
                    "criterion": case.criterion,
                    "patient": case.patient,
                    "expected": case.expected,
                    "got": got_v,
                    "reason": o.reason,
                }
            )
    n = right + len(wrong)
    return {
        "gold": str(gold_dir),
        "criteria": len(crit),
        "gold_atoms": tp + fn,
        "atoms": {"tp": tp, "fp": fp, "fn": fn, "precision": prec, "recall": rec, "f1": f1},
        "matching": {"cases": n, "correct": right, "accuracy": right / n if n else 0.0},
        "atom_errors": per,
        "matching_errors": wrong,
        "errors": errors,
    }
