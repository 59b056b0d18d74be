"""Diagnosis and histology, disease status, metastases, measurable disease,
intervals between clinical events, biomarkers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from trialscout.criteria.atoms import (
    BiomarkerAtom,
    DiagnosisAtom,
    DiseaseStatusAtom,
    MeasurableDiseaseAtom,
    MetastasisAtom,
    TimeRelationAtom,
)
from trialscout.criteria.vocab import vocab
from trialscout.match.data import ancestors
from trialscout.match.evaluators.common import Ctx, ask, norm, silence
from trialscout.match.evaluators.measurement import SYMBOL, compare
from trialscout.match.logic import Outcome, all_of, any_of, false, true, unknown
from trialscout.match.units import fmt_num
from trialscout.patient import vocab as pvocab
from trialscout.patient.profile import Diagnosis, PatientProfile, Treatment

NPC = "nasopharyngeal_carcinoma"

# --------------------------------------------------------------------- diagnosis


def _cancer_id(text: str) -> str | None:
    v = vocab()
    hit = v.cancer.lookup(text) or v.cancer.lookup(text.replace("_", " "))
    if hit:
        return hit
    found = v.cancer.find(text.replace("_", " "))
    return found[0].id if found else None


def cancer_ids(d: Diagnosis) -> set[str]:
    """The record's cancer ids and everything they are a kind of."""
    out: set[str] = set()
    for c in own_cancer_ids(d):
        out |= ancestors("cancer", c)
    return out


def own_cancer_ids(d: Diagnosis) -> set[str]:
    """The cancer ids the record names, without their broader types."""
    ids: set[str] = set()
    for text in (d.name, d.body_site):
        if text and (c := _cancer_id(text)):
            ids.add(c)
    for code in d.codes:
        system, _, value = code.partition(":")
        s = "icd10" if system.lower().startswith("icd") else system.lower()
        name = pvocab.cancer_for_code(s, value)
        if name and (c := _cancer_id(name)):
            ids.add(c)
    return ids


def is_npc(p: PatientProfile) -> bool:
    d = p.primary_diagnosis
    return d is not None and NPC in cancer_ids(d)


def _dx_evidence(i: int, d: Diagnosis) -> str:
    bits = [d.name]
    if d.histology:
        bits.append(f'histology "{d.histology}"')
    if d.who_type:
        bits.append(f"WHO {d.who_type}")
    return f"diagnoses[{i}] " + ", ".join(bits)


def _who(s: str | None) -> str | None:
    if not s:
        return None
    m = re.search(r"\b(III|II|I|3|2|1)\b", s.upper().replace("TYPE", " "))
    return {"1": "I", "2": "II", "3": "III"}.get(m.group(1), m.group(1)) if m else None


# "non-small cell lung cancer", "non-clear cell RCC": the histology after "non" is what the
# disease is NOT
_NON_BEFORE = re.compile(r"\bnon[\s-]?$", re.I)


def _hist_ids(text: str | None) -> set[str]:
    if not text:
        return set()
    return {m.id for m in vocab().histology.find(text) if not _NON_BEFORE.search(text[: m.start])}


def _record_histologies(d: Diagnosis) -> tuple[set[str], str | None]:
    """The record's histology ids, and the words they came from.

    A diagnosis named by its subtype ("diffuse large B-cell lymphoma", "clear cell renal
    cell carcinoma") states its histology even when the histology field is empty."""
    if d.histology:
        return _hist_ids(d.histology), d.histology
    ids = _hist_ids(d.name)
    return ids, (f"{d.name} (from the diagnosis name)" if ids else None)


