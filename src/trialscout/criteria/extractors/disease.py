"""Diagnosis, stage/TNM, disease status, metastases, measurable disease, time relations."""

# ruff: noqa: E501  (regex tables and word lists read better unwrapped)

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from trialscout.criteria.atoms import (
    DiagnosisAtom,
    DiseaseStatusAtom,
    Expr,
    MeasurableDiseaseAtom,
    MetastasisAtom,
    NotNode,
    OrNode,
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
from trialscout.criteria.vocab import PhraseMatch, fast_fold, read_table, vocab

_CONFIRM = re.compile(
    r"(?P<c>histolog\w*|histopatholog\w*|patholog\w*|cytolog\w*|biopsy|tissue)(?:[\s-]*(?:and/or|or|/)[\s-]*\w+){0,2}[\s-]*"
    r"(?:confirmed|proven|documented|documentation|verified|diagnosed|confirmation|diagnosis|evidence)",
    re.I,
)
_CONFIRM_BY = re.compile(
    r"\b(?:confirmed|proven|documented|diagnosed|verified)\s+(?:by|on|with|via|through)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,2}?(?P<c>biopsy|histolog\w*|patholog\w*|cytolog\w*)"
    r"|\bby\s+(?:an?\s+)?(?P<c2>biopsy)\b",
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
    r"(?:(?:other\s+than|except(?:\s+for)?|excluding|besides|apart\s+from|(?:distinct|different|separate)\s+(?:in\s+(?:[\w-]+\s+){1,5}?)?from)\s+(?:(?:a|an|the|primary|prior|previous|their|[\w-]+)\s+){0,2}"
    r"|(?:therap\w*|treatment|chemotherapy|regimens?|radiotherapy|surgery|inhibitors?|agents?|involvement)\s+(?:\w+\s+){0,2}?(?:for|of|with)\s+(?:(?:the|their|this|advanced|metastatic|recurrent|primary|locally|[\w-]+)\s+){0,2}"
    r"|(?:therap\w*|treatment|chemotherapy|regimens?|radiotherapy|surgery|inhibitors?|agents?)\s+(?:\w+\s+){0,2}?for\s+(?:(?:the|their|this|an?|advanced|metastatic|recurrent|relapsed|refractory|primary|locally|locoregionally|unresectable|inoperable|resectable|early|late|stage|newly|diagnosed|and|or|and/or|[iv]{1,3}[abc]?)(?:\s*[,/]\s*|\s+)){1,8})$",
    re.I,
)


# "Response Evaluation Criteria in Solid Tumors" names a rulebook, not the patient's cancer
_RECIST_NAME = re.compile(
    r"response\s+evaluation\s+criteria\s+(?:in|for)\s+solid\s+tumou?rs?|\bcriteria\s+(?:in|for)\s+solid\s+tumou?rs?",
    re.I,
)

# "International Myeloma Working Group", "Prostate Cancer Working Group 2": an organisation
_ORG_AFTER = re.compile(
    r"\s*(?:\(\w+\)\s*)?(?:clinical\s+)?(?:working\s+group|study\s+group|consortium|foundation|society|network|alliance)\b",
    re.I,
)
# cancers listed as exceptions: "(excluding basal or squamous cell carcinoma of the skin,
# in situ carcinoma of the cervix, ... thyroid cancer that has been treated curatively)"
_EXCEPT_INTRO = re.compile(
    r"\b(?:excluding|except(?:\s+for)?|other\s+than|with(?:in)?\s+the\s+exception\s+of|apart\s+from|besides|aside\s+from)\b",
    re.I,
)
# in an exclusion, a cancer named as the patient's history is a comorbidity (condition
# other_malignancy / its named cancer), not the diagnosis the trial is for
_HISTORY_BEFORE = re.compile(
    r"\b(?:history\s+of|prior|previous|second|other|another|coexist\w*|concurrent|synchronous|metachronous|additional)\b[^;.()]{0,40}$",
    re.I,
)


def _exception_zones(t: str) -> list[tuple[int, int]]:
    zones: list[tuple[int, int]] = []
    for m in _EXCEPT_INTRO.finditer(t):
        a = m.end()
        opened = t.rfind("(", 0, m.start()) > t.rfind(")", 0, m.start())
        if opened:
            depth, b = 1, len(t)
            for k in range(a, len(t)):
                if t[k] == "(":
                    depth += 1
                elif t[k] == ")":
                    depth -= 1
                    if depth == 0:
                        b = k
                        break
        else:
            stop = re.search(r";|\.\s|\.$", t[a:])
            b = a + stop.start() if stop else len(t)
        zones.append((a, b))
    return zones


# the classification a diagnosis is made by: WHO, IMWG, iwCLL / NCI-WG
_DX_ORG = (
    r"(?:world\s+health\s+organi[sz]ation(?:\s*\(\s*who\s*\))?|who|imwg|iwcll(?:\s*/\s*nci[\s-]*wg)?|nci[\s-]*wg"
    r"|international\s+myeloma\s+working\s+group(?:\s*\(\s*imwg\s*\))?"
    r"|international\s+workshop\s+on\s+chronic\s+lymphocytic\s+leuka?emia(?:\s*\(\s*iwcll\s*\))?)"
)
_DX_STANDARD = re.compile(
    r"\b(?:as\s+)?(?:defined\s+by|according\s+to|per|by|based\s+on|using|meeting|meets|fulfilling|established\s+(?:by|according\s+to))\s+"
    r"(?:the\s+)?(?:\d{4}\s+)?(?:standard\s+|updated\s+|revised\s+|current\s+)?"
    + _DX_ORG
    + r"(?:\s*\(?\d{4}\)?)?(?:\s+(?:diagnostic\s+)?(?:criteria|classification|guidelines|definition)"
    r"(?:\s+(?:of|for)\s+(?:lymphoid|myeloid|hematopoietic|haematopoietic|lymphoid\s+and\s+myeloid)\s+(?:malignancies|neoplasms|tumou?rs))?)?"
    r"(?:\s*\(?\d{4}\)?)?",
    re.I,
)
_DX_NAMES = re.compile(
    r"malignan|cancer|carcinoma|tumou?r|neoplasm|lymphoma|leukemia|sarcoma|disease|diagnosis",
    re.I,
)
_CYTO = re.compile(r"cytolog", re.I)


_LIST_HEAD = re.compile(
    r"(?:cancers?|carcinomas?|adenocarcinomas?|tumou?rs?|malignanc(?:y|ies))$", re.I
)


@lru_cache(maxsize=1)
def _organ_words() -> tuple[re.Pattern[str], dict[str, str]]:
    """Organ words from the cancer table ("breast" of "breast cancer" -> breast_cancer), for
    lists that share one head noun: "advanced breast, gastric, head and neck, liver and
    non-small cell lung cancer"."""
    ids: dict[str, str] = {}
    for r in read_table("cancer_types.csv"):
        for syn in r["synonyms"].split("|"):
            m = re.fullmatch(r"([a-z][a-z' -]+?)\s+(?:cancer|carcinoma)", syn.strip().lower())
            if m and m.group(1) not in ("other", "primary", "advanced"):
                ids.setdefault(re.sub(r"[\s-]+", " ", m.group(1)), r["id"])
    alt = "|".join(
        r"[\s-]*".join(re.escape(w) for w in k.split()) for k in sorted(ids, key=len, reverse=True)
    )
    item = rf"(?:{alt})"
    rx = re.compile(
        rf"(?<![A-Za-z0-9-])(?P<items>{item}(?:\s*,\s*(?:and\s+|or\s+)?{item}|\s+(?:and/or|and|or)\s+{item}){{1,6}})(?:\s*\([A-Za-z/&-]{{2,8}}\))?\s+(?:cancers?|carcinomas?|adenocarcinomas?|tumou?rs?)\b",
        re.I,
    )
    return rx, ids


def _list_groups(t: str) -> list[tuple[int, int]]:
    """(start of the items, end of the head noun) of each "gastric or GEJ adenocarcinoma"."""
    rx, _ids = _organ_words()
    return [(m.start("items"), m.end()) for m in rx.finditer(t)]


def _listed_cancers(t: str) -> list[PhraseMatch]:
    """Cancers named by an organ word before a shared head noun ("breast, gastric ... cancer")."""
    rx, ids = _organ_words()
    out: list[PhraseMatch] = []
    for m in rx.finditer(t):
        items = m.group("items")
        base = m.start("items")
        for w in re.finditer(r"[^,]+?(?=\s*,|\s+(?:and/or|and|or)\s+(?!neck)|$)", items):
            word = re.sub(r"^(?:and|or|and/or)\s+", "", w.group(0).strip(), flags=re.I)
            key = re.sub(r"[\s-]+", " ", word.lower())
            if key in ids:
                a = base + w.start() + w.group(0).find(word)
                out.append(PhraseMatch(ids[key], a, a + len(word), word))
    return out


def _nearest(pos: tuple[int, int], cands: list[PhraseMatch]) -> PhraseMatch | None:
    best, dist = None, 10**9
    for c in cands:
        d = 0 if c.start <= pos[0] < c.end else min(abs(pos[0] - c.end), abs(c.start - pos[1]))
        if d < dist:
            best, dist = c, d
    return best


_ALL_WORD = re.compile(
    r"(?<![A-Za-z0-9(/-])ALL(?![A-Za-z0-9)/-])(?!\s+(?:[A-Z]{2,}|(?:other\s+)?(?:sites?|patients?|participants?|subjects?|solid|tumou?rs?|lesions?|other|of|the|prior|previous|cases?|cohorts?|arms?|groups?|types?|forms?)\b))"
)
_ALL_CONTEXT = re.compile(
    r"leuka?emi|lymphoblastic|\bAML\b|\bCML\b|\bCLL\b|\bMDS\b|Ph\+|Philadelphia|\bblasts?\b|\bMRD\b|relaps|refractory|remission"
)
# a cancer named only by its extent, with no organ: "advanced cancer", "metastatic
# malignancy" (docs/criteria-gold.md: solid_tumor); the extent words stay a status atom
_EXTENT = r"(?:advanced|metastatic|recurrent|relapsed|refractory|incurable|unresectable|inoperable|locally\s+advanced|progressive)"
_GENERIC_DX = re.compile(
    rf"\b{_EXTENT}(?:\s*(?:and/or|or|and|/|,)\s*{_EXTENT})*\s+(?P<n>cancers?|malignanc(?:y|ies)|neoplasms?|neoplastic\s+disease)\b(?!\s+(?:of|arising)\b)",
    re.I,
)
# "non-medullary thyroid cancer", "non-clear cell histologies": the term is negated by its prefix
_NON_BEFORE = re.compile(r"\bnon[\s-]?$", re.I)
# head and neck subsites listed after a carcinoma: "squamous cell carcinoma of the oral
# cavity, oropharynx, hypopharynx or larynx" is a head and neck cancer (docs/criteria-gold.md)
_HN_SITE = (
    r"(?:oral\s+cavity|oro-?pharynx|naso-?pharynx|hypo-?pharynx|larynx|pharynx|oral\s+tongue)"
)
_HN_LIST = re.compile(
    rf"(?:\b(?:of|involving|in|arising\s+(?:in|from))\s+(?:either\s+)?(?:the\s+)?|\(\s*)"
    rf"(?P<l>{_HN_SITE}(?:\s*,\s*(?:and\s+|or\s+)?(?:the\s+)?{_HN_SITE}|\s+(?:and/or|or|and)\s+(?:the\s+)?{_HN_SITE})+)",
    re.I,
)
_HN_HEAD = re.compile(r"carcinoma|cancer|\bscc|squamous|tumou?r|malignan", re.I)
# histologies named as what the diagnosis must NOT be: "adenocarcinoma of prostate without
# neuroendocrine differentiation or small cell features" -> one atom per excluded histology
_WITHOUT = re.compile(r"\b(?:without|excluding|other\s+than|but\s+not|no\s+evidence\s+of)\b", re.I)
_EXCLUDED_PAREN = re.compile(
    r"\((?P<z>[^()]*?\b(?:are|is)\s+(?:excluded|not\s+eligible|ineligible|not\s+allowed)[^()]*)\)",
    re.I,
)


# one-word histology names that state a diagnosis on their own (others need two words:
# "squamous" alone is a qualifier, "squamous cell carcinoma" a histology)
_BARE_HISTOLOGY_OK = frozenset(
    {
        "adenocarcinoma",
        "leiomyosarcoma",
        "fibrosarcoma",
        "liposarcoma",
        "glioblastoma",
        "oligodendroglial",
        "mixed_glioma",
        "anaplastic_astrocytoma",
        "adenosquamous",
    }
)
_HISTOLOGY_IN_NAME = frozenset({("medullary_thyroid_cancer", "medullary"), ("sclc", "small_cell")})
# when the tissue was taken: "histologically proven ... at time of diagnosis or relapse"
_AT_TIME = re.compile(
    r"\b(?:at|from)\s+(?:the\s+)?time\s+of\s+(?:initial\s+|first\s+)?(?:diagnosis|relapse|recurrence|progression)"
    r"(?:\s+(?:or|and|and/or)\s+(?:at\s+)?(?:diagnosis|relapse|recurrence|progression))?",
    re.I,
)
# qualifiers written before a cancer name that the diagnosis explains ("primary ovarian
# cancer", "invasive breast cancer", "malignant glioma")
_DX_QUAL_BEFORE = re.compile(
    r"\b(?:primary|invasive|malignant|de\s+novo|nasal|extranodal)\s+$", re.I
)


_HIST_NOUN = re.compile(
    r"[\s-]+(?:cell[\s-]+)?(?:histolog(?:y|ies)|histologic(?:al)?\s+(?:sub)?types?|variants?|subtypes?|components?|features)\b",
    re.I,
)


def _same_head(a: str, b: str) -> bool:
    """Whether two cancer names end in the same head noun ("synovial sarcoma",
    "leiomyosarcoma", "soft tissue sarcomas")."""
    wa = re.findall(r"[a-z]+", a.lower())
    wb = re.findall(r"[a-z]+", b.lower())
    if not (wa and wb):
        return False
    x, y = wa[-1].rstrip("s"), wb[-1].rstrip("s")
    return x.endswith(y) or y.endswith(x)  # "leiomyosarcoma" and "sarcoma"


def _hn_lists(t: str) -> list[PhraseMatch]:
    out: list[PhraseMatch] = []
    for m in _HN_LIST.finditer(t):
        left = max(t.rfind(";", 0, m.start()), t.rfind(". ", 0, m.start())) + 1
        if _HN_HEAD.search(t, max(left, m.start() - 160), m.start()):
            out.append(PhraseMatch("head_and_neck_cancer", m.start("l"), m.end("l"), m.group("l")))
    return out


# a result needs a cancer term, a histology term (with WHO/confirmation), a confirmation or
# the bare abbreviation "ALL" (`_ALL_WORD`, read beside a blood-cancer word)
@needs_derived(
    derived_gate(
        vocab().cancer.keywords | vocab().histology.keywords, (_CONFIRM, _GENERIC_DX, _ALL_WORD)
    )
)
def extract_diagnosis(ctx: Ctx) -> list[Found]:
    v = vocab()
    t = ctx.text
    rulebooks = [m.span() for m in _RECIST_NAME.finditer(t)]
    n_books = len(rulebooks)
    if _EXCEPT_INTRO.search(t):
        # "malignancy other than leukemia or a primary CNS tumor": the exception is no
        # diagnosis of the criterion, in either section
        rulebooks += _exception_zones(t)
    found = v.cancer.find(t)
    if "ALL" in t and _ALL_CONTEXT.search(t):
        # "AML or ALL", "relapsed/refractory ALL": acute lymphoblastic leukemia, read only
        # beside a blood-cancer word ("ALL sites of disease", "ALL PATIENTS" are no cancer)
        for am in _ALL_WORD.finditer(t):
            if not any(f.start <= am.start() < f.end for f in found):
                found.append(PhraseMatch("all", am.start(), am.end(), am.group(0)))
    hn = _hn_lists(t)
    if hn:
        # the subsites are one head and neck cancer ("nasopharynx" in the list is no NPC)
        found = [c for c in found if not any(h.start < c.end and c.start < h.end for h in hn)] + hn
    for gm in _GENERIC_DX.finditer(t) if ctx.kind == "inclusion" else ():
        ga, gb = gm.span("n")
        if not any(f.start < gb and ga < f.end for f in found):
            found.append(PhraseMatch("solid_tumor", ga, gb, gm.group("n")))
    kept_found: list[PhraseMatch] = []
    for fm in found:
        if not _NON_BEFORE.search(t[max(0, fm.start - 4) : fm.start]):
            kept_found.append(fm)
            continue
        # "non-medullary thyroid cancer": the negated word goes, the rest may name a cancer
        w = re.match(r"[\w-]+\s*", fm.text)
        off = fm.start + (w.end() if w else 0)
        for sub in v.cancer.find(t[off : fm.end]):
            kept_found.append(PhraseMatch(sub.id, off + sub.start, off + sub.end, sub.text))
    found = kept_found
    found.sort(key=lambda c: c.start)
    hists = [
        h
        for h in v.histology.find(t)
        if not _NON_BEFORE.search(t[max(0, h.start - 4) : h.start])
        # "medullary" of "medullary thyroid cancer", "small cell" of "small cell lung cancer"
        # name the cancer type itself, not a histology of it
        and not any(
            c.start <= h.start < c.end and (c.id, h.id) in _HISTOLOGY_IN_NAME for c in found
        )
        # "AA" is anaplastic astrocytoma only beside a glioma ("GBM, AA or ... glial tumors")
        and not (h.text == "AA" and not any(c.id == "glioma" for c in found))
        # an exclusion's exception ("lymphoma other than DLBCL") names no histology of it
        # (in an inclusion the excluded histologies become their own atoms, negated)
        and not (
            ctx.kind == "exclusion" and any(ra <= h.start < rb for ra, rb in rulebooks[n_books:])
        )
    ]
    # "squamous cell histology", "sarcomatoid variant": the noun is the histology's own
    named: set[int] = set()
    for k, hx in enumerate(hists):
        if re.search(r"histolog", hx.text, re.I):
            named.add(hx.start)  # "squamous histology" is itself a table phrase
        noun = _HIST_NOUN.match(t, hx.end)
        if noun:
            hists[k] = PhraseMatch(hx.id, hx.start, noun.end(), t[hx.start : noun.end()])
            named.add(hx.start)
    cancers: list[PhraseMatch] = []
    for fm in found:
        if (
            _NOT_DX_BEFORE.search(t[max(0, fm.start - 100) : fm.start])
            or any(ra <= fm.start < rb for ra, rb in rulebooks)
            or _ORG_AFTER.match(t, fm.end)
        ):
            continue
        if ctx.kind == "exclusion" and _HISTORY_BEFORE.search(t[max(0, fm.start - 60) : fm.start]):
            continue
        cancers.append(fm)
    # a generic cancer word inside a histology ("synovial sarcoma", "clear cell sarcoma")
    # beside the cancer the list is about ("Soft Tissue Sarcoma, including ...")
    inner = [c for c in cancers if any(h.start <= c.start and c.end <= h.end for h in hists)]
    # only a subtype of a cancer still named ("synovial sarcoma" beside "soft tissue
    # sarcoma"): "primary CNS lymphoma" beside "prolymphocytic leukemia" is its own cancer
    outer = [c for c in cancers if c not in inner]
    inner = [c for c in inner if any(_same_head(c.text, o.text) for o in outer)]
    if inner and len(inner) < len(cancers):
        cancers = [c for c in cancers if c not in inner]
    listed = [
        c
        for c in _listed_cancers(t)
        if not any(x.start < c.end and c.start < x.end for x in cancers)
        and not _NOT_DX_BEFORE.search(t[max(0, c.start - 60) : c.start])
    ]
    if listed:
        cancers = sorted(cancers + listed, key=lambda c: c.start)
    conf = _CONFIRM.search(t)
    conf_by = None if conf else _CONFIRM_BY.search(t)
    who = _WHO.search(t)
    # an exclusion names a histology on its own only with its noun ("Squamous cell histology",
    # "No collecting duct, medullary or sarcomatoid histology"), never a bare "squamous cell
    # carcinoma" (often another cancer's, "of the skin")
    hist_excl = (
        ctx.kind == "exclusion"
        and bool(named)
        and not cancers
        and not re.search(r"\bskin\b|cutaneous", t, re.I)
    )
    if not cancers and (ctx.kind == "inclusion" or hist_excl) and not conf and not who:
        # a histology on its own ("Squamous cell carcinoma", a bullet under "Histology:")
        hists = [
            h
            for h in hists
            if not any(a <= h.start < b for a, b in rulebooks)
            and not _NOT_DX_BEFORE.search(t[max(0, h.start - 100) : h.start])
            and not (hist_excl and _HISTORY_BEFORE.search(t[max(0, h.start - 60) : h.start]))
        ]
        if not any(h.id in _BARE_HISTOLOGY_OK or " " in h.text.strip() for h in hists):
            hists = []
        if hists:
            who = None
    if (
        not cancers
        and not (hists and (conf or who))
        and not conf
        and not (hists and (ctx.kind == "inclusion" or hist_excl))
    ):
        return []
    if not cancers and conf and not hists and not _DX_NAMES.search(t):
        return []
    confirmation = None
    if conf_by and cancers:
        c = (conf_by.group("c") or conf_by.group("c2")).lower()
        confirmation = (
            "cytological"
            if c.startswith("cyto")
            else "pathological"
            if c.startswith("patho")
            else "histological"
        )
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
    elif conf_by and cancers:
        extra.append(conf_by.span())
    if who:
        extra.append(who.span())
    if conf or conf_by:
        extra += [m.span() for m in _AT_TIME.finditer(t)]
    if cancers:
        # the rulebook the diagnosis is made by ("AML according to the World Health
        # Organization (WHO) classification", "MM per IMWG criteria"), right after a cancer
        for sm in _DX_STANDARD.finditer(t):
            if any(
                0 <= sm.start() - c.end <= 100 and not re.search(r";|\.\s", t[c.end : sm.start()])
                for c in cancers
            ):
                extra.append(sm.span())
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
        # the atom claims its first words and covers the rest, so a status written between
        # the confirmation and the histology ("confirmed recurrent ... epithelial cancer") stays
        lead = min(extra)
        return [Found(atom, lead[0], lead[1], priority=2, cover=extra)]
    # one cancer, histologies it must not have: "without neuroendocrine differentiation or
    # small cell features" (one atom each), "(papillary ... or chromophobe RCC are excluded)"
    # (one atom for the list); the tree negates them
    split: list[list[PhraseMatch]] = []
    zones: list[tuple[int, int]] = []
    if len(ids) == 1 and ctx.kind == "inclusion" and hists:
        split, zones = _excluded_histologies(t, hists)
        if split:
            used = {(h.start, h.end) for g in split for h in g}
            histologies = [h.id for h in hists if (h.start, h.end) not in used]
            histologies = list(dict.fromkeys(histologies))
            extra = [sp for sp in extra if not any(za <= sp[0] < zb for za, zb in zones)]
    # several cancers: a histology belongs to the cancer it is written with (nearest)
    own: dict[str, list[str]] = {}
    if len(ids) > 1:
        firsts = [next(c for c in cancers if c.id == cid) for cid in ids]
        groups = _list_groups(t) if listed else []
        for hm in hists:
            # the shared head noun of a list: "gastric or GEJ (GEJ) adenocarcinoma"
            shared = [
                c
                for ga, gb in groups
                if ga <= hm.start < gb
                for c in cancers
                if ga <= c.start < hm.start
            ]
            # "squamous cell carcinoma of unknown primary": the cancer written after "of"
            of = re.match(r"\s+(?:of|in|arising\s+(?:in|from))\s+(?:the\s+)?", t[hm.end :], re.I)
            after = [c for c in cancers if of and c.start == hm.end + of.end()]
            inside = [c for c in cancers if hm.start <= c.start < hm.end]
            targets = (
                shared
                or inside
                or after
                or [x for x in [_nearest((hm.start, hm.end), firsts)] if x]
            )
            for near in targets:
                if hm.id not in own.setdefault(near.id, []):
                    own[near.id].append(hm.id)
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
            histologies=histologies if len(ids) == 1 else own.get(cid, []),
            who_types=who_types,
            confirmation=confirmation,
        )
        cover: list[tuple[int, int]] = []
        if len(ids) > 1:
            mine = set(own.get(cid, []))
            others = [(c.start, c.end) for c in cancers if c.id != cid]
            cover = [
                sp
                for sp in extra
                if not any(x <= sp[0] < y for x, y in others)
                and not any(h.start == sp[0] and h.id not in mine for h in hists)
            ]
        quals = [
            (c.start - len(q.group(0)), c.start)
            for c in [*(c for c in cancers if c.id == cid), *(hists if len(ids) == 1 else [])]
            for q in [_DX_QUAL_BEFORE.search(t[max(0, c.start - 14) : c.start])]
            if q
        ]
        out.append(Found(atom, first.start, first.end, priority=2, cover=[*cover, (a, b), *quals]))
    # the histologies of one "without ..." / "(... are excluded)" zone are what the cancer must
    # not be: NOT(any of them), so "without neuroendocrine or small cell features" never
    # reads as an alternative diagnosis
    by_zone: dict[int, list[list[PhraseMatch]]] = {}
    for grp in split:
        zi = next((k for k, (za, zb) in enumerate(zones) if za <= grp[0].start < zb), -1)
        by_zone.setdefault(zi, []).append(grp)
    for grps in by_zone.values():
        atoms = [
            ctx.mk(
                DiagnosisAtom,
                grp[0].start,
                grp[-1].end,
                cancer=ids[0],
                histologies=list(dict.fromkeys(h.id for h in grp)),
            )
            for grp in grps
        ]
        za, zb = grps[0][0].start, grps[-1][-1].end
        inner = atoms[0] if len(atoms) == 1 else ctx.mk(OrNode, za, zb, args=atoms)
        cover = [(h.start, h.end) for grp in grps for h in grp]
        out.append(
            Found(ctx.mk(NotNode, za, zb, arg=inner), za, grps[0][0].end, priority=2, cover=cover)
        )
    out += _excepted_cancers(ctx, t, cancers, rulebooks[n_books:])
    return out


