"""Prior (and current) therapy: drugs, classes, regimens, modalities, lines and settings.

Classes come from data/criteria/drugs.csv (toripalimab -> pd1_inhibitor), regimens
from data/criteria/regimens.csv, modalities from data/match/modalities.csv.
Curative-setting therapy counts as prior platinum but is not a line of
recurrent/metastatic therapy (clinical-reference.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from trialscout.criteria.atoms import PriorTherapyAtom
from trialscout.criteria.vocab import read_table, vocab
from trialscout.match.data import display, read_csv
from trialscout.match.evaluators.common import Ctx, ask, norm, silence
from trialscout.match.logic import Outcome, true, unknown
from trialscout.match.result import MissingFact
from trialscout.patient import vocab as pvocab
from trialscout.patient.profile import PatientProfile, Treatment

RM_SETTINGS = {"recurrent", "metastatic", "maintenance"}
SETTING_MAP = {
    "recurrent": {"recurrent"},
    "metastatic": {"metastatic"},
    "advanced": RM_SETTINGS,
    "palliative": RM_SETTINGS,
    "recurrent_metastatic": RM_SETTINGS,
    "curative": {"curative"},
    "adjuvant": {"curative"},
    "neoadjuvant": {"curative"},
    "induction": {"curative"},
    "concurrent": {"curative"},
    "definitive": {"curative"},
    "locally_advanced": {"curative"},
    "maintenance": {"maintenance"},
}
CLASS_ALIASES = {
    "immune_checkpoint_inhibitor": "checkpoint_inhibitor",
    "anti_egfr": "egfr_inhibitor",
    "egfr_tki": "egfr_inhibitor",
    "her2_targeted": "her2_inhibitor",
    "anti_pd1": "pd1_inhibitor",
    "anti_pdl1": "pdl1_inhibitor",
}
SUPPORTIVE = {"anticoagulant", "corticosteroid", "immunosuppressant", "nsaid"}


@dataclass
class TxInfo:
    path: str
    t: Treatment | None
    name: str
    drugs: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    ongoing: bool | None = None

    def describe(self) -> str:
        t = self.t
        if t is None:
            return f"{self.path} {self.name} (current medication)"
        bits = [
            x
            for x in (
                t.setting,
                f"line {t.line}" if t.line else None,
                f"{t.cycles} cycles" if t.cycles is not None else None,
            )
            if x
        ]
        when = (
            f"{t.start} to {t.end}" if t.start and t.end else str(t.start or t.end or t.date or "")
        )
        if when:
            bits.append(when)
        if t.best_response:
            bits.append(f"best response {t.best_response}")
        return f"{self.path} {self.name}" + (f" ({', '.join(bits)})" if bits else "")


@lru_cache(maxsize=1)
def _regimens() -> dict[str, list[str]]:
    return {
        r["regimen"]: [d for d in r["drugs"].split("|") if d] for r in read_table("regimens.csv")
    }


@lru_cache(maxsize=4096)
def drug_id(name: str) -> str:
    v = vocab()
    hit = v.drug.lookup(name)
    if hit:
        return hit
    p = pvocab.drug_for_text(name)
    return (v.drug.lookup(p) or p) if p else norm(name)


def ctx_infos(ctx: Ctx) -> list[TxInfo]:
    """`treatment_infos` of the context's profile, computed once per profile (`Ctx.memo`)."""
    infos: list[TxInfo] | None = ctx.memo.get("treatment_infos")
    if infos is None:
        infos = ctx.memo["treatment_infos"] = treatment_infos(ctx.profile)
    return infos


def treatment_infos(p: PatientProfile) -> list[TxInfo]:
    v = vocab()
    out: list[TxInfo] = []
    for i, t in enumerate(p.treatments):
        drugs: set[str] = set()
        if t.kind in ("drug", "regimen"):
            for n in t.drugs or [t.name]:
                drugs.add(drug_id(n))
            if not t.drugs:
                reg = v.regimen.lookup(t.name)
                if reg and reg in _regimens():
                    drugs |= set(_regimens()[reg])
                drugs |= {m.id for m in v.drug.find(t.name)}
        classes: set[str] = set()
        for d in drugs:
            classes |= set(v.drug_classes.get(d, []))
        out.append(TxInfo(f"treatments[{i}]", t, t.name, drugs, classes, t.ongoing))
    for k, m in enumerate(p.medications):
        d = drug_id(m)
        out.append(TxInfo(f"medications[{k}]", None, m, {d}, set(v.drug_classes.get(d, [])), True))
    return out


