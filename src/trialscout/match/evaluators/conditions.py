"""Comorbidities and history (other cancers, autoimmune disease, heart failure...).

A condition the record lists settles the criterion; one it lists in `negatives`
settles it the other way; silence is unknown unless the opt-in policy says otherwise.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from trialscout.criteria.atoms import ConditionAtom
from trialscout.criteria.vocab import vocab
from trialscout.match.data import ancestors
from trialscout.match.evaluators.common import Ctx, ask, norm, silence
from trialscout.match.evaluators.disease import cancer_ids
from trialscout.match.logic import Outcome, all_of, any_of, false, true, unknown
from trialscout.patient.profile import Condition, Diagnosis

CANCER_WORDS = (
    "carcinoma",
    "cancer",
    "malignan",
    "lymphoma",
    "melanoma",
    "sarcoma",
    "leukemia",
    "leukaemia",
    "myeloma",
    "neoplasm",
    "tumour",
    "tumor",
)


def condition_ids(name: str) -> set[str]:
    return set(_condition_ids(name))


@lru_cache(maxsize=4096)
def _condition_ids(name: str) -> frozenset[str]:
    """Cached: the same few profile conditions are looked up for every criterion of every
    trial."""
    v = vocab()
    ids = {norm(name).replace(" ", "_")}
    if (k := v.condition.lookup(name)) is not None:
        ids.add(k)
    ids |= {m.id for m in v.condition.find(name)}
    out: set[str] = set()
    for i in ids:
        out |= ancestors("condition", i)
    return frozenset(out)


@lru_cache(maxsize=4096)
def _is_cancer(name: str) -> bool:
    return any(w in name.lower() for w in CANCER_WORDS) or bool(vocab().cancer.find(name))


def _exempt(c: Condition | Diagnosis, exceptions: list[str]) -> bool | None:
    """Is this other cancer one of the criterion's exceptions (adequately treated)?"""
    name = norm(c.name)
    if not any(norm(e) in name or name in norm(e) for e in exceptions if e):
        return False
    if isinstance(c, Condition):
        if c.treated or c.status in ("resolved", "remission", "history", "inactive"):
            return True
        if c.treated is False or c.status == "active":
            return False
    return None


def _within(date: dt.date | None, days: int | None, ctx: Ctx) -> bool | None:
    if days is None:
        return True
    if date is None:
        return None
    return (ctx.as_of - date).days <= days


