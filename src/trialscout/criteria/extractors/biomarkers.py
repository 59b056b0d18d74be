"""Tumour biomarkers and genomic alterations in criteria -> `BiomarkerAtom`s.

The vocabulary (genes and synonyms, marker names, score types, variant spellings,
variant groups, result words) lives in data/biomarkers/*.csv; this module turns it
into patterns and reads a criterion mention by mention: each gene or marker takes
the words after it up to the next mention (and the modifiers just before it), and a
list of mentions sharing one result ("KRAS, BRAF and PI3K wild type") shares it.
Several alterations of one gene ("exon 19 deletion or L858R") become an OR.
"""

# ruff: noqa: E501  (regex tables read better unwrapped)

from __future__ import annotations

import csv
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from trialscout.criteria.atoms import AndNode, BiomarkerAtom, Comparator, Expr, OrNode
from trialscout.criteria.extractors.base import (
    CMP,
    NUM,
    Ctx,
    Found,
    comparator,
    derived_gate,
    needs_any_match,
    needs_derived,
    number,
)
from trialscout.criteria.vocab import phrase_starts

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "biomarkers"


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of a data/biomarkers CSV, skipping `#` comment lines."""
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    return [dict(r) for r in csv.DictReader(lines)]


def _key(s: str) -> str:
    return re.sub(r"[\s\-_/]+", "", s.lower())


@dataclass
class Vocabulary:
    """Compiled biomarker tables."""

    marker_of: dict[str, str] = field(default_factory=dict)  # spelling key -> marker id
    gene_of: dict[str, str] = field(default_factory=dict)  # marker id -> HGNC symbol
    family: dict[str, str] = field(default_factory=dict)  # marker id -> family
    mention_rx: re.Pattern[str] = re.compile("$^")
    variant_rx: dict[str, list[tuple[re.Pattern[str], str, str]]] = field(default_factory=dict)
    groups: dict[str, list[tuple[re.Pattern[str], str, list[str]]]] = field(default_factory=dict)
    members: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    scores: dict[str, list[tuple[re.Pattern[str], str]]] = field(default_factory=dict)
    score_unit: dict[tuple[str, str], str] = field(default_factory=dict)
    positive_cutoff: dict[tuple[str, str], float] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    signature_rx: re.Pattern[str] = re.compile("$^")
    # where a mention or signature may start (`vocab.phrase_starts`); None: no fast test
    mention_starts: tuple[re.Pattern[str], ...] | None = None
    signature_of: dict[str, tuple[str, str]] = field(default_factory=dict)
    variant_kind: dict[tuple[str, str], str] = field(default_factory=dict)


def _alt(phrases: list[str]) -> str:
    return "|".join(
        re.escape(p).replace(r"\ ", r"[\s-]*") for p in sorted(phrases, key=len, reverse=True)
    )


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The biomarker tables, compiled once."""
    v = Vocabulary()
    cs: list[str] = []
    ci: list[str] = []
    for row in read_table("genes.csv"):
        v.gene_of[row["marker"]] = row["symbol"]
        v.family[row["marker"]] = "gene"
        v.marker_of[_key(row["symbol"])] = row["marker"]
        for sp in row["spellings"].split("|"):
            (cs if sp.endswith("*") else ci).append(sp.rstrip("*"))
            v.marker_of[_key(sp.rstrip("*"))] = row["marker"]
    for row in read_table("markers.csv"):
        v.family[row["marker"]] = row["family"]
        v.marker_of[_key(row["marker"])] = row["marker"]
        for sp in row["spellings"].split("|"):
            if sp.rstrip("*") in ("MSS", "MSI-H", "MSI-high", "ER+", "ER-"):
                v.marker_of[_key(sp.rstrip("*"))] = row["marker"]
                continue
            (cs if sp.endswith("*") else ci).append(sp.rstrip("*"))
            v.marker_of[_key(sp.rstrip("*"))] = row["marker"]
    words = rf"(?-i:{_alt(cs)})|{_alt(ci)}"
    v.mention_rx = re.compile(
        rf"(?<![A-Za-z0-9])(?:{words})(?:(?![A-Za-z0-9])|(?=(?-i:[A-Z]\d)))", re.I
    )
    for row in read_table("variants.csv"):
        g = row["gene"]
        v.variant_kind[(g, row["alteration"])] = row["kind"]
        for sp in row["spellings"].split("|"):
            rx = re.compile(rf"(?<![A-Za-z0-9]){_alt([sp])}(?![A-Za-z0-9])", re.I)
            v.variant_rx.setdefault(g, []).append((rx, row["alteration"], row["kind"]))
    for row in read_table("variant_groups.csv"):
        rx = re.compile(
            rf"(?<![A-Za-z0-9])(?:{_alt(row['phrases'].split('|'))})(?![A-Za-z0-9])", re.I
        )
        mem = row["members"].split("|")
        v.groups.setdefault(row["gene"], []).append((rx, row["group"], mem))
        v.members[(row["gene"], row["group"])] = mem
    for row in read_table("score_types.csv"):
        rx = re.compile(
            rf"(?<![A-Za-z0-9])(?:{_alt(row['spellings'].split('|'))})(?![A-Za-z0-9])", re.I
        )
        v.scores.setdefault(row["marker"], []).append((rx, row["score"]))
        if row["unit"]:
            v.score_unit[(row["marker"], row["score"])] = row["unit"]
        if row["positive_cutoff"]:
            v.positive_cutoff[(row["marker"], row["score"])] = float(row["positive_cutoff"])
    for row in read_table("results.csv"):
        v.results[row["word"].lower()] = row["result"]
    sig: list[str] = []
    for row in read_table("signatures.csv"):
        for p in row["phrase"].split("|"):
            v.signature_of[_key(p)] = (row["marker"], row["result"])
            sig.append(p)
    v.signature_rx = re.compile(rf"(?<![A-Za-z0-9])(?:{_alt(sig)})(?![A-Za-z0-9])", re.I)
    starts = [phrase_starts(ci, True), phrase_starts(cs, False), phrase_starts(sig, True)]
    if all(x is not None for x in starts):
        v.mention_starts = tuple(x for x in starts if x is not None)
    return v


