"""What the trial page shows beyond the raw record: the extracted-eligibility panel and
plain labels for registry codes. Pure functions over models, shared by HTML and JSON."""

from __future__ import annotations

from pydantic import BaseModel, Field

from trialscout.criteria.atoms import (
    AgeAtom,
    BiomarkerAtom,
    DiagnosisAtom,
    DiseaseStatusAtom,
    Expr,
    IfNode,
    LabAtom,
    NotNode,
    ParsedCriteria,
    PerformanceAtom,
    PriorTherapyAtom,
    SexAtom,
    StageAtom,
    TimeRelationAtom,
)
from trialscout.criteria.summary import FIELDS, describe, summarize
from trialscout.registry.model import Trial

FIELD_LABELS = {
    "cancer type": "Cancer type",
    "stage": "Disease stage",
    "metastatic disease": "Metastatic / recurrent disease",
    "biomarkers": "Biomarkers",
    "performance status": "Performance status",
    "prior therapy required": "Prior therapy required",
    "prior therapy forbidden": "Prior therapy not allowed",
    "labs": "Lab requirements",
    "cardiac function": "Cardiac function",
    "age": "Age",
    "sex": "Sex",
}


class PanelLine(BaseModel):
    value: str = Field(description="plain reading of the parsed constraint")
    structured: str = Field(description="the parsed tree, compact")
    criterion_id: str | None = None
    criterion_text: str | None = None
    source: str = Field(description="'criterion inc-3' or a registry field name")


class PanelField(BaseModel):
    field: str
    label: str
    lines: list[PanelLine] = Field(default_factory=list)


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def plain(e: Expr) -> str:
    """A short reading of a tree for people; falls back to the compact form."""
    from trialscout.match.evaluators.therapy import describe as therapy_words

    if e.type in ("and", "or"):
        args = getattr(e, "args", [])
        return f" {e.type} ".join(plain(a) for a in args) if args else "(no constraint)"
    if isinstance(e, NotNode):
        return "not: " + plain(e.arg)
    if isinstance(e, IfNode):
        return f"if {plain(e.cond)}: {plain(e.then)}; otherwise {plain(e.otherwise)}"
    if isinstance(e, AgeAtom):
        lo = f"at least {_num(e.min_years)}" if e.min_years is not None else ""
        hi = f"at most {_num(e.max_years)}" if e.max_years is not None else ""
        return "age " + " and ".join(x for x in (lo, hi) if x) + " years"
    if isinstance(e, SexAtom):
        return f"{e.sex} only"
    if isinstance(e, PerformanceAtom):
        scale = "Karnofsky" if e.scale == "KPS" else e.scale
        if e.min is not None and e.max is not None:
            return f"{scale} {_num(e.min)}–{_num(e.max)}"
        if e.min is not None:
            return f"{scale} ≥ {_num(e.min)}"
        return f"{scale} ≤ {_num(e.max)}"
    if isinstance(e, LabAtom):
        name = e.analyte.replace("_", " ")
        if e.uln_multiple is not None:
            return f"{name} {e.comparator} {_num(e.uln_multiple)} × ULN"
        if e.lln_multiple is not None:
            return f"{name} {e.comparator} {_num(e.lln_multiple)} × LLN"
        return f"{name} {e.comparator} {_num(e.value)} {e.unit or ''}".strip()
    if isinstance(e, PriorTherapyAtom):
        return therapy_words(e)
    if isinstance(e, BiomarkerAtom):
        from trialscout.match.evaluators.biomarkers import words as biomarker_words

        return biomarker_words(e)
    if isinstance(e, DiagnosisAtom):
        bits = [(e.cancer or "cancer").replace("_", " ")]
        if e.histologies:
            bits.append("histology " + " or ".join(h.replace("_", " ") for h in e.histologies))
        if e.who_types:
            bits.append("WHO type " + " or ".join(e.who_types))
        if e.confirmation:
            bits.append(f"{e.confirmation} confirmation")
        return ", ".join(bits)
    if isinstance(e, StageAtom):
        bits = []
        if e.groups:
            bits.append("stage " + " or ".join(e.groups))
        bits += [f"{k} {'/'.join(v)}" for k, v in (("T", e.t), ("N", e.n), ("M", e.m)) if v]
        return ", ".join(bits) + (f" ({e.edition})" if e.edition else "")
    if e.type == "review":
        return "judged by the trial team"
    if isinstance(e, DiseaseStatusAtom):
        detail = f" ({e.detail.replace('_', ' ')})" if e.detail else ""
        return e.status.replace("_", " ") + detail
    if isinstance(e, TimeRelationAtom):
        gap = []
        if e.min_days is not None:
            gap.append(f"at least {e.min_days} days")
        if e.max_days is not None:
            gap.append(f"at most {e.max_days} days")
        return (
            f"{e.event.replace('_', ' ')} {' and '.join(gap) or 'some time'} after "
            f"{e.reference.replace('_', ' ')}"
        )
    return describe(e)


def eligibility_panel(trial: Trial, parsed: ParsedCriteria | None) -> list[PanelField]:
    """Every field of the seed panel, in order; each line links to its criterion."""
    by_field: dict[str, PanelField] = {
        f: PanelField(field=f, label=FIELD_LABELS.get(f, f)) for f in FIELDS
    }
    by_id = {c.id: c for c in parsed.criteria} if parsed else {}
    if parsed is not None:
        for line in summarize(parsed).lines:
            crit = by_id.get(line.criterion_id)
            by_field[line.field].lines.append(
                PanelLine(
                    value=plain(crit.expr) if crit else line.value,
                    structured=line.value,
                    criterion_id=line.criterion_id,
                    criterion_text=line.criterion_text,
                    source=f"criterion {line.criterion_id}",
                )
            )
    e = trial.eligibility
    if e is not None:
        if not by_field["age"].lines and (e.minimum_age or e.maximum_age):
            rng = " to ".join(x for x in (e.minimum_age, e.maximum_age) if x)
            by_field["age"].lines.append(
                PanelLine(value=rng, structured=rng, source="Minimum / Maximum Eligible Age")
            )
        if not by_field["sex"].lines and e.sex is not None:
            by_field["sex"].lines.append(
                PanelLine(value=e.sex.value, structured=e.sex.value, source="Eligible Sex")
            )
    return list(by_field.values())


def phase_label(phases: list[str]) -> str:
    return (
        ", ".join(
            p.replace("EARLY_PHASE", "Early phase ").replace("PHASE", "Phase ") for p in phases
        )
        or "—"
    )
