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

import re
from functools import cache
from typing import Any

from trialscout.criteria.atoms import (
    AgeAtom,
    AndNode,
    Criterion,
    DiagnosisAtom,
    Expr,
    IfNode,
    NotNode,
    OrNode,
    ParsedCriteria,
    PriorTherapyAtom,
    ReproductiveAtom,
    SexAtom,
    iter_atoms,
)
from trialscout.match.data import ancestors, read_csv
from trialscout.match.evaluators import evaluate_atom
from trialscout.match.evaluators.common import Ctx
from trialscout.match.evaluators.disease import cancer_ids
from trialscout.match.evaluators.therapy import ctx_infos, identity, matching
from trialscout.match.logic import (
    Outcome,
    all_of,
    any_of,
    conditional,
    negate,
    not_applicable,
    review,
    unknown,
)
from trialscout.match.policy import MatchPolicy
from trialscout.match.result import CriterionResult, MissingFact, MissingItem, Status, TrialMatch
from trialscout.patient.profile import PatientProfile

__all__ = ["MatchPolicy", "evaluate", "match_trial"]


def evaluate(expr: Expr, ctx: Ctx) -> Outcome:
    """Three-valued value of a criterion tree for this patient."""
    if isinstance(expr, AndNode):
        sexes = [a for a in expr.args if isinstance(a, SexAtom)]
        if len(sexes) == 1 and any(isinstance(a, ReproductiveAtom) for a in expr.args):
            # 'Female subjects, on a reliable method of birth control': a rule addressed to
            # one sex, not a restriction of the trial to it
            rest = all_of([evaluate(a, ctx) for a in expr.args if a is not sexes[0]])
            cond = evaluate(sexes[0], ctx)
            return conditional(cond, rest, not_applicable(f"{cond.reason}: not addressed"))
        alts = _alternative_cancers(expr.args)
        if alts:
            # 'with non-Hodgkin lymphoma (NHL), chronic lymphocytic leukemia (CLL) and
            # multiple myeloma': no patient has every one; the list names who may enter
            others = [evaluate(a, ctx) for a in expr.args if not any(a is x for x in alts)]
            return all_of([*others, any_of([evaluate(a, ctx) for a in alts])])
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


def _alternative_cancers(args: list[Expr]) -> list[DiagnosisAtom]:
    """Diagnosis atoms of one AND that name two or more unrelated cancers (none a kind of
    another): read as alternatives. Empty when there are none."""
    dx = [a for a in args if isinstance(a, DiagnosisAtom) and a.cancer]
    ids = {a.cancer for a in dx if a.cancer}
    if len(ids) < 2:
        return []
    for x in ids:
        up = ancestors("cancer", x)
        if any(y != x and y in up for y in ids):
            return []
    return dx


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


def _dx_paradox(
    crit: Criterion, outcome: Outcome, parsed: ParsedCriteria, ctx: Ctx
) -> tuple[list[str], list[str]] | None:
    """If `crit` would rule out every patient with the cancer another inclusion requires
    ('No HIV or HTLV-1 associated lymphomas' in a lymphoma trial, the qualifier unread),
    return (inclusion ids, cancer names)."""
    if not _against(crit.kind, outcome) or not ctx.profile.diagnoses:
        return None
    plain = {
        a.cancer
        for a in iter_atoms(crit.expr)
        if isinstance(a, DiagnosisAtom) and a.cancer and not a.histologies and not a.who_types
    }
    if not plain:
        return None
    have: set[str] = set()
    for d in ctx.profile.diagnoses:
        have |= cancer_ids(d)
    hit = sorted(c for c in plain if c in have)
    if not hit:
        return None
    incl = [
        other.id
        for other in parsed.criteria
        if other.kind == "inclusion" and other.id != crit.id and _cancers(other.expr) & have
    ]
    if not incl:
        return None
    # the test: would it rule out a patient known to have nothing but this diagnosis?
    # ('Has stage IV breast cancer' would not, stage unknown: a real exclusion)
    bare = PatientProfile(as_of=ctx.profile.as_of, diagnoses=ctx.profile.diagnoses)
    if not _against(crit.kind, evaluate(crit.expr, Ctx(bare, ctx.policy))):
        return None
    # ... and rules this patient out through the diagnosis alone: without it, the rest of
    # the criterion ('HIV' in 'No HIV or HTLV-1 associated lymphomas') does not
    alt = Ctx(ctx.profile.model_copy(update={"diagnoses": []}), ctx.policy)
    if _against(crit.kind, evaluate(crit.expr, alt)):
        return None
    return incl, [c.replace("_", " ") for c in hit]


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


