"""Non-lab measurements from `vitals` (QTc, LVEF, blood pressure, BMI)."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import MeasurementAtom
from trialscout.match.data import read_csv
from trialscout.match.evaluators.common import Ctx, ask, norm
from trialscout.match.logic import Outcome, false, true, unknown
from trialscout.match.units import fmt_num

OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
}
SYMBOL = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "="}


def compare(value: float, op: str, limit: float) -> bool:
    return bool(OPS[op](round(value, 9), round(limit, 9)))


def _field(name: str) -> tuple[str, str, str] | None:
    key = norm(name)
    for r in read_csv("measurements.csv"):
        if key == norm(r["name"]) or key in {norm(x) for x in r["aliases"].split("|")}:
            return r["name"], r["field"], r["unit"]
    return None


def eval_measurement(a: MeasurementAtom, ctx: Ctx) -> Outcome:
    spec = _field(a.name)
    label = a.name.replace("_", " ")
    if spec is None:
        return unknown(
            f"{label}: no record field for this measurement",
            [ask(f"measurement:{a.name}", "measurement", label=label)],
        )
    name, field, unit = spec
    v = ctx.profile.vitals
    value = getattr(v, field, None) if v else None
    path = f"vitals.{field}"
    if value is None and name == "bmi" and v and v.weight_kg and v.height_cm:
        value = v.weight_kg / (v.height_cm / 100) ** 2
        path = "vitals.weight_kg, vitals.height_cm (BMI calculated)"
    if value is None:
        return unknown(
            f"{label.upper() if len(label) <= 4 else label} not recorded",
            [ask(f"measurement:{name}", "measurement", label=label)],
        )
    shown = label.upper() if len(label) <= 4 else label.capitalize()
    reason = f"{shown} {fmt_num(value)} {unit} {SYMBOL[a.comparator]} {fmt_num(a.value)} {unit}"
    ev = [f"{path} {fmt_num(value)}"]
    if compare(value, a.comparator, a.value):
        return true(reason, ev)
    reason = f"{shown} {fmt_num(value)} {unit} (limit {SYMBOL[a.comparator]} {fmt_num(a.value)})"
    return false(reason, ev)


EVALUATORS: dict[str, Any] = {"measurement": eval_measurement}
