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
    SexAtom,
    UnparsedAtom,
)
from trialscout.criteria.extractors.base import (
    CMP,
    NUM,
    Ctx,
    Found,
    comparator,
    finditer,
    may_match,
    needs_low_match,
    number,
)
from trialscout.criteria.vocab import bounded_phrases, read_table, vocab

# "2.5xULN" (glued: the x may stand right before ULN), "(IULN)", "upper-normal limit (UNL)",
# "ULN for age", "ULN for the reference lab": the suffix names whose ULN, not a new limit;
# "ALAT < 3 N": French-written texts put N (normale) for the ULN
_ULN = (
    r"(?:(?:x|times|\*)\s*(?:above\s*)?)?(?:the\s*)?(?:institutional\s*|laboratory\s*|local\s*)?"
    r"(?:upper limits? of (?:the\s*)?(?:institutional\s*|institution'?s\s*|laboratory\s*|local\s*)?norm(?:al)?\b(?:\s*range)?|upper[\s-]*normal\s*limits?|(?<![a-wyz])(?:i?uln|i?unl)\b|upper limit of the normal range|"
    r"upper normal range|\(uln\)|(?<=[\d\s])(?-i:N)(?![A-Za-z/])|(?<=times )(?:the\s*)?(?:institutional\s*)?normal\b(?:\s*limits?)?|(?<=x )normal\b|(?:the\s*)?control\b)(?:\s*\((?:i?uln|i?unl)\)(?:\s*range)?|\s*range)?"
    r"(?:\s*for\s*(?:age|(?:the\s*)?(?:reference\s*)?(?:lab|laboratory|institution)\b))?"
)
_LLN = r"(?:(?:x|times)\s*)?(?:the\s*)?(?:institutional\s*)?(?:lower limits? of (?:the\s*)?normal|\blln\b)"
# "less than three times the ULN": a spelled-out number, only before a multiple of the ULN/LLN
# (checked in `extract_labs`) so "less than one" in prose is not read as a value
_WORD_NUM = r"(?:one|two|three|four|five|six|seven|eight|nine|ten)(?![A-Za-z])"
# shared with demographics.py: "< or =", "> or equal to", "</=", "=<": spellings base.CMP does not list
# and "not higher than" / "not below", which base.CMP would read as "higher than" / "below"
_NOT_ABOVE = r"(?:not|no)\s+(?:higher|greater|more|larger|above|over)(?:\s+than)?(?![a-z])"
_NOT_BELOW = r"(?:not|no)\s+(?:lower|less|smaller|below|under)(?:\s+than)?(?![a-z])"
# "greater or equal to 70", "less or equal 1.5": "than" left out
_GE_NO_THAN = r"(?:greater|more|higher)\s+or\s+equal(?:\s+to)?(?![a-z])"
_LE_NO_THAN = r"(?:less|lower|smaller)\s+or\s+equal(?:\s+to)?(?![a-z])"
# "= <= 1.5", "greater than/equal to", "> equal to", ">= to 100", "<= than", "= or <": spellings
# of <= and >= with a stray word or sign; "within 1.5 x ULN" is <= (only before a multiple of the ULN)
_ODD_LE_GE = (
    r"=\s*[<>]=|=\s*or\s*[<>]|(?:greater|more|higher|less|lower)\s+than\s*/\s*equal(?:\s+to)?(?![a-z])"
    r"|[<>]=?\s*equal(?:\s+to)?(?![a-z])|[<>]=\s*(?:to|than)(?![a-z])"
)
_WITHIN_ULN = (
    r"within(?=\s*"
    + NUM
    + r"\s*(?:x|times|\*|fold)?\s*(?:the\s*)?(?:institutional\s*|laboratory\s*)?"
    r"(?:upper|uln|unl|iuln|x?uln))"
)
XCMP = (
    r"(?:" + _ODD_LE_GE + "|" + _WITHIN_ULN + "|"
    r"[<>]\s*or\s*(?:=|equal(?:\s*to)?)(?:\s*to(?![a-z]))?|[<>]\s*/\s*=|=\s*[<>]|"
    + _NOT_ABOVE
    + "|"
    + _NOT_BELOW
    + "|"
    + _GE_NO_THAN
    + "|"
    + _LE_NO_THAN
    + "|"
    + CMP
    + r")"
)


# a lab value: also a decimal comma ("1,5 mg/dL") and thousands in groups of three split by a
# space before a count unit ("100 000/mm3"); `_value` reads it
LNUM = r"(?:\d{1,3},\d{1,2}(?![\d,])|\d{1,3}(?:\s\d{3})+(?=\s*(?:/|cells\b|per\b))|" + NUM + r")"


def _value(raw: str, unit: str | None) -> float:
    """A lab value as written: "100.000/mm3" and "1.500/mm3" (a dot between groups of three
    before a cell-count unit) are thousands, not decimals; "100 000" is 100000."""
    raw = raw.strip()
    if unit == "/uL" and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):
        return float(raw.replace(".", ""))
    return number(re.sub(r"(?<=\d)\s(?=\d{3})", "", raw))


