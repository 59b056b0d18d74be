"""Age, sex, performance status and life expectancy."""

# ruff: noqa: E501  (regex tables and word lists read better unwrapped)

from __future__ import annotations

import re

from trialscout.criteria.atoms import AgeAtom, LifeExpectancyAtom, PerformanceAtom, SexAtom
from trialscout.criteria.extractors.base import (
    NUM,
    WNUM,
    Ctx,
    Found,
    derived_gate,
    needs_derived,
    needs_match,
    number,
)
from trialscout.criteria.extractors.labs import XCMP as CMP
from trialscout.criteria.extractors.labs import cmp_of as comparator
from trialscout.criteria.vocab import fast_fold

_YRS = r"(?:years?|yrs?|y/?o|y)(?:[\s-]*(?:old|of age))?"
_AGE_RANGE = re.compile(
    r"(?:\bage[ds]?\b[^\d;]{0,25}?|(?:between|from)\s*)(?P<a>\d{1,3})\s*(?:years?(?:\s*old)?\s*)?"
    r"(?:-|to|and|~)\s*(?P<b>\d{1,3})\s*(?:"
    + _YRS
    + r")?(?:\s*,?\s*\(inclusive\)|\s*,?\s*inclusive)?"
    r"|(?P<a2>\d{1,3})\s*(?:years?\s*)?(?:-|to|~)\s*(?P<b2>\d{1,3})\s*" + _YRS,
    re.I,
)
_AGE_MONTHS = re.compile(
    r"\bage[ds]?\b[^\d;]{0,15}?(?:between|from)?\s*(?P<m>\d{1,2})\s*months?\s*(?:-|to|and)\s*(?P<y>\d{1,3})\s*"
    + _YRS,
    re.I,
)
_AGE_CMP = re.compile(
    r"(?:\bage[ds]?\b|years of age|years old)[^\d;<>=]{0,25}?(?P<cmp>" + CMP + r")\s*(?P<v>\d{1,3})"
    r"(?:\s*" + _YRS + r")?"
    # ">= 18 and <= 75 years of age": the first value of a pair takes the years of the second
    r"|(?P<cmp2>"
    + CMP
    + r")\s*(?P<v2>\d{1,3})(?:[\s-]*"
    + _YRS
    + r"|(?=\s*(?:,\s*)?(?:and|to)\s+"
    + CMP
    + r"\s*\d{1,3}\s*(?:years?|yrs?)\b))"
    # "over the age of 18", "under age 65", "less than age 10"
    r"|(?P<cmp3>"
    + CMP
    + r")\s+(?:the\s+)?age\s+(?:of\s+)?(?P<v3>\d{1,3})(?!\d|\.\d)(?:\s*"
    + _YRS
    + r")?"
    # "older than 18 years", "younger than 75 years of age"
    r"|(?P<cmp4>(?:older|younger)\s+than)\s*(?P<v4>\d{1,3})[\s-]*" + _YRS,
    re.I,
)
# a criterion that is only "65 years and over": an age limit with no other word
_AGE_ALONE = re.compile(
    r"\W*\d{1,3}\s*(?:years?|yrs?)\s*(?:of\s+age\s*)?(?:and|or)\s+(?:over|older|above)\W*", re.I
)
# "Patients who are over age 65 ... are also eligible": an alternative group, not a limit
_PERMISSIVE = re.compile(
    r"\b(?:eligible|allowed|permitted|may\s+be\s+(?:enrolled|included))\b", re.I
)


def _sentence(t: str, i: int) -> str:
    """The sentence of `t` around position `i`."""
    a = max(t.rfind(". ", 0, i), t.rfind("; ", 0, i)) + 1
    b = min((x for x in (t.find(". ", i), t.find("; ", i)) if x >= 0), default=len(t))
    return t[a:b]


