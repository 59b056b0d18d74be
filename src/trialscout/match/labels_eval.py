"""Criterion-level accuracy against expert labels (TrialGPT criterion annotations).

Each row: a patient note, one criterion (text + inclusion/exclusion) and an expert
label among included / not included / excluded / not excluded / not enough
information / not applicable. We extract facts from the note, parse the criterion,
evaluate it, and map our status onto those labels.

Two scoring rules live here, not in the matcher, and the report names them:
- a note that states in so many words that the patient will give informed consent /
  comply with the protocol settles consent / compliance review atoms (always on);
- under the opt-in policy "absent unless documented", an exclusion that the record does
  not show to apply (unknown, or waiting on review) is scored "not excluded": silence is
  absence, applied to the whole criterion, including text the parser could not read.
  The default (silence is unknown) is unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from trialscout.criteria.atoms import AndNode, Expr, IfNode, NotNode, OrNode, ReviewAtom
from trialscout.match.engine import status_of
from trialscout.match.evaluators import evaluate_atom
from trialscout.match.evaluators.common import Ctx
from trialscout.match.logic import Outcome, all_of, any_of, conditional, false, negate, true
from trialscout.match.policy import MatchPolicy
from trialscout.patient.profile import PatientProfile

LABELS = [
    "included",
    "not included",
    "excluded",
    "not excluded",
    "not enough information",
    "not applicable",
]
STATUS_TO_LABEL = {
    "met": "included",
    "not_met": "not included",
    "applies": "excluded",
    "does_not_apply": "not excluded",
    "unknown": "not enough information",
    "review": "not enough information",
    "not_applicable": "not applicable",
}
# Notes in these sets carry no date; windows are computed at this fixed day.
DEFAULT_AS_OF = dt.date(2021, 1, 1)
BENCHMARK_RULES = {
    "statements": "consent/compliance review atoms settled by a note that states them",
    "absent": "benchmark: absent unless documented applies to exclusions only; an exclusion "
    "the record does not show to apply is scored 'not excluded' (whole criterion)",
}


class RowResult(BaseModel):
    """One scored row: what we said and why it came out that way (no note text)."""

    line: int = 0
    kind: str
    gold: str = ""
    label: str
    status: str
    engine_status: str = Field(description="the matcher's own status before scoring rules")
    atoms: list[str] = Field(default_factory=list)
    fully_parsed: bool
    rule: str | None = None


class Bucket(BaseModel):
    n: int
    correct: int
    accuracy: float


class LabelsReport(BaseModel):
    path: str
    rows: int
    scored: int
    failed: int
    accuracy: float
    majority_label: str
    majority_accuracy: float
    per_label: dict[str, dict[str, float]] = Field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="expert label -> our label -> count"
    )
    by_type: dict[str, float] = Field(default_factory=dict)
    policy: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    breakdown: dict[str, dict[str, Bucket]] = Field(
        default_factory=dict,
        description="by gold label+type, by our status, by atom type, by parse completeness",
    )
    error_buckets: list[tuple[str, int]] = Field(
        default_factory=list, description="'type: expert -> ours' with counts, largest first"
    )
    rows_detail: list[RowResult] = Field(default_factory=list)


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                yield n, f"{path}:{n}: not JSON ({e.msg})"
                continue
            missing = [
                k
                for k in ("note", "criterion_text", "criterion_type", "expert_eligibility")
                if k not in row
            ]
            if missing:
                yield n, f"{path}:{n}: missing field(s) {', '.join(missing)}"
            else:
                yield n, row


def _atom_types(expr: Expr) -> list[str]:
    if isinstance(expr, AndNode | OrNode):
        return [t for a in expr.args for t in _atom_types(a)]
    if isinstance(expr, NotNode):
        return _atom_types(expr.arg)
    if isinstance(expr, IfNode):
        return [*_atom_types(expr.cond), *_atom_types(expr.then), *_atom_types(expr.otherwise)]
    return [str(getattr(expr, "type", "?"))]


def _evaluate(expr: Expr, ctx: Ctx, stated: set[str], kind: str) -> Outcome:
    """engine.evaluate, except consent/compliance review atoms the note settles.

    A review atom carries the topic, not the polarity: in an inclusion it reads "able to
    consent / comply", in an exclusion "unable to", so a stated commitment makes it
    true in the one and false in the other."""

    def ev(e: Expr) -> Outcome:
        return _evaluate(e, ctx, stated, kind)

    if isinstance(expr, AndNode):
        return all_of([ev(a) for a in expr.args])
    if isinstance(expr, OrNode):
        return any_of([ev(a) for a in expr.args])
    if isinstance(expr, NotNode):
        return negate(ev(expr.arg))
    if isinstance(expr, IfNode):
        return conditional(ev(expr.cond), ev(expr.then), ev(expr.otherwise))
    if isinstance(expr, ReviewAtom) and expr.reason in stated:
        word = "informed consent" if expr.reason == "consent" else "comply with the protocol"
        why = f"The note states the patient will give {word}"
        return true(why, ["note"]) if kind == "inclusion" else false(why, ["note"])
    return evaluate_atom(expr, ctx)


_PROFILES: dict[str, PatientProfile] = {}


def _profile(note: str) -> PatientProfile:
    """Notes repeat across rows (one note, many criteria): extract each once per run."""
    from trialscout.patient.loader import load_note

    if note not in _PROFILES:
        if len(_PROFILES) > 256:
            _PROFILES.clear()
        _PROFILES[note] = load_note(note, source="<annotation note>", as_of=DEFAULT_AS_OF).profile
    return _PROFILES[note]


def predict_row(note: str, text: str, kind: str, policy: MatchPolicy | None = None) -> RowResult:
    """Our label for one (note, criterion) pair, with the atoms and rule behind it."""
    from trialscout.criteria.parser import parse_text
    from trialscout.patient.note import stated_commitments

    pol = policy or MatchPolicy()
    k = "exclusion" if kind.lower().startswith("excl") else "inclusion"
    expr, ok = parse_text(text, 0, len(text), k)
    stated = stated_commitments(note)
    # The experts read silence as absence for exclusions only ("not excluded"); for an
    # inclusion a fact the note does not give is "not enough information". So the opt-in
    # policy is applied to exclusions, and inclusions keep the default.
    ev_pol = pol if k == "exclusion" else MatchPolicy()
    outcome = _evaluate(expr, Ctx(_profile(note), ev_pol), stated, k)
    engine_status = status_of(k, outcome)
    status, rule = engine_status, None
    atoms = _atom_types(expr)
    if "review" in atoms and stated and outcome.value is not None:
        rule = "statements"
    if pol.absent_unless_documented and k == "exclusion" and status in ("unknown", "review"):
        status, rule = "does_not_apply", "absent"
    return RowResult(
        kind=k,
        label=STATUS_TO_LABEL[status],
        status=status,
        engine_status=engine_status,
        atoms=sorted(set(atoms)),
        fully_parsed=ok,
        rule=rule,
    )


def predict(note: str, text: str, kind: str, policy: MatchPolicy | None = None) -> str:
    """Our label for one (note, criterion) pair."""
    return predict_row(note, text, kind, policy).label


def _bucket(rows: list[RowResult]) -> Bucket:
    n = len(rows)
    c = sum(r.gold == r.label for r in rows)
    return Bucket(n=n, correct=c, accuracy=round(c / n, 4) if n else 0.0)


def breakdown(rows: list[RowResult]) -> dict[str, dict[str, Bucket]]:
    """Accuracy per group: where the errors are, reproducibly."""
    groups: dict[str, dict[str, list[RowResult]]] = {
        "gold_by_type": {},
        "our_status": {},
        "engine_status": {},
        "atom_type": {},
        "fully_parsed": {},
        "rule": {},
    }
    for r in rows:
        groups["gold_by_type"].setdefault(f"{r.kind}: {r.gold}", []).append(r)
        groups["our_status"].setdefault(f"{r.kind}: {r.status}", []).append(r)
        groups["engine_status"].setdefault(f"{r.kind}: {r.engine_status}", []).append(r)
        for a in r.atoms:
            groups["atom_type"].setdefault(a, []).append(r)
        groups["fully_parsed"].setdefault(str(r.fully_parsed).lower(), []).append(r)
        groups["rule"].setdefault(r.rule or "none", []).append(r)
    return {g: {k: _bucket(v) for k, v in sorted(d.items())} for g, d in groups.items()}


def evaluate_labels(
    path: Path, policy: MatchPolicy | None = None, *, keep_rows: bool = False
) -> LabelsReport:
    gold: list[str] = []
    pred: list[str] = []
    kinds: list[str] = []
    details: list[RowResult] = []
    errors: list[str] = []
    rows = 0
    for n, row in iter_rows(path):
        rows += 1
        if isinstance(row, str):
            errors.append(row)
            continue
        try:
            r = predict_row(
                str(row["note"]), str(row["criterion_text"]), str(row["criterion_type"]), policy
            )
        except Exception as e:  # one bad row never stops the run
            errors.append(f"{path}:{n}: {type(e).__name__}: {e}")
            continue
        r.line = n
        r.gold = str(row["expert_eligibility"]).strip().lower()
        details.append(r)
        gold.append(r.gold)
        pred.append(r.label)
        kinds.append(str(row["criterion_type"]).lower())
    scored = len(gold)
    correct = sum(g == p for g, p in zip(gold, pred, strict=True))
    counts = Counter(gold)
    maj, maj_n = counts.most_common(1)[0] if counts else ("", 0)
    confusion = {g: {p: 0 for p in LABELS} for g in LABELS}
    for g, p in zip(gold, pred, strict=True):
        confusion.setdefault(g, {x: 0 for x in LABELS})[p] += 1
    per_label: dict[str, dict[str, float]] = {}
    for lab in LABELS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == lab)
        n_pred = sum(1 for p in pred if p == lab)
        n_gold = counts.get(lab, 0)
        per_label[lab] = {
            "support": n_gold,
            "predicted": n_pred,
            "precision": round(tp / n_pred, 3) if n_pred else 0.0,
            "recall": round(tp / n_gold, 3) if n_gold else 0.0,
        }
    by_type = {}
    for k in sorted(set(kinds)):
        idx = [i for i, x in enumerate(kinds) if x == k]
        by_type[k] = round(sum(gold[i] == pred[i] for i in idx) / len(idx), 4)
    return LabelsReport(
        path=str(path),
        rows=rows,
        scored=scored,
        failed=len(errors),
        accuracy=round(correct / scored, 4) if scored else 0.0,
        majority_label=maj,
        majority_accuracy=round(maj_n / scored, 4) if scored else 0.0,
        per_label=per_label,
        confusion=confusion,
        by_type=by_type,
        policy=[
            *(policy or MatchPolicy()).describe(),
            BENCHMARK_RULES["statements"],
            *([BENCHMARK_RULES["absent"]] if policy and policy.absent_unless_documented else []),
        ],
        errors=errors[:20],
        breakdown=breakdown(details),
        error_buckets=Counter(
            f"{r.kind}: {r.gold} -> {r.label}" for r in details if r.gold != r.label
        ).most_common(),
        rows_detail=details if keep_rows else [],
    )
