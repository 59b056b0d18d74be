"""Vocabulary tables (data/criteria/*.csv) compiled into phrase matchers.

The clinical knowledge lives in the data files; this module only turns them into
regular expressions. Short all-letter aliases ("NPC", "MI", "ALT") are matched only
when written in capitals, so "mi" or "all" inside ordinary words never match.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "criteria"


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of a data CSV, skipping the `#` source/comment lines at its top."""
    path = DATA_DIR / name
    with path.open(encoding="utf-8") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    return [dict(r) for r in csv.DictReader(lines)]


_SQUASH = re.compile(r"[\s\-]+")


def squash(s: str) -> str:
    """`s` without whitespace and hyphens: phrase gates are checked on squashed text."""
    out = s.replace(" ", "").replace("-", "")
    # every whitespace character but " " is unprintable: a printable result has none left
    return out if out.isprintable() else _SQUASH.sub("", s)


def _key(s: str) -> str:
    return re.sub(r"[\s\-']+", "", s.lower())


_SEP = ""


def _units(phrase: str) -> list[str]:
    """A phrase as regex units: characters, with one separator unit between words."""
    out: list[str] = []
    for i, part in enumerate(p for p in re.split(r"[\s\-]+", phrase.strip()) if p):
        if i:
            out.append(_SEP)
        out.extend(part)
    return out


def trie_regex(phrases: list[str], fold: bool = True) -> str:
    """One regex for many phrases with shared prefixes factored out (fast alternation)."""
    root: dict[str, dict] = {}
    for ph in phrases:
        node = root
        for u in _units(ph.lower() if fold else ph):
            node = node.setdefault(u, {})
        node["\0"] = {}

    def gen(node: dict) -> str:
        alts: list[str] = []
        opt = False
        for k, child in node.items():
            if k == "\0":
                opt = True
                continue
            head = r"[\s\-]*" if k == _SEP else re.escape(k)
            alts.append(head + gen(child))
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if opt:
            return "(?:" + body + ")?"
        return body

    return gen(root)


def _phrase_regex(phrase: str) -> str:
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", phrase.strip()) if p]
    body = r"[\s\-]*".join(parts)
    if phrase[-1].isalpha() and len(phrase) > 4:
        body += r"(?:s|es)?"
    return body


_NONASCII = "\u0080-\U0010ffff"


def _starts(phrases: list[str], fold: bool, depth: int = 4) -> re.Pattern[str] | None:
    """Where a phrase of the list can start: a superset of its first `depth` units.

    `PhraseMatcher` regexes begin with a lookbehind, which stops `re` from skipping ahead
    by first character; this pattern has a plain character set first, so `re` jumps
    straight to candidates and the full regex is tried only there. Letters match both
    cases and any non-ASCII character (Unicode case folding), so no match is lost.
    None when no safe start set exists (the full regex then scans everything).
    """
    root: dict[str, dict] = {}
    for ph in phrases:
        units = _units(ph.lower() if fold else ph)
        if not units or not units[0] or not all(u.isascii() for u in units[:depth]):
            return None
        node = root
        for u in units[:depth]:
            node = node.setdefault(u, {})
        node["\0"] = {}

    def cls(c: str) -> str:
        if not fold:
            return re.escape(c)
        return (
            "[" + "".join(re.escape(x) for x in sorted({c, c.lower(), c.upper()})) + _NONASCII + "]"
        )

    def gen(node: dict) -> str:
        alts = [
            (r"[\s\-]*" if k == _SEP else cls(k)) + gen(child)
            for k, child in node.items()
            if k != "\0"
        ]
        if not alts or "\0" in node:
            return ""  # a phrase may end here: the prefix so far is enough
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    first = sorted({x for k in root for x in ({k, k.lower(), k.upper()} if fold else {k})})
    head = "[" + "".join(re.escape(c) for c in first) + (_NONASCII if fold else "") + "]"
    rest = "|".join(f"(?<={cls(k)}){gen(child)}" for k, child in root.items())
    return re.compile(f"{head}(?<![A-Za-z0-9][\\s\\S])(?:{rest})")