def canonical_marker(name: str | None) -> str | None:
    """'ERBB2', 'HER-2/neu' -> 'HER2'; 'p.L858R'-free marker ids; None when unknown."""
    if not name:
        return None
    v = vocabulary()
    k = _key(name)
    if k in v.marker_of:
        return v.marker_of[k]
    if k in v.signature_of:
        return v.signature_of[k][0]
    return None


def canonical_result(word: str | None) -> str | None:
    """'not detected' -> 'negative', 'MSI-H' -> 'high', '3+' -> '3+' (kept), else None."""
    if not word:
        return None
    w = re.sub(r"\s+", " ", word.strip().lower())
    v = vocabulary()
    if w in v.results:
        return v.results[w]
    k = _key(w)
    if k in v.signature_of:
        return v.signature_of[k][1]
    return None


_PROT = re.compile(
    r"(?<![A-Za-z0-9])(?:p\.)?(?P<ref>[ACDEFGHIKLMNPQRSTVWY])(?P<pos>\d{1,4})(?P<alt>[ACDEFGHIKLMNPQRSTVWYX*])?(?P<more>(?:/[ACDEFGHIKLMNPQRSTVWY])*)(?![A-Za-z0-9])"
)


def canonical_alteration(gene: str | None, text: str | None) -> str | None:
    """'p.L858R' -> 'L858R', 'ex19del' -> 'exon 19 deletion', 'G719X' -> 'G719*'."""
    if not text:
        return None
    t = text.strip()
    v = vocabulary()
    g = v.gene_of.get(gene or "", gene or "")
    for gg in (g, *v.variant_rx):
        for rx, alt, _ in v.variant_rx.get(gg, []):
            if rx.fullmatch(t):
                return alt
    t = _one_letter(t)
    m = _PROT.fullmatch(t)
    if m:
        a = m.group("alt") or "*"
        return f"{m.group('ref')}{m.group('pos')}{'*' if a == 'X' else a}"
    return re.sub(r"\s+", " ", t)


@lru_cache(maxsize=1)
def _three_letter() -> re.Pattern[str]:
    codes = {r["three"]: r["one"] for r in read_table("amino_acids.csv")}
    _AA.update(codes)
    return re.compile("|".join(codes))


_AA: dict[str, str] = {}