_EXCEPT_LEAD = re.compile(r"\s*(?::\s*)?(?:(?:a|an|the|for|patients?\s+with)\s+)*", re.I)
_EXCEPT_GAP = re.compile(
    r"\s*(?:\([^()]{1,12}\)\s*)?(?:,\s*)?(?:or|and|and/or|nor|/)?\s*(?:,\s*)?", re.I
)


def _excepted_cancers(
    ctx: Ctx, t: str, kept: list[PhraseMatch], zones: list[tuple[int, int]]
) -> list[Found]:
    """An inclusion's "AML other than acute promyelocytic leukemia", "any solid tumor except
    breast cancer": the excepted cancers, right after the cancer they carve out of, negated."""
    if ctx.kind != "inclusion" or not kept or _NO_LEAD.match(t):
        return []
    out: list[Found] = []
    for za, zb in zones:
        intro = _EXCEPT_INTRO.search(t, max(0, za - 30), za)
        if not intro or intro.end() != za:
            continue
        if not any(0 <= intro.start() - c.end <= 3 for c in kept):
            continue
        # "AML other than APL": an excepted subtype the table files under the same id
        # cannot be negated without negating the cancer itself
        # only the list right after the intro ("except APL, including leukemia secondary
        # to MDS": "leukemia" and "MDS" are no exceptions)
        run: list[PhraseMatch] = []
        pos = za
        for c in vocab().cancer.find(t):
            if c.start < pos or c.start >= zb:
                continue
            gap = t[pos : c.start]
            if not (_EXCEPT_GAP.fullmatch(gap) if run else _EXCEPT_LEAD.fullmatch(gap)):
                break
            run.append(c)
            pos = c.end
        own = {c.id for c in kept}
        found = [c for c in run if c.id not in own]
        if not found or _HISTORY_BEFORE.search(t[max(0, za - 60) : za]):
            continue
        atoms = [ctx.mk(DiagnosisAtom, c.start, c.end, cancer=c.id) for c in found]
        a, b = found[0].start, found[-1].end
        inner = atoms[0] if len(atoms) == 1 else ctx.mk(OrNode, a, b, args=atoms)
        out.append(
            Found(
                ctx.mk(NotNode, a, b, arg=inner),
                a,
                found[0].end,
                priority=2,
                cover=[(c.start, c.end) for c in found],
            )
        )
    return out