def _check_histology(a: DiagnosisAtom, d: Diagnosis) -> tuple[bool | None, str]:
    v = vocab()
    req_h: set[str] = set()
    for h in a.histologies:
        req_h.add(h)
        if (k := v.histology.lookup(h.replace("_", " "))) is not None:
            req_h.add(k)
    req_w = {w.upper() for w in a.who_types}
    pids, said = _record_histologies(d)
    pw = _who(d.who_type)
    if pw is None:
        derived = {v.histology_who.get(h) for h in pids} - {None, ""}
        pw = derived.pop() if len(derived) == 1 else None
    anc: set[str] = set()
    for pid in pids:
        anc |= ancestors("histology", pid)
    want = " or ".join(
        [h.replace("_", " ") for h in a.histologies]
        + ([f"WHO {'/'.join(a.who_types)}"] if req_w else [])
    )
    got = said or (f"WHO {pw}" if pw else "not recorded")
    if (req_h & anc) or (pw is not None and pw in req_w):
        return True, f"Histology {got} (criterion: {want})"
    if not pids and pw is None:
        return None, f"Histology {got}: subtype not stated (criterion: {want})"
    # A broader record ("non-keratinizing carcinoma") may still be the required subtype.
    typed = [h for h, w in v.histology_who.items() if w in req_w]
    if any(pid in ancestors("histology", h) for pid in pids for h in [*req_h, *typed]):
        return None, f"Histology {got}: subtype not stated (criterion: {want})"
    return False, f"Histology {got} (criterion: {want})"


def eval_diagnosis(a: DiagnosisAtom, ctx: Ctx) -> Outcome:
    p = ctx.profile
    if not p.diagnoses:
        return unknown("Diagnosis not recorded", [ask("diagnosis", "diagnosis")])
    want_ids: set[str] = set()
    if a.cancer:
        want_ids = {a.cancer}
        if (k := _cancer_id(a.cancer)) is not None:
            want_ids.add(k)
    results: list[Outcome] = []
    for i, d in enumerate(p.diagnoses):
        ev = [_dx_evidence(i, d)]
        ids = cancer_ids(d)
        if want_ids and not (want_ids & ids):
            # the record names a broader type than the criterion ('lymphoma' for 'non-Hodgkin
            # lymphoma'): unknown. Only the record's own ids count here: its broader types
            # would make every lymphoma 'broader' than Hodgkin lymphoma for an NHL record
            own = own_cancer_ids(d)
            broader = any(w in ancestors("cancer", x) for w in want_ids for x in own) or any(
                x in ancestors("cancer", w) for w in want_ids for x in own
            )
            if broader or not ids:
                results.append(
                    unknown(
                        f"Diagnosis {d.name}: is it {a.cancer}?",
                        [ask("diagnosis", "diagnosis")],
                        ev,
                    )
                )
            else:
                results.append(
                    false(
                        f"Diagnosis {d.name} (criterion: {(a.cancer or '').replace('_', ' ')})", ev
                    )
                )
            continue
        parts = [true(f"Diagnosis {d.name}", ev)]
        if a.histologies or a.who_types:
            val, why = _check_histology(a, d)
            parts.append(
                true(why, ev)
                if val
                else false(why, ev)
                if val is False
                else unknown(why, [ask("histology", "histology")], ev)
            )
        if a.confirmation in ("histological", "pathological") and d.confirmation == "clinical":
            parts.append(
                unknown(
                    "Diagnosis recorded as clinical; tissue confirmation not stated",
                    [ask("diagnosis", "diagnosis")],
                    ev,
                )
            )
        results.append(all_of(parts))
    return any_of(results)


# --------------------------------------------------------------------- disease status


def _metastatic(p: PatientProfile) -> tuple[bool | None, list[str]]:
    if p.metastases:
        return True, [f"metastases[{i}] {m.site}" for i, m in enumerate(p.metastases)]
    if p.stage and p.stage.M and p.stage.M.upper().lstrip("CPR").startswith("M1"):
        return True, [f"stage M {p.stage.M}"]
    if p.recurrence and p.recurrence.extent == "distant":
        return True, ["recurrence.extent distant"]
    d = p.primary_diagnosis
    if d and d.status and "metasta" in d.status.lower():
        return True, [f"diagnoses status {d.status}"]
    return None, []


