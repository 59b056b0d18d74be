"""Found atoms -> expression tree: overlaps, AND/OR from the words between atoms,
leading negation, "unless / eligible only if" clauses, and leftover text."""

# ruff: noqa: E501  (regex tables and word lists read better unwrapped)

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator

from pydantic import BaseModel

from trialscout.criteria.atoms import (
    AndNode,
    Expr,
    NotNode,
    OrNode,
    ReviewAtom,
    UnparsedAtom,
    iter_atoms,
)
from trialscout.criteria.extractors.base import (
    WNUM,
    WORD_NUM,
    Ctx,
    Found,
    may_match,
    number,
    to_days,
)
from trialscout.criteria.vocab import folded, read_table, vocab

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "without",
        "from",
        "as",
        "is",
        "are",
        "be",
        "been",
        "being",
        "was",
        "were",
        "has",
        "have",
        "had",
        "having",
        "do",
        "does",
        "did",
        "not",
        "no",
        "nor",
        "any",
        "all",
        "each",
        "every",
        "either",
        "neither",
        "both",
        "this",
        "that",
        "these",
        "those",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "while",
        "if",
        "then",
        "than",
        "other",
        "another",
        "others",
        "such",
        "same",
        "own",
        "only",
        "also",
        "other",
        "another",
        "its",
        "their",
        "his",
        "her",
        "they",
        "them",
        "it",
        "patient",
        "patients",
        "subject",
        "subjects",
        "participant",
        "participants",
        "individual",
        "individuals",
        "person",
        "persons",
        "people",
        "must",
        "should",
        "shall",
        "will",
        "would",
        "may",
        "might",
        "can",
        "could",
        "need",
        "needs",
        "required",
        "require",
        "requires",
        "requirement",
        "known",
        "history",
        "previous",
        "previously",
        "prior",
        "past",
        "current",
        "currently",
        "documented",
        "evidence",
        "presence",
        "present",
        "diagnosis",
        "diagnosed",
        "confirmed",
        "defined",
        "following",
        "follows",
        "follow",
        "include",
        "includes",
        "including",
        "included",
        "e.g",
        "i.e",
        "eg",
        "ie",
        "etc",
        "per",
        "via",
        "more",
        "less",
        "least",
        "most",
        "greater",
        "within",
        "before",
        "after",
        "during",
        "since",
        "until",
        "prior",
        "upon",
        "into",
        "over",
        "under",
        "study",
        "trial",
        "enrollment",
        "enrolment",
        "registration",
        "randomization",
        "randomisation",
        "screening",
        "entry",
        "first",
        "dose",
        "doses",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "time",
        "period",
        "times",
        "date",
        "visit",
        "baseline",
        "treatment",
        "treatments",
        "therapy",
        "therapies",
        "treated",
        "receive",
        "received",
        "receiving",
        "use",
        "used",
        "using",
        "agent",
        "agents",
        "drug",
        "drugs",
        "disease",
        "diseases",
        "condition",
        "conditions",
        "disorder",
        "disorders",
        "illness",
        "status",
        "level",
        "levels",
        "value",
        "values",
        "count",
        "counts",
        "test",
        "tests",
        "result",
        "results",
        "criteria",
        "criterion",
        "eligible",
        "eligibility",
        "ineligible",
        "able",
        "allowed",
        "permitted",
        "adequate",
        "normal",
        "function",
        "functions",
        "clinical",
        "clinically",
        "significant",
        "severe",
        "serious",
        "active",
        "uncontrolled",
        "stable",
        "controlled",
        "documented",
        "evaluation",
        "assessment",
        "examination",
        "exam",
        "laboratory",
        "lab",
        "labs",
        "age",
        "aged",
        "old",
        "years",
        "gender",
        "sex",
        "male",
        "female",
        "males",
        "females",
        "men",
        "women",
        "man",
        "woman",
        "note",
        "notes",
        "see",
        "section",
        "protocol",
        "investigator",
        "investigators",
        "judgment",
        "opinion",
        "hematology",
        "haematology",
        "hematological",
        "haematological",
        "hematologic",
        "renal",
        "hepatic",
        "liver",
        "coagulation",
        "bone",
        "marrow",
        "blood",
        "routine",
        "chemistry",
        "biochemistry",
        "peripheral",
        "serum",
        "plasma",
        "achieved",
        "achieve",
        "achieving",
        "plus",
        "suspected",
        "stage",
        "stages",
        "staging",
        "edition",
        "version",
        "ajcc",
        "uicc",
        "classification",
        "tnm",
        "system",
        "following:",
        "yes",
        "none",
        "n/a",
        "na",
        "criteria:",
        "respectively",
        "approximately",
        "about",
        "least",
        "cases",
        "case",
        "type",
        "types",
        "grade",
        "medical",
        "condition",
        "history:",
        "underlying",
        "concurrent",
        "concomitant",
        "ongoing",
        "acute",
        "chronic",
        "new",
        "recent",
        "recently",
        "mg",
        "kg",
        "ml",
        "l",
        "dl",
        "mm",
        "g",
        "ul",
        "u",
        "iu",
        "x",
        "uln",
        "lln",
        "upper",
        "lower",
        "limit",
        "limits",
        "normal",
        "institutional",
        "range",
        "per",
        "standard",
        "standard-of-care",
        "care",
        "local",
        "regional",
        "institutional",
        "definition",
        "defined",
        "as",
        "below",
        "above",
        # qualifiers of an atom or of the criterion's scope that the gold does not annotate
        # (docs/criteria-gold.md: "written informed consent" is the consent review atom;
        # phase- or cohort-specific criteria are annotated as written)
        "performance",
        "written",
        "provide",
        "signed",
        "sign",
        "voluntarily",
        "excluded",
        "excluding",
        "exclusion",
        "inclusion",
        "phase",
        "cohort",
        # qualifiers, generic heads and verbs around an atom: they say how strongly, how
        # checked or in whose voice, not what to check (the atom holds the fact; a criterion
        # with no atom at all stays unparsed whatever its words)
        "given",
        "performed",
        "scheduled",
        "administration",
        "administered",
        "start",
        "starting",
        "started",
        "initiation",
        "initiating",
        "commencement",
        "beginning",
        "experienced",
        "undergone",
        "undergo",
        "undergoing",
        "elapsed",
        "involving",
        "based",
        "because",
        "due",
        "potent",
        "minimum",
        "maximum",
        "initial",
        "moderate",
        "mild",
        "pre-existing",
        "preexisting",
        "co-existing",
        "coexisting",
        "life-threatening",
        "exposure",
        "exposed",
        "receipt",
        "requiring",
        "setting",
        "settings",
        "regimen",
        "regimens",
        "course",
        "except",
        "exception",
        "exceptions",
        "specified",
        "effective",
        "acceptable",
        "appropriate",
        "inadequate",
        "method",
        "methods",
        "measures",
        "practice",
        "practicing",
        "agree",
        "agrees",
        "fertile",
        "potentially",
        "potential",
        "childbearing",
        "reproductive",
        "scan",
        "scans",
        "imaging",
        "computed",
        "tomography",
        "magnetic",
        "resonance",
        "mri",
        "echocardiogram",
        "echocardiography",
        "cancer",
        "carcinoma",
        "tumor",
        "tumors",
        "tumour",
        "tumours",
        "lesion",
        "lesions",
        "site",
        "sites",
        "kind",
        "class",
        "scale",
        "positive",
        "unwilling",
        "unwillingness",
        "unable",
        "inability",
        "ability",
        "willing",
        "willingness",
        "cardiac",
        "symptomatic",
        "asymptomatic",
        "unstable",
        "medication",
        "medications",
        "medicine",
        "medicines",
        "oral",
        "you",
        "your",
        "dated",
        "syndrome",
        "dysfunction",
        "impairment",
        "abnormality",
        "abnormalities",
        "pathology",
        "complications",
        "failed",
        # connectives and function words: they join or negate atoms, they never name a fact
        "but",
        "there",
        "cannot",
        "whilst",
        "whereas",
        "although",
        "though",
        "inclusive",
    ]
)


