"""What every atom evaluator shares: the context, questions, evidence formatting."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from trialscout.match.data import question
from trialscout.match.logic import Outcome, false, unknown
from trialscout.match.policy import MatchPolicy
from trialscout.match.result import MissingFact
from trialscout.patient.profile import PatientProfile


@dataclass
class Ctx:
    profile: PatientProfile
    policy: MatchPolicy
    # Values derived from the profile alone (normalised negatives, treatment infos), computed
    # once per profile instead of once per criterion; shared across the trials of one `find`.
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def as_of(self) -> dt.date:
        return self.profile.as_of


def ask(fact: str, kind: str, **fill: str) -> MissingFact:
    """The missing fact and its question. Cached (the model is frozen, so one instance can be
    shared): the same few facts ('lab:hemoglobin', 'condition:hiv') are asked by most trials."""
    try:
        return _ask(fact, kind, tuple((k, type(v), v) for k, v in fill.items()))
    except TypeError:  # an unhashable fill value
        return MissingFact(fact=fact, question=question(kind, **fill))


@lru_cache(maxsize=32768)
def _ask(fact: str, kind: str, fill: tuple[tuple[str, type, Any], ...]) -> MissingFact:
    return MissingFact(fact=fact, question=question(kind, **{k: v for k, _, v in fill}))


_SEPARATORS = re.compile(r"[\s_\-/]+")


@lru_cache(maxsize=65536)
def norm(s: str | None) -> str:
    """Lower case, separators folded to single spaces: 'HBV_DNA' -> 'hbv dna'. Cached: the
    same profile and criterion names are normalised for every criterion of every trial."""
    return _SEPARATORS.sub(" ", (s or "").lower()).strip()


# Words that qualify a negative without narrowing it ("no HIV infection" = "no HIV").
_GENERIC_NEGATIVE_WORDS = re.compile(
    r"\b(?:history of|known|active|any|prior|previous|infection|disease|disorder)\b"
)


def negated(ctx: Ctx, terms: list[str]) -> str | None:
    """The `negatives` entry that states one of `terms` is absent, if any.

    A negative settles a term only when it is at least as broad as the term: "no HIV"
    settles "HIV infection", but "no chemotherapy for recurrent disease" does not settle
    "prior chemotherapy" (curative chemotherapy may still have been given).
    """
    want = {norm(t) for t in terms if t}
    for n, k, core_re in _negatives(ctx):
        if k in want:
            return n
        if core_re is not None and any(w and core_re.search(w) for w in want):
            return n
    return None


def _negatives(ctx: Ctx) -> list[tuple[str, str, re.Pattern[str] | None]]:
    """(entry, normalised entry, word-bounded pattern of its core) per `negatives` entry."""
    out: list[tuple[str, str, re.Pattern[str] | None]] | None = ctx.memo.get("negatives")
    if out is None:
        out = []
        for n in ctx.profile.negatives:
            k = norm(n)
            core = " ".join(_GENERIC_NEGATIVE_WORDS.sub(" ", k).split())
            out.append((n, k, re.compile(rf"\b{re.escape(core)}\b") if core else None))
        ctx.memo["negatives"] = out
    return out


def silence(ctx: Ctx, what: str, fact: MissingFact, negative_terms: list[str]) -> Outcome:
    """A history item the record does not mention: settled by `negatives`, else unknown
    (or absent under the opt-in policy, which the reason then says)."""
    neg = negated(ctx, negative_terms)
    if neg is not None:
        i = ctx.profile.negatives.index(neg)
        return false(f"No {what}: the record states it is absent", [f"negatives[{i}] {neg}"])
    if ctx.policy.absent_unless_documented:
        return false(f"No {what} documented; treated as absent (policy: absent unless documented)")
    return unknown(f"{what[0].upper()}{what[1:]} not recorded (silence is not a no)", [fact])


def days_between(a: dt.date, b: dt.date) -> int:
    return (b - a).days