def _excluded_histologies(
    t: str, hists: list[PhraseMatch]
) -> tuple[list[list[PhraseMatch]], list[tuple[int, int]]]:
    zones: list[tuple[int, int, bool]] = [
        (m.start("z"), m.end("z"), True) for m in _EXCLUDED_PAREN.finditer(t)
    ]
    for m in _WITHOUT.finditer(t):
        stop = re.search(r";|\.\s|\.$|\)", t[m.end() :])
        zones.append((m.end(), m.end() + stop.start() if stop else len(t), False))
    groups: list[list[PhraseMatch]] = []
    used: set[int] = set()
    for za, zb, together in zones:
        inz = [h for h in hists if za <= h.start < zb and h.start not in used]
        if not inz:
            continue
        used.update(h.start for h in inz)
        groups += [inz] if together else [[h] for h in inz]
    return groups, [(za, zb) for za, zb, _ in zones]


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
_STAGE_TOKEN = r"(?:iv|i{1,3}|[0-4])(?:\s(?=[a-c](?![A-Za-z0-9])))?[a-c]?\d?"
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


# the staging system named beside a stage: explained by the stage atom
_STAGE_SYSTEM = re.compile(
    r"\b(?:ann\s+arbor|ajcc|uicc|figo|american\s+joint\s+committee\s+on\s+cancer|international\s+union\s+against\s+cancer|tnm"
    r"|(?:revised\s+|r-)?iss|international\s+staging\s+system|durie[\s-]+salmon|(?:modified\s+)?rai)"
    r"(?:\s*[(\[][^()\[\]]{0,45}[)\]])?(?:\s+(?:classification|staging(?:\s+system)?|stage))?",
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
_STAGE_HISTORY = re.compile(
    r"\b(?:history\s+of|prior|previous|other|another|second|additional|concurrent|synchronous|metachronous)\s+"
    r"(?:(?:invasive|primary|malignancy|cancer|of|a|an)\s+)*(?=stages?\b)[^;.()]{0,30}",
    re.I,
)
_SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])")
_TNM_OR = re.compile(r"\s*,?\s*(?:or|and/or)\s+", re.I)
# sub-categories a lettered range start runs through ("N2a-3" = N2a, N2b, N2c, N3)
_SUBLETTERS = {"T1": "abc", "T2": "ab", "T4": "ab", "N2": "abc"}


