"""Lab limits: absolute values (with unit conversion) and multiples of ULN/LLN."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import LabAtom
from trialscout.criteria.vocab import LabInfo, vocab
from trialscout.match.data import display, read_csv
from trialscout.match.evaluators.common import Ctx, ask
from trialscout.match.evaluators.measurement import SYMBOL, compare
from trialscout.match.logic import Outcome, false, true, unknown
from trialscout.match.units import convert, fmt_num, fmt_unit, infer_unit
from trialscout.patient.profile import Lab


def lab_info(analyte: str) -> LabInfo | None:
    v = vocab()
    if analyte in v.labs:
        return v.labs[analyte]
    alias = v.lab_for(analyte.replace("_", " "))
    return v.labs.get(alias) if alias else None


def canonical_id(a: LabAtom) -> str:
    info = lab_info(a.analyte)
    return info.analyte if info else a.analyte


def _label(a: LabAtom) -> str:
    return display("lab", canonical_id(a), a.analyte.replace("_", " "))


def _title(s: str) -> str:
    return s[0].upper() + s[1:] if s and not s[:3].isupper() else s


def find(ctx: Ctx, a: LabAtom) -> list[tuple[int, Lab]]:
    info = lab_info(a.analyte)
    loinc = a.loinc or (info.loinc if info else None)
    hits = ctx.profile.find_labs(f"LOINC:{loinc}") if loinc else []
    if not hits:
        hits = ctx.profile.find_labs(a.analyte.replace("_", " "))
    return [(i, lab) for i, lab in hits if lab.value is not None]


def _bands(ctx: Ctx, analyte: str, info: LabInfo | None) -> tuple[float, float] | None:
    rows = [r for r in read_csv("uln_bands.csv") if r["analyte"] == analyte]
    if rows:
        sex = ctx.profile.sex
        mine = [r for r in rows if r["sex"] == sex] or rows
        return min(float(r["low"]) for r in mine), max(float(r["high"]) for r in mine)
    if info and info.uln_low is not None and info.uln_high is not None:
        return info.uln_low, info.uln_high
    return None


def _evidence(i: int, lab: Lab, unit: str | None, conv: float | None, inferred: bool) -> str:
    when = f" on {lab.date}" if lab.date else ""
    shown = f"{fmt_num(lab.value or 0)} {lab.unit or ''}".strip()
    extra = ""
    if conv is not None and unit and (lab.unit is None or conv != lab.value):
        extra = f" (= {fmt_num(conv)} {unit}{', unit inferred from magnitude' if inferred else ''})"
    uln = f", lab ULN {fmt_num(lab.uln)}" if lab.uln is not None else ""
    return f"labs[{i}] {lab.test} {shown}{extra}{uln}{when}"


def _cockcroft_gault(ctx: Ctx) -> tuple[list[float], str] | None:
    """CrCl (mL/min) from creatinine, age, weight, sex; a range when sex is unknown."""
    p = ctx.profile
    hits = [(i, lab) for i, lab in p.find_labs("creatinine") if lab.value is not None]
    age = p.age_at()
    weight = p.vitals.weight_kg if p.vitals else None
    if not hits or age is None or not weight:
        return None
    i, lab = hits[0]
    unit = lab.unit or infer_unit("creatinine", lab.value or 0)
    mg = convert(lab.value or 0, unit, "mg/dL", "creatinine") if unit else None
    if not mg:
        return None
    base = (140 - age) * weight / (72 * mg)
    vals = (
        [base] if p.sex == "male" else [base * 0.85] if p.sex == "female" else [base * 0.85, base]
    )
    ev = (
        f"labs[{i}] creatinine {fmt_num(lab.value or 0)} {lab.unit or ''}, age {age}, "
        f"weight {fmt_num(weight)} kg"
    )
    return vals, ev


def eval_lab(a: LabAtom, ctx: Ctx) -> Outcome:
    aid = canonical_id(a)
    info = lab_info(a.analyte)
    label = _label(a)
    fact = ask(f"lab:{aid}", "lab", label=label)
    hits = find(ctx, a)
    if not hits and aid == "crcl" and a.value is not None:
        cg = _cockcroft_gault(ctx)
        if cg:
            vals, cg_ev = cg
            ok = [compare(v, a.comparator, a.value) for v in vals]
            span = " to ".join(fmt_num(v) for v in vals)
            reason = (
                f"Creatinine clearance (Cockcroft-Gault) {span} mL/min "
                f"{SYMBOL[a.comparator]} {fmt_num(a.value)} mL/min"
            )
            if all(ok):
                return true(reason, [cg_ev])
            if not any(ok):
                return false(
                    f"Creatinine clearance (Cockcroft-Gault) {span} mL/min "
                    f"(limit {SYMBOL[a.comparator]} {fmt_num(a.value)})",
                    [cg_ev],
                )
            return unknown(reason + ": depends on sex", [ask("sex", "sex")], [cg_ev])
    if not hits:
        return unknown(f"{_title(label)} not recorded", [fact])
    i, lab = hits[0]
    value = float(lab.value or 0)
    lab_unit, inferred = lab.unit, False
    if lab_unit is None and a.unit is not None:
        lab_unit = infer_unit(aid, value)
        inferred = lab_unit is not None
    sym = SYMBOL[a.comparator]

    if a.uln_multiple is not None or a.lln_multiple is not None:
        k = a.uln_multiple if a.uln_multiple is not None else a.lln_multiple
        assert k is not None
        which = "ULN" if a.uln_multiple is not None else "LLN"
        own = lab.uln if which == "ULN" else lab.lln
        ev = [_evidence(i, lab, None, None, False)]
        shown = f"{_title(label)} {fmt_num(value)} {lab.unit or ''}".strip()
        if own is not None:
            limit = k * own
            reason = (
                f"{shown} {sym} {fmt_num(k)} × {which} ({fmt_num(own)}, the lab's own) "
                f"= {fmt_num(limit)}"
            )
            if compare(value, a.comparator, limit):
                return true(reason, ev)
            return false(f"{shown} (limit {sym} {fmt_num(k)} × {which} = {fmt_num(limit)})", ev)
        band = _bands(ctx, aid, info) if which == "ULN" else None
        unit = info.unit if info else None
        conv = (
            convert(value, lab_unit, unit, aid)
            if (unit and lab_unit)
            else (value if not unit else None)
        )
        if band is None or conv is None:
            return unknown(
                f"{shown}: lab's {'upper' if which == 'ULN' else 'lower'} limit needed",
                [ask(f"uln:{aid}", "uln", label=label)],
                ev,
            )
        ev = [_evidence(i, lab, unit, conv, inferred)]
        lo, hi = band
        u = f" {fmt_unit(unit)}" if unit else ""
        at_lo, at_hi = compare(conv, a.comparator, k * lo), compare(conv, a.comparator, k * hi)
        rng = (
            f"{fmt_num(k * lo)}-{fmt_num(k * hi)}{u} for typical ULN {fmt_num(lo)}-{fmt_num(hi)}{u}"
        )
        if at_lo and at_hi:
            return true(f"{_title(label)} {fmt_num(conv)}{u} {sym} {fmt_num(k)} × ULN ({rng})", ev)
        if not at_lo and not at_hi:
            return false(
                f"{_title(label)} {fmt_num(conv)}{u} (limit {sym} {fmt_num(k)} × ULN: {rng})", ev
            )
        return unknown(
            f"{_title(label)} {fmt_num(conv)}{u} vs {fmt_num(k)} × ULN ({rng}): "
            "lab's upper limit needed",
            [ask(f"uln:{aid}", "uln", label=label)],
            ev,
        )

    if a.value is None:
        return unknown(f"{_title(label)}: the criterion gives no limit; check by hand", [])
    crit_unit = a.unit
    if crit_unit is None and lab_unit is not None:
        crit_unit = infer_unit(aid, a.value)
    if crit_unit is None or lab_unit is None:
        conv = value if crit_unit is None and lab_unit is None else None
    else:
        conv = convert(value, lab_unit, crit_unit, aid)
    ev = [_evidence(i, lab, crit_unit, conv, inferred)]
    if conv is None:
        return unknown(
            f"{_title(label)} {fmt_num(value)} {lab.unit or '(no unit)'} cannot be compared "
            f"with {fmt_num(a.value)} {crit_unit or ''}: unit conversion unknown",
            [fact],
            ev,
        )
    u = f" {fmt_unit(crit_unit)}" if crit_unit else ""
    if compare(conv, a.comparator, a.value):
        out = true(f"{_title(label)} {fmt_num(conv)}{u} {sym} {fmt_num(a.value)}{u}", ev)
    else:
        out = false(f"{_title(label)} {fmt_num(conv)}{u} (limit {sym} {fmt_num(a.value)}{u})", ev)
    out.inferred = inferred
    return out


EVALUATORS: dict[str, Any] = {"lab": eval_lab}