def cmp_of(s: str) -> Comparator:
    low = re.sub(r"\s+", " ", s.strip().lower())
    if low.startswith("within"):
        return "<="  # "within 1.5 x ULN"
    if re.fullmatch(_ODD_LE_GE, low):
        return "<=" if re.search(r"<|less|lower", low) else ">="
    if re.fullmatch(_NOT_ABOVE, s.strip(), re.I):
        return "<="
    if re.fullmatch(_NOT_BELOW, s.strip(), re.I) or re.fullmatch(_GE_NO_THAN, s.strip(), re.I):
        return ">="
    if re.fullmatch(_LE_NO_THAN, s.strip(), re.I):
        return "<="
    k = re.sub(r"\s+", "", s.lower())
    k = re.sub(r"(?<==)to$", "", k)  # "> or = to"
    if re.fullmatch(r"<(?:or)?/?(?:=|equal(?:to)?)|=<", k):
        return "<="
    if re.fullmatch(r">(?:or)?/?(?:=|equal(?:to)?)|=>", k):
        return ">="
    return comparator(s)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    v = vocab()
    alias = v.lab_alias_re
    # glosses after an alias: "(AST)", "(serum glutamic oxaloacetic transaminase [SGOT])",
    # "(AST) (SGOT)"; one level of brackets inside, at most two glosses
    # "(serum glutamic-oxaloacetic transaminase (SGOT) (aspartate aminotransferase (AST))"; a gloss
    # never holds a comparator, so "ANC (>= 1.5 x 10^9/L)" is a limit, not a gloss
    par = r"(?:\s*[(\[](?:[^()\[\]<>=]|[\[(][^()\[\]<>=]{0,30}[\])]){1,100}[)\]]){0,2}"
    group = (
        r"(?P<an>"
        + r"(?<![A-Za-z])"
        + alias
        + par
        + r"(?:\s*(?:,\s*(?:and/or|and|or)|and/or|and|or|/|,|&)\s*"
        + alias
        + par
        + r"){0,3})(?![A-Za-z])"
    )
    lab = re.compile(
        group
        + r"(?P<fill>(?:[^<>=\d;.]|\.(?=\d)|\b(?:i\.e|e\.g)\.){0,45}?)"
        + r"(?P<cmp>"
        + XCMP
        + r")\s*"
        + r"(?:(?P<val>"
        + LNUM
        + r"|"
        + _WORD_NUM
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
        r"if\s*(?:there\s*(?:is|are)\s*)?|with|when|due to|because of|in case of|for(?=\s+(?:known\s+|documented\s+)?(?:liver|hepatic|bone)\b))\s*(?:known\s*|documented\s*|the\s*)?"
        r"(?P<cond>[^,;().]{3,60}?)\s*(?:\)|(?=[,;.]|$))",
        re.I,
    )
    return lab, alt, cond


