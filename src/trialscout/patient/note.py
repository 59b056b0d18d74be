"""Facts from a free-text clinical note, each with the sentence and span it came from.

Concepts (cancers, conditions, drugs, treatments, pregnancy, metastasis sites) are
found by a medspaCy target matcher built from the term lists in
`data/patient/`, and ConText marks each one negated / historical / family /
hypothetical. Quantities (age, labs, ECOG/KPS, TNM, stage) are read with regular
expressions. spaCy is imported lazily: it costs seconds at start.

Rules: negated facts go to `negatives`; family-history facts are not the patient's
and are dropped from the profile (kept in `facts`, flagged); a note never
overrides a structured field (`merge`).
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from bisect import bisect_right
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trialscout.patient import vocab
from trialscout.patient.errors import field_path
from trialscout.patient.profile import (
    Condition,
    Diagnosis,
    ExtractedFact,
    Lab,
    Metastasis,
    PatientProfile,
    Performance,
    Stage,
    Treatment,
)


class NoteFacts(BaseModel):
    """Everything found in one note."""

    model_config = ConfigDict(extra="forbid")

    facts: list[ExtractedFact] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def of(self, field: str) -> list[ExtractedFact]:
        return [f for f in self.facts if f.field == field]


# --------------------------------------------------------------------------- pipeline


@lru_cache(maxsize=1)
def _terms() -> dict[str, Any]:
    data: dict[str, Any] = vocab.load_data("note_terms.json")
    return data


def _rules() -> list[Any]:
    from medspacy.target_matcher import TargetRule

    terms = _terms()
    rules: list[Any] = []

    def phrase(literal: str, category: str, canonical: str) -> None:
        rx = r"\b" + re.escape(literal).replace(r"\ ", r"\s+") + r"\b"
        rules.append(
            TargetRule(
                literal,
                category,
                pattern=f"(?i){rx}",
                attributes=None,
                metadata={"canonical": canonical},
            )
        )

    for name, spellings in terms["conditions"].items():
        for s in spellings:
            phrase(s, "CONDITION", name)
    for entry in vocab.cancers():
        for s in entry["aliases"]:
            phrase(s, "CANCER", entry["name"])
    for entry in vocab.histologies():
        for s in entry["aliases"]:
            phrase(s, "HISTOLOGY", entry["name"])
    for syn, name in vocab.drug_synonyms().items():
        phrase(syn, "DRUG", name)
    for s in terms["radiotherapy"]:
        phrase(s, "RADIOTHERAPY", "radiotherapy")
    for s in terms["surgery"]:
        phrase(s, "SURGERY", s)
    for s in terms["pregnancy"]:
        phrase(s, "PREGNANCY", "pregnant")
    for s in terms["breastfeeding"]:
        phrase(s, "BREASTFEEDING", "breastfeeding")
    phrase("pregnancy test", "TEST", "pregnancy test")
    mets = r"(?:metastases|metastasis|metastatic\s+disease|mets|metastatic\s+lesions?)"
    for site, words in terms["metastasis_sites"].items():
        alt = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
        rules.append(
            TargetRule(
                f"{site} metastases",
                "METASTASIS",
                pattern=rf"(?i)\b(?:{alt})\s+{mets}\b",
                metadata={"canonical": site},
            )
        )
        rules.append(
            TargetRule(
                f"metastatic to {site}",
                "METASTASIS",
                pattern=rf"(?i)\bmetasta\w*\s+(?:\w+\s+)?(?:to|in|involving)\s+"
                rf"(?:the\s+)?(?:{alt})\b",
                metadata={"canonical": site},
            )
        )
    return rules


@lru_cache(maxsize=1)
def _nlp() -> Any:
    import medspacy  # noqa: F401  (registers the pipeline factories)
    import spacy

    nlp: Any = spacy.blank("en")
    # single letters with a period ("hepatitis B.") are abbreviations to spaCy; here they
    # end sentences, and keeping them whole hides the term
    nlp.tokenizer.rules = {
        k: v for k, v in nlp.tokenizer.rules.items() if not re.fullmatch(r"[A-Za-z]\.", k)
    }
    # "mg/dL." stays one token by default, hiding the sentence end: split a final period
    from spacy.util import compile_suffix_regex

    suffixes = [*nlp.Defaults.suffixes, r"(?<=[A-Za-z0-9%])\.$"]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    nlp.add_pipe("sentencizer")
    matcher: Any = nlp.add_pipe("medspacy_target_matcher")
    matcher.add(_rules())
    nlp.add_pipe("medspacy_context")
    return nlp


# --------------------------------------------------------------------------- regexes

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_AGE_RES = [
    re.compile(r"(?i)\b(\d{1,3})[\s-]*(?:years?|yrs?|y)[\s-]*old\b"),
    re.compile(r"(?i)\b(\d{1,3})\s*(?:yo|y/o|y\.o\.|yr old)\b"),
    re.compile(r"(?i)\b(?:aged?|age of)\s*:?\s*(\d{1,3})\b"),
    re.compile(r"^\W*(?:\d+\.\s+)?(\d{1,3})\s*(?:M|F)\b"),
]
_MONTHS_RE = re.compile(r"(?i)\b(\d{1,2})[\s-]*months?[\s-]*old\b")
_MALE = r"man|male|gentleman|boy|guy"
_FEMALE = r"woman|female|lady|girl"
_SEX_RE = re.compile(
    rf"\b(?:\d{{1,3}}[\s-]*(?:years?|yrs?|y|months?)?[\s-]*(?:old|yo|y/o)?[\s-]*"
    rf"(?:[A-Za-z]+-American\s+|white\s+|Asian\s+|Chinese\s+)?(?P<ab>M|F)"
    rf"|(?P<m>{_MALE})|(?P<f>{_FEMALE}))\b"
)
_ECOG_RE = re.compile(
    r"(?i)\b(?:ECOG|WHO|Zubrod)(?:\s*(?:PS|performance\s+status|score))*\s*(?:\(ECOG\))?"
    r"\s*(?:of|is|was|=|:)?\s*([0-5])(?:\s*(?:-|to)\s*([0-5]))?\b"
)
_ECOG_RE2 = re.compile(
    r"(?i)\bperformance\s+status\s*(?:\(ECOG\))?\s*(?:of|is|was|=|:)?\s*([0-5])\b"
)
_KPS_RE = re.compile(
    r"(?i)\b(?:KPS|Karnofsky(?:\s+performance\s+(?:status|score|scale))?)\s*(?:of|is|was|=|:)?"
    r"\s*(\d{2,3})\s*%?"
)
_TNM_RE = re.compile(
    r"\b(?P<pre>[cpyr]{0,2})(?P<T>T(?:is|[0-4X])[a-d]?)\s*,?\s*(?P<N>N[0-3X][a-c]?)"
    r"(?:\s*,?\s*(?P<M>M[01X][a-c]?))?\b"
)
_STAGE_RE = re.compile(
    r"(?i)\bstage\s+(?P<g>IV|I{1,3}|[1-4])(?P<s>[A-C]\d?)?\b(?!\s*(?:breast|lung|kidney|chronic))"
)
_EDITION_RE = re.compile(
    r"(?i)\b(?:AJCC\s*)?(7|8|9)(?:th)?\s*(?:edition|ed\.)|\bAJCC\s*-?\s*(7|8|9)\b"
)
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}
_QUAL = r"(positive|negative|not\s+detected|undetectable|detected|reactive|non-reactive)"
_CURRENT_RE = re.compile(
    r"(?i)\b(currently\s+(?:takes|taking|on|receiving)|medications?\s+include|is\s+taking|"
    r"home\s+medications?|current\s+medications?)\b"
)


@lru_cache(maxsize=1)
def _lab_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    aliases: dict[str, str] = {}
    for entry in vocab.load_data("labs.json")["labs"]:
        for a in [entry["name"], *entry["aliases"]]:
            if len(a) >= 2:
                aliases[a.lower()] = entry["name"]
    alt = "|".join(
        re.escape(a).replace(r"\ ", r"\s+") for a in sorted(aliases, key=len, reverse=True)
    )
    rx = re.compile(
        rf"(?i)\b(?P<name>{alt})\b(?:\s*\([^)]{{0,20}}\))?"
        rf"(?P<gap>[^\d.;,\n]{{0,25}}?)"
        rf"(?:(?P<num>{_NUM})(?P<unit>\s*(?:x|×|\*)?\s*10\s*[\^*]?\s*(?:9|12|3)\s*/\s*[uµm]?L"
        rf"|\s*x\s*10(?:9|12)\s*/\s*L|\s*[a-zA-Zµμ%/^*0-9.\[\]{{}}]+(?:/[a-zA-Z0-9.]+)?)?"
        rf"|(?P<qual>{_QUAL}))"
    )
    return rx, aliases


@lru_cache(maxsize=1)
def _other_test_before() -> re.Pattern[str]:
    """Matches text ending in a word that makes the next lab name another test (urine, CSF)."""
    words = vocab.load_data("labs.json")["other_test_prefixes"]
    alt = "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )
    return re.compile(rf"(?i)\b(?:{alt})\s*$")


def _norm_unit(raw: str) -> str | None:
    u = raw.strip().rstrip(".,;")
    if not u:
        return None
    m = re.fullmatch(r"(?:x|×|\*)?\s*10\s*[\^*]?\s*(9|12|3)\s*/\s*([uµm]?L)", u, re.I)
    if m is None:
        m = re.fullmatch(r"x\s*10(9|12)\s*/\s*(L)", u, re.I)  # "x 109/L": a lost superscript
    if m:
        vol = m.group(2)
        if vol.lower() == "l":
            return f"10^{m.group(1)}/L"
        return f"10^{m.group(1)}/uL" if vol.lower() in ("ul", "µl") else None
    for cut in range(len(u), 0, -1):  # longest known unit at the start
        if vocab.canonical_unit(u[:cut]):
            return u[:cut]
    return None


# --------------------------------------------------------------------------- extraction


class _Doc:
    def __init__(self, text: str, doc: Any) -> None:
        self.text = text
        self.sents = [(s.start_char, s.end_char) for s in doc.sents]
        self.starts = [s[0] for s in self.sents]

    def sentence(self, start: int) -> str:
        i = max(bisect_right(self.starts, start) - 1, 0)
        a, b = self.sents[i] if self.sents else (0, len(self.text))
        return self.text[a:b].strip()


def _fact(d: _Doc, field: str, value: Any, start: int, end: int, **flags: bool) -> ExtractedFact:
    return ExtractedFact(
        field=field,
        value=value,
        text=d.text[start:end],
        sentence=d.sentence(start),
        span=(start, end),
        **flags,
    )


def extract_facts(note: str) -> NoteFacts:
    """Every fact found in `note`, in text order, with sentence, span and ConText flags."""
    out = NoteFacts()
    if not note.strip():
        return out
    nlp = _nlp()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*\[W036\]")  # empty token matcher
        doc = nlp(note)
    d = _Doc(note, doc)
    facts: list[ExtractedFact] = []
    _concepts(d, doc, facts)
    _age_sex(d, facts)
    _labs(d, facts)
    _performance(d, facts)
    _stage(d, facts)
    facts.sort(key=lambda f: f.span)
    out.facts = facts
    return out


def _concepts(d: _Doc, doc: Any, facts: list[ExtractedFact]) -> None:
    current_sents = {d.sentence(m.start()) for m in _CURRENT_RE.finditer(d.text)}
    for ent in doc.ents:
        flags = {
            "negated": bool(ent._.is_negated),
            "historical": bool(ent._.is_historical),
            "family": bool(ent._.is_family),
            "hypothetical": bool(ent._.is_hypothetical),
            "uncertain": bool(ent._.is_uncertain),
        }
        meta = getattr(ent._, "target_rule", None)
        canonical = (meta.metadata or {}).get("canonical") if meta is not None else None
        canonical = canonical or ent.text.lower()
        label = ent.label_
        a, b = ent.start_char, ent.end_char
        if flags["negated"]:
            if label in ("CONDITION", "CANCER", "DRUG"):
                facts.append(_fact(d, "negatives", canonical, a, b, **flags))
            elif label == "METASTASIS":
                facts.append(_fact(d, "negatives", f"{canonical} metastases", a, b, **flags))
            elif label == "PREGNANCY":
                facts.append(_fact(d, "pregnant", False, a, b, **flags))
            elif label == "BREASTFEEDING":
                facts.append(_fact(d, "breastfeeding", False, a, b, **flags))
            continue
        if label == "CONDITION":
            status = "history" if flags["historical"] else "active"
            facts.append(
                _fact(d, "conditions", {"name": canonical, "status": status}, a, b, **flags)
            )
        elif label == "CANCER":
            sent = d.sentence(a).lower()
            item: dict[str, Any] = {"name": canonical, "primary": True}
            for word, status in (
                ("recurren", "recurrent"),
                ("metastatic", "metastatic"),
                ("locally advanced", "locally advanced"),
                ("newly diagnosed", "newly diagnosed"),
            ):
                if word in sent:
                    item["status"] = status
                    break
            facts.append(_fact(d, "diagnoses", item, a, b, **flags))
        elif label == "HISTOLOGY":
            who = next((h["who_type"] for h in vocab.histologies() if h["name"] == canonical), None)
            value = {"histology": canonical, "who_type": who}
            facts.append(_fact(d, "histology", value, a, b, **flags))
        elif label == "DRUG":
            facts.append(_fact(d, "treatments", {"kind": "drug", "name": canonical}, a, b, **flags))
            if d.sentence(a) in current_sents and not flags["historical"]:
                facts.append(_fact(d, "medications", canonical, a, b, **flags))
        elif label == "RADIOTHERAPY":
            facts.append(
                _fact(
                    d,
                    "treatments",
                    {"kind": "radiotherapy", "name": ent.text.lower()},
                    a,
                    b,
                    **flags,
                )
            )
        elif label == "SURGERY":
            facts.append(
                _fact(d, "treatments", {"kind": "surgery", "name": ent.text.lower()}, a, b, **flags)
            )
        elif label == "PREGNANCY":
            if flags["historical"] or _past_mention(d.text, a, b):
                continue  # a past pregnancy says nothing about the current state
            facts.append(_fact(d, "pregnant", True, a, b, **flags))
        elif label == "BREASTFEEDING":
            facts.append(_fact(d, "breastfeeding", True, a, b, **flags))
        elif label == "METASTASIS":
            facts.append(_fact(d, "metastases", {"site": canonical}, a, b, **flags))


def _past_mention(text: str, start: int, end: int) -> bool:
    """Is the mention at text[start:end] placed in the past by its neighbours?"""
    cues: dict[str, Any] = _terms().get("past_event_cues", {})
    before = text[max(0, start - 40) : start].split("\n")[-1]
    after = text[end : end + 40].split("\n")[0]
    return any(re.search(rx, before, re.I) for rx in cues.get("before", [])) or any(
        re.search(rx, after, re.I) for rx in cues.get("after", [])
    )


def _age_sex(d: _Doc, facts: list[ExtractedFact]) -> None:
    hits = [m for rx in _AGE_RES for m in rx.finditer(d.text) if int(m.group(1)) <= 120]
    months = _MONTHS_RE.search(d.text)
    if months and (not hits or months.start() < min(m.start() for m in hits)):
        facts.append(_fact(d, "age", int(months.group(1)) // 12, months.start(), months.end()))
    elif hits:
        m = min(hits, key=lambda h: h.start())
        facts.append(_fact(d, "age", int(m.group(1)), m.start(), m.end()))
    m2 = _SEX_RE.search(d.text)
    if m2:
        ab = m2.group("ab")
        sex = "male" if (m2.group("m") or ab == "M") else "female"
        facts.append(_fact(d, "sex", sex, m2.start(), m2.end()))
        return
    he = list(re.finditer(r"\b(?:he|his|him)\b", d.text, re.I))
    she = list(re.finditer(r"\b(?:she|her|hers)\b", d.text, re.I))
    if he and not she:
        facts.append(_fact(d, "sex", "male", he[0].start(), he[0].end()))
    elif she and not he:
        facts.append(_fact(d, "sex", "female", she[0].start(), she[0].end()))


def _labs(d: _Doc, facts: list[ExtractedFact]) -> None:
    rx, aliases = _lab_regex()
    for m in rx.finditer(d.text):
        name = aliases[re.sub(r"\s+", " ", m.group("name").lower())]
        alias = m.group("name")
        if len(alias) <= 3 and m.group("num") is None:
            continue  # 'HIV negative' is a condition; short names need a number
        if len(alias) <= 2 and not alias.isupper() and alias.lower() != "hb":
            continue  # 'k', 'na' in running text
        if _other_test_before().search(d.text, max(0, m.start() - 40), m.start()):
            continue  # 'fractional excretion of sodium', 'urine creatinine': not the serum value
        item: dict[str, Any] = {"test": name}
        if m.group("num"):
            item["value"] = float(m.group("num").replace(",", ""))
            unit = _norm_unit(m.group("unit") or "")
            if unit:
                item["unit"] = unit
        else:
            item["result"] = re.sub(r"\s+", " ", m.group("qual").lower())
            item["result"] = {
                "undetectable": "not detected",
                "reactive": "positive",
                "non-reactive": "negative",
            }.get(item["result"], item["result"])
        end = m.end()
        if m.group("unit") and "unit" in item:
            end = m.start("unit") + len(m.group("unit").rstrip().rstrip(".,;"))
        facts.append(_fact(d, "labs", item, m.start(), end))


def _performance(d: _Doc, facts: list[ExtractedFact]) -> None:
    seen: set[int] = set()
    for rx in (_ECOG_RE, _ECOG_RE2):
        for m in rx.finditer(d.text):
            if m.start() in seen:
                continue
            seen.add(m.start())
            value = int(m.group(2) or m.group(1)) if rx is _ECOG_RE else int(m.group(1))
            facts.append(
                _fact(d, "performance", {"scale": "ECOG", "value": value}, m.start(), m.end())
            )
    for m in _KPS_RE.finditer(d.text):
        facts.append(
            _fact(d, "performance", {"scale": "KPS", "value": int(m.group(1))}, m.start(), m.end())
        )


def _stage(d: _Doc, facts: list[ExtractedFact]) -> None:
    ed = _EDITION_RE.search(d.text)
    edition = f"AJCC{ed.group(1) or ed.group(2)}" if ed else None
    for m in _TNM_RE.finditer(d.text):
        value: dict[str, Any] = {"T": m.group("T"), "N": m.group("N")}
        if m.group("M"):
            value["M"] = m.group("M")
        pre = m.group("pre")
        if "p" in pre:
            value["basis"] = "pathological"
        elif "c" in pre:
            value["basis"] = "clinical"
        if "r" in pre:
            facts.append(
                _fact(
                    d,
                    "recurrence",
                    {"T": "r" + value["T"], "N": "r" + value["N"]},
                    m.start(),
                    m.end(),
                )
            )
            continue
        if edition:
            value["edition"] = edition
        facts.append(_fact(d, "stage", value, m.start(), m.end()))
    for m in _STAGE_RE.finditer(d.text):
        g = m.group("g").upper()
        value = {"group": _ROMAN.get(g, g) + (m.group("s") or "").upper()}
        if edition:
            value["edition"] = edition
        facts.append(_fact(d, "stage", value, m.start(), m.end()))


# --------------------------------------------------------------------------- profile

_LIST_MODELS: dict[str, type[BaseModel]] = {
    "diagnoses": Diagnosis,
    "metastases": Metastasis,
    "performance": Performance,
    "labs": Lab,
    "treatments": Treatment,
    "conditions": Condition,
}


def to_profile(facts: NoteFacts, as_of: dt.date, *, note: str | None = None) -> PatientProfile:
    """A profile from note facts alone. Invalid facts are dropped with a warning in `facts`."""
    data: dict[str, Any] = {"as_of": as_of}
    sources: dict[str, Any] = {}
    stage: dict[str, Any] = {}
    histology: dict[str, Any] | None = None
    negatives: list[str] = []
    for f in facts.facts:
        if f.family or f.hypothetical:
            continue
        if f.field == "negatives" or f.negated:
            if f.field == "negatives" and f.value not in negatives:
                negatives.append(f.value)
            elif f.field in ("pregnant", "breastfeeding") and f.field not in data:
                data[f.field] = False
                sources[f.field] = f.source
            continue
        if f.field in ("age", "sex", "pregnant", "breastfeeding"):
            if f.field not in data:
                data[f.field] = f.value
                sources[f.field] = f.source
        elif f.field in ("stage", "recurrence"):
            target = stage if f.field == "stage" else data.setdefault("recurrence", {})
            for k, v in f.value.items():
                target.setdefault(k, v)
            sources.setdefault(f.field, f.source)
        elif f.field == "histology":
            histology = histology or f.value
        elif f.field == "medications":
            meds = data.setdefault("medications", [])
            if f.value not in meds:
                meds.append(f.value)
        elif f.field in _LIST_MODELS:
            items = data.setdefault(f.field, [])
            if f.field == "diagnoses" and _refines(f.value, items):
                continue
            if _duplicate(f.field, f.value, items):
                continue
            try:
                obj = _LIST_MODELS[f.field].model_validate(f.value)
            except ValidationError as exc:
                err = exc.errors()[0]
                where = field_path(tuple(err["loc"]))
                facts.warnings.append(
                    f"note {f.field} at {f.span[0]}-{f.span[1]} ({where}): "
                    f"{str(err['msg']).removeprefix('Value error, ')} (dropped)"
                )
                continue
            sources[f"{f.field}[{len(items)}]"] = f.source
            items.append(obj.model_dump(exclude_none=True))
    if stage:
        try:
            data["stage"] = Stage.model_validate(stage).model_dump(exclude_none=True)
        except ValidationError:
            facts.warnings.append("note stage not readable (dropped)")
            sources.pop("stage", None)
    if histology and data.get("diagnoses"):
        first = data["diagnoses"][0]
        first.setdefault("histology", histology["histology"])
        if histology.get("who_type"):
            first.setdefault("who_type", histology["who_type"])
    present = {c["name"] for c in data.get("conditions", [])}
    data["negatives"] = [n for n in negatives if n not in present]
    if "age" in data and data["age"] is not None and data["age"] > 130:
        data.pop("age")
    data["note"] = note
    data["sources"] = sources
    return PatientProfile.model_validate(data)


@lru_cache(maxsize=1)
def _generic_of() -> dict[str, str]:
    """Cancer subtype name -> the generic entry it refines ('burkitt lymphoma' -> 'lymphoma')."""
    return {e["name"]: e["generic"] for e in vocab.cancers() if e.get("generic")}


def _refines(value: dict[str, Any], items: list[dict[str, Any]]) -> bool:
    """One disease named twice, once by subtype and once generically ('Burkitt's lymphoma ...
    a primary cardiac lymphoma'): keep one diagnosis, under the subtype's name. True when
    `value` was folded into `items` (nothing left to add)."""
    gen = _generic_of()
    name = value.get("name")
    for i in items:
        if gen.get(str(name)) == i.get("name"):  # subtype after the generic mention
            i["name"] = name
            return True
        if gen.get(str(i.get("name"))) == name:  # generic after the subtype
            return True
    return False


def _duplicate(field: str, value: dict[str, Any], items: list[dict[str, Any]]) -> bool:
    """Same drug/condition/site/diagnosis named twice; same lab value twice."""
    key = {"diagnoses": "name", "conditions": "name", "metastases": "site", "treatments": "name"}
    k = key.get(field)
    if k:
        return any(i.get(k) == value.get(k) for i in items)
    if field in ("labs", "performance"):
        return any(all(i.get(x) == value.get(x) for x in value) for i in items)
    return False


def merge(structured: PatientProfile, note_facts: NoteFacts) -> PatientProfile:
    """Fill what the structured profile leaves unknown with note facts; structured wins.

    Scalars and `stage` come from the note only when absent. Lists: diagnoses,
    performance and metastases only when the structured list is empty; labs,
    conditions and treatments add items the structured list does not name.
    Negatives from the note are added unless the structured profile says present.
    """
    from_note = to_profile(note_facts, structured.as_of, note=None)
    data = structured.model_dump()
    sources = dict(structured.sources)
    for f in ("age", "sex", "pregnant", "breastfeeding", "stage", "recurrence"):
        if data.get(f) is None and getattr(from_note, f) is not None:
            if f == "age" and structured.birth_date is not None:
                continue
            data[f] = (
                getattr(from_note, f).model_dump()
                if f in ("stage", "recurrence")
                else (getattr(from_note, f))
            )
            if f in from_note.sources:
                sources[f] = from_note.sources[f]
    keys = {"labs": "test", "conditions": "name", "treatments": "name"}
    for field in ("diagnoses", "performance", "metastases", "labs", "conditions", "treatments"):
        mine: list[dict[str, Any]] = data[field]
        theirs = getattr(from_note, field)
        if field not in keys and mine:
            continue
        if field in keys:
            names = {_name_key(field, i[keys[field]]) for i in mine}
        for j, item in enumerate(theirs):
            if field in keys and _name_key(field, getattr(item, keys[field])) in names:
                continue
            src = from_note.sources.get(f"{field}[{j}]")
            if src is not None:
                sources[f"{field}[{len(mine)}]"] = src
            mine.append(item.model_dump())
    present = {c["name"].lower() for c in data["conditions"]}
    for n in from_note.negatives:
        if n.lower() not in present and n not in data["negatives"]:
            data["negatives"].append(n)
    meds = data["medications"]
    for med in from_note.medications:
        if med not in meds:
            meds.append(med)
    data["sources"] = sources
    return PatientProfile.model_validate(data)


def _name_key(field: str, name: str) -> str:
    if field == "labs":
        return vocab.canonical_lab(name) or name.lower()
    return name.lower()


# --------------------------------------------------------------------------- statements


def stated_commitments(note: str) -> set[str]:
    """Which of 'consent' / 'compliance' the note states the patient will give.

    Why: criteria on consent and compliance are left to clinician review, but a note that
    says so in as many words (as the TREC/TrialGPT patient descriptions do) settles them.
    A negated statement ("will not comply") does not match the cue patterns.
    """
    cues: dict[str, Any] = _terms().get("statement_cues", {})
    found: set[str] = set()
    for what in ("consent", "compliance"):
        if any(re.search(rx, note, re.I) for rx in cues.get(what, [])):
            found.add(what)
    return found
