"""AJCC stage groups computed from TNM per edition (data/match/ajcc_npc.json)."""

from __future__ import annotations

import re
from typing import Any

from trialscout.criteria.atoms import StageAtom
from trialscout.match.data import read_json
from trialscout.match.evaluators.common import Ctx, ask
from trialscout.match.evaluators.disease import is_npc
from trialscout.match.logic import Outcome, false, true, unknown

EDITION_NAME = {"AJCC7": "AJCC 7th", "AJCC8": "AJCC 8th", "AJCC9": "AJCC 9th"}


def _axis(value: str | None, letter: str) -> str | None:
    """'cT3' -> 'T3', 'rN1' -> 'N1', 'M1b' -> 'M1b', 'Tany' -> '*'."""
    if not value:
        return None
    s = value.strip()
    s = re.sub(r"^[cpry]+(?=[TNM])", "", s, flags=re.I)
    if re.fullmatch(rf"{letter}\s*(any|x)?", s, flags=re.I) and "any" in s.lower():
        return "*"
    m = re.match(rf"(?i){letter}(is|\d)([a-c]?)", s)
    if not m:
        return None
    return f"{letter}{m.group(1)}{m.group(2).lower()}"


def _fits(val: str, allowed: list[str]) -> bool:
    """'T4a' fits 'T4'; 'M1b' fits 'M1'; 'M1' fits 'M1' but not 'M1b' (see m_split)."""
    return any(a == "*" or val == a or (val.startswith(a) and len(a) >= 2) for a in allowed)


def compute_group(
    edition: str, t: str | None, n: str | None, m: str | None, m1_lesions: int | None = None
) -> tuple[set[str], str]:
    """Possible NPC stage groups under `edition` for this TNM; a note when M1 was split."""
    table = read_json("ajcc_npc.json")
    rows = table.get(edition)
    if not rows:
        return set(), ""
    note = ""
    ms = [m] if m else []
    if edition == "AJCC9" and m == "M1":
        if m1_lesions is not None:
            split = "M1a" if m1_lesions <= table["m1a_max_lesions"] else "M1b"
            ms, note = (
                [split],
                f"M1 with {m1_lesions} metastatic lesions read as {split} (inferred)",
            )
        else:
            ms = ["M1a", "M1b"]
    if not ms:
        ms = ["M0", "M1a", "M1b"] if edition == "AJCC9" else ["M0", "M1"]
    out: set[str] = set()
    for mv in ms:
        for row in rows:
            tn_needed = mv.startswith("M0")
            if not _fits(mv, row["M"]):
                continue
            if tn_needed and (t is None or n is None):
                # partial TNM: every group this row family allows stays possible
                if (t is None or _fits(t, row["T"])) and (n is None or _fits(n, row["N"])):
                    out.add(row["group"])
                continue
            if (t is None or _fits(t, row["T"])) and (n is None or _fits(n, row["N"])):
                out.add(row["group"])
                if not tn_needed or (t and n):
                    break
    return out, note


def _group_fits(group: str, wanted: list[str]) -> bool:
    """'IVB' fits 'IV' and 'IVB'; 'IV' does not fit 'I'."""
    g = group.upper()
    return any(
        g == w.upper() or (g.startswith(w.upper()) and g[len(w) :] in ("A", "B", "C"))
        for w in wanted
    )


