"""'Check if I qualify': a form that asks only what this trial's criteria need.

The questions come from the matcher itself: matching an empty profile (nothing known)
leaves every criterion that needs a fact `unknown`, and its `missing` list names the
facts (`age`, `lab:hemoglobin`, `therapy:a_pd_1_inhibitor`...) with plain questions.
Each fact becomes one form field; the answers become a `PatientProfile` in memory
(never stored or logged) and the same matcher gives the verdict.

Facts a short form cannot capture well (dates of events, details of a treatment) stay
in the "questions still open" list of the result rather than being guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from trialscout.criteria.atoms import DiagnosisAtom, LabAtom, ParsedCriteria, iter_atoms
from trialscout.match import match_trial
from trialscout.match.evaluators.biomarkers import fact_parts, profile_entry
from trialscout.match.result import TrialMatch
from trialscout.patient.errors import ProfileError, from_validation
from trialscout.patient.profile import PatientProfile

Kind = Literal["number", "select", "text", "lab"]
YES_NO = [("", "Don't know"), ("yes", "Yes"), ("no", "No")]
POS_NEG = [("", "Don't know"), ("positive", "Positive"), ("negative", "Negative")]


class QField(BaseModel):
    """One question of the form."""

    name: str = Field(description="form field name (HTML-safe)")
    fact: str = Field(description="the matcher's fact key it settles")
    kind: Kind
    label: str
    hint: str | None = None
    options: list[tuple[str, str]] = Field(default_factory=list)
    units: list[str] = Field(default_factory=list)
    uln: bool = Field(False, description="also ask the lab's upper limit of normal")
    min: float | None = None
    max: float | None = None
    step: float | None = None
    criteria: list[str] = Field(default_factory=list)


def _safe(fact: str) -> str:
    return "f_" + re.sub(r"[^A-Za-z0-9]+", "_", fact).strip("_")


def _label_from(question: str, pattern: str) -> str | None:
    m = re.match(pattern, question)
    return m.group(1) if m else None


@lru_cache(maxsize=1)
def _canonical_units() -> dict[str, str]:
    """analyte -> canonical unit (data/criteria/labs.csv)."""
    import csv
    from importlib import resources

    text = (resources.files("trialscout") / "data" / "criteria" / "labs.csv").read_text("utf-8")
    rows = csv.DictReader(ln for ln in text.splitlines() if ln and not ln.startswith("#"))
    return {r["analyte"]: r.get("unit") or "" for r in rows}


def unit_choices(analyte: str, criterion_unit: str | None = None) -> list[str]:
    """Units the matcher can convert to this analyte's unit, the criterion's unit first."""
    from trialscout.match.units import convert
    from trialscout.patient.vocab import known_units

    base = criterion_unit or _canonical_units().get(analyte) or ""
    if not base:
        return []
    out = [base]
    fam = _family(base)
    for u in known_units():
        if u == base or convert(1.0, u, base, analyte) is None:
            continue
        if _family(u) == fam or {fam, _family(u)} == {"mass", "molar"}:
            out.append(u)
    return list(dict.fromkeys(out))


def _family(unit: str) -> str:
    """A unit's kind of quantity, so a hemoglobin field never offers a cell-count unit."""
    if "mol" in unit or "Eq" in unit:
        return "molar"
    if re.search(r"g/", unit):
        return "mass"
    if "10^" in unit or unit.startswith("/"):
        return "count"
    if "U/" in unit:
        return "enzyme"
    return unit


def empty_match(trial: Any, parsed: ParsedCriteria, as_of: dt.date | None = None) -> TrialMatch:
    return match_trial(PatientProfile(as_of=as_of or dt.date.today()), trial, parsed)


def form_fields(trial: Any, parsed: ParsedCriteria) -> tuple[list[QField], list[str]]:
    """(fields, questions the form does not ask) for this trial, most decisive first."""
    labs: dict[str, LabAtom] = {}
    diag: list[DiagnosisAtom] = []
    for c in parsed.criteria:
        for a in iter_atoms(c.expr):
            if isinstance(a, LabAtom):
                labs.setdefault(a.analyte, a)
                if a.uln_multiple is not None:
                    labs[a.analyte] = a
            elif isinstance(a, DiagnosisAtom):
                diag.append(a)
    fields: list[QField] = []
    unasked: list[str] = []
    seen: set[str] = set()
    base = empty_match(trial, parsed)
    for m in base.missing:
        f = _field_for(m.fact, m.question, labs, diag)
        if not f:
            if m.question not in unasked:
                unasked.append(m.question)
            continue
        for q in f:
            if q.name in seen:
                continue
            seen.add(q.name)
            q.criteria = list(m.criteria)
            fields.append(q)
    return fields, unasked