def eval_disease_status(a: DiseaseStatusAtom, ctx: Ctx) -> Outcome:
    p = ctx.profile
    s, detail = a.status.lower(), (a.detail or "").lower()
    if s in ("local_recurrence", "locoregional_recurrence", "local_relapse"):
        s, detail = "recurrent", "local"
    elif s.endswith("_recurrence") or s == "recurrence":
        s = "recurrent"
    if s in ("recurrent", "relapsed") and detail.startswith("local"):
        detail = "local"  # "local_with_or_without_regional": local is what must hold
    d = p.primary_diagnosis
    dstat = (d.status or "").lower() if d else ""
    label = s.replace("_", " ")
    fact = ask(f"disease_status:{s}", "disease_status", label=label)
    rec = p.recurrence
    if s == "metastatic":
        val, ev = _metastatic(p)
        if val and detail in ("de_novo", "newly_diagnosed"):
            if p.stage and p.stage.M and p.stage.M.upper().lstrip("CPR").startswith("M1"):
                return true("Metastatic at diagnosis (stage M1)", [f"stage M {p.stage.M}"])
            if p.stage and p.stage.M and p.stage.M.upper().lstrip("CPR") == "M0":
                return false(
                    "Metastases came after an M0 diagnosis (not de novo)",
                    [*ev, f"stage M {p.stage.M}"],
                )
            return unknown("Metastatic, but whether at diagnosis is not recorded", [fact], ev)
        if val:
            return true("Metastatic disease", ev)
        return unknown("Whether the disease is metastatic is not recorded", [fact])
    if s in ("recurrent", "relapsed"):
        if rec is not None:
            ev = [f"recurrence {rec.extent or ''} {rec.date or ''}".strip()]
            if detail == "local":
                if rec.extent in ("local", "locoregional"):
                    return true(f"Local recurrence ({rec.extent})", ev)
                if rec.extent in ("regional", "distant"):
                    return false(f"Recurrence is {rec.extent}, not at the primary site", ev)
                return unknown(
                    "Recurrence recorded; whether at the primary site is not",
                    [
                        ask(
                            "disease_status:local_recurrence",
                            "disease_status",
                            label="a local recurrence",
                        )
                    ],
                    ev,
                )
            return true("Recurrent disease", ev)
        if "recur" in dstat or "relapse" in dstat:
            return true("Recurrent disease", [f"diagnoses status {dstat}"])
        if "newly" in dstat:
            return false("Newly diagnosed, no recurrence", [f"diagnoses status {dstat}"])
        return unknown("Recurrence not recorded", [fact])
    if s in ("unresectable", "resectable"):
        if rec is not None and rec.resectable is not None:
            val = rec.resectable == (s == "resectable")
            why = f"Recurrence recorded as {'resectable' if rec.resectable else 'unresectable'}"
            return (
                true(why, [f"recurrence.resectable {rec.resectable}"])
                if val
                else false(why, [f"recurrence.resectable {rec.resectable}"])
            )
        return unknown(f"Whether the disease is {label} is not recorded", [fact])
    if s == "locally_advanced":
        if "locally advanced" in dstat:
            return true("Locally advanced disease", [f"diagnoses status {dstat}"])
        if (
            rec is not None
            and rec.extent in ("local", "locoregional", "regional")
            and (rec.resectable is False or (rec.T and re.search(r"T[34]", rec.T)))
        ):
            return true(
                f"Locoregional recurrence ({rec.T or 'unresectable'})",
                [f"recurrence {rec.extent} {rec.T or ''}".strip()],
            )
        st = p.stage
        if st and st.group and not rec and not p.metastases:
            g = st.group.upper()
            ev = [f"stage group {st.group}"]
            if g.startswith(("III", "IVA")):
                return true(f"Stage {st.group} (locally advanced)", ev)
            if g in ("I", "II", "IVB") or g.startswith(("IVB",)):
                return false(f"Stage {st.group} (not locally advanced)", ev)
        return unknown("Whether the disease is locally advanced is not recorded", [fact])
    if s == "advanced":
        val, ev = _metastatic(p)
        if val or rec is not None:
            return true(
                "Advanced (recurrent or metastatic) disease",
                ev or [f"recurrence {rec.extent if rec else ''}"],
            )
        return unknown("Whether the disease is advanced is not recorded", [fact])
    if s == "newly_diagnosed":
        if "newly" in dstat:
            return true("Newly diagnosed", [f"diagnoses status {dstat}"])
        if rec is not None or "recur" in dstat:
            return false("Recurrent disease, not newly diagnosed", ["recurrence"])
        return unknown("Whether newly diagnosed is not recorded", [fact])
    if s in ("progressive", "refractory"):
        pd = [(i, t) for i, t in enumerate(p.treatments) if t.best_response == "PD"]
        if pd:
            i, t = pd[0]
            return true(f"Progression on {t.name}", [f"treatments[{i}] {t.name}, best response PD"])
        return unknown(f"Whether the disease is {label} is not recorded", [fact])
    return unknown(f"Disease status '{label}' not recorded", [fact])