def _norm_group(s: str) -> str:
    s = re.sub(r"\s+", "", s.upper())  # "IV C" = IVC
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
    # "IA-IIA" runs through IB and IC ("I" itself is not named: its sub-stages are); "II-IV"
    # through III; "IIIA-IVB" through IIIB, IIIC and IVA
    ma, mb = a.rstrip("ABC"), b.rstrip("ABC")
    mid = []
    for g in _GROUPS[ia + 1 : ib]:
        main = g.rstrip("ABC")
        if g == main:
            if g not in (ma, mb):
                mid.append(g)
        elif (a != ma and main == ma) or (b != mb and main == mb):
            mid.append(g)
    return [a, *mid, b]


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
    # an exclusion's exceptions ("other malignancy EXCEPT ... superficial bladder tumors [Ta,
    # Tis and T1]") name the stages of the excepted cancers, not the criterion's
    skip = _exception_zones(t) if ctx.kind == "exclusion" and _EXCEPT_INTRO.search(t) else []
    if ctx.kind == "exclusion":
        # "History of stage III or greater cancer", "prior stage I breast cancer": another
        # cancer's stage (a comorbidity), never the stage of the cancer the trial is for
        for hm in _STAGE_HISTORY.finditer(t):
            skip.append((hm.start(), hm.end()))
    basis = None
    if re.search(r"\bclinical(?:ly)?\s*(?:stage|staged|tnm)|\bc(?:tnm|T\d)", t, re.I):
        basis = "clinical"
    elif re.search(r"\bpatholog\w*\s*(?:stage|staged|tnm)|\bp(?:tnm|T\d)", t, re.I):
        basis = "pathological"
    # one stage atom per ";"-clause: "Stage IV ...; Stage III ... must have ..." are
    # separate limits (each with its own condition), not one list
    clauses: dict[
        tuple[int, int], tuple[list[str], list[str], list[str], list[str], list[tuple[int, int]]]
    ] = {}
    # "T2-3 N0-2 or T1 N1-2": TNM combinations given as alternatives are one atom each
    alt = [0]
    last_tnm: list[int] = []

    def bucket(
        pos: int, sub: int = 0
    ) -> tuple[list[str], list[str], list[str], list[str], list[tuple[int, int]]]:
        # one atom per ";"-clause and per sentence: "Stage III or greater cancer ...
        # Incidental findings of stage I or II prostate cancer ... is allowed" are two facts
        k = t.count(";", 0, pos) + len(_SENTENCE_END.findall(t, 0, pos))
        return clauses.setdefault((k, sub), ([], [], [], [], []))

    for m in _STAGE.finditer(t):
        if any(za <= m.start() < zb for za, zb in skip):
            continue
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
        if any(za <= m.start() < zb for za, zb in skip):
            continue
        groups, _t, _n, _m, spans = bucket(m.start())
        for g in re.findall(r"limited|extensive", m.group(0), re.I):
            if g.lower() not in groups:
                groups.append(g.lower())
        spans.append(m.span())
    for m in _TNM.finditer(t):
        if any(za <= m.start() < zb for za, zb in skip):
            continue
        if m.group("t") is not None:
            if last_tnm and _TNM_OR.fullmatch(t, last_tnm[0], m.start()):
                alt[0] += 1
            last_tnm[:] = [m.end()]
        _g, tl, nl, ml, spans = bucket(m.start(), alt[0])
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
        if ed and (k == min(clauses) or len(clauses) == 1 or k[0] == min(clauses)[0]):
            spans.append(ed.span())
        for sysm in _STAGE_SYSTEM.finditer(t):
            if (
                t.count(";", 0, sysm.start()) + len(_SENTENCE_END.findall(t, 0, sysm.start()))
                == k[0]
                and not k[1]
            ):
                spans.append(
                    sysm.span()
                )  # "Ann Arbor", "AJCC (American Joint Committee on Cancer)"
        a = min(s for s, _ in spans)
        b = max(e for _, e in spans)
        atom = ctx.mk(
            StageAtom, a, b, groups=groups, t=tl, n=nl, m=ml, edition=edition, basis=basis
        )
        # the atom claims its first stage words; the rest are covered, so a status or a
        # cancer written between two stages ("Stage 3 unresectable or Stage 4") stays
        first = min(spans)
        out.append(Found(atom, first[0], first[1], priority=8, cover=spans))
    return out