_OR_OLDER = re.compile(r"\s*(?:or|and)\s+(?:older|over|above)\b", re.I)
# "if the participant was under the age of 18", "for pediatric patients less than age 10": the
# age of a subgroup the sentence is about, not a limit on every patient
_SUBGROUP_BEFORE = re.compile(r"\b(?:if|when|for|case\s+of|whether)\s+(?:[\w']+\s+){0,3}$", re.I)
_AGE_POST = re.compile(
    r"(?P<v>\d{1,3})\s*(?:" + _YRS + r")?\s*(?:of age\s*)?(?:or|and)\s*"
    r"(?P<w>older|above|over|more|greater|elder|younger|less|under|below)(?!\s+than\b)",
    re.I,
)
_AGE_BARE = re.compile(
    r"\W*(?:age\W*)?" + CMP + r"\s*\d{1,3}\s*(?:years?|yrs?)(?:\s*old)?\W*", re.I
)
_AGE_CONTEXT = re.compile(r"\bage[ds]?\b|years?[\s-]old|years of age|\byrs\b|\badults?\b", re.I)
# the second limit of a pair closes with the age words: ">= 18 years and <= 75 years of age",
# "older than 15 years and younger than 46 years" (the first limit is as much an age limit)
_AGE_PAIR_AFTER = re.compile(
    r"\s*(?:,\s*)?(?:and|to|but)\s+" + CMP + r"\s*\d{1,3}\s*(?:years?|yrs?)[\s-]*(?:old|of age)\b",
    re.I,
)


# An age that is not the patient's age in years: "bone age of boys < 15 years", "mental age
# of at least 18 months", "gestational age >= 24 weeks". The phrase and the rest of its clause
# are masked before the age patterns run, so their numbers never become an age limit.
_OTHER_AGE = re.compile(
    r"\b(?:bone|skeletal|mental|gestational|developmental|(?:post[\s-]?)?menstrual|corrected|"
    r"adjusted|reading|fetal|biological|dental|cognitive|emotional)\s+age\b[^;\n]*?(?=;|\.\s|\.$|$)",
    re.I,
)
# a unit other than years right after an age value: "Age >= 6 months"
_AGE_SUBUNIT = re.compile(r"\s*(?P<u>months?|mos?|weeks?|wks?|days?)\b", re.I)


def _blank(t: str, rx: re.Pattern[str]) -> str:
    """`t` with every match of `rx` replaced by spaces (same length: spans stay valid)."""
    return rx.sub(lambda m: " " * len(m.group()), t)


# The PDQ layout names the field on a line of its own and gives the value as the item
# below it ("Life expectancy:" / "- At least 2 months", "Age" / "- 18 and over",
# "Performance status:" / "- 0-2"). `field_heading` reads that line back from the original text.
_FIELD = re.compile(
    r"(?P<f>age|performance\s+status|life\s+expectancy)\s*:?",
    re.I,
)
_BULLET_LINE = re.compile(r"(?P<ind>[ \t]*)(?:[-*•·o]|\d{1,2}[.)]|\(?[a-z][.)])[ \t]+\S")


def field_heading(ctx: Ctx) -> str | None:
    """'age', 'performance' or 'life_expectancy' when this item is a value listed under a
    PDQ field heading line; sibling value lines in between are skipped (at most 3)."""
    o = ctx.original
    line_start = o.rfind("\n", 0, ctx.base) + 1
    mine = _BULLET_LINE.match(o, line_start)
    if mine is None:
        return None
    indent = len(mine.group("ind").expandtabs())
    pos = line_start - 1
    siblings = 0
    while pos > 0:
        prev_start = o.rfind("\n", 0, pos) + 1
        line = o[prev_start:pos]
        pos = prev_start - 1
        if not line.strip():
            continue
        b = _BULLET_LINE.match(line)
        if b and len(b.group("ind").expandtabs()) == indent:
            siblings += 1
            if siblings > 3:
                return None
            continue
        if len(line.expandtabs()) - len(line.expandtabs().lstrip()) >= indent:
            return None  # a wrapped line of a sibling, or deeper text: not a heading
        head = line.strip().lstrip("-*•· \t")
        m = _FIELD.fullmatch(head)
        if not m:
            return None
        f = m.group("f").lower()
        return "age" if f == "age" else "performance" if f.startswith("perf") else "life_expectancy"
    return None