@lru_cache(maxsize=1)
def _cond_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Conditional second limits in brackets after a first limit."""
    leads = r"(?:if|with|in\s*case\s*of|in\s*the\s*presence\s*of|(?:for|in)\s*(?:patients?|subjects?|participants?|those)\s*with)"
    # "(5 times ULN if liver metastases are present)": the second limit in brackets, its
    # comparator left out (the first one's holds)
    elided = re.compile(
        r"\s*[,;]?\s*\(\s*(?:or\s*)?(?P<cmp>)(?P<val>"
        + NUM
        + r")\s*(?:"
        + _ULN
        + r")(?P<unit>)\s*,?\s*"
        + leads
        + r"\s+(?:known\s+|documented\s+)?(?P<cond>[^,;().<>=\d]{3,60}?)(?:\s*(?:is|are)\s*present)?\s*\)",
        re.I,
    )
    # "(in case of liver metastases: <= 5 times ULN)": the condition first
    first = re.compile(
        r"\s*[,;]?\s*\(\s*"
        + leads
        + r"\s+(?:known\s+|documented\s+)?(?P<cond>[^,;:().<>=\d]{3,60}?)(?:\s*(?:is|are)\s*present)?\s*[,:]?\s*(?P<cmp>"
        + XCMP
        + r")\s*(?P<val>"
        + NUM
        + r")\s*(?:"
        + _ULN
        + r")(?P<unit>)\s*\)",
        re.I,
    )
    return elided, first


_SEX_TAG = r"(?:\[\s*(?P<{g}>(?:fe)?males?|(?:wo)?men)\s*\]|\(\s*(?P<{g}p>(?:fe)?males?|(?:wo)?men)\s*\)|(?:for|in)\s+(?P<{g}f>(?:fe)?males?|(?:wo)?men)(?![a-z]))"


@lru_cache(maxsize=1)
def _extra_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """A second limit for the same analyte right after the first ("<= 1.5 mg/dL or <= 1.5 x
    ULN", "< 1.5 mg/dL [males], < 1.4 mg/dL [females]"), and a range ("between 30 and 60
    mL/min", "9-12 g/dL")."""
    v = vocab()
    second = re.compile(
        r"(?:\s*" + _SEX_TAG.format(g="t1") + r")?"
        r"\s*[,;]?\s*(?P<join>or|and)?\s*(?P<cmp>"
        + XCMP
        + r")\s*(?P<val>"
        + LNUM
        + r")\s*(?:(?P<uln>"
        + _ULN
        + r")|(?P<unit>"
        + v.unit_re
        + r")(?![A-Za-z]))"
        r"(?:\s*" + _SEX_TAG.format(g="t2") + r")?",
        re.I,
    )
    alias = v.lab_alias_re
    rng = re.compile(
        r"(?P<an>(?<![A-Za-z])" + alias + r"(?:\s*\([^()]{1,40}\))?)(?![A-Za-z])"
        r"(?P<fill>[^<>=\d;.]{0,30}?)(?:(?P<btw>between|from|of|in\s+the\s+range(?:\s+of)?)\s*)?"
        r"(?P<lo>"
        + NUM
        + r")\s*(?P<u1>"
        + v.unit_re
        + r")?\s*(?:-|–|to|and)\s*(?P<hi>"
        + NUM
        + r")\s*(?P<unit>"
        + v.unit_re
        + r")(?![A-Za-z])",
        re.I,
    )
    # "ANC 1500/uL or higher", "creatinine clearance of 50 mL/min or more": no comparator before
    # the value, the direction written after it
    post = re.compile(
        r"(?P<an>(?<![A-Za-z])" + alias + r"(?:\s*\([^()]{1,40}\))?)(?![A-Za-z])"
        r"(?P<fill>[^<>=\d;.]{0,25}?)(?:\b(?:of|is|be|at)\s*|:\s*)?"
        r"(?P<val>"
        + LNUM
        + r")\s*(?:(?P<uln>"
        + _ULN
        + r")|(?P<unit>"
        + v.unit_re
        + r")(?![A-Za-z]))\s*(?P<post>or\s+(?:more|greater|higher|above|over|less|lower|below|under))\b"
        # "50% or greater above the nadir": a change from a reference, not a limit
        r"(?!\s*(?:above|below|over|under|from|than|increase|decrease|rise|decline|drop|of\s+(?:the\s+)?(?:baseline|nadir)))",
        re.I,
    )
    return second, rng, post


def _sex_of(m: re.Match[str], g: str) -> str | None:
    w = m.group(g) or m.group(g + "p") or m.group(g + "f")
    if not w:
        return None
    return "female" if w.lower().startswith(("f", "w")) else "male"


def _analyte_group() -> str:
    """One or more lab names as group `an`: a gloss after an alias ("(PT)", "(AST/SGOT)")
    and list joiners ("Potassium, calcium, and magnesium")."""
    alias = vocab().lab_alias_re
    gl = r"(?:\s*\([^()]{1,20}\))?"
    return (
        r"(?P<an>(?<![A-Za-z])"
        + alias
        + gl
        + r"(?:\s*(?:,\s*(?:and/or|and|or)|and/or|and|or|/|,|&)\s*"
        + alias
        + gl
        + r"){0,4})(?![A-Za-z])"
    )


@lru_cache(maxsize=1)
def _normal_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Limits stated against the normal range without a number.

    "magnesium and potassium within normal limits" is >= 1 x LLN and <= 1 x ULN
    (docs/criteria-gold.md); "high LDH" / "troponin elevated above normal" is > 1 x ULN,
    "low hemoglobin" < 1 x LLN.
    """
    grp = _analyte_group()
    inst = r"(?:institutional\s*|institution's\s*|laboratory\s*|lab\s*|local\s*)?"
    wnl = re.compile(
        grp
        + r"(?:\s*(?:levels?|values?|counts?|tests?))?\s*(?::\s*|=\s*|must\s*be\s*|should\s*be\s*|are\s*|is\s*|to\s*be\s*)?"
        r"(?P<how>(?:within|in)\s*(?:the\s*)?"
        + inst
        + r"(?:normal\s*"
        + inst
        + r"(?:limits?|range|values)|limits?\s*of\s*normal|range\s*of\s*normal|norms?\b|reference\s*range)"
        r"(?:\s*for\s*(?:age|(?:the\s*)?(?:institution|lab|laboratory))\b)?|\bwnl\b"
        r"|(?:elevated|increased|raised)?\s*(?:above|greater\s*than|higher\s*than)\s*(?:the\s*)?(?:institutional\s*)?(?:normal\s*range|normal\s*limits?|normal)"
        r"|(?:below|less\s*than|lower\s*than)\s*(?:the\s*)?(?:institutional\s*)?(?:normal\s*range|normal\s*limits?|normal))",
        re.I,
    )
    hilo = re.compile(
        r"\b(?P<how>high|elevated|raised|increased|low|decreased)\s*(?P<mods>(?:\"?(?:serum|blood|plasma|corrected)\"?\s*){0,2})"
        + grp,
        re.I,
    )
    return wnl, hilo


@lru_cache(maxsize=1)
def _bare_normal_pattern() -> re.Pattern[str]:
    """ "Bilirubin normal": the normal range named with no "within" (`_normal_patterns`)."""
    grp = _analyte_group()
    # "Bilirubin normal", "AST/ALT normal", "Creatinine normal OR creatinine clearance >= 60":
    # the normal range with no number (docs/criteria-gold.md, "X normal"), read only where the
    # analyte opens a clause (never "provided direct bilirubin is normal") and the clause ends
    # there: not before a bracket or a second limit ("normal or <= 1.5 x ULN"), whose exception
    # or alternative would be lost
    # what may not follow: a limit with no analyte of its own, a bracket
    lim = r"[<>=\d(]|(?:less|greater|more|lower|higher|up|not|no|within|below|above|under|over|equal|if|unless|except)\b"
    return re.compile(
        r"(?:^|(?<=[;:,])|(?<=\band\s)|(?<=\bor\s)|(?<=&\s))\s*(?:(?:a|the)\s+)?(?:(?:total|serum|plasma)\s+)?"
        + grp
        + r"(?:\s*(?:levels?|values?))?\s*(?:is\s+|are\s+|:\s*)?(?P<how>normal)(?:\s*\*?\s*for\s+age)?"
        r"(?=\s*(?:$|[.;]|,(?!\s*(?:(?:and/or|and|or)\s+)?(?:" + lim + r"))|(?:and/or|and|or)\s*$"
        r"|(?:and/or|and|or)\s+(?!" + lim + r")|(?-i:[A-Z])))",
        re.I,
    )


def _extract_normal(ctx: Ctx, taken: list[tuple[int, int]]) -> list[Found]:
    v = vocab()
    wnl, hilo = _normal_patterns()
    bare = _bare_normal_pattern()
    out: list[Found] = []
    for rx in (wnl, hilo, bare):
        for m in rx.finditer(ctx.text) if may_match(rx, ctx) else ():
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            analytes = _split_analytes(m.group("an"))
            ids = [v.lab_for(al) for al, _, _ in analytes]
            if not analytes or any(i is None for i in ids):
                continue
            if "corrected" in (m.groupdict().get("mods") or "").lower():
                # 'high "corrected" serum calcium'
                ids = ["calcium_corrected" if i == "calcium" else i for i in ids]
            how = m.group("how").lower()
            limits: list[tuple[Comparator, float | None, float | None]]
            if how.startswith(("within", "in", "wnl", "normal")):
                limits = [(">=", None, 1.0), ("<=", 1.0, None)]
            elif re.match(
                r"(?:elevated|increased|raised)?\s*(?:above|greater|higher)|high|elevated|raised|increased",
                how,
            ):
                limits = [(">", 1.0, None)]
            elif re.match(r"below|less|lower|low|decreased", how):
                limits = [("<", None, 1.0)]
            else:
                continue
            # one group per named analyte ("transaminases" is AST and ALT: one group)
            groups: list[list[Expr]] = []
            for (al, _, _), ident in zip(analytes, ids, strict=True):
                groups.append(
                    [
                        ctx.mk(
                            LabAtom,
                            m.start(),
                            m.end(),
                            analyte=x,
                            loinc=v.labs[x].loinc,
                            comparator=c,
                            uln_multiple=uln,
                            lln_multiple=lln,
                        )
                        for x in _members(al, ident or "")
                        for c, uln, lln in limits
                    ]
                )
            parts: list[Expr] = [
                g[0] if len(g) == 1 else ctx.mk(AndNode, m.start(), m.end(), args=g) for g in groups
            ]
            if len(parts) > 1 and "or" in {j for _, j, _ in analytes[1:]}:
                # "AST or ALT normal": either analyte may be the normal one
                expr: Expr = ctx.mk(OrNode, m.start(), m.end(), args=parts)
            else:
                atoms = [a for g in groups for a in g]
                expr = (
                    atoms[0] if len(atoms) == 1 else ctx.mk(AndNode, m.start(), m.end(), args=atoms)
                )
            out.append(Found(expr, m.start(), m.end(), priority=9))
            taken.append(m.span())
    return out


@lru_cache(maxsize=1)
def _alias_re() -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z])" + vocab().lab_alias_re + r"(?![A-Za-z])", re.I)


def _split_analytes(s: str) -> list[tuple[str, str, int]]:
    """(alias text, joiner before it, offset) for each analyte in a group."""
    rx = _alias_re()
    out: list[tuple[str, str, int]] = []
    last = 0
    for m in rx.finditer(s):
        inside_paren = s.count("(", 0, m.start()) > s.count(")", 0, m.start())
        if inside_paren:
            continue
        joiner = s[last : m.start()].strip().lower()
        if joiner.startswith(",") and joiner.strip(" ,"):
            joiner = joiner.strip(" ,")  # "SGOT, SGPT, and bilirubin"
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


_NEG_COND = re.compile(
    r"\s*,?\s*(?P<open>\()?\s*(?:(?:for|in)\s*(?:patients?|subjects?|participants?|those|cases?)?\s*)?"
    r"(?:(?:if\s*)?without|with\s*no|in\s*the\s*absence\s*of|absence\s*of|if\s*(?:there\s*(?:is|are)\s*)?no"
    r"|(?:if|when)\s*not\s*(?:due\s*to|caused\s*by|related\s*to|from)?)\s+"
    r"(?:known\s+|documented\s+|demonstrable\s+|evidence\s+of\s+)?(?P<cond>[^,;().<>=\d]{3,60}?)"
    r"(?:\s*(?:is|are)\s*present)?\s*(?:\)|(?=[,;.)(]|$|\s+(?:or|and)\b))",
    re.I,
)


# "< 5 x ULN for patients with liver metastases" with no limit for the others
_LONE_COND = re.compile(
    r"\s*,?\s*(?P<open>\()?\s*(?:(?:for|in)\s*(?:patients?|subjects?|participants?|those|cases?)\s*with|if|in\s*the\s*presence\s*of|in\s*case\s*of)\s+"
    r"(?:known\s+|documented\s+)?(?P<cond>[^,;().<>=\d]{3,60}?)(?:\s*(?:is|are)\s*present)?\s*(?:\)|(?=[,;.)(]|$|\s+(?:or|and)\b))",
    re.I,
)


def _lone_condition(ctx: Ctx, m: re.Match[str], end: int, base: Expr) -> tuple[Expr, int] | None:
    """ "ALT < 5 x ULN for patients with liver metastases" (no limit given for the others):
    IF(cond, limit, unparsed), never an AND that would require the condition."""
    lm = _LONE_COND.match(ctx.text, end)
    if lm is None or (lm.group("open") and not lm.group(0).endswith(")")):
        return None  # "(in case of Gilbert syndrome, a higher bilirubin is allowed)": another rule
    if re.match(r"(?:not|no|without)\b", lm.group("cond"), re.I):
        return None  # "if not due to Gilbert's syndrome": the opposite condition
    cexpr = _cond_expr(ctx, lm.group("cond"), lm.start("cond"), lm.end("cond"))
    if cexpr is None:
        return None
    unknown = ctx.mk(UnparsedAtom, lm.start("cond"), lm.end("cond"))
    return ctx.mk(IfNode, m.start(), lm.end(), cond=cexpr, then=base, otherwise=unknown), lm.end()


def _negated_condition(
    ctx: Ctx,
    m: re.Match[str],
    analytes: list[tuple[str, str, int]],
    ids: list[str | None],
    end: int,
    base: Expr,
    cond_re: re.Pattern[str],
) -> tuple[Expr, int] | None:
    """ "<= 3 x ULN for patients without liver metastases; <= 5 x ULN for patients with liver
    metastases": the first limit holds without the condition, the second with it, so
    IF(cond, second, first), when both halves name the same condition. A lone "<= 2.5 x ULN
    without liver metastases" is IF(cond, unparsed, limit): the limit binds only without the
    condition and the text gives none with it (never an AND with the condition, which would
    require it)."""
    t = ctx.text
    nm = _NEG_COND.match(t, end)
    if nm is None:
        return None
    neg = _cond_expr(ctx, nm.group("cond"), nm.start("cond"), nm.end("cond"))
    if neg is None:
        return None
    cm = cond_re.match(t, nm.end())
    if cm is None:
        a, b = nm.start("cond"), nm.end("cond")
        unknown = ctx.mk(UnparsedAtom, a, b)
        return ctx.mk(IfNode, m.start(), nm.end(), cond=neg, then=unknown, otherwise=base), nm.end()
    cexpr = _cond_expr(ctx, cm.group("cond"), cm.start("cond"), cm.end("cond"))
    skip = {"text", "span"}
    if cexpr is None or cexpr.model_dump(exclude=skip) != neg.model_dump(exclude=skip):
        return None
    then = _second_limit(ctx, m, analytes, ids, nm.end(), cm, uln=None)
    return ctx.mk(IfNode, m.start(), cm.end(), cond=cexpr, then=then, otherwise=base), cm.end()


def _second_limit(
    ctx: Ctx,
    m: re.Match[str],
    analytes: list[tuple[str, str, int]],
    ids: list[str | None],
    end: int,
    lm: re.Match[str],
    uln: bool | None,
    default_cmp: str | None = None,
) -> Expr:
    """The analyte group of `m` with the second limit `lm` reads (groups cmp, val, unit): a
    conditional limit ("or <= 5 x ULN with liver metastases") or a second one ("< 1.4 mg/dL
    [females]"). `uln` says whether the value is a multiple of the ULN; None: when it has no
    unit. `default_cmp`: the comparator where `lm` states none."""
    unit = vocab().canonical_unit(lm.group("unit")) if lm.group("unit") else None
    val = _value(lm.group("val"), unit)
    as_uln = not unit if uln is None else uln
    return _group_expr(
        ctx,
        m,
        analytes,
        ids,
        m.start(),
        end,
        None if as_uln else val,
        val if as_uln else None,
        None,
        unit,
        cmp_of(lm.group("cmp")) if lm.group("cmp") else (default_cmp or "="),
    )


@lru_cache(maxsize=1)
def _lab_groups() -> dict[str, list[str]]:
    """data/criteria/lab_groups.csv: group name (lower case, single spaces) -> member analytes."""
    return {
        " ".join(r["alias"].lower().split()): r["members"].split("|")
        for r in read_table("lab_groups.csv")
    }


def _members(alias: str, ident: str) -> list[str]:
    """The analytes a named lab stands for: "transaminases" is AST and ALT."""
    return _lab_groups().get(" ".join(alias.lower().split()), [ident])


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
    grouped = False
    for (al, _joiner, off), ident in zip(analytes, ids, strict=True):
        assert ident is not None
        a0 = m.start("an") + off
        members = _members(al, ident)
        grouped = grouped or len(members) > 1
        for member in members:
            atoms.append(
                ctx.mk(
                    LabAtom,
                    a0 if len(analytes) > 1 else start,
                    end,
                    analyte=member,
                    loinc=v.labs[member].loinc,
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
    if ctx.kind == "exclusion" and ("/" in joiners or "," in joiners or grouped):
        return ctx.mk(OrNode, start, end, args=atoms)
    return ctx.mk(AndNode, start, end, args=atoms)


# a unit of time right after a value with no lab unit: the number is a duration or an age
_TIME_AFTER = re.compile(
    r"[\s-]*(?:days?|weeks?|wks?|months?|years?|yrs?|hours?|hrs?|h)\b|[\s-]*(?:half[\s-]?lives)\b",
    re.I,
)


# a lab limit right after "if" / "when" is the condition of another limit
_IF_BEFORE = re.compile(
    r"\b(?:if|when|whenever|(?:patients?|subjects?|participants?|those)\s+with(?:\s+an?)?)\s+(?:the\s+)?(?:serum\s+)?\W*$",
    re.I,
)


@lru_cache(maxsize=1)
def _paren_if() -> re.Pattern[str]:
    """ "(1.5 x ULN if": a second multiple of the ULN in brackets, then the condition."""
    return re.compile(
        r"\s*[,;]?\s*\(\s*(?:or\s*)?(?P<cmp>"
        + XCMP
        + r")?\s*(?P<val>"
        + NUM
        + r")\s*(?:"
        + _ULN
        + r")"
        r"(?P<unit>)\s*,?\s*(?:if|when)\s+(?:the\s+)?(?:serum\s+)?",
        re.I,
    )


def _lab_condition(
    ctx: Ctx, end: int, lab_re: re.Pattern[str]
) -> tuple[re.Match[str], Expr, int] | None:
    """ "AST <= 2.5 x ULN (1.5 x ULN if ALP > 2.5 x ULN)": the bracket's limit holds when
    the other lab limit does. (match of the bracket's limit, condition, end of the bracket)."""
    t = ctx.text
    pm = _paren_if().match(t, end)
    if pm is None:
        return None
    cm = lab_re.match(t, pm.end())
    if cm is None or cm.group("fill").strip() or not t[cm.end() :].lstrip().startswith(")"):
        return None
    cexpr = _simple_lab(ctx, cm)
    if cexpr is None:
        return None
    close = t.index(")", cm.end()) + 1
    return pm, cexpr, close


def _simple_lab(ctx: Ctx, cm: re.Match[str]) -> Expr | None:
    """The limit of a `_patterns` lab match with a value and a unit or a ULN multiple."""
    v = vocab()
    analytes = _split_analytes(cm.group("an"))
    ids = [v.lab_for(al) for al, _, _ in analytes]
    if not analytes or any(i is None for i in ids) or not cm.group("val"):
        return None
    if cm.group("lln") or not cm.group("val")[0].isdigit():
        return None
    unit = v.canonical_unit(cm.group("unit")) if cm.group("unit") else None
    raw = _value(cm.group("val"), unit)
    as_uln = bool(cm.group("uln"))
    c = cmp_of(cm.group("cmp"))
    return _group_expr(
        ctx,
        cm,
        analytes,
        ids,
        cm.start(),
        cm.end(),
        None if as_uln else raw,
        raw if as_uln else None,
        None,
        unit,
        c,
    )


# "if X, then Y", "patients with X must have Y"
_THEN = re.compile(
    r"\s*,?\s*(?:then|(?:then\s+)?(?:must|should|will\s+need\s+to)\s+(?:have|be|demonstrate|show))\s+(?:an?\s+|the\s+)?",
    re.I,
)


def _if_then(ctx: Ctx, m: re.Match[str], lab_re: re.Pattern[str]) -> Found | None:
    """ "if serum creatinine > 1.5 mg/dL, then the estimated GFR must be > 60 mL/min": the
    second limit binds only when the first holds; IF(cond, then, always met)."""
    t = ctx.text
    th = _THEN.match(t, m.end())
    if th is None:
        return None
    stop = min(
        (x for x in (t.find(";", th.end()), t.find(". ", th.end())) if x >= 0), default=len(t)
    )
    nm = lab_re.search(t, th.end(), stop)
    if nm is None or t[th.end() : nm.start()].count(" ") > 8:
        return None
    cond = _simple_lab(ctx, m)
    then = _simple_lab(ctx, nm)
    if cond is None or then is None:
        return None
    met = ctx.mk(AndNode, m.start(), nm.end(), args=[])  # the condition not met: nothing to check
    return Found(
        ctx.mk(IfNode, m.start(), nm.end(), cond=cond, then=then, otherwise=met),
        m.start(),
        nm.end(),
        priority=9,
    )


# every pattern below starts with `(?<![A-Za-z])` and a lab alias
@needs_low_match(bounded_phrases(vocab().lab_aliases))
def extract_labs(ctx: Ctx) -> list[Found]:
    lab_re, alt_re, cond_re = _patterns()
    elided_re, first_re = _cond_patterns()
    second_re, rng_re, post_re = _extra_patterns()
    v = vocab()
    t = ctx.text
    out: list[Found] = []
    alias_rx = _alias_re()
    skip_to = 0
    for m in lab_re.finditer(t) if may_match(lab_re, ctx) else ():
        if m.start() < skip_to:
            continue
        if _IF_BEFORE.search(t, max(0, m.start() - 30), m.start()):
            # "AST <= 1.5 x ULN if ALP > 2.5 x ULN": a condition on another limit, never a
            # requirement of its own; read by `_lab_condition` / `_if_then` where the form is
            # known, else left as words (unparsed). ("Excluded if creatinine clearance < 60"
            # with no limit before it is the criterion itself.)
            it = _if_then(ctx, m, lab_re)
            if it is not None:
                out.append(it)
                skip_to = it.end
                continue
            if any(
                f.end <= m.start() and not re.search(r"[.;]\s", t[f.end : m.start()]) for f in out
            ):
                continue
        fill = m.group("fill") or ""
        named = {v.lab_for(al) for al, _, _ in _split_analytes(m.group("an"))}
        inner = [
            x
            for x in alias_rx.finditer(fill)
            if fill.count("(", 0, x.start()) <= fill.count(")", 0, x.start())
            and fill.count("[", 0, x.start()) <= fill.count("]", 0, x.start())
            and v.lab_for(x.group()) not in named  # "absolute neutrophil count [ANC]"
        ]
        if inner:
            # "Serum creatinine normal OR creatinine clearance >= 60": the limit belongs to
            # the analyte named last before it, not to the first one
            m2 = lab_re.match(t, m.start("fill") + inner[-1].start())
            if m2 is None or m2.end() != m.end():
                continue
            m = m2
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
            if not m.group("val")[0].isdigit() and not (m.group("uln") or m.group("lln")):
                continue
            if m.group("unit") and not (m.group("uln") or m.group("lln")):
                unit = v.canonical_unit(m.group("unit"))
            raw = _value(m.group("val"), unit)
            if m.group("uln"):
                uln = raw
            elif m.group("lln"):
                lln = raw
            else:
                value = raw
        elif m.group("uln1"):
            uln = 1.0
        elif m.group("lln1"):
            lln = 1.0
        ids = [v.lab_for(al) for al, _, _ in analytes]
        if any(i is None for i in ids):
            continue
        if value is not None and not unit and _TIME_AFTER.match(t, m.end("val")):
            continue  # "2 measures of creatinine clearance at least 7 days apart": a time
        if value is not None and not unit and t[m.end("val") : m.end("val") + 1] == "+":
            # "proteinuria < 2+", "urine dipstick protein <= 1+": a test-strip grade, not g/24h
            if set(ids) != {"urine_protein"} and set(ids) != {"urine_protein_dipstick"}:
                continue
            ids = ["urine_protein_dipstick" for _ in ids]
        elif "urine_protein_dipstick" in ids:
            continue  # a dipstick limit always reads as a grade ("2+")
        end = m.end()
        am = alt_re.match(t, end)
        if am:
            end = am.end()

        base = _group_expr(ctx, m, analytes, ids, m.start(), end, value, uln, lln, unit, c)
        expr: Expr = base
        paired = _negated_condition(ctx, m, analytes, ids, end, base, cond_re)
        cm = cond_re.match(t, end)
        vm = None if cm else (elided_re.match(t, end) or first_re.match(t, end))
        vexpr = _cond_expr(ctx, vm.group("cond"), vm.start("cond"), vm.end("cond")) if vm else None
        labcond = _lab_condition(ctx, end, lab_re)
        if labcond is not None:
            pm, lcond, cend = labcond
            then = _second_limit(ctx, m, analytes, ids, end, pm, uln=True, default_cmp=c)
            end = cend
            expr = ctx.mk(IfNode, m.start(), end, cond=lcond, then=then, otherwise=base)
        elif paired is not None:
            expr, end = paired
        elif vm is not None and vexpr is not None:
            then = _second_limit(ctx, m, analytes, ids, end, vm, uln=True, default_cmp=c)
            end = vm.end()
            expr = ctx.mk(IfNode, m.start(), end, cond=vexpr, then=then, otherwise=base)
        elif cm is None and (lone := _lone_condition(ctx, m, end, base)) is not None:
            expr, end = lone
        elif cm:
            cexpr = _cond_expr(ctx, cm.group("cond"), cm.start("cond"), cm.end("cond"))
            if cexpr is not None:
                # a limit with no unit we know is a multiple of the ULN ("<= 5 x ULN")
                then = _second_limit(ctx, m, analytes, ids, end, cm, uln=None)
                end = cm.end()
                expr = ctx.mk(IfNode, m.start(), end, cond=cexpr, then=then, otherwise=base)
        elif (sm := second_re.match(t, end)) is not None and (
            sm.group("join") or _sex_of(sm, "t1") or _sex_of(sm, "t2")
        ):
            other = _second_limit(ctx, m, analytes, ids, sm.end(), sm, uln=bool(sm.group("uln")))
            sex1, sex2 = _sex_of(sm, "t1"), _sex_of(sm, "t2")
            if sex1 and sex2 and sex1 != sex2:
                # "< 1.5 mg/dL [males], < 1.4 mg/dL [females]": the limit depends on sex
                g1 = next(g for g in ("t1", "t1p", "t1f") if sm.group(g))
                g2 = next(g for g in ("t2", "t2p", "t2f") if sm.group(g))
                s1 = ctx.mk(SexAtom, sm.start(g1), sm.end(g1), sex=sex1)
                s2 = ctx.mk(SexAtom, sm.start(g2), sm.end(g2), sex=sex2)
                expr = ctx.mk(
                    OrNode,
                    m.start(),
                    sm.end(),
                    args=[
                        ctx.mk(AndNode, m.start(), sm.start(g1), args=[s1, base]),
                        ctx.mk(AndNode, sm.start("cmp"), sm.end(), args=[s2, other]),
                    ],
                )
            else:
                node = AndNode if (sm.group("join") or "").lower() == "and" else OrNode
                expr = ctx.mk(node, m.start(), sm.end(), args=[base, other])
            end = sm.end()
        out.append(Found(expr, m.start(), end, priority=9))
    out += _extract_range(ctx, [(f.start, f.end) for f in out], rng_re)
    out += _extract_post(ctx, [(f.start, f.end) for f in out], post_re)
    out += _extract_normal(ctx, [(f.start, f.end) for f in out])
    return out


def _extract_range(ctx: Ctx, taken: list[tuple[int, int]], rng_re: re.Pattern[str]) -> list[Found]:
    """ "Creatinine clearance between 30 and 60 mL/min": >= low AND <= high."""
    v = vocab()
    out: list[Found] = []
    for m in finditer(rng_re, ctx):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        if re.search(
            r"\b(?:within|days?|weeks?|months?|years?|hours?|grade|cycles?|doses?)\b",
            m.group("fill"),
            re.I,
        ):
            continue
        op = ctx.text.rfind("(", 0, m.start())
        if op > ctx.text.rfind(")", 0, m.start()) and re.search(
            r"\b(?:patients?|subjects?|participants?|those)\s+with\b",
            ctx.text[op : m.start()],
            re.I,
        ):
            continue  # "(... patients with an HbA1c level between 7-8% will need monitoring)": a subgroup note
        analytes = _split_analytes(m.group("an"))
        ids = [v.lab_for(al) for al, _, _ in analytes]
        if len(ids) != 1 or ids[0] is None:
            continue
        lo, hi = number(m.group("lo")), number(m.group("hi"))
        if not lo < hi:
            continue
        unit = v.canonical_unit(m.group("unit"))
        if m.group("u1") and v.canonical_unit(m.group("u1")) != unit:
            continue
        info = v.labs[ids[0]]
        args: list[Expr] = [
            ctx.mk(
                LabAtom,
                m.start(),
                m.end(),
                analyte=ids[0],
                loinc=info.loinc,
                comparator=c,
                value=x,
                unit=unit,
            )
            for c, x in ((">=", lo), ("<=", hi))
        ]
        out.append(
            Found(ctx.mk(AndNode, m.start(), m.end(), args=args), m.start(), m.end(), priority=9)
        )
        taken.append(m.span())
    return out


def _extract_post(ctx: Ctx, taken: list[tuple[int, int]], post_re: re.Pattern[str]) -> list[Found]:
    """ "Hemoglobin 9.0 g/dL or higher": >= 9.0 g/dL; "bilirubin 1.5 mg/dL or lower": <=."""
    v = vocab()
    out: list[Found] = []
    for m in finditer(post_re, ctx):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        if re.search(
            r"\b(?:within|days?|weeks?|months?|years?|hours?|grade|cycles?|doses?|prior|after|before|doubling|velocity|slope|increase|decrease|change|rise)\b",
            m.group("fill"),
            re.I,
        ):
            continue
        analytes = _split_analytes(m.group("an"))
        ids = [v.lab_for(al) for al, _, _ in analytes]
        if not ids or any(i is None for i in ids):
            continue
        post = m.group("post").lower()
        c: Comparator = (
            ">=" if any(w in post for w in ("more", "greater", "higher", "above", "over")) else "<="
        )
        unit = None if m.group("uln") else v.canonical_unit(m.group("unit"))
        val = _value(m.group("val"), unit)
        expr = _group_expr(
            ctx,
            m,
            analytes,
            ids,
            m.start(),
            m.end(),
            None if m.group("uln") else val,
            val if m.group("uln") else None,
            None,
            unit,
            c,
        )
        out.append(Found(expr, m.start(), m.end(), priority=9))
        taken.append(m.span())
    return out
