"""What every atom evaluator shares: the context, questions, evidence formatting."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from trialscout.match.data import question
from trialscout.match.logic import Outcome, false, unknown
from trialscout.match.policy import MatchPolicy
from trialscout.match.result import MissingFact
from trialscout.patient.profile import PatientProfile


@dataclass
class Ctx:
    profile: PatientProfile
    policy: MatchPolicy

    @property
    def as_of(self) -> dt.date:
        return self.profile.as_of


def ask(fact: str, kind: str, **fill: str) -> MissingFact:
    return MissingFact(fact=fact, question=question(kind, **fill))


def norm(s: str | None) -> str:
    """Lower case, separators folded to single spaces: 'HBV_DNA' -> 'hbv dna'."""
    return re.sub(r"[\s_\-/]+", " ", (s or "").lower()).strip()


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
    for n in ctx.profile.negatives:
        k = norm(n)
        if k in want:
            return n
        core = " ".join(_GENERIC_NEGATIVE_WORDS.sub(" ", k).split())
        if core and any(w and re.search(rf"\b{re.escape(core)}\b", w) for w in want):
            return n
    return None


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
