"""`parse_criteria`: eligibility text -> `ParsedCriteria` (segment, normalise, extract, combine)."""

from __future__ import annotations

import re
from functools import cache

from trialscout.criteria.atoms import (
    AndNode,
    Criterion,
    Expr,
    IfNode,
    NotNode,
    ParsedCriteria,
    PriorTherapyAtom,
    iter_atoms,
)
from trialscout.criteria.extractors import EXTRACTORS, Ctx, Found
from trialscout.criteria.extractors.base import Extractor, Gate, gate_of
from trialscout.criteria.logic import build
from trialscout.criteria.normalize import normalize
from trialscout.criteria.segment import Item, segment
from trialscout.criteria.vocab import read_table, squash, vocab

PARSER_VERSION = "0.10.1"


def parse_text(original: str, start: int, end: int, kind: str) -> tuple[Expr, bool]:
    """Parse original[start:end] as one criterion of `kind`."""
    norm = normalize(original[start:end])
    ctx = Ctx(norm.text, norm.text.lower(), kind, norm, original, start)  # type: ignore[arg-type]
    if not norm.text:
        from trialscout.criteria.atoms import UnparsedAtom

        return UnparsedAtom(text="", span=(start, start)), False
    founds: list[Found] = []
    low = ctx.low
    squashed = squash(low)
    ascii_ = low.isascii()
    text = norm.text
    for ex, gate in _plan():
        # keyword prefilter (`base.needs`/`needs_derived`/`needs_match`), as `base.wanted`
        if gate is None or gate(low, squashed, text, ascii_):
            founds.extend(ex(ctx))
    return build(ctx, founds, 0, len(text))


_PLAN: tuple[tuple[Extractor, ...], list[tuple[Extractor, Gate | None]]] = ((), [])


def _plan() -> list[tuple[Extractor, Gate | None]]:
    """Each extractor with its gate predicate, rebuilt when `EXTRACTORS` changes."""
    global _PLAN
    key = tuple(EXTRACTORS)
    if key != _PLAN[0]:
        _PLAN = (key, [(ex, gate_of(ex)) for ex in key])
    return _PLAN[1]


def parse_criteria(text: str | None, nct_id: str | None = None) -> ParsedCriteria:
    """Every criterion of a trial with its tree; never raises on odd text."""
    out = ParsedCriteria(nct_id=nct_id, parser_version=PARSER_VERSION)
    if not text or not text.strip():
        out.warnings.append("no eligibility criteria text")
        return out
    seg = segment(text)
    out.warnings.extend(seg.warnings)
    parsed: dict[str, tuple[Expr, bool]] = {}
    items: list[Item] = seg.items
    for it in items:
        try:
            parsed[it.id] = parse_text(text, it.start, it.end, it.kind)
        except Exception as exc:  # one odd criterion never stops the trial
            from trialscout.criteria.atoms import UnparsedAtom

            out.warnings.append(
                f"{nct_id or 'text'} {it.id}: parser error {type(exc).__name__}: {exc}"
            )
            parsed[it.id] = (
                UnparsedAtom(text=text[it.start : it.end], span=(it.start, it.end)),
                False,
            )
    for it in items:
        if not it.children:
            expr, ok = parsed[it.id]
            words = text[it.start : it.end]
            if it.kind == "exclusion":
                expr = _requirement_phrased(words, expr)
            parsed[it.id] = (_permissive(words, expr), ok)
    for it in items:
        if it.parent is not None and not parsed[it.id][1]:
            atom = _drug_bullet(text, it)
            if atom is not None:
                parsed[it.id] = (atom, True)
    for it in reversed(items):
        if it.children:
            own, own_ok = parsed[it.id]
            args: list[Expr] = []
            ok = True
            substantive = [a for a in iter_atoms(own) if a.type not in ("unparsed", "review")]
            if substantive:
                args.append(own)
                ok = own_ok
            for ch in it.children:
                e, c_ok = parsed[ch.id]
                args.append(e)
                ok = ok and c_ok
            parsed[it.id] = (
                AndNode(text=text[it.start : it.end], span=(it.start, it.end), args=args),
                ok,
            )
    for it in items:
        expr, ok = parsed[it.id]
        out.criteria.append(
            Criterion(
                id=it.id,
                kind=it.kind,
                text=text[it.start : it.end],
                span=(it.start, it.end),
                parent=it.parent.id if it.parent else None,
                expr=expr,
                fully_parsed=ok and not any(a.type == "unparsed" for a in iter_atoms(expr)),
            )
        )
    return out


@cache
def _lead_in_cues() -> dict[str, re.Pattern[str]]:
    """mode -> pattern of data/criteria/therapy_lead_ins.csv."""
    return {r["mode"]: re.compile(r["pattern"], re.I) for r in read_table("therapy_lead_ins.csv")}


