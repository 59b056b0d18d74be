"""Lab limits: analyte (+ group "AST and ALT"), comparator, value with unit or x ULN,
conditional limits ("<= 5 x ULN in the presence of liver metastases")."""

# ruff: noqa: E501  (regex tables and word lists read better unwrapped)

from __future__ import annotations

import re
from functools import lru_cache

from trialscout.criteria.atoms import (
    AndNode,
    Comparator,
    ConditionAtom,
    Expr,
    IfNode,
    LabAtom,
    MetastasisAtom,
    OrNode,
)
from trialscout.criteria.extractors.base import (
    CMP,
    NUM,
    Ctx,
    Found,
    comparator,
    may_match,
    number,
)
from trialscout.criteria.vocab import vocab

_ULN = (
    r"(?:(?:x|times|\*)\s*)?(?:the\s*)?(?:institutional\s*|laboratory\s*|local\s*)?"
    r"(?:upper limits? of (?:the\s*)?normal(?:\s*range)?|upper normal limits?|\buln\b|\bunl\b|upper limit of the normal range|"
    r"upper normal range|\(uln\)|(?<=times )(?:the\s*)?normal\b|(?<=x )normal\b|(?:the\s*)?control\b)(?:\s*\((?:uln|unl)\)(?:\s*range)?|\s*range)?"
)
_LLN = r"(?:(?:x|times)\s*)?(?:the\s*)?(?:institutional\s*)?(?:lower limits? of (?:the\s*)?normal|\blln\b)"
# shared with demographics.py: "< or =", "> or equal to", "</=", "=<": spellings base.CMP does not list
XCMP = r"(?:[<>]\s*or\s*(?:=|equal(?:\s*to)?)|[<>]\s*/\s*=|=\s*[<>]|" + CMP + r")"


def cmp_of(s: str) -> Comparator:
    k = re.sub(r"\s+", "", s.lower())
    if re.fullmatch(r"<(?:or)?/?(?:=|equal(?:to)?)|=<", k):
        return "<="
    if re.fullmatch(r">(?:or)?/?(?:=|equal(?:to)?)|=>", k):
        return ">="
    return comparator(s)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    v = vocab()
    alias = v.lab_alias_re
    par = r"(?:\s*\([^()]{1,40}\))?"
    group = (
        r"(?P<an>"
        + r"(?<![A-Za-z])"
        + alias
        + par
        + r"(?:\s*(?:and/or|and|or|/|,|&)\s*"
        + alias
        + par
        + r"){0,3})(?![A-Za-z])"
    )
    lab = re.compile(
        group
        + r"(?P<fill>(?:[^<>=\d;.]|\.(?=\d)){0,45}?)"
        + r"(?P<cmp>"
        + XCMP
        + r")\s*"
        + r"(?:(?P<val>"
        + NUM
        + r")\s*(?:(?P<uln>"
        + _ULN
        + r")|(?P<lln>"
        + _LLN
        + r")|(?P<unit>"
        + v.unit_re
        + r")(?![A-Za-z]))?|(?P<uln1>"
        + _ULN
        + r")|(?P<lln1>"
        + _LLN
        + r"))"
        + r"(?:\s*(?P<post>or (?:more|greater|higher|above|less|lower|below)))?",
        re.I,
    )
    # an equivalent in another unit, in brackets: "(90 g/L)"
    alt = re.compile(
        r"\s*[\(\[]\s*(?:or\s*)?(?:"
        + CMP
        + r")?\s*"
        + NUM
        + r"\s*(?:"
        + v.unit_re
        + r")?[^()]{0,20}[\)\]]",
        re.I,
    )
    cond = re.compile(
        r"\s*(?:,|;)?\s*\(?\s*(?:or\s*|and\s*)?\(?\s*(?P<cmp>"
        + XCMP
        + r")\s*(?P<val>"
        + NUM
        + r")\s*(?:"
        + _ULN
        + r"|(?P<unit>"
        + v.unit_re
        + r"))\s*,?\s*"
        r"(?:(?:in|for)\s*(?:the\s*)?(?:presence of|patients? with|subjects? with|participants? with|cases? of|those with|case of|setting of)|"
        r"if\s*(?:there\s*(?:is|are)\s*)?|with|when|due to|because of|in case of)\s*(?:known\s*|documented\s*|the\s*)?"
        r"(?P<cond>[^,;().]{3,60}?)\s*(?:\)|(?=[,;.]|$))",
        re.I,
    )
    return lab, alt, cond