def _noncontent_table() -> tuple[
    frozenset[str], re.Pattern[str] | None, list[tuple[frozenset[str], re.Pattern[str]]]
]:
    """data/criteria/noncontent.csv (the table says why each row is there): words never
    content; phrases never content; qualifiers not content in a clause holding an atom (of
    one of the row's `atoms` types when it names some), grouped by that type set."""
    rows = read_table("noncontent.csv")
    words = frozenset(r["text"].strip().lower() for r in rows if r["kind"] == "word")
    phrases = [r["text"] for r in rows if r["kind"] == "phrase"]
    groups: dict[frozenset[str], list[str]] = {}
    for r in rows:
        if r["kind"] == "qualifier":
            types = frozenset(x for x in (r.get("atoms") or "").split("|") if x)
            groups.setdefault(types, []).append(r["text"])

    def alt(xs: list[str]) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{x})" for x in xs), re.I)

    return (
        words,
        alt(phrases) if phrases else None,
        [(types, alt(xs)) for types, xs in groups.items()],
    )


_TABLE_WORDS, _TABLE_PHRASE, _TABLE_QUALIFIERS = _noncontent_table()
_STOP = _STOP | _TABLE_WORDS
_NEG = re.compile(
    r"^\W*(?:(?:the\s+)?(?:patients?|subjects?|participants?|individuals?)\s+(?:must|should|will|shall|may)?\s*(?:have\s+)?)?"
    r"(?:no|not|without|never|absence of|free of|must not|should not|cannot|did not|do not|does not|has not|have not|had not|neither|none|lack of|no evidence of|no history of|no known)\b",
    re.I,
)
_NAIVE = re.compile(r"na[iï]ve", re.I)
# "has not recovered / not yet resolved / not healed" describe the condition itself
# (unresolved toxicity, unhealed wound): the negation is part of the atom, not of the criterion.
_NEG_PART_OF_FACT = re.compile(
    r"\s*(?:yet\s+|fully\s+|completely\s+|adequately\s+)?(?:recovered|resolved|healed)\b", re.I
)
_CUE = re.compile(
    r"\b(?:(?:patients?|subjects?|participants?|those|they)\s+(?:\w+\s+){0,3}?)?(?:are\s+|is\s+|will be\s+|would be\s+)?"
    r"(?:eligible|allowed|permitted|acceptable|can be (?:enrolled|included)|may be (?:enrolled|included)|may participate)\s+(?:only\s+)?(?:if|when|provided|as long as)\b"
    r"|\bunless\b|(?<!has )(?<!have )(?<!had )(?<!be )(?<!being )\bprovided (?!(?:written|signed|informed|consent|by)\b)(?:that\s+)?\b|\bexcept (?:if|when|for (?:patients|subjects|participants|those)|in (?:patients|subjects|participants)|those)\b"
    r"|\bas long as\b|\bonly if\b",
    re.I,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")
_OR_WORD = re.compile(r"\bor\b", re.I)
_AND_WORD = re.compile(r"\band\b(?!/)|&", re.I)
# "must be excluded by chest X-ray", "should be confirmed by MRI": how to check, not a fact
_PROCEDURAL = re.compile(
    r"\b(?:must|should|will|can|may) be (?:excluded|ruled out|confirmed|assessed|documented|"
    r"evaluated|verified|determined|performed|obtained|measured|calculated)\b",
    re.I,
)
# Reference points of a time window: the study's own anchors, not facts of the patient.
_ANCHOR = (
    r"(?:(?:the\s+)?(?:first|last|final)\s+dose(?:\s+of\s+(?:the\s+)?(?:study|trial|investigational|protocol)\s+"
    r"(?:drugs?|treatment|therapy|medications?|interventions?|products?|agents?))?"
    r"|(?:the\s+)?(?:start|initiation|beginning|commencement)\s+of\s+(?:the\s+)?(?:study|protocol|trial)?\s*"
    r"(?:treatment|therapy|drugs?|medications?|interventions?)"
    r"|(?:the\s+)?(?:first\s+)?(?:study|protocol|trial)\s+(?:treatment|therapy|drugs?|medications?)"
    r"|cycle\s+1,?\s+day\s+1|c1d1"
    r"|(?:signing|signature\s+of)\s+(?:the\s+)?(?:informed\s+)?consent(?:\s+form)?"
    r"|(?:the\s+)?(?:study\s+|trial\s+)?(?:enrol(?:l)?ment|entry|randomi[sz]ation|registration|screening|day\s+1|baseline))"
)
# generic window after an atom: "within 4 weeks (of|before|prior to) randomization"
_WINDOW = re.compile(
    rf"^[\s,]*(?:\(\s*)?(?:with)?in\s+(?:the\s+)?(?:(?:last|past|previous|preceding|prior)\s+)?"
    rf"(?P<v>{WNUM})\s*(?P<u>days?|weeks?|months?|years?)"
    rf"(?:\s+(?:of|before|prior\s+to|preceding|from|after|following)\s+{_ANCHOR})?",
    re.I,
)
# Words inside the clause of an accepted atom that only qualify it: a time window and its
# reference point, a duration, how the value is measured. Not a comparator: one the atom
# did not take carries a limit of its own ("but not exceeding 3 x ULN"). Free only in a clause
# that holds an atom (`_qualifier_regions`); the object of "as determined by" stays content
# unless it is a named method ("Cockcroft-Gault").
_QUALIFIER = re.compile(
    rf"\b(?:(?:with)?in|during|over|for)\s+(?:the\s+)?(?:last|past|previous|preceding|prior)\s+"
    rf"(?:{WNUM}\s*)?(?:days?|weeks?|months?|years?)\b"
    rf"|\b(?:(?:{WNUM})\s*(?:days?|weeks?|months?|years?)\s+)?(?:of|before|prior\s+to|preceding|from|after|following|since|until)\s+{_ANCHOR}"
    rf"|\b(?:during|throughout|for)\s+(?:the\s+)?(?:course\s+of\s+(?:the\s+)?)?(?:study|trial)(?:\s+(?:period|treatment|duration))?\b"
    rf"|\bwhichever\s+(?:is|comes)\s+(?:longer|shorter|later|earlier|greater|less|more|first|last)\b"
    rf"|\b(?:{WNUM})\s+half[- ]?lives\b"
    rf"|\b(?:an?\s+)?(?:duration|interval|period)\s+of\b"
    rf"|\b(?:(?:at\s+least|only|any|more\s+than)\s+)?one\s+of\s+(?:the\s+following|these|them)\b|\bat\s+least\s+one\b"
    rf"|\b(?:as\s+)?(?:determined|assessed|measured|evidenced|estimated|calculated|defined|demonstrated)\s+(?:by|using|with|per|via|according\s+to)\b"
    rf"|\baccording\s+to\b|\bat\s+the\s+time\s+of\b"
    rf"|\band\s+(?:has\s+|have\s+)?(?:fully\s+)?recovered\b(?:\s+from\s+(?:all\s+)?(?:the\s+)?(?:acute\s+)?(?:toxic\s+effects|toxicit(?:y|ies)|side\s+effects|adverse\s+events)(?:\s+of\s+(?:that|the|such|prior)\s+(?:therapy|treatment|surgery))?)?"
    rf"|\b(?:(?:by|using|with|per)\s+)?(?:the\s+)?(?:cockcroft[- ]?gault|cockroft[- ]?gault|mdrd|ckd[- ]?epi)(?:\s+(?:formula|equation|method))?"
    rf"|\b(?:estimated|calculated|measured)\b(?=\s+(?:creatinine|glomerular|gfr|crcl|clcr))",
    re.I,
)
_CLAUSE_SPLIT = re.compile(r";|\.\s|\.$")


def resolve(founds: list[Found]) -> list[Found]:
    """Keep non-overlapping founds: higher priority first, then longer."""
    order = sorted(founds, key=lambda f: (-f.priority, -_extent(f), f.start))
    taken: list[tuple[int, int]] = []
    kept: list[Found] = []
    for f in order:
        if any(f.start < y and x < f.end for x, y in taken):
            continue
        kept.append(f)
        taken.extend(f.regions())
    kept.sort(key=lambda f: f.start)
    return kept


def _extent(f: Found) -> int:
    """Width of the span from the first to the last of `f.regions()` (no list built:
    this runs in every `resolve` sort)."""
    lo, hi = f.start, f.end
    for x, y in f.cover:
        if x < lo:
            lo = x
        if y > hi:
            hi = y
    return hi - lo


def _strip(x: object) -> object:
    """A dump without text/span: two atoms saying the same thing compare equal.

    Read from the nodes' fields directly: equal to stripping `model_dump()` (every field,
    nested nodes as dicts) without building the dump."""
    t = type(x)
    is_model = _IS_MODEL.get(t)
    if is_model is None:  # `isinstance` on a model class is slow: once per type
        is_model = _IS_MODEL[t] = isinstance(x, BaseModel)
    if is_model:
        return {k: _strip(v) for k, v in x.__dict__.items() if k not in ("text", "span")}
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items() if k not in ("text", "span")}
    if isinstance(x, list):
        return [_strip(v) for v in x]
    return x