@cache
def _group_cues() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(mode, pattern) rows of data/match/group_cues.csv."""
    return tuple((r["mode"], re.compile(r["pattern"], re.I)) for r in read_csv("group_cues.csv"))


def group_mode(text: str) -> str | None:
    """How an item that announces sub-items relates to them: 'any' (alternatives),
    'except' (carve-outs), 'none' (none may hold), 'or_next' (an alternative to the next
    item), or None (all hold)."""
    t = text.strip()
    for mode, rx in _group_cues():
        if mode != "window" and rx.search(t):
            return mode
    return None


def group_window(text: str) -> bool:
    """A time limit in a lead-in ('None of the following within the past 6 months:')."""
    return any(mode == "window" and rx.search(text) for mode, rx in _group_cues())


def _own_expr(crit: Criterion, kids: list[Criterion]) -> Expr | None:
    """The part of a parent's tree read from its own line(s), without its sub-items."""
    if not kids or not isinstance(crit.expr, AndNode):
        return None
    first = min(k.span[0] for k in kids)
    own = [a for a in crit.expr.args if a.span is not None and a.span[1] <= first]
    if not own:
        return None
    return own[0] if len(own) == 1 else AndNode(text=crit.text, span=crit.span, args=own)


_HEADING_ATOMS = (AgeAtom, SexAtom)


def _is_condition_heading(crit: Criterion, own: Expr | None) -> bool:
    """'Age 65-70 years:' / 'Women:' over sub-items: the sub-items apply to that group only."""
    if own is None or not crit.text.rstrip().endswith(":") or len(crit.text) > 40:
        return False  # a short heading, not a sentence that ends in a list
    atoms = [a for a in iter_atoms(own) if a.type not in ("unparsed", "review")]
    return bool(atoms) and all(isinstance(a, _HEADING_ATOMS) for a in atoms)


def _none_of(crit: Criterion, own: Expr | None, child_outs: list[Outcome], ctx: Ctx) -> Outcome:
    """'None of the following (within the past 6 months):' over sub-items. A sub-item that
    holds rules the patient out, unless the lead-in's time limit is not repeated in the
    sub-item: then the event may be older than the limit, so the answer is unknown."""
    held = any_of(child_outs)
    alt = negate(held)
    if held.value is True and group_window(crit.text):
        q = f"Did it happen within the time limit of {crit.id} ({crit.text.strip()})?"
        alt = unknown(
            f"{held.reason}; the time limit of the list may not cover it",
            [MissingFact(fact=f"criterion:{crit.id}", question=q)],
            held.evidence,
        )
    return all_of([evaluate(own, ctx), alt]) if own is not None else alt


