"""Diagnosis, stage/TNM, disease status, metastases, measurable disease, time relations."""

# ruff: noqa: E501  (regex tables and word lists read better unwrapped)

from __future__ import annotations

import re

from trialscout.criteria.atoms import (
    DiagnosisAtom,
    DiseaseStatusAtom,
    MeasurableDiseaseAtom,
    MetastasisAtom,
    StageAtom,
    TimeRelationAtom,
)
from trialscout.criteria.extractors.base import (
    WNUM,
    Ctx,
    Found,
    derived_gate,
    needs,
    needs_derived,
    needs_match,
    number,
    to_days,
)
from trialscout.criteria.vocab import vocab

_CONFIRM = re.compile(
    r"(?P<c>histolog\w*|histopatholog\w*|patholog\w*|cytolog\w*|biopsy|tissue)[\s-]*(?:and/or\s*\w+\s*)?(?:or\s*\w+\s*)?"
    r"(?:confirmed|proven|documented|verified|diagnosed|confirmation|diagnosis|evidence)",
    re.I,
)
_WHO = re.compile(
    r"\bwho\s*(?:type|grade|classification|class)?\s*(?:type\s*)?(?P<a>iii|ii|i|[123])\b(?:\s*(?:or|and|/|,|-|to)\s*(?:type\s*)?(?P<b>iii|ii|i|[123])\b)?",
    re.I,
)
_ROM = {"1": "I", "2": "II", "3": "III", "i": "I", "ii": "II", "iii": "III"}


# a cancer named as another's context, not as the criterion's diagnosis: "malignancy
# other than breast cancer", "prior therapy for renal cell carcinoma", "CNS involvement with CLL"
_NOT_DX_BEFORE = re.compile(
    r"(?:(?:other\s+than|except(?:\s+for)?|excluding|besides|apart\s+from)\s+(?:(?:a|an|the|primary|prior|previous|their|[\w-]+)\s+){0,2}"
    r"|(?:therap\w*|treatment|chemotherapy|regimens?|radiotherapy|surgery|inhibitors?|agents?|involvement)\s+(?:\w+\s+){0,2}?(?:for|of|with)\s+(?:(?:the|their|this|advanced|metastatic|recurrent|primary|locally|[\w-]+)\s+){0,2})$",
    re.I,
)


_DX_NAMES = re.compile(
    r"malignan|cancer|carcinoma|tumou?r|neoplasm|lymphoma|leukemia|sarcoma|disease|diagnosis",
    re.I,
)
_CYTO = re.compile(r"cytolog", re.I)


# a result needs a cancer term, a histology term (with WHO/confirmation) or a confirmation
@needs_derived(derived_gate(vocab().cancer.keywords | vocab().histology.keywords, (_CONFIRM,)))
def extract_diagnosis(ctx: Ctx) -> list[Found]:
    v = vocab()
    t = ctx.text
    cancers = [
        c for c in v.cancer.find(t) if not _NOT_DX_BEFORE.search(t[max(0, c.start - 60) : c.start])
    ]
    hists = v.histology.find(t)
    conf = _CONFIRM.search(t)
    who = _WHO.search(t)
    if not cancers and not (hists and (conf or who)) and not conf:
        return []
    if not cancers and conf and not hists and not _DX_NAMES.search(t):
        return []
    confirmation = None
    if conf:
        c = conf.group("c").lower()
        confirmation = (
            "cytological"
            if c.startswith("cyto")
            else "pathological"
            if c.startswith("patho")
            else "histological"
        )
        if _CYTO.search(conf.group(0)) and c.startswith("histo"):
            confirmation = "any"
    histologies = []
    who_types: list[str] = []
    hist_ids = [h.id for h in hists]
    for h in hist_ids:
        if h not in histologies:
            histologies.append(h)
        wt = v.histology_who.get(h)
        if wt and wt not in who_types:
            who_types.append(wt)
    if who:
        for g in ("a", "b"):
            x = who.group(g)
            if x and _ROM[x.lower()] not in who_types:
                who_types.append(_ROM[x.lower()])
    extra = [(h.start, h.end) for h in hists]
    if conf:
        extra.append(conf.span())
    if who:
        extra.append(who.span())
    out: list[Found] = []
    ids: list[str] = []
    for c in cancers:
        if c.id in ids:
            extra.append((c.start, c.end))
            continue
        ids.append(c.id)
    if not cancers:
        a = min(s for s, _ in extra)
        b = max(e for _, e in extra)
        atom = ctx.mk(
            DiagnosisAtom,
            a,
            b,
            cancer=None,
            histologies=histologies,
            who_types=who_types,
            confirmation=confirmation,
        )
        return [Found(atom, a, b, priority=2)]
    for cid in ids:
        first = next(c for c in cancers if c.id == cid)
        spans = [(first.start, first.end)]
        if len(ids) == 1:
            spans += extra
        a = min(s for s, _ in spans)
        b = max(e for _, e in spans)
        atom = ctx.mk(
            DiagnosisAtom,
            a,
            b,
            cancer=cid,
            histologies=histologies,
            who_types=who_types,
            confirmation=confirmation,
        )
        cover = extra if len(ids) > 1 else []
        out.append(Found(atom, first.start, first.end, priority=2, cover=[*cover, (a, b)]))
    return out