def phrase_starts(phrases: list[str], fold: bool) -> re.Pattern[str] | None:
    """Where one of `phrases` (words joined by optional spaces/hyphens; `fold`: any case)
    may start after a non-alphanumeric character: a fast superset test (see `_starts`)."""
    return _starts(phrases, fold) if phrases else None


def _scan(rx: re.Pattern[str], at: re.Pattern[str] | None, text: str) -> Iterator[re.Match[str]]:
    """Same matches as `rx.finditer(text)`, trying `rx` only where `at` says one can start."""
    if at is None:
        yield from rx.finditer(text)
        return
    pos = 0
    search = at.search
    match = rx.match
    while True:
        c = search(text, pos)
        if c is None:
            return
        p = c.start()
        m = match(text, p)
        if m is None or m.end() == p:
            pos = p + 1
            if m is not None:
                yield m
            continue
        yield m
        pos = m.end()


def literal_trie(words: list[str]) -> str:
    """One regex for many literals with shared prefixes factored out; a match means one
    of them occurs (a shorter literal ends the branch: enough for a gate)."""
    root: dict[str, dict] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def gen(node: dict) -> str:
        if "" in node:
            return ""
        alts = [re.escape(ch) + gen(child) for ch, child in node.items()]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return gen(root)


def bounded_phrases(phrases: list[str]) -> re.Pattern[str]:
    """A search on lower-cased ASCII text for a phrase (words joined by optional spaces or
    hyphens, as `_phrase_regex`) that starts where no letter is before it: the same
    positions as `(?<![A-Za-z])(?:phrase|...)` under re.I, found fast.

    The lookbehind goes after the first character (a character set), so `re` jumps to
    candidate first characters instead of trying the lookbehind at every position.
    """
    by_first: dict[str, list[str]] = {}
    for ph in phrases:
        parts = [p for p in re.split(r"[\s\-]+", ph.strip().lower()) if p]
        if not parts:
            continue
        body = r"[\s\-]*".join(re.escape(p) for p in parts)
        first = re.escape(parts[0][0])
        by_first.setdefault(parts[0][0], []).append(body[len(first) :])
    heads = "".join(re.escape(c) for c in sorted(by_first))
    alts = "|".join(
        f"(?<={re.escape(c)})(?:{'|'.join(sorted(set(rests), key=len, reverse=True))})"
        for c, rests in sorted(by_first.items())
    )
    return re.compile(f"[{heads}](?<![A-Za-z][\\s\\S])(?:{alts})")


def _ascii_gate(keywords: frozenset[str]) -> re.Pattern[str] | None:
    """A search for any of `keywords` in squashed lower-cased ASCII text, or None when a
    keyword is empty or has a character that re.I would match to an ASCII one (the
    Kelvin sign, the long s): then ASCII text could match a phrase the gate misses."""
    if not keywords or "" in keywords:
        return None
    for k in keywords:
        for c in k:
            if not c.isascii() and any(
                re.fullmatch(re.escape(c), chr(x), re.I) for x in range(128)
            ):
                return None
    return re.compile(literal_trie(sorted(keywords)))


_LAST_SQUASHED: tuple[str, str] = ("", "")


def _squashed_low(text: str) -> str:
    """`squash(text.lower())`, remembered for the last text (every matcher of one
    criterion is asked about the same string)."""
    global _LAST_SQUASHED
    last = _LAST_SQUASHED
    if last[0] is text:
        return last[1]
    sq = squash(text.lower())
    _LAST_SQUASHED = (text, sq)
    return sq


_LAST_LOWER: tuple[str, str] = ("", "")


def _lower(text: str) -> str:
    """`text.lower()`, remembered for the last text (as `_squashed_low`)."""
    global _LAST_LOWER
    last = _LAST_LOWER
    if last[0] is text:
        return last[1]
    low = text.lower()
    _LAST_LOWER = (text, low)
    return low


