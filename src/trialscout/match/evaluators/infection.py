"""Infections (HBV, HCV, HIV, TB): lab markers, viral loads across units, history."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import InfectionAtom
from trialscout.match.data import read_json
from trialscout.match.evaluators.common import Ctx, ask, norm, silence
from trialscout.match.evaluators.measurement import SYMBOL, compare
from trialscout.match.logic import Outcome, any_of, false, true, unknown
from trialscout.match.units import fmt_num, unit_key
from trialscout.patient.profile import Lab

POS = {"positive", "detected"}
NEG = {"negative", "not detected"}


def _spec(pathogen: str) -> dict[str, Any]:
    data: dict[str, Any] = read_json("infections.json")
    return dict(data.get(pathogen, data["OTHER"]))


def _lab_ev(i: int, lab: Lab) -> str:
    val = lab.result or f"{fmt_num(lab.value or 0)} {lab.unit or ''}".strip()
    return f"labs[{i}] {lab.test} {val}" + (f" on {lab.date}" if lab.date else "")


def _copies_range(lab: Lab) -> tuple[float, float] | None:
    """An HBV DNA value as a copies/mL range (IU/mL -> copies/mL depends on the assay)."""
    if lab.value is None:
        return None
    u = unit_key(lab.unit)
    v = lab.value
    if u.startswith("log10"):
        v, u = 10**v, u.removeprefix("log10")
    if u == unit_key("copies/mL"):
        return v, v
    if u == unit_key("IU/mL"):
        f = read_json("viral_load.json")["HBV DNA"]
        return v * f["iu_to_copies_min"], v * f["iu_to_copies_max"]
    return None


def _quantity(a: InfectionAtom, i: int, lab: Lab, marker: str) -> Outcome:
    ev = [_lab_ev(i, lab)]
    assert a.comparator is not None and a.value is not None
    want_u = unit_key(a.unit)
    if lab.result in NEG and lab.value is None:
        ok = compare(0, a.comparator, a.value)
        return (true if ok else false)(f"{marker} not detected", ev)
    if marker == "HBV DNA" and want_u == unit_key("copies/mL"):
        rng = _copies_range(lab)
    elif lab.value is not None and unit_key(lab.unit) == want_u:
        rng = (lab.value, lab.value)
    else:
        rng = None
    if rng is None:
        return unknown(
            f"{marker} {fmt_num(lab.value or 0)} {lab.unit or ''} cannot be compared with "
            f"{fmt_num(a.value)} {a.unit or ''} (units do not convert)",
            [ask(f"lab:{norm(marker)}", "lab", label=f"{marker} in {a.unit}")],
            ev,
        )
    lo, hi = rng
    r_lo, r_hi = compare(lo, a.comparator, a.value), compare(hi, a.comparator, a.value)
    shown = f"{marker} {fmt_num(lab.value or 0)} {lab.unit or ''}".strip()
    if lo != hi:
        shown += f" (= {fmt_num(lo)}-{fmt_num(hi)} copies/mL depending on the assay)"
    lim = f"{SYMBOL[a.comparator]} {fmt_num(a.value)} {a.unit or ''}".strip()
    if r_lo and r_hi:
        return true(f"{shown} {lim}", ev)
    if not r_lo and not r_hi:
        return false(f"{shown} (limit {lim})", ev)
    return unknown(
        f"{shown} vs {lim}: depends on the assay",
        [ask(f"lab:{norm(marker)}:copies", "lab", label=f"{marker} in copies/mL")],
        ev,
    )


def eval_infection(a: InfectionAtom, ctx: Ctx) -> Outcome:
    p = ctx.profile
    spec = _spec(a.pathogen)
    label = spec["label"]
    markers: dict[str, str] = spec["markers"]
    marker = (
        markers.get(norm(a.marker).replace(" ", "_")) or markers.get(norm(a.marker))
        if a.marker
        else None
    )
    if a.marker and marker is None:
        marker = a.marker.replace("_", " ")
    fact = ask(
        f"infection:{a.pathogen}" + (f":{norm(marker)}" if marker else ""),
        "infection",
        label=marker or label,
    )
    results: list[Outcome] = []
    names = [norm(n) for n in spec["names"]]
    if marker:
        labs = p.find_labs(marker)
        if not labs:
            return unknown(f"{marker} not recorded", [fact])
        i, lab = labs[0]
        if a.comparator and a.value is not None:
            out = _quantity(a, i, lab, marker)
        else:
            pos = lab.result in POS or (lab.result is None and (lab.value or 0) > 0)
            neg = lab.result in NEG or (lab.result is None and lab.value == 0)
            ev = [_lab_ev(i, lab)]
            if pos:
                out = true(f"{marker} positive", ev)
            elif neg:
                out = false(f"{marker} negative", ev)
            else:
                out = unknown(f"{marker} result {lab.result} is not clear", [fact], ev)
        if a.status == "negative":
            from trialscout.match.logic import negate

            return negate(out)
        return out
    # No marker named: conditions, any active marker, negatives.
    for i, c in enumerate(p.conditions):
        if norm(c.name) in names:
            active = c.status in (None, "active")
            ev = [f"conditions[{i}] {c.name}" + (f" ({c.status})" if c.status else "")]
            if a.status in ("history", "any", "positive") or active:
                results.append(
                    true(f"{c.name} recorded" + (f" ({c.status})" if c.status else ""), ev)
                )
            else:
                results.append(false(f"{c.name} {c.status}, not active", ev))
    lab_names = spec["active_markers"] if a.status == "active" else list(set(markers.values()))
    seen_neg: list[str] = []
    for m in lab_names:
        for i, lab in p.find_labs(m)[:1]:
            if lab.result in POS or (lab.result is None and (lab.value or 0) > 0):
                results.append(true(f"{m} positive", [_lab_ev(i, lab)]))
            elif lab.result in NEG or (lab.result is None and lab.value == 0):
                seen_neg.append(_lab_ev(i, lab))
    if results:
        out = any_of(results)
    elif seen_neg and (a.status == "active" or len(seen_neg) >= len(spec["active_markers"])):
        out = false(f"No {label}: tests negative", seen_neg)
    else:
        out = silence(ctx, label, fact, [*spec["names"], label])
    if a.status == "negative":
        from trialscout.match.logic import negate

        return negate(out)
    return out


EVALUATORS: dict[str, Any] = {"infection": eval_infection}