# ------------------------------------------------------------------ status, metastases


# an extent word that qualifies a comorbidity or a treatment, not the cancer
_NOT_STATUS_AFTER = re.compile(
    r"[\s-]+(?:(?:pulmonary|lung|liver|hepatic|heart|cardiac|renal|kidney|respiratory|cardiovascular|cerebrovascular|vascular|neurologic\w*|psychiatric|hiv|copd|chronic)[\s-]+(?:[a-z-]+\s+)?(?:disease|failure|insufficiency|dysfunction|impairment|infection)\b"
    r"|(?:radiation|radiotherapy|irradiation|therapy|treatment|surgery|resection|excision|ablation)\b"
    r"|maternal\s+age|age\b)",
    re.I,
)
_STATUS_DETAIL = re.compile(
    r"\s*\(?\s*(?P<d>with or without|with and without|with|without)\s+(?P<w>regional|nodal|neck|distant)\s*(?:\w+\s*)?(?:recurrence|relapse|metastas\w*|involvement)?\s*\)?",
    re.I,
)


_NOT_STATUS_BEFORE = re.compile(
    r"(?:\b(?:risk|chance|likelihood|probability)\s+(?:of|for)\s+(?:\w+\s+)?(?:disease\s+|tumou?r\s+)?"
    r"|\b(?:at|from)\s+(?:the\s+)?time\s+of\s+(?:\w+\s+(?:or|and)\s+)?"
    r"|\btime\s+to\s+(?:disease\s+)?"
    r"|\b(?:second|third|fourth|fifth|2nd|3rd|4th|5th|multiple|greater\s+than\s+(?:a\s+)?(?:first|second|third))\s+)$",
    re.I,
)
# how a status was shown: "radiographic evidence of metastatic disease", "radiologic, nuclear
# image, or histologic verification of relapse" (not "biochemical": a PSA relapse is another fact)
_EVIDENCE_BEFORE = re.compile(
    r"(?<![A-Za-z])(?:(?:radiolog\w*|radiograph\w*|clinical(?:ly)?|histolog\w*|cytolog\w*|patholog\w*|endoscop\w*|imaging|objective|unequivocal|definitive|documented"
    r"|nuclear\s+imag\w*|ct|mri|pet|scan)(?:\s*,)?(?:\s+(?:or|and|and/or)\s+|\s*/\s*|\s+)?)+"
    r"(?:evidence|verification|confirmation|documentation|proof)\s+of\s+(?:(?:disease|tumou?r|the)\s+)?$",
    re.I,
)
# status words that name the setting a therapy was given in, not the patient's disease:
# "in the neoadjuvant, adjuvant or metastatic setting", "recurrent/metastatic disease setting"
_SETTING_AFTER = re.compile(
    r"(?:[\s,/-]+(?:(?:or|and|and/or)\s+)?(?:recurrent|metastatic|advanced|locally[\s-]+advanced|unresectable"
    r"|relapsed|refractory|adjuvant|neo-?adjuvant|curative|palliative|first[\s-]line|second[\s-]line|disease))*[\s-]+settings?\b",
    re.I,
)
# "Recurrence diagnosed more than 12 months after ...": the status is asserted, then timed
_ASSERTED_AFTER = re.compile(
    r"\s+(?:of\s+[\w-]+\s+)?(?:(?:was|is|has\s+been)\s+)?(?:diagnosed|documented|confirmed|detected)\b",
    re.I,
)


# no standard treatment left: "for which no standard therapy exists", "for whom no therapy
# of proven efficacy exists", "no curative standard treatment is available" (status
# refractory, as the fixed phrases of disease_status.csv)
_NO_THERAPY_Q = (
    r"(?:known|other|standard|curative|effective|proven|appropriate|alternative|preferable|further|approved|"
    r"conventional|established|potentially|systemic|life[\s-]prolonging|standard[\s-]of[\s-]care|of\s+care|more)"
)
_NO_THERAPY = re.compile(
    rf"\b(?:(?:for\s+(?:which|whom)|where|when)\s+(?:there\s+(?:is|are)\s+)?no\s+(?:{_NO_THERAPY_Q}[\s,-]+(?:or\s+)?){{0,5}}"
    rf"|no\s+(?:{_NO_THERAPY_Q}[\s,-]+(?:or\s+)?){{1,5}})"
    r"(?:therapy|therapies|treatments?|treatment\s+options?|regimens?)(?:\s+of\s+(?:proven|known)\s+(?:efficacy|benefit))?"
    r"(?:\s+for\s+(?:this|their|the)\s+disease)?\s+(?:that\s+)?(?:currently\s+)?(?:exists?|is\s+available|are\s+available|available)\b",
    re.I,
)
# the rest of a fixed phrase: "... measures do not exist[ or are no longer effective]"
_REFRACTORY_TAIL = re.compile(
    r"\s*(?:or\s+(?:are|is|have\s+become|has\s+become)\s+no\s+longer\s+effective|(?:currently\s+)?(?:exists?|is\s+available|are\s+available))\b",
    re.I,
)


# which remission or CML phase: "beyond 2nd remission", "in first or subsequent remission",
# "second or greater chronic phase" (the ordinal goes in detail; the words are the atom's)
_ORD = r"(?:first|second|third|fourth|1st|2nd|3rd|4th)"
_PHASE_ORDINAL = re.compile(
    rf"(?:\b(?:beyond|after|in|at)\s+(?:(?:the|their|a)\s+)?)?\b{_ORD}(?:\s*(?:or|and|/|,)\s*(?:{_ORD}|subsequent|later|greater|higher|beyond))?\s+(?:(?:or\s+)?(?:subsequent|later|greater|higher)\s+)?(?:complete\s+|hematologic\w*\s+|morphologic\w*\s+)?$",
    re.I,
)
_ORD_WORD = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth"}
# what a refractory/resistant status is to: "platinum-resistant", "platinum refractory"
_REFRACTORY_TO = re.compile(r"\b(?:primary\s+)?(?:platinum|cisplatin|carboplatin)[\s-]*$", re.I)


# CML phases sharing one head noun: "chronic or accelerated phase", "accelerated, blast or
# second chronic phase" (one status each; the phase words are in disease_status.csv)
_PHASE_WORD = r"(?:(?:(?:first|second|1st|2nd)\s+)?chronic|accelerated|blast(?:ic)?)"
_PHASE_LIST = re.compile(
    rf"\b{_PHASE_WORD}(?:\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and/or|or|and)\s|/)\s*{_PHASE_WORD})+[\s-]+phases?\b",
    re.I,
)


def _phase_list(ctx: Ctx, t: str) -> tuple[list[Found], list[tuple[int, int]]]:
    out: list[Found] = []
    spans: list[tuple[int, int]] = []
    for m in _PHASE_LIST.finditer(t):
        spans.append(m.span())
        words = list(re.finditer(_PHASE_WORD, m.group(0), re.I))
        for k, w in enumerate(words):
            low = w.group(0).lower()
            status = (
                "chronic_phase"
                if low.endswith("chronic")
                else "accelerated_phase"
                if low == "accelerated"
                else "blast_crisis"
            )
            detail = None
            if " " in low:
                detail = re.sub(r"\b(1st|2nd)\b", lambda x: _ORD_WORD[x.group(1)], low) + " phase"
            a, b = m.start() + w.start(), m.start() + w.end()
            atom = ctx.mk(DiseaseStatusAtom, a, b, status=status, detail=detail)
            cover = [(b, m.end())] if k == len(words) - 1 else []
            out.append(Found(atom, a, b, priority=3, cover=cover))
    return out, spans


def _ordinal_detail(before: str, status_text: str) -> tuple[str, int] | None:
    """The ordinal words right before a remission or CML phase, as detail text, and how
    many characters before the status they start."""
    m = _PHASE_ORDINAL.search(before)
    if not m:
        return None
    words = re.sub(r"\s+", " ", m.group(0)).strip().lower()
    words = re.sub(r"\b(1st|2nd|3rd|4th)\b", lambda w: _ORD_WORD[w.group(1)], words)
    words = re.sub(r"^(?:in|at)\s+(?:(?:the|their|a)\s+)?", "", words)
    return f"{words} {status_text.lower()}".strip(), len(before) - m.start()