@dataclass
class PhraseMatch:
    id: str
    start: int
    end: int
    text: str


class PhraseMatcher:
    """Finds vocabulary phrases (longest first) and maps them to their canonical id."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._ids: dict[str, str] = {}
        long_p: list[str] = []
        short_p: list[str] = []
        for phrase, ident in pairs:
            phrase = phrase.strip()
            if not phrase:
                continue
            self._ids.setdefault(_key(phrase), ident)
            if len(phrase) <= 3 and re.fullmatch(r"[a-z0-9]+", phrase):
                short_p.append(phrase.upper())
            else:
                long_p.append(phrase)
        edge_l = r"(?<![A-Za-z0-9])"
        edge_r = r"(?![A-Za-z0-9])"
        self._long = (
            re.compile(f"{edge_l}(?:{trie_regex(long_p)})(?:e?s)?{edge_r}", re.I)
            if long_p
            else None
        )
        self._short = (
            re.compile(f"{edge_l}(?:{trie_regex(short_p, fold=False)}){edge_r}")
            if short_p
            else None
        )
        self._long_at = _starts(long_p, fold=True) if long_p else None
        self._short_at = _starts(short_p, fold=False) if short_p else None
        # words are only ever joined by optional space/hyphen, so with spaces and hyphens
        # removed every match contains its whole phrase: a complete gate (see `squash`)
        self.keywords: frozenset[str] = frozenset(squash(p.lower()) for p in long_p + short_p)
        self._gate = _ascii_gate(self.keywords)
        # ASCII text: `_long` as a case-sensitive regex on the lower-cased text (same spans,
        # 2-3x faster, and faster than the keyword gate, so it runs ungated); only when no
        # phrase has a non-ASCII character that re.I matches to an ASCII one (`_ascii_gate`)
        self._long_low = (
            re.compile(self._long.pattern)
            if self._long is not None
            and _ascii_gate(frozenset(squash(p.lower()) for p in long_p)) is not None
            else None
        )
        self._short_gate = _ascii_gate(frozenset(squash(p.lower()) for p in short_p))
        self._lookups: dict[str, str | None] = {}

    def _lookup(self, text: str) -> str | None:
        """`lookup`, remembered per matched text (a matcher sees few distinct ones)."""
        lookups = self._lookups
        if text in lookups:
            return lookups[text]
        ident = self.lookup(text)
        if len(lookups) < 100_000:
            lookups[text] = ident
        return ident

    def lookup(self, text: str) -> str | None:
        k = _key(text)
        if k in self._ids:
            return self._ids[k]
        for suf in ("es", "s"):
            if k.endswith(suf) and k[: -len(suf)] in self._ids:
                return self._ids[k[: -len(suf)]]
        return None

    def find(self, text: str) -> list[PhraseMatch]:
        """Phrases in `text`, longest first where they overlap, in text order.

        The matches of the last text are remembered: several extractors ask one matcher
        about the same criterion. Each call gets a list of its own.
        """
        last = self._last
        if last is not None and (last[0] is text or last[0] == text):
            return list(last[1])
        found = self._find(text)
        self._last = (text, tuple(found))
        return found

    _last: tuple[str, tuple[PhraseMatch, ...]] | None = None

    def _find(self, text: str) -> list[PhraseMatch]:
        if self._long_low is not None and text.isascii():
            return self._find_ascii(text)
        return self._find_slow(text)

    def _find_ascii(self, text: str) -> list[PhraseMatch]:
        """`_find_slow` on ASCII text: the folded long regex on the lower-cased text, the
        short (capitals) regex behind its own keyword gate."""
        found: list[PhraseMatch] = []
        taken: list[tuple[int, int]] = []
        lookup = self._lookup
        assert self._long_low is not None
        for m in self._long_low.finditer(_lower(text)):
            a, b = m.span()
            # matches of one regex never overlap: only the kept ones are remembered
            s = text[a:b]
            ident = lookup(s)
            if ident is None:
                continue
            taken.append((a, b))
            found.append(PhraseMatch(ident, a, b, s))
        short = self._short
        if short is not None:
            gate = self._short_gate
            if gate is None or gate.search(_squashed_low(text)) is not None:
                extra = False
                for m in _scan(short, self._short_at, text):
                    a, b = m.span()
                    if any(a < y and x < b for x, y in taken):
                        continue
                    s = m.group()
                    ident = lookup(s)
                    if ident is None:
                        continue
                    taken.append((a, b))
                    found.append(PhraseMatch(ident, a, b, s))
                    extra = True
                if extra:
                    found.sort(key=lambda p: p.start)
        return found

    def _find_slow(self, text: str) -> list[PhraseMatch]:
        # keyword gate: on ASCII text every match holds a whole keyword once squashed
        gate = self._gate
        if gate is not None and text.isascii() and gate.search(_squashed_low(text)) is None:
            return []
        found: list[PhraseMatch] = []
        taken: list[tuple[int, int]] = []
        for rx, at in ((self._long, self._long_at), (self._short, self._short_at)):
            if rx is None:
                continue
            for m in _scan(rx, at, text):
                a, b = m.span()
                if any(a < y and x < b for x, y in taken):
                    continue
                ident = self._lookup(m.group())
                if ident is None:
                    continue
                taken.append((a, b))
                found.append(PhraseMatch(ident, a, b, m.group()))
        found.sort(key=lambda p: p.start)
        return found


_REVIEW_REASONS = ("consent", "compliance", "investigator_judgment", "suitability", "other")


def _sre_parser() -> Any:
    import re._parser as parser  # the stdlib regex parser (private module, stable in 3.11)

    return parser


def _minimal(found: set[str]) -> tuple[str, ...]:
    # a literal containing another one adds nothing to the gate
    return tuple(sorted(x for x in found if not any(y != x and y in x for y in found)))


def required_literal_sets(pattern: str, flags: int = 0) -> list[tuple[str, ...]]:
    """Every literal set `required_literals` could choose from at the top of `pattern`:
    each match contains one literal of EACH set (an empty list: no known condition).
    Same caveat: exact only on lower-cased ASCII text. `flags`: the compiled pattern's
    flags (re.VERBOSE changes what is a literal)."""
    out = _required(pattern, every=True, flags=flags)
    assert isinstance(out, list)
    return out


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Lower-case strings of which every match of `pattern` (under re.I) contains one.

    Derived from the regex itself, so a new table row is always covered by its own gate.
    Exact only on ASCII text (Unicode case folding maps e.g. "\u017f" to "s"): callers
    must skip the gate for non-ASCII text. None when no such literal set exists.
    """
    out = _required(pattern, every=False)
    assert not isinstance(out, list)
    return out


