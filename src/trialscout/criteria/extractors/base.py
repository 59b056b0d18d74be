"""Shared pieces for extractors: the criterion context, found atoms, number/comparator parsing."""

# ruff: noqa: E501  (regex tables and word lists read better unwrapped)

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from trialscout.criteria.atoms import Comparator, Expr
from trialscout.criteria.normalize import Normalized
from trialscout.criteria.vocab import literal_trie

Kind = Literal["inclusion", "exclusion"]

WORD_NUM = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "eighteen": 18,
    "twenty": 20,
    "thirty": 30,
    "sixty": 60,
    "a": 1,
    "an": 1,
    "half": 0.5,
}
NUM = r"(?:\d{1,3}(?:,\d{3})+(?![\d])(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
WNUM = (
    r"(?:"
    + NUM
    + r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty|thirty|sixty)"
)

_CMP_WORDS: list[tuple[str, Comparator]] = [
    (r">=", ">="),
    (r"<=", "<="),
    (r"greater than or equal to", ">="),
    (r"more than or equal to", ">="),
    (r"higher than or equal to", ">="),
    (r"equal to or (?:greater|more|higher|above) than", ">="),
    (r"equal or (?:greater|more|higher) than", ">="),
    (r"less than or equal to", "<="),
    (r"lower than or equal to", "<="),
    (r"equal to or (?:less|lower|below) than", "<="),
    (r"equal or (?:less|lower) than", "<="),
    (r"(?:of )?at least", ">="),
    (r"no less than", ">="),
    (r"not less than", ">="),
    (r"no lower than", ">="),
    (r"minimum of", ">="),
    (r"no more than", "<="),
    (r"not more than", "<="),
    (r"no greater than", "<="),
    (r"not greater than", "<="),
    (r"not (?:to )?exceed(?:ing)?", "<="),
    (r"does not exceed", "<="),
    (r"maximum of", "<="),
    (r"up to", "<="),
    (r"at most", "<="),
    (r"greater than", ">"),
    (r"more than", ">"),
    (r"higher than", ">"),
    (r"larger than", ">"),
    (r"in excess of", ">"),
    (r"exceeding", ">"),
    (r"above", ">"),
    (r"over", ">"),
    (r"less than", "<"),
    (r"lower than", "<"),
    (r"smaller than", "<"),
    (r"below", "<"),
    (r"under", "<"),
    (r">", ">"),
    (r"<", "<"),
    (r"=", "="),
]
CMP = "(?:" + "|".join(w for w, _ in _CMP_WORDS) + ")"
_CMP_COMPILED = [(re.compile(w + r"$", re.I), c) for w, c in _CMP_WORDS]


_SPACES = re.compile(r"\s+")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_SENT_END = re.compile(r"\.(?:\s|$)")
_SENT_END_SP = re.compile(r"\.\s")


def comparator(s: str) -> Comparator:
    s = _SPACES.sub(" ", s.strip().lower())
    for rx, c in _CMP_COMPILED:
        if rx.match(s):
            return c
    return "="


def number(s: str) -> float:
    s = s.strip().lower()
    if s in WORD_NUM:
        return float(WORD_NUM[s])
    if _THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    return float(s.replace(",", "."))


def to_days(value: float, unit: str) -> int:
    u = unit.lower()
    if u.startswith("d"):
        return round(value)
    if u.startswith("w"):
        return round(value * 7)
    if u.startswith("m"):
        return round(value * 30) if value < 12 else round(value * 30.4375)
    if u.startswith("y"):
        return round(value * 365)
    if u.startswith("h"):
        return max(1, round(value / 24))
    return round(value)


@dataclass
class Found:
    """An expression found at [start, end) of the normalised criterion text.

    `cover` lists extra regions (qualifiers, objects) that the expression explains;
    `priority` decides overlaps: higher wins, then longer.
    """

    expr: Expr
    start: int
    end: int
    priority: int = 5
    cover: list[tuple[int, int]] = field(default_factory=list)

    def regions(self) -> list[tuple[int, int]]:
        return [(self.start, self.end), *self.cover]


@dataclass
class Ctx:
    """One criterion: normalised text plus what is needed to map spans back."""

    text: str
    low: str
    kind: Kind
    norm: Normalized
    original: str
    base: int

    def span(self, a: int, b: int) -> tuple[int, int]:
        return self.norm.span(a, b, self.base)

    def mk(self, cls: type[Any], a: int, b: int, **fields: Any) -> Any:
        """Build a node whose `text` is the exact original slice of [a, b)."""
        sp = self.span(a, b)
        return cls(text=self.original[sp[0] : sp[1]], span=sp, **fields)


Extractor = Callable[["Ctx"], list["Found"]]