def _field_for(
    fact: str, question: str, labs: dict[str, LabAtom], diag: list[DiagnosisAtom]
) -> list[QField]:
    head, _, rest = fact.partition(":")
    if fact == "age":
        return [
            QField(
                name="age",
                fact=fact,
                kind="number",
                label="Age",
                hint="in years",
                min=0,
                max=130,
                step=1,
            )
        ]
    if fact == "sex":
        opts = [("", "Don't know"), ("female", "Female"), ("male", "Male")]
        return [QField(name="sex", fact=fact, kind="select", label="Sex", options=opts)]
    if fact == "diagnosis":
        out = [
            QField(
                name="diagnosis",
                fact=fact,
                kind="text",
                label="Cancer diagnosis",
                hint="e.g. nasopharyngeal carcinoma",
            ),
            QField(
                name="confirmation",
                fact=fact,
                kind="select",
                label="How was it confirmed?",
                options=[
                    ("", "Don't know"),
                    ("histological", "Biopsy (histology)"),
                    ("cytological", "Cytology"),
                    ("clinical", "Clinically only"),
                ],
            ),
        ]
        if any(a.who_types for a in diag):
            out.append(
                QField(
                    name="who_type",
                    fact=fact,
                    kind="select",
                    label="WHO type (from the pathology report)",
                    options=[
                        ("", "Don't know"),
                        ("I", "Type I (keratinizing)"),
                        ("II", "Type II (non-keratinizing, differentiated)"),
                        ("III", "Type III (undifferentiated)"),
                    ],
                )
            )
        return out
    if fact == "histology":
        return [
            QField(
                name="histology",
                fact=fact,
                kind="text",
                label="Tumour histology",
                hint="as written in the pathology report",
            )
        ]
    if fact == "stage":
        ed = [
            ("", "Don't know"),
            ("AJCC7", "AJCC 7th"),
            ("AJCC8", "AJCC 8th"),
            ("AJCC9", "AJCC 9th"),
        ]
        return [
            QField(
                name="stage_group",
                fact=fact,
                kind="text",
                label="Stage group",
                hint="e.g. III, IVA",
            ),
            QField(name="stage_T", fact=fact, kind="text", label="T category", hint="e.g. T3"),
            QField(name="stage_N", fact=fact, kind="text", label="N category", hint="e.g. N1"),
            QField(name="stage_M", fact=fact, kind="text", label="M category", hint="M0 or M1"),
            QField(
                name="stage_edition", fact=fact, kind="select", label="AJCC edition", options=ed
            ),
        ]
    if head == "disease_status" and rest and ":" not in rest:
        label = rest.replace("_", " ")
        if rest == "recurrent":
            opts = [
                ("", "Don't know"),
                ("no", "No"),
                ("local", "Yes, local"),
                ("regional", "Yes, regional (neck nodes)"),
                ("locoregional", "Yes, local and regional"),
                ("distant", "Yes, distant"),
            ]
            return [
                QField(
                    name=_safe(fact),
                    fact=fact,
                    kind="select",
                    label="Has the cancer come back (recurred)?",
                    options=opts,
                )
            ]
        return [
            QField(
                name=_safe(fact),
                fact=fact,
                kind="select",
                label=f"Is the disease {label}?",
                options=YES_NO,
            )
        ]
    if head == "metastasis" and rest and ":" not in rest:
        return [QField(name=_safe(fact), fact=fact, kind="select", label=question, options=YES_NO)]
    if head == "performance" and rest:
        if rest in ("ECOG", "WHO"):
            opts = [("", "Don't know")] + [(str(i), str(i)) for i in range(6)]
            hint = "0 = fully active … 4 = confined to bed"
        else:
            opts = [("", "Don't know")] + [(str(i), str(i)) for i in range(100, -1, -10)]
            hint = "100 = normal … 10 = moribund"
        return [
            QField(
                name=_safe(fact),
                fact=fact,
                kind="select",
                label=f"{rest if rest != 'LANSKY' else 'Lansky'} performance status",
                hint=hint,
                options=opts,
            )
        ]
    if head == "therapy" and rest and ":" not in rest:
        what = _label_from(question, r"^Has the patient had (.+)\?$")
        if not what:
            return []
        return [
            QField(
                name=_safe(fact),
                fact=fact,
                kind="select",
                label=f"Have you had {what}?",
                options=YES_NO,
            ),
            QField(
                name=_safe(fact) + "_names",
                fact=fact,
                kind="text",
                label=f"If yes: which {_noun(what)}?",
                hint="drug or regimen names, comma-separated (e.g. cisplatin, gemcitabine)",
            ),
        ]
    if head == "lab" and rest:
        atom = labs.get(rest)
        crit_unit = atom.unit if atom and atom.value is not None else None
        units = unit_choices(rest, crit_unit)
        uln = bool(atom and (atom.uln_multiple is not None or atom.lln_multiple is not None))
        what = _label_from(question, r"^What is the (.+)\?$") or rest
        return [
            QField(
                name=_safe(fact),
                fact=fact,
                kind="lab",
                label=_cap(what),
                units=units,
                uln=uln,
                min=0,
                step=0.01,
                hint="the latest result"
                + (", with the lab's upper limit of normal" if uln else ""),
            )
        ]
    if head == "infection" and rest:
        what = _label_from(question, r"^What is the (.+) status\?$") or rest
        return [
            QField(
                name=_safe(fact),
                fact=fact,
                kind="select",
                label=f"{what} test result",
                options=POS_NEG,
            )
        ]
    if head == "condition" and rest and ":" not in rest:
        what = _label_from(question, r"^Does the patient have \(or have a history of\) (.+)\?$")
        if not what:
            return []
        return [
            QField(
                name=_safe(fact),
                fact=fact,
                kind="select",
                label=f"Do you have (or have you had) {what}?",
                options=YES_NO,
            )
        ]
    if fact in ("pregnant", "breastfeeding"):
        lab = "Are you pregnant?" if fact == "pregnant" else "Are you breastfeeding?"
        return [QField(name=fact, fact=fact, kind="select", label=lab, options=YES_NO)]
    if fact == "life_expectancy":
        return [
            QField(
                name="life_expectancy",
                fact=fact,
                kind="number",
                label="Expected survival, as estimated by your doctor",
                hint="in months",
                min=0,
                step=1,
            )
        ]
    if head == "biomarker" and rest:
        what = _label_from(question, r"^What is the (.+) result\?$") or rest
        _, _, score = fact_parts(fact)
        if score == "IHC":  # HER2 IHC is read as 0 / 1+ / 2+ / 3+
            opts = [("", "Don't know"), ("0", "0"), ("1+", "1+"), ("2+", "2+"), ("3+", "3+")]
            return [QField(name=_safe(fact), fact=fact, kind="select", label=what, options=opts)]
        if score:  # a threshold: ask the value in that score type (scores do not convert)
            return [QField(name=_safe(fact), fact=fact, kind="number", label=what, min=0)]
        return [
            QField(
                name=_safe(fact), fact=fact, kind="select", label=f"{what} result", options=POS_NEG
            )
        ]
    return []


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s[1:2].islower() else s


