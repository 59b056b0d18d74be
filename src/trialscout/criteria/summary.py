"""The seed-style summary: key fields of a trial's criteria, each linked to its criterion."""

from __future__ import annotations

from dataclasses import dataclass, field

from trialscout.criteria.atoms import (
    AgeAtom,
    Criterion,
    Expr,
    IfNode,
    LabAtom,
    NotNode,
    ParsedCriteria,
    iter_atoms,
)


@dataclass
class SummaryLine:
    field: str
    value: str
    criterion_id: str
    criterion_text: str


@dataclass
class Summary:
    lines: list[SummaryLine] = field(default_factory=list)


FIELDS = (
    "cancer type",
    "stage",
    "metastatic disease",
    "biomarkers",
    "performance status",
    "prior therapy required",
    "prior therapy forbidden",
    "labs",
    "cardiac function",
    "age",
    "sex",
)


def describe(e: Expr) -> str:
    """A compact one-line rendering of a tree."""
    t = e.type
    if t in ("and", "or"):
        args = getattr(e, "args", [])
        if not args:
            return "(no constraint)"
        return "(" + f" {t.upper()} ".join(describe(a) for a in args) + ")"
    if isinstance(e, NotNode):
        return "NOT " + describe(e.arg)
    if isinstance(e, IfNode):
        return f"IF {describe(e.cond)} THEN {describe(e.then)} ELSE {describe(e.otherwise)}"
    d = e.model_dump(exclude_none=True, exclude_defaults=True, exclude={"text", "span", "type"})
    if isinstance(e, LabAtom):
        d.pop("loinc", None)
        v = (
            f"{e.uln_multiple} x ULN"
            if e.uln_multiple is not None
            else f"{e.lln_multiple} x LLN"
            if e.lln_multiple is not None
            else f"{e.value:g} {e.unit or ''}".strip()
        )
        return f"lab {e.analyte} {e.comparator} {v}"
    if isinstance(e, AgeAtom):
        lo = (
            f"{'>=' if e.min_inclusive else '>'} {e.min_years:g}" if e.min_years is not None else ""
        )
        hi = (
            f"{'<=' if e.max_inclusive else '<'} {e.max_years:g}" if e.max_years is not None else ""
        )
        return f"age {lo} {hi}".strip()
    if t == "unparsed":
        return f"UNPARSED[{e.text.strip()[:60]}]"
    inner = ", ".join(f"{k}={v}" for k, v in d.items())
    return f"{t}({inner})"


def _main_atoms(e: Expr) -> list[Expr]:
    """Atoms outside IfNode conditions (a condition is context, not a requirement)."""
    if isinstance(e, IfNode):
        return _main_atoms(e.then) + _main_atoms(e.otherwise)
    if isinstance(e, NotNode):
        return _main_atoms(e.arg)
    if e.type in ("and", "or"):
        return [x for a in getattr(e, "args", []) for x in _main_atoms(a)]
    return [e]


def _field_of(c: Criterion) -> list[str]:
    kinds = {a.type for a in _main_atoms(c.expr)}
    out: list[str] = []
    if "diagnosis" in kinds and c.kind == "inclusion":
        out.append("cancer type")
    if "stage" in kinds:
        out.append("stage")
    if kinds & {"disease_status", "metastasis", "measurable_disease"}:
        out.append("metastatic disease")
    if "biomarker" in kinds:
        out.append("biomarkers")
    if "performance" in kinds:
        out.append("performance status")
    if "prior_therapy" in kinds and "lab" not in kinds:
        negated = isinstance(c.expr, NotNode)
        forbidden = (c.kind == "exclusion") != negated
        out.append("prior therapy forbidden" if forbidden else "prior therapy required")
    if "lab" in kinds:
        out.append("labs")
    atoms = iter_atoms(c.expr)
    if any(
        a.type == "measurement"
        or (a.type == "condition" and getattr(a, "condition", "") in _CARDIAC)
        for a in atoms
    ):
        out.append("cardiac function")
    if "age" in kinds:
        out.append("age")
    if "sex" in kinds and "measurement" not in kinds:
        out.append("sex")
    return out


_CARDIAC = {
    "cardiovascular_disease",
    "heart_failure",
    "myocardial_infarction",
    "angina",
    "arrhythmia",
    "hypertension",
}


def summarize(parsed: ParsedCriteria) -> Summary:
    s = Summary()
    for f in FIELDS:
        for c in parsed.criteria:
            if (
                c.parent is not None
                and any(x.id == c.parent for x in parsed.criteria)
                and f != "labs"
            ):
                continue
            if f in _field_of(c):
                if f == "labs" and any(
                    ch.parent == c.id for ch in parsed.criteria
                ):  # the children carry the limits
                    continue
                s.lines.append(SummaryLine(f, describe(c.expr), c.id, c.text))
    return s