def _one_letter(t: str) -> str:
    """'p.Leu858Arg' -> 'p.L858R' (HGVS three-letter to one-letter)."""
    if not re.search(r"[A-Z][a-z]{2}\d", t):
        return t
    rx = _three_letter()
    return rx.sub(lambda m: _AA[m.group(0)], t)


def covers(gene: str, pattern: str, alteration: str) -> bool:
    """Whether a criterion's alteration (maybe a wildcard 'V600*') covers a variant."""
    p, a = pattern.upper(), alteration.upper()
    if p.endswith("*"):
        return (a.startswith(p[:-1]) and a != p[:-1]) or a == p
    return p == a


def group_members(gene: str, group: str) -> list[str]:
    return vocabulary().members.get((gene, group), [])


# ------------------------------------------------------------------ extraction

_SKIP_AFTER = re.compile(
    r"[\s-]*(?:tkis?\b|tyrosine[\s-]*kinase[\s-]*(?:inhibitor|blocker|tki|-?targeted|directed)|inhibitor|targeted|targeting|directed|antibod|pathway|therap|agents?\b|blocker|vaccin|-?based|monoclonal|family|receptor antagonist|ligand[\s-]*2|sequenc|expression analysis)",
    re.I,
)
_ANTI_BEFORE = re.compile(
    r"(?:anti|target(?:ing|ed)?(?:\s+\w+)?|inhibit\w*|prior|against)[\s-]*(?:\(\w*\)\s*)?$", re.I
)
_KIND = [
    (re.compile(r"\bfusions?\b|rearrange\w*|translocat\w*", re.I), "fusion"),
    (re.compile(r"amplifi\w*", re.I), "amplification"),
    (re.compile(r"overexpress\w*|over-expression|over-expressed", re.I), "expression"),
    (
        re.compile(r"\bmutations?\b|\bmutant\b|\bmutated\b|\bvariants?\b|\bsubstitution", re.I),
        "mutation",
    ),
]
_RES = re.compile(
    r"(?<![A-Za-z])(?:wild[\s-]*type|wildtype|\bwt\b|non-?mutated|positiv\w*|negativ\w*|pos\b|neg\b|not detected|undetectable|detectable|detected|high\b|low\b|deficient|proficient|stable\b|normal\b)|\+ve\b|-ve\b",
    re.I,
)
_STATUSY = re.compile(
    r"\b(?:status|test(?:ing|ed)?|analys[ie]s|evaluable|assess\w*|screen\w*|allele|genotype|unknown|sample|specimen|tissue)\b",
    re.I,
)
_RAS_LETTERS = re.compile(
    r"(?<![A-Za-z0-9])(?P<a>[KNH])(?:\s*(?:/|,|and|or)\s*(?P<b>[KNH]))?\s*(?:/|,|and|or)\s*[KNH]-?RAS\b"
)
_LIST_SEP = re.compile(r"^[\s,]*(?:and/or|and|or|/|,|&)?[\s,]*$", re.I)
_SPLIT = re.compile(r",|;|\band/or\b|\band\b|\bor\b|\bbut\b|\bwith\b|\bwho\b", re.I)
_IHC_VAL = re.compile(
    r"(?:ihc\s*(?:score\s*(?:of\s*)?)?(?:status\s*(?:of\s*)?)?(?P<a>[0-3])\s*(?:\+|plus|positive)?(?P<rng>(?:(?:\s*(?:-|to|,|or|and)\s*)+[0-3]\s*\+?)*)|(?P<b>[0-3])\s*\+\s*(?:(?:over)?expression\s*)?(?:by|on|via)\s*(?:ihc|immunohisto\w*))",
    re.I,
)
_RATIO = re.compile(
    rf"(?:fish|ish|cish|sish)?\s*ratio\s*(?:\[[^\]]*\]\s*)?(?:of\s*)?(?P<cmp>{CMP})\s*(?P<v>{NUM})",
    re.I,
)
_ISH_RES = re.compile(
    r"(?:fish|ish|cish|sish|in situ hybridi[sz]ation(?:\s*\(\w+\))?)\s*(?:/\s*\w+\s*)?(?:test\s*)?(?:\+|positive|amplified)|(?:positive|amplified)\s*(?:by|on)\s*(?:fluorescen\w*\s*)?(?:fish|ish|cish|in situ)|gene amplification",
    re.I,
)
_ISH_NEG = re.compile(
    r"(?:negative|non-?amplified|not amplified)\s*(?:\w+\s*){0,3}(?:fish|ish|in situ hybridi[sz]ation)|(?:fish|ish|cish|sish)\s*(?:test\s*)?(?:-|negative|non-?amplified)",
    re.I,
)
_THRESH = re.compile(
    rf"(?P<cmp>{CMP})\s*(?P<v>{NUM})\s*(?P<unit>%|percent|mut(?:ations)?\s*/\s*mb|copies\s*/\s*ml|iu\s*/\s*ml)?",
    re.I,
)
_EXPRESSES = re.compile(
    r"\b(?:co-?express\w*|express(?:es|ed|ing)|positive\s+(?:staining|for)|staining\s+positive)\b(?![^;.]*\b(?:absence|negative|lack)\b)",
    re.I,
)
# "CD19 / 20": a second CD antigen written by its number only
_CD_SHORT = re.compile(r"\s*/\s*(?P<n>\d{1,3}[a-z]?)\b")
_TESTED_FOR = re.compile(
    r"\b(?:screen\w*|test(?:ed|ing)?|evaluated|assessed|genotyped)\s+(?:for|of)\s+(?:the\s+|an?\s+)?$",
    re.I,
)
_EXAMPLE = re.compile(r"for example|e\.\s*g\.|such as|including|includes|\bincl\b", re.I)
_TC_CAT = re.compile(r"\b(?P<s>TC|IC)\)?\s*(?P<a>[0-3])\s*-\s*(?P<b>[0-3])\b")