# An exclusion written as a requirement: "No prior chemotherapy", "Patients must not have had
# prior radiotherapy", "Must not be pregnant" under "Exclusion Criteria" mean "excluded if
# X", not "excluded if no X". ("Subjects who have not received ...", "Not able to ...",
# "No more than 1 prior course", "No adequate contraception" are literal and do not match.)
_REQUIREMENT_NEG = re.compile(
    r"^\W*(?:no\b(?!\s+(?:limitations?|restrictions?|limits?|more|less|fewer|greater|longer|"
    r"adequate|effective|reliable|sufficient|available)\b)"
    r"|(?:(?:patients?|subjects?|participants?|the\s+patient|the\s+subject)\s+)?"
    r"(?:must|should|may|shall|will|can)\s+not\s+(?:have|has|had|be|been|receive|take|use|undergo)\w*\b)",
    re.I,
)
# atom types whose negation in such an item is the author's requirement wording
_FLIP_TYPES = frozenset(
    {
        "prior_therapy",
        "condition",
        "infection",
        "metastasis",
        "reproductive",
        "lab",
        "measurement",
        "biomarker",
        "diagnosis",
        "disease_status",
    }
)


def _requirement_phrased(text: str, expr: Expr) -> Expr:
    """Drop the leading NOT of an exclusion item worded as a requirement ("No prior
    chemotherapy"): read literally it would exclude the untreated patients and let the
    treated ones in."""
    if not isinstance(expr, NotNode) or not _REQUIREMENT_NEG.search(text):
        return expr
    leaves = list(iter_atoms(expr.arg))
    kinds = {a.type for a in leaves} - {"review", "unparsed"}
    if not kinds or not kinds <= _FLIP_TYPES:
        return expr
    # "No contraception" under exclusions is literal: not using it is what excludes
    if any(getattr(a, "state", None) == "contraception" for a in leaves):
        return expr
    return expr.arg


@cache
def _permissive_cues() -> dict[str, re.Pattern[str]]:
    """mode -> pattern of data/criteria/permissive_cues.csv."""
    return {r["mode"]: re.compile(r["pattern"], re.I) for r in read_table("permissive_cues.csv")}


def _permissive(text: str, expr: Expr) -> Expr:
    """ "Prior chemotherapy is allowed": the therapy is permitted, not required (inclusion) or
    forbidden (exclusion). Its atoms stay in the tree (shown, scored) as the condition of an
    IF whose branches both require nothing, which the matcher reads as not applicable; a
    permission with a limit ("allowed if completed 4 weeks before") is left as it was."""
    cues = _permissive_cues()
    permit = cues["permits"].search(text)
    if permit is None or cues["limits"].search(text[: permit.start()] + " " + text[permit.end() :]):
        return expr
    kinds = {a.type for a in iter_atoms(expr)} - {"review"}
    if kinds != {"prior_therapy"}:
        return expr
    # IF(therapy, nothing, nothing): whatever the therapy, nothing is required
    nothing = AndNode(text="", args=[])
    return IfNode(text=expr.text, span=expr.span, cond=expr, then=nothing, otherwise=nothing)


_NOT_A_NAME = re.compile(r"[^\W\d_]{3,}")


def _drug_bullet(text: str, it: Item) -> PriorTherapyAtom | None:
    """A sub-item that is only a drug or class name ("Phenytoin", "Hypericum perforatum
    (St. John's wort)") under a lead-in announcing therapies: the therapy atom. The lead-in's
    negation stays structure (the matcher's sub-item roll-up); a dose or any other word
    keeps the item unparsed."""
    parent = it.parent
    assert parent is not None
    lead = text[parent.start : parent.end].strip()
    cues = _lead_in_cues()
    if not lead.endswith(":") or not cues["therapy"].search(lead) or cues["not"].search(lead):
        return None
    own = text[it.start : it.end]
    if any(c.isdigit() for c in own):
        return None
    low = normalize(own).text.lower().rstrip(" .;,")
    low = re.sub(r"\s+(?:or|and)$", "", low)
    v = vocab()
    found = [(m, "drug") for m in v.drug.find(low)] + [
        (m, "drug_class") for m in v.drug_class.find(low)
    ]
    if not found or len({(f, m.id) for m, f in found}) != 1:
        return None
    rest = list(low)
    for m, _ in found:
        rest[m.start : m.end] = " " * (m.end - m.start)
    if _NOT_A_NAME.search("".join(rest)):
        return None
    m, field = found[0]
    ongoing = True if cues["ongoing"].search(lead) else None
    return PriorTherapyAtom(text=own, span=(it.start, it.end), ongoing=ongoing, **{field: m.id})