# a bare value under a field heading: "18 and over", "Under 80", "18 to 70", "Over 65"
_AGE_VALUE = re.compile(
    r"(?P<a>\d{1,3})\s*(?:"
    + _YRS
    + r")?\s*(?:and|or)\s*(?P<w>over|older|above|under|younger|below)"
    r"|(?P<lo>\d{1,3})\s*(?:-|to)\s*(?P<hi>\d{1,3})(?:\s*" + _YRS + r")?"
    r"|(?P<cmp>" + CMP + r")\s*(?P<v>\d{1,3})(?:\s*" + _YRS + r")?",
    re.I,
)


def _age_value(ctx: Ctx) -> list[Found]:
    m = _AGE_VALUE.match(ctx.text)
    if m is None:
        return []
    rest = ctx.text[m.end() :]
    if rest.strip(" .;,") and not re.match(
        r"\s*(?:\(|at\s+diagnosis|at\s+(?:study\s+)?entry)", rest, re.I
    ):
        return []
    lo: float | None = None
    hi: float | None = None
    lo_inc = hi_inc = True
    if m.group("a"):
        v = float(m.group("a"))
        if m.group("w").lower() in ("over", "older", "above"):
            lo = v
        else:
            hi = v
    elif m.group("lo"):
        lo, hi = float(m.group("lo")), float(m.group("hi"))
        if not lo < hi:
            return []
    else:
        c = comparator(m.group("cmp"))
        v = float(m.group("v"))
        if c in (">=", ">"):
            lo, lo_inc = v, c == ">="
        elif c in ("<=", "<"):
            hi, hi_inc = v, c == "<="
        else:
            return []
    if any(x is not None and x > 120 for x in (lo, hi)):
        return []
    atom = ctx.mk(
        AgeAtom,
        m.start(),
        m.end(),
        min_years=lo,
        max_years=hi,
        min_inclusive=lo_inc,
        max_inclusive=hi_inc,
    )
    return [Found(atom, m.start(), m.end(), priority=7)]