_MODS = r"(?:wild[\s-]*type|wildtype|activating|sensitizing|sensitising|somatic|germline|known|documented|mutant|mutated|positive|negative|gene|genes|mutations?|fusions?|rearrangements?|translocations?|amplifications?|amplified|over-?expression|alterations?|\+|-|\(|\)|[A-Z]\d{1,4}[A-Z]?(?:/[A-Z])*)"
_ASSAY = r"(?:(?:as\s+)?(?:determined|assessed|confirmed|tested|measured|detected|documented)\s+(?:by|on|using|with)\s+(?:an?\s+|the\s+)?(?:\w+\s+){0,2}?(?:ish|ihc|fish|cish|pcr|ngs|immunohistochemistry|in situ hybridi[sz]ation|test|assay))"
_TAIL = re.compile(rf"(?:[\s-]*(?:{_ASSAY}|{_MODS})(?![A-Za-z0-9]))+", re.I)
_HEAD = re.compile(rf"(?<![A-Za-z0-9])(?:{_MODS}[\s-]*)+$", re.I)


@dataclass
class _Mention:
    start: int
    end: int
    marker: str
    raw: str
    sig_result: str | None = None
    pre: str = ""
    post: str = ""
    post_start: int = 0
    pre_start: int = 0


def _mentions(t: str) -> list[_Mention]:
    v = vocabulary()
    out: list[_Mention] = []
    taken: list[tuple[int, int]] = []
    for m in v.signature_rx.finditer(t):
        smk, res = v.signature_of[_key(m.group(0))]
        out.append(_Mention(m.start(), m.end(), smk, m.group(0), sig_result=res))
        taken.append((m.start(), m.end()))
    for m in v.mention_rx.finditer(t):
        if any(a <= m.start() < b for a, b in taken):
            continue
        raw = m.group(0)
        mk = v.marker_of.get(_key(raw))
        if mk is None:
            continue
        if raw == "eGFR" or (
            raw.lower() == "neu" and "her" not in t[max(0, m.start() - 5) : m.start()].lower()
        ):
            continue  # estimated GFR; bare "neu" (neutrophils)
        if (
            raw.isupper() is False
            and mk in ("MET", "RET", "KIT")
            and raw.lower() in ("met", "ret", "kit")
        ):
            continue
        if _SKIP_AFTER.match(t, m.end()) or _ANTI_BEFORE.search(
            t[max(0, m.start() - 25) : m.start()]
        ):
            continue
        out.append(_Mention(m.start(), m.end(), mk, raw))
        if v.family.get(mk) == "immunophenotype":
            cm = _CD_SHORT.match(t, m.end())
            if cm and v.marker_of.get(_key("CD" + cm.group("n"))):
                mk2 = v.marker_of[_key("CD" + cm.group("n"))]
                out.append(_Mention(cm.start("n"), cm.end("n"), mk2, cm.group("n")))
    # "K/NRAS", "K- and N-RAS": the lead letters name their own RAS gene (KRAS, NRAS, HRAS)
    for xm in _RAS_LETTERS.finditer(t):
        for g in ("a", "b"):
            letter = xm.group(g)
            mk = v.marker_of.get(_key(letter.upper() + "RAS")) if letter else None
            if mk and not any(o.start <= xm.start(g) < o.end for o in out):
                out.append(_Mention(xm.start(g), xm.end(g), mk, letter))
    out.sort(key=lambda x: x.start)
    # merge adjacent mentions of the same marker ("EGFR (epidermal growth factor receptor)")
    merged: list[_Mention] = []
    for mt in out:
        if (
            merged
            and merged[-1].marker == mt.marker
            and re.fullmatch(r"[\s()\-]*", t[merged[-1].end : mt.start])
        ):
            merged[-1].end = max(merged[-1].end, mt.end)
            merged[-1].sig_result = merged[-1].sig_result or mt.sig_result
            continue
        merged.append(mt)
    return merged