def _roll_up(
    parsed: ParsedCriteria,
    results: list[CriterionResult],
    outcomes: dict[str, Outcome],
    ctx: Ctx,
) -> None:
    """Sub-items: a parent's status derives from its children (inclusion AND, exclusion OR),
    unless its wording makes them alternatives ('one of the following:'), carve-outs
    ('except:') or the requirements of one group ('Age 65-70 years:'). Then the parent
    counts once for the group and its sub-items do not count on their own."""
    crits = {c.id: c for c in parsed.criteria}
    kids_of: dict[str, list[CriterionResult]] = {}
    for k in results:
        if k.parent is not None:
            kids_of.setdefault(k.parent, []).append(k)
    grouped: set[str] = set()  # parents whose whole subtree counts through them
    for r in reversed(results):  # deepest first: a grouped sub-list feeds its parent
        kids = kids_of.get(r.id)
        if not kids:
            continue
        r.children = [k.id for k in kids]
        r.counted = False
        child_outs = [outcomes[k.id] for k in kids]
        crit = crits[r.id]
        own = _own_expr(crit, [crits[k.id] for k in kids])
        mode = group_mode(crit.text)
        missing: list[MissingFact] = []
        if mode == "any" and r.kind == "inclusion":
            alt = any_of(child_outs)
            derived = all_of([evaluate(own, ctx), alt]) if own is not None else alt
            note = "one of its sub-items suffices"
        elif mode == "none" and r.kind == "inclusion":
            derived = _none_of(crit, own, child_outs, ctx)
            note = "none of its sub-items may hold"
        elif mode == "except":
            base = evaluate(own, ctx) if own is not None else unknown("not read")
            if _against(r.kind, base) or base.value is None:
                q = f"Does one of the exceptions listed under {r.id} apply?"
                missing = [MissingFact(fact=f"criterion:{r.id}", question=q)]
                derived = unknown(
                    f"{base.reason}; the exceptions it lists ({', '.join(r.children)}) may apply",
                    missing,
                    base.evidence,
                )
            else:
                derived = base
            note = "its sub-items are exceptions"
        elif _is_condition_heading(crit, own):
            assert own is not None
            cond = evaluate(own, ctx)
            rest = all_of(child_outs) if r.kind == "inclusion" else any_of(child_outs)
            derived = conditional(cond, rest, not_applicable(f"{cond.reason}: not this group"))
            note = "its sub-items apply to that group only"
        else:
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
            continue
        grouped.add(r.id)
        outcomes[r.id] = derived
        r.counted = True
        r.status = status_of(r.kind, derived)
        r.reason = f"From its sub-items ({', '.join(r.children)}; {note}): {derived.reason}"
        r.evidence = derived.evidence
        r.missing = missing or (_result(crit, derived).missing if derived.open_unknown else [])
    if not grouped:
        return
    by_id = {r.id: r for r in results}
    for r in results:
        p = r.parent
        while p is not None:
            if p in grouped:
                r.counted = False
                break
            p = by_id[p].parent if p in by_id else None


def _or_chains(results: list[CriterionResult], outcomes: dict[str, Outcome]) -> None:
    """Inclusion items at one level that end in 'OR' are alternatives to the next item:
    each item of such a chain takes the chain's status (met when any one is met)."""
    chain: list[CriterionResult] = []
    for r in results:
        if r.kind != "inclusion" or not r.counted:
            continue
        if chain and (chain[-1].parent != r.parent or group_mode(chain[-1].text) != "or_next"):
            _settle_chain(chain, outcomes)
            chain = []
        chain.append(r)
    _settle_chain(chain, outcomes)


def _cancers(expr: Expr, positive: bool = True) -> set[str]:
    """Cancer ids that `expr` requires (diagnosis atoms not under an odd number of NOTs)."""
    if isinstance(expr, AndNode | OrNode):
        return {c for a in expr.args for c in _cancers(a, positive)}
    if isinstance(expr, NotNode):
        return _cancers(expr.arg, not positive)
    if isinstance(expr, IfNode):
        return _cancers(expr.then, positive) | _cancers(expr.otherwise, positive)
    if isinstance(expr, DiagnosisAtom) and positive and expr.cancer:
        return {expr.cancer}
    return set()


class _Required:
    """Cancer ids each criterion requires (`_cancers`), worked out once per criterion of one
    trial (both cohort steps ask for most of them)."""

    def __init__(self, parsed: ParsedCriteria) -> None:
        self._crits = {c.id: c for c in parsed.criteria}
        self._memo: dict[str, frozenset[str]] = {}

    def __call__(self, crit_id: str) -> frozenset[str]:
        out = self._memo.get(crit_id)
        if out is None:
            out = self._memo[crit_id] = frozenset(_cancers(self._crits[crit_id].expr))
        return out


def _cohorts(
    required: _Required, results: list[CriterionResult], outcomes: dict[str, Outcome]
) -> None:
    """Inclusion items at one level that each require a different cancer ('CML chronic
    phase' / 'Multiple myeloma' / 'Hodgkin's disease' under 'Diseases to be included:')
    describe alternative patient groups: no patient has them all, so one suffices."""
    levels: dict[str | None, list[tuple[CriterionResult, frozenset[str]]]] = {}
    for r in results:
        if r.kind != "inclusion" or not r.counted:
            continue
        cancers = required(r.id)
        if cancers:
            levels.setdefault(r.parent, []).append((r, cancers))
    for items in levels.values():
        if len({c for _, c in items}) >= 2:
            _settle_chain([r for r, _ in items], outcomes, "naming different cancers")


