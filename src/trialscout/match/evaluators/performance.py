"""ECOG / Karnofsky across scales (data/match/performance_scales.json)."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import PerformanceAtom
from trialscout.match.data import read_json
from trialscout.match.evaluators.common import Ctx, ask
from trialscout.match.logic import Outcome, false, true, unknown
from trialscout.match.units import fmt_num


def _family(scale: str) -> str:
    same: dict[str, str] = read_json("performance_scales.json")["same_as"]
    s = same.get(scale, scale)
    return "KPS" if s.upper() in ("KPS", "LANSKY") else "ECOG"


def equivalent(value: float, src: str, dst: str) -> list[float]:
    """Values on scale `dst` that `value` on `src` may correspond to."""
    s, d = _family(src), _family(dst)
    if s == d:
        return [value]
    table = read_json("performance_scales.json")
    if s == "ECOG":
        lo, hi = table["ECOG_to_KPS"][str(int(value))]
        return [float(x) for x in range(int(lo), int(hi) + 1, 10)]
    return [float(x) for x in table["KPS_to_ECOG"][str(int(value))]]


def eval_performance(a: PerformanceAtom, ctx: Ctx) -> Outcome:
    found = ctx.profile.latest_performance()
    if found is None:
        return unknown(
            f"{a.scale} performance status not recorded",
            [ask(f"performance:{_family(a.scale)}", "performance", label=a.scale)],
        )
    i, perf = found
    lo = a.min if a.min is not None else float("-inf")
    hi = a.max if a.max is not None else float("inf")
    vals = equivalent(perf.value, perf.scale, a.scale)
    ok = [lo <= v <= hi for v in vals]
    limit = (
        f"{fmt_num(lo)}-{fmt_num(hi)}"
        if a.min is not None and a.max is not None
        else (f"≥ {fmt_num(lo)}" if a.min is not None else f"≤ {fmt_num(hi)}")
    )
    when = f" on {perf.date}" if perf.date else ""
    ev = [f"performance[{i}] {perf.scale} {fmt_num(perf.value)}{when}"]
    if _family(perf.scale) == _family(a.scale):
        reason = f"{perf.scale} {fmt_num(perf.value)} (needs {a.scale} {limit})"
    else:
        span = f"{fmt_num(min(vals))}-{fmt_num(max(vals))}" if len(vals) > 1 else fmt_num(vals[0])
        reason = (
            f"{perf.scale} {fmt_num(perf.value)} corresponds to {a.scale} {span} "
            f"(needs {a.scale} {limit})"
        )
    if all(ok):
        return true(reason, ev)
    if not any(ok):
        return false(reason, ev)
    return unknown(
        f"{reason}: the scales do not map exactly",
        [ask(f"performance:{_family(a.scale)}", "performance", label=a.scale)],
        ev,
    )


EVALUATORS: dict[str, Any] = {"performance": eval_performance}