_IS_MODEL: dict[type, bool] = {}


def _same(a: Expr, b: Expr) -> bool:
    return _strip(a) == _strip(b)


_CONDLIKE = ("condition", "if", "measurement", "metastasis", "infection", "reproductive")


def _gap(text: str, a: Found, b: Found) -> str:
    """Words between two atoms, skipping what the first atom's qualifiers explain."""
    end = a.end
    for x, y in sorted(a.regions()):
        if x <= end and end < y <= b.start:
            end = y
    return text[end : b.start] if end < b.start else text[a.end : b.start]


_GAP_SEP = re.compile(r";|\.\s|\.$")
_GAP_OR = re.compile(r"\bor\b|and/or|(?<![a-z0-9])/(?![a-z0-9])|\beither\b|^\s*/\s*$")
_GAP_AND = re.compile(
    r"\band\b|\bwith\b|\bplus\b|\+|combined with|combination with|followed by|\bwhile\b|\bbut\b|\bas well as\b|\bafter\b"
)
_CLAUSE_END = re.compile(r";|\.\s|,\s*(?=[A-Z])")


def _gap_kind(gap: str) -> str:
    g = gap.lower()
    if _GAP_SEP.search(g):
        return "sep"
    if _GAP_OR.search(g):
        return "or"
    if _GAP_AND.search(g):
        return "and"
    return "comma"


