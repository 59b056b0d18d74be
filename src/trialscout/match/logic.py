"""Kleene three-valued logic over evaluation outcomes.

An `Outcome` is a truth value (True / False / None = unknown) plus what a
clinician needs to check it: a plain-words reason, evidence lines that cite the
profile, and the facts that would settle an unknown. Two extra states: `na`
(the premise is absent, e.g. pregnancy for a male) is neutral in AND/OR, and
`review` marks an unknown that only an investigator can settle.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from trialscout.match.result import MissingFact


@dataclass
class Outcome:
    value: bool | None
    reason: str
    evidence: list[str] = field(default_factory=list)
    missing: list[MissingFact] = field(default_factory=list)
    na: bool = False
    review: bool = False
    inferred: bool = False

    @property
    def unknown(self) -> bool:
        return self.value is None and not self.na

    @property
    def open_unknown(self) -> bool:
        """Unknown for a missing fact (not merely waiting on clinician review)."""
        return self.unknown and not self.review


def true(reason: str, evidence: list[str] | None = None) -> Outcome:
    return Outcome(True, reason, evidence or [])


def false(reason: str, evidence: list[str] | None = None) -> Outcome:
    return Outcome(False, reason, evidence or [])


def unknown(
    reason: str, missing: list[MissingFact] | None = None, evidence: list[str] | None = None
) -> Outcome:
    return Outcome(None, reason, evidence or [], missing or [])


def not_applicable(reason: str, evidence: list[str] | None = None) -> Outcome:
    return Outcome(None, reason, evidence or [], na=True)


def review(reason: str) -> Outcome:
    return Outcome(None, reason, review=True)


def _join(parts: list[Outcome]) -> str:
    seen: list[str] = []
    for p in parts:
        if p.reason and p.reason not in seen:
            seen.append(p.reason)
    return "; ".join(seen)


def _evidence(parts: list[Outcome]) -> list[str]:
    out: list[str] = []
    for p in parts:
        for e in p.evidence:
            if e not in out:
                out.append(e)
    return out


def _missing(parts: list[Outcome]) -> list[MissingFact]:
    """The parts' missing facts, first occurrence kept. Compared by (type, fact, question),
    which is model equality for `MissingFact` (a list `in` test called pydantic's `__eq__`
    once per pair, the matcher's largest single cost)."""
    out: list[MissingFact] = []
    seen: set[tuple[type, str, str]] = set()
    for p in parts:
        for m in p.missing:
            if type(m) is not MissingFact:
                if m not in out:
                    out.append(m)
                continue
            key = (MissingFact, m.fact, m.question)
            if key not in seen:
                seen.add(key)
                out.append(m)
    return out


def all_of(parts: list[Outcome]) -> Outcome:
    """AND: false if any part is false, else unknown if any is unknown, else true."""
    live = [p for p in parts if not p.na]
    if not live:
        return Outcome(None, _join(parts), _evidence(parts), na=True)
    falses = [p for p in live if p.value is False]
    if falses:
        return Outcome(False, _join(falses), _evidence(falses))
    open_ = [p for p in live if p.open_unknown]
    revs = [p for p in live if p.unknown and p.review]
    if open_:
        return Outcome(None, _join(open_ + revs), _evidence(live), _missing(open_))
    if revs:
        return Outcome(None, _join(revs), _evidence(live), review=True)
    return Outcome(True, _join(live), _evidence(live), inferred=any(p.inferred for p in live))


def any_of(parts: list[Outcome]) -> Outcome:
    """OR: true if any part is true, else unknown if any is unknown, else false."""
    live = [p for p in parts if not p.na]
    if not live:
        return Outcome(None, _join(parts), _evidence(parts), na=True)
    trues = [p for p in live if p.value is True]
    if trues:
        return Outcome(
            True, _join(trues), _evidence(trues), inferred=any(p.inferred for p in trues)
        )
    open_ = [p for p in live if p.open_unknown]
    revs = [p for p in live if p.unknown and p.review]
    if open_:
        return Outcome(None, _join(open_ + revs), _evidence(live), _missing(open_))
    if revs:
        return Outcome(None, _join(revs), _evidence(live), review=True)
    return Outcome(False, _join(live), _evidence(live))


def negate(o: Outcome) -> Outcome:
    """NOT: reasons state facts, so they read the same either way; unknown stays unknown."""
    if o.na or o.value is None:
        return o
    return replace(o, value=not o.value)


def conditional(cond: Outcome, then: Outcome, otherwise: Outcome) -> Outcome:
    """IF: the branch the condition picks; with it unknown, only where both branches agree."""
    if then.na and otherwise.na and not then.reason and not otherwise.reason:
        # "Prior chemotherapy is allowed": neither branch requires anything
        return Outcome(None, f"Permitted, not required: {cond.reason}", cond.evidence, na=True)
    if cond.value is True:
        return replace(then, reason=_join([cond, then]), evidence=_evidence([cond, then]))
    if cond.value is False or cond.na:
        return replace(
            otherwise, reason=_join([cond, otherwise]), evidence=_evidence([cond, otherwise])
        )
    if then.value is not None and then.value == otherwise.value and not (then.na or otherwise.na):
        return Outcome(
            then.value,
            f"{cond.reason}, but either limit gives the same answer: {_join([then, otherwise])}",
            _evidence([cond, then, otherwise]),
        )
    miss = _missing([cond, then, otherwise])
    return Outcome(
        None,
        f"depends on a condition that is not known ({cond.reason}): {_join([then, otherwise])}",
        _evidence([cond, then, otherwise]),
        miss,
        review=cond.review and not miss,
    )