def _bounds(t: str, a: int, b: int) -> tuple[int, int]:
    left = max(t.rfind(";", 0, a), t.rfind(". ", 0, a) + 1 if t.rfind(". ", 0, a) >= 0 else -1) + 1
    right = len(t)
    for sep in (";", ". "):
        k = t.find(sep, b)
        if k >= 0:
            right = min(right, k)
    return left, right


def _regions(t: str, ms: list[_Mention]) -> None:
    for i, m in enumerate(ms):
        left, right = _bounds(t, m.start, m.end)
        nxt = ms[i + 1].start if i + 1 < len(ms) and ms[i + 1].start < right else right
        prv = ms[i - 1].end if i > 0 and ms[i - 1].end > left else left
        m.post_start, m.post = m.end, t[m.end : nxt]
        gap = t[prv : m.start]
        if i > 0 and ms[i - 1].end > left:
            seps = list(_SPLIT.finditer(gap))
            cut = seps[-1].end() if seps else len(gap)
            gap = gap[cut:]
        gap = gap[-90:]
        m.pre_start, m.pre = m.start - len(gap), gap
    # a post region that holds only the next mention's own pre-modifiers is not ours
    for i, m in enumerate(ms[:-1]):
        nx = ms[i + 1]
        if nx.pre and m.post.endswith(nx.pre) and nx.pre.strip():
            m.post = m.post[: len(m.post) - len(nx.pre)]


_NAMES_VARIANT = re.compile(
    r"(?<![A-Za-z0-9])(?:p\.)?[ACDEFGHIKLMNPQRSTVWY]\d{1,4}|\bexons?\b|\bdel(?:etion)?\s*\d|\bins\w*\s*\d|\bskipping\b",
    re.I,
)
_SIGN = re.compile(r"\s*(?:\((?P<p>[+-])\)|(?P<s>[+-]))(?=\s|$|,|\)|;|/|\.)")


def _sign(post: str) -> str | None:
    """'HER2+', 'ER(-)': a sign written right after the marker."""
    m = _SIGN.match(post)
    if not m:
        return None
    return "positive" if (m.group("p") or m.group("s")) == "+" else "negative"


def _result_in(s: str, marker: str) -> str | None:
    found = None
    for m in _RES.finditer(s):
        w = m.group(0).strip().lower()
        if w.startswith(("wild", "wt", "non")):
            return "wild-type"
        if w in ("+", "+ve") or w.startswith("pos") or w in ("detected", "detectable"):
            found = found or "positive"
        elif (
            w in ("-", "-ve")
            or w.startswith("neg")
            or w in ("not detected", "undetectable", "normal")
        ):
            found = found or "negative"
        elif w in ("high", "low", "deficient", "proficient", "stable"):
            found = found or w
    return found