def _combine(ctx: Ctx, items: list[Found], kind_default: str) -> Expr:
    """AND binds tighter than OR; commas follow the list's OR, else the kind default."""
    if len(items) > 1:  # one dump per atom, not one per pair
        seen: list[object] = []
        dedup: list[Found] = []
        for f in items:
            key = _strip(f.expr)
            if key not in seen:
                seen.append(key)
                dedup.append(f)
        items = dedup
    if len(items) == 1:
        return items[0].expr
    gaps = [_gap_kind(_gap(ctx.text, a, b)) for a, b in itertools.pairwise(items)]
    # 'Stage IV breast cancer', 'Metastatic breast cancer': a stage or status word right
    # before the cancer it qualifies is one noun phrase, never a list of alternatives
    # 'Severe COPD (FEV1<50%)': a value in brackets right after a condition defines it
    gaps = [
        "and"
        if g == "comma"
        and (
            (
                a.expr.type in ("stage", "disease_status")
                and b.expr.type == "diagnosis"
                and not _gap(ctx.text, a, b).strip()
            )
            or (
                a.expr.type == "condition"
                and b.expr.type in ("measurement", "lab")
                and _gap(ctx.text, a, b).strip() == "("
            )
        )
        else g
        for g, a, b in zip(gaps, items, items[1:], strict=False)
    ]
    if ctx.kind == "exclusion":
        gaps = [
            "comma"
            if g == "and"
            and a.expr.type in _CONDLIKE
            and b.expr.type in _CONDLIKE
            and _gap(ctx.text, a, b).strip(" ,").lower() == "and"
            else g
            for g, a, b in zip(gaps, items, items[1:], strict=False)
        ]
    if "sep" in gaps:
        groups: list[list[Found]] = [[items[0]]]
        for g, it in zip(gaps, items[1:], strict=False):
            if g == "sep":
                groups.append([it])
            else:
                groups[-1].append(it)
        parts = [_combine(ctx, grp, kind_default) for grp in groups]
        node = AndNode if ctx.kind == "inclusion" else OrNode
        return _mk(ctx, node, items, parts)
    has_or = "or" in gaps
    terms: list[list[Found]] = [[items[0]]]
    for g, it in zip(gaps, items[1:], strict=False):
        loose = g == "or" or (g == "comma" and (has_or or kind_default == "or"))
        if loose:
            terms.append([it])
        else:
            terms[-1].append(it)
    exprs: list[Expr] = []
    for term in terms:
        if len(term) == 1:
            exprs.append(term[0].expr)
        else:
            exprs.append(_mk(ctx, AndNode, term, [f.expr for f in term]))
    if len(exprs) == 1:
        return exprs[0]
    return _mk(ctx, OrNode, items, exprs)


def _mk(ctx: Ctx, node: type[AndNode] | type[OrNode], items: list[Found], args: list[Expr]) -> Expr:
    a = min(f.start for f in items)
    b = max(f.end for f in items)
    return ctx.mk(node, a, b, args=args)


