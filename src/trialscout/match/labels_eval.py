"""Criterion-level accuracy against expert labels (TrialGPT criterion annotations).

Each row: a patient note, one criterion (text + inclusion/exclusion) and an expert
label among included / not included / excluded / not excluded / not enough
information / not applicable. We extract facts from the note, parse the criterion,
evaluate it, and map our status onto those labels.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from trialscout.criteria.atoms import Criterion
from trialscout.match.engine import evaluate, status_of
from trialscout.match.evaluators.common import Ctx
from trialscout.match.policy import MatchPolicy

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


def predict(note: str, text: str, kind: str, policy: MatchPolicy | None = None) -> str:
    """Our label for one (note, criterion) pair."""
    from trialscout.criteria.parser import parse_text
    from trialscout.patient.loader import load_note

    profile = load_note(note, source="<annotation note>", as_of=DEFAULT_AS_OF).profile
    k = "exclusion" if kind.lower().startswith("excl") else "inclusion"
    expr, ok = parse_text(text, 0, len(text), k)
    kind_lit: Any = k
    crit = Criterion(
        id="c", kind=kind_lit, text=text, span=(0, len(text)), expr=expr, fully_parsed=ok
    )
    outcome = evaluate(crit.expr, Ctx(profile, policy or MatchPolicy()))
    return STATUS_TO_LABEL[status_of(k, outcome)]


def evaluate_labels(path: Path, policy: MatchPolicy | None = None) -> LabelsReport:
    gold: list[str] = []
    pred: list[str] = []
    kinds: list[str] = []
    errors: list[str] = []
    rows = 0
    for n, row in iter_rows(path):
        rows += 1
        if isinstance(row, str):
            errors.append(row)
            continue
        try:
            p = predict(
                str(row["note"]), str(row["criterion_text"]), str(row["criterion_type"]), policy
            )
        except Exception as e:  # one bad row never stops the run
            errors.append(f"{path}:{n}: {type(e).__name__}: {e}")
            continue
        gold.append(str(row["expert_eligibility"]).strip().lower())
        pred.append(p)
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
        policy=(policy or MatchPolicy()).describe(),
        errors=errors[:20],
    )
