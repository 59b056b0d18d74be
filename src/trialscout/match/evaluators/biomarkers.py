"""Biomarker criteria against the profile's `biomarkers` (docs/biomarkers.md).

Rules (clinical-reference.md, "Biomarkers that criteria name"): a missing result is
unknown, never negative; a threshold in one PD-L1 score type does not satisfy another;
"wild-type" needs a stated negative result for that gene; a wildcard ("V600*", a
variant group) matches the variants it covers and no others. Names, synonyms and
variant spellings come from data/biomarkers via the extractor's vocabulary.
"""

from __future__ import annotations

import re
from typing import Any

from trialscout.criteria.atoms import BiomarkerAtom
from trialscout.criteria.extractors.biomarkers import (
    canonical_alteration,
    canonical_marker,
    canonical_result,
    covers,
    group_members,
    vocabulary,
)
from trialscout.match.evaluators.common import Ctx, ask
from trialscout.match.evaluators.measurement import SYMBOL, compare
from trialscout.match.logic import Outcome, all_of, false, negate, true, unknown
from trialscout.match.units import fmt_num
from trialscout.patient.profile import Biomarker

_POS = {"positive", "high", "deficient"}
_NEG = {"negative", "wild-type", "stable", "proficient", "low"}


def _say(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _label(a: BiomarkerAtom) -> str:
    what = a.alteration or (f"{a.variant_class} mutation" if a.variant_class else None)
    base = " ".join(x for x in (a.marker, what) if x)
    if a.comparator and a.value is not None:
        return f"{base} {a.score or ''} {SYMBOL[a.comparator]} {fmt_num(a.value)}".replace(
            "  ", " "
        )
    if a.result and not a.alteration:
        return f"{base} {a.result}"
    return base


def _ev(i: int, b: Biomarker) -> str:
    parts = [
        b.gene or b.name or "",
        b.alteration or "",
        b.kind or "",
        b.score or "",
        fmt_num(b.value) if b.value is not None else "",
        b.unit or "",
        b.result or "",
        f"({b.assay})" if b.assay else "",
        f"on {b.date}" if b.date else "",
    ]
    return f"biomarkers[{i}] " + " ".join(p for p in parts if p)


def _entries(a: BiomarkerAtom, ctx: Ctx) -> list[tuple[int, Biomarker]]:
    want = canonical_marker(a.marker) or a.marker
    # hormone receptor status is read from ER and PR (ASCO/CAP: HR+ = ER+ or PR+)
    wanted = {"HR", "ER", "PR"} if want == "HR" else {want}
    out = []
    for i, b in enumerate(ctx.profile.biomarkers):
        names = [b.gene, b.name]
        if any((canonical_marker(n) or (n or "").upper()) in wanted for n in names if n):
            out.append((i, b))
        elif b.name and canonical_marker(b.name) is None and want == "MSI":
            continue
    return out


def _res(b: Biomarker) -> str | None:
    """The entry's result in canonical words; 'MSI-H' -> 'high', 'not detected' -> 'negative'."""
    r = canonical_result(b.result)
    if r is None and b.name:
        # "MSI-H" / "dMMR" written as the name with no result
        r = canonical_result(b.name) if canonical_result(b.name) not in ("positive",) else None
    return r


def _her2_status(b: Biomarker) -> str | None:
    """positive / low / negative from IHC (0-3+) and ISH (ASCO/CAP 2018)."""
    r = (b.result or "").replace(" ", "")
    ihc = None
    m = re.fullmatch(r"(?:ihc)?([0-3])\+?", r)
    if m:
        ihc = int(m.group(1))
    elif (b.score or "").upper() == "IHC" and b.value is not None:
        ihc = int(b.value)
    if ihc is not None:
        if ihc == 3:
            return "positive"
        if ihc == 0:
            return "negative"
        if ihc == 1:
            return "low"
        return None  # 2+: needs ISH
    return canonical_result(b.result)


def _her2(a: BiomarkerAtom, hits: list[tuple[int, Biomarker]], fact: Any) -> Outcome:
    ihc = [(i, b) for i, b in hits if _ihc_value(b) is not None]
    ish = [(i, b) for i, b in hits if (b.assay or b.score or "").upper() in ("ISH", "FISH", "CISH")]
    ish_res = next((canonical_result(b.result) for _, b in ish if b.result), None)
    if a.comparator and a.value is not None and (a.score or "IHC") == "IHC":
        if not ihc:
            return unknown("HER2 IHC score not recorded", [fact], [_ev(i, b) for i, b in hits])
        i, b = ihc[-1]
        v = _ihc_value(b)
        assert v is not None
        ok = compare(v, a.comparator, a.value)
        r = f"HER2 IHC {fmt_num(v)}+ (needs IHC {SYMBOL[a.comparator]} {fmt_num(a.value)}+)"
        return (true if ok else false)(r, [_ev(i, b)])
    if a.result in ("positive", "negative", "low") and a.kind == "amplification":
        if ish_res is None:
            return unknown("HER2 ISH result not recorded", [fact], [_ev(i, b) for i, b in hits])
        ok = (ish_res == "positive") == (a.result == "positive")
        return (true if ok else false)(f"HER2 ISH {ish_res}", [_ev(i, b) for i, b in ish])
    # a status: derive it from each entry, ISH settling IHC 2+
    status: str | None = None
    evid: list[str] = []
    for i, b in hits:
        evid.append(_ev(i, b))
        if (i, b) in ish:  # ISH: amplified is positive; not amplified settles only with IHC
            ish_r = canonical_result(b.result)
            if ish_r == "positive":
                status = "positive"
            elif ish_r == "negative" and not ihc:
                status = status or "negative"
            continue
        st = _her2_status(b)
        if st is None and _ihc_value(b) == 2 and ish_res:
            st = "positive" if ish_res == "positive" else "low"
        if st in ("positive", "negative", "low") and status != "positive":
            status = st
    if status is None:
        return unknown("HER2 status not clear from the record (IHC 2+ needs ISH)", [fact], evid)
    want = a.result or "positive"
    # HER2-negative includes HER2-low (IHC 1+ / 2+ ISH-negative)
    ok = status in ("negative", "low") if want == "negative" else status == want
    return (true if ok else false)(f"HER2 {status} (needs HER2-{want})", evid)


def _ihc_value(b: Biomarker) -> float | None:
    r = (b.result or "").replace(" ", "")
    m = re.fullmatch(r"(?:ihc)?([0-3])\+?", r)
    if m and ((b.score or "IHC").upper() == "IHC"):
        return float(m.group(1))
    if (b.score or "").upper() == "IHC" and b.value is not None:
        return b.value
    return None


def _threshold(a: BiomarkerAtom, hits: list[tuple[int, Biomarker]], fact: Any) -> Outcome:
    assert a.comparator is not None and a.value is not None
    same = [
        (i, b)
        for i, b in hits
        if b.value is not None and (a.score is None or (b.score or "").upper() == a.score.upper())
    ]
    other = [(i, b) for i, b in hits if (i, b) not in same and b.value is not None]
    if a.unit and a.unit != "%":
        same = [(i, b) for i, b in same if not b.unit or b.unit.lower() == a.unit.lower()]
    if not same:
        if other:
            i, b = other[-1]
            return unknown(
                f"{a.marker} {b.score or ''} {fmt_num(b.value or 0)}{b.unit or ''} recorded; "
                f"a {a.score or a.unit or 'different'} threshold needs a {a.score or a.unit} "
                "result (score types and units do not convert)",
                [fact],
                [_ev(j, x) for j, x in other],
            )
        return unknown(f"{_label(a)}: no value recorded", [fact], [_ev(i, b) for i, b in hits])
    i, b = same[-1]
    assert b.value is not None
    ok = compare(b.value, a.comparator, a.value)
    unit = "%" if a.unit == "%" else (f" {a.unit}" if a.unit else "")
    r = (
        f"{a.marker} {b.score or ''} {fmt_num(b.value)}{unit} "
        f"(needs {a.score or ''} {SYMBOL[a.comparator]} {fmt_num(a.value)}{unit})"
    )
    return (true if ok else false)(re.sub(r"\s+", " ", r).replace("( ", "("), [_ev(i, b)])


def _status(a: BiomarkerAtom, hits: list[tuple[int, Biomarker]], fact: Any) -> Outcome:
    """A named marker's status: positive / negative / high / stable / deficient..."""
    v = vocabulary()
    want = a.result or "positive"
    evid = [_ev(i, b) for i, b in hits]
    if a.marker == "HR" and want == "positive":
        pos = [(i, b) for i, b in hits if _res(b) == "positive"]
        if pos:
            i, b = pos[-1]
            return true(f"{b.name or b.gene} positive (HR+ needs ER+ or PR+)", [_ev(i, b)])
    for i, b in reversed(hits):
        r = _res(b)
        if r is None and b.value is not None:
            cut = v.positive_cutoff.get((a.marker, (b.score or a.marker)))
            if v.family.get(a.marker) == "virus":
                r = "positive" if b.value > 0 else "negative"  # a quantified load is detectable
            elif a.marker == "TMB" and cut is not None:
                r = "high" if b.value >= cut else "low"
            elif cut is not None:
                r = "positive" if b.value >= cut else "negative"
        if r is None:
            continue
        if r == want:
            return true(
                f"{a.marker} {b.result or fmt_num(b.value or 0)} ({a.marker} {want})",
                [evid[hits.index((i, b))]],
            )
        pos_r, pos_w = r in _POS, want in _POS
        if (r in _POS or r in _NEG) and (want in _POS or want in _NEG) and pos_r != pos_w:
            return false(
                f"{a.marker} {b.result or fmt_num(b.value or 0)} (needs {a.marker} {want})",
                [evid[hits.index((i, b))]],
            )
    return unknown(f"{a.marker} result not clear for '{want}'", [fact], evid)


def _gene(a: BiomarkerAtom, hits: list[tuple[int, Biomarker]], fact: Any) -> Outcome:
    """Gene-level criteria: an alteration, a wildcard / group, any alteration, wild-type."""
    gene = a.gene or a.marker
    if a.variant_class:
        pats = group_members(gene, a.variant_class) or [a.variant_class]
    elif a.alteration:
        pats = [a.alteration]
    else:
        pats = []
    wild = a.result in ("wild-type", "negative")

    def covered(b: Biomarker) -> bool | None:
        if not b.alteration or canonical_result(b.alteration) == "wild-type":
            return None  # a gene-level result
        alt = canonical_alteration(gene, b.alteration) or b.alteration
        return not pats or any(covers(gene, p, alt) for p in pats)

    def kind_ok(b: Biomarker) -> bool:
        return a.kind is None or b.kind is None or a.kind == b.kind

    detected: list[tuple[int, Biomarker]] = []
    other_detected: list[tuple[int, Biomarker]] = []
    negative: list[tuple[int, Biomarker]] = []
    for i, b in hits:
        r = canonical_result(b.result) or ("positive" if b.alteration and not b.result else None)
        c = covered(b)
        if r in ("positive",) and kind_ok(b):
            if (c is None and not pats) or c:
                detected.append((i, b))
            elif c is False:
                other_detected.append((i, b))
        elif r in ("negative", "wild-type"):
            if c is None and kind_ok(b):
                negative.append((i, b))  # whole gene (or this kind) negative
            elif (
                c
                and pats
                and all(
                    covers(gene, p, canonical_alteration(gene, b.alteration) or "") for p in pats
                )
            ):
                negative.append((i, b))  # exactly the asked variant(s) not detected
    want = _label(a)
    if wild:
        if detected:
            i, b = detected[-1]
            return false(
                _say(f"{gene} {b.alteration or b.kind or ''} detected (needs {want})"),
                [_ev(i, b)],
            )
        if negative:
            i, b = negative[-1]
            return true(f"{gene} {b.result} (needs {want})", [_ev(i, b)])
        if pats and other_detected:
            i, b = other_detected[-1]
            return true(
                f"{gene} {b.alteration} is not {' / '.join(pats)} (needs {want})", [_ev(i, b)]
            )
        return unknown(
            f"{want}: needs a stated negative {gene} result (never inferred from silence)",
            [fact],
            [_ev(i, b) for i, b in hits],
        )
    if detected:
        i, b = detected[-1]
        return true(
            _say(f"{gene} {b.alteration or b.kind or ''} {b.result or 'detected'} (needs {want})"),
            [_ev(i, b)],
        )
    if negative:
        i, b = negative[-1]
        return false(
            _say(f"{gene} {b.alteration or b.kind or ''} {b.result} (needs {want})"),
            [_ev(i, b)],
        )
    if other_detected:
        i, b = other_detected[-1]
        return false(
            f"{gene} {b.alteration} detected; {want} covers {' / '.join(pats)} only",
            [_ev(j, x) for j, x in other_detected],
        )
    return unknown(f"{want}: result not clear", [fact], [_ev(i, b) for i, b in hits])


_STATUS_WORDS = {"high": "-high", "low": "-low", "stable": " stable", "wild-type": " wild-type"}


def words(a: BiomarkerAtom) -> str:
    """A biomarker requirement in plain words: 'PD-L1 CPS ≥ 1', 'EGFR L858R', 'HER2-negative'."""
    unit = a.unit if a.unit and a.unit != "%" else ""
    if a.comparator and a.value is not None:
        pct = "%" if a.unit == "%" else ""
        score = a.score if a.score and a.score != a.marker else ""
        return _say(f"{a.marker} {score} {SYMBOL[a.comparator]} {fmt_num(a.value)}{pct} {unit}")
    alt = (a.alteration or "").replace("*", " (any)")
    what = alt or (f"{a.variant_class} mutation" if a.variant_class else (a.kind or ""))
    if a.result in (None, "positive") and what:
        return _say(f"{a.marker} {what}")
    res = a.result or "positive"
    if what and res in ("wild-type", "negative"):
        return _say(f"{a.marker} {what} {'not detected' if res == 'negative' else 'wild-type'}")
    if res in ("positive", "negative") and a.marker in ("HER2", "ER", "PR", "HR"):
        return f"{a.marker}-{res}"
    return f"{a.marker}{_STATUS_WORDS.get(res, ' ' + res)}"


def fact_key(a: BiomarkerAtom) -> tuple[str, str]:
    """The missing-fact key and question label: 'biomarker:PD-L1:#CPS' asks for a CPS
    value, 'biomarker:EGFR:L858R' for that variant, 'biomarker:HER2' for a status."""
    if a.comparator and a.value is not None:
        score = a.score or ("IHC" if a.marker == "HER2" else "value")
        return f"biomarker:{a.marker}:#{score}", f"{a.marker} {score if score != 'value' else ''}"
    if a.alteration:
        return f"biomarker:{a.marker}:{a.alteration}", f"{a.marker} {a.alteration}"
    return f"biomarker:{a.marker}", a.marker


def fact_parts(fact: str) -> tuple[str, str | None, str | None]:
    """(marker, alteration, score) of a fact key made by `fact_key`."""
    _, _, rest = fact.partition(":")
    marker, _, detail = rest.partition(":")
    if detail.startswith("#"):
        return marker, None, detail[1:]
    return marker, detail or None, None


def profile_entry(fact: str, answer: str | float) -> dict[str, Any]:
    """A profile `biomarkers[]` item from a form answer to the question of `fact`."""
    marker, alt, score = fact_parts(fact)
    v = vocabulary()
    key: dict[str, Any] = (
        {"gene": v.gene_of[marker]} if v.family.get(marker) == "gene" else {"name": marker}
    )
    if score and isinstance(answer, float | int):
        key.update({"value": float(answer)})
        if score != "value":
            key["score"] = score
        return key
    if score == "IHC":
        return {**key, "score": "IHC", "result": str(answer)}
    if alt:
        key["alteration"] = alt
    return {**key, "result": str(answer)}


# a composite status: triple-negative breast cancer = ER-, PR- and HER2- (ASCO/CAP);
# each part is read as its own marker, so a missing one stays unknown
_COMPOSITE = {"triple_negative": (("ER", None), ("PR", None), ("HER2", "ERBB2"))}


def _composite(a: BiomarkerAtom, ctx: Ctx) -> Outcome:
    parts = [
        eval_biomarker(
            BiomarkerAtom(text=a.text, span=a.span, marker=m, gene=g, result="negative"), ctx
        )
        for m, g in _COMPOSITE[a.marker]
    ]
    out = all_of(parts)
    if a.result in (None, "positive"):
        return out
    return negate(out) if a.result == "negative" else unknown(f"{a.marker} {a.result}", [])


def eval_biomarker(a: BiomarkerAtom, ctx: Ctx) -> Outcome:
    if a.marker in _COMPOSITE:
        return _composite(a, ctx)
    label = _label(a)
    key, qlabel = fact_key(a)
    fact = ask(key, "biomarker", label=_say(qlabel))
    hits = _entries(a, ctx)
    if not hits:
        return unknown(
            f"{label} not recorded (a missing result is unknown, never negative)", [fact]
        )
    if a.marker == "HER2":
        return _her2(a, hits, fact)
    if a.comparator and a.value is not None:
        return _threshold(a, hits, fact)
    if a.gene and vocabulary().family.get(a.marker) == "gene":
        return _gene(a, hits, fact)
    return _status(a, hits, fact)


EVALUATORS: dict[str, Any] = {"biomarker": eval_biomarker}