def needs(*keywords: str) -> Callable[[Extractor], Extractor]:
    """Declare lower-case substrings of which an extractor needs at least one to match.

    The parser skips the extractor on a criterion that has none of them (a cheap
    prefilter; most extractors find nothing in most criteria). Keep the list a superset
    of what the extractor's patterns can start from, or atoms are silently lost.
    """

    def wrap(fn: Extractor) -> Extractor:
        fn.keywords = tuple(k.lower() for k in keywords)  # type: ignore[attr-defined]
        return fn

    return wrap


def derived_gate(
    phrases: Iterable[str] = (), patterns: Iterable[re.Pattern[str]] = ()
) -> tuple[str, ...] | None:
    """A complete keyword gate: vocabulary keywords plus each regex's required literals.

    Keywords are squashed (`vocab.squash`) and checked on the squashed criterion: a
    literal inside the text stays inside it once spaces and hyphens are removed. None
    (no gate) when one of the regexes has no literal every match must contain.
    """
    from trialscout.criteria.vocab import required_literals, squash

    kws = {squash(k.lower()) for k in phrases}
    for rx in patterns:
        lits = required_literals(rx.pattern)
        if not lits:
            return None
        kws.update(squash(x) for x in lits)
    if "" in kws:
        return None  # a keyword of only spaces/hyphens: nothing to gate on
    # a keyword containing another one adds nothing to the gate
    return tuple(sorted(k for k in kws if not any(j != k and j in k for j in kws)))


def needs_derived(gate: tuple[str, ...] | None) -> Callable[[Extractor], Extractor]:
    """Like `needs`, for a gate computed from the tables/regexes (see `derived_gate`).

    Regex literals are exact only on ASCII text (Unicode case folding), so the gate is
    skipped for non-ASCII criteria.
    """

    def wrap(fn: Extractor) -> Extractor:
        if gate is not None:
            fn.squashed_keywords = gate  # type: ignore[attr-defined]
            fn.gate_rx = re.compile(literal_trie(list(gate)))  # type: ignore[attr-defined]
        return fn

    return wrap


def needs_match(rx: re.Pattern[str]) -> Callable[[Extractor], Extractor]:
    """Like `needs`, for a gate that must see the criterion's own case: the parser skips
    the extractor on a criterion (normalised text, not lower-cased) where `rx` finds
    nothing. Keep `rx` a necessary condition of every atom the extractor can return."""

    def wrap(fn: Extractor) -> Extractor:
        fn.match_rx = rx  # type: ignore[attr-defined]
        return fn

    return wrap


def needs_low_match(rx: re.Pattern[str]) -> Callable[[Extractor], Extractor]:
    """Like `needs_match`, searched on the lower-cased criterion, and only on ASCII text
    (a non-ASCII criterion always runs): for a gate built for lower-cased ASCII, such as
    `vocab.bounded_phrases`. Keep `rx` a necessary condition of every atom returned."""

    def wrap(fn: Extractor) -> Extractor:
        fn.low_rx = rx  # type: ignore[attr-defined]
        return fn

    return wrap


def needs_any_match(rxs: Iterable[re.Pattern[str]] | None) -> Callable[[Extractor], Extractor]:
    """Like `needs_match` with several regexes: the parser skips the extractor on a
    criterion (normalised text) where none of `rxs` finds anything. None: no gate (for a
    caller whose regexes could not be built, such as `vocab.phrase_starts`)."""

    def wrap(fn: Extractor) -> Extractor:
        if rxs is not None:
            fn.match_any = tuple(rxs)  # type: ignore[attr-defined]
        return fn

    return wrap


Gate = Callable[[str, str, str, bool], bool]


