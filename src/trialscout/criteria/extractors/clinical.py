"""Infections, comorbidities, measurements (QTc, LVEF), reproductive state,
biomarkers and investigator-review cues."""

# ruff: noqa: E501  (regex tables and word lists read better unwrapped)

from __future__ import annotations

import re

from trialscout.criteria.atoms import (
    AndNode,
    ConditionAtom,
    Expr,
    IfNode,
    InfectionAtom,
    MeasurementAtom,
    NotNode,
    OrNode,
    ReproductiveAtom,
    ReviewAtom,
    SexAtom,
    UnparsedAtom,
)
from trialscout.criteria.extractors.base import (
    CMP,
    NUM,
    WNUM,
    Ctx,
    Found,
    comparator,
    derived_gate,
    needs,
    needs_derived,
    number,
    to_days,
)
from trialscout.criteria.vocab import PhraseMatch, fast_fold, folded, read_table, vocab

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
# "hepatitis B or C", "hepatitis A, B, or C": one atom per letter; B and C are HBV/HCV, another
# letter is the infections.csv row hepatitis_<letter> (none: that letter is left unread)
_HEP_BC = re.compile(
    r"hepatitis\s*(?P<a>[a-e])(?:\s*(?:,\s*(?:and/or|or|and)?|and/or|or|and|/)\s*(?:hepatitis\s*)?[a-e]\b)+"
    r"(?!\s*(?:virus\s*)?(?:\(\s*h[a-e]v\s*\)\s*)?(?:antibod|antigen|surface|core|rna|dna|viral load|ab\b|ag\b))"
    r"(?:\s*(?:virus|infection)s?)?",
    re.I,
)
_HEP_LETTER = re.compile(r"(?<![a-z])(?P<h>hepatitis\s*)?(?P<l>[a-e])\b", re.I)
# "other than hepatitis C", "in addition to viral hepatitis": the pathogen is what the criterion
# excepts, not an infection of the patient (77 hits in eligibility-texts.csv, 22 checked)
_INF_EXCEPTED = re.compile(
    r"(?:other\s+than|except(?:\s+for)?|excluding|apart\s+from|besides|in\s+addition\s+to|with\s+the\s+exception\s+of)\s+(?:(?:chronic|acute|active|viral|known)\s+)?$",
    re.I,
)
# status words before the pathogen that belong to the atom ("latent TB", "seronegative for HIV",
# "positive serology for hepatitis B")
_INF_STATUS_LEAD = re.compile(
    r"(?:(?P<neg>sero-?negative|negative)|sero-?positive|positive|latent)\s+(?:(?:serology|serologic\s+test|test(?:ing)?|result)\s+)?(?:for\s+)?(?:the\s+)?$",
    re.I,
)
# "active hepatitis" with no letter: HBV or HCV, as "viral hepatitis"
_BARE_HEP = re.compile(
    r"(?<!chronic )\bactive\s+(?P<h>hepatitis)\b(?!\s*(?:\(?[a-e]\b|virus|of|-|associated|related|due|secondary|caused))",
    re.I,
)
_STATUS_AFTER = re.compile(
    r"\s*(?:is\s*|are\s*|test\s*|testing\s*|result\s*|status\s*|serology\s*)*(?:\(\s*\+\s*\)|(?P<s>seropositivity|sero-positivity|positive|positivity|negative|detectable|undetectable|not detectable|reactive|non-reactive|nonreactive|seropositive|seronegative|carrier|infection|infected|active|\+))",
    re.I,
)
_STATUS_BEFORE = re.compile(
    r"(?P<s>active|chronic|acute|uncontrolled|untreated|history of|positive|negative|current|latent|evidence of)[^,;.]{0,25}$",
    re.I,
)


_TEST_LIST = re.compile(
    r"\b(?:testing|tests?|screening)\s+(?:may|might|can|could|should|will)\s+include(?:\s+the\s+following)?\s*:?"
    r"|\b(?:tested|screened)\s+(?:for|with)\s*:",
    re.I,
)
# "infection with" / "seropositive for or active viral infection with" before a pathogen
_INF_LEAD = re.compile(
    r"(?:(?:sero)?positiv(?:e|ity)\s+for\s+(?:the\s+)?$)|(?:(?:sero)?positive\s+(?:for\s+)?(?:or|and/or)\s+)?(?:active\s+|chronic\s+)?(?:viral\s+)?infections?\s+(?:with|by|due to)\s+(?:the\s+)?$",
    re.I,
)
_INF_PRE = re.compile(
    r"hbv|hbs|hbc|hepatitis|hep [bc]|hcv|hiv|aids|immun[eo]\s*deficiency|tuberc|\btb\b"
)


def _infection_table() -> tuple[
    list[tuple[str, re.Pattern[str]]], re.Pattern[str] | None, re.Pattern[str] | None
]:
    """OTHER pathogens and not-an-infection contexts (words after the pathogen; words before
    it, `not_infection_before`) from data/criteria/infections.csv."""
    other: list[tuple[str, re.Pattern[str]]] = []
    skip: list[str] = []
    skip_before: list[str] = []
    for r in read_table("infections.csv"):
        if r["kind"] == "other":
            other.append((r["id"], re.compile(r"(?:" + r["pattern"] + r")", re.I)))
        elif r["kind"] == "not_infection":
            skip.append(r["pattern"])
        elif r["kind"] == "not_infection_before":
            skip_before.append(r["pattern"])
    return (
        other,
        (re.compile(r"\s*(?:" + "|".join(skip) + r")", re.I) if skip else None),
        (
            re.compile(r"(?:" + "|".join(skip_before) + r")[^;.]{0,60}$", re.I)
            if skip_before
            else None
        ),
    )


_INF_OTHER, _INF_NOT, _INF_NOT_BEFORE = _infection_table()
_INF_OTHER_IDS = {ident for ident, _ in _INF_OTHER}
# the gate on OTHER pathogens: any row of the table (a new row runs without a code change)
_OTHER_PRE = re.compile("|".join(f"(?:{rx.pattern})" for _, rx in _INF_OTHER) or "(?!)", re.I)
_VIRAL_HEP = re.compile(r"\bviral hepatitis\b|\bhepatitis virus infection\b", re.I)
# a list between two pathogens: only separators, "virus"/"infection" and bracketed abbreviations
_INF_LIST_GAP = re.compile(
    r"^(?:\s|,|/|\(\s*[\w-]+\s*\)|\b(?:and/or|or|and|virus|viral|infections?)\b)*$", re.I
)
_NEG_WORDS = (
    "negative",
    "undetectable",
    "not detectable",
    "non-reactive",
    "nonreactive",
    "seronegative",
)


