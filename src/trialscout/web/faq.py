"""Frequently asked questions, answered only from the trial's own record.

Every answer names its source (a registry field or a criterion id, linked on the page),
and a question the record cannot answer is left out rather than guessed.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from trialscout.criteria.atoms import (
    Criterion,
    DiseaseStatusAtom,
    Expr,
    IfNode,
    MetastasisAtom,
    NotNode,
    ParsedCriteria,
    PriorTherapyAtom,
    StageAtom,
)
from trialscout.registry.model import OverallStatus, Trial


class FaqSource(BaseModel):
    label: str = Field(description="'Recruitment Status', 'criterion inc-4'")
    anchor: str | None = Field(None, description="page anchor, e.g. 'crit-inc-4'")


class FaqItem(BaseModel):
    question: str
    answer: str
    sources: list[FaqSource] = Field(default_factory=list)


def _positive_atoms(e: Expr, positive: bool = True) -> list[tuple[Expr, bool]]:
    """Leaves with polarity; IF conditions are context, not requirements, so skipped."""
    if e.type in ("and", "or"):
        return [x for a in getattr(e, "args", []) for x in _positive_atoms(a, positive)]
    if isinstance(e, NotNode):
        return _positive_atoms(e.arg, not positive)
    if isinstance(e, IfNode):
        return _positive_atoms(e.then, positive) + _positive_atoms(e.otherwise, positive)
    return [(e, positive)]


def _crit_source(c: Criterion) -> FaqSource:
    return FaqSource(label=f"criterion {c.id}", anchor=f"crit-{c.id}")


def _join(items: list[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _recruiting(t: Trial) -> FaqItem | None:
    s = t.overall_status
    if s is None:
        return None
    src = [FaqSource(label="Recruitment Status", anchor="basic-information")]
    recruiting_sites = sum(1 for loc in t.locations if loc.status == OverallStatus.RECRUITING)
    code = s.value
    if s == OverallStatus.RECRUITING:
        ans = f"Yes. The registry status is {code}."
        if recruiting_sites:
            ans += f" {recruiting_sites} site(s) are listed as recruiting."
            src.append(FaqSource(label="Locations: Site Status", anchor="locations"))
    elif s == OverallStatus.NOT_YET_RECRUITING:
        ans = f"Not yet. The registry status is {code}."
        if t.start_date:
            ans += f" The listed start date is {t.start_date.date}."
            src.append(FaqSource(label="Study Start Date", anchor="basic-information"))
    else:
        ans = f"No. The registry status is {code}."
        if t.why_stopped:
            ans += f" Reason given: {t.why_stopped}"
    if t.last_update:
        ans += f" (record last updated {t.last_update})"
    return FaqItem(question=f"Is {t.nct_id} currently recruiting?", answer=ans, sources=src)


def _therapy_words(a: PriorTherapyAtom) -> str:
    from trialscout.match.evaluators.therapy import describe

    return describe(a)


def _prior_treatment(parsed: ParsedCriteria) -> FaqItem | None:
    required: list[str] = []
    forbidden: list[str] = []
    req_src: list[FaqSource] = []
    forb_src: list[FaqSource] = []
    for c in parsed.criteria:
        for atom, positive in _positive_atoms(c.expr):
            if not isinstance(atom, PriorTherapyAtom):
                continue
            wanted = positive if c.kind == "inclusion" else not positive
            words = _therapy_words(atom)
            if wanted:
                required.append(words)
                if _crit_source(c) not in req_src:
                    req_src.append(_crit_source(c))
            else:
                forbidden.append(words)
                if _crit_source(c) not in forb_src:
                    forb_src.append(_crit_source(c))
    if not required and not forbidden:
        return None
    q = "Is prior treatment required for enrollment?"
    if required:
        ans = f"Yes. The criteria ask for prior {_join(required)}."
        if forbidden:
            ans += f" They rule out prior {_join(forbidden)}."
        return FaqItem(question=q, answer=ans, sources=req_src + forb_src)
    return FaqItem(
        question=q,
        answer=(
            "No criterion asks for a prior treatment. The criteria rule out prior "
            f"{_join(forbidden)}."
        ),
        sources=forb_src,
    )


def _stage(parsed: ParsedCriteria) -> FaqItem | None:
    parts: list[str] = []
    src: list[FaqSource] = []
    for c in parsed.criteria:
        if c.kind != "inclusion":
            continue
        found = False
        for atom, positive in _positive_atoms(c.expr):
            if not positive:
                continue
            if isinstance(atom, StageAtom):
                bits = []
                if atom.groups:
                    bits.append("stage " + " or ".join(atom.groups))
                tnm = [
                    f"{k} {'/'.join(v)}"
                    for k, v in (("T", atom.t), ("N", atom.n), ("M", atom.m))
                    if v
                ]
                bits += tnm
                if bits:
                    ed = f" ({atom.edition})" if atom.edition else ""
                    parts.append(", ".join(bits) + ed)
                    found = True
            elif isinstance(atom, DiseaseStatusAtom):
                parts.append(atom.status.replace("_", " ") + " disease")
                found = True
            elif isinstance(atom, MetastasisAtom) and c.kind == "inclusion":
                parts.append(f"{atom.site.replace('_', ' ')} metastases")
                found = True
        if found:
            src.append(_crit_source(c))
    if not parts:
        return None
    return FaqItem(
        question="What disease stage is eligible?",
        answer=f"The inclusion criteria ask for {_join(parts)}.",
        sources=src,
    )


def _age(t: Trial) -> FaqItem | None:
    e = t.eligibility
    if e is None or (not e.minimum_age and not e.maximum_age):
        return None
    src = [FaqSource(label="Minimum / Maximum Eligible Age", anchor="eligibility-criteria")]
    if e.minimum_age and e.maximum_age:
        ans = f"Yes. Participants must be {e.minimum_age} to {e.maximum_age} old."
    elif e.minimum_age:
        ans = (
            f"Yes, a minimum: participants must be at least {e.minimum_age} old; no maximum is set."
        )
    else:
        ans = (
            f"Yes, a maximum: participants must be at most {e.maximum_age} old; no minimum is set."
        )
    return FaqItem(question="Is there an age limit?", answer=ans, sources=src)


def _sites(t: Trial) -> FaqItem | None:
    if not t.locations:
        return None
    countries = list(
        dict.fromkeys([loc.country for loc in t.locations if loc.country] or t.countries)
    )
    cities = list(dict.fromkeys(loc.city for loc in t.locations if loc.city))
    n = len(t.locations)
    ans = f"{n} site(s)"
    if countries:
        ans += f" in {_join(countries[:8])}" + (" and more" if len(countries) > 8 else "")
    if cities:
        shown = ", ".join(cities[:6]) + (f" and {len(cities) - 6} more" if len(cities) > 6 else "")
        ans += f"; cities: {shown}"
    recruiting = sum(1 for loc in t.locations if loc.status == OverallStatus.RECRUITING)
    if any(loc.status for loc in t.locations):
        ans += f". {recruiting} of them listed as recruiting"
    return FaqItem(
        question="Where are the study sites?",
        answer=ans + ".",
        sources=[FaqSource(label="Locations", anchor="locations")],
    )


def _groups(t: Trial) -> FaqItem | None:
    if not t.arm_groups:
        return None
    lines = []
    for arm in t.arm_groups:
        what = "; ".join(arm.intervention_names) if arm.intervention_names else None
        if not what and arm.description:
            what = arm.description.strip().split("\n")[0][:240]
        if what:
            lines.append(f"{arm.label}: {what}")
    if not lines:
        return None
    return FaqItem(
        question="What does each group receive?",
        answer=" • ".join(lines),
        sources=[FaqSource(label="Study Groups", anchor="study-groups")],
    )


def build_faq(trial: Trial, parsed: ParsedCriteria | None) -> list[FaqItem]:
    """The questions this trial's record can answer, in a fixed order."""
    items = [_recruiting(trial)]
    if parsed is not None:
        items += [_prior_treatment(parsed), _stage(parsed)]
    items += [_age(trial), _sites(trial), _groups(trial)]
    return [i for i in items if i is not None]