# --------------------------------------------------------------------- metastases


def _site(text: str) -> str:
    v = vocab()
    k = v.site.lookup(text.replace("_", " "))
    if k:
        return k
    found = v.site.find(text.replace("_", " "))
    return found[0].id if found else norm(text)


def eval_metastasis(a: MetastasisAtom, ctx: Ctx) -> Outcome:
    p = ctx.profile
    want = _site(a.site)
    label = a.site.replace("_", " ")
    results: list[Outcome] = []
    for i, m in enumerate(p.metastases):
        if _site(m.site) != want and norm(m.site) != norm(a.site):
            continue
        ev = [
            f"metastases[{i}] {m.site}"
            + (f", symptomatic {m.symptomatic}" if m.symptomatic is not None else "")
        ]
        parts = [true(f"{m.site.capitalize()} metastases", ev)]
        for q, have in (
            ("symptomatic", m.symptomatic),
            ("treated", m.treated),
            ("stable", m.stable),
        ):
            wanted = getattr(a, q)
            if wanted is None:
                continue
            if have is None:
                parts.append(
                    unknown(
                        f"Whether the {m.site} metastases are {q} is not recorded",
                        [ask(f"metastasis:{want}:{q}", "metastasis", label=f"{q} {label}")],
                        ev,
                    )
                )
            else:
                word = q if have else f"not {q}"
                parts.append(
                    true(f"{m.site.capitalize()} metastases {word}", ev)
                    if have == wanted
                    else false(f"{m.site.capitalize()} metastases {word}", ev)
                )
        results.append(all_of(parts))
    if results:
        return any_of(results)
    return silence(
        ctx,
        f"{label} metastases",
        ask(f"metastasis:{want}", "metastasis", label=label),
        [
            f"{label} metastases",
            f"{label} metastasis",
            f"{want} metastases",
            "metastases",
            "metastatic disease",
        ],
    )


def eval_measurable(a: MeasurableDiseaseAtom, ctx: Ctx) -> Outcome:
    p = ctx.profile
    sites = {_site(s) for s in a.sites}
    rel = [(i, m) for i, m in enumerate(p.metastases) if not sites or _site(m.site) in sites]
    fact = ask("measurable", "measurable")
    where = f" in {', '.join(a.sites)}" if a.sites else ""
    yes = [(i, m) for i, m in rel if m.measurable]
    if yes:
        n = sum(m.lesions or 1 for _, m in yes)
        ev = [f"metastases[{i}] {m.site}, measurable" for i, m in yes]
        if n >= a.min_lesions:
            return true(f"Measurable disease{where}", ev)
        if all(m.lesions is not None for _, m in yes):
            return false(f"{n} measurable lesion(s){where}; needs {a.min_lesions}", ev)
        return unknown(f"Measurable disease{where}; number of lesions not recorded", [fact], ev)
    if rel and all(m.measurable is False for _, m in rel):
        return false(
            f"No measurable lesion{where}",
            [f"metastases[{i}] {m.site}, not measurable" for i, m in rel],
        )
    return unknown(f"Measurable disease{where} not recorded", [fact])


# --------------------------------------------------------------------- time relations


