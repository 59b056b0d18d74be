"""Match one patient against one trial's parsed criteria.

Each criterion's tree is evaluated in three-valued logic (inclusion: true = met;
exclusion: true = applies). Two trial-level steps follow: sub-items roll up into
their parent item, and the therapy paradox check (an exclusion that would rule out
the very therapy an inclusion requires becomes `review`, never a silent no).

Verdict (clinical-reference.md): INELIGIBLE if any counted inclusion is not met or
any exclusion applies; ELIGIBLE if every counted item is met / does not apply / not
applicable / review (open review items are listed in `needs_review`, they never
block); otherwise POSSIBLY ELIGIBLE.
"""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import (
    AndNode,
    Criterion,
    Expr,
    IfNode,
    NotNode,
    OrNode,
    ParsedCriteria,
    PriorTherapyAtom,
)
from trialscout.match.evaluators import evaluate_atom
from trialscout.match.evaluators.common import Ctx
from trialscout.match.evaluators.therapy import ctx_infos, identity, matching
from trialscout.match.logic import Outcome, all_of, any_of, conditional, negate
from trialscout.match.policy import MatchPolicy
from trialscout.match.result import CriterionResult, MissingFact, MissingItem, Status, TrialMatch
from trialscout.patient.profile import PatientProfile

__all__ = ["MatchPolicy", "evaluate", "match_trial"]


def evaluate(expr: Expr, ctx: Ctx) -> Outcome:
    """Three-valued value of a criterion tree for this patient."""
    if isinstance(expr, AndNode):
        return all_of([evaluate(a, ctx) for a in expr.args])
    if isinstance(expr, OrNode):
        return any_of([evaluate(a, ctx) for a in expr.args])
    if isinstance(expr, NotNode):
        return negate(evaluate(expr.arg, ctx))
    if isinstance(expr, IfNode):
        return conditional(
            evaluate(expr.cond, ctx), evaluate(expr.then, ctx), evaluate(expr.otherwise, ctx)
        )
    return evaluate_atom(expr, ctx)


def status_of(kind: str, o: Outcome) -> Status:
    if o.na:
        return "not_applicable"
    if o.value is None:
        return "review" if o.review else "unknown"
    if kind == "inclusion":
        return "met" if o.value else "not_met"
    return "applies" if o.value else "does_not_apply"


def _against(kind: str, o: Outcome) -> bool:
    want = kind != "inclusion"
    return o.value is want and not o.na


def _therapy_atoms(expr: Expr, positive: bool = True) -> list[tuple[PriorTherapyAtom, bool]]:
    """Prior-therapy atoms with their polarity (False under an odd number of NOTs)."""
    if isinstance(expr, AndNode | OrNode):
        return [x for a in expr.args for x in _therapy_atoms(a, positive)]
    if isinstance(expr, NotNode):
        return _therapy_atoms(expr.arg, not positive)
    if isinstance(expr, IfNode):
        return _therapy_atoms(expr.then, positive) + _therapy_atoms(expr.otherwise, positive)
    if isinstance(expr, PriorTherapyAtom):
        return [(expr, positive)]
    return []


def _paradox(
    crit: Criterion, outcome: Outcome, parsed: ParsedCriteria, ctx: Ctx
) -> tuple[list[str], list[str]] | None:
    """If `crit` rules the patient out only through the therapy another inclusion
    requires (same drug/class), return (inclusion ids, therapy names)."""
    if not _against(crit.kind, outcome) or not _therapy_atoms(crit.expr):
        return None
    infos = ctx_infos(ctx)
    required: dict[str, str] = {}  # treatment path -> name
    incl: list[str] = []
    for other in parsed.criteria:
        if other.kind != "inclusion" or other.id == crit.id:
            continue
        for atom, positive in _therapy_atoms(other.expr):
            if not positive:
                continue
            hits = [x for x in infos if x.t is not None and identity(atom, x) is True]
            for x in hits:
                required[x.path] = x.name
            if hits and other.id not in incl:
                incl.append(other.id)
    if not required:
        return None
    keep = [t for i, t in enumerate(ctx.profile.treatments) if f"treatments[{i}]" not in required]
    alt = Ctx(ctx.profile.model_copy(update={"treatments": keep}), ctx.policy)
    if _against(crit.kind, evaluate(crit.expr, alt)):
        return None
    hit: list[str] = []
    for atom, _ in _therapy_atoms(crit.expr):
        for x, ok in matching(atom, ctx):
            if ok and x.path in required and x.name not in hit:
                hit.append(x.name)
    return incl, hit or sorted(set(required.values()))