def eval_stage(a: StageAtom, ctx: Ctx) -> Outcome:
    p = ctx.profile
    st = p.stage
    fact = ask("stage", "stage")
    if st is None:
        return unknown("Stage not recorded", [fact])
    t, n, m = _axis(st.T, "T"), _axis(st.N, "N"), _axis(st.M, "M")
    ev_parts = [
        f"{k} {v}" for k, v in (("T", st.T), ("N", st.N), ("M", st.M), ("group", st.group)) if v
    ]
    ev = [f"stage {st.edition or 'edition not given'}: {', '.join(ev_parts)}"]
    results: list[Outcome] = []

    # Explicit TNM in the criterion wins over its stage-group label.
    if a.t or a.n or a.m:
        parts: list[bool | None] = []
        for letter, want, have in (("T", a.t, t), ("N", a.n, n), ("M", a.m, m)):
            ws = [w for w in (_axis(_prefixed(x, letter), letter) for x in want) if w]
            if not ws or "*" in ws:
                continue
            if have is None:
                parts.append(None)
            elif _fits(have, ws):
                parts.append(True)
            elif have == "M1" and any(w.startswith("M1") for w in ws):
                parts.append(None)
            else:
                parts.append(False)
        wanted = " ".join(a.t + a.n + a.m)
        have_s = " ".join(x for x in (st.T, st.N, st.M) if x)
        if False in parts:
            results.append(false(f"TNM {have_s} (criterion: {wanted})", ev))
        elif None in parts:
            results.append(
                unknown(f"TNM {have_s or 'not recorded'} (criterion: {wanted})", [fact], ev)
            )
        else:
            tnm_note = ""
            if a.groups:
                ed = a.edition or st.edition
                label_groups, _ = (
                    compute_group(ed, t, n, m, _m1_lesions(ctx))
                    if ed and is_npc(p)
                    else (set(), "")
                )
                if label_groups and not any(_group_fits(g, a.groups) for g in label_groups):
                    tnm_note = (
                        f"; note: the criterion's label stage {'/'.join(a.groups)} "
                        f"({EDITION_NAME.get(ed or '', ed)}) would not cover this TNM "
                        f"({'/'.join(sorted(label_groups))}); the stated TNM wins"
                    )
            return true(f"TNM {have_s} meets {wanted}{tnm_note}", ev)
        return results[0]

    if not a.groups:
        return unknown("Stage criterion without group or TNM; check by hand", [], ev)
    want_ed = a.edition
    groups: set[str] = set()
    note = ""
    how = ""
    if want_ed and st.edition != want_ed and is_npc(p) and (m or t or n):
        groups, note = compute_group(want_ed, t, n, m, _m1_lesions(ctx))
        how = f"computed from TNM for {EDITION_NAME.get(want_ed, want_ed)}"
    elif st.group:
        groups = {st.group}
        how = f"recorded ({EDITION_NAME.get(st.edition or '', 'edition not given')})"
    elif is_npc(p) and (st.edition or want_ed):
        ed = want_ed or st.edition or "AJCC8"
        groups, note = compute_group(ed, t, n, m, _m1_lesions(ctx))
        how = f"computed from TNM for {EDITION_NAME.get(ed, ed)}"
    else:
        return unknown("Stage group not recorded and cannot be computed", [fact], ev)
    if note:
        ev.append(note)
    want_s = "/".join(a.groups) + (f" ({EDITION_NAME.get(want_ed, want_ed)})" if want_ed else "")
    if not groups:
        return unknown(f"Stage group cannot be computed from {' '.join(ev_parts)}", [fact], ev)
    fits = [_group_fits(g, a.groups) for g in groups]
    shown = "/".join(sorted(groups))
    if all(fits):
        return true(f"Stage {shown} {how} (criterion: stage {want_s})", ev)
    if not any(fits):
        return false(f"Stage {shown} {how} (criterion: stage {want_s})", ev)
    return unknown(
        f"Stage {shown} {how}: cannot tell which (criterion: stage {want_s})", [fact], ev
    )


def _prefixed(x: str, letter: str) -> str:
    s = x.strip()
    return s if s[:1].upper() == letter or re.match(r"^[cpry][TNM]", s) else f"{letter}{s}"


def _m1_lesions(ctx: Ctx) -> int | None:
    mets = ctx.profile.metastases
    if not mets or any(x.lesions is None for x in mets):
        return None
    return sum(x.lesions or 0 for x in mets)


EVALUATORS: dict[str, Any] = {"stage": eval_stage}