def _curative_rt_end(p: PatientProfile) -> tuple[dt.date | None, str]:
    """End of the last curative radiotherapy, else of the last curative-setting treatment."""
    before = p.recurrence.date if p.recurrence and p.recurrence.date else None

    def ok(t: Treatment) -> bool:
        end = t.end or t.date
        return end is not None and (before is None or end <= before)

    rts = [
        (i, t)
        for i, t in enumerate(p.treatments)
        if t.kind == "radiotherapy"
        and ok(t)
        and (
            (t.intent or "").lower() in ("curative", "radical", "definitive")
            or t.setting == "curative"
        )
    ]
    if not rts:
        rts = [(i, t) for i, t in enumerate(p.treatments) if t.setting == "curative" and ok(t)]
    if not rts:
        return None, ""
    i, t = max(rts, key=lambda x: x[1].end or x[1].date or dt.date.min)
    end = t.end or t.date
    return end, f"treatments[{i}] {t.name} ended {end}"


def _platinum_end(p: PatientProfile) -> tuple[dt.date | None, str]:
    from trialscout.match.evaluators.therapy import treatment_infos

    hits = [
        x for x in treatment_infos(p) if "platinum" in x.classes and x.t and (x.t.end or x.t.date)
    ]
    if not hits:
        return None, ""
    x = max(hits, key=lambda x: (x.t.end or x.t.date or dt.date.min) if x.t else dt.date.min)
    assert x.t is not None
    return x.t.end or x.t.date, f"{x.path} {x.t.name} ended {x.t.end or x.t.date}"


def _event_date(p: PatientProfile, event: str) -> tuple[dt.date | None, str, str]:
    e = event.lower()
    if "recur" in e or "relapse" in e:
        d = p.recurrence.date if p.recurrence else None
        return d, f"recurrence.date {d}" if d else "", "the recurrence"
    if "metasta" in e:
        dates = [m.date for m in p.metastases if m.date]
        if dates:
            return min(dates), f"metastases first dated {min(dates)}", "the metastasis"
        if p.recurrence and p.recurrence.extent == "distant" and p.recurrence.date:
            return p.recurrence.date, f"recurrence.date {p.recurrence.date}", "the metastasis"
        return None, "", "the metastasis"
    if "diagnos" in e:
        d = p.primary_diagnosis.date if p.primary_diagnosis else None
        return d, f"diagnoses date {d}" if d else "", "the diagnosis"
    if any(k in e for k in ("entry", "enrol", "enroll", "random", "first_dose", "now", "study")):
        return p.as_of, f"as_of {p.as_of}", "study entry"
    return None, "", event.replace("_", " ")


def _reference_date(p: PatientProfile, ref: str) -> tuple[dt.date | None, str, str]:
    r = ref.lower()
    if "platinum" in r:
        d, ev = _platinum_end(p)
        return d, ev, "the last platinum dose"
    if any(k in r for k in ("radical", "radiotherapy", "curative", "primary", "definitive")):
        d, ev = _curative_rt_end(p)
        return d, ev, "the end of curative treatment"
    if "diagnos" in r:
        d = p.primary_diagnosis.date if p.primary_diagnosis else None
        return d, f"diagnoses date {d}" if d else "", "the diagnosis"
    return None, "", ref.replace("_", " ")


def _span(days: int) -> str:
    return f"{days / 365.25:.1f} years" if abs(days) >= 365 else f"{days} days"


def eval_time_relation(a: TimeRelationAtom, ctx: Ctx) -> Outcome:
    p = ctx.profile
    ed, eev, elabel = _event_date(p, a.event)
    rd, rev, rlabel = _reference_date(p, a.reference)
    missing = []
    if ed is None:
        missing.append(ask(f"date:{a.event}", "date", label=elabel.removeprefix("the ")))
    if rd is None:
        missing.append(ask(f"date:{a.reference}", "date", label=rlabel.removeprefix("the ")))
    if ed is None or rd is None:
        return unknown(
            f"Interval from {rlabel} to {elabel} cannot be computed: date missing",
            missing,
            [x for x in (eev, rev) if x],
        )
    days = (ed - rd).days
    ev = [x for x in (eev, rev) if x]
    ok = (a.min_days is None or days >= a.min_days) and (a.max_days is None or days <= a.max_days)
    lim = []
    if a.min_days is not None:
        lim.append(f"≥ {_span(a.min_days)}")
    if a.max_days is not None:
        lim.append(f"≤ {_span(a.max_days)}")
    reason = (
        f"{elabel[0].upper()}{elabel[1:]} {_span(days)} after {rlabel} (needs {' and '.join(lim)})"
    )
    return true(reason, ev) if ok else false(reason, ev)