def _alterations(gene: str, s: str) -> list[tuple[str, str | None, int, int]]:
    """(alteration, kind, start, end) found in s, left to right, no overlaps."""
    v = vocabulary()
    hits: list[tuple[str, str | None, int, int]] = []
    for rx, alt, kind in v.variant_rx.get(gene, []):
        for m in rx.finditer(s):
            if not any(a <= m.start() < b or m.start() <= a < m.end() for _, _, a, b in hits):
                hits.append((alt, kind, m.start(), m.end()))
    for m in _PROT.finditer(s):
        if any(a <= m.start() < b for _, _, a, b in hits):
            continue
        if gene == "ERBB2" or (not m.group("alt") and m.group("ref") != "V"):
            continue
        base = f"{m.group('ref')}{m.group('pos')}"
        a = m.group("alt")
        alts = [a or "*"] + [x for x in m.group("more").split("/") if x]
        for x in alts:
            hits.append((base + ("*" if x in ("X", "*") else x), "mutation", m.start(), m.end()))
    hits.sort(key=lambda h: h[2])
    return hits


def _atoms_for(ctx: Ctx, m: _Mention, shared: str | None) -> list[tuple[Expr, int, int]]:
    """Atoms for one mention; `shared` is a result word inherited from a list."""
    v = vocabulary()
    gene = v.gene_of.get(m.marker)
    post, pre = m.post, m.pre
    # keep only the near part of a long post region for result words
    near = post[:60]
    a0, b0 = m.start, m.end
    base: dict[str, Any] = {"marker": m.marker, "gene": gene}
    out: list[tuple[Expr, int, int]] = []

    def mk(a: int, b: int, **kw: Any) -> None:
        f = {**base, **kw}
        out.append((ctx.mk(BiomarkerAtom, a, b, **f), a, b))

    if m.sig_result:
        mk(a0, b0, result=m.sig_result)
        return out
    if _TESTED_FOR.search(ctx.text[max(0, a0 - 40) : a0]):
        return out  # "will be screened for BRCA mutation": a test to be done, not a result
    sign = _sign(post)
    if sign and shared is None:
        shared = sign
    # --- scores with thresholds (PD-L1, TMB, EBV DNA, HER2 ratio)
    if m.marker in ("PD-L1", "TMB", "EBV DNA"):
        th = _THRESH.search(post[:80])
        tc = _TC_CAT.search(post[:120]) if m.marker == "PD-L1" else None
        score = None
        for rx, sc in v.scores.get(m.marker, []):
            sm = rx.search(pre + " " + post[: th.start() if th else 60])
            if sm:
                score = sc
                break
        if th and not re.search(r"\bscore\s+of\s+tumor|\bpd-?l2", post[: th.start()], re.I):
            unit = (th.group("unit") or "").lower()
            u = (
                "%"
                if unit in ("%", "percent")
                else (
                    "mut/Mb"
                    if unit.startswith("mut")
                    else (
                        "copies/mL"
                        if unit.startswith("cop")
                        else ("IU/mL" if unit.startswith("iu") else None)
                    )
                )
            )
            if m.marker == "TMB" and score is None:
                score = None
            end = m.post_start + th.end()
            mk(
                a0,
                end,
                score=score,
                comparator=comparator(th.group("cmp")),
                value=number(th.group("v")),
                unit=u,
            )
            return out
        if tc and tc.group("s") == "TC" and tc.group("a") != "0":
            mk(a0, m.post_start + tc.end(), score="TC", comparator=">=", value=float(tc.group("a")))
            return out
    if m.marker == "HER2":
        hits: list[tuple[dict[str, Any], int, int]] = []
        region = post[:160]
        for im in _IHC_VAL.finditer(region):
            if im.group("b"):
                hits.append(
                    (
                        {"score": "IHC", "comparator": "=", "value": float(im.group("b"))},
                        im.start(),
                        im.end(),
                    )
                )
                continue
            lo = int(im.group("a"))
            rng = re.findall(r"[0-3]", im.group("rng") or "")
            if rng:
                hi = max(int(x) for x in rng)
                cmp_: Comparator = "<="
                if lo == 0:
                    hits.append(
                        (
                            {"score": "IHC", "comparator": cmp_, "value": float(hi)},
                            im.start(),
                            im.end(),
                        )
                    )
                else:
                    hits.append(
                        (
                            {"score": "IHC", "comparator": ">=", "value": float(lo)},
                            im.start(),
                            im.end(),
                        )
                    )
            else:
                hits.append(
                    ({"score": "IHC", "comparator": "=", "value": float(lo)}, im.start(), im.end())
                )
        for rm in _RATIO.finditer(region):
            hits.append(
                (
                    {
                        "score": "ISH ratio",
                        "comparator": comparator(rm.group("cmp")),
                        "value": number(rm.group("v")),
                    },
                    rm.start(),
                    rm.end(),
                )
            )
        for sm in _ISH_RES.finditer(region):
            if not any(a <= sm.start() < b for _, a, b in hits):
                hits.append(
                    (
                        {"kind": "amplification", "assay": "ISH", "result": "positive"},
                        sm.start(),
                        sm.end(),
                    )
                )
        for sm in _ISH_NEG.finditer(region):
            if not any(a <= sm.start() < b for _, a, b in hits):
                hits.append(
                    (
                        {"kind": "amplification", "assay": "ISH", "result": "negative"},
                        sm.start(),
                        sm.end(),
                    )
                )
        pm = re.search(r"(?P<v>[0-3])\s*\+\W{0,3}\s*(?:by|on)\s*$", pre)
        if pm and re.match(r"\s*(?:ihc|immunohisto)", post, re.I):
            mk(
                m.pre_start + pm.start(),
                b0 + len(post) - len(post.lstrip()) + 3,
                score="IHC",
                comparator="=",
                value=float(pm.group("v")),
            )
            return out
        res = shared or _result_in(pre[-12:] + " " + near[:25], m.marker)
        if re.match(r"[\s-]*(?:over-?expression|overexpress|amplifi)", post, re.I) and res is None:
            res = "positive"
        if res and hits and hits[0][1] < 6 and "result" not in hits[0][0]:
            res = None  # "HER2 3+": the number is the result
        if res:  # a stated status; its IHC / ISH definition is explained by it (ASCO/CAP)
            end = max([b0] + [m.post_start + b for _, _, b in hits])
            mk(a0, end, result=res)
            return out
        if any(h[0].get("assay") == "ISH" for h in hits):  # the ratio only defines the ISH result
            hits = [h for h in hits if h[0].get("score") != "ISH ratio"]
        for kw, a, b in sorted(hits, key=lambda h: h[1]):
            mk(m.post_start + a, m.post_start + b, **kw)
        return out
    # --- genes: alterations, groups, kinds
    if gene:
        alts = _alterations(gene, pre + "\x00" + post[:140])
        offs = len(pre) + 1
        kind = None
        for rx, k in _KIND:
            if rx.search(pre[-25:]) or rx.search(post[:50]):
                kind = k
                break
        group = None
        for rx, g, _ in v.groups.get(gene, []):
            if rx.search(pre[-30:]) or rx.search(post[:40]):
                group = g
                break
        res = shared or _result_in(pre[-15:] + " " + post[:45], m.marker)
        if res == "wild-type" or res == "negative":
            if alts and res == "wild-type" and alts[0][0].endswith("*"):
                mk(a0, b0, alteration=alts[0][0], result="wild-type")
            else:
                mk(a0, b0, result=res, kind=kind if res == "negative" else None)
            return out
        first = min((a for _, _, a, _ in alts), default=0)
        if alts and first >= offs and _EXAMPLE.search(post[: first - offs]):
            alts = []  # "(for example, deletion 19 or L858R)": the head is the criterion
        if alts:
            seen: set[str] = set()
            alts = [h for h in alts if not (h[0] in seen or seen.add(h[0]))]  # type: ignore[func-returns-value]
            uniq = [
                ctx.mk(
                    BiomarkerAtom,
                    a0,
                    b0,
                    marker=m.marker,
                    gene=gene,
                    alteration=alt,
                    kind=k,
                    result="positive",
                )
                for alt, k, _, _ in alts
            ]
            for x, (_, _, a, b) in zip(uniq, [h for h in alts], strict=False):
                if a >= offs:
                    out.append((x, m.post_start + a - offs, m.post_start + b - offs))
                else:
                    out.append((x, a0, b0))
            return out
        if group:
            mk(a0, b0, variant_class=group, kind=kind or "mutation", result="positive")
            return out
        if kind or res == "positive":
            if (
                kind
                and res is None
                and _STATUSY.search(post[:40])
                and not re.search(
                    r"harbou?r|carry|have|has|with|known|documented|confirmed|presence",
                    pre + post[:60],
                    re.I,
                )
            ):
                return out
            mk(a0, b0, kind=kind, result="positive")
        return out
    # --- named markers: result words (PD-L1 positive, p16 negative, HPV+)
    res = _result_in(pre[-15:] + " " + near[:30], m.marker) or shared
    if (
        res is None
        and v.family.get(m.marker) == "immunophenotype"
        and _EXPRESSES.search(ctx.text[max(0, a0 - 70) : a0])
    ):
        res = "positive"  # "tumor cells co-express B cell antigens CD19 / 20 and CD5"
    if (
        m.marker == "EBV DNA"
        and res is None
        and re.search(r"detectable|detected", pre[-20:] + post[:20], re.I)
    ):
        res = "positive"
    if res:
        score = None
        for rx, sc in v.scores.get(m.marker, []):
            if rx.search(near[:30]):
                score = sc
        mk(a0, b0, result=res, score=score if m.marker == "PD-L1" else None)
    return out


