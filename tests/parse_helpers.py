"""Helpers the criteria tests share: one criterion text through `parse_text`, and its atoms
as plain dicts (no text or span), so a test can compare them with literals."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import Expr, iter_atoms
from trialscout.criteria.parser import parse_text


def parse_one(text: str, kind: str) -> tuple[Expr, bool]:
    """The tree of `text` as one criterion of `kind`, and whether no words were left over."""
    return parse_text(text, 0, len(text), kind)


def atom_dicts(text: str, kind: str, typ: str | None = None) -> list[dict[str, Any]]:
    """The atoms of `text` (only those of type `typ` if given), without text and span."""
    expr, _ = parse_one(text, kind)
    out = []
    for a in iter_atoms(expr):
        d = a.model_dump(exclude={"text", "span"}, exclude_none=True)
        if typ is None or d["type"] == typ:
            out.append(d)
    return out


def fully_parsed(text: str, kind: str) -> bool:
    """As `parse_criteria` sets `fully_parsed`: no leftover and no unparsed leaf."""
    expr, ok = parse_one(text, kind)
    return ok and not any(a.type == "unparsed" for a in iter_atoms(expr))