def _modality_spec(mod: str) -> tuple[set[str], set[str]] | None:
    for r in read_csv("modalities.csv"):
        if r["modality"] == mod:
            return (
                {x for x in r["kinds"].split("|") if x},
                {x for x in r["classes"].split("|") if x},
            )
    return None


def _is_anticancer(x: TxInfo) -> bool:
    if x.t is not None and x.t.kind in ("radiotherapy", "surgery"):
        return True
    return bool(x.classes - SUPPORTIVE)


def identity(a: PriorTherapyAtom, x: TxInfo) -> bool | None:
    """Is this treatment the drug / class / regimen / modality the atom names?"""
    kind = x.t.kind if x.t else "drug"
    if a.drug and drug_id(a.drug) not in x.drugs:
        return False
    if a.drug_class:
        cls = CLASS_ALIASES.get(a.drug_class, a.drug_class)
        if cls not in x.classes:
            return False
    if a.regimen:
        reg = vocab().regimen.lookup(a.regimen) or a.regimen
        if reg == "platinum_doublet":
            chemo = [d for d in x.drugs if "chemotherapy" in vocab().drug_classes.get(d, [])]
            if not ("platinum" in x.classes and len(chemo) >= 2):
                return False
        elif reg in _regimens():
            if not set(_regimens()[reg]) <= x.drugs:
                return False
        else:
            return None
    if a.modality:
        spec = _modality_spec(a.modality)
        if spec is None:
            return None if _is_anticancer(x) or x.t is None else False
        kinds, classes = spec
        hit = kind in kinds or (
            "*" in classes and _is_anticancer(x) and kind in ("drug", "regimen")
        )
        hit = hit or bool(classes & x.classes)
        if not hit:
            return False
    if not (a.drug or a.drug_class or a.regimen or a.modality):
        return _is_anticancer(x)
    return True


def _line_of(x: TxInfo, infos: list[TxInfo]) -> tuple[int | None, bool]:
    t = x.t
    if t is None:
        return None, False
    if t.line is not None:
        return t.line, False
    if t.setting not in RM_SETTINGS:
        return None, False
    rm = sorted(
        (
            y
            for y in infos
            if y.t
            and y.t.setting in ("recurrent", "metastatic")
            and y.t.kind in ("drug", "regimen")
            and y.t.start
        ),
        key=lambda y: y.t.start if y.t and y.t.start else dt.date.min,
    )
    starts: list[dt.date] = []
    for y in rm:
        s = y.t.start if y.t else None
        if s and s not in starts:
            starts.append(s)
    if t.start in starts:
        return starts.index(t.start) + 1, True
    return None, False


def qualifiers(
    a: PriorTherapyAtom, x: TxInfo, ctx: Ctx, infos: list[TxInfo]
) -> tuple[bool | None, list[str], list[MissingFact]]:
    """Setting, line, cycles, response, timing: each three-valued; all must hold."""
    t = x.t
    notes: list[str] = []
    missing: list[MissingFact] = []
    vals: list[bool | None] = []
    what = x.name

    def need(label: str) -> None:
        missing.append(
            ask(f"therapy:{x.path}:{label}", "therapy_detail", label=label, therapy=what)
        )

    if a.setting:
        want = SETTING_MAP.get(a.setting.lower(), {a.setting.lower()})
        have: str | None = t.setting if t else None
        if have is None and t is not None and t.line is not None:
            have = "recurrent|metastatic"
        if (
            have is None
            and t is not None
            and t.kind == "radiotherapy"
            and (t.intent or "").lower() in ("curative", "radical", "definitive")
        ):
            have = "curative"
        if have is None:
            vals.append(None)
            need("setting (curative or recurrent/metastatic)")
        elif "|" in have:
            opts = set(have.split("|"))
            vals.append(True if opts <= want else (None if opts & want else False))
        else:
            vals.append(have in want)
            notes.append(f"{have} setting")
    if a.line is not None:
        line, inferred = _line_of(x, infos)
        if t is not None and t.setting == "curative":
            vals.append(False)
            notes.append("curative setting is not a line of recurrent/metastatic therapy")
        elif line is None:
            vals.append(None)
            need("line of therapy")
        else:
            vals.append(line == a.line)
            notes.append(f"line {line}{' (inferred from dates)' if inferred else ''}")
    if a.min_cycles is not None or a.max_cycles is not None:
        c = t.cycles if t else None
        if c is None:
            vals.append(None)
            need("number of cycles")
        else:
            vals.append(
                (a.min_cycles is None or c >= a.min_cycles)
                and (a.max_cycles is None or c <= a.max_cycles)
            )
            notes.append(f"{c} cycles")
    if a.response:
        r = t.best_response if t else None
        if r is None:
            vals.append(None)
            need("best response")
        else:
            vals.append(r in {x_.upper() for x_ in a.response})
            notes.append(f"best response {r}")
    if a.within_days is not None:
        ongoing = x.ongoing or (t is not None and t.ongoing)
        when = (t.end or t.date or t.start) if t else None
        if ongoing:
            vals.append(True)
        elif when is None:
            vals.append(None)
            need("date")
        else:
            vals.append((ctx.as_of - when).days <= a.within_days)
            notes.append(f"{(ctx.as_of - when).days} days before {ctx.as_of}")
    if a.major is not None:
        m = t.major if t else None
        if m is None:
            vals.append(None)
            need("extent (major or minor surgery)")
        else:
            vals.append(m == a.major)
    if a.ongoing:
        if x.ongoing:
            vals.append(True)
        elif t is not None and t.end is not None and t.end < ctx.as_of:
            vals.append(False)
            notes.append(f"ended {t.end}")
        elif t is not None and t.ongoing is False:
            vals.append(False)
        else:
            vals.append(None)
            need("current status (ongoing?)")
    if False in vals:
        return False, notes, []
    if None in vals:
        return None, notes, missing
    return True, notes, []