# ------------------------------------------------------------------ stage

_GROUPS = [
    "0",
    "I",
    "IA",
    "IB",
    "IC",
    "II",
    "IIA",
    "IIB",
    "IIC",
    "III",
    "IIIA",
    "IIIB",
    "IIIC",
    "IV",
    "IVA",
    "IVB",
    "IVC",
]
_STAGE_TOKEN = r"(?:iv|i{1,3}|[0-4])[a-c]?\d?"
_STAGE = re.compile(
    r"\bstages?\s*(?P<list>"
    + _STAGE_TOKEN
    + r"(?:\s*(?:,\s*)?(?:-|to|through|or|and|/|,|~)\s*(?:stage\s*)?"
    + _STAGE_TOKEN
    + r"){0,4})(?![A-Za-z0-9])"
    r"(?:\s*(?:disease|cancer|carcinoma|npc|nasopharyngeal carcinoma))?",
    re.I,
)
_TNM = re.compile(
    r"(?<![A-Za-z0-9])(?P<pre>[cpyr]{1,2})?T(?P<t>any|is|x|[0-4][a-d]?)(?:\s*-\s*(?P<t2>[0-4][a-d]?))?"
    r"\s*N(?P<n>any|x|[0-3][a-c]?)(?:\s*-\s*(?P<n2>[0-3][a-c]?))?\s*(?:M(?P<m>any|x|[01][a-c]?))?(?![A-Za-z0-9])"
    r"|(?<![A-Za-z0-9])(?P<pre2>[cpr]{1,2})?(?P<only>[TNM])(?P<v>[0-4][a-d]?)(?:\s*-\s*(?P<v2>[0-4][a-d]?))?(?:\s*(?:or|and|/|,)\s*(?P=only)?(?P<v3>[0-4][a-d]?))?(?![A-Za-z0-9])",
)
_EDITION = re.compile(
    r"(?:ajcc|uicc|tnm|american joint committee on cancer)[^;.]{0,30}?(?P<e>7th|8th|9th|seventh|eighth|ninth|v7|v8|v9)"
    r"|(?P<e2>7th|8th|9th|seventh|eighth|ninth)\s*(?:edition|ed\.?|version)?\s*(?:of\s*(?:the\s*)?)?(?:ajcc|uicc)",
    re.I,
)


# SCLC (VA Lung Study Group): "limited or extensive-stage disease"
_SCLC_STAGE = re.compile(
    r"\b(?:limited|extensive)(?:[\s-]*(?:or|and|/|,)[\s-]*(?:limited|extensive))?[\s-]*stages?\b"
    r"|\bstages?\s*:?\s*(?:limited|extensive)(?:[\s-]*(?:or|and|/)[\s-]*(?:limited|extensive))?\b",
    re.I,
)
# a stage of something other than the cancer: COPD (GOLD), kidney disease, heart failure
_NOT_CANCER_STAGE = re.compile(
    r"(?:\s*[\w-]+){0,3}?\s*(?:chronic obstructive|copd|chronic kidney|ckd|renal disease|kidney disease|heart failure|pressure ulcer|decubitus|hypertension|lymphedema)",
    re.I,
)
# sub-categories a lettered range start runs through ("N2a-3" = N2a, N2b, N2c, N3)
_SUBLETTERS = {"T1": "abc", "T2": "ab", "T4": "ab", "N2": "abc"}