# every age limit is read from a number (`_AGE_RANGE`, `_AGE_MONTHS`, `_AGE_CMP`, `_AGE_POST`)
@needs_match(re.compile(r"\d"))
def extract_age(ctx: Ctx) -> list[Found]:
    t = ctx.text
    if _OTHER_AGE.search(t):
        t = _blank(t, _OTHER_AGE)
    # a criterion that is only an age limit: "More than 18 years"
    bare = _AGE_BARE.fullmatch(t) is not None
    if (
        not bare
        and not _AGE_CONTEXT.search(t)
        and not re.search(r"\d\s*years?\s*(?:or|and)\s*(?:older|above|younger)", t, re.I)
        and not re.match(
            r"\W*\d{1,3}\s*(?:years?\s*)?(?:-|to|~)\s*\d{1,3}\s*(?:years?|yrs?)\b", t, re.I
        )
        and not _AGE_ALONE.fullmatch(t)
        and not re.search(r"\b(?:older|younger)\s+than\s+\d{1,3}[\s-]*(?:years?|yrs?)\b", t, re.I)
    ):
        return []
    # (start, end, side, value, inclusive) of every limit found, folded in reading order below
    limits: list[tuple[int, int, str, float, bool]] = []
    spans: list[tuple[int, int]] = []
    for m in _AGE_RANGE.finditer(t):
        a = m.group("a") or m.group("a2")
        b = m.group("b") or m.group("b2")
        if a is None or b is None:
            continue
        x, y = float(a), float(b)
        if not (0 <= x < y <= 120):
            continue
        if (
            m.group("a2")
            and m.start() > 2
            and not re.search(r"\bage|old|of age", t[max(0, m.start() - 30) : m.end() + 12], re.I)
        ):
            continue  # "3-5 years" inside a criterion is a duration, unless it leads it
        limits += [(m.start(), m.end(), "lo", x, True), (m.start(), m.end(), "hi", y, True)]
        spans.append(m.span())
    for m in _AGE_MONTHS.finditer(t):
        # "Age 12 months to 21 years": the lower bound in months
        x, y = float(m.group("m")) / 12, float(m.group("y"))
        if x < y <= 120 and not spans:
            limits += [
                (m.start(), m.end(), "lo", round(x, 2), True),
                (m.start(), m.end(), "hi", y, True),
            ]
            spans.append(m.span())
    for m in _AGE_CMP.finditer(t):
        if any(a <= m.start() < b for a, b in spans):
            continue
        cmp_s = m.group("cmp") or m.group("cmp2") or m.group("cmp3") or m.group("cmp4")
        v = float(m.group("v") or m.group("v2") or m.group("v3") or m.group("v4"))
        if m.group("cmp4"):
            cmp_s = "greater than" if cmp_s.lower().startswith("older") else "less than"
        if (m.group("cmp3") or m.group("cmp4")) and (
            _SUBGROUP_BEFORE.search(t, 0, m.start()) or _PERMISSIVE.search(_sentence(t, m.start()))
        ):
            continue
        sub = _AGE_SUBUNIT.match(t, m.end()) if (m.group("v") or m.group("v3")) else None
        if sub and not re.search(r"\d\s*" + _YRS, m.group(), re.I):
            # "Age >= 6 months": the limit in years
            u = sub.group("u").lower()
            v = round(v / (12 if u.startswith("mo") else 52 if u.startswith("w") else 365), 2)
        if (
            m.group("cmp2")
            and not bare
            and not _AGE_CONTEXT.search(t[max(0, m.start() - 40) : m.end() + 15])
            and not _AGE_PAIR_AFTER.match(t, m.end())
        ):
            continue
        if cmp_s.lower().strip() in ("within",) or v > 120:
            continue
        c = comparator(cmp_s)
        end = m.end()
        older = _OR_OLDER.match(t, end) if c == ">" else None
        if older:
            c, end = ">=", older.end()  # "> 18 years of age or older"
        if c in (">=", ">"):
            limits.append((m.start(), end, "lo", v, c == ">="))
        elif c in ("<=", "<"):
            limits.append((m.start(), end, "hi", v, c == "<="))
        else:
            continue
        spans.append((m.start(), end))
    for m in _AGE_POST.finditer(t):
        if any(a <= m.start() < b for a, b in spans):
            continue
        v = float(m.group("v"))
        if v > 120:
            continue
        w = m.group("w").lower()
        side = "lo" if w in ("older", "above", "over", "more", "greater", "elder") else "hi"
        limits.append((m.start(), m.end(), side, v, True))
        spans.append(m.span())
    lo: float | None = None
    hi: float | None = None
    lo_inc = hi_inc = True
    used: list[tuple[int, int]] = []
    for x0, y0, side, v, inc in sorted(limits, key=lambda e: e[0]):
        nlo, nhi, nli, nhi_inc = lo, hi, lo_inc, hi_inc
        if (lo if side == "lo" else hi) is not None:
            # "Age 18-75 years; patients > 70 years must have ...": a second limit on the same
            # side is about a subgroup; the first one is the criterion's
            continue
        if side == "lo":
            nlo, nli = v, inc
        else:
            nhi, nhi_inc = v, inc
        if (
            nlo is not None
            and nhi is not None
            and (nlo > nhi or (nlo == nhi and not (nli and nhi_inc)))
        ):
            # "Age >= 18 years. ... in patients < 18 years of age, children are excluded": a
            # later limit that empties the range restates the exclusion; the first one holds
            continue
        lo, hi, lo_inc, hi_inc = nlo, nhi, nli, nhi_inc
        used.append((x0, y0))
    if not used or (lo is None and hi is None):
        return []
    a = min(x for x, _ in used)
    b = max(y for _, y in used)
    atom = ctx.mk(
        AgeAtom, a, b, min_years=lo, max_years=hi, min_inclusive=lo_inc, max_inclusive=hi_inc
    )
    cover = [
        (m.start(), m.end())
        for m in re.finditer(
            r"\b(?:any|either|all) (?:gender|sex)(?:es)?\b|\bboth (?:genders|sexes)\b|\b(?:male|men) (?:and|or) (?:fe)?(?:male|men)\b|\bgender\b",
            t,
            re.I,
        )
    ]
    # when the age is taken: "Age >= 18 years at the time of signing informed consent"
    when = _AGE_WHEN.match(t, b)
    if when and not re.match(
        r"\s*(?:signing|signature|giving|providing|obtaining|informed|written)",
        t[when.end() :],
        re.I,
    ):
        cover.append(when.span())
    return [Found(atom, a, b, priority=7, cover=cover)]