def describe(a: PriorTherapyAtom) -> str:
    parts: list[str] = []
    if a.drug:
        parts.append(a.drug)
    if a.drug_class:
        parts.append(display("drug_class", CLASS_ALIASES.get(a.drug_class, a.drug_class)))
    if a.regimen:
        parts.append(a.regimen.replace("_", " "))
    if a.modality and not parts:
        parts.append(display("modality", a.modality))
    if not parts:
        parts.append("anti-cancer therapy")
    s = " + ".join(parts)
    if a.setting:
        s += " " + display("setting", a.setting, f"({a.setting.replace('_', ' ')})")
    if a.line:
        s += f" as line {a.line}"
    return s


def matching(
    a: PriorTherapyAtom, ctx: Ctx, loose: bool = False
) -> list[tuple[TxInfo, bool | None]]:
    """Treatments whose identity fits the atom (loose) or that meet it fully; three-valued."""
    infos = ctx_infos(ctx)
    out: list[tuple[TxInfo, bool | None]] = []
    for x in infos:
        ident = identity(a, x)
        if ident is False:
            continue
        if loose:
            out.append((x, ident))
            continue
        q, _, _ = qualifiers(a, x, ctx, infos)
        out.append((x, None if ident is None or q is None else q))
    return out


def eval_prior_therapy(a: PriorTherapyAtom, ctx: Ctx) -> Outcome:
    infos = ctx_infos(ctx)
    what = describe(a)
    trues: list[str] = []
    unk_ev: list[str] = []
    miss: list[MissingFact] = []
    notes_true: list[str] = []
    for x in infos:
        ident = identity(a, x)
        if ident is False:
            continue
        q, notes, m = qualifiers(a, x, ctx, infos)
        if ident is True and q is True:
            trues.append(x.describe())
            notes_true.append(x.name + (f" ({', '.join(notes)})" if notes else ""))
        elif q is not False:
            unk_ev.append(x.describe())
            miss.extend(m)
            if ident is None:
                miss.append(ask(f"therapy:{a.modality or a.regimen}", "therapy", label=what))
    if trues:
        return true(f"Had {what}: {'; '.join(notes_true)}", trues)
    fact = ask(f"therapy:{norm(what).replace(' ', '_')}", "therapy", label=what)
    if unk_ev:
        return unknown(f"{what[0].upper()}{what[1:]}: details needed", miss or [fact], unk_ev)
    terms = [
        what,
        a.drug or "",
        a.regimen or "",
        a.modality or "",
        display("drug_class", a.drug_class).removeprefix("a ").removeprefix("an ")
        if a.drug_class
        else "",
        (a.drug_class or "").replace("_", " "),
    ]
    return silence(ctx, what, fact, [t for t in terms if t])


EVALUATORS: dict[str, Any] = {"prior_therapy": eval_prior_therapy}