@needs_derived(derived_gate(vocab().status.keywords, (_NO_THERAPY,)))
def extract_disease_status(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    trels: list[int] | None = None
    no_therapy = [m.span() for m in _NO_THERAPY.finditer(t)]
    for x, y in no_therapy:
        atom = ctx.mk(DiseaseStatusAtom, x, y, status="refractory")
        # the whole phrase is the status: "no standard systemic therapy" is no prior therapy
        out.append(Found(atom, x, y, priority=7))
    # an exclusion's exceptions ("other cancer, except early-stage prostate cancer") hold the
    # course of the excepted cancers, not of the criterion's
    skip = _exception_zones(t) if ctx.kind == "exclusion" and _EXCEPT_INTRO.search(t) else []
    phases, phase_spans = _phase_list(ctx, t) if "phase" in ctx.low else ([], [])
    out += phases
    for pm in vocab().status.find(t):
        if any(x <= pm.start < y for x, y in [*no_therapy, *phase_spans, *skip]):
            continue
        status = pm.id
        before = t[max(0, pm.start - 60) : pm.start]
        if status.endswith("remission") and ctx.kind == "exclusion":
            continue  # "other malignancy unless in complete remission": that cancer's course
        if status in ("recurrent", "progressive") and _NOT_STATUS_BEFORE.search(before):
            continue  # "risk of disease progression", "at time of diagnosis or relapse", "second relapse"
        if status in ("recurrent", "progressive"):
            # the event of an interval ("progression or recurrence within 6 months of last
            # dose"): the time_relation atom holds it (docs/criteria-gold.md)
            if trels is None:
                trels = [m.start() for rx in (_TREL, _TREL_POST) for m in rx.finditer(t)]
            if not _ASSERTED_AFTER.match(t, pm.end) and any(
                0 <= x - pm.end <= 100 and not re.search(r";|\.\s", t[pm.end : x]) for x in trels
            ):
                continue
        if _SETTING_AFTER.match(t, pm.end):
            continue  # "given in the adjuvant or metastatic setting": a therapy's setting
        if status in ("advanced", "early_stage", "locally_advanced") and _NOT_STATUS_AFTER.match(
            t, pm.end
        ):
            continue  # "advanced pulmonary disease", "localized radiation therapy"
        if status in ("recurrent_metastatic", "recurrent_persistent"):
            a1 = ctx.mk(DiseaseStatusAtom, pm.start, pm.end, status="recurrent")
            a2 = ctx.mk(DiseaseStatusAtom, pm.start, pm.end, status=status.split("_")[1])
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
        start = pm.start
        if status.endswith("remission") and re.search(
            r"\b(?:relaps\w*|recurr\w*|progress\w*)\s+(?:after|following|beyond)\s+(?:the\s+|their\s+)?(?:\w+\s+)?$",
            before,
            re.I,
        ):
            continue  # "relapsed after first remission": not in remission; the words stay
        if status in ("remission", "complete_remission", "chronic_phase") and (
            od := _ordinal_detail(t[max(0, pm.start - 50) : pm.start], pm.text)
        ):
            # "beyond 2nd remission", "first or subsequent remission": which remission
            detail, start = od[0], pm.start - od[1]
            if status == "complete_remission" and "complete" not in od[0]:
                status = "remission"
        if status == "refractory" and (
            rt := _REFRACTORY_TO.search(t, max(0, pm.start - 25), pm.start)
        ):
            # "platinum-resistant": refractory to platinum (docs/criteria-gold.md)
            detail = re.sub(r"[\s-]+", " ", rt.group(0) + pm.text).strip().lower()
            start = rt.start()
        if status == "local_recurrence":
            # a recurrence at the primary site: status recurrent, detail local
            # (docs/criteria-gold.md; the matcher reads detail "local...")
            status, detail = "recurrent", "local" + (f"_{detail}" if detail else "")
        atom = ctx.mk(DiseaseStatusAtom, start, pm.end, status=status, detail=detail)
        if start < pm.start:
            cover.append((start, pm.start))
        if ev := _EVIDENCE_BEFORE.search(t, max(0, start - 120), start):
            cover.append(ev.span())  # "radiographic evidence of" the status: how it is shown
        # "not amenable to surgical resection" is the disease's extent, not a judgement cue
        pr = (
            7
            if status == "unresectable"
            and pm.text.lower().startswith("not ")
            and not re.match(r"\s*(?:or|and|/)\s", t[pm.end :])
            else 3
        )
        if status == "refractory" and (tail := _REFRACTORY_TAIL.match(t, pm.end)):
            cover.append(tail.span())
        out.append(Found(atom, pm.start, pm.end, priority=pr, cover=cover))
    return _status_alternatives(ctx, t, out)


# statuses that are alternatives of one noun: "relapsed or refractory multiple myeloma",
# "locally advanced or metastatic NSCLC" = (relapsed OR refractory) AND myeloma, never
# relapsed OR (refractory AND myeloma)
_ALT_GAP = re.compile(r"\s*(?:,\s*)?(?:or|and/or|/)\s*|\s*,\s*", re.I)
_OR_GAP = re.compile(r"\bor\b|/", re.I)


def _status_alternatives(ctx: Ctx, t: str, found: list[Found]) -> list[Found]:
    plain = sorted(
        (f for f in found if f.priority == 3 and f.expr.type in ("disease_status", "or")),
        key=lambda f: f.start,
    )
    if len(plain) < 2:
        return found
    starts = {c.start for c in vocab().cancer.find(t)} | {c.start for c in _listed_cancers(t)}
    if not starts:
        return found
    runs: list[list[Found]] = [[plain[0]]]
    for f in plain[1:]:
        if _ALT_GAP.fullmatch(t, runs[-1][-1].end, f.start):
            runs[-1].append(f)
        else:
            runs.append([f])
    out = [f for f in found if not any(f in r for r in runs if len(r) > 1)]
    for run in runs:
        if len(run) < 2:
            continue
        a, b = run[0].start, run[-1].end
        nxt = re.match(r"[\s-]*", t[b:])
        before = t[max(0, a - 30) : a]
        if (
            not any(_OR_GAP.search(t, x.end, y.start) for x, y in itertools.pairwise(run))
            or b + (nxt.end() if nxt else 0) not in starts
            # "locally advanced unresectable or metastatic": the run does not start a phrase
            or any(0 <= a - f.end <= 1 and f not in run for f in plain)
            or re.search(r"\b(?:and|with)\s*$", before, re.I)
        ):
            out += run
            continue
        args: list[Expr] = []
        for f in run:
            args += f.expr.args if f.expr.type == "or" else [f.expr]
        node = ctx.mk(OrNode, a, b, args=args)
        cover = [c for f in run for c in f.cover]
        out.append(Found(node, a, b, priority=3, cover=cover))
    return out


_MET = re.compile(r"metasta\w*|\bmets\b|lesions?|involvement|deposits?|spread", re.I)
_MET_QUAL = re.compile(
    r"(?P<q>asymptomatic|symptomatic|untreated|treated|unstable|stable|active|progressive|progressing|uncontrolled|known|clinically active|leptomeningeal|previously treated|new|not previously treated)",
    re.I,
)


# a blood cancer named right after a CNS site: its involvement of the CNS, not a
# primary CNS tumour ("known CNS lymphoma or leukemia"; "primary CNS lymphoma" is a diagnosis)
_HEME = r"(?:(?i:lymphoma|leuka?emia|lymphomatous|leuka?emic)|AML|ALL)\b"
_HEME_INVOLVEMENT = re.compile(rf"\s*{_HEME}(?:\s*(?:or|and|/|and/or)\s*{_HEME})?")
_NO_LEAD = re.compile(r"\W*(?:no|without)\b", re.I)
_PRIMARY_BEFORE = re.compile(r"\bprimary\s+$", re.I)
_SITE_SEP = re.compile(r"\s*(?:,\s*)?(?:,|/|\bor\b|\band\b|\band/or\b|&)\s*(?:the\s+)?", re.I)
# phrases that name a metastatic site by themselves ("carcinomatous meningitis")
_SELF_MET = re.compile(r"meningitis|carcinomatosis|leptomeningeal disease", re.I)
_MET_BEFORE = re.compile(
    r"(?:metastas[ie]s|metastatic (?:disease|lesions?|spread|sites?)|\bmets\b)\s*(?:to|in|of|involving|at)\s*(?:the\s*)?(?:\w+\s*)?$",
    re.I,
)
_MET_EXCEPT = re.compile(r"\bother\s+than\b|\bexcept|\bexcluding\b|\bunless\b|\bprovided\b", re.I)
_QUAL_RUN = re.compile(
    r"(?<![A-Za-z])(?:(?:asymptomatic|symptomatic|untreated|treated|unstable|stable|active|progressive|uncontrolled|known|clinically active|pre-?existing|and/or|and|or|/|,)\s*){1,6}$",
    re.I,
)


def _met_fields(window: str) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for q in _MET_QUAL.finditer(window):
        w = q.group("q").lower()
        if w == "asymptomatic":
            out.append(("symptomatic", False))
        elif w == "symptomatic":
            out.append(("symptomatic", True))
        elif w in ("untreated", "not previously treated"):
            out.append(("treated", False))
        elif w in ("treated", "previously treated"):
            out.append(("treated", True))
        elif w in (
            "unstable",
            "active",
            "progressive",
            "progressing",
            "uncontrolled",
            "clinically active",
            "new",
        ):
            out.append(("stable", False))
        elif w == "stable":
            out.append(("stable", True))
    return out


@needs_derived(derived_gate(vocab().site.keywords))
def extract_metastasis(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    v = vocab()
    sites = v.site.find(t)
    # sites listed together share the metastasis word and qualifiers: "brain or
    # leptomeningeal metastases", "metastatic lesions in lung or mediastinal or pleura"
    first = list(range(len(sites)))
    for k in range(1, len(sites)):
        if _SITE_SEP.fullmatch(t[sites[k - 1].end : sites[k].start]):
            first[k] = first[k - 1]
    last = list(range(len(sites)))
    for k in range(len(sites) - 2, -1, -1):
        if first[k + 1] == first[k]:
            last[k] = last[k + 1]

    def met_after(k: int) -> re.Match[str] | None:
        sm = sites[k]
        mm = _MET.search(t[sm.end : sm.end + 25])
        if mm and mm.start() < 12:
            return mm
        if (
            (ctx.kind == "exclusion" or _NO_LEAD.match(t))
            and sm.id in ("brain", "leptomeningeal")
            and not _PRIMARY_BEFORE.search(t, max(0, sm.start - 12), sm.start)
        ):
            # "active CNS leukemia", "central nervous system (CNS) lymphoma" in an
            # exclusion: the blood cancer's spread to the CNS (as "CNS involvement with CLL")
            return _HEME_INVOLVEMENT.match(t[sm.end : sm.end + 25])
        return None

    def met_before(k: int) -> re.Match[str] | None:
        sm = sites[k]
        return _MET_BEFORE.search(t[max(0, sm.start - 30) : sm.start])

    for k, sm in enumerate(sites):
        after = t[sm.end : sm.end + 25]
        before = t[max(0, sm.start - 30) : sm.start]
        mm = met_after(k)
        mb = met_before(k)
        own = bool(mm or mb)
        # "brain or leptomeningeal disease": the list shares what makes its last site a
        # metastasis ("leptomeningeal disease" names one by itself)
        chained = not own and (
            met_after(last[k]) is not None
            or met_before(first[k]) is not None
            or (last[k] != k and bool(_SELF_MET.search(sites[last[k]].text)))
        )
        selfmet = bool(_SELF_MET.search(sm.text))
        if not own and not chained and not selfmet:
            continue
        if mm and re.match(r"\s*lesions?", after, re.I) and not re.search(r"metasta|mets", t, re.I):
            continue
        if sm.id in ("bone", "lymph_node") and not re.search(
            r"metasta|mets", t[sm.start - 30 : sm.end + 30], re.I
        ):
            continue
        a = sm.start - (len(before) - mb.start()) if mb else sm.start
        b = sm.end + mm.end() if mm else sm.end
        # qualifiers: before the first site of the list, after the metastasis word
        fa = sites[first[k]].start
        lm = met_after(last[k])
        lb = sites[last[k]].end + (lm.end() if lm else 0)
        left = max(t.rfind(";", 0, fa), t.rfind(". ", 0, fa)) + 1
        # the words of an earlier list of sites are not this list's qualifiers: "Untreated
        # brain metastasis or neurologically unstable CNS metastases" is two alternatives
        # (only where this list has qualifiers of its own: "Uncontrolled brain metastases, or
        # brain metastases associated with mass effect" stays one uncontrolled atom)
        if first[k] > 0:
            pk = first[k] - 1
            pm_ = met_after(pk)
            prev_end = sites[pk].end + (pm_.end() if pm_ else 0)
            if (
                prev_end <= fa
                and re.fullmatch(r"[^()]*\b(?:or|and/or)\b[^()]*", t[prev_end:fa], re.I)
                and (own_q := _QUAL_RUN.search(t[max(left, fa - 60, prev_end) : fa]))
                and _MET_QUAL.search(own_q.group(0))
            ):
                left = max(left, prev_end)
        pre = t[max(left, fa - 60) : fa]
        qa = _QUAL_RUN.search(pre)
        pre_q = qa.group(0) if qa else ""
        post = t[max(b, lb) : max(b, lb) + 60]
        nxt = sites[last[k] + 1].start if last[k] + 1 < len(sites) else len(t)
        post = post[: max(0, nxt - max(b, lb))]
        if nxt < len(t) and (alt := re.search(r"\s(?:or|and/or)\s", post)):
            post = post[: alt.start()]  # the words after "or" belong to the next site
        if end_ := re.search(r";|\.(?:\s|$)", post):
            post = post[: end_.start()]  # never past the sentence
        stop = _MET_EXCEPT.search(post)
        if stop:
            post = post[: stop.start()]  # "other than stable, treated brain metastases"
        post_fields = dict(_met_fields(post))
        pre_fields = _met_fields(pre[: -len(pre_q)] if pre_q else pre)
        run_fields = _met_fields(pre_q)
        base: dict[str, bool] = {}
        for f_, val in pre_fields:
            base.setdefault(f_, val)
        for f_, val in post_fields.items():
            base.setdefault(f_, val)
        start = a - len(pre_q) if (qa and first[k] == k) else a
        # "metastatic lesions in lung": the lead words are explained, not claimed (a
        # measurable-disease atom may hold them)
        fs = sm.start if mb else start
        # "brain metastases that are untreated or symptomatic": the alternatives come after
        post_q = list(_MET_QUAL.finditer(post))
        post_alt = (
            _met_fields(post)
            if len(post_q) > 1
            and _POST_ALT.fullmatch(post, post_q[0].start(), post_q[-1].end())
            and re.search(r"\bor\b|/", post[post_q[0].start() : post_q[-1].end()], re.I)
            and not run_fields
            else []
        )
        if post_alt and len({f_ for f_, _ in post_alt}) > 1:
            run_fields = post_alt
            pre_q = post[post_q[0].start() : post_q[-1].end()]
            base = dict(pre_fields)
            post_cover = (max(b, lb), max(b, lb) + post_q[-1].end())
        else:
            post_cover = (max(b, lb), max(b, lb) + post_q[-1].end()) if post_q else (b, b)
        alts = {f_ for f_, _ in run_fields}
        if len(run_fields) > 1 and len(alts) > 1 and re.search(r"\bor\b|/", pre_q, re.I):
            # "active or untreated CNS metastases": one alternative per qualifier
            atoms = []
            for f_, val in run_fields:
                fields = {**{x: y for x, y in base.items() if x != f_}, f_: val}
                atoms.append(ctx.mk(MetastasisAtom, start, b, site=sm.id, **fields))
            out.append(
                Found(
                    ctx.mk(OrNode, start, b, args=atoms),
                    fs,
                    b,
                    priority=6,
                    cover=[(start, b), post_cover],
                )
            )
            continue
        fields = dict(base)
        for f_, val in run_fields:
            fields.setdefault(f_, val)
        atom = ctx.mk(MetastasisAtom, start, b, site=sm.id, **fields)
        out.append(Found(atom, fs, b, priority=6, cover=[(start, b), post_cover]))
    return out


_POST_ALT = re.compile(
    r"(?:" + _MET_QUAL.pattern + r"|\s+|,|\bor\b|\band/or\b|/|\b(?:are|is|that|which|either)\b)+",
    re.I,
)


_MEASURABLE = re.compile(
    r"(?:(?:at least|>=|a minimum of|minimum of)\s*)?(?:(?P<n>one|two|three|\d)\s*(?:\(\d\)\s*)?)?(?:\b(?!(?:with|and|or|of|for|the|to|by|resection|disease|therapy|treatment)\b)\w+[\s-]*){0,2}?"
    r"(?:measurable|evaluable|assessable)(?:\s*(?:and/or|or|and)\s*(?:evaluable|measurable))?\s*(?:\b(?!(?:by|per|with|and|according|as)\b)[\w-]+\s*){0,4}?"
    r"(?:disease|lesions?|tumou?rs?|target lesions?|sites? of disease|mass(?:es)?|cancers?|carcinomas?|gliomas?|sarcomas?|lymphomas?|malignanc(?:y|ies))\b"
    # "lesion measurable according to RECIST": the noun first
    r"|(?:at least\s*)?(?:one|1)?\s*(?:tumou?r\s+)?(?:lesions?|disease)\s+(?:that\s+is\s+|which\s+is\s+)?measurable\b",
    re.I,
)
# RECIST 1.0 size definitions written as their own items: "At least 20 mm by conventional
# techniques OR", "At least 10 mm by spiral CT scan"
_LESION_SIZE = re.compile(
    r"(?:lesions?\s+)?(?:at\s+least|>=|≥)\s*(?P<v>\d+)\s*(?:mm|cm)\s+(?:in\s+(?:longest\s+)?diameter\s+)?(?:by|with|on)\s+(?:conventional\s+(?:techniques|ct|mri)|spiral\s+ct(?:\s+scan)?|(?:helical\s+)?ct\s+scan)",
    re.I,
)
_STANDARD = re.compile(
    r"(?:(?:per|according to|by|as defined by|defined by|based on|(?:determined\s+)?using(?:\s+(?:the\s+)?guidelines\s+(?:in|of))?|as per|following)\s*(?:the\s*)?)?"
    r"(?P<s>recist\s*(?:v(?:ersion)?\.?\s*)?(?:1\.1|1\.0)?|irecist|mrecist|rano(?:-bm)?|lugano(?:\s*\d{4})?|iwg|choi|pcwg[23]?|imwg|cheson|gcig|ihc)(?:\s*criteria)?(?:\s*(?:v(?:ersion)?\s*)?1\.1)?",
    re.I,
)


_EITHER_MEASURABLE = re.compile(
    r"\bmeasurable\s*(?:and/or|or)\s*non-?\s*measurable(?P<ev>\s*,?\s*(?:but|and)\s+(?:is\s+)?evaluable\s*,?)?\s*(?:disease|lesions?|tumou?rs?)",
    re.I,
)


def _std_name(s: str) -> str:
    std = re.sub(r"\s+", " ", s).upper().replace("VERSION", "").replace("V ", "").replace("V1", "1")
    return re.sub(r"\s+", " ", std).strip()


# the RECIST 1.0/1.1 definition of a measurable lesion, written out: "(lesions that can be)
# accurately measured in at least one dimension (longest diameter to be recorded) as >= 20 mm
# with conventional techniques or >= 10 mm with spiral CT scan"
_SIZE = r"(?:>=|≥|>|at\s+least|greater\s+than(?:\s+or\s+equal\s+to)?)\s*\d+(?:\.\d+)?\s*(?:mm|cm)"
_TECH = r"(?:conventional\s+(?:techniques?|ct|mri)|(?:spiral|helical|multi-?slice)\s+ct(?:\s+scans?)?|ct(?:\s+scans?)?(?:\s+or\s+mri)?|mri|physical\s+exam\w*|calipers?|chest\s+x-?ray)"
_SIZE_BY = rf"(?:(?:minimum\s+)?(?:indicator\s+)?lesion\s+size\s*:?\s*)?(?:as\s+)?{_SIZE}(?:\s+in\s+(?:longest\s+)?diameter)?\s+(?:measured\s+)?(?:with|by|using|on|via)\s+(?:a\s+)?{_TECH}"
_RECIST_DEF = re.compile(
    rf"(?:(?:that|which)\s+)?(?:can\s+be\s+)?accurately\s+measured\s+in\s+(?:at\s+least\s+|>=\s*)?(?:one|1|two|2)\s+dimensions?"
    rf"(?:\s*\((?:the\s+)?longest\s+diameter\s+(?:is\s+)?(?:to\s+be\s+)?recorded(?:\s+for\s+non-?nodal\s+lesions)?\))?"
    rf"(?:\s+(?:with|as)\s+(?:a\s+)?longest\s+diameter)?"
    rf"|(?:(?:with\s+)?(?:a\s+)?longest\s+diameter\s+)?{_SIZE_BY}(?:\s*,?\s*(?:or|and)\s+{_SIZE_BY})*",
    re.I,
)


_RECIST_WORDS = re.compile(r"accurately|longest|conventional|spiral", re.I)


@needs(
    "measurab",
    "evaluab",
    "assessab",
    "conventional",
    "spiral",
    "ct scan",
    "accurately measured",
    "longest diameter",
)
def extract_measurable(ctx: Ctx) -> list[Found]:
    t = ctx.text
    out: list[Found] = []
    _measurable(ctx, t, out)
    defs = [m.span() for m in _RECIST_DEF.finditer(t)]
    if defs:
        if out:
            out[0].cover.extend(defs)  # the definition explains the measurable atom
        elif any(_RECIST_WORDS.search(t, x, y) for x, y in defs):
            # alone, only the written-out RECIST definition makes a measurable-disease atom;
            # a bare "lesion >= 3 cm on CT" (a diagnostic rule, a size limit) does not
            a, b = defs[0]
            sm = _STANDARD.search(t)
            std = _std_name(sm.group("s")) if sm else None
            atom = ctx.mk(MeasurableDiseaseAtom, a, b, standard=std, min_lesions=1)
            cover = defs[1:] + ([sm.span()] if sm else [])
            out.append(Found(atom, a, b, priority=8, cover=cover))
    return out


_DX_NOUN = re.compile(
    r"(?:cancers?|carcinomas?|gliomas?|sarcomas?|lymphomas?|malignanc(?:y|ies))$", re.I
)


def _measurable(ctx: Ctx, t: str, out: list[Found]) -> None:
    _measurable_phrases(ctx, t, out)
    # RECIST 1.0 sizes: their own atom, or the size limit of a measurable lesion already read
    # ("At least 1 unidimensionally measurable lesion >= 20 mm by conventional techniques")
    for lm in _LESION_SIZE.finditer(t):
        owner = next((f for f in out if f.start < lm.end() and lm.start() < f.end), None)
        if owner is not None:
            owner.cover.append(lm.span())
            continue
        atom = ctx.mk(MeasurableDiseaseAtom, lm.start(), lm.end(), standard=None, min_lesions=1)
        out.append(Found(atom, lm.start(), lm.end(), priority=8))


def _measurable_phrases(ctx: Ctx, t: str, out: list[Found]) -> None:
    if not re.search(r"measurab|evaluab|assessab", ctx.low):
        return
    for m in _EITHER_MEASURABLE.finditer(t):
        if not m.group("ev"):
            continue  # "measurable or non-measurable disease" excludes nobody: no atom
        atom = ctx.mk(MeasurableDiseaseAtom, m.start(), m.end(), standard=None, min_lesions=1)
        ecover: list[tuple[int, int]] = []
        sm = _STANDARD.search(t)
        if sm:
            atom.standard = _std_name(sm.group("s"))
            ecover.append(sm.span())
        out.append(Found(atom, m.start(), m.end(), priority=8, cover=ecover))
    either = [m.span() for m in _EITHER_MEASURABLE.finditer(t)]
    for m in _MEASURABLE.finditer(t):
        if any(a <= m.start() < b for a, b in either):
            continue
        n = 1
        if m.group("n"):
            n = int(number(m.group("n")))
        a, b = m.span()
        cover: list[tuple[int, int]] = []
        std = None
        sm = _STANDARD.search(t)
        if sm:
            std = _std_name(sm.group("s"))
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
            if sites and not re.search(r"metasta", t[a : b + sub.end()], re.I):
                # "metastatic lesions in lung or pleura": the sites are metastasis atoms too
                cover.append((b, b + sub.end()))
        atom = ctx.mk(MeasurableDiseaseAtom, a, b, standard=std, min_lesions=n, sites=sites)
        # the atom claims up to its "measurable" word; the noun phrase is covered, so a
        # status inside it stays ("measurable recurrent or residual tumor")
        kw = re.search(r"measurab\w*|evaluab\w*|assessab\w*", m.group(0), re.I)
        claim_end = a + kw.end() if kw else b
        inner = vocab().status.find(t[claim_end:b]) if claim_end < b else []
        if claim_end < b and (vocab().cancer.find(t[claim_end:b]) or _DX_NOUN.search(t, b - 14, b)):
            pass  # "measurable metastatic renal cell cancer": the diagnosis explains the rest
        elif inner:
            # cover the noun phrase around the status words, which stay the status atom's
            x = claim_end
            for st in inner:
                cover.append((x, claim_end + st.start))
                x = claim_end + st.end
            cover.append((x, b))
        else:
            claim_end = b
        out.append(Found(atom, a, claim_end, priority=8, cover=cover))


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
            # the event words just before the interval ("progression or recurrence within
            # 6 months") are this atom's (the status extractor leaves them alone)
            ev_cover: list[tuple[int, int]] = []
            if rx is _TREL:
                left = max(t.rfind(";", 0, a), t.rfind(". ", 0, a)) + 1
                for st in vocab().status.find(t[max(left, a - 100) : a]):
                    x, y = max(left, a - 100) + st.start, max(left, a - 100) + st.end
                    # the same rule as extract_disease_status: a plain recurrence/progression
                    if st.id in ("recurrent", "progressive") and not _ASSERTED_AFTER.match(t, y):
                        ev_cover.append((x, y))
            out.append(Found(atom, a, claim, priority=8, cover=ev_cover))
            taken.append((a, b))
    return out


# ASCII text: these re.I regexes scan as their case-sensitive fold on the lower-cased
# text (`vocab.fast_fold`: same matches, 2.5x faster); checked by
# tests/criteria/test_speed_fold.py and bench/check_parse_identical.py
_TREL = fast_fold(_TREL)