def _other_infections(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    if not _OTHER_PRE.search(ctx.low):
        return out
    for ident, rx in _INF_OTHER:
        for m in rx.finditer(t):
            a, b = m.span()
            if _INF_NOT is not None and _INF_NOT.match(t, b):
                continue  # "hepatitis A vaccine": not an infection
            if _INF_NOT_BEFORE is not None and _INF_NOT_BEFORE.search(t, max(0, a - 80), a):
                continue  # "vaccinations including hepatitis A and/or B"
            if _INF_EXCEPTED.search(t, max(0, a - 60), a):
                continue
            hl = _HEP_BC.match(t, max(0, a - 0)) if ident.startswith("hepatitis_") else None
            if hl is not None or (ident.startswith("hepatitis_") and _in_hep_list(t, a)):
                continue  # "hepatitis A, B, or C": read as the list (extract_infections)
            before = t[max(0, a - 50) : a]
            sa = _STATUS_AFTER.match(t, b)
            sb = _STATUS_BEFORE.search(before)
            word = (sa.group("s") or "+").lower() if sa else sb.group("s").lower() if sb else None
            status = "positive"
            if word in _NEG_WORDS:
                status = "negative"
            elif word in ("active", "acute", "uncontrolled", "untreated", "current") or re.search(
                r"\bactive\b[^,;.]{0,40}$", before, re.I
            ):
                status = "active"
            elif word == "history of":
                status = "history"
            end = sa.end() if sa else b
            lead = _INF_LEAD.search(t, max(0, a - 60), a)
            if lead:
                a = lead.start()  # "active infections with Clostridium difficile"
            atom = ctx.mk(InfectionAtom, a, end, pathogen="OTHER", marker=ident, status=status)
            out.append(Found(atom, a, end, priority=8))
    return out


def _in_hep_list(t: str, a: int) -> bool:
    """Is position `a` inside a "hepatitis A, B, or C" list?"""
    for hm in _HEP_BC.finditer(t, max(0, a - 40), min(len(t), a + 60)):
        if hm.start() <= a < hm.end():
            return True
    return False


def _hep_letter(letter: str) -> tuple[str, str | None] | None:
    """Pathogen and marker of a hepatitis letter: B, C, or an infections.csv row."""
    k = letter.lower()
    if k == "b":
        return "HBV", None
    if k == "c":
        return "HCV", None
    ident = f"hepatitis_{k}"
    return ("OTHER", ident) if ident in _INF_OTHER_IDS else None


def extract_infections(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = _other_infections(ctx)
    if not _INF_PRE.search(ctx.low):
        return out
    spans: list[tuple[int, int, str, str | None]] = []
    taken: list[tuple[int, int]] = [(f.start, f.end) for f in out]
    for hm in _HEP_BC.finditer(t):
        # one span per pathogen ("Hepatitis A" / "B" / "C infection") so every atom survives
        taken.append(hm.span())
        if _INF_NOT is not None and _INF_NOT.match(t, hm.end()):
            continue  # "hepatitis A or B vaccine": not an infection
        if _INF_NOT_BEFORE is not None and _INF_NOT_BEFORE.search(
            t, max(0, hm.start() - 80), hm.start()
        ):
            continue  # "vaccinations including hepatitis A and/or B"
        letters = list(_HEP_LETTER.finditer(t, hm.start(), hm.end()))
        for i, lm in enumerate(letters):
            pl = _hep_letter(lm.group("l"))
            if pl is None:
                continue  # a letter the table does not know: left over, unparsed
            s0 = hm.start() if i == 0 else lm.start()
            e0 = hm.end() if i == len(letters) - 1 else lm.end()
            spans.append((s0, e0, pl[0], pl[1]))
    for vm in [*_VIRAL_HEP.finditer(t), *_BARE_HEP.finditer(t)]:
        if any(a <= vm.start() < b for a, b in taken):
            continue
        taken.append(vm.span())
        s0 = vm.start("h") if "h" in vm.re.groupindex else vm.start()
        spans.append((s0, vm.end(), "HBV", None))
        spans.append((s0, vm.end(), "HCV", None))
    for m in _INF_RX.finditer(t):
        if any(a <= m.start() < b for a, b in taken):
            continue
        idx = int(next(k for k, v in m.groupdict().items() if v is not None)[1:])
        _, path, marker = _INF_MARKERS[idx]
        if (
            path == "HIV"
            and marker is None
            and m.group(0).lower() == "aids"
            and m.group(0) != "AIDS"
        ):
            continue  # "aids in determining": the verb
        if _INF_NOT is not None and _INF_NOT.match(t, m.end()):
            continue  # "HIV protease inhibitors", "HIV testing consent", "hepatitis B vaccine"
        if _INF_NOT_BEFORE is not None and _INF_NOT_BEFORE.search(
            t, max(0, m.start() - 80), m.start()
        ):
            continue  # "vaccination against hepatitis B"
        spans.append((m.start(), m.end(), path, marker))
    # markers only named as the tests that may be used ("Testing may include: HBV DNA, ...")
    tl = _TEST_LIST.search(t)
    if tl:
        spans = [s for s in spans if not (s[3] is not None and s[0] >= tl.end())]
    specific = {path for _, _, path, marker in spans if marker is not None}
    labels = [(a, b) for a, b, path, marker in spans if marker is None and path in specific]
    spans = [s for s in spans if not (s[3] is None and s[2] in specific)]
    if tl:
        labels.append((tl.start(), len(t)))
    spans.sort(key=lambda s: s[0])
    seen_bc: set[tuple[int, str]] = set()
    prev: tuple[int, str, bool] | None = None  # end, status, status stated by a word
    excepted_end = -1
    for a, b, path, marker in spans:
        if (a, path) in seen_bc:
            continue
        seen_bc.add((a, path))
        if _INF_EXCEPTED.search(t, max(0, a - 60), a) or (
            excepted_end >= 0 and excepted_end <= a and _INF_LIST_GAP.match(t[excepted_end:a])
        ):
            # "infection other than HIV, hepatitis B, or hepatitis C": what is excepted
            excepted_end = max(excepted_end, b)
            continue
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
        if word in _NEG_WORDS:
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
        elif word == "evidence of" and not re.search(r"serolog\w*\s+evidence of\s*$", before, re.I):
            status = "active"
        if re.search(r"history of[^,;.]{0,30}$", before, re.I) and path == "TB":
            status = "history"
        if re.search(r"active[^,;.]{0,25}$", before, re.I) and status in ("positive", "history"):
            status = "active"
        if status == "positive" and re.search(r"history of[^,;.]{0,25}$", before, re.I):
            status = "history"
        if re.search(
            r"positive\s+(?:for\s+)?(?:or|and/or)\s+active\b[^,;.]{0,40}$",
            t[max(0, a - 80) : a],
            re.I,
        ):
            status = "positive"  # "seropositive for or active infection with"
        lead = _INF_LEAD.search(t, max(0, a - 60), a)
        if lead:
            a = lead.start()
        else:
            sl = _INF_STATUS_LEAD.search(t, max(0, a - 50), a)
            if sl:
                a = sl.start()  # "latent TB", "seronegative for HIV": the atom's words
                if sl.group("neg"):
                    status, word = "negative", "negative"
        stated = word is not None and word not in ("known", "+")
        if (
            not stated
            and prev is not None
            and prev[2]
            and prev[0] <= a
            and _INF_LIST_GAP.match(t[prev[0] : a])
        ):
            status = prev[
                1
            ]  # "history of HIV, hepatitis B, or hepatitis C": one status for the list
            stated = True
        prev = (b, status, stated or status != "positive")
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
    return _merge_same_span(ctx, out)


def _merge_same_span(ctx: Ctx, found: list[Found]) -> list[Found]:
    """Atoms read from the same words ("viral hepatitis": HBV and HCV) become one OR."""
    by: dict[tuple[int, int], list[Found]] = {}
    for f in found:
        by.setdefault((f.start, f.end), []).append(f)
    out: list[Found] = []
    for (a, b), fs in by.items():
        if len(fs) == 1:
            out.append(fs[0])
            continue
        node = ctx.mk(OrNode, a, b, args=[f.expr for f in fs])
        cover = [c for f in fs for c in f.cover]
        out.append(Found(node, a, b, priority=max(f.priority for f in fs), cover=cover))
    return out


# ------------------------------------------------------------------ conditions

_GRADE = re.compile(
    r"(?:(?:with\s+)?(?:an?\s+)?(?:severity|intensity)\s+(?:of\s+)?)?"
    r"(?:(?:ctcae\s*(?:v(?:ersion)?\s*[\d.]+\s*)?)?grade\s*(?P<c1>"
    + CMP
    + r")?\s*(?P<g1>[1-5]|i{1,3}|iv)\b(?:\s*(?:or|and)\s*(?:higher|greater|above|more|worse|over)|\s*\+)?"
    r"|(?P<c2>>=|>|(?:greater|more|higher)\s+than(?:\s+or\s+equal\s+to)?|(?:greater|more|higher)\s+or\s+equal\s+to|in\s+excess\s+of|exceeding|at\s+least)\s*(?:(?:nci\s*)?ctcae\s*(?:v(?:ersion)?\s*[\d.]+\s*)?)?grade\s*(?P<g2>[1-5]|i{1,3}|iv)\b)"
    # "of Grade 2 or greater intensity", "more than grade 1 in severity", "... in the WHO
    # toxicity scale", "according to NCI Common Toxicity Criteria": the scale of the grade
    r"(?:\s+(?:in\s+)?(?:intensity|severity))?"
    r"(?:\s*,?\s*(?:in|on|by|per|according\s+to|using)\s+(?:the\s+)?(?:(?:nci|who|national cancer institute)\s+)?(?:common\s+)?toxicity\s+(?:criteria|scale|grading(?:\s+scale)?)(?:\s+for\s+adverse\s+(?:events|effects|reactions))?(?:\s*\(\s*(?:nci[\s-]*)?ctcae?\s*\))?(?:\s*(?:v(?:ersion)?\s*)?\d+(?:\.\d+)*)?)?",
    re.I,
)
_NYHA = re.compile(
    r"(?:nyha|new york heart association)(?:(?!appendix|section|table)[^\d;]){0,30}?(?:(?P<cmp>"
    + CMP
    + r")\s*)?(?:class(?:ification)?\s*|grade\s*|stadium\s*)?(?:(?P<cmp3>"
    + CMP
    + r")\s*)?(?P<c>\b(?:iv|i{1,3})\b|[1-4])(?:\s*(?:-|to|or|and)\s*(?:iv|i{1,3}|[1-4]))?(?:\s*(?:or|and)\s*(?:higher|greater|above|more|worse))?"
    r"|(?:class|grade)\s*(?P<cmp2>"
    + CMP
    + r")?\s*(?P<c2>\b(?:iv|i{1,3})\b|[1-4])(?:\s*(?:-|to|or|and)\s*(?:iv|i{1,3}|[1-4]))?(?:\s*(?:or|and)\s*(?:higher|greater|above|more|worse))?[^;.]{0,20}?(?:nyha|new york heart association)",
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
    r"(?:requir(?:ing|ed|es)|necessitat(?:ing|ed|es)|needing|needed|treated with|that required|which required|need for|under)\s*(?:the\s*)?(?:use of\s*)?"
    r"(?:active\s*|chronic\s*|ongoing\s*|specific\s*)?(?:systemic\s*)?(?:anti-?[a-z]+\s+)?(?:intravenous\s*|iv\s*|i\.v\.\s*|oral\s*|parenteral\s*)?(?:treatment|therapy|glucocorticoids?|corticosteroids?|steroids?|immunosuppressi\w*|disease-modifying|medications?|hospitali[sz]ation|antibiotics?|antivirals?|antifungals?|anti-?infectives?|antimicrobials?|insulin|medical\s+interventions?)(?:\s*(?:therapy|treatment|agents?))?(?:\s+(?:or|and/or)\s+(?:medical\s+)?interventions?)?(?:\s+for\s+(?:its\s+)?control)?",
    re.I,
)
_EXCEPT = re.compile(
    r"\s*[,(]?\s*(?:except(?:ion)?(?:\s*for)?|excluding|in addition to|with the exception of|other than|apart from|but not(?!\s+limited)|not including)\s*:?\s*"
    r"(?P<x>\([^)]*\)|(?:[^;()]|(?<=\s)[a-h]\)|\([^()]*\))+?)(?=(?<![\s(][a-h])\)|;|\.\s|\.$|$|,?\s+unless\b)",
    re.I,
)
# a list separator and the lead-in of a new exclusion item ("..., symptomatic congestive heart
# failure"): the exception before it ends there (the item names a condition of the patient, not
# a further exception)
_EXC_NEW_ITEM = re.compile(
    r"(?:,|;)\s*(?:(?:and/or|and|or)\s+)?(?P<lead>(?:(?:a\s+)?(?:known\s+)?history\s+of|symptomatic|unstable|uncontrolled|active|ongoing|current|clinically\s+significant|significant|severe|serious|life[\s-]threatening|known)\s+(?:[\w-]+\s+){0,2}?)?$",
    re.I,
)
_EXC_KIND = {
    "other_malignancy": "cancer",
    "hematologic_malignancy": "cancer",
    "myelodysplastic_syndrome": "cancer",
}
_EXC_LIST_ITEM = re.compile(r"\s*(?:,|;)\s*(?:(?:and/or|and|or)\s+)?(?:[\w-]+\s+){0,3}$")
_EXC_EXAMPLES = re.compile(r"\(|\be\.\s?g\b|\beg\b|such as|including|for example|i\.e\.", re.I)
# "nonatherosclerotic stroke", "non-hematologic toxicity": a "non-X" qualifier right before a
# condition narrows it; the atom cannot hold it, and reading the bare condition would exclude
# more patients than the trial does, so the words are left unparsed. Kept: "non-breast
# malignancy" (other_malignancy already means a cancer other than the trial's), "non-controlled"
# (read as uncontrolled).
_NON_QUAL = re.compile(r"\bnon[\s-]?(?P<q>[a-z]+)[\s-]*$", re.I)
_EXCEPTED_OBJ = re.compile(
    r"(?:other\s+than|except(?:\s+for)?|excluding|apart\s+from|besides|with\s+the\s+exception\s+of)\s+(?:[\w-]+\s+){0,3}$",
    re.I,
)
# a disease named as the topic of a trial, network or society is not a condition of the patient:
# "another clinical trial in the COPD Clinical Research Network", "American Diabetes Association",
# "American Association for the Study of Liver Diseases", "another clinical study on urinary
# toxicity" (about 60 such names in eligibility-texts.csv, 20 checked)
_TOPIC_AFTER = re.compile(
    r"\s+(?:clinical\s+)?(?:research\s+)?(?:network|registry|consortium|foundation|society|association|study\s+group)\b",
    re.I,
)
_TOPIC_BEFORE = re.compile(
    r"(?:(?:association|society|foundation|network|institute|council)\s+(?:for|of|on)\s+(?:the\s+)?(?:study\s+of\s+)?"
    r"|(?:trial|study|studies|network|registry|program(?:me)?)\s+(?:in|on)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?)$",
    re.I,
)
_NON_KEEP = re.compile(r"(?:controlled|or|and)$", re.I)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _grade(s: str) -> int:
    s = s.lower()
    return _ROMAN.get(s, 0) or int(s)


def _exception_end(
    ctx: Ctx, em: re.Match[str], ident: str, matches: list[PhraseMatch], prev: Found | None, a: int
) -> int:
    """Where the exception after "other than / except" ends: at the first list separator
    followed by a new condition of another kind when that item opens with a status word
    ("..., symptomatic congestive heart failure") or the excepted condition is itself an item
    of a list of conditions ("oxygen therapy, active infection other than minor urinary tract
    infection, unstable angina"); an exception that is itself a list of the kind excepted
    ("autoimmune disease except vitiligo, type 1 diabetes or hypothyroidism") runs on."""
    t = ctx.text
    x0, x1 = em.start("x"), em.end()
    in_list = prev is not None and bool(_EXC_LIST_ITEM.fullmatch(t[prev.end : a]))
    kind = _EXC_KIND.get(ident, ident)
    for q in matches:
        if not x0 < q.start < x1 or _EXC_KIND.get(q.id, q.id) == kind:
            continue
        gap = t[x0 : q.start]
        if _EXC_EXAMPLES.search(gap):
            break  # "(e.g., ...": examples, whatever follows
        sep = _EXC_NEW_ITEM.search(gap)
        if sep and (sep.group("lead") or in_list):
            return x0 + sep.start()
    return em.end()


def _exceptions(x: str) -> list[str]:
    x = x.strip().strip("()").strip()
    x = re.sub(r"^(?:e\.g\.,?|for example,?|such as|the following:?)\s*", "", x, flags=re.I)
    parts = re.split(r"\s*(?:,|;|\bor\b|\band\b|\band/or\b)\s*", x)
    out: list[str] = []
    for p in parts:
        p = re.sub(r"^\(?[a-h]\)\s*", "", p)
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
_UNCONTROLLED_B = re.compile(
    r"uncontrolled|uncontrollable|(?:poor|poorly|inadequately|insufficiently|not adequately|not well|not)[\s-]+controlled|unstable|refractory"
)
# a status word right before the term ("poorly controlled hypertension"): covered by the atom
_STATUS_LEAD = re.compile(
    r"(?:(?:fresh|immediate|delayed|advanced|acquired|congenital|or|major|life[\s-]threatening|malignant|complete|partial|unresolved|uncontrolled|uncontrollable|(?:poor|poorly|inadequately|insufficiently|not adequately|not well|well|adequately)[\s-]+controlled|unstable|refractory|active|current|ongoing|symptomatic|concurrent|sustained|persistent|coexistent|coexisting|co-existing|concomitant|serious|severe|significant|clinically significant|acute|subacute|chronic)\s*,?\s+)+$",
    re.I,
)
_UNCONTROLLED_A = re.compile(
    r"^\s*(?:that is |which is )?(?:uncontrolled|not (?:well )?controlled|poorly controlled)"
    r"|^\s*,?\s*(?:that|which)\s+(?:cannot|can ?not|could not|is not|are not)\s+(?:be\s+)?(?:adequately\s+|well\s+)?controlled",
    re.I,
)
# "(that is) well controlled on medication", "that cannot be controlled by antihypertensive therapy"
_CTRL_AFTER = re.compile(
    r"\s*,?\s*(?:that\s+|which\s+)?(?:is\s+|are\s+|must\s+be\s+|should\s+be\s+|cannot\s+be\s+|can\s?not\s+be\s+|could\s+not\s+be\s+)?"
    r"(?:not\s+)?(?:poorly\s+|inadequately\s+|well[\s-]+|adequately\s+)?(?:controlled|uncontrolled)"
    r"(?:\s+(?:by|with|on)\s+(?:an?\s+|the\s+)?(?:(?:stable|optimal|standard|adequate|current|appropriate)\s+)?(?:[\w-]+,?\s+(?:or\s+|and\s+)?){0,4}?(?:medications?|therapy|treatment|drugs?|regimen|management|interventions?|measures))?",
    re.I,
)
_ACTIVE_B = re.compile(
    r"\bactive\b|\bevidence of\b|\bcurrent\b|\bongoing\b|\bsymptomatic\b|\bconcurrent\b"
)
_HISTORY_B = re.compile(r"history|\bprior\b|\bprevious\b|\bpast\b")
_LIST_WORD = re.compile(r",|\bor\b|\band\b")
_LIST_WORD_OR = re.compile(r",|\bor\b")
_PAREN_TAIL = re.compile(r"\s*(?:\([^)]*\))?")
_TO_CLAUSE_END = re.compile(r"[^;.]*")
_TIME_OF = re.compile(
    r"\s*(?:at|by) (?:the )?time of (?:recurrence|enrol?lment|screening|study entry|randomi[sz]ation"
    r"|(?:signing|signature of|obtaining|acquisition of|giving) (?:the )?(?:written )?informed consent(?: form)?)",
    re.I,
)


def _organ_table() -> tuple[re.Pattern[str], list[tuple[str, re.Pattern[str]]], re.Pattern[str]]:
    head = ""
    organs: list[tuple[str, str]] = []
    for r in read_table("condition_organs.csv"):
        if r["condition"] == "head":
            head = r["adjectives"]
        else:
            organs.append((r["condition"], r["adjectives"]))
    adj = "|".join(f"(?:{p})" for _, p in organs)
    intens = r"(?:(?:severe|significant|clinically significant|major|serious|uncontrolled|active|chronic|acute|concurrent|current|unstable|uncompensated|other|any|known|relevant|pre-?existing|underlying|and|or|and/or)\s+)*"
    one = rf"(?:{intens}(?:{adj}))"
    # two or more adjectives in a list, then the head noun
    # ... or after it, in brackets: "inflammatory disease (autoimmune or infectious)"
    rx = re.compile(
        rf"\b{one}(?:\s*(?:,|/|;)?\s*(?:and/or|or|and|,)?\s*{one})+\s*,?\s+(?:{head})\b"
        rf"|\b[\w-]+\s+(?:{head})\s*\(\s*{one}(?:\s*(?:,|/)?\s*(?:and/or|or|and|,)?\s*{one})+\s*\)",
        re.I,
    )
    word = re.compile(rf"\b(?:{adj})\b", re.I)
    return rx, [(c, re.compile(rf"^(?:{p})$", re.I)) for c, p in organs], word


_ORGAN_LIST, _ORGANS, _ORGAN_WORD = _organ_table()
# the organ adjectives that name a body system (not "medical", "psychiatric", "infectious"):
# "Significant cardiac, pulmonary, ... or autoimmune conditions that in the opinion of the
# investigator ..." is the investigator's judgment (extract_review)
_BODY_ORGANS = "|".join(
    f"(?:{r['adjectives']})"
    for r in read_table("condition_organs.csv")
    if r["condition"]
    not in ("head", "systemic_disease", "psychiatric_disorder", "active_infection")
)
_ORGAN_HEADS = (
    "disease",
    "disorder",
    "illness",
    "condition",
    "dysfunction",
    "impairment",
    "abnormalit",
    "morbidit",
    "patholog",
    "problem",
)
_ORGAN_PRE = re.compile("|".join(_ORGAN_HEADS))


def _organ_list(
    ctx: Ctx, taken: list[tuple[int, int]]
) -> tuple[list[Found], list[tuple[int, int]]]:
    """ "renal, hepatic, cardiac or psychiatric disease": one condition per organ adjective.

    Second value: lists that are only examples or a judged "condition" (no atoms there)."""
    t = ctx.text
    out: list[Found] = []
    skipped: list[tuple[int, int]] = []
    for m in _ORGAN_LIST.finditer(t):
        words = list(_ORGAN_WORD.finditer(t, m.start(), m.end()))
        if len(words) < 2:
            continue
        if _ORGAN_EG.search(t, max(0, m.start() - 15), m.start()) or any(
            e.start() <= m.start() < e.end() for e in _EG_PAREN.finditer(t)
        ):
            # "(e.g., unstable respiratory, cardiac, hepatic, or renal disease)": examples
            skipped.append(m.span())
            continue
        if re.search(r"(?:conditions?|problems?|circumstances?)\s*$", m.group(0), re.I) and (
            _GENERIC_THEN.search(t[m.end() :])
        ):
            # "medical or psychological condition that would not permit ...": the review's
            skipped.append(m.span())
            continue
        for k, w in enumerate(words):
            if any(x <= w.start() < y and (x, y) != w.span() for x, y in taken):
                continue
            ident = next((c for c, rx in _ORGANS if rx.match(w.group(0))), None)
            if ident is None:
                continue
            atom = ctx.mk(ConditionAtom, w.start(), w.end(), condition=ident)
            # the first adjective covers the intensifiers before it, the last one the head noun
            cover = []
            if k == 0:
                cover.append((m.start(), w.end()))
            if k == len(words) - 1:
                cover.append((w.start(), m.end()))
            out.append(Found(atom, w.start(), w.end(), priority=6, cover=cover))
    return out, skipped


_CLASS_BEFORE = re.compile(
    r"\b(?:nyha\s+)?(?:functional\s+)?class\s*(?P<c>iv|i{1,3}|[1-4])(?:\s*(?:-|to|or|and|/)\s*(?:iv|i{1,3}|[1-4]))?(?:\s*(?:or|and)\s*(?:higher|greater|above|worse))?\s*$",
    re.I,
)
_NYHA_REF = re.compile(
    r"\s*,?\s*(?:\(\s*)?(?:as\s+)?(?:defined|classified|graded|assessed)?\s*(?:by|according to|per|using)\s+(?:the\s+)?(?:new york heart association|nyha)(?:\s*\(nyha\))?(?:\s+(?:functional\s+)?(?:criteria|classification|class))?(?:\s*\))?",
    re.I,
)
_PAREN_REF = re.compile(
    r"\s*\((?:see\s+)?(?:appendix|section|table|attachment|annex)\s*[\w.-]{0,8}\)", re.I
)
# between two mentions of one condition: an abbreviation bracket or an example list
_SAME_AGAIN = re.compile(
    r"^\s*[(\[]\s*$|\b(?:including|includes|such as|e\.\s?g\.|eg\.?|for example|i\.\s?e\.|the following|like)\b",
    re.I,
)
_ORGAN_EG = re.compile(r"(?:e\.\s?g\.?|\beg\b|such as|for example)\s*[,:]?\s*$", re.I)
_ABSORB = re.compile(
    r"\b(?:alter\w*|affect\w*|interfere\w*\s+(?:significantly\s+)?with|impair\w*|compromis\w*|limit\w*|reduc\w*|prevent\w*)\s+(?:the\s+)?(?:\w+\s+){0,2}?(?:(?:or|and|and/or)\s+)?absorption",
    re.I,
)
_NOT_LIMITED = re.compile(
    r"\s*(?:\([^()]{0,40}\)\s*)?,?\s*(?:including|such as|includes)?,?\s*(?:but\s+)?not\s+limited\s+to\s*:?,?(?:\s*the following\s*:?)?",
    re.I,
)
_PERMIT_FOR = frozenset(
    {
        "autoimmune_disease",
        "other_malignancy",
        "immune_condition_requiring_steroids",
        "immunodeficiency",
    }
)
_PERMITTED = re.compile(
    r"(?:[.;(]|\bexcept\b|\bhowever\b)\s*\(?\s*(?:however,?\s*)?(?:(?:patients|subjects|participants|those|individuals)\s+)?(?:with|who have|having)\s+(?P<x>[^.;]{3,300}?)\s+"
    r"(?:are|is|will be|may be|can be)\s+(?:permitted|allowed|eligible|acceptable|not excluded)(?:\s+(?:for enrollment|to enroll|to participate|for the study))?\s*\)?"
    r"|(?:patients|subjects|participants)\s+(?:are|will be|may be)\s+(?:permitted|allowed|eligible)\s+(?:to\s+(?:enroll|participate)\s+)?if\s+they\s+have\s+(?P<x2>[^.;]{3,300})",
    re.I,
)
_MALIG_QUAL = re.compile(
    r"\b(?:other|another|second|secondary|prior|previous|history|concurrent|concomitant|additional|synchronous|metachronous|active|multiple|past|preceding|invasive|co-?existing|coexisting|simultaneous|known)\b[^,;.()]{0,40}$",
    re.I,
)
_MALIG_NOT = re.compile(
    r"\s*(?:therap\w*|treatment|drugs?|agents?|medications?|regimens?|surgery|trials?|types?|cells?|centers?|centres?)\b",
    re.I,
)


def _not_other_cancer(ctx: Ctx, a: int, b: int, text: str) -> bool:
    """A cancer word that is not another cancer: "cancer therapy", the trial's own
    "advanced malignancy" in an inclusion, "WHO classification of lymphoid malignancies"."""
    t = ctx.text
    if _MALIG_NOT.match(t, b):
        return True
    if re.search(r"(?:caused by|due to|secondary to|related to)\s+$", t[max(0, a - 20) : a], re.I):
        return True  # "obstruction caused by malignancy other than ovarian cancer": the cause
    bare = text.lower() in ("malignancy", "malignancies", "invasive cancer", "invasive cancers")
    if bare and not _MALIG_QUAL.search(t, max(0, a - 60), a):
        return ctx.kind == "inclusion" or bool(
            re.search(
                r"(?:lymphoid|myeloid|hematologic\w*|solid|caused by|due to)\s*$",
                t[max(0, a - 30) : a],
                re.I,
            )
        )
    return False


_NOT_A_CONDITION = re.compile(
    r"\bwith\s+[\w-]+(?:\s+[\w-]+)?\s+as\s+(?:a|the)\s+(?:major|main|predominant|prominent|leading)\s+symptom"
    r"|\bglobal initiative for chronic obstructive lung disease(?:\s*\(gold\))?"
    r"|\b(?:(?:nci|who|national cancer institute)\s+)?(?:common\s+)?toxicity\s+(?:criteria|scale|grading)s?\b(?:\s+for\s+adverse\s+(?:events|effects|reactions)\b)?"
    r"|\b(?:terminology\s+)?criteria\s+for\s+adverse\s+(?:events|effects|reactions)\b",
    re.I,
)
_AFTER_NOT_CONDITION = re.compile(
    r"\s*(?:\)\s*)?(?:prophyla\w+|premedication)\b|\s+(?:to|in)\s+(?:the\s+)?(?:fetus|foetus|unborn|embryo|(?:nursing|breast-?fed)\s+infants?)\b",
    re.I,
)
_INFECTION_WITH = re.compile(
    r"\s+(?:with|due to|caused by)\s+(?:the\s+)?(?:clostridi|c\.\s?diff|cmv|cytomegalo|hiv|human immunodeficiency|hepatitis|hbv|hcv|tubercul|sars|covid|syphilis|htlv)",
    re.I,
)
# the phrases of `systemic_disease` that mean "any illness" and hold nothing of their own when
# examples or an investigator's judgment follow ("any medical condition that would interfere",
# "significant medical conditions such as shock, sepsis"): the examples or the review hold it
_PERMIT_LIST = re.compile(
    r"(?:subjects|patients|participants)\s+with\s+the\s+following(?:\s+conditions)?\s+(?:will|are|may|shall)\s+(?:not\s+be\s+excluded|be\s+(?:eligible|allowed|permitted)|eligible|allowed|permitted)[^:.;]*:[^.;]*",
    re.I,
)
_PERMIT_SENTENCE = re.compile(
    r"[^.;]{0,80}?\b(?:is|are|will|may|shall|can)\s+(?:not\s+be\s+excluded|(?:be\s+)?(?:permitted|allowed|acceptable|eligible|not excluded))\b",
    re.I,
)
# "(eg, pulmonary, metabolic, or CNS disease)": organ classes named as examples
_EG_PAREN = re.compile(r"\(\s*(?:e\.\s?g\.?|eg\b|such as|for example)[^()]*\)", re.I)
# the same after a word that names no condition ("any other medical (eg, pulmonary, ...)")
_EG_PAREN_GENERIC = re.compile(
    r"\b(?:medical|other|any|significant|serious)\s*\(\s*(?:e\.\s?g\.?|eg\b|such as|for example)[^()]*\)",
    re.I,
)
_ORGAN_CLASSES = frozenset(
    r["condition"] for r in read_table("condition_organs.csv") if r["condition"] != "head"
) - {"active_infection"}
_WITH_SPECIFIC = re.compile(r"\s+with\s+(?:an?\s+|the\s+)?", re.I)
_CARDIAC_SPECIFIC = frozenset(
    {"heart_failure", "myocardial_infarction", "unstable_angina", "angina", "arrhythmia"}
)
_GENERIC_HEAD = re.compile(r"medical|condition|illness|sickness", re.I)
_GENERIC_THEN = re.compile(
    r"^[^.;]{0,80}?\b(?:that|which|who)\b[^.;]{0,80}?\b(?:would|could|might|may|will|can|is likely|are likely|likely)\b"
    r"|^[^.;]{0,40}?\b(?:in the (?:opinion|judge?ment|view)|deemed|judged|considered|precluding|preclude|interfer\w*|jeopardi\w*|compromis\w*)\b"
    r"|^\s*(?:,|\()?\s*(?:such as|e\.\s?g\.?|eg\b|for example|including|like)\b"
    r"|^[^.;]{0,20}?\brequir\w*\s+(?:the\s+)?(?:use\s+of\s+)?(?:immunosuppress|steroid|corticosteroid|glucocorticoid)",
    re.I,
)


_EXAMPLES_NEXT = re.compile(
    r"\s*(?:,|\()?\s*(?:including|such as|e\.\s?g\.?|eg\b|for example|like)\b", re.I
)


def _generic_condition(ctx: Ctx, text: str, b: int) -> bool:
    return bool(_GENERIC_HEAD.search(text)) and bool(_GENERIC_THEN.search(ctx.text[b:]))


_ADJ_TO_CONDITION = re.compile(
    r"[\s,]*(?:(?:or|and|and/or)\s+)?(?:[\w-]+\s+){0,2}?(?:conditions?|illness(?:es)?|problems?|circumstances?)\b",
    re.I,
)


def _generic_after_adjective(ctx: Ctx, b: int) -> bool:
    """ "psychiatric, or social condition deemed by the investigator to ...": a judged
    condition, not a psychiatric disorder of its own."""
    m = _ADJ_TO_CONDITION.match(ctx.text, b)
    return m is not None and bool(_GENERIC_THEN.search(ctx.text[m.end() :]))


# between two mentions of one condition in a row: a list joint and at most two words
_DUP_GAP = re.compile(
    r"[\s,()/]*(?:(?:or|and|and/or|from|due to|note:?)\s*)?[\s,()/]*(?:[\w-]+\s+){0,2}?", re.I
)
_STATUS_CHANGE = re.compile(r"\b(?:history|active|current|evidence|prior|previous|recent)\b", re.I)
_ABSORB_OBJ = re.compile(
    r"(?:\s+of\s+(?:the\s+)?(?:oral\s+)?(?:study\s+)?(?:drugs?|treatment|medications?|therapy|agents?))?",
    re.I,
)
_ABSORB_NAMED = re.compile(
    r"\s+of\s+(?:the\s+)?(?:oral\s+)?(?:study\s+|investigational\s+)?(?:drugs?|medications?|treatment|therapy|agents?|[A-Za-z][\w-]*\d[\w-]*|[a-z]+(?:mab|nib|lib|mus|lisib|parib|ciclib|stat|platin|taxel|tecan|rubicin|tide|mide))\b",
    re.I,
)
_SWALLOW_OBJ = re.compile(
    r"\s+(?:(?:and|or|and/or)\s+(?:to\s+)?retain\s+)?(?:the\s+|an?\s+)?(?:oral\s+)?(?:study\s+)?(?:[\w-]+\s+)?(?:capsules?|tablets?|pills?|medications?|drugs?)\b(?:\s+(?:or|and|and/or)\s+(?:capsules?|tablets?|pills?))?(?:\s+whole)?",
    re.I,
)
# words after a condition that only gloss it: "of any cause", "(watery stool)"
_GLOSS_AFTER = re.compile(
    r"(?:\s*(?:of|from|due to)\s+any\s+(?:cause|etiology|aetiology|origin)|\s*,?\s*whatever the cause|\s*,?\s*regardless of (?:the\s+)?(?:cause|etiology)"
    r"|\s*\(?\s*(?:unrelated|not\s+related)\s+to\s+(?:the\s+)?(?:tumou?r|cancer|malignancy|(?:underlying\s+|primary\s+)?disease)\s*\)?"
    r"|\s*\(\s*watery\s+stools?\s*\)|\s*\(\s*oxygen[\s-]+dependent\s*\)"
    r"|\s+(?:on|by|at)\s+(?:the\s+)?(?:(?:screening|baseline|pre-?treatment)\s+)?(?:(?:chest|thoracic|brain|abdominal|head)\s+)?"
    r"(?:computed\s+tomograph(?:y|ic)?|ct|hrct|mri|magnetic resonance imaging|x-?rays?|radiograph\w*|imaging|pet(?:/ct)?|ecgs?|ekgs?|electrocardiogra(?:m|ms|phy)(?:\s*\(\s*(?:ecg|ekg)\s*\))?)(?:\s*\(\s*(?:ct|mri|hrct)\s*\))?(?:\s+(?:scans?|imaging))?)+",
    re.I,
)
# "(defined as ongoing signs/symptoms related to the infection without improvement despite
# appropriate antibiotics ...)": the NCI definition of an uncontrolled infection
_INF_DEFINED = re.compile(
    r"\s*\(?\s*defined\s+as\s+(?:exhibiting\s+)?ongoing\s+signs\s*(?:/|and|or)\s*symptoms\s+related\s+to\s+the\s+infection\s+(?:and\s+)?without\s+improvement,?\s+despite\s+appropriate\s+antibiotics(?:\s*,\s*antiviral\s+therapy)?,?\s+(?:and/or\s+|or\s+)?(?:other\s+)?treatment\s*\)?",
    re.I,
)
_GLOSS_LATER = re.compile(
    r"[^.;]{0,30}?(?P<g>,?\s*whatever the cause|,?\s*regardless of (?:the\s+)?cause)", re.I
)
# "retention of body fluid (pleural effusion, ascites ...)": a lead-in to the effusions named
_FLUID_LEAD = re.compile(
    r"(?:retention of (?:body )?fluids?|(?:body )?fluid retention|(?:serous )?effusions?)\s*\(\s*$",
    re.I,
)
_KIND_LEAD = re.compile(
    r"(?:(?:viral|fungal|bacterial|parasitic|opportunistic|mycobacterial|protozoal)\s*(?:,\s*)?(?:/|and/or|or|and)?\s*)+(?:other\s+)?$",
    re.I,
)
_BECAUSE_AFTER = re.compile(r"[^.;]{0,40}?,?\s*because\s+[^.;]*", re.I)
_ABLE_TO = re.compile(r"(?<!un)(?<!in)\b(?:able|ability)\s+to\s+(?:swallow|take\s+oral)", re.I)
# "any condition that impairs (the patient's) ability to swallow": the ability is lost
_IMPAIRS_ABILITY = re.compile(
    r"\b(?:impair\w*|affect\w*|interfer\w*\s+with|compromis\w*|limit\w*|prevent\w*|reduc\w*|lack\s+of|loss\s+of)\s+(?:the\s+)?(?:(?:patient|subject|participant)(?:'s|s')?\s+|his\s+|her\s+|their\s+)?$",
    re.I,
)
_CNS_DISEASE = re.compile(
    r"(?:cns|central\s+nervous\s+system)(?:\s*[(\[]\s*cns\s*[)\]])?\s+diseases?", re.I
)
_CNS_LIST_GAP = re.compile(r"\s*(?:,|;|/)?\s*(?:(?:and/or|or|and)\s+)?(?:[\w-]+\s+){0,2}?", re.I)
_RESULTING = re.compile(
    r"\s*,?\s+(?:(?:that|which)\s+(?:results?|resulted)\s+in|resulting\s+in|leading\s+to|that\s+leads?\s+to)\s+(?:an?\s+|the\s+)?",
    re.I,
)
_CLASS_WITH_EXAMPLES = frozenset({"autoimmune_disease", "immune_condition_requiring_steroids"})
_EXAMPLE_LEAD = re.compile(
    r"[^.;()]{0,60}?(?P<k>\(?\s*\b(?:including|such as|e\.\s?g\.?|for example)(?:,?\s*but\s+not\s+limited\s+to)?(?:\s*the\s+following)?\s*:?)",
    re.I,
)
_EXAMPLE_STOP = re.compile(r"[;]|\.\s|\bexcept\b|\bother than\b", re.I)


# "pleural or pericardial effusion", "arterial or venous thrombosis", "gastric or duodenal
# ulcer": a word before a condition phrase, joined by or/and/slash/comma, that makes a known
# phrase of its own with the phrase's head ("pleural effusion"). Only a whole known phrase is
# read, so "lung or pericardial effusion" gives no lung atom. (eligibility-texts.csv: 48 texts
# with pleural/pericardial/peritoneal effusion pairs, 22 arterial/venous thrombosis pairs, 11
# gastric/duodenal ulcer)
_SHARED_LEAD = re.compile(
    r"(?<![\w-])(?P<w>[A-Za-z][\w-]*)\s*(?:,\s*(?:and/or\s+|or\s+|and\s+)?|/\s*|\band/or\s+|\bor\s+|\band\s+)$",
    re.I,
)


def _shared_heads(t: str, matches: list[PhraseMatch]) -> list[PhraseMatch]:
    """`matches` plus one match per word that shares the head of the phrase after it."""
    cond = vocab().condition
    extra: list[PhraseMatch] = []
    spans = [(q.start, q.end) for q in matches]
    out: list[PhraseMatch] = []
    for q in matches:
        parts = re.split(r"\s+", q.text.strip(), maxsplit=1)
        if len(parts) < 2:
            out.append(q)
            continue
        head, at, start = parts[1], q.start, q.start
        for _ in range(3):  # "pleural, pericardial or peritoneal effusion"
            lm = _SHARED_LEAD.search(t, max(0, at - 40), at)
            if lm is None or any(x < lm.end("w") and lm.start("w") < y for x, y in spans):
                break
            ident = cond.lookup(f"{lm.group('w')} {head}")
            if ident is None:
                break
            if ident == q.id:
                # "prior or concurrent malignancy", "bacterial or fungal infection": one
                # condition named twice; the phrase takes the word in
                start = lm.start("w")
            else:
                extra.append(PhraseMatch(ident, lm.start("w"), lm.end("w"), lm.group("w")))
            at = lm.start("w")
        out.append(q if start == q.start else PhraseMatch(q.id, start, q.end, t[start : q.end]))
    if not extra and all(x is y for x, y in zip(out, matches, strict=True)):
        return matches
    return sorted([*out, *extra], key=lambda q: q.start)


# "Prior malignancy ... unless disease free for at least five years", "unless the subject has
# been free of disease for > 1 year" (eligibility-texts.csv: 39 texts with the cue before the
# phrase, 20 checked): the cue's clause is "no other cancer within N years", so the clause gets
# NOT(other_malignancy within N): in an exclusion "X unless Y" reads X AND NOT Y (logic.py),
# here X AND other cancer within N years; in an inclusion "No X unless Y" reads NOT X OR Y.
_FREE_FOR = re.compile(
    r"(?:(?:the\s+)?(?:patient|subject|participant)s?\s+)?(?:(?:has|have|had)\s+been\s+|(?:is|are|was|were)\s+|(?:must\s+)?be\s+)?(?:continuously\s+)?"
    r"(?P<free>disease[\s-]*free|free\s+(?:of|from)\s+(?:the\s+|that\s+|any\s+)?(?:disease|cancer|malignancy))"
    r"\s+(?:for\s+)?(?:(?P<cmp>"
    + CMP
    + r")\s*)?(?:a\s+(?:minimum\s+)?(?:period\s+)?of\s+)?(?P<v>"
    + WNUM
    + r")\s*(?P<u>years?|months?)\b(?:\s+or\s+(?:more|longer|greater))?",
    re.I,
)


def _disease_free(ctx: Ctx, b: int) -> Found | None:
    """NOT(other_malignancy within N) for "unless disease free for N years" after the atom
    ending at `b`, only where logic.py makes the phrase the cue's clause."""
    from trialscout.criteria import logic  # (logic imports the extractors' package)

    t = ctx.text
    cue = logic._CUE.search(t)
    if cue is None or cue.start() < b or cue.start() - b > 120:
        return None
    end = logic._clause_end(t, cue.end(), len(t))
    m = _FREE_FOR.search(t, cue.end(), end)
    if m is None or m.start() - cue.end() > 40 or m.end() > end:
        return None
    if m.group("cmp") and comparator(m.group("cmp")) not in (">", ">="):
        return None  # "a disease-free period of less than 5 years": another reading
    days = to_days(number(m.group("v")), m.group("u"))
    inner = ctx.mk(
        ConditionAtom, m.start(), m.end(), condition="other_malignancy", within_days=days
    )
    return Found(ctx.mk(NotNode, m.start(), m.end(), arg=inner), m.start(), m.end(), priority=6)


# "diseases that could affect the absorption of oral medication", "any condition which may
# interfere with the absorption of study drug", "prior surgical procedures that may alter
# absorption" (eligibility-texts.csv: 126 texts, 20 checked): what the text names is impaired
# absorption (gi_malabsorption, as "GI disease that may significantly alter absorption"), a
# fact, not only the investigator's judgment; the review cue of "could affect" is not read there.
_ABSORB_CLAUSE = re.compile(
    r"\b(?P<h>(?:diseases?|conditions?|disorders?|abnormalit(?:y|ies)|illness(?:es)?|syndromes?|procedures?|surgery|surgeries|resections?))"
    r"\s*(?:\([^()]{0,40}\)\s*)?,?\s*(?:that|which)\s+(?:could|may|might|would|will|can|(?:is|are)\s+likely\s+to)\s+(?:potentially\s+|significantly\s+)?"
    r"(?P<v>affect|interfere\s+(?:significantly\s+)?with|alter|impair|limit|compromise|prevent|modify|reduce|decrease)\s+(?:the\s+)?(?:oral\s+|gastrointestinal\s+|gi\s+)?(?:absorption|resorption)",
    re.I,
)
_ABSORB_LEAD = re.compile(
    r"(?:(?:any|other|known|significant|clinically\s+significant|serious|severe|active|chronic|medical|underlying|concurrent|prior|previous|surgical|"
    + _ORGAN_WORD.pattern
    + r")\s*,?\s*(?:or\s+|and\s+|and/or\s+)?)+$",
    re.I,
)
_ABSORB_EXAMPLES = re.compile(
    r"\s*\((?:e\.\s?g\.?,?|eg,?|such as|including|i\.\s?e\.,?)?[^()]{0,120}\)"
)
_MODAL = re.compile(r"(?:could|may|might|would|will|can|(?:is|are)\s+likely\s+to)\b", re.I)
_ABSORB_VERB = re.compile(
    r"\s+(?:potentially\s+|significantly\s+)?(?:affect|interfere\s+(?:significantly\s+)?with|alter|impair|limit|compromise|prevent|modify|reduce|decrease)\s+(?:the\s+)?(?:oral\s+|gastrointestinal\s+|gi\s+)?(?:absorption|resorption)",
    re.I,
)


def _absorption_clauses(
    ctx: Ctx, matches: list[PhraseMatch]
) -> tuple[list[Found], list[tuple[int, int]]]:
    """gi_malabsorption for "<disease|condition|procedure> that may affect absorption";
    second value: the spans read (no other condition atom inside)."""
    t = ctx.text
    out: list[Found] = []
    spans: list[tuple[int, int]] = []
    for m in _ABSORB_CLAUSE.finditer(t):
        a, b = m.start("h"), m.end()
        lead = _ABSORB_LEAD.search(t, max(0, a - 80), a)
        a0 = lead.start() if lead else a
        if any(
            a0 <= q.start < m.start("v")
            and q.id in ("gi_disease", "gi_malabsorption", "inflammatory_bowel_disease")
            for q in matches
        ):
            continue  # "GI disease that may alter absorption": that atom's reading
        ob = _ABSORB_NAMED.match(t, b)
        end = ob.end() if ob else b
        eg = _ABSORB_EXAMPLES.match(t, end)
        if eg:
            end = eg.end()  # "(malabsorption syndrome, active peptic ulcer)": its examples
        atom = ctx.mk(ConditionAtom, a, b, condition="gi_malabsorption")
        out.append(Found(atom, a, b, priority=7, cover=[(a0, end)]))
        spans.append((a0, end))
    return out, spans


@needs_derived(
    derived_gate([*vocab().condition.keywords, *_ORGAN_HEADS, "nyha", "heart association"])
)
def extract_conditions(ctx: Ctx) -> list[Found]:
    t = ctx.text
    v = vocab()
    out: list[Found] = []
    matches = _shared_heads(t, v.condition.find(t))
    seen_permit: set[str] = set()
    last_by_id: dict[str, Found] = {}
    # regions whose condition words are not conditions of their own: an exception list,
    # the examples of an autoimmune class, "with diarrhea as a major symptom", a
    # classification's name ("Global Initiative for Chronic Obstructive Lung Disease")
    skip: list[tuple[int, int]] = [(m.start(), m.end()) for m in _NOT_A_CONDITION.finditer(t)]
    if skip:
        # (not a condition: not the next term either, so a grade after the term reaches on)
        matches = [q for q in matches if not any(x <= q.start < y for x, y in skip)]
    if _ORGAN_PRE.search(ctx.low):
        out, skipped = _organ_list(ctx, [(q.start, q.end) for q in matches])
        skip.extend(skipped)
        # "bleeding, or coagulation disorders": the list's reading of a bare adjective wins
        organ_spans = {(f.start, f.end) for f in out}
        matches = [q for q in matches if (q.start, q.end) not in organ_spans]
    if "absor" in ctx.low:
        ab_out, ab_spans = _absorption_clauses(ctx, matches)
        out.extend(ab_out)
        skip.extend(ab_spans)
    prev_found: Found | None = None
    pending_cover: list[tuple[int, int]] = []
    permit_lists = [(m.start(), m.end()) for m in _PERMIT_LIST.finditer(t)]
    eg_parens = [m.span() for m in _EG_PAREN_GENERIC.finditer(t)] if "(" in t else []
    for pm in matches:
        a, b = pm.start, pm.end
        ident = pm.id
        extra_cover: list[tuple[int, int]] = []
        if any(x <= a < y for x, y in skip):
            continue
        if ident == "other_malignancy" and _not_other_cancer(ctx, a, b, pm.text):
            continue
        if ident not in last_by_id and (
            _TOPIC_AFTER.match(t, b) or _TOPIC_BEFORE.search(t, max(0, a - 60), a)
        ):
            continue  # "a trial in the COPD network": the topic, not the patient's condition
        if ident == "active_infection" and _EXCEPTED_OBJ.search(t, max(0, a - 60), a):
            continue  # "diseases other than HIV infection": the infection is the one excepted
        nq = _NON_QUAL.search(t, max(0, a - 30), a) if "non" in ctx.low else None
        if nq and not _NON_KEEP.match(nq.group("q")) and ident != "other_malignancy":
            # "nonatherosclerotic stroke": not any stroke; for a person to read
            out.append(Found(ctx.mk(UnparsedAtom, nq.start(), b), nq.start(), b, priority=6))
            continue
        ident_status_uncontrolled = bool(nq and nq.group("q").lower() == "controlled")
        if nq and nq.group("q").lower() not in ("or", "and"):
            extra_cover.append((nq.start(), a))  # "non-breast malignancy": the atom's words
        if _AFTER_NOT_CONDITION.match(t, b):
            continue  # "contrast allergy prophylaxis", "toxicity to the fetus"
        if ident == "active_infection" and _INFECTION_WITH.match(t, b):
            continue  # "active infections with Clostridium difficile": the infection atom
        if ident == "gi_disease":
            ab = _ABSORB.search(t, b, min(len(t), b + 90))
            if ab and not re.search(r"[;.]", t[b : ab.start()]):
                ident = "gi_malabsorption"  # "GI disease that may significantly alter absorption"
                ob = _ABSORB_OBJ.match(t, ab.end())
                extra_cover.append((b, ob.end() if ob else ab.end()))
        if ident == "cardiovascular_disease":
            wm_ = _WITH_SPECIFIC.match(t, b)
            if wm_ and any(
                q.id in _CARDIAC_SPECIFIC and wm_.end() <= q.start <= wm_.end() + 60
                for q in matches
            ):
                # "History of cardiac disease with a NYHA class II or greater CHF, MI ...": the
                # named conditions are the criterion; the head is their lead-in
                pending_cover.append((a, wm_.end()))
                continue
        if ident == "neurological_disease" and _CNS_DISEASE.fullmatch(pm.text):
            nxt_q = next((q for q in matches if q.start >= b), None)
            in_list = (
                prev_found is not None
                and isinstance(prev_found.expr, ConditionAtom)
                and bool(_CNS_LIST_GAP.fullmatch(t[prev_found.end : a]))
            ) or (nxt_q is not None and bool(_CNS_LIST_GAP.fullmatch(t[b : nxt_q.start])))
            if not in_list:
                # "Known CNS disease", "active central nervous system disease and/or
                # carcinomatous meningitis": in an oncology trial mostly the tumour in the CNS,
                # not a neurological illness; read either way it could exclude patients the
                # trial accepts, so it is left for a person (unparsed). In a list of organ
                # diseases ("cardiovascular disease, CNS disease, hepatic disease") it is one.
                out.append(Found(ctx.mk(UnparsedAtom, a, b), a, b, priority=6))
                continue
        if ident in _ORGAN_CLASSES or ident == "systemic_disease":
            rm = _RESULTING.match(t, b)
            if rm and any(q.start == rm.end() for q in matches):
                # "Gastrointestinal tract disease resulting in an inability to take oral
                # medication": the consequence named is the criterion, the disease its lead-in
                # (any GI disease would exclude more patients than the trial does)
                pending_cover.append((a, rm.end()))
                continue
        if ident == "systemic_disease" and _generic_condition(ctx, pm.text, b):
            if _EXAMPLES_NEXT.match(t, b):
                # "Uncontrolled intercurrent illness including, but not limited to, ongoing
                # infection, ...": the head only leads in to the conditions listed, whose
                # atoms hold it (as "Significant medical conditions such as shock ...")
                sl = _STATUS_LEAD.search(t, max(0, a - 45), a)
                pending_cover.append((sl.start() if sl else a, b))
            continue  # "any medical condition that would interfere ...": the review atom's
        last = last_by_id.get(ident)
        perm = _PERMIT_SENTENCE.match(t, b)
        target = last or prev_found
        if (
            perm
            and target is not None
            and isinstance(target.expr, ConditionAtom)
            and re.search(r"[.;]\s+(?:[\w-]+\s+){0,3}$", t[target.end : a])
        ):
            # "History of pneumonitis ... . History of radiation pneumonitis in the radiation
            # field is permitted": an exception to the condition before
            target.expr.exceptions.append(pm.text.lower())
            sent = t.rfind(".", 0, a)
            target.cover.append((sent + 1 if sent >= 0 else a, perm.end()))
            continue
        pl = next((r for r in permit_lists if r[0] <= a < r[1]), None)
        if pl is not None and prev_found is not None and isinstance(prev_found.expr, ConditionAtom):
            # "Subjects with the following conditions will not be excluded: asthma ...,
            # hypothyroidism stable on hormone replacement": exceptions to the one before
            prev_found.expr.exceptions.append(pm.text.lower())
            prev_found.cover.append(pl)
            continue
        if ident in _ORGAN_CLASSES and any(x <= a < y for x, y in eg_parens):
            continue
        if _ORGAN_WORD.fullmatch(pm.text) and _generic_after_adjective(ctx, b):
            continue  # "psychiatric, or social condition deemed by the investigator ..."
        if last is not None and last.end <= a and _SAME_AGAIN.search(t[last.end : a]):
            # "congestive heart failure (CHF)", "autoimmune disease ... including rheumatoid
            # arthritis, lupus": the same condition again, as an abbreviation or an example
            sl = _STATUS_LEAD.search(t, max(last.end, a - 45), a)
            last.cover.append((sl.start() if sl else a, b))
            continue
        if (
            last is not None
            and last is prev_found
            and last.end <= a
            and _DUP_GAP.fullmatch(t[last.end : a])
            and not re.fullmatch(r"\s*,\s*", t[last.end : a])
            and not _STATUS_CHANGE.search(t[last.end : a])
        ) or (
            ident == "systemic_disease"
            and last is not None
            and not re.search(r"[.;]", t[last.end : a])
        ):
            # "psychiatric disease or psychotic symptoms", "supraventricular arrhythmia or
            # ventricular arrhythmia": one condition named twice in a row is one atom
            last.cover.append((last.end if last is prev_found else a, b))
            sysd = _SYSTEMIC.match(t, b + len(t[b:]) - len(t[b:].lstrip()))
            if sysd and isinstance(last.expr, ConditionAtom):
                # "... or ventricular arrhythmia requiring treatment or intervention": both
                last.expr.requires_systemic_treatment = True
                last.cover.append((b, sysd.end()))
            continue
        if (
            last is not None
            and len(pm.text) <= 6
            and last.end <= a
            and re.fullmatch(r"[^.;,()]{0,30}\(\s*", t[last.end : a])
        ):
            last.cover.append((a, b))  # "Congestive heart failure class III/IV (CHF)"
            continue
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
        cover: list[tuple[int, int]] = list(extra_cover)
        low_b = before.lower()
        if (
            ident_status_uncontrolled
            or _UNCONTROLLED_B.search(low_b)
            or _UNCONTROLLED_A.search(after)
        ):
            fields["status"] = "uncontrolled"
        elif _ACTIVE_B.search(low_b):
            fields["status"] = "active"
        elif _HISTORY_B.search(low_b):
            fields["status"] = "history"
        if (
            "status" not in fields
            and prev_found is not None
            and isinstance(prev_found.expr, ConditionAtom)
            and prev_found.expr.status in ("history", "active")
            and re.fullmatch(r"\s*,?\s*(?:or|and|and/or)\s*", t[prev_found.end : a])
        ):
            # "History of interstitial pneumonitis or pulmonary fibrosis": one status for both
            fields["status"] = prev_found.expr.status
        lead = _STATUS_LEAD.search(before)
        if lead:
            cover.append((before_start + lead.start(), a))
        ctrl = _CTRL_AFTER.match(t, b)
        if ctrl and ctrl.end() <= (after_lim if after_lim > b else len(t)):
            cover.append((b, ctrl.end()))
        if ident == "angina" and "unstable" in pm.text.lower():
            fields["status"] = "uncontrolled"
        for rx_src, where, off in ((before, "before", before_start), (after, "after", b)):
            gm = None
            for g in _GRADE.finditer(rx_src):
                gm = g
            if gm is not None and where == "after":
                pre = rx_src[: gm.start()]
                gl0 = _GLOSS_AFTER.match(pre)  # "neuropathy from any cause in excess of Grade 1"
                if gl0:
                    pre = pre[gl0.end() :]
                if len(pre) > 15 or _LIST_WORD.search(pre):
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
        comma = max(t.rfind(",", 0, a), t.rfind(";", 0, a), prev_end, a - 70, 0)
        nm = _NYHA.search(t[comma:after_lim])
        before_start_n = comma
        if nm and ident in ("heart_failure", "cardiovascular_disease", "angina", "arrhythmia"):
            cls = nm.group("c") or nm.group("c2")
            n = _grade(cls)
            c = nm.group("cmp") or nm.group("cmp2") or nm.group("cmp3")
            if c and comparator(c) == ">":
                n += 1
            fields["nyha_min"] = n
            cover.append((before_start_n + nm.start(), before_start_n + nm.end()))
            if (
                ident == "cardiovascular_disease"
                and before_start_n + nm.start() >= b
                and not any(q.id == "heart_failure" for q in matches)
            ):
                ident = "heart_failure"  # "cardiac disease (NYHA stadium > 2)": NYHA grades failure
        elif ident in ("heart_failure", "cardiovascular_disease"):
            cb = _CLASS_BEFORE.search(t, max(0, a - 40), a)
            if cb:
                fields["nyha_min"] = _grade(cb.group("c"))
                cover.append((cb.start(), a))
        if ident in ("heart_failure", "cardiovascular_disease", "angina", "arrhythmia"):
            ref = _NYHA_REF.match(t, b)
            if ref:
                cover.append((b, ref.end()))
        pref = _PAREN_REF.match(t, b)
        if pref:
            cover.append((b, pref.end()))
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
        em = _EXCEPT.search(t, b, clause_end)
        if em and any(
            b <= q.start < em.start()
            and (
                q.id == pm.id
                or (
                    re.search(r",|;|\bor\b|\band\b", t[b : q.start])
                    and not _EXC_EXAMPLES.search(t[b : q.start])
                )
            )
            for q in matches
        ):
            # "X or history of X ..., except ...", "requirement for oxygen therapy, active
            # infection other than ...": the exception is the later one's
            em = None
        if (
            em
            and em.group(0).lower().lstrip(" ,(").startswith("in addition")
            and not re.search(r"\b(?:another|other)\b", t[max(0, a - 30) : a], re.I)
        ):
            em = None  # "in addition to" is an exception only after "another (form of) X"
        if em and (em.start() - b) < 260 and ident not in ("drug_hypersensitivity",):
            exc_end = _exception_end(ctx, em, ident, matches, prev_found, a)
            fields["exceptions"] = _exceptions(t[em.start("x") : exc_end])
            cover.append((em.start(), exc_end))
            skip.append((em.start(), exc_end))
        elif ident in _PERMIT_FOR and not any(ident2 in _PERMIT_FOR for ident2 in seen_permit):
            # "Active autoimmune disease. Patients with vitiligo or type I diabetes are permitted."
            pm2 = _PERMITTED.search(t, b)
            if pm2 and pm2.start() - b < 160:
                fields["exceptions"] = _exceptions(pm2.group("x") or pm2.group("x2"))
                cover.append((pm2.start(), pm2.end()))
                seen_permit.add(ident)
        if ident == "drug_hypersensitivity":
            hm = _TO_CLAUSE_END.match(t[b:])
            if hm:
                cover.append((b, b + hm.end()))
        nl = _NOT_LIMITED.match(t, b)
        if nl:
            cover.append((b, nl.end()))
        tm = _TIME_OF.search(t, b, clause_end)
        if tm and tm.start() - b < 120:
            cover.append((tm.start(), tm.end()))
        gl = _GLOSS_AFTER.match(t, b)
        if gl:
            cover.append((b, gl.end()))
        else:
            gl2 = _GLOSS_LATER.match(t, b)
            if gl2:
                cover.append(
                    (gl2.start("g"), gl2.end())
                )  # "neuropathy > grade 2 whatever the cause"
        fl = _FLUID_LEAD.search(t, max(0, a - 40), a) or (
            _KIND_LEAD.search(t, max(0, a - 60), a) if ident == "active_infection" else None
        )
        if fl:
            cover.append((fl.start(), a))
        if ident == "gi_malabsorption" and pm.text.lower().endswith("absorption"):
            ob = _ABSORB_NAMED.match(t, b)
            if ob:
                cover.append((b, ob.end()))  # "alter the absorption of RAD001": what is absorbed
        if ident == "active_infection":
            idf = _INF_DEFINED.search(t, b, clause_end)
            if idf and idf.start() - b < 40:
                cover.append((b, idf.end()))
                skip.append(idf.span())  # "related to the infection": not a second one
        bc = _BECAUSE_AFTER.match(t, b)
        if bc:
            cover.append((b, bc.end()))  # "..., because sonazoid contains egg": the reason
        if ident == "dysphagia":
            sw = _SWALLOW_OBJ.match(t, b)
            if sw:
                cover.append((b, sw.end()))
        if ident in _CLASS_WITH_EXAMPLES:
            ex = _EXAMPLE_LEAD.match(t, b)
            if ex:
                stop = (
                    re.compile(r"\)").search(t, ex.end())
                    if ex.group("k").startswith("(")
                    else _EXAMPLE_STOP.search(t, ex.end())
                )
                skip.append((ex.start("k"), stop.start() if stop else len(t)))
        end = max([b, *[e for s, e in cover if s >= a]])
        # keep exceptions out of the main span so other atoms don't read them
        atom: Expr = ctx.mk(ConditionAtom, a, b, condition=ident, **fields)
        if ident == "organ_dysfunction" and not fields:
            # "severe organ dysfunction": which organ and what limit are not said, nothing an
            # atom can hold (docs/criteria-gold.md `unparsed`): unknown, for a person to read
            atom = ctx.mk(UnparsedAtom, a, b)
        if ident == "dysphagia" and _ABLE_TO.search(t, max(0, a - 25), b):
            imp = _IMPAIRS_ABILITY.search(t, max(0, a - 60), a)
            if imp:
                # "any condition that impairs patient's ability to swallow whole pills"
                cover.append((imp.start(), a))
            else:
                # "Able to swallow pills" (inclusion): the patient must NOT have dysphagia
                atom = ctx.mk(NotNode, a, b, arg=atom)
        # an example named in "(eg, ...)" keeps its atom inside a judged clause ("any medical
        # condition (eg, active systemic infection) that is likely to interfere")
        pr = 10 if any(e.start() <= a < e.end() for e in _EG_PAREN.finditer(t, 0, b + 1)) else 6
        out.append(Found(atom, a, b, priority=pr, cover=[*cover, *pending_cover, (a, end)]))
        pending_cover = []
        if ident == "other_malignancy" and "free" in ctx.low:
            free = _disease_free(ctx, b)
            if free is not None:
                out.append(free)
        last_by_id[ident] = out[-1]
        prev_found = out[-1]
    # "New York Heart Association class III or IV" with no heart term: heart failure class
    if "heart" in ctx.low or "nyha" in ctx.low:
        for nm in _NYHA.finditer(t):
            cls = nm.group("c") or nm.group("c2")
            if cls is None or any(x <= nm.start() < y for f in out for x, y in f.regions()):
                continue
            if nm.group("c") is None and any(
                isinstance(f.expr, ConditionAtom) and f.expr.condition == "heart_failure"
                for f in out
            ):
                continue  # "heart failure class III/IV (CHF) per NYHA": that atom's class
            n = _grade(cls)
            c = nm.group("cmp") or nm.group("cmp3") or nm.group("cmp2")
            if c and comparator(c) == ">":
                n += 1
            atom = ctx.mk(
                ConditionAtom, nm.start(), nm.end(), condition="heart_failure", nyha_min=n
            )
            out.append(Found(atom, nm.start(), nm.end(), priority=6))
    return out


# ------------------------------------------------------------------ measurements

_QTC = re.compile(
    r"\b(?:qtc[fb]?|qt\s*c|corrected qt|qt interval corrected|qt)(?:\s*\(\s*qtc[fb]?\s*\))?(?:\s*interval)?",
    re.I,
)
_MS = r"(?:\s*(?:ms|msecs?|milli-?seconds?)(?:\s*\(\s*msecs?\s*\))?)?"
_QTC_SEX_AFTER = re.compile(
    r"[^\d;]{0,60}?(?P<c1>"
    + CMP
    + r")\s*(?P<v1>\d{3})"
    + _MS
    + r"\s*(?:for|in)\s*(?:the\s*)?(?P<s1>males?|men|females?|women)"
    r"\s*(?:,|;|and|or|/)?\s*(?:(?P<c2>"
    + CMP
    + r")\s*)?(?P<v2>\d{3})"
    + _MS
    + r"\s*(?:for|in)\s*(?:the\s*)?(?P<s2>males?|men|females?|women)",
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


def _measure_table() -> tuple[list[tuple[str, str | None]], re.Pattern[str], re.Pattern[str]]:
    """Measurement names/units and qualifier phrases from data/criteria/measurements.csv."""
    names: list[tuple[str, str | None]] = []
    pats: list[str] = []
    quals: list[str] = []
    devices: list[str] = []
    for r in read_table("measurements.csv"):
        if r["kind"] == "measure":
            names.append((r["name"], r["unit"] or None))
            pats.append(r["pattern"])
        elif r["kind"] == "qualifier":
            quals.append(r["pattern"])
        elif r["kind"] == "device":
            devices.append(r["pattern"])
    device = "(?:" + "|".join(f"(?:{d})" for d in devices) + ")"
    quals = [q.replace("{device}", device) for q in quals]
    name_rx = re.compile("|".join(f"(?P<n{i}>{p})" for i, p in enumerate(pats)), re.I)
    qual_rx = re.compile(
        r"\s*(?:\(\s*(?:ms|msecs?|%|percent)\s*\)\s*)?\)?\s*(?:(?:documented|measured|confirmed|obtained|recorded|taken|assessed)\s+)?(?:"
        + "|".join(f"(?:{q})" for q in quals)
        + r")",
        re.I,
    )
    return names, name_rx, qual_rx


_M_NAMES, _M_RX, _M_QUAL = _measure_table()
# literals every spelling in measurements.csv (and a bare "150/90 mm Hg") contains; keep in step
_M_GATE = (
    "qt",
    "ejection",
    "lvef",
    "lv ef",
    "bmi",
    "body mass",
    "weight",
    "height",
    "saturation",
    "spo2",
    "sp o2",
    "sao2",
    "sa o2",
    "oximetry",
    "fev",
    "expiratory",
    "fvc",
    "vital capacity",
    "dlco",
    "diffusi",
    "systolic",
    "diastolic",
    "pressure",
    "bp",
    "temperature",
    "fever",
    "heart rate",
    "pulse",
    "doubling",
    "psadt",
    "breslow",
    "mitotic",
    "pugh",
    "shortening",
    "hg",
    "mercury",
    "lymph",
    "lesion",
    "marrow",
    "skin",
    "bsa",
    "body surface",
    "involv",
    "sites",
    "organ",
    "parenchym",
    "liver",
)
_M_UNIT = (
    r"ms(?:ec)?s?\b|milli-?seconds?|%|percent|kg\s*/\s*m\s*(?:\^?\s*2|²)|kg\b|mm\s*hg|°\s*c\b|℃|degrees?\s*(?:celsius|c\b)"
    r"|millimet(?:er|re)s?\s*of\s*mercury(?:\s*\(\s*mm\s*hg\s*\))?|°\s*f\b|bpm|beats?\s*(?:per|/)\s*min(?:ute)?|/\s*min\b|months?|mm\s*(?:\^?\s*2|²)|/\s*mm\s*(?:\^?\s*2|²)|mm\b|cm\b|points?|(?:liters?|litres?|l)\b|f\b"
)
_M_LIMIT = re.compile(
    r"(?P<cmp>" + CMP + r")\s*(?:\(\s*(?:>=|<=|>|<)\s*\)\s*)?(?P<v>" + NUM + r")"
    r"(?:\s*/\s*(?P<vd>\d{2,3})(?!\d))?\s*(?P<u>" + _M_UNIT + r")?"
    r"(?P<post>\s*(?:or|and)\s*(?:higher|greater|above|more|less|lower|below))?",
    re.I,
)
_M_LIMIT2 = re.compile(
    r"\s*(?P<op>or|and)\s*(?P<cmp>" + CMP + r")\s*(?P<v>" + NUM + r")\s*(?P<u>" + _M_UNIT + r")?",
    re.I,
)
_M_RANGE = re.compile(
    r"(?:between\s*|from\s*|of\s*|range\s*(?:of\s*)?)?(?P<v1>"
    + NUM
    + r")\s*(?:-|–|to|and)\s*(?P<v2>"
    + NUM
    + r")\s*(?P<u>"
    + _M_UNIT
    + r")",
    re.I,
)
_M_FILL_BAD = re.compile(
    r"\b(?:days?|weeks?|months?|years?|within|grade|loss|gain|reduction|decrease|increase|decline|drop|prior|since|improve\w*|change)\b|\.\s",
    re.I,
)
_M_LIST_GAP = re.compile(r"^\s*(?:\([^()]{1,25}\))?\s*(?:,|/|and/or|and|or)\s*(?:the\s+)?$", re.I)
_BP_PAIR = re.compile(
    r"(?P<cmp>" + CMP + r")?\s*(?P<vs>\d{2,3})\s*/\s*(?P<vd>\d{2,3})\s*(?:mm\s*hg)"
    r"(?P<post>\s*(?:or|and)\s*(?:higher|greater|above|more))?",
    re.I,
)
_BP_AFTER = re.compile(
    r"(?P<cmp>" + CMP + r")\s*(?P<v>\d{2,3})\s*mm\s*hg\s*(?P<n>systolic|diastolic)\b", re.I
)
_CP_CLASS = re.compile(
    r"\s*(?:(?:class|grade|score|stage)\s*)?(?:of\s*)?(?P<c>[abc]\d{0,2})\b(?:\s*(?:\(\s*\d+\s*(?:-|–|to)\s*\d+\s*points?\s*\)))?"
    r"(?:\s*(?:,|or|and|/|-|to|and/or)\s*(?P<c2>[abc]\d{0,2})\b)?",
    re.I,
)
_CP_BOUNDS = {"a": (5, 6), "b": (7, 9), "c": (10, 15)}
_UNITS_OUT = {
    "msec": "ms",
    "msecs": "ms",
    "ms": "ms",
    "millisecond": "ms",
    "milliseconds": "ms",
    "percent": "%",
    "mmhg": "mm[Hg]",
    "°c": "Cel",
    "℃": "Cel",
    "°f": "[degF]",
    "f": "[degF]",
    "bpm": "/min",
    "month": "months",
    "months": "months",
    "point": None,
    "points": None,
}


def _m_unit(u: str | None, default: str | None) -> str | None:
    if not u:
        return default
    k = re.sub(r"\s+", "", u.lower())
    if k.startswith("kg/m"):
        return "kg/m2"
    if k.startswith("degree"):
        return "Cel"
    if k.startswith("beat") or k == "/min":
        return "/min"
    if k.startswith("/mm") or k in ("mm2", "mm^2", "mm²"):
        return "/mm2"
    if k.startswith("millimet") or k == "mmhg":
        return "mm[Hg]"
    if k.startswith("milli"):
        return "ms"
    if k in ("l", "liter", "liters", "litre", "litres"):
        return "L"
    return _UNITS_OUT.get(k, u)


def _child_pugh(ctx: Ctx, m: re.Match[str]) -> Found | None:
    """Child-Pugh class letters (A = 5-6, B = 7-9, C = 10-15 points) or a score limit."""
    t = ctx.text
    cm = _CP_CLASS.match(t, m.end())
    if not cm:
        return None
    letters = [x.lower() for x in (cm.group("c"), cm.group("c2")) if x]
    lo, hi = 15, 5
    for x in letters:
        if len(x) > 1:
            v = int(x[1:])
            if not 5 <= v <= 15:
                return None
            lo, hi = min(lo, v), max(hi, v)
        else:
            lo, hi = min(lo, _CP_BOUNDS[x[0]][0]), max(hi, _CP_BOUNDS[x[0]][1])
    end = cm.end()
    post = re.match(r"\s*\(?\s*(?:or|and)\s*(?:better|less|lower|below)\s*\)?", t[end:], re.I)
    if post:
        lo, end = 5, end + post.end()
    post = re.match(
        r"\s*\(?\s*(?:or|and)\s*(?:worse|higher|greater|above|more)\s*\)?", t[end:], re.I
    )
    if post:
        hi, end = 15, end + post.end()
    a = m.start()
    atoms = []
    if lo > 5:
        atoms.append(
            ctx.mk(
                MeasurementAtom, a, end, name="child_pugh_score", comparator=">=", value=float(lo)
            )
        )
    if hi < 15:
        atoms.append(
            ctx.mk(
                MeasurementAtom, a, end, name="child_pugh_score", comparator="<=", value=float(hi)
            )
        )
    if not atoms:
        return None
    expr = atoms[0] if len(atoms) == 1 else ctx.mk(AndNode, a, end, args=atoms)
    return Found(expr, a, end, priority=8)


def _m_atoms(
    ctx: Ctx, a: int, b: int, name: str, cmp_: str, v: float, vd: float | None, unit: str | None
) -> Expr:
    if vd is not None and name in ("blood_pressure", "systolic_blood_pressure"):
        sys_ = ctx.mk(
            MeasurementAtom,
            a,
            b,
            name="systolic_blood_pressure",
            comparator=cmp_,
            value=v,
            unit="mm[Hg]",
        )
        dia = ctx.mk(
            MeasurementAtom,
            a,
            b,
            name="diastolic_blood_pressure",
            comparator=cmp_,
            value=vd,
            unit="mm[Hg]",
        )
        # "> 150/100": either number over the limit; "< 140/90": both under it
        node = OrNode if cmp_ in (">", ">=") else AndNode
        return ctx.mk(node, a, b, args=[sys_, dia])
    if name == "blood_pressure":
        name = "systolic_blood_pressure"
    return ctx.mk(MeasurementAtom, a, b, name=name, comparator=cmp_, value=v, unit=unit)


_SIZE_NAMES = ("lymph_node_diameter", "lesion_diameter")
_PCT_NAMES = ("bone_marrow_involvement", "skin_involvement_bsa", "weight_loss")
_CNT_CMP = r"(?:at least|no more than|not more than|no fewer than|up to|more than|fewer than|less than|>=|<=|>|<)"
# counts and shares written before what they count (names: docs/criteria-gold.md)
_M_BEFORE = re.compile(
    r"(?P<c1>" + _CNT_CMP + r")\s*(?P<v1>\d+)(?:\s+but\s+(?P<c2>" + _CNT_CMP + r")\s*(?P<v2>\d+))?"
    r"\s+(?:(?:hepatic|liver)\s+)?(?:lesions?|nodules?|tumou?rs?|metastases)\s+(?:in|of|within)\s+the\s+liver(?P<liver>)"
    r"|(?P<v3>\d+)\s+or\s+more\s+(?:(?:metastatic|distant)\s+)?(?:sites|organs?)\s+(?:of\s+(?:metastatic\s+disease|metastas[ie]s|disease)|involved)(?P<sites>)"
    r"|(?P<c4>"
    + CMP
    + r")\s*(?P<v4>"
    + NUM
    + r")\s*%\s+of\s+(?:the\s+)?(?:liver\s+(?:parenchyma|volume)|parenchymal\s+(?:disease\s+)?involvement|hepatic\s+parenchyma)(?P<livpct>)"
    r"|(?P<f>unexplained\s+fever|fever)\s*[;:,(]?\s*(?P<c5>"
    + CMP
    + r")?\s*(?P<v5>3[89](?:\.\d)?|4[01](?:\.\d)?)\s*(?:℃|°\s*c\b|degrees?\s*c(?:elsius)?\b)",
    re.I,
)


def _measures_before(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    for m in _M_BEFORE.finditer(t):
        a, b = m.span()
        atoms: list[Expr] = []
        if m.group("liver") is not None:
            for c, v in ((m.group("c1"), m.group("v1")), (m.group("c2"), m.group("v2"))):
                if c and v:
                    atoms.append(
                        ctx.mk(
                            MeasurementAtom,
                            a,
                            b,
                            name="liver_lesion_count",
                            comparator=comparator(c),
                            value=float(v),
                        )
                    )
        elif m.group("sites") is not None:
            atoms.append(
                ctx.mk(
                    MeasurementAtom,
                    a,
                    b,
                    name="metastatic_site_count",
                    comparator=">=",
                    value=float(m.group("v3")),
                )
            )
        elif m.group("livpct") is not None:
            atoms.append(
                ctx.mk(
                    MeasurementAtom,
                    a,
                    b,
                    name="liver_involvement",
                    comparator=comparator(m.group("c4")),
                    value=number(m.group("v4")),
                    unit="%",
                )
            )
        else:
            # "unexplained fever; 38.5 C": fever is a temperature above the number given
            c = comparator(m.group("c5")) if m.group("c5") else ">"
            atoms.append(
                ctx.mk(
                    MeasurementAtom,
                    a,
                    b,
                    name="body_temperature",
                    comparator=c,
                    value=float(m.group("v5")),
                    unit="Cel",
                )
            )
        expr = atoms[0] if len(atoms) == 1 else ctx.mk(AndNode, a, b, args=atoms)
        out.append(Found(expr, a, b, priority=9))
    return out


@needs(*_M_GATE)
def extract_measurements(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = _measures_before(ctx)
    for qm in _QTC.finditer(t):
        sm = _QTC_SEX.match(t, qm.end())
        if not sm:
            sm = _QTC_SEX_AFTER.match(t, qm.end())
            if not sm:
                continue
            c2 = sm.group("c2") or sm.group("c1")
            first = (sm.group("c1"), sm.group("v1"), sm.start("s1"), sm.end("s1"))
            second = (c2, sm.group("v2"), sm.start("s2"), sm.end("s2"))
            if sm.group("s1").lower().startswith(("f", "w")):
                first, second = second, first
            male, female = first, second
        elif sm.group("s1"):
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
        ifn = ctx.mk(IfNode, qm.start(), sm.end(), cond=cond, then=then, otherwise=other)
        qual = _M_QUAL.match(t, sm.end())
        out.append(
            Found(
                ifn,
                qm.start(),
                sm.end(),
                priority=9,
                cover=[(sm.end(), qual.end())] if qual else [],
            )
        )
    # "> 150 mm Hg systolic or > 100 mm Hg diastolic"
    for bm in _BP_AFTER.finditer(t):
        if any(f.start <= bm.start() < f.end for f in out):
            continue
        nm_ = (
            "systolic_blood_pressure"
            if bm.group("n").lower() == "systolic"
            else "diastolic_blood_pressure"
        )
        atom = ctx.mk(
            MeasurementAtom,
            bm.start(),
            bm.end(),
            name=nm_,
            comparator=comparator(bm.group("cmp")),
            value=float(bm.group("v")),
            unit="mm[Hg]",
        )
        out.append(Found(atom, bm.start(), bm.end(), priority=8))
    names = [m for m in _M_RX.finditer(t) if not any(f.start <= m.start() < f.end for f in out)]
    # limit found right after each name (None where the name shares the next one's limit)
    found: list[tuple[re.Match[str], str, str | None, int, Expr | None, int]] = []
    for m in names:
        idx = int(next(k for k, v in m.groupdict().items() if v is not None)[1:])
        name, unit = _M_NAMES[idx]
        if name == "child_pugh_score":
            f = _child_pugh(ctx, m)
            if f is not None:
                out.append(f)
                continue
        pos = m.end()
        pm = re.match(r"\s*\([^()]{1,30}\)", t[pos:])
        if pm:
            pos += pm.end()
        qual = _M_QUAL.match(t, pos)
        if qual:
            pos = qual.end()
        expr: Expr | None = None
        lim_end = m.end()
        lm = _M_LIMIT.search(t, pos, min(len(t), pos + 110))
        rm = _M_RANGE.search(t, pos, min(len(t), pos + 60))
        if rm and lm and lm.start() <= rm.start():
            rm = None
        if rm and lm and rm.start() < lm.start():
            lm = None
        hit = lm or rm
        fill = t[pos : hit.start()] if hit else ""
        if hit and (
            re.search(r"[\d;<>=≤≥]", fill)
            or _M_FILL_BAD.search(fill)
            or _M_RX.search(fill)
            or len(fill) > 90
            or any(f.start <= hit.start() < f.end for f in out)
        ):
            lm = rm = None
        # a size needs its unit ("lymph node >= 1.5 cm"); "measurable lesion >= 10 mm" is the
        # measurable-disease atom's definition
        if (
            lm
            and name in _SIZE_NAMES
            and (
                (lm.group("u") or "").strip().lower() not in ("cm", "mm")
                or (name == "lesion_diameter" and re.search(r"measurable|recist", ctx.low))
            )
        ):
            lm = None
        if lm and name in _PCT_NAMES and not (lm.group("u") or "").strip():
            lm = None
        if lm:
            u = _m_unit(lm.group("u"), unit)
            if name == "body_temperature" and (u == "[degF]" or number(lm.group("v")) > 45):
                u = "[degF]"  # "fever > 101.3 F": converted to Celsius below
            if (
                name in ("lvef", "spo2", "fev1", "fvc", "dlco", "shortening_fraction", *_PCT_NAMES)
                and lm.group("u")
                and u != "%"
                and not (name in ("fev1", "fvc") and u == "L")
            ):
                lm = None
        if lm:
            cmp_ = comparator(lm.group("cmp"))
            if lm.group("post"):
                cmp_ = (
                    ">="
                    if re.search(r"higher|greater|above|more", lm.group("post"), re.I)
                    else "<="
                )
            vd = float(lm.group("vd")) if lm.group("vd") else None
            val = number(lm.group("v"))
            if name == "body_temperature" and u == "[degF]":
                val, u = round((val - 32) * 5 / 9, 1), "Cel"
            expr = _m_atoms(ctx, m.start(), lm.end(), name, cmp_, val, vd, u)
            lim_end = lm.end()
            # "Systolic blood pressure > 160 or < 90 mmHg": a second limit on the same name
            lm2 = _M_LIMIT2.match(t, lim_end)
            if lm2 and vd is None and isinstance(expr, MeasurementAtom):
                u2 = _m_unit(lm2.group("u"), u)
                if expr.unit == unit and u2 != unit:
                    expr.unit = u2
                second = ctx.mk(
                    MeasurementAtom,
                    lm2.start("cmp"),
                    lm2.end(),
                    name=expr.name,
                    comparator=comparator(lm2.group("cmp")),
                    value=number(lm2.group("v")),
                    unit=u2,
                )
                node = OrNode if lm2.group("op").lower() == "or" else AndNode
                expr = ctx.mk(node, m.start(), lm2.end(), args=[expr, second])
                lim_end = lm2.end()
        elif rm:
            u = _m_unit(rm.group("u"), unit)
            lo = ctx.mk(
                MeasurementAtom,
                m.start(),
                rm.end(),
                name=name,
                comparator=">=",
                value=number(rm.group("v1")),
                unit=u,
            )
            hi = ctx.mk(
                MeasurementAtom,
                m.start(),
                rm.end(),
                name=name,
                comparator="<=",
                value=number(rm.group("v2")),
                unit=u,
            )
            expr = ctx.mk(AndNode, m.start(), rm.end(), args=[lo, hi])
            lim_end = rm.end()
        found.append((m, name, unit, lim_end, expr, pos))
    # "DLCO, FEV1, FVC > 50% of predicted": names in a list share the limit after the last
    for i in range(len(found) - 2, -1, -1):
        m, name, unit, _, expr, _ = found[i]
        nm, _, _, _n_end, n_expr, _ = found[i + 1]
        if expr is None and n_expr is not None and _M_LIST_GAP.match(t[m.end() : nm.start()]):
            lim = n_expr
            src = lim if isinstance(lim, MeasurementAtom) else None
            if src is not None and name not in ("blood_pressure",):
                atom = ctx.mk(
                    MeasurementAtom,
                    m.start(),
                    m.end(),
                    name=name,
                    comparator=src.comparator,
                    value=src.value,
                    unit=src.unit,
                )
                found[i] = (m, name, unit, m.end(), atom, m.end())
    for m, _name, _, lim_end, expr, _ in found:
        if expr is None:
            continue
        a, b = m.start(), lim_end
        qcover: list[tuple[int, int]] = []
        q = _M_QUAL.match(t, b)
        while q and q.end() > b:
            qcover.append((b, q.end()))
            b2 = q.end()
            q = _M_QUAL.match(t, b2)
            if q and q.end() <= b2:
                break
        out.append(Found(expr, a, lim_end, priority=8, cover=[*qcover, (a, lim_end)]))
    # a name whose limit another reading took ("sustained BP > 150 mm Hg systolic"): covered by it
    for m, _name2, _, _, expr, _ in found:
        if expr is not None:
            continue
        for f in out:
            if m.end() <= f.start and re.fullmatch(
                r"\s*(?:(?:of|is|was|at|:)\s*)?", t[m.end() : f.start]
            ):
                lead = re.search(
                    r"(?:sustained|persistent|resting|repeated|mean|average)\s+$",
                    t[: m.start()],
                    re.I,
                )
                f.cover.append((lead.start() if lead else m.start(), f.start))
                break
    for f in out:
        q = _M_QUAL.match(t, f.end)
        if q and q.end() > f.end and not any(x <= f.end < y for x, y in f.cover):
            f.cover.append((f.end, q.end()))
    # a bare blood pressure pair: "hypertension (< 150/90 mm Hg)", "160/90 mmHg or higher"
    for pm2 in _BP_PAIR.finditer(t):
        if any(f.start <= pm2.start("vs") < f.end for f in out):
            continue
        c = pm2.group("cmp")
        if c:
            cmp_ = comparator(c)
        elif pm2.group("post"):
            cmp_ = ">="
        else:
            continue
        a0 = pm2.start("cmp") if c else pm2.start("vs")
        out.append(
            Found(
                _m_atoms(
                    ctx,
                    a0,
                    pm2.end(),
                    "blood_pressure",
                    cmp_,
                    float(pm2.group("vs")),
                    float(pm2.group("vd")),
                    "mm[Hg]",
                ),
                a0,
                pm2.end(),
                priority=8,
            )
        )
    return out


# ------------------------------------------------------------------ reproductive

_REPRO = re.compile(
    r"(?P<plan>(?:plan(?:ning|s)?|intend(?:ing|s)?|wish(?:ing)?|desire|want(?:ing)?|expect(?:ing)?|hop(?:e|es|ing))\s*(?:to\s*)?(?:become\s*|get\s*|be\s*)?(?:pregnan\w*|conceive|father\w*|have (?:a )?child(?:ren)?)|(?:pregnancy|conception) plans?)"
    r"|(?P<test>(?:to\s+)?(?:rule[\s-]*out|exclude)\s+(?:a\s+|any\s+)?pregnancy|(?:negative\s*(?:(?:in|on|for)\s+)?(?:[\w()/-]+\s+){0,10}?pregnancy test)|(?:pregnancy test)[^.;]{0,40}?negative)"
    r"|(?P<preg>pregnan(?:t|cy|cies)|(?:are|is) pregnant|gestation)"
    r"|(?P<bf>breast[\s-]*feeding|breastfeed\w*|lactating|lactation|nursing(?! home)|breast[\s-]*fed|breast[\s-]*feed\b)"
    r"|(?P<contra>contracepti\w*|birth control|barrier method|abstinence|intrauterine device|sterili[sz]\w*|child[\s-]*bearing (?:potential|age)|reproductive (?:potential|age)|wocbp)",
    re.I,
)


# a second requirement for the other sex after a clause break: "...; The man patients who
# must agree to take contraceptive methods"
_MEN_TOO = re.compile(r"[;.]\s*(?:[\w-]+\s+){0,3}?(?:m[ae]n|males?|male patients)\b", re.I)
_UNLESS = re.compile(r"\b(?:unless|except)\b", re.I)
_WOCBP = re.compile(
    r"child[\s-]*bearing (?:potential|age)|reproductive (?:potential|age)|wocbp", re.I
)
# the words around a contraception / pregnancy requirement that only explain or define it:
# why (fetal risk), who is exempt (post-menopausal, surgically sterile) and what to do if
# pregnancy occurs; covered by the criterion's reproductive atom (NCI template wording)
_REPRO_DETAIL = re.compile(
    r"the effects? of [^.;]{0,160}? on the developing (?:human )?fetus[^.;]{0,80}?(?:are|is|remain) unknown"
    r"|(?:[^.;]{0,80}?\b(?:may|might|could|can) be )?harmful to (?:the |a )?(?:developing )?(?:fetus|foetus|embryo)(?: or (?:the )?nursing infants?)?"
    r"|for this reason(?:\s+and because [^,;]{0,200}?(?:are|is) known to be teratogenic)?"
    r"|(?:should|if) a (?:woman|female|patient|participant|subject) become[s]? pregnant or suspects? (?:that )?she is pregnant[^.;]*"
    r"|(?:she|they) should inform (?:her|their) (?:treating )?(?:physician|doctor|study doctor)(?: immediately)?"
    r"|because [^.;]{0,160}?(?:teratogenic|abortifacient)[^.;]*"
    r"|because there is an? (?:unknown but )?potential (?:for|risk)[^.;]*?nursing infants[^.;]*"
    r"|(?:naturally |surgically )?post[\s-]*menopausal(?:\s+for\s+(?:at\s+least\s+)?\S+\s+(?:consecutive\s+)?(?:months?|years?))?"
    r"|surgically steril\w*|(?:bilateral\s+)?(?:oophorectomy|salpingectomy|tubal ligation)|hysterectomy|vasectomy"
    r"|(?:natural|spontaneous)?\s*amenorrh\w*(?:\s+for\s+\S+\s+(?:consecutive\s+)?months?)?|no menses for [^.;)]{0,30}"
    r"|(?:not )?(?:be )?of (?:child[\s-]*bearing|reproductive) potential"
    # how non-pregnancy is confirmed and who needs no test (sponsor template)
    r"|confirmation that the (?:subject|patient|participant|woman|female) is not pregnant must be established by [^.;]*"
    r"|pregnancy test(?:ing|s)? (?:is|are) not (?:required|needed|necessary) (?:for|in) [^.;]*",
    re.I,
)
_CONTRA_REAL = re.compile(
    r"contracept|birth control|barrier|abstinen|abstain|intrauterine|steril|\biud\b|condom|effective method",
    re.I,
)
_CONTRA_LEAD = re.compile(
    r"(?:(?:willing|agree|able|consent)\w*\s+(?:and\s+\w+\s+)?to\s+)?(?:use|using|practi[cs]e|practi[cs]ing|employ|perform|take|accept|adopt)\s+(?:[\w-]+[\s-]+){0,4}$",
    re.I,
)
_INFANTS = re.compile(r"\s+infants?\b", re.I)
# "positive (serum) pregnancy test": a test that shows the pregnancy
_POS_TEST = re.compile(
    r"(?:(?:a|have\s+a|has\s+a|had\s+a)\s+)?positive\s+(?:(?:serum|urine|urinary|blood|beta[\s-]*h?cg|β-?h?cg|hcg)\s+(?:or\s+(?:serum|urine|urinary|blood)\s+)?)*$",
    re.I,
)
_REPRO_PRE = re.compile(
    r"reproductive|pregn|breast|lactat|nursing|contracep|birth control|childbearing|child-bearing|steril|abstinen|wocbp|conceiv|father|intrauterine|barrier|gestation|child"
)


def extract_reproductive(ctx: Ctx) -> list[Found]:
    out: list[Found] = []
    t = ctx.text
    if not _REPRO_PRE.search(ctx.low):
        return out
    wocbp: list[tuple[int, int]] = []
    details = [m.span() for m in _REPRO_DETAIL.finditer(t)]
    for m in _REPRO.finditer(t):
        g = m.lastgroup
        if g in ("preg", "plan") and any(x <= m.start() < y for x, y in details):
            continue  # "should a woman become pregnant ..., she should inform her physician"
        a, b = m.span()
        if g == "plan":
            out.append(
                Found(ctx.mk(ReproductiveAtom, a, b, state="planning_pregnancy"), a, b, priority=7)
            )
        elif g == "test":
            if out and any(x <= a < y for x, y in details):
                continue  # "Confirmation that the subject is not pregnant must be established by a negative serum pregnancy test": the detail of the atom before
            preg = [
                f
                for f in out
                if isinstance(f.expr, ReproductiveAtom) and f.expr.state == "pregnant"
            ]
            if preg and re.search(r"\(\s*(?:an?\s+)?$", t[max(0, a - 6) : a]):
                # "Pregnant (a negative serum pregnancy test should be performed for all
                # women of childbearing potential ...)": how the pregnancy is ruled out
                close = t.find(")", b)
                preg[-1].cover.append((a, close + 1 if close > 0 else b))
                continue
            inner = ctx.mk(ReproductiveAtom, a, b, state="pregnant")
            out.append(Found(ctx.mk(NotNode, a, b, arg=inner), a, b, priority=7))
        elif g == "preg":
            if re.match(r"\s*tests?\b", t[b:], re.I):
                pt = _POS_TEST.search(t, max(0, a - 60), a)
                if pt:
                    # "have a positive serum pregnancy test": pregnant
                    tb = re.match(r"\s*tests?\b(?:\s+results?)?", t[b:], re.I)
                    end = b + (tb.end() if tb else 0)
                    atom = ctx.mk(ReproductiveAtom, pt.start(), end, state="pregnant")
                    out.append(Found(atom, pt.start(), end, priority=7))
                    continue
            if re.search(r"test|prevent|avoid", t[b : b + 15], re.I):
                continue
            if re.search(
                r"(?:prevent\w*|avoid\w*)\s+(?:a\s+|any\s+)?$", t[max(0, a - 20) : a], re.I
            ):
                # "contraception to prevent pregnancy": the contraception atom's detail
                if out and isinstance(out[-1].expr, ReproductiveAtom):
                    out[-1].cover.append((a, b))
                continue
            out.append(Found(ctx.mk(ReproductiveAtom, a, b, state="pregnant"), a, b, priority=6))
        elif g == "bf":
            if any(x <= a < y for x, y in details) and _INFANTS.match(t, b):
                continue  # "risk for adverse events in nursing infants": not the patient's state
            out.append(
                Found(ctx.mk(ReproductiveAtom, a, b, state="breastfeeding"), a, b, priority=6)
            )
        elif g == "contra":
            if any(f.start <= a < f.end for f in out):
                continue
            if _WOCBP.fullmatch(m.group(0)) and not _CONTRA_REAL.search(t):
                # "women of childbearing potential must have a negative pregnancy test": who
                # the test is for, not a contraception requirement
                wocbp.append((a, b))
                continue
            contra = [
                f
                for f in out
                if isinstance(f.expr, ReproductiveAtom) and f.expr.state == "contraception"
            ]
            if (
                contra
                and not _MEN_TOO.search(t, max(contra[-1].regions(), key=lambda r: r[1])[1], a)
                and not _UNLESS.search(t, contra[-1].end, a)
            ):
                # one contraception atom per criterion (per sex); the rest is its detail
                contra[-1].cover.append((a, b))
                continue
            cl = re.match(r"[^;]*", t[b:])
            lead = _CONTRA_LEAD.search(t, max(0, a - 70), a)
            out.append(
                Found(
                    ctx.mk(ReproductiveAtom, a, b, state="contraception"),
                    a,
                    b,
                    priority=5,
                    cover=[(b, b + (cl.end() if cl else 0))]
                    + ([(lead.start(), a)] if lead else []),
                )
            )
    if len(out) > 1:
        # "Pregnancy testing is not required for ... surgically sterilized women": who needs no
        # test, not a contraception requirement (an atom of its own only when it is the sole one)
        out = [
            f
            for f in out
            if not (
                isinstance(f.expr, ReproductiveAtom)
                and f.expr.state == "contraception"
                and "steril" in f.expr.text.lower()
                and any(x <= f.start and f.end <= y for x, y in details)
            )
        ] or out
    if out:
        # (a detail that is itself the words of another atom stays that atom's; one after
        # "unless" goes with the atoms of that part, which the tree builds on its own)
        for d in details:
            inner = [f for f in out[1:] if f.start < d[1] and d[0] < f.end]
            if inner:
                # "because there is an unknown but potential risk ... in nursing infants ...,
                # breastfeeding should be discontinued": the detail explains the atom in it
                inner[0].cover.append(d)
                continue
            same = [f for f in out if not _UNLESS.search(t, min(f.start, d[0]), max(f.start, d[0]))]
            (same[0] if same else out[0]).cover.append(d)
    if wocbp:
        if out:
            out[0].cover.extend(wocbp)
        else:
            a, b = wocbp[0]
            out.append(
                Found(ctx.mk(ReproductiveAtom, a, b, state="contraception"), a, b, priority=5)
            )
    return out


# ------------------------------------------------------------------ biomarkers
# moved to extractors/biomarkers.py (data/biomarkers tables); re-exported here.

from trialscout.criteria.extractors.biomarkers import (  # noqa: E402
    extract_biomarkers as extract_biomarkers,
)

# ------------------------------------------------------------------ review

_CLAUSE_STOP = re.compile(
    r";|\.(?:\s|$)|\s(?:or|and)\s(?=[a-z]+ (?:disease|history|known))"
    r"|,?\s+(?:including|such as|e\.g\.|for example)\b"
)
_ANY_OTHER = re.compile(
    r"\b(?:any|other|another)\s+(?:other\s+)?(?:[\w-]+\s+){0,2}?(?:\([^()]{0,100}\)\s*,?\s*(?:[\w-]+\s*,?\s*(?:or\s+|and\s+)?){0,3}?)?(?:conditions?|diseases?|illness\w*|reasons?|factors?|situations?|circumstances?|findings?|abnormalit\w*|disorders?|problems?|patients?|subjects?|individuals?)",
    re.I,
)
# "a serious sickness that might keep you from ...", "medical or psychological condition that
# would ...": the judged illness, with no "any/other" before it
# (organ adjectives too: "Significant cardiac, pulmonary, ... or autoimmune conditions that in
# the opinion of the investigator ...", condition_organs.csv)
_JUDGED_HEAD = re.compile(
    r"\b(?:(?:serious|severe|significant|medical|psychological|social|physical|concurrent|co-?existing|intercurrent|familial|sociological|geographical)\s*,?\s*(?:or\s+|and\s+|and/or\s+)?)+(?:sickness(?:es)?|conditions?|illness(?:es)?|circumstances?)\b"
    # a list of two or more body-organ adjectives before it
    r"|\b(?:(?:significant|clinically\s+significant|serious|severe|major|other|any)\s+)*(?:"
    + _BODY_ORGANS
    + r")(?:\s*,?\s*(?:or\s+|and\s+|and/or\s+)?(?:"
    + _BODY_ORGANS
    + r"))+\s+(?:conditions?|illness(?:es)?|circumstances?)\b",
    re.I,
)
# "aggravated by treatment or limit compliance": a second judged effect with its own verb
_OWN_VERB = re.compile(
    r"\b(?:or|and)\s+(?:would\s+|could\s+|may\s+|might\s+)?(?:limit|affect|impair|prevent|interfere\s+with|compromise|jeopardi[sz]e)\s+(?:the\s+)?$",
    re.I,
)
_BECAUSE = re.compile(r"\bbecause\b[^.;]*$", re.I)
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
_PAREN_ABBR = re.compile(r"\(\s*[\w/.-]+\s*\)")
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
# the criterion's own verdict, not a judgment or a check: "... are not eligible for this study",
# "... will be excluded from the study" (eligibility-texts.csv: 120 texts with "(not) eligible
# for this/the study|trial"; 20 checked)
_STUDY_ELIGIBILITY = re.compile(
    r"(?:not\s+|in)?eligible\s+(?:for|to\s+(?:participate|enrol+)\s+in)\s+(?:this|the)\s+(?:study|trial|protocol)\b(?!\s+(?:if|unless|provided|when|only|until|as\s+long))",
    re.I,
)
_EXCLUDED_FROM = re.compile(
    r"(?:will|shall|must|should)\s+be\s+excluded(?:\s+from\s+(?:this|the)\s+(?:study|trial|protocol))?\s*\.?\s*$",
    re.I,
)


_IJ_COMPLY = re.compile(
    r"\s+(?:(?:would|could|may|might)\s+(?:impair|limit|affect|compromise|prevent|interfere\s+with)\s+)?(?:with\s+)?(?:the\s+)?(?:(?:patient|subject|participant)s?'?s?\s+)?(?:ability\s+to\s+)?(?:compl(?:y|iance|iant)|adhere\w*|protocol completion|complete the (?:study|trial|protocol))",
    re.I,
)
_DEFINED_AFTER = re.compile(r"[^;]*?(?:\d|\bas (?:follows|defined|evidenced)|\bdefined as)", re.I)
_CONSENT_GAP = re.compile(r"[^,;]{0,60}$")
# "able to read, understand and sign informed consent": the verbs of the consent itself
_CONSENT_VERBS = re.compile(
    r"(?:\s*(?:,|and/or|and|or)?\s*(?:read|understand|comprehend|sign|give|provide|speak|write)\w*)*\s*,?\s*(?:and\s+|or\s+)?(?:the\s+|a\s+|an\s+)?",
    re.I,
)
_COMPLY_AND = re.compile(r"\band\s+(?:to\s+)?(?:comply|follow|adhere|complete|attend|return)", re.I)


def _consent_wins(t: str, found: list[Found]) -> list[Found]:
    """ "Willing to sign informed consent", "Refusal to participate": consent, not also
    compliance or suitability."""
    consents = [f for f in found if isinstance(f.expr, ReviewAtom) and f.expr.reason == "consent"]
    if not consents:
        return found
    keep: list[Found] = []
    for f in found:
        r = f.expr.reason if isinstance(f.expr, ReviewAtom) else None
        if r == "compliance":
            nxt = [c for c in consents if c.start >= f.end and c.start - f.end <= 60]
            verbs = next((c for c in nxt if _CONSENT_VERBS.fullmatch(t[f.end : c.start])), None)
            if verbs is not None:
                verbs.cover.append((f.start, verbs.start))  # "able to read, understand and"
                continue
            if any(
                _CONSENT_GAP.match(t[f.end : c.start])
                and not _COMPLY_AND.search(t[f.end : c.start])
                for c in nxt
            ) or any(c.start <= f.start < c.end for c in consents):
                continue
        if r == "suitability" and any(
            c.start <= f.start < c.end or f.start <= c.start < f.end for c in consents
        ):
            continue
        keep.append(f)
    return keep


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
                if reason == "consent":
                    sub = _COMPLY_AND.search(t, b, end)
                    if sub:
                        end = sub.start()  # "consent and to follow protocol requirements"
            else:
                end = b
            start = a
            if reason == "investigator_judgment":
                anym = None
                for am in _ANY_OTHER.finditer(t[max(0, a - 160) : a]):
                    anym = am
                if (
                    anym is not None
                    and anym.start() < min(a, 160) - 90
                    and "(" not in anym.group(0)
                ):
                    anym = None  # (only a wide head with an example list reaches that far)
                if anym is None:
                    for am in _JUDGED_HEAD.finditer(t[max(0, a - 160) : a]):
                        anym = am if am.end() >= min(a, 160) - 30 else anym
                start = max(0, a - 160) + anym.start() if anym else a
                bc = _BECAUSE.search(t, max(0, a - 200), a)
                if bc and bc.start() < start:
                    start = bc.start()  # "because they often develop ... that would confound"
            if reason in ("compliance", "consent") and _CONTRA_REAL.search(t, b, b + 80):
                continue  # "willing to use adequate contraception": the reproductive atom
            if reason == "suitability" and _STUDY_ELIGIBILITY.match(t, a):
                continue  # "... are not eligible for this study": the exclusion itself
            mod = _MODAL.match(t, a) if reason == "investigator_judgment" else None
            if mod and _ABSORB_VERB.match(t, mod.end()):
                continue  # "condition that could affect the absorption of": gi_malabsorption
            if reason == "investigator_judgment" and _IJ_COMPLY.match(t, b):
                reason = (
                    "compliance"  # "illness that would limit compliance with study requirements"
                )
            atom = ctx.mk(ReviewAtom, a, b, reason=reason)
            pr = 9 if reason == "investigator_judgment" else 6 if reason == "suitability" else 4
            regions = [(start, end)]
            nl = _NOT_LIMITED.match(t, end) if reason in _CLAUSE_REASONS else None
            if nl and "limited" in nl.group(0).lower():
                regions.append((end, nl.end()))  # "..., including but not limited to"
            out.append(Found(atom, a, b, priority=pr, cover=regions))
    out = _consent_wins(t, out)
    # "might be aggravated by treatment or limit compliance": the judgment's clause stops
    # where a compliance cue of its own starts, so both are kept
    for f in out:
        if not (isinstance(f.expr, ReviewAtom) and f.expr.reason == "investigator_judgment"):
            continue
        for g in out:
            if (
                g is not f
                and isinstance(g.expr, ReviewAtom)
                and g.expr.reason == "compliance"
                and g.start >= f.end
                and _OWN_VERB.search(t, max(0, g.start - 30), g.start)
            ):
                f.cover = [(x, min(y, g.start)) if x < g.start < y else (x, y) for x, y in f.cover]
    for m in (
        (_ADEQ_LOW.finditer(low) if ascii_ and _ADEQ_LOW else _ADEQ.finditer(t))
        if (
            _ADEQ_MAY.search(low)
            if ascii_
            else ("adequate" in low or "therapeutic range" in low or "normal organ" in low)
        )
        else ()
    ):
        if _DEFINED_AFTER.search(t, m.end()):
            continue  # "Adequate liver function (bilirubin <= 1.5 x ULN)": the limits say it
        # no limit given: nothing an atom can hold (docs/criteria-gold.md: "adequate renal
        # function" is `unparsed`), so the words stay unparsed and read unknown
        atom = ctx.mk(UnparsedAtom, m.start(), m.end())
        out.append(Found(atom, m.start(), m.end(), priority=1))
    for m in _PAREN_NOTE.finditer(t) if "(" in t else ():
        if _PAREN_ABBR.fullmatch(m.group(0)) or re.search(r"[<>=≤≥]", m.group(0)):
            continue  # "computed tomography (CT)": an abbreviation, not a note on how to check
        atom = ctx.mk(ReviewAtom, m.start(), m.end(), reason="other")
        out.append(Found(atom, m.start(), m.end(), priority=3))
    # procedural notes ("must be excluded by chest X-ray") are for the investigator
    for m in (
        (_PROC_LOW.finditer(low) if ascii_ and _PROC_LOW else _PROC.finditer(t))
        if " be " in low and ctx.kind == "exclusion"
        else ()
    ):
        if _EXCLUDED_FROM.match(t, m.start()):
            continue  # "Pregnant patients will be excluded from the study": the exclusion itself
        # (in an inclusion the facts must be met anyway; "must be obtained within two weeks"
        # times the test and "must be confirmed at <hospital>" is not a fact the atoms hold)
        atom = ctx.mk(ReviewAtom, m.start(), m.end(), reason="other")
        out.append(Found(atom, m.start(), m.end(), priority=3))
    return out


def _unused(_e: Expr) -> None:
    return None


# ASCII text: these re.I regexes scan as their case-sensitive fold on the lower-cased
# text (`vocab.fast_fold`: same matches, 1.4-3.8x faster each); checked by
# tests/criteria/test_speed_fold.py and bench/check_parse_identical.py
_OTHER_PRE = fast_fold(_OTHER_PRE)
_WITHIN = fast_fold(_WITHIN)
_EXCEPT = fast_fold(_EXCEPT)
_STATUS_LEAD = fast_fold(_STATUS_LEAD)
_ORGAN_LIST = fast_fold(_ORGAN_LIST)
_BP_PAIR = fast_fold(_BP_PAIR)
_BP_AFTER = fast_fold(_BP_AFTER)
_M_BEFORE = fast_fold(_M_BEFORE)
_M_RX = fast_fold(_M_RX)
_REPRO_DETAIL = fast_fold(_REPRO_DETAIL)