# Filler the gold annotators do not count as content (docs/criteria-gold.md): lead-ins,
# modal verbs, "documented/known", "at least", and the usual study time anchors.
_FILLER = re.compile(
    r"\b(?:(?:the\s+)?(?:patients?|subjects?|participants?)\s+(?:with|who|must|should|have|has)"
    r"|must\s+(?:have|be|not)|should\s+(?:have|be)|(?:has|have)\s+(?:had|been)"
    r"|documented|known|at\s+least|or\s+equal(?:\s+to)?|equal\s+to"
    r"|response\s+evaluation\s+criteria\s+in\s+solid(?:\s+tumou?rs)?"
    r"|(?:prior\s+to|before|after|from|of)\s+(?:the\s+)?(?:start\s+of\s+)?(?:study\s+)?"
    r"(?:enrol(?:l)?ment|entry|randomi[sz]ation|registration|inclusion|treatment|screening|day\s+1)"
    r")\b",
    re.I,
)
# Examples after "e.g." / "such as" / "for example" up to the closing bracket or clause end:
# not atoms when the head before them is parsed (docs/criteria-gold.md, "Examples").
_EXAMPLES = re.compile(
    r"\b(?:e\.\s?g\.?|eg\.|for example|for instance|such as)[,:]?\s*"
    r"(?:\[[^\]]*\]|\([^()]*\)|[^;()\[\].]|\.(?!\s|$))*",
    re.I,
)
# Field labels of the PDQ layout ("PATIENT CHARACTERISTICS: Age: ... Renal: ..."): layout,
# not content; the words after a label are still read.
_LABEL = re.compile(
    r"\b(?:(?:disease|patient)\s+characteristics|prior\s+concurrent\s+therapy|age|sex|"
    r"menopausal\s+status|performance\s+status|life\s+expectancy|hematopoietic|hepatic|renal|"
    r"cardiovascular|pulmonary|neurologic|other|biologic\s+therapy|chemotherapy|"
    r"endocrine\s+therapy|radiotherapy|surgery)\s*:",
    re.I,
)
# Values that state no limit ("Performance status: Not specified", "Age: Any age").
# A PDQ cross-reference ("Hepatic: See Disease Characteristics", "Biologic therapy: See
# Chemotherapy") also sets no limit here: the section it points to is parsed on its own.
_NO_LIMIT = re.compile(
    r"\b(?:not\s+specified|none\s+specified|any\s+age|no\s+restrictions?|not\s+applicable)\b"
    r"|^\W*see\s+(?:(?:disease|patient)\s+characteristics|prior\s+concurrent\s+therapy|"
    r"(?:biologic|endocrine|hormonal)\s+therapy|chemotherapy|radiotherapy|surgery|general\s+eligibility\s+criteria)"
    r"(?:\s+(?:and|or)\s+(?:(?:disease|patient)\s+characteristics|(?:biologic|endocrine|hormonal)\s+therapy|chemotherapy|radiotherapy|surgery))?\W*$",
    re.I,
)
# A bracketed abbreviation of the words before it: "(NPC)", "(ECOG)", "(CrCl)".
_ABBREV = re.compile(r"[(\[]\s*[A-Za-z][A-Za-z0-9\-/.]{0,11}\s*[)\]]")


def _free_regions(ctx: Ctx, kept: list[Found], a: int, b: int) -> list[tuple[int, int]]:
    """Regions of [a, b) that never make a criterion unparsed (filler, examples, abbrevs)."""
    out = _spans(_FILLER, ctx, a, b)
    out += _spans(_ABBREV, ctx, a, b)
    out += _spans(_LABEL, ctx, a, b)
    out += _spans(_NO_LIMIT, ctx, a, b)
    if _TABLE_PHRASE is not None:
        out += _spans(_TABLE_PHRASE, ctx, a, b)
    out += _qualifier_regions(ctx, kept, a, b)
    first_atom = min((f.start for f in kept), default=b)
    for m in _finditer(_EXAMPLES, ctx, a, b) if may_match(_EXAMPLES, ctx) else ():
        if first_atom < m.start():  # the head is parsed: its examples are not content
            out.append(m.span())
    return out


def _spans(rx: re.Pattern[str], ctx: Ctx, a: int, b: int) -> list[tuple[int, int]]:
    """Spans of `rx` in text[a:b]; none without searching when `may_match` rules it out."""
    return [m.span() for m in _finditer(rx, ctx, a, b)] if may_match(rx, ctx) else []


# id(rx) -> (rx, `vocab.folded(rx)`); the entry keeps rx, so its id is not reused
_FOLDED: dict[int, tuple[re.Pattern[str], re.Pattern[str] | None]] = {}


def _fast(rx: re.Pattern[str], ctx: Ctx) -> tuple[re.Pattern[str], str]:
    """`rx` and the text to search with it, as the faster equivalent when there is one:
    on ASCII text a case-insensitive regex finds the same spans as its case-sensitive
    fold (`vocab.folded`) does in the lower-cased text, several times faster. Only the
    spans of such matches may be used (their groups are lower-cased)."""
    entry = _FOLDED.get(id(rx))
    if entry is None or entry[0] is not rx:
        entry = _FOLDED[id(rx)] = (rx, folded(rx) if rx.flags & re.I else None)
    f = entry[1]
    if f is not None and ctx.low.isascii():
        return f, ctx.low
    return rx, ctx.text


def _finditer(rx: re.Pattern[str], ctx: Ctx, a: int, b: int) -> Iterator[re.Match[str]]:
    """`rx.finditer(ctx.text, a, b)`, by way of `_fast`: use the spans only."""
    r, t = _fast(rx, ctx)
    return r.finditer(t, a, b)