def _norm_group(s: str) -> str:
    s = s.upper().strip()
    s = (
        {"4": "IV", "3": "III", "2": "II", "1": "I"}.get(s[:1], s[:1]) + s[1:]
        if s[:1].isdigit() and s[:1] != "0"
        else s
    )
    return s


def _expand(a: str, b: str) -> list[str]:
    if a not in _GROUPS or b not in _GROUPS:
        return [a, b]
    ia, ib = _GROUPS.index(a), _GROUPS.index(b)
    if ib <= ia:
        return [a, b]
    mains = [
        g for g in _GROUPS[ia + 1 : ib] if g in ("I", "II", "III", "IV") and not b.startswith(g)
    ]
    return [a, *mains, b]


def _range(prefix: str, a: str, b: str | None) -> list[str]:
    if a.lower() == "any":
        return []
    if not b:
        return [prefix + a.lower() if a.lower() in ("x", "is") else prefix + a]
    try:
        lo, hi = int(a[0]), int(b[0])
    except ValueError:
        return [prefix + a, prefix + b]
    out = [prefix + a]
    sub = _SUBLETTERS.get(prefix + a[0], "")
    if len(a) == 2 and a[1] in sub and hi > lo:
        out += [prefix + a[0] + x for x in sub[sub.index(a[1]) + 1 :]]
    out += [prefix + str(i) for i in range(lo + 1, hi)]
    out.append(prefix + b)
    return out