# gate derived from the mention regexes (built from data/biomarkers/ tables), so a spelling
# added to a table is never skipped by the prefilter
@needs_derived(derived_gate(patterns=(vocabulary().signature_rx, vocabulary().mention_rx)))
@needs_any_match(vocabulary().mention_starts)
def extract_biomarkers(ctx: Ctx) -> list[Found]:
    """Biomarker atoms of one criterion (never raises on odd text)."""
    t = ctx.text
    ms = _mentions(t)
    if not ms:
        return []
    _regions(t, ms)
    out: list[Found] = []
    own_post = [m.post for m in ms]
    # lists of mentions joined only by separators share the first result found after them
    i = 0
    while i < len(ms):
        j = i
        while j + 1 < len(ms) and _LIST_SEP.match(ms[j].post) and not ms[j].sig_result:
            j += 1
        shared = None
        if j > i:
            shared = _result_in(ms[j].post[:30], ms[j].marker)
            if shared is None:
                shared = _result_in(ms[i].pre[-15:], ms[i].marker)
        group: list[tuple[Expr, int, int]] = []
        for k in range(i, j + 1):
            mt = ms[k]
            if k < j and (shared or not _NAMES_VARIANT.search(ms[j].post[:60])):
                # "BRCA1 or BRCA2 mutation": the list shares the words after its last item
                # (not a variant, which belongs to the gene it follows)
                mt.post = ms[j].post
            own_end = mt.post_start + len(own_post[k])
            hm = _HEAD.search(mt.pre)
            head = mt.pre_start + (hm.start() if hm else len(mt.pre))
            tm = _TAIL.match(own_post[k])
            tail = mt.post_start + (tm.end() if tm else 0)
            got = _atoms_for(ctx, mt, shared if k <= j else None)
            if not got:
                continue
            a = min(x[1] for x in got)
            b = max(x[2] for x in got)
            s, e = min(a, head), max(b, tail, a + 1)
            tm2 = _TAIL.match(t, e, own_end) if e < own_end else None
            if tm2:
                e = tm2.end()
            if len(got) == 1:
                expr: Expr = got[0][0]
            else:
                gaps = " ".join(t[x[2] : y[1]] for x, y in itertools.pairwise(got))
                same = any(x[1] == y[1] for x, y in itertools.pairwise(got))  # "V600E/K"
                node = OrNode if same or re.search(r"\bor\b|/", gaps, re.I) else AndNode
                expr = ctx.mk(node, s, e, args=[x[0] for x in got])
            group.append((expr, s, e))
        if len(group) > 1 and j > i:  # "KRAS, BRAF and PI3K wild type": one node for the list
            seps = " ".join(own_post[k] for k in range(i, j))
            node = OrNode if re.search(r"\bor\b", seps, re.I) else AndNode
            s, e = group[0][1], max(x[2] for x in group)
            group = [(ctx.mk(node, s, e, args=[x[0] for x in group]), s, e)]
        out.extend(Found(x, s, e, priority=8) for x, s, e in group)
        i = j + 1
    return out