def _qualifier_regions(ctx: Ctx, kept: list[Found], a: int, b: int) -> list[tuple[int, int]]:
    """Qualifier phrases (`_QUALIFIER`, noncontent.csv) in a clause that holds an atom.

    A window or comparator qualifies the atom of its own clause; in a clause with no atom it
    qualifies something unparsed, so it stays content there.
    """
    t = ctx.text
    cuts = [a, *(m.end() for m in _CLAUSE_SPLIT.finditer(t, a, b)), b]
    out: list[tuple[int, int]] = []
    for x, y in itertools.pairwise(cuts):
        inside = [f for f in kept if x <= f.start < y or any(x <= s < y for s, _ in f.cover)]
        if not inside:
            continue
        out += _spans(_QUALIFIER, ctx, x, y)
        types = {e.type for f in inside for e in iter_atoms(f.expr)}
        for need, rx in _TABLE_QUALIFIERS:
            if not need or need & types:
                out += _spans(rx, ctx, x, y)
        out += _cancer_context(t, x, y)
    return out


# "prior chemotherapy for prostate cancer", "malignancy other than HNSCC": the words just
# before a cancer name that make it the setting of another atom (as extractors/disease.py
# `_NOT_DX_BEFORE`, which keeps such a cancer from being a diagnosis atom).
_CANCER_CONTEXT = re.compile(
    r"(?:(?:other\s+than|except(?:\s+for)?|excluding|besides|apart\s+from)\s+(?:(?:a|an|the|primary|prior|previous|their|[\w-]+)\s+){0,2}"
    r"|(?:therap\w*|treatment|chemotherapy|regimens?|radiotherapy|radiation|irradiation|surgery|resection|inhibitors?|agents?|involvement|lines?|immunotherapy)\s+(?:\w+\s+){0,3}?(?:for|of|with|against)\s+(?:(?:the|their|this|advanced|metastatic|recurrent|primary|locally|[\w-]+)\s+){0,2})$",
    re.I,
)


def _cancer_context(t: str, x: int, y: int) -> list[tuple[int, int]]:
    """Cancer names in [x, y) that name the setting of another atom (`_CANCER_CONTEXT`)."""
    out: list[tuple[int, int]] = []
    for c in vocab().cancer.find(t[x:y]):
        a, b = x + c.start, x + c.end
        if _CANCER_CONTEXT.search(t[max(x, a - 60) : a]):
            out.append((a, b))
    return out