_AGE_WHEN = re.compile(
    r"\s*,?\s*(?:(?:at|on|by)\s+(?:the\s+)?(?:time|day|date)\s+of|when\s+(?:enrolled|registered|signing))\s+"
    r"(?:consent|enrol?ment|registration|screening|study\s+entry|entry|randomi[sz]ation|inclusion|"
    r"diagnosis|first\s+dose|treatment|onto\s+(?:this|the)\s+study|(?:on|onto|in)\s+(?:this|the)\s+study|study\s+enrol?ment)?",
    re.I,
)

_SEX = re.compile(
    r"^(?:(?:patients?|subjects?|participants?)\s*(?:must\s*be\s*|who\s*are\s*)?)?"
    r"(?:(?:post|pre)-?menopausal\s*)?(?P<s>females?|women|woman|males?|men|man)\b"
    r"(?!\s*(?:and|or|/)\s*(?:fe)?males?|\s*(?:and|or)\s*wo?men)",
    re.I,
)
# Sex named inside a criterion rather than leading it: "Gender: female", "(female patients
# only)", "creatinine < 1.5 mg/dL [males]".
_SEX_INNER = re.compile(
    r"\b(?:gender|sex)\s*:\s*(?P<a>female|male)s?\b"
    r"|\b(?P<b>female|male)\s*(?:patients?|subjects?|participants?)?\s*only\b"
    r"|\[\s*(?P<c>females?|males?|men|women)\s*\]"
    r"|\bin\s+(?P<d>females?|males?|men|women)\s*(?:[<>≤≥=]|\d)",
    re.I,
)
_ANY_SEX = re.compile(
    r"\b(?:any|either|all) (?:gender|sex)(?:es)?\b|\bboth (?:genders|sexes)\b|"
    r"\b(?:males?|men) (?:and|or|&) (?:females?|women)\b|\b(?:females?|women) (?:and|or|&) (?:males?|men)\b",
    re.I,
)


