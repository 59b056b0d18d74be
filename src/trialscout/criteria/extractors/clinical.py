"""Infections, comorbidities, measurements (QTc, LVEF), reproductive state,
biomarkers and investigator-review cues."""

# ruff: noqa: E501  (regex tables and word lists read better unwrapped)

from __future__ import annotations

import re

from trialscout.criteria.atoms import (
    ConditionAtom,
    Expr,
    IfNode,
    InfectionAtom,
    MeasurementAtom,
    ReproductiveAtom,
    ReviewAtom,
    SexAtom,
)
from trialscout.criteria.extractors.base import (
    CMP,
    NUM,
    WNUM,
    Ctx,
    Found,
    comparator,
    derived_gate,
    needs_derived,
    number,
    to_days,
)
from trialscout.criteria.vocab import folded, vocab

# ------------------------------------------------------------------ infections

_INF_MARKERS: list[tuple[str, str, str | None]] = [
    (r"hbsag|hepatitis b surface antigen(?:\s*\(hbsag\))?|hbs\s*ag", "HBV", "HBsAg"),
    (r"anti-?\s*hbc|hbcab|hbc\s*ab|hepatitis b core antibody(?:\s*\([^)]*\))?", "HBV", "anti-HBc"),
    (
        r"hbv[\s-]*dna|hepatitis b virus[\s-]*(?:\(hbv\)\s*)?dna|hbv viral load|hbv-dna|hbv copy number",
        "HBV",
        "HBV DNA",
    ),
    (
        r"hcv[\s-]*antibod(?:y|ies)|anti-?\s*hcv|hcv[\s-]*ab\b|hepatitis c (?:virus )?antibod(?:y|ies)|hcv-ab",
        "HCV",
        "anti-HCV",
    ),
    (r"hcv[\s-]*rna|hepatitis c virus[\s-]*(?:\(hcv\)\s*)?rna|hcv viral load", "HCV", "HCV RNA"),
    (r"hiv[\s-]*(?:1/2\s*)?antibod(?:y|ies)|anti-?\s*hiv|hiv[\s-]*ab\b", "HIV", "HIV antibody"),
    (
        r"human immunodeficiency virus(?:\s*\(hiv\))?|\bhiv(?:-?[12])?(?:\s*/\s*aids)?\b|\baids\b|acquired immun[eo]\s*deficiency syndrome",
        "HIV",
        None,
    ),
    (
        r"hepatitis\s*b\s*(?:virus)?(?:\s*\(hbv\))?(?:\s*(?:infection))?|\bhbv\b|\bhep\s*b\b",
        "HBV",
        None,
    ),
    (
        r"hepatitis\s*c\s*(?:virus)?(?:\s*\(hcv\))?(?:\s*(?:infection))?|\bhcv\b|\bhep\s*c\b",
        "HCV",
        None,
    ),
    (r"(?:pulmonary\s*)?tuberculosis(?:\s*\(tb\))?|\btb\b", "TB", None),
]
_INF_RX = re.compile("|".join(f"(?P<m{i}>{p})" for i, (p, _, _) in enumerate(_INF_MARKERS)), re.I)
_HEP_BC = re.compile(
    r"hepatitis\s*(?P<a>[bc])\s*(?:and/or|or|and|/|,)\s*(?:hepatitis\s*)?(?P<b>[bc])\b(?:\s*(?:virus|infection)s?)?",
    re.I,
)
_STATUS_AFTER = re.compile(
    r"\s*(?:is\s*|are\s*|test\s*|testing\s*|result\s*|status\s*|serology\s*)*(?:\(\s*\+\s*\)|(?P<s>positive|positivity|negative|detectable|undetectable|not detectable|reactive|non-reactive|nonreactive|seropositive|seronegative|carrier|infection|infected|active|\+))",
    re.I,
)
_STATUS_BEFORE = re.compile(
    r"(?P<s>active|chronic|acute|uncontrolled|untreated|known|history of|positive|negative|current|latent|evidence of)[^,;.]{0,25}$",
    re.I,
)