def _merge(regions: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Sorted, merged intervals as parallel start/end lists (for bisect lookups)."""
    starts: list[int] = []
    ends: list[int] = []
    for x, y in sorted(r for r in regions if r[0] < r[1]):
        if ends and x <= ends[-1]:
            ends[-1] = max(ends[-1], y)
        else:
            starts.append(x)
            ends.append(y)
    return starts, ends


def _touches(starts: list[int], ends: list[int], a: int, b: int) -> bool:
    i = bisect.bisect_right(starts, b - 1) - 1
    return i >= 0 and ends[i] > a


def _content_words(
    ctx: Ctx, regions: list[tuple[int, int]], a: int, b: int
) -> list[tuple[int, int]]:
    starts, ends = _merge(regions)
    out: list[tuple[int, int]] = []
    find = bisect.bisect_right  # inlined `_touches`: this loop runs for every word
    filler = _FILLER_WORDS
    for m in _WORD.finditer(ctx.text, a, b):
        f = filler.get(m.group())
        if f is None:
            if len(filler) >= 100_000:
                filler.clear()
            f = filler[m.group()] = _is_filler(m.group())
        if f:
            continue
        sp = m.span()
        i = find(starts, sp[1] - 1) - 1
        if i >= 0 and ends[i] > sp[0]:
            continue
        if m.group().lower().strip("'-") in _SPELLED and _UNIT_AFTER.match(ctx.text, sp[1]):
            continue  # "within two weeks": a number with its unit, as "2 weeks"
        out.append(sp)
    return out


# Spelled-out numbers count as digits do (never content) when a unit of time follows them.
_SPELLED = frozenset(k for k in WORD_NUM if k not in ("zero", "one", "a", "an", "half"))
_UNIT_AFTER = re.compile(r"[\s-]*\(?\d*\)?\s*(?:days?|weeks?|months?|years?|hours?|hrs?)\b", re.I)

_FILLER_WORDS: dict[str, bool] = {}  # `_is_filler` of each word seen (the same few recur)


def _is_filler(word: str) -> bool:
    """A word that never makes a criterion unparsed: a stop word or too short."""
    w = word.lower().strip("'-")
    if w in _STOP or len(w) < 3 or w.rstrip("s") in _STOP:
        return True
    # "protocol-defined", "treatment-related": every part is filler
    return "-" in w and all(p in _STOP or len(p) < 3 for p in w.split("-"))


# A comparator with a number that no atom read: a limit on something ("over age 65", "AP <= 5 x
# ULN" beside a parsed limit), so content even though numbers and comparator words are not
# (docs/criteria-grammar.md, "Leftovers"). Only looked for beside an atom: a criterion with no
# atom is unparsed anyway.
_LOOSE_LIMIT = re.compile(
    r"(?:[<>]=?|=<|=>|\b(?:over|under|above|below|greater|less|more|fewer|higher|lower|older|younger|"
    r"at\s+least|at\s+most|up\s+to|no\s+more|not\s+more|no\s+less|not\s+less|exceed(?:s|ing)?)\b"
    r"(?:\s+than)?(?:\s+or\s+equal(?:\s+to)?)?(?:\s+(?:the\s+)?age(?:\s+of)?)?)\s*\d",
    re.I,
)
_DIGIT = re.compile(r"\d")


def _loose_limits(
    ctx: Ctx, regions: list[tuple[int, int]], a: int, b: int
) -> list[tuple[int, int]]:
    """Spans of comparator + number in [a, b) that touch no atom region (`_LOOSE_LIMIT`)."""
    if not _DIGIT.search(ctx.text, a, b):
        return []
    starts, ends = _merge(regions)
    out: list[tuple[int, int]] = []
    for m in _LOOSE_LIMIT.finditer(ctx.text, a, b):
        if _touches(starts, ends, m.start(), m.end()):
            continue
        if _LIMIT_TIME.match(ctx.text, m.end()) and not _LIMIT_AGE.search(m.group()):
            continue  # "more than 4 weeks earlier": a time qualifier of an atom, not a limit
        if _ONE_LESION.match(ctx.text, m.start()):
            continue  # RECIST's "≥ 1 lesion ... in ≥ 1 dimension": what measurable disease means
        out.append(m.span())
    return out


_LIMIT_TIME = re.compile(
    r"[\d.,]*\s*(?:-\s*)?(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|hours?|hrs?)\b", re.I
)
_ONE_LESION = re.compile(
    r"(?:>=|at\s+least)\s*(?:1|one)\s+(?:(?:measurable|target|evaluable)\s+)?(?:lesions?|dimensions?|sites?)\b",
    re.I,
)
_LIMIT_AGE = re.compile(r"\b(?:age|older|younger)\b", re.I)


# Set to a list to collect (criterion text, leftover word spans, whether an atom was kept)
# for every leftover decision that flags words (scripts/criteria_coverage.py); None in use.
LEFTOVER_SINK: list[tuple[str, list[tuple[int, int]], bool]] | None = None


def leftover(ctx: Ctx, kept: list[Found], a: int, b: int) -> tuple[int, int] | None:
    """Span of substantive words in [a, b) that no kept atom explains.

    A word touched by an atom's region is explained; filler, example lists and
    abbreviations (`_free_regions`) are looked for only when some word is left.
    """
    if b <= a:
        return None
    regions = [r for f in kept for r in f.regions()]
    words = _content_words(ctx, regions, a, b)
    limits = _loose_limits(ctx, regions, a, b) if kept else []
    if words or limits:
        # the free regions only take words away: filter the words left (same as a second
        # `_content_words` pass over regions + free regions, without re-reading the text)
        fs, fe = _merge(_free_regions(ctx, kept, a, b))
        words = [w for w in words if not _touches(fs, fe, w[0], w[1])]
        if limits:
            words = sorted(words + [x for x in limits if not _touches(fs, fe, x[0], x[1])])
    if not words:
        return None
    if LEFTOVER_SINK is not None:
        LEFTOVER_SINK.append((ctx.text, words, bool(kept)))
    return words[0][0], words[-1][1]


def _drop_examples(ctx: Ctx, kept: list[Found], a: int, b: int) -> list[Found]:
    """Atoms inside an "e.g. ..." list that only repeat the kind of a parsed head before it.

    "Prior taxane (e.g. docetaxel)": the criterion is the class; its member drugs are not
    atoms (docs/criteria-gold.md). Only therapy examples are dropped: examples of a
    condition class carry their own limits ("e.g. myocardial infarction within 6 months,
    heart failure >= NYHA II") and the gold keeps them as atoms.
    """
    if len(kept) < 2:
        return kept
    drop: set[int] = set()
    for m in _finditer(_EXAMPLES, ctx, a, b):  # spans only
        if not any(f.expr.type == "prior_therapy" for f in kept if f.end <= m.start()):
            continue
        for i, f in enumerate(kept):
            if m.start() <= f.start and f.end <= m.end() and f.expr.type == "prior_therapy":
                drop.add(i)
    return [f for i, f in enumerate(kept) if i not in drop]


# The name of a grading scale: its words name no fact of the patient ("Adverse Events" in
# "Common Terminology Criteria for Adverse Events" is not an unresolved toxicity).
_SCALE_NAME = re.compile(
    r"\bcommon\s+(?:terminology|toxicity)\s+criteria\s+(?:for|of)\s+adverse\s+events?\b", re.I
)


def _drop_in_scale_names(ctx: Ctx, founds: list[Found], a: int, b: int) -> list[Found]:
    names = [m.span() for m in _SCALE_NAME.finditer(ctx.text, a, b)]
    if not names:
        return founds
    return [
        f
        for f in founds
        if not (
            f.expr.type == "condition"
            and all(any(x <= s and e <= y for x, y in names) for s, e in f.regions())
        )
    ]


def _shared_limit_or(ctx: Ctx, f: Found) -> None:
    """ "INR or PT <= 1.5 x ULN": the labs extractor gives an AND of atoms sharing a limit;
    when the analytes are joined by "or" (and never by "and") it is an OR."""
    e = f.expr
    if not isinstance(e, AndNode) or len(e.args) < 2:
        return
    if not all(x.type == "lab" for x in e.args):
        return
    spans = [x.span for x in e.args]
    if any(sp is None for sp in spans):
        return
    starts = [sp[0] for sp in spans if sp is not None]
    joins = [ctx.original[x:y] for x, y in itertools.pairwise(starts)]
    if all(_OR_WORD.search(j) for j in joins) and not any(_AND_WORD.search(j) for j in joins):
        f.expr = OrNode(text=e.text, span=e.span, args=list(e.args))


def _attach_windows(ctx: Ctx, kept: list[Found], b: int) -> None:
    """Give "within N days (before X)" right after an atom to that atom's `within_days`."""
    for i, f in enumerate(kept):
        if not hasattr(f.expr, "within_days") or f.expr.within_days is not None:
            continue
        end = max(y for _, y in f.regions())
        stop = kept[i + 1].start if i + 1 < len(kept) else b
        m = _WINDOW.match(ctx.text[end:stop])
        if not m:
            continue
        try:
            days = to_days(number(m.group("v")), m.group("u"))
        except ValueError:
            continue
        f.expr.within_days = days
        f.cover.append((end, end + m.end()))


def build(ctx: Ctx, founds: list[Found], a: int, b: int) -> tuple[Expr, bool]:
    """Tree for the text [a, b) of a criterion; second value: fully parsed."""
    # (`may_match`: a cheap literal test on the whole criterion before the slow regex)
    cue = None
    if may_match(_CUE, ctx):  # (only the span of `cue` is used: `_fast` may fold it)
        cue_rx, cue_text = _fast(_CUE, ctx)
        cue = cue_rx.search(cue_text, a, b)
    if cue and cue.start() > a + 2:
        cend = _clause_end(ctx.text, cue.end(), b)
        main, ok1 = build(ctx, founds, a, cue.start())
        cond, ok2 = build(ctx, founds, cue.end(), cend)
        if ctx.kind == "exclusion":
            neg = ctx.mk(NotNode, cue.end(), cend, arg=cond)
            expr: Expr = ctx.mk(AndNode, a, cend, args=[main, neg])
        else:
            expr = ctx.mk(OrNode, a, cend, args=[main, cond])
        ok = ok1 and ok2
        if cend < b and ctx.text[cend:b].strip(" ,;."):
            rest, ok3 = build(ctx, founds, cend, b)
            node = AndNode if ctx.kind == "inclusion" else OrNode
            expr = ctx.mk(node, a, b, args=[expr, rest])
            ok = ok and ok3
        return expr, ok
    inside = [f for f in founds if a <= f.start < b]
    if may_match(_SCALE_NAME, ctx):
        inside = _drop_in_scale_names(ctx, inside, a, b)
    kept = resolve(inside)
    for f in kept:
        _shared_limit_or(ctx, f)
    _attach_windows(ctx, kept, b)
    kept = _drop_examples(ctx, kept, a, b)
    left = leftover(ctx, kept, a, b)
    if not kept:
        if left is None and _NO_LIMIT.search(ctx.text, a, b):
            # "Performance status: Not specified": no limit, so nothing to check. Empty AND
            # (always met) for an inclusion, empty OR (never met) for an exclusion.
            empty = AndNode if ctx.kind == "inclusion" else OrNode
            return ctx.mk(empty, a, b, args=[]), True
        lo, hi = left if left else (a, b)
        if hi <= lo:
            lo, hi = a, max(b, a + 1)
        return ctx.mk(UnparsedAtom, lo, hi), False
    # Procedural review notes in an exclusion ("Suspected active TB must be excluded by chest
    # X-ray") say how to check a fact, they are not a reason to exclude of their own. In the
    # exclusion's OR they would make an exclusion whose facts are all false read "needs
    # review"; so they are kept out of the OR and ANDed on as a note: facts false -> the
    # exclusion does not apply; a fact true -> it applies pending the investigator's check.
    notes: list[Found] = []
    if ctx.kind == "exclusion":
        notes = [
            f
            for f in kept
            if isinstance(f.expr, ReviewAtom)
            and f.expr.reason == "other"
            and _PROCEDURAL.search(ctx.text, f.start, f.end)
        ]
        if len(notes) == len(kept):
            notes = []
    facts = [f for f in kept if f not in notes]
    expr = _combine(ctx, facts, "and" if ctx.kind == "inclusion" else "or")
    prefix = ctx.text[a : kept[0].start]
    only_review = all(isinstance(f.expr, ReviewAtom) for f in kept)
    neg = _NEG.match(prefix)
    if neg and _NEG_PART_OF_FACT.match(ctx.text, a + neg.end()):
        neg = None
    naive = None if neg or ctx.kind != "inclusion" else _NAIVE.search(ctx.text, a, b)
    if not only_review and neg:
        expr = ctx.mk(NotNode, a, b, arg=expr)
    elif not only_review and naive:
        # "Chemotherapy-naive patients with metastatic prostate cancer": only the therapies
        # are negated, never the disease the trial is for.
        therapy = [f for f in facts if _all_therapy(f.expr)]
        others = [f for f in facts if f not in therapy]
        if therapy and not others:
            expr = ctx.mk(NotNode, a, b, arg=expr)
        elif therapy:
            off = ctx.mk(NotNode, a, b, arg=_combine(ctx, therapy, "and"))
            expr = ctx.mk(AndNode, a, b, args=[off, _combine(ctx, others, "and")])
        elif left is None:
            left = naive.span()  # "treatment-naive" with no therapy read: unknown, not NOT
    if notes:
        expr = ctx.mk(AndNode, a, b, args=[expr, *(f.expr for f in notes)])
    if left:
        un = ctx.mk(UnparsedAtom, left[0], left[1])
        node = AndNode if ctx.kind == "inclusion" else OrNode
        if isinstance(expr, node):
            expr.args.append(un)
        else:
            expr = ctx.mk(node, a, b, args=[expr, un])
        return expr, False
    return expr, True


def _all_therapy(expr: Expr) -> bool:
    atoms = list(iter_atoms(expr))
    return bool(atoms) and all(x.type == "prior_therapy" for x in atoms)


def _clause_end(text: str, start: int, limit: int) -> int:
    m = _CLAUSE_END.search(text, start, limit)
    return m.start() if m else limit