def gate_of(fn: Extractor) -> Gate | None:
    """The declared prefilter of an extractor as one predicate, None when it has none.

    The predicate takes (low, squashed, text, low.isascii()) of a criterion: what `wanted`
    checks, with the per-criterion work left to the caller (the parser checks every
    extractor against the same criterion).
    """
    mrx: re.Pattern[str] | None = getattr(fn, "match_rx", None)
    grx: re.Pattern[str] | None = getattr(fn, "gate_rx", None)
    kws: tuple[str, ...] | None = getattr(fn, "keywords", None)
    inner: Gate | None = None
    if grx is not None:
        gsearch = grx.search
        # regex literals are exact only on ASCII text: a non-ASCII criterion always runs

        def inner(low: str, sq: str, text: str, ascii_: bool) -> bool:
            return not ascii_ or gsearch(sq) is not None

    elif kws is not None:
        # one literal trie of the keywords: the same as any(k in low for k in kws)
        ksearch = re.compile(literal_trie(list(kws))).search if kws else None

        def inner(low: str, sq: str, text: str, ascii_: bool) -> bool:
            return ksearch is not None and ksearch(low) is not None

    lrx: re.Pattern[str] | None = getattr(fn, "low_rx", None)
    if lrx is not None:
        lsearch = lrx.search
        if inner is None:

            def inner(low: str, sq: str, text: str, ascii_: bool) -> bool:
                return not ascii_ or lsearch(low) is not None

        else:
            prev = inner

            def inner(low: str, sq: str, text: str, ascii_: bool) -> bool:
                return (not ascii_ or lsearch(low) is not None) and prev(low, sq, text, ascii_)

    anys: tuple[re.Pattern[str], ...] | None = getattr(fn, "match_any", None)
    if anys is not None:
        searches = tuple(r.search for r in anys)
        if inner is None:

            def inner(low: str, sq: str, text: str, ascii_: bool) -> bool:
                return any(f(text) is not None for f in searches)

        else:
            prev2 = inner

            def inner(low: str, sq: str, text: str, ascii_: bool) -> bool:
                return prev2(low, sq, text, ascii_) and any(f(text) is not None for f in searches)

    if mrx is None:
        return inner
    msearch = mrx.search
    if inner is None:
        return lambda low, sq, text, ascii_: msearch(text) is not None
    both = inner
    return lambda low, sq, text, ascii_: msearch(text) is not None and both(low, sq, text, ascii_)


def wanted(fn: Extractor, low: str, squashed: str | None = None, text: str | None = None) -> bool:
    """False when the extractor declared keywords and the criterion has none of them.

    `squashed` is `vocab.squash(low)`, passed by a caller that checks many extractors;
    `text` is the normalised criterion (before lower-casing), needed by `needs_match`
    gates: without it such a gate cannot be judged and the extractor runs.
    """
    if text is None and (
        getattr(fn, "match_rx", None) is not None or getattr(fn, "match_any", None) is not None
    ):
        fn = _without_match(fn)
    gate = gate_of(fn)
    if gate is None:
        return True
    if squashed is None:
        from trialscout.criteria.vocab import squash

        squashed = squash(low)
    return gate(low, squashed, text if text is not None else low, low.isascii())


def _without_match(fn: Extractor) -> Extractor:
    def copy(ctx: Ctx) -> list[Found]:
        return fn(ctx)

    for k in ("gate_rx", "keywords", "low_rx"):
        if hasattr(fn, k):
            setattr(copy, k, getattr(fn, k))
    return copy


# keyed by id(): hashing a compiled pattern hashes its whole code (slow for big ones);
# the entry keeps the pattern, so an id is never reused while its entry lives
_MAY: dict[int, tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]] = {}
_SEEN: tuple[str, dict[int, bool]] = ("", {})  # gate results for the last text


_GATE_RX: dict[tuple[str, ...], re.Pattern[str]] = {}


def may_match(rx: re.Pattern[str], ctx: Ctx) -> bool:
    """False only when `rx` cannot match the criterion: a literal of each of its required
    literal sets (`vocab.required_literal_sets`) is missing from the lower-cased ASCII
    text. A cheap test before a regex that is slow to fail (long alternations)."""
    entry = _MAY.get(id(rx))
    if entry is None or entry[0] is not rx:
        from trialscout.criteria.vocab import required_literal_sets

        entry = _MAY[id(rx)] = (
            rx,
            tuple(
                _GATE_RX.setdefault(lits, re.compile(literal_trie(list(lits))))
                for lits in required_literal_sets(rx.pattern, rx.flags)
            ),
        )
    gates = entry[1]
    if not gates or not ctx.low.isascii():
        return True
    global _SEEN
    low = ctx.low
    if _SEEN[0] is not low:
        _SEEN = (low, {})
    seen = _SEEN[1]
    for g in gates:
        hit = seen.get(id(g))
        if hit is None:
            hit = seen[id(g)] = g.search(low) is not None
        if not hit:
            return False
    return True


def finditer(rx: re.Pattern[str], ctx: Ctx) -> Iterator[re.Match[str]]:
    """`rx.finditer(ctx.text)`, skipped when `may_match` says it cannot match."""
    return rx.finditer(ctx.text) if may_match(rx, ctx) else iter(())


def clause_bounds(text: str, a: int, b: int) -> tuple[int, int]:
    """The clause around [a, b): delimited by ; . ( ) or the ends."""
    left = max(text.rfind(ch, 0, a) for ch in ";(") + 1
    dot = _last_sentence_end(text, a)
    left = max(left, dot)
    right = len(text)
    for ch in ";)":
        k = text.find(ch, b)
        if k >= 0:
            right = min(right, k)
    m = _SENT_END.search(text, b)
    if m:
        right = min(right, m.start())
    return left, right


def _last_sentence_end(text: str, a: int) -> int:
    best = 0
    for m in _SENT_END_SP.finditer(text, 0, a):
        best = m.end()
    return best
