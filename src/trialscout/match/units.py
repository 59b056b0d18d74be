"""Lab unit conversion from a factor table (data/match/unit_factors.csv).

A factor table rather than pint: pint lacks IU, mEq and cell-count units, and the
conversions that matter here (creatinine x 88.4, bilirubin x 17.1) depend on the
analyte, which a table says plainly. Unit spellings are first made canonical with
the vocabularies the patient and criteria modules already keep.
"""

from __future__ import annotations

import re
from collections import deque
from functools import lru_cache

from trialscout.match.data import read_csv


def unit_key(unit: str | None) -> str:
    if not unit:
        return ""
    from trialscout.criteria.vocab import vocab
    from trialscout.patient import vocab as pvocab

    u = unit.strip().replace("μ", "u").replace("µ", "u").replace("×", "x").replace("⁹", "^9")
    canon = pvocab.canonical_unit(u) or vocab().canonical_unit(u)
    return re.sub(r"\s+", "", canon).lower()


@lru_cache(maxsize=1)
def _edges() -> dict[str, dict[str, dict[str, float]]]:
    """analyte -> from -> to -> factor (both directions)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for r in read_csv("unit_factors.csv"):
        a, f, t, k = r["analyte"], unit_key(r["from"]), unit_key(r["to"]), float(r["factor"])
        out.setdefault(a, {}).setdefault(f, {})[t] = k
        out[a].setdefault(t, {})[f] = 1.0 / k
    return out


def convert(value: float, src: str | None, dst: str | None, analyte: str) -> float | None:
    """`value` in `src` expressed in `dst`, or None when no conversion is known."""
    s, d = unit_key(src), unit_key(dst)
    if s == d:
        return value
    edges = _edges()
    graph: dict[str, dict[str, float]] = {}
    for a in ("*", analyte):
        for f, tos in edges.get(a, {}).items():
            graph.setdefault(f, {}).update(tos)
    todo: deque[tuple[str, float]] = deque([(s, value)])
    seen = {s}
    while todo:
        u, v = todo.popleft()
        for nxt, k in graph.get(u, {}).items():
            if nxt in seen:
                continue
            if nxt == d:
                return v * k
            seen.add(nxt)
            todo.append((nxt, v * k))
    return None


def infer_unit(analyte: str, value: float) -> str | None:
    """The unit a bare number must be in, where its magnitude leaves no doubt."""
    for r in read_csv("unit_magnitude.csv"):
        if r["analyte"] == analyte and float(r["min"]) <= value <= float(r["max"]):
            return r["unit"]
    return None


def fmt_num(x: float) -> str:
    """3 significant digits, no trailing zeros: 118, 1.5, 0.85, 1500."""
    if x == int(x) and abs(x) < 1e7:
        return str(int(x))
    s = f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"
    return s


def fmt_unit(unit: str | None) -> str:
    """'10^9/L' reads '× 10^9/L' after a number; others unchanged."""
    if not unit:
        return ""
    return f"× {unit}" if unit.startswith("10^") else unit