# --------------------------------------------------------------------- biomarkers

POSITIVE = {
    "positive",
    "detected",
    "present",
    "mutated",
    "mutation",
    "amplified",
    "amplification",
    "high",
    "msi-h",
    "msi high",
    "dmmr",
    "fusion",
    "expressed",
    "3+",
}
NEGATIVE = {
    "negative",
    "not detected",
    "absent",
    "wild-type",
    "wild type",
    "wildtype",
    "wt",
    "mss",
    "pmmr",
    "low",
    "not amplified",
    "0",
}


def _polarity(s: str | None) -> bool | None:
    if not s:
        return None
    k = s.strip().lower()
    if k in POSITIVE:
        return True
    if k in NEGATIVE:
        return False
    return None


def eval_biomarker(a: BiomarkerAtom, ctx: Ctx) -> Outcome:
    p = ctx.profile
    label = " ".join(x for x in (a.gene or a.marker, a.alteration) if x)
    fact = ask(f"biomarker:{norm(label)}", "biomarker", label=label)
    key = norm(a.gene or a.marker).replace(" ", "")
    hits = [
        (i, b) for i, b in enumerate(p.biomarkers) if norm(b.gene or b.name).replace(" ", "") == key
    ]
    if not hits:
        return unknown(f"{label} not recorded (never inferred from silence)", [fact])
    results: list[Outcome] = []
    for i, b in hits:
        ev = [
            f"biomarkers[{i}] {b.gene or b.name} {b.alteration or ''} {b.result or ''} "
            f"{b.score or ''} {fmt_num(b.value) if b.value is not None else ''}".split()
        ]
        evs = [" ".join(ev[0])]
        if a.alteration:
            if b.alteration and norm(b.alteration) == norm(a.alteration):
                pol = _polarity(b.result)
                if pol is None:
                    pol = True if b.result is None else None
            elif (_polarity(b.result) is False and not b.alteration) or (
                b.alteration and _polarity(b.result) is True
            ):
                pol = False
            else:
                pol = None
            want = _polarity(a.result) if a.result else True
            if pol is None:
                results.append(unknown(f"{label}: result not clear", [fact], evs))
            else:
                results.append(
                    (true if pol == want else false)(
                        f"{b.gene or b.name} {b.alteration or ''} {b.result or ''}".strip(), evs
                    )
                )
            continue
        if a.comparator and a.value is not None:
            if b.value is None or (a.score and b.score and norm(a.score) != norm(b.score)):
                results.append(
                    unknown(
                        f"{label}: no {a.score or ''} value (scores do not convert)", [fact], evs
                    )
                )
                continue
            ok = compare(b.value, a.comparator, a.value)
            results.append(
                (true if ok else false)(
                    f"{b.name or b.gene} {b.score or ''} {fmt_num(b.value)} "
                    f"({SYMBOL[a.comparator]} {fmt_num(a.value)} needed)",
                    evs,
                )
            )
            continue
        want = _polarity(a.result) if a.result else True
        pol = _polarity(b.result)
        if pol is None:
            results.append(unknown(f"{label}: result '{b.result}' not clear", [fact], evs))
        else:
            results.append((true if pol == want else false)(f"{b.name or b.gene} {b.result}", evs))
    return any_of(results)


EVALUATORS: dict[str, Any] = {
    "diagnosis": eval_diagnosis,
    "disease_status": eval_disease_status,
    "metastasis": eval_metastasis,
    "measurable_disease": eval_measurable,
    "time_relation": eval_time_relation,
    "biomarker": eval_biomarker,
}
