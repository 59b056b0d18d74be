"""Found atoms -> expression tree: overlaps, AND/OR from the words between atoms,
leading negation, "unless / eligible only if" clauses, and leftover text."""

# ruff: noqa: E501  (regex tables and word lists read better unwrapped)

from __future__ import annotations

import itertools
import re

from trialscout.criteria.atoms import AndNode, Expr, NotNode, OrNode, ReviewAtom, UnparsedAtom
from trialscout.criteria.extractors.base import Ctx, Found

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
        "others",
        "such",
        "same",
        "own",
        "only",
        "also",
        "other",
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
    ]
)
_NEG = re.compile(
    r"^\W*(?:(?:the\s+)?(?:patients?|subjects?|participants?|individuals?)\s+(?:must|should|will|shall|may)?\s*(?:have\s+)?)?"
    r"(?:no|not|without|never|absence of|free of|must not|should not|cannot|did not|do not|does not|has not|have not|had not|neither|none|lack of|no evidence of|no history of|no known)\b",
    re.I,
)
_NAIVE = re.compile(r"na[iï]ve", re.I)
_CUE = re.compile(
    r"\b(?:(?:patients?|subjects?|participants?|those|they)\s+(?:\w+\s+){0,3}?)?(?:are\s+|is\s+|will be\s+|would be\s+)?"
    r"(?:eligible|allowed|permitted|acceptable|can be (?:enrolled|included)|may be (?:enrolled|included)|may participate)\s+(?:only\s+)?(?:if|when|provided|as long as)\b"
    r"|\bunless\b|\bprovided (?:that\s+)?\b|\bexcept (?:if|when|for (?:patients|subjects|participants|those)|in (?:patients|subjects|participants)|those)\b"
    r"|\bas long as\b|\bonly if\b",
    re.I,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")


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
    regs = f.regions()
    return max(b for _, b in regs) - min(a for a, _ in regs)


def _same(a: Expr, b: Expr) -> bool:
    def strip(x: object) -> object:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("text", "span")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    return strip(a.model_dump()) == strip(b.model_dump())


_CONDLIKE = ("condition", "if", "measurement", "metastasis", "infection", "reproductive")


def _gap(text: str, a: Found, b: Found) -> str:
    """Words between two atoms, skipping what the first atom's qualifiers explain."""
    end = a.end
    for x, y in sorted(a.regions()):
        if x <= end and end < y <= b.start:
            end = y
    return text[end : b.start] if end < b.start else text[a.end : b.start]


def _gap_kind(gap: str) -> str:
    g = gap.lower()
    if re.search(r";|\.\s|\.$", g):
        return "sep"
    if re.search(r"\bor\b|and/or|(?<![a-z0-9])/(?![a-z0-9])|\beither\b|^\s*/\s*$", g):
        return "or"
    if re.search(
        r"\band\b|\bwith\b|\bplus\b|\+|combined with|combination with|followed by|\bwhile\b|\bbut\b|\bas well as\b|\bafter\b",
        g,
    ):
        return "and"
    return "comma"


def _combine(ctx: Ctx, items: list[Found], kind_default: str) -> Expr:
    """AND binds tighter than OR; commas follow the list's OR, else the kind default."""
    dedup: list[Found] = []
    for f in items:
        if not any(_same(f.expr, g.expr) for g in dedup):
            dedup.append(f)
    items = dedup
    if len(items) == 1:
        return items[0].expr
    gaps = [_gap_kind(_gap(ctx.text, a, b)) for a, b in itertools.pairwise(items)]
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


def leftover(ctx: Ctx, kept: list[Found], a: int, b: int) -> tuple[int, int] | None:
    """Span of substantive words in [a, b) that no kept atom explains."""
    covered = bytearray(b - a)
    for f in kept:
        for x, y in f.regions():
            for i in range(max(x, a), min(y, b)):
                covered[i - a] = 1
    first = last = -1
    for m in _WORD.finditer(ctx.text, a, b):
        if any(covered[i - a] for i in range(m.start(), m.end())):
            continue
        w = m.group().lower().strip("'-")
        if w in _STOP or len(w) < 3 or w.rstrip("s") in _STOP:
            continue
        if first < 0:
            first = m.start()
        last = m.end()
    if first < 0:
        return None
    return first, last


def build(ctx: Ctx, founds: list[Found], a: int, b: int) -> tuple[Expr, bool]:
    """Tree for the text [a, b) of a criterion; second value: fully parsed."""
    cue = _CUE.search(ctx.text, a, b)
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
    kept = resolve(inside)
    left = leftover(ctx, kept, a, b)
    if not kept:
        lo, hi = left if left else (a, b)
        if hi <= lo:
            lo, hi = a, max(b, a + 1)
        return ctx.mk(UnparsedAtom, lo, hi), False
    expr = _combine(ctx, kept, "and" if ctx.kind == "inclusion" else "or")
    prefix = ctx.text[a : kept[0].start]
    only_review = all(isinstance(f.expr, ReviewAtom) for f in kept)
    if not only_review and (
        _NEG.match(prefix) or (_NAIVE.search(ctx.text[a:b]) and ctx.kind == "inclusion")
    ):
        expr = ctx.mk(NotNode, a, b, arg=expr)
    if left:
        un = ctx.mk(UnparsedAtom, left[0], left[1])
        node = AndNode if ctx.kind == "inclusion" else OrNode
        if isinstance(expr, node):
            expr.args.append(un)
        else:
            expr = ctx.mk(node, a, b, args=[expr, un])
        return expr, False
    return expr, True


def _clause_end(text: str, start: int, limit: int) -> int:
    m = re.compile(r";|\.\s|,\s*(?=[A-Z])").search(text, start, limit)
    return m.start() if m else limit