def _result(crit: Criterion, o: Outcome) -> CriterionResult:
    missing: list[MissingFact] = []
    if o.value is None and not o.na and not o.review:
        seen: set[tuple[str, str]] = set()
        for m in o.missing:
            if m.fact.startswith("criterion:"):
                m = MissingFact(fact=f"criterion:{crit.id}", question=m.question)
            if (m.fact, m.question) not in seen:  # a set, not list equality of models
                seen.add((m.fact, m.question))
                missing.append(m)
    return CriterionResult(
        id=crit.id,
        kind=crit.kind,
        text=crit.text,
        status=status_of(crit.kind, o),
        reason=o.reason,
        evidence=o.evidence,
        missing=missing,
        parent=crit.parent,
    )


def match_trial(
    profile: PatientProfile,
    trial: Any | None,
    parsed: ParsedCriteria,
    *,
    policy: MatchPolicy | None = None,
    memo: dict[str, Any] | None = None,
) -> TrialMatch:
    """Evaluate every criterion of `parsed` for `profile`; `trial` supplies id and title.

    `memo`: a dict to share profile-derived values across calls for the same, unchanged
    `profile` (one per `find`); leave it out when the profile may change between calls."""
    ctx = Ctx(profile, policy or MatchPolicy(), {} if memo is None else memo)
    outcomes: dict[str, Outcome] = {}
    results: list[CriterionResult] = []
    for crit in parsed.criteria:
        o = evaluate(crit.expr, ctx)
        outcomes[crit.id] = o
        r = _result(crit, o)
        para = _paradox(crit, o, parsed, ctx)
        if para is not None:
            ids, names = para
            verb = "applies" if crit.kind == "exclusion" else "is not met"
            r.status = "review"
            r.conflict_with = ids
            r.missing = []
            r.reason = (
                f"{o.reason}. It {verb} only because of {', '.join(names)}, the therapy that "
                f"{', '.join(ids)} requires: read literally it would rule out the patients the "
                "trial is for. Check with the trial team whether it means therapy other than "
                "the required one"
            )
        results.append(r)

    # Sub-items: a parent's status derives from its children (inclusion AND, exclusion OR).
    kids_of: dict[str, list[CriterionResult]] = {}
    for k in results:
        if k.parent is not None:
            kids_of.setdefault(k.parent, []).append(k)
    for r in results:
        kids = kids_of.get(r.id)
        if not kids:
            continue
        r.children = [k.id for k in kids]
        r.counted = False
        child_outs = [outcomes[k.id] for k in kids]
        derived = all_of(child_outs) if r.kind == "inclusion" else any_of(child_outs)
        st = status_of(r.kind, derived)
        if any(k.status == "review" and k.conflict_with for k in kids) and st in (
            "not_met",
            "applies",
        ):
            st = "review"
        r.status = st
        r.reason = f"From its sub-items ({', '.join(r.children)}): {derived.reason}"
        r.missing = []

    counted = [r for r in results if r.counted]
    statuses = [r.status for r in counted]
    if any(s in ("not_met", "applies") for s in statuses):
        verdict = "ineligible"
    elif all(s in ("met", "does_not_apply", "not_applicable", "review") for s in statuses):
        verdict = "eligible"
    else:
        verdict = "possibly_eligible"
    denom = sum(1 for s in statuses if s != "not_applicable")
    good = sum(1 for s in statuses if s in ("met", "does_not_apply"))
    good_f = good + 0.5 * sum(1 for s in statuses if s == "review")
    score = round(good_f / denom, 3) if denom else 0.0

    facts: dict[str, MissingItem] = {}
    for r in counted:
        if r.status != "unknown":
            continue
        for m in r.missing:
            item = facts.get(m.fact)
            ids = [*(item.criteria if item else []), r.id]
            facts[m.fact] = MissingItem(fact=m.fact, question=m.question, criteria=ids)
    order = list(facts)
    missing = sorted(facts.values(), key=lambda m: (-len(m.criteria), order.index(m.fact)))

    nct = getattr(trial, "nct_id", None) or parsed.nct_id or ""
    title = getattr(trial, "brief_title", None) or getattr(trial, "official_title", None)
    return TrialMatch(
        nct_id=nct,
        title=title,
        verdict=verdict,
        score=score,
        needs_review=[r.id for r in counted if r.status == "review"],
        criteria=results,
        missing=missing,
        as_of=str(profile.as_of),
        policy=ctx.policy.describe(),
        parser_version=parsed.parser_version,
    )