_INF_PRE = re.compile(
    r"hbv|hbs|hbc|hepatitis|hep [bc]|hcv|hiv|aids|immun[eo]\s*deficiency|tuberc|\btb\b"
)


def extract_infections(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    if not _INF_PRE.search(ctx.low):
        return out
    spans: list[tuple[int, int, str, str | None]] = []
    for hm in _HEP_BC.finditer(t):
        for g in ("a", "b"):
            spans.append(
                (hm.start(), hm.end(), "HBV" if hm.group(g).lower() == "b" else "HCV", None)
            )
    for m in _INF_RX.finditer(t):
        if any(a <= m.start() < b for a, b, _, _ in spans):
            continue
        idx = int(next(k for k, v in m.groupdict().items() if v is not None)[1:])
        _, path, marker = _INF_MARKERS[idx]
        spans.append((m.start(), m.end(), path, marker))
    specific = {path for _, _, path, marker in spans if marker is not None}
    labels = [(a, b) for a, b, path, marker in spans if marker is None and path in specific]
    spans = [s for s in spans if not (s[3] is None and s[2] in specific)]
    seen_bc: set[tuple[int, str]] = set()
    for a, b, path, marker in spans:
        if (a, path) in seen_bc:
            continue
        seen_bc.add((a, path))
        status = "positive"
        cmp_ = None
        val = None
        unit = None
        end = b
        before = t[max(0, a - 40) : a]
        sb = _STATUS_BEFORE.search(before)
        sa = _STATUS_AFTER.match(t, b)
        word = None
        if sa:
            word = (sa.group("s") or "+").lower()
            end = sa.end()
        elif sb:
            word = sb.group("s").lower()
        if word in (
            "negative",
            "undetectable",
            "not detectable",
            "non-reactive",
            "nonreactive",
            "seronegative",
        ):
            status = "negative"
        elif word in ("active", "acute", "uncontrolled", "untreated", "current"):
            status = "active"
        elif word == "chronic":
            status = "active" if path in ("HBV", "HCV") else "history"
        elif word == "history of" or (
            word is None and re.search(r"history of[^,;.]{0,25}$", before, re.I)
        ):
            status = "history"
        elif word == "latent":
            status = "any"
        if re.search(r"active[^,;.]{0,25}$", before, re.I) and status == "positive":
            status = "active"
        if re.search(r"history of[^,;.]{0,30}$", before, re.I) and path == "TB":
            status = "history"
        if marker in ("HBV DNA", "HCV RNA"):
            q = re.compile(
                r"[^<>=\d;.]{0,30}?(?P<cmp>"
                + CMP
                + r")\s*(?P<v>"
                + NUM
                + r"(?:\s*x\s*10\^?\d+)?)\s*(?P<u>copies\s*/\s*ml|iu\s*/\s*ml|copies|iu)?",
                re.I,
            ).match(t, end)
            if q:
                cmp_ = comparator(q.group("cmp"))
                vs = q.group("v")
                pm = re.match(r"(" + NUM + r")\s*x\s*10\^?(\d+)", vs)
                val = number(pm.group(1)) * 10 ** int(pm.group(2)) if pm else number(vs)
                if q.group("u"):
                    unit = (
                        vocab().canonical_unit(q.group("u").replace(" ", ""))
                        if "/" in q.group("u")
                        else ("copies/mL" if "cop" in q.group("u").lower() else "IU/mL")
                    )
                end = q.end()
                if status == "negative" and cmp_ in (">", ">="):
                    status = "positive"
        atom = ctx.mk(
            InfectionAtom,
            a,
            end,
            pathogen=path,
            marker=marker,
            status=status,
            comparator=cmp_,
            value=val,
            unit=unit,
        )
        out.append(Found(atom, a, end, priority=7, cover=labels))
    return out


# ------------------------------------------------------------------ conditions

_GRADE = re.compile(
    r"(?:(?:ctcae\s*(?:v(?:ersion)?\s*[\d.]+\s*)?)?grade\s*(?P<c1>"
    + CMP
    + r")?\s*(?P<g1>[1-5]|i{1,3}|iv)(?:\s*(?:or|and)\s*(?:higher|greater|above|more|worse|over)|\s*\+)?"
    r"|(?P<c2>>=|>)\s*grade\s*(?P<g2>[1-5]|i{1,3}|iv))",
    re.I,
)
_NYHA = re.compile(
    r"(?:nyha|new york heart association)[^\d;]{0,30}?(?:(?P<cmp>"
    + CMP
    + r")\s*)?(?:class\s*|grade\s*)?(?P<c>iv|i{1,3}|[1-4])(?:\s*(?:-|to|or|and)\s*(?:iv|i{1,3}|[1-4]))?(?:\s*(?:or|and)\s*(?:higher|greater|above|more|worse))?"
    r"|(?:class|grade)\s*(?P<cmp2>"
    + CMP
    + r")?\s*(?P<c2>iv|i{1,3}|[1-4])(?:\s*(?:-|to|or|and)\s*(?:iv|i{1,3}|[1-4]))?(?:\s*(?:or|and)\s*(?:higher|greater|above|more|worse))?[^;.]{0,20}?(?:nyha|new york heart association)",
    re.I,
)
_WITHIN = re.compile(
    r"(?:within|in|during)\s*(?:the\s*)?(?:past|last|previous|preceding|prior)?\s*(?P<v>"
    + WNUM
    + r")?\s*(?P<u>days?|weeks?|months?|years?)"
    r"|(?P<v2>"
    + WNUM
    + r")\s*(?P<u2>days?|weeks?|months?|years?)\s*(?:before|prior to|preceding|of)\s*(?:the\s*)?(?:study\s*)?(?:enrollment|enrolment|randomi[sz]ation|registration|screening|entry|first dose|start|initiation|treatment|study treatment|signing)",
    re.I,
)
_SYSTEMIC = re.compile(
    r"(?:requir(?:ing|ed|es)|needing|needed|treated with|that required|which required|need for|under)\s*(?:the\s*)?(?:use of\s*)?"
    r"(?:active\s*|chronic\s*|ongoing\s*)?(?:systemic\s*)?(?:treatment|therapy|glucocorticoids?|corticosteroids?|steroids?|immunosuppressi\w*|disease-modifying|medication|hospitali[sz]ation)",
    re.I,
)
_EXCEPT = re.compile(
    r"\s*[,(]?\s*(?:except(?:ion)?(?:\s*for)?|excluding|with the exception of|other than|apart from|but not|not including)\s*:?\s*"
    r"(?P<x>\([^)]*\)|[^;()]+?)(?=\)|;|\.\s|\.$|$)",
    re.I,
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _grade(s: str) -> int:
    s = s.lower()
    return _ROMAN.get(s, 0) or int(s)


def _exceptions(x: str) -> list[str]:
    x = x.strip().strip("()").strip()
    x = re.sub(r"^(?:e\.g\.,?|for example,?|such as|the following:?)\s*", "", x, flags=re.I)
    parts = re.split(r"\s*(?:,|;|\bor\b|\band\b|\band/or\b)\s*", x)
    out: list[str] = []
    for p in parts:
        p = re.sub(
            r"^(?:adequately|curatively|successfully|completely|definitively)?\s*(?:treated|resected)\s*",
            "",
            p,
            flags=re.I,
        )
        p = re.sub(r"^(?:for|those|patients with|subjects with)\s+", "", p, flags=re.I).strip(" .:")
        if len(p) > 2:
            out.append(p.lower())
    return out


_HYPER_OBJ = re.compile(
    r"\b(?:to|against)\b|study|investigational|excipient|component|drug|contrast|antibod|agent",
    re.I,
)
_DOT_END = re.compile(r"\.(?:\s|$)")
_UNCONTROLLED_B = re.compile(r"uncontrolled|poorly controlled|not controlled|unstable|refractory")
_UNCONTROLLED_A = re.compile(
    r"^\s*(?:that is |which is )?(?:uncontrolled|not (?:well )?controlled|poorly controlled)",
    re.I,
)
_ACTIVE_B = re.compile(r"\bactive\b|\bcurrent\b|\bongoing\b|\bsymptomatic\b|\bconcurrent\b")
_HISTORY_B = re.compile(r"history|\bprior\b|\bprevious\b|\bpast\b")
_LIST_WORD = re.compile(r",|\bor\b|\band\b")
_LIST_WORD_OR = re.compile(r",|\bor\b")
_PAREN_TAIL = re.compile(r"\s*(?:\([^)]*\))?")
_TO_CLAUSE_END = re.compile(r"[^;.]*")
_TIME_OF = re.compile(
    r"\s*(?:at|by) (?:the )?time of (?:recurrence|enrol?lment|screening|study entry|randomi[sz]ation)",
    re.I,
)


@needs_derived(derived_gate(vocab().condition.keywords))
def extract_conditions(ctx: Ctx) -> list[Found]:
    t = ctx.text
    v = vocab()
    out: list[Found] = []
    matches = v.condition.find(t)
    for pm in matches:
        a, b = pm.start, pm.end
        ident = pm.id
        if (
            ident == "drug_hypersensitivity"
            and not _HYPER_OBJ.search(t[b : b + 60])
            and pm.text.lower() in ("allergy", "allergies")
        ):
            pass
        # clause around the term, stopping at the next condition term
        nxt = min([q.start for q in matches if q.start > a] + [len(t)])
        clause_end = len(t)
        for ch in (";",):
            k = t.find(ch, b)
            if k >= 0:
                clause_end = min(clause_end, k)
        sm = _DOT_END.search(t, b)
        if sm:
            clause_end = min(clause_end, sm.start())
        after_lim = min(clause_end, nxt) if nxt > b else clause_end
        after = t[b:after_lim]
        prev_end = max([q.end for q in matches if q.end <= a] + [0])
        before_start = max(prev_end, a - 45, t.rfind(";", 0, a) + 1)
        before = t[before_start:a]
        fields: dict[str, object] = {}
        cover: list[tuple[int, int]] = []
        low_b = before.lower()
        if _UNCONTROLLED_B.search(low_b) or _UNCONTROLLED_A.search(after):
            fields["status"] = "uncontrolled"
        elif _ACTIVE_B.search(low_b):
            fields["status"] = "active"
        elif _HISTORY_B.search(low_b):
            fields["status"] = "history"
        if ident == "angina" and "unstable" in pm.text.lower():
            fields["status"] = "uncontrolled"
        for rx_src, where, off in ((before, "before", before_start), (after, "after", b)):
            gm = None
            for g in _GRADE.finditer(rx_src):
                gm = g
            if (
                gm is not None
                and where == "after"
                and (gm.start() > 15 or _LIST_WORD.search(rx_src[: gm.start()]))
            ):
                gm = None
            if gm is not None and where == "before" and _LIST_WORD_OR.search(rx_src[gm.end() :]):
                gm = None
            if gm is not None:
                fields["min_grade"] = _grade(gm.group("g1") or gm.group("g2"))
                c = gm.group("c1") or gm.group("c2")
                if c and comparator(c) == ">":
                    fields["min_grade"] = int(fields["min_grade"]) + 1  # type: ignore[call-overload]
                cover.append((off + gm.start(), off + gm.end()))
                break
        comma = max(t.rfind(",", 0, a), t.rfind(" or ", 0, a), before_start)
        nm = _NYHA.search(t[comma:after_lim])
        before_start_n = comma
        if nm and ident in ("heart_failure", "cardiovascular_disease", "angina", "arrhythmia"):
            cls = nm.group("c") or nm.group("c2")
            n = _grade(cls)
            c = nm.group("cmp") or nm.group("cmp2")
            if c and comparator(c) == ">":
                n += 1
            fields["nyha_min"] = n
            cover.append((before_start_n + nm.start(), before_start_n + nm.end()))
        wm = _WITHIN.search(t, b, after_lim if after_lim > b else b)
        if wm:
            wm_rel = wm.start() - b
        wm = wm if wm and wm_rel < 90 else None
        if wm:
            val = number(wm.group("v") or wm.group("v2") or "1")
            fields["within_days"] = to_days(val, wm.group("u") or wm.group("u2"))
            cover.append((wm.start(), wm.end()))
        sysm = _SYSTEMIC.search(after)
        if sysm and sysm.start() < 40:
            fields["requires_systemic_treatment"] = True
            tail = _PAREN_TAIL.match(t[b + sysm.end() :])
            cover.append((b + sysm.start(), b + sysm.end() + (tail.end() if tail else 0)))
        em = _EXCEPT.search(t, b, clause_end if clause_end > b else len(t))
        if em and (em.start() - b) < 200 and ident not in ("drug_hypersensitivity",):
            fields["exceptions"] = _exceptions(em.group("x"))
            cover.append((em.start(), em.end()))
        if ident == "drug_hypersensitivity":
            hm = _TO_CLAUSE_END.match(t[b:])
            if hm:
                cover.append((b, b + hm.end()))
        tm = _TIME_OF.search(t, b, clause_end if clause_end > b else len(t))
        if tm and tm.start() - b < 120:
            cover.append((tm.start(), tm.end()))
        end = max([b, *[e for s, e in cover if s >= a]])
        # keep exceptions out of the main span so other atoms don't read them
        atom = ctx.mk(ConditionAtom, a, b, condition=ident, **fields)
        out.append(Found(atom, a, b, priority=6, cover=[*cover, (a, end)]))
    return out


# ------------------------------------------------------------------ measurements

_QTC = re.compile(
    r"\b(?:qtc[fb]?|qt\s*c|corrected qt|qt interval corrected|qt)(?:\s*\(\s*qtc[fb]?\s*\))?(?:\s*interval)?",
    re.I,
)
_QTC_SEX = re.compile(
    r"[^\d;]{0,40}?(?:in\s*)?(?P<s1>males?|men)\s*(?:\(?\s*)?(?P<c1>"
    + CMP
    + r")\s*(?P<v1>\d{3})\s*(?:ms|msec|milliseconds)?\s*\)?\s*(?:,|;|and|or|/)?\s*(?:(?:in|for)\s*)?"
    r"(?P<s2>females?|women)\s*(?:\(?\s*)?(?P<c2>"
    + CMP
    + r")\s*(?P<v2>\d{3})\s*(?:ms|msec|milliseconds)?\s*\)?"
    r"|[^\d;]{0,40}?(?:in\s*)?(?P<s3>females?|women)\s*(?:\(?\s*)?(?P<c3>"
    + CMP
    + r")\s*(?P<v3>\d{3})\s*(?:ms|msec|milliseconds)?\s*\)?\s*(?:,|;|and|or|/)?\s*(?:(?:in|for)\s*)?"
    r"(?P<s4>males?|men)\s*(?:\(?\s*)?(?P<c4>"
    + CMP
    + r")\s*(?P<v4>\d{3})\s*(?:ms|msec|milliseconds)?\s*\)?",
    re.I,
)
_MEAS = re.compile(
    r"(?P<name>\b(?:qtc[fb]?|qt\s*c|corrected qt(?: interval)?|qt interval corrected|qt interval|lvef|left ventricular ejection fraction|ejection fraction|\blvef\b|body mass index|bmi|body weight|weight|oxygen saturation|spo2|fev1|dlco|blood pressure|systolic blood pressure|diastolic blood pressure|sbp|dbp))"
    r"(?:\s*\([^()]{1,25}\))?(?P<fill>[^\d;<>=]{0,35}?)(?P<cmp>"
    + CMP
    + r")\s*(?P<v>"
    + NUM
    + r")\s*(?P<u>ms|msec|milliseconds|%|kg/m2|kg/m\^2|kg|mmhg|mm hg|percent)?",
    re.I,
)


def _meas_name(s: str) -> tuple[str, str | None]:
    s = s.lower()
    if "qt" in s:
        return "QTc", "ms"
    if "ejection" in s or "lvef" in s:
        return "LVEF", "%"
    if "bmi" in s or "body mass" in s:
        return "BMI", "kg/m2"
    if "weight" in s:
        return "weight", "kg"
    if "oxygen" in s or "spo2" in s:
        return "SpO2", "%"
    if "fev1" in s:
        return "FEV1", "%"
    if "dlco" in s:
        return "DLCO", "%"
    if "diastolic" in s or s == "dbp":
        return "diastolic_blood_pressure", "mm[Hg]"
    return "systolic_blood_pressure", "mm[Hg]"


@needs_derived(derived_gate(patterns=(_QTC, _MEAS)))
def extract_measurements(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    for qm in _QTC.finditer(t):
        sm = _QTC_SEX.match(t, qm.end())
        if not sm:
            continue
        if sm.group("s1"):
            male = (sm.group("c1"), sm.group("v1"), sm.start("s1"), sm.end("v1"))
            female = (sm.group("c2"), sm.group("v2"), sm.start("s2"), sm.end("v2"))
        else:
            male = (sm.group("c4"), sm.group("v4"), sm.start("s4"), sm.end("v4"))
            female = (sm.group("c3"), sm.group("v3"), sm.start("s3"), sm.end("v3"))
        then = ctx.mk(
            MeasurementAtom,
            qm.start(),
            male[3],
            name="QTc",
            comparator=comparator(male[0]),
            value=float(male[1]),
            unit="ms",
        )
        other = ctx.mk(
            MeasurementAtom,
            qm.start(),
            female[3],
            name="QTc",
            comparator=comparator(female[0]),
            value=float(female[1]),
            unit="ms",
        )
        cond = ctx.mk(
            SexAtom, male[2], male[2] + 4 if male[2] + 4 <= sm.end() else male[3], sex="male"
        )
        expr = ctx.mk(IfNode, qm.start(), sm.end(), cond=cond, then=then, otherwise=other)
        out.append(Found(expr, qm.start(), sm.end(), priority=9))
    for m in _MEAS.finditer(t):
        if any(f.start <= m.start() < f.end for f in out):
            continue
        if re.search(r"\b(?:days?|weeks?|months?|within|grade)\b", m.group("fill"), re.I):
            continue
        name, unit = _meas_name(m.group("name"))
        u = m.group("u")
        if u:
            unit = {
                "msec": "ms",
                "milliseconds": "ms",
                "percent": "%",
                "kg/m^2": "kg/m2",
                "mm hg": "mm[Hg]",
                "mmhg": "mm[Hg]",
            }.get(u.lower(), u)
        atom = ctx.mk(
            MeasurementAtom,
            m.start(),
            m.end(),
            name=name,
            comparator=comparator(m.group("cmp")),
            value=number(m.group("v")),
            unit=unit,
        )
        out.append(Found(atom, m.start(), m.end(), priority=8))
    return out


# ------------------------------------------------------------------ reproductive

_REPRO = re.compile(
    r"(?P<plan>(?:plan(?:ning|s)?|intend(?:ing|s)?|wish(?:ing)?|desire|want(?:ing)?|expect(?:ing)?)\s*(?:to\s*)?(?:become\s*|get\s*|be\s*)?(?:pregnan\w*|conceive|father\w*|have (?:a )?child(?:ren)?)|(?:pregnancy|conception) plans?)"
    r"|(?P<test>(?:negative\s*(?:serum\s*|urine\s*)?(?:or\s*urine\s*)?(?:\(?(?:beta|β)-?hcg\)?\s*)?pregnancy test)|(?:pregnancy test)[^.;]{0,40}?negative)"
    r"|(?P<preg>pregnan(?:t|cy|cies)|(?:are|is) pregnant|gestation)"
    r"|(?P<bf>breast[\s-]*feeding|breastfeed\w*|lactating|lactation|nursing(?! home)|breast[\s-]*fed)"
    r"|(?P<contra>contracepti\w*|birth control|barrier method|abstinence|intrauterine device|sterili[sz]\w*|childbearing potential|child-bearing potential|wocbp)",
    re.I,
)


_REPRO_PRE = re.compile(
    r"pregn|breast|lactat|nursing|contracep|birth control|childbearing|child-bearing|steril|abstinen|wocbp|conceiv|father|intrauterine|barrier|gestation|child"
)


def extract_reproductive(ctx: Ctx) -> list[Found]:
    out: list[Found] = []
    t = ctx.text
    if not _REPRO_PRE.search(ctx.low):
        return out
    for m in _REPRO.finditer(t):
        g = m.lastgroup
        a, b = m.span()
        if g == "plan":
            out.append(
                Found(ctx.mk(ReproductiveAtom, a, b, state="planning_pregnancy"), a, b, priority=7)
            )
        elif g == "test":
            from trialscout.criteria.atoms import NotNode

            inner = ctx.mk(ReproductiveAtom, a, b, state="pregnant")
            out.append(Found(ctx.mk(NotNode, a, b, arg=inner), a, b, priority=7))
        elif g == "preg":
            if re.search(r"test|prevent|avoid", t[b : b + 15], re.I):
                continue
            out.append(Found(ctx.mk(ReproductiveAtom, a, b, state="pregnant"), a, b, priority=6))
        elif g == "bf":
            out.append(
                Found(ctx.mk(ReproductiveAtom, a, b, state="breastfeeding"), a, b, priority=6)
            )
        elif g == "contra":
            if any(f.start <= a < f.end for f in out):
                continue
            if any(
                isinstance(f.expr, ReproductiveAtom) and f.expr.state == "contraception"
                for f in out
            ):
                # one contraception atom per criterion; the rest is its detail
                prev = out[-1]
                prev.cover.append((a, b))
                continue
            cl = re.match(r"[^;]*", t[b:])
            out.append(
                Found(
                    ctx.mk(ReproductiveAtom, a, b, state="contraception"),
                    a,
                    b,
                    priority=5,
                    cover=[(b, b + (cl.end() if cl else 0))],
                )
            )
    return out


# ------------------------------------------------------------------ biomarkers
# moved to extractors/biomarkers.py (data/biomarkers tables); re-exported here.

from trialscout.criteria.extractors.biomarkers import (  # noqa: E402
    extract_biomarkers as extract_biomarkers,
)

# ------------------------------------------------------------------ review

_CLAUSE_STOP = re.compile(r";|\.(?:\s|$)|\s(?:or|and)\s(?=[a-z]+ (?:disease|history|known))")
_ANY_OTHER = re.compile(
    r"\b(?:any|other|another)\s+(?:other\s+)?(?:\w+\s+){0,2}?(?:conditions?|diseases?|illness\w*|reasons?|factors?|situations?|circumstances?|findings?|abnormalit\w*|disorders?|problems?|patients?|subjects?|individuals?)",
    re.I,
)
_CLAUSE_REASONS = ("suitability", "investigator_judgment", "compliance", "consent")
_SUIT_STOP = re.compile(
    r",?\s+(?:or|and)\s+(?=(?:[\w-]+\s+){0,3}?(?:disease|history|known|active|severe|uncontrolled|any|other|patients?|subjects?)\b)|\(|,\s+(?=[a-z]+\s+(?:is|are|was|were|has|have)\b)",
    re.I,
)
_ADEQ = re.compile(
    r"adequate\s+(?:[\w-]+\s*,?\s*(?:and|or)?\s*){0,6}?(?:functions?|reserve|hematologic(?:al)?\s*(?:status|parameters)?|organ\s*(?:and\s*\w+\s*)?functions?)|within (?:the )?(?:intended )?therapeutic range|normal organ (?:and marrow )?function",
    re.I,
)
_PAREN_NOTE = re.compile(
    r"\((?:[^()]*?\b(?:imaging|ct|mri|pet|pet/ct|scans?|x-ray|ultrasound|assessed|confirmed|measured|evaluated|calculated|determined|according to|as per|per)\b[^()]*)\)",
    re.I,
)
_PROC = re.compile(
    r"(?:must|should|will|can|may) be (?:excluded|ruled out|confirmed|assessed|documented|evaluated|verified|determined|performed|obtained|measured|calculated)\b[^;.]*",
    re.I,
)
_ADEQ_LOW = folded(_ADEQ)
# Every `_ADEQ` match lies in "adequate" + a run of [\w\s,-] holding one of its endings (or
# is one of the two fixed phrases): a linear check on lower-cased ASCII text that spares the
# backtracking of the lazy word loop on the common "adequate contraception".
_ADEQ_MAY = re.compile(
    r"adequate\s[\w\s,-]*?(?:function|reserve|hematologic)|therapeutic range|normal organ"
)
_PROC_LOW = folded(_PROC)


def extract_review(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    low = ctx.low
    # literal gates and case-folded regexes are exact only without Unicode case folding
    ascii_ = low.isascii()
    for cue in vocab().review_cues:
        if ascii_ and cue.gate_rx is not None and not cue.gate_rx.search(low):
            continue
        reason = cue.reason
        hits = cue.low_rx.finditer(low) if ascii_ and cue.low_rx else cue.rx.finditer(t)
        for m in hits:
            a, b = m.span()
            # the judged object runs to the end of the clause
            if reason in _CLAUSE_REASONS:
                stop = _CLAUSE_STOP.search(t, b)
                end = stop.start() if stop else len(t)
                if reason == "suitability":
                    sub = _SUIT_STOP.search(t, b, end)
                    if sub and sub.start() > b + 3:
                        end = sub.start()
            else:
                end = b
            start = a
            if reason == "investigator_judgment":
                anym = None
                for am in _ANY_OTHER.finditer(t[max(0, a - 90) : a]):
                    anym = am
                start = max(0, a - 90) + anym.start() if anym else a
            atom = ctx.mk(ReviewAtom, a, b, reason=reason)
            pr = 9 if reason == "investigator_judgment" else 6 if reason == "suitability" else 4
            out.append(Found(atom, a, b, priority=pr, cover=[(start, end)]))
    for m in (
        (_ADEQ_LOW.finditer(low) if ascii_ and _ADEQ_LOW else _ADEQ.finditer(t))
        if (
            _ADEQ_MAY.search(low)
            if ascii_
            else ("adequate" in low or "therapeutic range" in low or "normal organ" in low)
        )
        else ()
    ):
        atom = ctx.mk(ReviewAtom, m.start(), m.end(), reason="other")
        out.append(Found(atom, m.start(), m.end(), priority=1))
    for m in _PAREN_NOTE.finditer(t) if "(" in t else ():
        atom = ctx.mk(ReviewAtom, m.start(), m.end(), reason="other")
        out.append(Found(atom, m.start(), m.end(), priority=3))
    # procedural notes ("must be excluded by chest X-ray") are for the investigator
    for m in (
        (_PROC_LOW.finditer(low) if ascii_ and _PROC_LOW else _PROC.finditer(t))
        if " be " in low
        else ()
    ):
        atom = ctx.mk(ReviewAtom, m.start(), m.end(), reason="other")
        out.append(Found(atom, m.start(), m.end(), priority=3))
    return out


def _unused(_e: Expr) -> None:
    return None