def _required(
    pattern: str, every: bool, flags: int = 0
) -> tuple[str, ...] | list[tuple[str, ...]] | None:
    parser = _sre_parser()
    c = parser  # constants are re-exported by the parser module
    repeats = (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT))

    def best_of(cands: list[set[str]]) -> set[str] | None:
        good = [x for x in cands if x and min(map(len, x)) > 0]
        if not good:
            return None
        return max(good, key=lambda x: (min(map(len, x)), -len(x)))

    def need(items: Any) -> set[str] | None:
        return best_of(collect(items))

    def collect(items: Any) -> list[set[str]]:
        """One literal set per required part of the sequence `items`: each is needed."""
        cands: list[set[str]] = []
        run: list[str] = []
        for op, av in items:
            if op is c.LITERAL:
                run.append(chr(av).lower())
                continue
            if run:
                cands.append({"".join(run)})
                run = []
            sub: set[str] | None = None
            if op is c.SUBPATTERN:
                sub = need(av[-1])
            elif op is getattr(c, "ATOMIC_GROUP", None):
                sub = need(av)
            elif op is c.BRANCH:
                subs = [need(b) for b in av[1]]
                sub = None if any(x is None for x in subs) else set().union(*subs)  # type: ignore[arg-type]
            elif op in repeats and av[0] >= 1:
                sub = need(av[2])
            if sub is not None:
                cands.append(sub)
        if run:
            cands.append({"".join(run)})
        return cands

    parsed = parser.parse(pattern, re.I | (flags & re.X))
    if every:
        sets = [x for x in collect(parsed) if x and min(map(len, x)) > 0]
        return [_minimal(x) for x in sets]
    found = need(parsed)
    if not found:
        return None
    # a literal containing another one adds nothing to the gate
    return tuple(sorted(x for x in found if not any(y != x and y in x for y in found)))