# every atom comes from `_STAGE`/`_SCLC_STAGE` (both need "stage") or the case-sensitive `_TNM`
# ("stage" spelled out as re.I matches it, "\u017f" included, so the gate stays case-sensitive and fast)
@needs_match(re.compile("[Ss\u017f][Tt][Aa][Gg][Ee]|T(?:any|is|x)|[TNM][0-4]"))
def extract_stage(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    ed = _EDITION.search(t)
    edition = None
    if ed:
        e = (ed.group("e") or ed.group("e2")).lower()
        edition = (
            "AJCC7"
            if e[-1] == "7" or e.startswith("sev") or e == "7th"
            else "AJCC8"
            if e.startswith(("8", "eig", "v8"))
            else "AJCC9"
        )
    basis = None
    if re.search(r"\bclinical(?:ly)?\s*(?:stage|staged|tnm)|\bc(?:tnm|T\d)", t, re.I):
        basis = "clinical"
    elif re.search(r"\bpatholog\w*\s*(?:stage|staged|tnm)|\bp(?:tnm|T\d)", t, re.I):
        basis = "pathological"
    # one stage atom per ";"-clause: "Stage IV ...; Stage III ... must have ..." are
    # separate limits (each with its own condition), not one list
    clauses: dict[
        int, tuple[list[str], list[str], list[str], list[str], list[tuple[int, int]]]
    ] = {}

    def bucket(
        pos: int,
    ) -> tuple[list[str], list[str], list[str], list[str], list[tuple[int, int]]]:
        return clauses.setdefault(t.count(";", 0, pos), ([], [], [], [], []))

    for m in _STAGE.finditer(t):
        if _NOT_CANCER_STAGE.match(t, m.end()):
            continue
        toks = re.split(
            r"\s*(?:,\s*(?=or\b|and\b))?(-|to|through|or|and|/|,|~)\s*(?:stage\s*)?",
            m.group("list"),
            flags=re.I,
        )
        vals = [_norm_group(x) for x in toks[::2]]
        seps = [x.lower() for x in toks[1::2]]
        res: list[str] = [vals[0]]
        for sep, val in zip(seps, vals[1:], strict=False):
            if sep in ("-", "to", "through", "~"):
                res = res[:-1] + _expand(res[-1], val)
            else:
                res.append(val)
        groups, _t, _n, _m, spans = bucket(m.start())
        for g in res:
            if g not in groups:
                groups.append(g)
        spans.append(m.span())
    for m in _SCLC_STAGE.finditer(t):
        groups, _t, _n, _m, spans = bucket(m.start())
        for g in re.findall(r"limited|extensive", m.group(0), re.I):
            if g.lower() not in groups:
                groups.append(g.lower())
        spans.append(m.span())
    for m in _TNM.finditer(t):
        _g, tl, nl, ml, spans = bucket(m.start())
        if m.group("t") is not None:
            tl += _range("T", m.group("t"), m.group("t2"))
            nl += _range("N", m.group("n"), m.group("n2"))
            if m.group("m"):
                ml += _range("M", m.group("m"), None)
            spans.append(m.span())
        elif m.group("only"):
            # a lone T/N/M category needs stage context nearby
            if not re.search(r"stage|tnm|ajcc|uicc|\bT\d|\bN\d|\bM\d|disease|tumou?r", t, re.I):
                continue
            letter = m.group("only")
            vals = _range(letter, m.group("v"), m.group("v2"))
            if m.group("v3"):
                vals.append(letter + m.group("v3"))
            {"T": tl, "N": nl, "M": ml}[letter].extend(vals)
            spans.append(m.span())
    for k, (groups, tl, nl, ml, spans) in sorted(clauses.items()):
        if not spans:
            continue
        if ed and (k == min(clauses) or len(clauses) == 1):
            spans.append(ed.span())
        a = min(s for s, _ in spans)
        b = max(e for _, e in spans)
        atom = ctx.mk(
            StageAtom, a, b, groups=groups, t=tl, n=nl, m=ml, edition=edition, basis=basis
        )
        out.append(Found(atom, a, b, priority=8, cover=spans))
    return out


# ------------------------------------------------------------------ status, metastases


_STATUS_DETAIL = re.compile(
    r"\s*\(?\s*(?P<d>with or without|with and without|with|without)\s+(?P<w>regional|nodal|neck|distant)\s*(?:\w+\s*)?(?:recurrence|relapse|metastas\w*|involvement)?\s*\)?",
    re.I,
)


@needs_derived(derived_gate(vocab().status.keywords))
def extract_disease_status(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    for pm in vocab().status.find(t):
        status = pm.id
        if status == "recurrent_metastatic":
            from trialscout.criteria.atoms import OrNode

            a1 = ctx.mk(DiseaseStatusAtom, pm.start, pm.end, status="recurrent")
            a2 = ctx.mk(DiseaseStatusAtom, pm.start, pm.end, status="metastatic")
            out.append(
                Found(ctx.mk(OrNode, pm.start, pm.end, args=[a1, a2]), pm.start, pm.end, priority=3)
            )
            continue
        detail = None
        cover: list[tuple[int, int]] = []
        dm = _STATUS_DETAIL.match(t, pm.end)
        if dm and status in ("local_recurrence", "recurrent"):
            d = dm.group("d").lower().replace(" ", "_")
            detail = f"{d}_{dm.group('w').lower()}"
            cover.append(dm.span())
        atom = ctx.mk(DiseaseStatusAtom, pm.start, pm.end, status=status, detail=detail)
        out.append(Found(atom, pm.start, pm.end, priority=3, cover=cover))
    return out


_MET = re.compile(r"metasta\w*|\bmets\b|lesions?|involvement|deposits?|spread", re.I)
_MET_QUAL = re.compile(
    r"(?P<q>asymptomatic|symptomatic|untreated|treated|unstable|stable|active|progressive|progressing|uncontrolled|known|clinically active|leptomeningeal|previously treated|new|not previously treated)",
    re.I,
)


@needs_derived(derived_gate(vocab().site.keywords))
def extract_metastasis(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    v = vocab()
    sites = v.site.find(t)
    for sm in sites:
        after = t[sm.end : sm.end + 25]
        before = t[max(0, sm.start - 30) : sm.start]
        mm = _MET.search(after)
        mb = re.search(
            r"(?:metastas[ie]s|metastatic (?:disease|lesions?|spread)|\bmets\b)\s*(?:to|in|of|involving)\s*(?:the\s*)?(?:\w+\s*)?$",
            before,
            re.I,
        )
        if not (mm and mm.start() < 12) and not mb:
            continue
        if mm and re.match(r"\s*lesions?", after, re.I) and not re.search(r"metasta|mets", t, re.I):
            continue
        if sm.id in ("bone", "lymph_node") and not re.search(
            r"metasta|mets", t[sm.start - 30 : sm.end + 30], re.I
        ):
            continue
        a = sm.start - (len(before) - mb.start()) if mb else sm.start
        b = sm.end + mm.end() if (mm and mm.start() < 12) else sm.end
        fields: dict[str, bool] = {}
        window = t[max(0, a - 40) : a] + " " + t[b : b + 60]
        for q in _MET_QUAL.finditer(window):
            w = q.group("q").lower()
            if w == "asymptomatic":
                fields["symptomatic"] = False
            elif w == "symptomatic":
                fields.setdefault("symptomatic", True)
            elif w in ("untreated", "not previously treated"):
                fields["treated"] = False
            elif w in ("treated", "previously treated"):
                fields.setdefault("treated", True)
            elif w in (
                "unstable",
                "active",
                "progressive",
                "progressing",
                "uncontrolled",
                "clinically active",
                "new",
            ):
                fields["stable"] = False
            elif w == "stable":
                fields.setdefault("stable", True)
        qa = re.search(
            r"(?:(?:asymptomatic|symptomatic|untreated|treated|unstable|stable|active|progressive|uncontrolled|known|clinically active|and|or|/|,)\s*){1,4}$",
            t[max(0, a - 45) : a],
            re.I,
        )
        start = a - len(qa.group(0)) if qa else a
        atom = ctx.mk(MetastasisAtom, start, b, site=sm.id, **fields)
        out.append(Found(atom, start, b, priority=6))
    return out


_MEASURABLE = re.compile(
    r"(?:(?:at least|>=|a minimum of|minimum of)\s*)?(?:(?P<n>one|two|three|\d)\s*(?:\(\d\)\s*)?)?(?:\w+[\s-]*){0,2}?"
    r"(?:measurable|evaluable|assessable)(?:\s*(?:and/or|or|and)\s*(?:evaluable|measurable))?\s*(?:[\w-]+\s*){0,2}?"
    r"(?:disease|lesions?|tumou?rs?|target lesions?|sites? of disease)",
    re.I,
)
_STANDARD = re.compile(
    r"(?:(?:per|according to|by|as defined by|defined by|based on|using|as per|following)\s*(?:the\s*)?)?"
    r"(?P<s>recist\s*(?:v(?:ersion)?\.?\s*)?(?:1\.1|1\.0)?|irecist|mrecist|rano(?:-bm)?|lugano(?:\s*\d{4})?|iwg|choi|pcwg[23]?|imwg|cheson|gcig|ihc)(?:\s*criteria)?(?:\s*(?:v(?:ersion)?\s*)?1\.1)?",
    re.I,
)


@needs("measurab", "evaluab", "assessab")
def extract_measurable(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    if not re.search(r"measurab|evaluab|assessab", ctx.low):
        return out
    for m in _MEASURABLE.finditer(t):
        n = 1
        if m.group("n"):
            n = int(number(m.group("n")))
        a, b = m.span()
        cover: list[tuple[int, int]] = []
        std = None
        sm = _STANDARD.search(t)
        if sm:
            std = (
                re.sub(r"\s+", " ", sm.group("s"))
                .upper()
                .replace("VERSION", "")
                .replace("V ", "")
                .replace("V1", "1")
            )
            std = re.sub(r"\s+", " ", std).strip()
            if std == "RECIST":
                std = "RECIST"
            cover.append(sm.span())
        sites: list[str] = []
        after = t[b : b + 70]
        sub = re.match(
            r"\s*(?:metastatic\s*)?(?:lesions?\s*)?(?:in|of|at|within|involving)\s*(?:the\s*)?(?P<s>[^;()]{2,60})",
            after,
            re.I,
        )
        if sub:
            for pm in vocab().site.find(sub.group("s")):
                if pm.id not in sites:
                    sites.append(pm.id)
            if sites:
                cover.append((b, b + sub.end()))
        atom = ctx.mk(MeasurableDiseaseAtom, a, b, standard=std, min_lesions=n, sites=sites)
        out.append(Found(atom, a, b, priority=8, cover=cover))
    return out


# ------------------------------------------------------------------ time relations

_DUR = r"(?P<v>" + WNUM + r")\s*(?:\(\d+\)\s*)?[\s-]*(?P<u>days?|weeks?|months?|years?)"
# "<cmp> N months (or more) after/of/from/following <reference>" and "N months or less"
_TREL = re.compile(
    r"(?P<cmp>more than|over|at least|>=|>|greater than|longer than|beyond|less than|within|<=|<|after|minimum interval of|interval of|a minimum of|minimum of)?\s*"
    + _DUR
    + r"\s*(?P<post>or (?:more|longer|greater|less|fewer|shorter))?\s*"
    r"(?P<rel>after|from|since|following|of)\s+(?:the\s*)?(?:completion|end|ending|completing|finishing|last\s*dose|last\s*administration|start|initiation|discontinuation|stopping|the\s*last|initial\s*course|course)?"
    r"(?P<ref>[^;.]{0,80}?(?:treatment|therapy|regimen|radiotherapy|chemoradiotherapy|radiation|irradiation|chemotherapy|surgery|resection|imxt|imrt|dose|course|diagnosis|transplant\w*|agent))",
    re.I,
)
_TREL_POST = re.compile(
    r"(?P<ref>time\s*from\s*[^;.]{3,80}?)\s*"
    + _DUR
    + r"\s*(?P<post>or (?:more|longer|greater|less|fewer|shorter))",
    re.I,
)
_DFI = re.compile(
    _DUR
    + r"\s*(?P<ref>disease[\s-]*free\s*(?:interval|period|survival)|interval\s*free\s*of\s*disease)",
    re.I,
)
_EVENT = re.compile(
    r"recurr\w*|relaps\w*|metasta\w*|progress\w*|\binterval\b|disease[\s-]*free|time\s*from", re.I
)
_MAX_WORDS = ("less than", "within", "<", "<=")


def _event_name(w: str) -> str:
    w = w.lower()
    if w.startswith(("recurr", "relaps")):
        return "recurrence"
    if w.startswith("metasta"):
        return "metastasis"
    if w.startswith("progress"):
        return "progression"
    if w.startswith("disease"):
        return "disease_free_interval"
    return "study_entry"


def _reference_name(ref: str) -> str:
    r = ref.lower()
    if re.search(r"radical|curative|definitive", r):
        return "end_of_curative_treatment"
    if "primary" in r:
        return "end_of_primary_treatment"
    if "diagnos" in r:
        return "initial_diagnosis"
    if re.search(r"surgery|resection", r):
        return "surgery"
    if re.search(r"radi|imxt|imrt", r):
        return "end_of_radiotherapy"
    if "adjuvant" in r:
        return "end_of_adjuvant_therapy"
    return "end_of_treatment"


@needs_derived(derived_gate(patterns=(_EVENT,)))
def extract_time_relation(ctx: Ctx) -> list[Found]:
    """Intervals between a disease event and a reference ("relapse within 6 months of
    adjuvant chemotherapy", "recurrence > 1 year after radical treatment", "5-year
    disease-free interval"). An event with no interval ("relapsed after first-line
    chemotherapy") is no time relation: the therapy and status atoms carry it."""
    t = ctx.text
    if not _EVENT.search(t):
        return []
    out: list[Found] = []
    taken: list[tuple[int, int]] = []
    for rx in (_TREL, _TREL_POST, _DFI):
        for m in rx.finditer(t):
            a, b = m.start(), m.end()
            if any(x < b and a < y for x, y in taken):
                continue
            gd = m.groupdict()
            if rx is _DFI:
                event = "disease_free_interval"
            else:
                # the event is named before the interval, in the same sentence
                left = max(t.rfind(";", 0, a), t.rfind(". ", 0, a)) + 1
                evs = list(_EVENT.finditer(t, left, a + len(gd.get("cmp") or "") + 1))
                if rx is _TREL_POST:
                    evs = [e for e in _EVENT.finditer(m.group(0))]
                if not evs:
                    continue
                event = _event_name(evs[-1].group(0))
                if event == "study_entry" and not re.search(r"interval", evs[-1].group(0), re.I):
                    event = "metastasis" if "metasta" in m.group(0).lower() else "study_entry"
            days = to_days(number(m.group("v")), m.group("u"))
            c = (gd.get("cmp") or "").lower().strip()
            post = (gd.get("post") or "").lower()
            mn = mx = None
            if post.endswith(("less", "fewer", "shorter")) or c in _MAX_WORDS:
                mx = days
            elif rx is not _TREL or c or post or gd.get("rel", "").lower() != "of":
                mn = days
            else:
                continue  # "6 months of therapy": a duration, not an interval
            ref = _reference_name(gd.get("ref") or "")
            if rx is _DFI:
                ref = "prior_cancer"
            atom = ctx.mk(
                TimeRelationAtom, a, b, event=event, reference=ref, min_days=mn, max_days=mx
            )
            # the reference therapy stays free for the therapy extractor (its own atom)
            claim = m.start("ref") if rx is _TREL else b
            out.append(Found(atom, a, claim, priority=8))
            taken.append((a, b))
    return out