@needs_derived(derived_gate(patterns=(_SEX, _SEX_INNER, _ANY_SEX)))
def extract_sex(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    m = _SEX.match(t)
    if m and not re.search(
        r"pregnan|breast[\s-]*fe|lactat|nursing|childbearing|contracep|potential|partner|qtc",
        t,
        re.I,
    ):
        s = m.group("s").lower()
        sex = "female" if s.startswith(("f", "w")) else "male"
        out.append(
            Found(
                ctx.mk(SexAtom, m.start("s"), m.end("s"), sex=sex),
                m.start("s"),
                m.end("s"),
                priority=3,
            )
        )
    if not out and not re.search(r"qtc|pregnan|childbearing|contracep|partner", t, re.I):
        for mi in _SEX_INNER.finditer(t):
            g = next(x for x in ("a", "b", "c", "d") if mi.group(x))
            sx = "female" if mi.group(g).lower().startswith(("f", "w")) else "male"
            out.append(
                Found(
                    ctx.mk(SexAtom, mi.start(g), mi.end(g), sex=sx),
                    mi.start(g),
                    mi.end(g),
                    priority=3,
                )
            )
    if not out and not _AGE_CONTEXT.search(t):
        m2 = _ANY_SEX.search(t)
        if m2 and len(t) < 40:
            # "Male or female" alone: no constraint, nothing to check
            from trialscout.criteria.atoms import AndNode

            out.append(
                Found(
                    ctx.mk(AndNode, m2.start(), m2.end(), args=[]), m2.start(), m2.end(), priority=1
                )
            )
    return out


_SCALE = (
    r"(?P<scale>eastern co-?operative (?:oncology )?group|ecog|zubrod|karnofsky|kps|lansky|lps|"
    r"world health organi[sz]ation|who|gog|swog|southwest oncology group)"
)
# a spelled-out grade: "Zubrod performance status of two or less"
_PNUM = r"(?:\d{1,3}|zero|one|two|three|four|five)(?![A-Za-z])"
_PERF = re.compile(
    _SCALE
    # a gloss of the scale may hold digits: "Zubrod performance status (measure of general
    # well being that ranges from 0 to 5 where 0 represents perfect health) of < 2"
    + r"(?P<fill>[^\d<>=;]{0,90}?(?:\((?:measure|scale|which|that|ranging|ranges|range|where)\b[^()]{0,140}\)[^\d<>=;()]{0,20}?)?)"
    r"(?:(?P<cmp>" + CMP + r")\s*)?(?P<a>" + _PNUM + r")\s*%?"
    r"(?:\s*(?:-|to|~|or|,|and|/)\s*(?P<b>\d{1,3})\s*%?(?:\s*,?\s*(?:,|or|and)\s*(?P<c>\d{1,3}))?)?"
    r"(?:\s*(?:or|and)\s*(?P<post>less|lower|better|higher|greater|more|above|below|under))?",
    re.I,
)
_PERF_REV = re.compile(
    r"(?:performance status|\bps\b)\s*(?:\(\s*ps\s*\)\s*)?(?:score\s*)?(?:of\s*)?(?P<cmp>"
    + CMP
    + r")?\s*(?P<a>\d)(?:\s*(?:-|to|or|,)\s*(?P<b>\d))?(?:\s*(?:,|or)\s*(?P<c>\d))?\s*(?:on|by|according to|per)\s*(?:the\s*)?"
    + _SCALE,
    re.I,
)


# no scale named: "PS > 1", "performance status of 0,1 or 2" (ECOG/WHO by convention)
_PERF_BARE = re.compile(
    r"(?P<scale>performance status|\bps\b)(?P<fill>[^\d<>=;]{0,20}?)(?:(?P<cmp>"
    + CMP
    + r")\s*)?(?P<a>[0-5])(?![\d%])"
    r"(?:\s*(?:-|to|~|or|,|and|/)\s*(?P<b>[0-5])(?:\s*,?\s*(?:,|or|and)\s*(?P<c>[0-5]))?)?(?![\d%])"
    r"(?:\s*(?:or|and)\s*(?P<post>less|lower|better|higher|greater|more|above|below|under))?",
    re.I,
)


def _scale(s: str) -> str:
    s = s.lower()
    if s.startswith(("ecog", "eastern", "zubrod", "gog", "swog", "southwest")):
        return "ECOG"
    if s.startswith(("karnofsky", "kps")):
        return "KPS"
    if s.startswith(("lansky", "lps")):
        return "LANSKY"
    return "WHO"


# a bare grade under a "Performance status:" heading: "0-2", "0, 1, or 2"
_PERF_VALUE = re.compile(
    r"(?P<a>[0-5])(?:\s*(?:-|to|or|,)\s*(?P<b>[0-5]))?(?:\s*,?\s*(?:,|or)\s*(?P<c>[0-5]))?(?=\s*(?:OR|AND)?\s*$)"
)
_GOG_OR_WHO = re.compile(r"\b(?:who|gog|swog|world health)", re.I)


@needs_derived(derived_gate(patterns=(_PERF, _PERF_REV, _PERF_BARE)))
def extract_performance(ctx: Ctx) -> list[Found]:
    t = ctx.text
    under_heading = bool(_GOG_OR_WHO.match(t)) and field_heading(ctx) == "performance"
    out: list[Found] = []
    named = bool(re.search(_SCALE, t, re.I))
    for rx in (_PERF, _PERF_REV, _PERF_BARE):
        if rx is _PERF_BARE and out:
            continue
        for m in rx.finditer(t):
            scale = "ECOG" if rx is _PERF_BARE else _scale(m.group("scale"))
            if rx is _PERF_BARE and named:
                # a scale is named: only where it is named right after the grade
                # ("0-2 according to Southwest Oncology Group criteria")
                tail = _PERF_TAIL.match(t, m.end())
                if tail is None or tail.group("scale") is None:
                    continue
                scale = _scale(tail.group("scale"))
            fill = m.groupdict().get("fill") or ""
            needs_cue = scale == "WHO" or m.group("scale").lower() in ("gog", "swog")
            if needs_cue and (
                not (
                    under_heading
                    or re.search(
                        r"performance|\bps\b", t[max(0, m.start() - 60) : m.end() + 5], re.I
                    )
                )
                or re.search(r"\b(?:grade|class|type|stage|classification)\b", fill, re.I)
            ):
                continue
            if rx is _PERF and (inner := list(re.finditer(_SCALE, fill, re.I))):
                # "World Health Organization (WHO) Eastern Cooperative Oncology Group (ECOG)
                # performance status": the scale named last is the one the numbers are on
                scale = _scale(inner[-1].group("scale"))
            if re.search(r"[.;]|\bdays?\b|\bweeks?\b", fill):
                continue
            nums = [number(x) for x in (m.group("a"), m.group("b"), m.group("c")) if x is not None]
            if any(n > 100 for n in nums):
                continue
            if scale in ("ECOG", "WHO") and any(n > 5 for n in nums):
                continue
            cmp_s = m.group("cmp")
            post = (m.groupdict().get("post") or "").lower()
            lo: float | None = None
            hi: float | None = None
            step = 1.0 if scale in ("ECOG", "WHO") else 10.0
            if cmp_s:
                c = comparator(cmp_s)
                v = nums[0]
                if c == ">=":
                    lo = v
                elif c == ">":
                    lo = v + step
                elif c == "<=":
                    hi = v
                elif c == "<":
                    hi = v - step
                else:
                    lo = hi = v
            elif post:
                if (
                    post in ("less", "lower", "better", "below", "under")
                    and scale
                    in (
                        "ECOG",
                        "WHO",
                    )
                ) or post in ("less", "lower", "below", "under"):
                    hi = nums[0]
                else:
                    lo = nums[0]
            elif len(nums) > 1:
                lo, hi = min(nums), max(nums)
            else:
                if scale in ("KPS", "LANSKY"):
                    lo = nums[0]
                else:
                    lo = hi = nums[0]
            if any(f.start <= m.start() < f.end for f in out):
                continue
            atom = ctx.mk(PerformanceAtom, m.start(), m.end(), scale=scale, min=lo, max=hi)
            # the scale named after the grade: "0-2 according to Southwest Oncology Group
            # criteria", "0 to 1 on the ECOG performance status schedule"
            tail = _PERF_TAIL.match(t, m.end())
            cover = [tail.span()] if tail and tail.end() > m.end() else []
            out.append(Found(atom, m.start(), m.end(), priority=8, cover=cover))
    return out


_PERF_TAIL = re.compile(
    r"(?:\s*(?:according\s+to|as\s+(?:defined|specified|assessed)\s+by|per|by|on|using|specified\s+by)\s+(?:the\s+)?"
    + _SCALE
    + r"(?:\s*\(\s*\w+\s*\))?)?(?:\s+(?:performance\s+)?(?:status\s+)?(?:criteria|scale|schedule|classification)\b)?",
    re.I,
)


_LIFE = re.compile(
    r"(?:life expectancy|expected survival|estimated survival|survival expectancy|expected life span|"
    r"anticipated survival|predicted survival|life-expectancy|expected to survive|estimated life expectancy|"
    r"expectation of life|survival time|survival period)"
    r"[^\d;]{0,30}?(?:(?P<cmp>" + CMP + r")\s*)?(?P<v>" + WNUM + r")\s*(?:\(\s*\d+\s*\)\s*)?"
    r"(?P<u>months?|weeks?|years?|days?)(?:\s*or\s*(?:more|longer|greater))?",
    re.I,
)


@needs_derived(derived_gate(patterns=(_LIFE,)))
def extract_life_expectancy(ctx: Ctx) -> list[Found]:
    return [_life_atom(ctx, m) for m in _LIFE.finditer(ctx.text)]


def _life_atom(ctx: Ctx, m: re.Match[str]) -> Found:
    """A life expectancy atom from a `_LIFE` or `_LIFE_VALUE` match."""
    v = number(m.group("v"))
    u = m.group("u").lower()
    months = (
        v
        if u.startswith("m")
        else v * 12
        if u.startswith("y")
        else v / (52 / 12)
        if u.startswith("w")
        else v / 30.4375
    )
    if m.group("cmp") and comparator(m.group("cmp")) == ">" and u.startswith("m"):
        months = v
    atom = ctx.mk(LifeExpectancyAtom, m.start(), m.end(), min_months=round(months, 2))
    return Found(atom, m.start(), m.end(), priority=8)


# a bare value under a "Life expectancy:" heading: "At least 12 weeks", "More than 3 months"
_LIFE_VALUE = re.compile(
    r"(?:(?P<cmp>" + CMP + r")\s*)?(?P<v>" + WNUM + r")\s*(?P<u>months?|weeks?|years?)\b", re.I
)
_VALUE_START = re.compile(
    r"\d|(?:under|over|at\s+least|more|less|greater|older|younger|no\s+more|no\s+less|gog|who|swog|world)\b",
    re.I,
)


def extract_field_values(ctx: Ctx) -> list[Found]:
    """Values listed under a PDQ field heading (`field_heading`): "Age:" / "18 and over",
    "Performance status:" / "0-2" or "WHO 0-1", "Life expectancy:" / "At least 2 months"."""
    t = ctx.text
    if len(t) > 60 or not _VALUE_START.match(t):
        return []
    f = field_heading(ctx)
    if f == "age":
        return _age_value(ctx)
    if f == "performance":
        m = _PERF_VALUE.match(t)
        if m is None:
            return []
        nums = [float(x) for x in (m.group("a"), m.group("b"), m.group("c")) if x is not None]
        atom = ctx.mk(
            PerformanceAtom, m.start(), m.end(), scale="ECOG", min=min(nums), max=max(nums)
        )
        return [Found(atom, m.start(), m.end(), priority=8)]
    if f == "life_expectancy":
        lm = _LIFE_VALUE.match(t)
        if lm is None:
            return []
        return [_life_atom(ctx, lm)]
    return []


__all__ = ["NUM"]


# ASCII text: these re.I regexes scan as their case-sensitive fold on the lower-cased
# text (`vocab.fast_fold`: same matches, 1.3-2x faster); checked by
# tests/criteria/test_speed_fold.py and bench/check_parse_identical.py
_OTHER_AGE = fast_fold(_OTHER_AGE)
_AGE_CONTEXT = fast_fold(_AGE_CONTEXT)