def folded(rx: re.Pattern[str]) -> re.Pattern[str] | None:
    """`rx` (compiled with re.I) as a case-sensitive regex for lower-cased ASCII text.

    Case-insensitive matching in `re` is several times slower; on ASCII text,
    `folded(rx).finditer(text.lower())` gives the same spans as `rx.finditer(text)`.
    None when the pattern has upper-case letters or inline flags (no safe fold).
    """
    p = rx.pattern
    if re.search(r"[A-Z]", re.sub(r"\\.", "", p)) or re.search(r"\(\?[aiLmsux-]", p):
        return None
    return re.compile(p, rx.flags & ~re.I)


def _folds_to_ascii(c: str) -> bool:
    """Does re.I match the non-ASCII character `c` to an ASCII one (the Kelvin sign, the
    long s)? Then a fold on lower-cased ASCII text would miss matches."""
    return not c.isascii() and any(re.fullmatch(re.escape(c), chr(x), re.I) for x in range(128))


class FoldedPattern:
    """A re.I pattern that scans ASCII text with its case-sensitive fold (`folded`) on the
    lower-cased text, then re-matches the original pattern where the fold matched, so
    callers get the original's match objects (groups in the text's own case).

    Same results as the original (`search`, `finditer`; the rest is delegated); only a
    match's `pos` may differ. Build with `fast_fold`.
    """

    __slots__ = ("_low", "_rx")

    def __init__(self, rx: re.Pattern[str], low: re.Pattern[str]) -> None:
        self._rx = rx
        self._low = low

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rx, name)

    def __repr__(self) -> str:
        return f"fast_fold({self._rx!r})"

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if not string.isascii():
            return self._rx.search(string, pos, endpos)
        m = self._low.search(_lower(string), pos, endpos)
        if m is None:
            return None
        hit = self._rx.match(string, m.start(), endpos)
        if hit is None or hit.end() != m.end():  # never expected: the original decides
            return self._rx.search(string, pos, endpos)
        return hit

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        if not string.isascii():
            return self._rx.finditer(string, pos, endpos)
        return self._iter(string, pos, endpos)

    def _iter(self, string: str, pos: int, endpos: int) -> Iterator[re.Match[str]]:
        match = self._rx.match
        for m in self._low.finditer(_lower(string), pos, endpos):
            hit = match(string, m.start(), endpos)
            if hit is None or hit.end() != m.end():  # never expected: the original decides
                yield from self._rx.finditer(string, pos, endpos)
                return
            pos = hit.end()
            yield hit


def _range_has_upper(pattern: str, flags: int) -> bool:
    """Does a character range of `pattern` take in an upper-case ASCII letter?"""
    parser = _sre_parser()

    def walk(items: Any) -> bool:
        for op, av in items:
            if op is parser.IN:
                if any(o is parser.RANGE and a[0] <= 90 and a[1] >= 65 for o, a in av):
                    return True
            elif isinstance(av, (list, tuple)):
                for x in av:
                    if isinstance(x, parser.SubPattern) and walk(x):
                        return True
                    if isinstance(x, list) and any(
                        isinstance(y, parser.SubPattern) and walk(y) for y in x
                    ):
                        return True
            elif isinstance(av, parser.SubPattern) and walk(av):
                return True
        return False

    return walk(parser.parse(pattern, flags & ~re.I))