@lru_cache(maxsize=1)
def _normal_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Limits stated against the normal range without a number.

    "magnesium and potassium within normal limits" is >= 1 x LLN and <= 1 x ULN
    (docs/criteria-gold.md); "high LDH" / "troponin elevated above normal" is > 1 x ULN,
    "low hemoglobin" < 1 x LLN.
    """
    alias = vocab().lab_alias_re
    grp = (
        r"(?P<an>(?<![A-Za-z])"
        + alias
        + r"(?:\s*(?:and/or|and|or|/|,|&)\s*"
        + alias
        + r"){0,3})(?![A-Za-z])"
    )
    wnl = re.compile(
        grp
        + r"(?:\s*(?:levels?|values?|counts?|tests?))?\s*(?:must\s*be\s*|should\s*be\s*|are\s*|is\s*|to\s*be\s*)?"
        r"(?P<how>within\s*(?:the\s*)?(?:institutional\s*|laboratory\s*)?(?:normal\s*limits|normal\s*range|limits\s*of\s*normal|range\s*of\s*normal)|\bwnl\b"
        r"|(?:elevated|increased|raised)?\s*(?:above|greater\s*than|higher\s*than)\s*(?:the\s*)?(?:institutional\s*)?(?:normal\s*range|normal\s*limits?|normal)"
        r"|(?:below|less\s*than|lower\s*than)\s*(?:the\s*)?(?:institutional\s*)?(?:normal\s*range|normal\s*limits?|normal))",
        re.I,
    )
    hilo = re.compile(
        r"\b(?P<how>high|elevated|raised|increased|low|decreased)\s*(?:\"?(?:serum|blood|plasma|corrected)\"?\s*){0,2}"
        + grp,
        re.I,
    )
    return wnl, hilo


def _extract_normal(ctx: Ctx, taken: list[tuple[int, int]]) -> list[Found]:
    v = vocab()
    wnl, hilo = _normal_patterns()
    out: list[Found] = []
    for rx in (wnl, hilo):
        for m in rx.finditer(ctx.text) if may_match(rx, ctx) else ():
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            analytes = _split_analytes(m.group("an"))
            ids = [v.lab_for(al) for al, _, _ in analytes]
            if not analytes or any(i is None for i in ids):
                continue
            how = m.group("how").lower()
            limits: list[tuple[Comparator, float | None, float | None]]
            if how.startswith(("within", "wnl")):
                limits = [(">=", None, 1.0), ("<=", 1.0, None)]
            elif re.match(
                r"(?:elevated|increased|raised)?\s*(?:above|greater|higher)|high|elevated|raised|increased",
                how,
            ):
                limits = [(">", 1.0, None)]
            else:
                limits = [("<", None, 1.0)]
            atoms: list[Expr] = []
            for ident in ids:
                assert ident is not None
                for c, uln, lln in limits:
                    atoms.append(
                        ctx.mk(
                            LabAtom,
                            m.start(),
                            m.end(),
                            analyte=ident,
                            loinc=v.labs[ident].loinc,
                            comparator=c,
                            uln_multiple=uln,
                            lln_multiple=lln,
                        )
                    )
            expr = atoms[0] if len(atoms) == 1 else ctx.mk(AndNode, m.start(), m.end(), args=atoms)
            out.append(Found(expr, m.start(), m.end(), priority=9))
            taken.append(m.span())
    return out


def _split_analytes(s: str) -> list[tuple[str, str, int]]:
    """(alias text, joiner before it, offset) for each analyte in a group."""
    v = vocab()
    rx = re.compile(r"(?<![A-Za-z])" + v.lab_alias_re + r"(?![A-Za-z])", re.I)
    out: list[tuple[str, str, int]] = []
    last = 0
    for m in rx.finditer(s):
        inside_paren = s.count("(", 0, m.start()) > s.count(")", 0, m.start())
        if inside_paren:
            continue
        joiner = s[last : m.start()].strip().lower()
        out.append((m.group(), joiner, m.start()))
        last = m.end()
    return out


def _cond_expr(ctx: Ctx, text: str, a: int, b: int) -> Expr | None:
    low = text.lower()
    v = vocab()
    if re.search(r"metasta|involvement|infiltration|lesion|mets", low):
        sites = v.site.find(text)
        if sites:
            return ctx.mk(MetastasisAtom, a, b, site=sites[0].id)
    if "gilbert" in low:
        return ctx.mk(ConditionAtom, a, b, condition="gilbert_syndrome")
    if re.search(r"hemoly|haemoly", low):
        return ctx.mk(ConditionAtom, a, b, condition="hemolysis")
    if re.search(r"hcc|hepatocellular|liver cancer|primary liver", low):
        from trialscout.criteria.atoms import DiagnosisAtom

        return ctx.mk(DiagnosisAtom, a, b, cancer="hepatocellular_carcinoma")
    if re.search(r"marrow", low):
        return ctx.mk(MetastasisAtom, a, b, site="bone_marrow")
    return None


def _group_expr(
    ctx: Ctx,
    m: re.Match[str],
    analytes: list[tuple[str, str, int]],
    ids: list[str | None],
    start: int,
    end: int,
    val: float | None,
    uln_mult: float | None,
    lln: float | None,
    u: str | None,
    cmp_: str,
) -> Expr:
    """One lab atom per analyte of a group ("AST and ALT <= 2.5 x ULN"), combined."""
    v = vocab()
    atoms: list[Expr] = []
    for (_al, _joiner, off), ident in zip(analytes, ids, strict=True):
        assert ident is not None
        info = v.labs[ident]
        a0 = m.start("an") + off
        atoms.append(
            ctx.mk(
                LabAtom,
                a0 if len(analytes) > 1 else start,
                end,
                analyte=ident,
                loinc=info.loinc,
                comparator=cmp_,
                value=val,
                unit=u,
                uln_multiple=uln_mult,
                lln_multiple=lln,
            )
        )
    if len(atoms) == 1:
        return atoms[0]
    joiners = {j for _, j, _ in analytes[1:]}
    renal = set(ids) <= {"crcl", "egfr", "creatinine"}
    if renal or ("or" in joiners and ctx.kind == "exclusion"):
        return ctx.mk(OrNode, start, end, args=atoms)
    if ctx.kind == "exclusion" and ("/" in joiners or "," in joiners):
        return ctx.mk(OrNode, start, end, args=atoms)
    return ctx.mk(AndNode, start, end, args=atoms)


def extract_labs(ctx: Ctx) -> list[Found]:
    lab_re, alt_re, cond_re = _patterns()
    v = vocab()
    t = ctx.text
    out: list[Found] = []
    for m in lab_re.finditer(t) if may_match(lab_re, ctx) else ():
        fill = m.group("fill") or ""
        if re.search(
            r"\b(?:within|days?|weeks?|months?|years?|hours?|grade|cycles?|doses?|prior|after|before|doubling|velocity|slope)\b",
            fill,
            re.I,
        ):
            continue
        analytes = _split_analytes(m.group("an"))
        if not analytes:
            continue
        cmp_s = m.group("cmp")
        if cmp_s.strip().lower() in ("over", "under", "within") and not m.group("val"):
            continue
        c = cmp_of(cmp_s)
        post = (m.group("post") or "").lower()
        if post:
            c = ">=" if any(w in post for w in ("more", "greater", "higher", "above")) else "<="
        value: float | None = None
        unit: str | None = None
        uln: float | None = None
        lln: float | None = None
        if m.group("val"):
            raw = number(m.group("val"))
            if m.group("uln"):
                uln = raw
            elif m.group("lln"):
                lln = raw
            else:
                value = raw
                if m.group("unit"):
                    unit = v.canonical_unit(m.group("unit"))
        elif m.group("uln1"):
            uln = 1.0
        elif m.group("lln1"):
            lln = 1.0
        ids = [v.lab_for(al) for al, _, _ in analytes]
        if any(i is None for i in ids):
            continue
        end = m.end()
        am = alt_re.match(t, end)
        if am:
            end = am.end()

        base = _group_expr(ctx, m, analytes, ids, m.start(), end, value, uln, lln, unit, c)
        expr: Expr = base
        cm = cond_re.match(t, end)
        if cm:
            cexpr = _cond_expr(ctx, cm.group("cond"), cm.start("cond"), cm.end("cond"))
            if cexpr is not None:
                c2 = cmp_of(cm.group("cmp"))
                val2 = number(cm.group("val"))
                unit2 = v.canonical_unit(cm.group("unit")) if cm.group("unit") else None
                then = _group_expr(
                    ctx,
                    m,
                    analytes,
                    ids,
                    m.start(),
                    end,
                    val2 if unit2 else None,
                    None if unit2 else val2,
                    None,
                    unit2,
                    c2,
                )
                end = cm.end()
                expr = ctx.mk(IfNode, m.start(), end, cond=cexpr, then=then, otherwise=base)
        out.append(Found(expr, m.start(), end, priority=9))
    out += _extract_normal(ctx, [(f.start, f.end) for f in out])
    return out