def _other_cohorts(
    parsed: ParsedCriteria, results: list[CriterionResult], ctx: Ctx, required: _Required
) -> None:
    """When an inclusion that requires the patient's own cancer is met or may be, another
    inclusion that fails only for naming a different cancer ('Acute leukemia with < 10%
    blasts' in a trial that also takes multiple myeloma) is the entry rule of another group
    of patients: not applicable to this one, never a 'no'."""
    have: set[str] = set()
    for d in ctx.profile.diagnoses:
        have |= cancer_ids(d)
    if not have:
        return
    crits = {c.id: c for c in parsed.criteria}
    own = [
        r.id
        for r in results
        if r.kind == "inclusion"
        and r.status in ("met", "unknown", "review")
        and required(r.id) & have
    ]
    if not own:
        return
    alt: Ctx | None = None
    for r in results:
        if r.kind != "inclusion" or r.status != "not_met" or not r.counted or r.children:
            continue
        named = required(r.id)
        if not named or named & have:
            continue
        alt = alt or Ctx(ctx.profile.model_copy(update={"diagnoses": []}), ctx.policy)
        if _against(r.kind, evaluate(crits[r.id].expr, alt)):
            continue  # it fails on more than the diagnosis
        names = ", ".join(sorted(c.replace("_", " ") for c in named))
        r.status = "not_applicable"
        r.reason = (
            f"For patients with {names}, another group of this trial; the patient's cancer is "
            f"the one {', '.join(own[:3])} requires ({r.reason})"
        )
        r.missing = []


def _settle_chain(
    chain: list[CriterionResult], outcomes: dict[str, Outcome], why: str = "joined by OR"
) -> None:
    """Give each item of a group of alternatives the group's status (met when any is)."""
    if len(chain) < 2:
        return
    derived = any_of([outcomes[r.id] for r in chain])
    for r in chain:
        outcomes[r.id] = derived
    ids = ", ".join(r.id for r in chain)
    for r in chain:
        st = status_of(r.kind, derived)
        if st == r.status:
            continue
        r.status = st
        r.reason = f"One of the alternatives {ids} ({why}): {derived.reason}"
        r.evidence = derived.evidence
        if st != "unknown":
            r.missing = []


def _send_to_review(r: CriterionResult, conflict_with: list[str], reason: str) -> None:
    """A criterion that, read literally, rules out the patients the trial is for."""
    r.status = "review"
    r.conflict_with = conflict_with
    r.missing = []
    r.reason = reason


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
        verb = "applies" if crit.kind == "exclusion" else "is not met"
        if para is not None:
            ids, names = para
            _send_to_review(
                r,
                ids,
                f"{o.reason}. It {verb} only because of {', '.join(names)}, the therapy that "
                f"{', '.join(ids)} requires: read literally it would rule out the patients the "
                "trial is for. Check with the trial team whether it means therapy other than "
                "the required one",
            )
        elif (dx := _dx_paradox(crit, o, parsed, ctx)) is not None:
            ids, names = dx
            _send_to_review(
                r,
                ids,
                f"{o.reason}. It {verb} only because of the diagnosis ({', '.join(names)}) "
                f"that {', '.join(ids)} requires: read literally it would rule out the patients "
                "the trial is for. Its qualifier (another, associated, refractory...) was not "
                "read: check it by hand",
            )
            outcomes[crit.id] = review(r.reason)
        results.append(r)

    _roll_up(parsed, results, outcomes, ctx)
    _or_chains(results, outcomes)
    required = _Required(parsed)
    _cohorts(required, results, outcomes)
    _other_cohorts(parsed, results, ctx, required)

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

    # fact -> (its last question, the criteria it would settle), in order of first mention
    facts: dict[str, tuple[str, list[str]]] = {}
    for r in counted:
        if r.status != "unknown":
            continue
        for m in r.missing:
            item = facts.get(m.fact)
            facts[m.fact] = (m.question, [*(item[1] if item else []), r.id])
    order = {f: i for i, f in enumerate(facts)}
    missing = sorted(
        (MissingItem(fact=f, question=q, criteria=ids) for f, (q, ids) in facts.items()),
        key=lambda m: (-len(m.criteria), order[m.fact]),
    )

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