def fast_fold(rx: re.Pattern[str]) -> re.Pattern[str]:
    """`rx` (compiled with re.I), with `search`/`finditer` on ASCII text run as its
    case-sensitive fold on the lower-cased text (1.3-3x faster for long alternations; see
    `FoldedPattern`). `rx` itself when no safe fold exists."""
    p = rx.pattern
    if not rx.flags & re.I or any(_folds_to_ascii(c) for c in set(p)):
        return rx
    # as `folded`, with named groups allowed: "(?P<name>" / "(?P=name)" fold to themselves
    bare = re.sub(r"\(\?P[<=][A-Za-z_]\w*[>)]", "(", re.sub(r"\\.", "", p))
    if re.search(r"[A-Z]", bare) or re.search(r"\(\?[aiLmsux-]", bare):
        return rx
    # upper-case letters written as escapes ("\x41") or inside a range ("[0-_]")
    if re.search(r"\\(?:[xuUN0]|[1-7][0-7]{2})", p) or _range_has_upper(p, rx.flags):
        return rx
    # a pattern that can match empty: after an empty match `finditer` must advance, which
    # a re-match at the fold's position cannot ask for
    if _sre_parser().parse(p, rx.flags & ~re.I).getwidth()[0] == 0:
        return rx
    return cast("re.Pattern[str]", FoldedPattern(rx, re.compile(p, rx.flags & ~re.I)))


@dataclass(frozen=True)
class ReviewCue:
    """One review_cues.csv row: its reason, regex and the literal gate derived from it."""

    reason: str
    rx: re.Pattern[str]
    gate: tuple[str, ...] | None
    low_rx: re.Pattern[str] | None  # `folded(rx)`, for lower-cased ASCII text
    # `gate` as one search: the same as `any(g in low for g in gate)`
    gate_rx: re.Pattern[str] | None = None


def _review_cues(rows: list[dict[str, str]]) -> list[ReviewCue]:
    out: list[ReviewCue] = []
    for i, r in enumerate(rows, 1):
        reason = (r.get("reason") or "").strip()
        if reason not in _REVIEW_REASONS:
            raise ValueError(
                f"review_cues.csv row {i}: field 'reason' is {reason!r}, "
                f"expected one of {', '.join(_REVIEW_REASONS)}"
            )
        pattern = r.get("pattern") or ""
        try:
            rx = re.compile(pattern, re.I)
        except re.error as e:
            raise ValueError(f"review_cues.csv row {i}: field 'pattern' is not a regex: {e}") from e
        gate = required_literals(pattern)
        # one literal trie: the same as any(g in low for g in gate), faster than `|`.join
        gate_rx = re.compile(literal_trie(sorted(gate))) if gate else None
        out.append(ReviewCue(reason, rx, gate, folded(rx), gate_rx))
    return out


def _split(v: str) -> list[str]:
    return [x.strip() for x in v.split("|") if x.strip()]


@dataclass(frozen=True)
class LabInfo:
    analyte: str
    loinc: str | None
    unit: str | None
    uln_low: float | None
    uln_high: float | None