def eval_condition(a: ConditionAtom, ctx: Ctx) -> Outcome:
    p = ctx.profile
    cid = a.condition
    label = cid.replace("_", " ")
    fact = ask(f"condition:{cid}", "condition", label=label)
    results: list[Outcome] = []
    items: list[tuple[str, Condition | Diagnosis]] = []
    if cid in ("other_malignancy", "second_malignancy"):
        primary = p.primary_diagnosis
        items += [
            (f"diagnoses[{i}]", d)
            for i, d in enumerate(p.diagnoses)
            if d is not primary and not (primary and cancer_ids(d) & cancer_ids(primary))
        ]
        items += [(f"conditions[{i}]", c) for i, c in enumerate(p.conditions) if _is_cancer(c.name)]
    else:
        items += [
            (f"conditions[{i}]", c)
            for i, c in enumerate(p.conditions)
            if cid in _condition_ids(c.name) or norm(c.name) == norm(label)
        ]
    for path, c in items:
        status = c.status if isinstance(c, Condition) else None
        ev = [
            f"{path} {c.name}"
            + (f" ({status})" if status else "")
            + (f", {c.date}" if c.date else "")
        ]
        parts: list[Outcome] = [true(f"{c.name.capitalize()} recorded", ev)]
        if a.exceptions:
            ex = _exempt(c, a.exceptions)
            if ex is True:
                results.append(
                    false(f"{c.name.capitalize()} is an allowed exception (treated)", ev)
                )
                continue
            if ex is None:
                parts.append(
                    unknown(
                        f"{c.name.capitalize()}: whether adequately treated is not recorded",
                        [
                            ask(
                                f"condition:{norm(c.name)}:treated",
                                "condition_detail",
                                label="treatment status",
                                condition=c.name,
                            )
                        ],
                        ev,
                    )
                )
        w = _within(c.date, a.within_days, ctx)
        if w is False:
            results.append(
                false(
                    f"{c.name.capitalize()} dated {c.date}, outside the "
                    f"{round((a.within_days or 0) / 365.25, 1)}-year window",
                    ev,
                )
            )
            continue
        if w is None:
            parts.append(
                unknown(
                    f"{c.name.capitalize()}: date not recorded",
                    [
                        ask(
                            f"condition:{norm(c.name)}:date",
                            "condition_detail",
                            label="date",
                            condition=c.name,
                        )
                    ],
                    ev,
                )
            )
        if isinstance(c, Condition):
            if a.status == "active":
                if c.status in ("resolved", "remission", "history", "inactive"):
                    results.append(false(f"{c.name.capitalize()} {c.status}, not active", ev))
                    continue
                if c.status is None:
                    parts.append(
                        unknown(
                            f"{c.name.capitalize()}: whether active is not recorded",
                            [
                                ask(
                                    f"condition:{norm(c.name)}:status",
                                    "condition_detail",
                                    label="current status",
                                    condition=c.name,
                                )
                            ],
                            ev,
                        )
                    )
            if a.status == "uncontrolled":
                if c.controlled is True:
                    results.append(false(f"{c.name.capitalize()} controlled", ev))
                    continue
                if c.controlled is None and c.status not in ("resolved", "remission"):
                    parts.append(
                        unknown(
                            f"{c.name.capitalize()}: whether controlled is not recorded",
                            [
                                ask(
                                    f"condition:{norm(c.name)}:controlled",
                                    "condition_detail",
                                    label="control",
                                    condition=c.name,
                                )
                            ],
                            ev,
                        )
                    )
                elif c.status in ("resolved", "remission"):
                    results.append(false(f"{c.name.capitalize()} {c.status}", ev))
                    continue
            if a.min_grade is not None:
                if c.grade is None:
                    parts.append(
                        unknown(
                            f"{c.name.capitalize()}: grade not recorded",
                            [
                                ask(
                                    f"condition:{norm(c.name)}:grade",
                                    "condition_detail",
                                    label="CTCAE grade",
                                    condition=c.name,
                                )
                            ],
                            ev,
                        )
                    )
                else:
                    parts.append(
                        (true if c.grade >= a.min_grade else false)(
                            f"{c.name.capitalize()} grade {c.grade} "
                            f"(criterion: grade ≥ {a.min_grade})",
                            ev,
                        )
                    )
            if a.requires_systemic_treatment:
                r = c.requires_systemic_treatment
                if r is None:
                    parts.append(
                        unknown(
                            f"{c.name.capitalize()}: whether it needed systemic treatment "
                            "is not recorded",
                            [
                                ask(
                                    f"condition:{norm(c.name)}:systemic",
                                    "condition_detail",
                                    label="systemic treatment need",
                                    condition=c.name,
                                )
                            ],
                            ev,
                        )
                    )
                else:
                    parts.append(
                        (true if r else false)(
                            f"{c.name.capitalize()} "
                            f"{'needed' if r else 'did not need'} systemic treatment",
                            ev,
                        )
                    )
        if a.nyha_min is not None:
            nyha = p.vitals.nyha_class if p.vitals else None
            if nyha is None:
                parts.append(
                    unknown(
                        "NYHA class not recorded",
                        [ask("measurement:nyha", "measurement", label="NYHA class")],
                        ev,
                    )
                )
            else:
                parts.append(
                    (true if nyha >= a.nyha_min else false)(
                        f"NYHA class {nyha} (criterion: ≥ {a.nyha_min})",
                        [*ev, f"vitals.nyha_class {nyha}"],
                    )
                )
        results.append(all_of(parts))
    if results:
        return any_of(results)
    if a.nyha_min is not None and p.vitals and p.vitals.nyha_class is not None:
        n = p.vitals.nyha_class
        return (true if n >= a.nyha_min else false)(
            f"NYHA class {n} (criterion: ≥ {a.nyha_min})", [f"vitals.nyha_class {n}"]
        )
    terms = [label, cid]
    if cid == "other_malignancy":
        terms += [
            "other malignancy",
            "other malignancies",
            "other cancer",
            "second malignancy",
            "other primary malignancy",
        ]
    return silence(ctx, label, fact, terms)


EVALUATORS: dict[str, Any] = {"condition": eval_condition}
