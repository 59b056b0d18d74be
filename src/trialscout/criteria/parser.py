"""`parse_criteria`: eligibility text -> `ParsedCriteria` (segment, normalise, extract, combine)."""

from __future__ import annotations

from trialscout.criteria.atoms import AndNode, Criterion, Expr, ParsedCriteria, iter_atoms
from trialscout.criteria.extractors import EXTRACTORS, Ctx, Found
from trialscout.criteria.extractors.base import Extractor, Gate, gate_of
from trialscout.criteria.logic import build
from trialscout.criteria.normalize import normalize
from trialscout.criteria.segment import Item, segment
from trialscout.criteria.vocab import squash

PARSER_VERSION = "0.9.0"


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