class Vocab:
    """Every table, loaded once."""

    def __init__(self) -> None:
        cancers = read_table("cancer_types.csv")
        self.cancer = PhraseMatcher(
            [(s, r["id"]) for r in cancers for s in [r["name"], *_split(r["synonyms"])]]
        )
        self.cancer_names = {r["id"]: r["name"] for r in cancers}
        hist = read_table("histologies.csv")
        self.histology = PhraseMatcher([(s, r["id"]) for r in hist for s in _split(r["synonyms"])])
        self.histology_who = {r["id"]: r["who_type"] for r in hist if r["who_type"]}
        drugs = read_table("drugs.csv")
        self.drug = PhraseMatcher([(s, r["drug"]) for r in drugs for s in _split(r["aliases"])])
        self.drug_classes = {r["drug"]: _split(r["classes"]) for r in drugs}
        classes = read_table("drug_classes.csv")
        self.drug_class = PhraseMatcher(
            [(s, r["class"]) for r in classes for s in _split(r["phrases"])]
        )
        regs = read_table("regimens.csv")
        self.regimen = PhraseMatcher(
            [(s, r["regimen"]) for r in regs for s in _split(r["aliases"])]
        )
        labs = read_table("labs.csv")
        self.labs: dict[str, LabInfo] = {}
        pairs: list[tuple[str, str]] = []
        for r in labs:
            self.labs[r["analyte"]] = LabInfo(
                r["analyte"],
                r["loinc"] or None,
                r["unit"] or None,
                float(r["uln_low"]) if r["uln_low"] else None,
                float(r["uln_high"]) if r["uln_high"] else None,
            )
            pairs += [(s, r["analyte"]) for s in _split(r["aliases"])]
        self.lab_alias: dict[str, str] = {_key(p): a for p, a in pairs}
        self.lab_aliases: list[str] = [p for p, _ in pairs]
        alias_rx = sorted((_phrase_regex(p) for p, _ in pairs), key=len, reverse=True)
        self.lab_alias_re = "(?:" + "|".join(alias_rx) + ")"
        units = read_table("units.csv")
        self.unit_alias: dict[str, str] = {}
        spell: list[str] = []
        for r in units:
            for s in _split(r["spellings"]):
                self.unit_alias[re.sub(r"\s+", "", s.lower())] = r["canonical"]
                spell.append(s)
        unit_rx = sorted(
            (r"\s*".join(re.escape(c) for c in s if not c.isspace()) for s in spell),
            key=len,
            reverse=True,
        )
        self.unit_re = "(?:" + "|".join(unit_rx) + ")"
        conds = read_table("conditions.csv")
        self.condition = PhraseMatcher(
            [(s, r["condition"]) for r in conds for s in _split(r["phrases"])]
        )
        mods = read_table("therapy_modalities.csv")
        self.modality = PhraseMatcher(
            [(s, r["modality"]) for r in mods for s in _split(r["phrases"])]
        )
        stats = read_table("disease_status.csv")
        self.status = PhraseMatcher([(s, r["status"]) for r in stats for s in _split(r["phrases"])])
        self.review_cues = _review_cues(read_table("review_cues.csv"))
        self.review = [(c.reason, c.rx) for c in self.review_cues]
        sites = read_table("metastatic_sites.csv")
        self.site = PhraseMatcher([(s, r["site"]) for r in sites for s in _split(r["phrases"])])
        self.id_alias: dict[tuple[str, str], str] = {
            (r["kind"], _key(r["alias"].replace("_", " "))): r["id"]
            for r in read_table("id_aliases.csv")
        }

    def canonical_id(self, kind: str, value: str) -> str:
        """The vocabulary id for an id, short alias or spelled phrase of `kind`.

        Lets a scorer or matcher treat `nasopharyngeal`, `NPC` and
        `nasopharyngeal_carcinoma` as one value without renaming ids. Unknown values
        come back unchanged. Kinds: cancer, histology, condition, drug, drug_class,
        regimen, modality, status, site, lab, measurement, biomarker.
        """
        k = _key(value.replace("_", " "))
        hit = self.id_alias.get((kind, k))
        if hit:
            return hit
        matcher = {
            "cancer": self.cancer,
            "histology": self.histology,
            "condition": self.condition,
            "drug": self.drug,
            "drug_class": self.drug_class,
            "regimen": self.regimen,
            "modality": self.modality,
            "status": self.status,
            "site": self.site,
        }.get(kind)
        if matcher is not None:
            found = matcher.lookup(value.replace("_", " "))
            if found:
                return found
        if kind == "lab":
            return self.lab_for(value.replace("_", " ")) or value
        return value

    def lab_for(self, alias: str) -> str | None:
        k = _key(alias)
        return self.lab_alias.get(k) or self.lab_alias.get(k.rstrip("s"))

    def canonical_unit(self, spelled: str) -> str:
        k = re.sub(r"\s+", "", spelled.lower())
        return self.unit_alias.get(k, spelled.strip())


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    return Vocab()