def _noun(what: str) -> str:
    return re.sub(r"^(a|an) ", "", what)


def _num(form: Mapping[str, str], key: str, label: str, problems: list[str]) -> float | None:
    raw = (form.get(key) or "").strip()
    if not raw:
        return None
    try:
        v = float(raw.replace(",", "."))
    except ValueError:
        problems.append(f"{label}: expected a number, found {raw!r}")
        return None
    if v < 0:
        problems.append(f"{label}: expected a number >= 0, found {raw!r}")
        return None
    return v


def profile_from_form(
    fields: list[QField], form: Mapping[str, str], as_of: dt.date | None = None
) -> PatientProfile:
    """Answers -> an in-memory profile; 'Don't know' leaves a fact out (unknown).

    Raises ProfileError naming the question when an answer cannot be read.
    """
    problems: list[str] = []
    data: dict[str, Any] = {"as_of": as_of or dt.date.today()}
    diagnosis: dict[str, Any] = {}
    stage: dict[str, Any] = {}
    negatives: list[str] = []
    treatments: list[dict[str, Any]] = []
    conditions: list[dict[str, Any]] = []
    metastases: list[dict[str, Any]] = []
    labs: list[dict[str, Any]] = []
    performance: list[dict[str, Any]] = []
    biomarkers: list[dict[str, Any]] = []
    had: list[str] = []

    def val(f: QField) -> str:
        return (form.get(f.name) or "").strip()

    for f in fields:
        v = val(f)
        head, _, rest = f.fact.partition(":")
        if f.kind == "lab":
            num = _num(form, f.name, f.label, problems)
            if num is None:
                continue
            unit = (form.get(f.name + "_unit") or "").strip() or None
            if unit and f.units and unit not in f.units:
                problems.append(f"{f.label}: unit {unit!r} is not one of {', '.join(f.units)}")
                continue
            lab: dict[str, Any] = {"test": rest, "value": num, "unit": unit}
            uln = _num(form, f.name + "_uln", f"{f.label} upper limit of normal", problems)
            if uln is not None:
                lab["uln"] = uln
            labs.append(lab)
            continue
        if not v:
            continue
        if f.name == "age":
            n = _num(form, "age", "Age", problems)
            if n is not None:
                data["age"] = int(n)
        elif f.name == "sex":
            data["sex"] = v
        elif f.name == "diagnosis":
            diagnosis["name"] = v
        elif f.name == "confirmation":
            diagnosis["confirmation"] = v
        elif f.name == "who_type":
            diagnosis["who_type"] = v
        elif f.name == "histology":
            diagnosis["histology"] = v
        elif f.name.startswith("stage_"):
            key = f.name.removeprefix("stage_")
            stage["edition" if key == "edition" else key] = v
        elif f.name == "life_expectancy":
            n = _num(form, f.name, f.label, problems)
            if n is not None:
                data["life_expectancy_months"] = n
        elif f.fact in ("pregnant", "breastfeeding"):
            data[f.fact] = v == "yes"
        elif head == "disease_status":
            if rest == "recurrent":
                if v == "no":
                    negatives.append("recurrence")
                else:
                    data["recurrence"] = {"extent": v}
                    diagnosis.setdefault("status", "recurrent")
            elif v == "yes":
                diagnosis["status"] = rest.replace("_", " ")
            else:
                negatives.append(rest.replace("_", " "))
        elif head == "metastasis":
            site = rest.replace("_", " ")
            if v == "yes":
                metastases.append({"site": site})
            else:
                negatives.append(f"{site} metastases")
        elif head == "performance":
            n = _num(form, f.name, f.label, problems)
            if n is not None:
                performance.append({"scale": "Lansky" if rest == "LANSKY" else rest, "value": n})
        elif head == "therapy":
            if f.name.endswith("_names"):
                continue
            what = f.label.removeprefix("Have you had ").removesuffix("?")
            if v == "no":
                negatives.append(what)
            else:
                names = [n.strip() for n in (form.get(f.name + "_names") or "").split(",")]
                treatments.append(_treatment(what, [n for n in names if n]))
                had.append(_noun(what).split(" for ")[0].lower())
        elif head == "infection":
            parts = rest.split(":")
            marker = parts[1] if len(parts) > 1 else None
            if marker:
                labs.append({"test": marker, "result": v})
            elif v == "positive":
                conditions.append(
                    {"name": f.label.removesuffix(" test result"), "status": "active"}
                )
            else:
                negatives.append(f.label.removesuffix(" test result"))
        elif head == "condition":
            what = rest.replace("_", " ")
            if v == "yes":
                conditions.append({"name": what, "status": "active"})
            else:
                negatives.append(what)
        elif head == "biomarker":
            answer: str | float = v
            if f.kind == "number":
                n = _num(form, f.name, f.label, problems)
                if n is None:
                    continue
                answer = n
            biomarkers.append(profile_entry(f.fact, answer))
    # "No chemotherapy for recurrent disease" must not read as "no chemotherapy" when the
    # same form says chemotherapy was given.
    negatives = [
        n for n in negatives if not any(re.search(rf"\b{re.escape(h)}\b", n.lower()) for h in had)
    ]
    if problems:
        raise ProfileError("form", problems[0], problems=[("form", p) for p in problems])
    if diagnosis:
        diagnosis.setdefault("name", "cancer (type not given)")
        diagnosis["primary"] = True
        data["diagnoses"] = [diagnosis]
    if stage:
        data["stage"] = stage
    for key, items in (
        ("negatives", negatives),
        ("treatments", treatments),
        ("conditions", conditions),
        ("metastases", metastases),
        ("labs", labs),
        ("performance", performance),
        ("biomarkers", biomarkers),
    ):
        if items:
            data[key] = items
    try:
        return PatientProfile.model_validate(data)
    except ValidationError as exc:
        raise from_validation("form", exc) from exc


def _treatment(what: str, drugs: list[str]) -> dict[str, Any]:
    """A 'yes' to 'Have you had X?' as a treatment; named drugs let the matcher recognise
    a drug class ('a PD-1 inhibitor' + 'toripalimab')."""
    name = _noun(what)
    setting = None
    for s in ("recurrent", "metastatic"):
        if f"for {s} disease" in name:
            setting = s
            name = name.replace(f" for {s} disease", "")
    low = name.lower()
    kind = "drug"
    if any(w in low for w in ("radiotherapy", "radiation", "irradiation")):
        kind = "radiotherapy"
    elif "surgery" in low or "resection" in low:
        kind = "surgery"
    out: dict[str, Any] = {"kind": kind, "name": name}
    if drugs and kind == "drug":
        out["name"] = drugs[0] if len(drugs) == 1 else " + ".join(drugs)
        out["drugs"] = drugs if len(drugs) > 1 else []
        if len(drugs) > 1:
            out["kind"] = "regimen"
    if setting:
        out["setting"] = setting
    return out
