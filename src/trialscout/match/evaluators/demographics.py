"""Age, sex, pregnancy/breastfeeding, life expectancy."""

from __future__ import annotations

from typing import Any

from trialscout.criteria.atoms import AgeAtom, LifeExpectancyAtom, ReproductiveAtom, SexAtom
from trialscout.match.evaluators.common import Ctx, ask
from trialscout.match.logic import Outcome, false, not_applicable, review, true, unknown
from trialscout.match.units import fmt_num


def eval_age(a: AgeAtom, ctx: Ctx) -> Outcome:
    p = ctx.profile
    age = p.age_at()
    if age is None:
        return unknown("Age not recorded", [ask("age", "age")])
    ev = (
        [f"birth_date {p.birth_date} (age {age} on {p.as_of})"]
        if p.birth_date
        else [f"age {age} (exact to the year)"]
    )
    lo, hi = a.min_years, a.max_years
    ok = True
    if lo is not None:
        ok = ok and (age >= lo if a.min_inclusive else age > lo)
    if hi is not None:
        ok = ok and (age <= hi if a.max_inclusive else age < hi)
    limit = (
        f"{fmt_num(lo)}-{fmt_num(hi)}"
        if lo is not None and hi is not None
        else (f"≥ {fmt_num(lo)}" if lo is not None else f"≤ {fmt_num(hi or 0)}")
    )
    reason = f"Age {age} (limit {limit} years)"
    return true(reason, ev) if ok else false(reason, ev)


def eval_sex(a: SexAtom, ctx: Ctx) -> Outcome:
    sex = ctx.profile.sex
    if sex not in ("male", "female"):
        return unknown("Sex not recorded", [ask("sex", "sex")])
    reason = f"Patient is {sex} (criterion: {a.sex})"
    return true(reason, [f"sex {sex}"]) if sex == a.sex else false(reason, [f"sex {sex}"])


def eval_reproductive(a: ReproductiveAtom, ctx: Ctx) -> Outcome:
    p = ctx.profile
    # a male patient settles every state, contraception included: these criteria are
    # written about women of childbearing potential
    if p.sex == "male":
        return not_applicable(
            f"Not applicable: the patient is male ({a.state.replace('_', ' ')})", ["sex male"]
        )
    if a.state == "contraception":
        return review("Agreement to use contraception is confirmed at consent")
    if a.state == "planning_pregnancy":
        return unknown(
            "Pregnancy plans not recorded", [ask("planning_pregnancy", "planning_pregnancy")]
        )
    val = p.pregnant if a.state == "pregnant" else p.breastfeeding
    word = "pregnant" if a.state == "pregnant" else "breastfeeding"
    if val is None:
        miss = [ask(word, word)]
        if p.sex is None or p.sex in ("unknown", "other"):
            miss.insert(0, ask("sex", "sex"))
        return unknown(f"Whether the patient is {word} is not recorded", miss)
    ev = [f"{word} {str(val).lower()}"]
    return true(f"Patient is {word}", ev) if val else false(f"Patient is not {word}", ev)


def eval_life_expectancy(a: LifeExpectancyAtom, ctx: Ctx) -> Outcome:
    le = ctx.profile.life_expectancy_months
    if le is None:
        return unknown(
            "Expected survival not recorded", [ask("life_expectancy", "life_expectancy")]
        )
    reason = f"Expected survival {fmt_num(le)} months (needs ≥ {fmt_num(a.min_months)})"
    ev = [f"life_expectancy_months {fmt_num(le)}"]
    return true(reason, ev) if le >= a.min_months else false(reason, ev)


EVALUATORS: dict[str, Any] = {
    "age": eval_age,
    "sex": eval_sex,
    "reproductive": eval_reproductive,
    "life_expectancy": eval_life_expectancy,
}
