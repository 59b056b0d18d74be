"""FHIR R4 (mCODE) bundle -> PatientProfile.

Each resource is checked with `fhir.resources.R4B`. Real bundles often break the
spec in small ways (two value[x], an `interpretation` object instead of a list);
such a resource is still read, with a warning that names its id and the problem,
unless `strict=True`. A fact that fails our own checks (ECOG -1, an unknown unit)
is left unknown with a warning naming the resource and field. Every fact that
lands in the profile records its resource in `profile.sources`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from trialscout.patient import vocab
from trialscout.patient.errors import ProfileError, field_path, from_validation
from trialscout.patient.profile import (
    Biomarker,
    Condition,
    Diagnosis,
    FactSource,
    Lab,
    Location,
    Metastasis,
    PatientProfile,
    Performance,
    Stage,
    Treatment,
)

_MED_TYPES = ("MedicationStatement", "MedicationRequest", "MedicationAdministration")
_CURRENT_MED_STATUS = {"active", "intended", "on-hold", "in-progress", "draft"}


@lru_cache(maxsize=1)
def _codes() -> dict[str, Any]:
    data: dict[str, Any] = vocab.load_data("fhir_codes.json")
    return data


def _fhir_problem(resource: dict[str, Any]) -> str | None:
    """The first fhir.resources validation error of a resource, or None when valid."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        cls = get_fhir_model_class(str(resource.get("resourceType")))
    except KeyError:
        return f"unknown resourceType {resource.get('resourceType')!r}"
    try:
        cls.model_validate(resource)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "(resource)"
        return f"{loc}: {err['msg']}"
    return None


def _date(value: Any) -> dt.date | None:
    """A FHIR date/dateTime string -> date; partial dates take the first day."""
    if not isinstance(value, str):
        return None
    m = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def _codings(concept: Any) -> list[dict[str, Any]]:
    if isinstance(concept, dict):
        return [c for c in concept.get("coding", []) if isinstance(c, dict)]
    if isinstance(concept, list):
        out: list[dict[str, Any]] = []
        for c in concept:
            out.extend(_codings(c))
        return out
    return []


def _display(concept: Any) -> str | None:
    if isinstance(concept, dict):
        for c in _codings(concept):
            if c.get("display"):
                return str(c["display"])
        if concept.get("text"):
            return str(concept["text"])
    return None


def _clean(text: str) -> str:
    """'Lumpectomy of breast (procedure)' -> 'Lumpectomy of breast'."""
    return re.sub(
        r"(?i)\s*\((disorder|procedure|qualifier value|morphologic abnormality|morphology|"
        r"finding|body structure|product|substance|regime/therapy)\)\s*",
        " ",
        text,
    ).strip()


def _system(url: str | None) -> str:
    u = (url or "").lower()
    if "snomed" in u:
        return "snomed"
    if "loinc" in u:
        return "loinc"
    if "icd-10" in u or "icd10" in u:
        return "icd10"
    if "rxnorm" in u:
        return "rxnorm"
    if "cancerstaging" in u:
        return "ajcc"
    if "nci" in u:
        return "nci"
    return u.rsplit("/", 1)[-1] or "code"


_PREFIX = {"snomed": "SNOMED", "loinc": "LOINC", "icd10": "ICD-10", "rxnorm": "RxNorm"}


def _code_strings(concept: Any) -> list[str]:
    out = []
    for c in _codings(concept):
        if c.get("code"):
            sys = _system(c.get("system"))
            out.append(f"{_PREFIX.get(sys, sys)}:{c['code']}")
    return out


def _profiles(resource: dict[str, Any]) -> list[str]:
    meta = resource.get("meta") or {}
    return [str(p).rsplit("/", 1)[-1] for p in meta.get("profile", []) or []]


def _effective(resource: dict[str, Any]) -> dt.date | None:
    for key in (
        "effectiveDateTime",
        "issued",
        "onsetDateTime",
        "recordedDate",
        "performedDateTime",
        "authoredOn",
        "dateAsserted",
        "occurrenceDateTime",
    ):
        d = _date(resource.get(key))
        if d:
            return d
    for key in ("effectivePeriod", "performedPeriod", "onsetPeriod"):
        p = resource.get(key)
        if isinstance(p, dict):
            d = _date(p.get("start")) or _date(p.get("end"))
            if d:
                return d
    return None


def _period(resource: dict[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    for key in ("effectivePeriod", "performedPeriod"):
        p = resource.get(key)
        if isinstance(p, dict):
            return _date(p.get("start")), _date(p.get("end"))
    d = _effective(resource)
    return d, None


_ROMAN = {"0": "0", "1": "I", "2": "II", "3": "III", "4": "IV"}


def _stage_group(concept: Any) -> str | None:
    """'Stage 3A (qualifier value)', 'c3A', 'IV' -> 'IIIA' / 'IV'."""
    texts = [c.get("code") for c in _codings(concept) if _system(c.get("system")) == "ajcc"]
    texts += [c.get("display") for c in _codings(concept)]
    if isinstance(concept, dict):
        texts.append(concept.get("text"))
    for t in texts:
        if not t:
            continue
        s = _clean(str(t))
        s = re.sub(r"(?i)^stage\s*", "", s).strip()
        s = re.sub(r"^[cpy]+(?=[0-4IV])", "", s)
        m = re.fullmatch(r"(?i)(IV|I{1,3}|[0-4])\s*([A-C]\d?)?", s)
        if m:
            base = m.group(1).upper()
            return _ROMAN.get(base, base) + (m.group(2) or "").upper()
    return None


def _tnm(concept: Any, axis: str) -> str | None:
    for c in _codings(concept):
        for t in (c.get("code"), c.get("display")):
            if not t:
                continue
            m = re.search(rf"(?i)\b[cpyr]*({axis}(?:is|[0-4X])[a-d]?\d?)\b", str(t))
            if m:
                return m.group(1)[0].upper() + m.group(1)[1:]
    return None


def _edition(resource: dict[str, Any]) -> str | None:
    table = _codes()["stage_edition"]
    for c in _codings(resource.get("method")):
        if c.get("code") in table:
            return str(table[c["code"]])
        m = re.search(r"(\d)(?:th|rd)\s+edition", str(c.get("display") or ""), re.I)
        if m and m.group(1) in "789":
            return f"AJCC{m.group(1)}"
    return None


def _result(concept: Any) -> str | None:
    table = _codes()["result_codes"]
    for c in _codings(concept):
        if c.get("code") in table:
            return str(table[c["code"]])
    disp = (_display(concept) or "").lower()
    for word in ("not detected", "negative", "positive", "detected", "equivocal"):
        if word in disp:
            return word
    if disp.startswith("present"):
        return "detected"
    if disp.startswith("absent"):
        return "not detected"
    return None


class _Builder:
    """Collects facts from resources, validating each item on its own."""

    def __init__(self, source: str, strict: bool) -> None:
        self.source = source
        self.strict = strict
        self.warnings: list[str] = []
        self.data: dict[str, Any] = {}
        self.sources: dict[str, FactSource] = {}
        self.dates: list[dt.date] = []

    def warn(self, ref: str, message: str, field: str | None = None) -> None:
        where = f"{ref} field '{field}'" if field else ref
        if self.strict:
            raise ProfileError(self.source, f"{where}: {message}", field=field)
        self.warnings.append(f"{where}: {message}")

    def add(self, key: str, model: type[BaseModel], item: dict[str, Any], ref: str) -> bool:
        try:
            obj = model.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = field_path(tuple(err["loc"]))
            msg = str(err["msg"]).removeprefix("Value error, ")
            self.warn(ref, f"{msg} (left unknown)", field=f"{key}.{loc}" if err["loc"] else key)
            return False
        items = self.data.setdefault(key, [])
        self.sources[f"{key}[{len(items)}]"] = FactSource(origin="fhir", resource=ref)
        items.append(obj.model_dump(exclude_none=True))
        return True


def profile_from_bundle(
    bundle: dict[str, Any],
    *,
    source: str = "<bundle>",
    as_of: dt.date | None = None,
    strict: bool = False,
) -> tuple[PatientProfile, list[str]]:
    """Convert an mCODE-style FHIR R4 Bundle; returns the profile and the warnings."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise ProfileError(
            source, "expected a FHIR Bundle (resourceType 'Bundle')", field="resourceType"
        )
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise ProfileError(source, "the Bundle has no entries", field="entry")
    b = _Builder(source, strict)
    seen: set[tuple[str, str]] = set()
    resources: list[tuple[str, dict[str, Any]]] = []
    for i, entry in enumerate(entries):
        res = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(res, dict):
            b.warn(f"entry[{i}]", "has no resource (skipped)", field=f"entry[{i}].resource")
            continue
        rtype = str(res.get("resourceType"))
        rid = str(res.get("id") or f"entry{i}")
        ref = f"{rtype}/{rid}"
        if (rtype, rid) in seen:
            b.warn(ref, "appears twice in the bundle (duplicate skipped)")
            continue
        seen.add((rtype, rid))
        problem = _fhir_problem(res)
        if problem:
            b.warn(ref, f"not valid FHIR R4 ({problem}); read leniently")
        resources.append((ref, res))

    patients = [r for r in resources if r[1].get("resourceType") == "Patient"]
    if not patients:
        b.warn(source, "no Patient resource: birth date and sex unknown")
    elif len(patients) > 1:
        raise ProfileError(
            source, f"{len(patients)} Patient resources; one patient per bundle", field="entry"
        )
    for ref, res in patients:
        _patient(b, ref, res)

    stages: list[tuple[dt.date, int, dict[str, Any], str]] = []
    tnm: dict[str, dict[str, str]] = {"clinical": {}, "pathological": {}}
    for ref, res in resources:
        kind = res.get("resourceType")
        d = _effective(res)
        if d:
            b.dates.append(d)
        if kind == "Condition":
            _condition(b, ref, res)
        elif kind == "Observation":
            _observation(b, ref, res, stages, tnm)
        elif kind in _MED_TYPES:
            _medication(b, ref, res)
        elif kind == "Procedure":
            _procedure(b, ref, res)

    if stages:
        stages.sort(key=lambda s: (s[0], s[1]))
        _, _, stage, ref = stages[-1]
        stage.update(
            {k: v for k, v in tnm[stage.get("basis", "clinical")].items() if k not in stage}
        )
        try:
            b.data["stage"] = Stage.model_validate(stage).model_dump(exclude_none=True)
            b.sources["stage"] = FactSource(origin="fhir", resource=ref)
        except ValidationError as exc:
            b.warn(ref, str(exc.errors()[0]["msg"]), field="stage")

    if as_of is None:
        as_of = _date(bundle.get("timestamp")) or (max(b.dates) if b.dates else None)
        if as_of is None:
            raise ProfileError(
                source,
                "cannot tell the profile date: the bundle has no "
                "timestamp and no dated resource; pass --as-of",
                field="as_of",
            )
    b.data["as_of"] = as_of
    b.data["sources"] = b.sources
    try:
        profile = PatientProfile.model_validate(b.data)
    except ValidationError as exc:
        raise from_validation(source, exc) from exc
    return profile, b.warnings


def _patient(b: _Builder, ref: str, res: dict[str, Any]) -> None:
    born = res.get("birthDate")
    if not born:
        b.warn(ref, "no birthDate: age unknown", field="birthDate")
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(born)):
        b.data["birth_date"] = _date(born)
        b.sources["birth_date"] = FactSource(origin="fhir", resource=ref)
    else:
        b.warn(ref, f"partial birthDate {born!r}: age left unknown", field="birthDate")
    gender = res.get("gender")
    if gender in ("male", "female", "other", "unknown"):
        b.data["sex"] = gender
        b.sources["sex"] = FactSource(origin="fhir", resource=ref)
    addresses = res.get("address") or []
    if addresses and isinstance(addresses[0], dict):
        a = addresses[0]
        b.data["location"] = Location(
            city=a.get("city"),
            state=a.get("state"),
            country=a.get("country"),
            postal_code=a.get("postalCode"),
        ).model_dump(exclude_none=True)


def _cancer_name(concept: Any) -> str | None:
    for c in _codings(concept):
        sys = _system(c.get("system"))
        if sys in ("snomed", "icd10") and c.get("code"):
            name = vocab.cancer_for_code(sys, str(c["code"]))
            if name:
                return name
    disp = _display(concept)
    return vocab.cancer_for_text(disp) if disp else None


def _condition(b: _Builder, ref: str, res: dict[str, Any]) -> None:
    codes = _codes()
    profiles = _profiles(res)
    code = res.get("code")
    disp = _display(code)
    if codes["profiles"]["secondary"] in profiles:
        site = None
        for c in _codings(code):
            site = codes["secondary_site_snomed"].get(str(c.get("code")))
            if site:
                break
        body = _display(res.get("bodySite", [None])[0]) if res.get("bodySite") else None
        if body:
            site = _clean(body).lower()
        if not site:
            b.warn(
                ref, "secondary cancer with no site: recorded as 'unspecified'", field="bodySite"
            )
            site = "unspecified"
        b.add("metastases", Metastasis, {"site": site, "date": _effective(res)}, ref)
        return
    cancer = _cancer_name(code)
    if codes["profiles"]["primary"] in profiles or cancer:
        hist = None
        ext_url = codes["profiles"]["histology_extension"]
        for ext in res.get("extension", []) or []:
            if str(ext.get("url", "")).endswith(ext_url):
                hist = _display(ext.get("valueCodeableConcept"))
        if hist is None:
            b.warn(
                ref,
                "no histology-morphology-behavior extension: histology unknown",
                field="extension",
            )
        body = _display(res["bodySite"][0]) if res.get("bodySite") else None
        # 'Malignant Neoplasm (Morphology)' says nothing more than the diagnosis
        item = {
            "name": cancer or _clean(disp or "cancer"),
            "codes": _code_strings(code),
            "primary": codes["profiles"]["primary"] in profiles or None,
            "date": _effective(res),
            "histology": None
            if hist is None or _clean(hist).lower() == "malignant neoplasm"
            else _clean(hist),
            "body_site": _clean(body) if body else None,
        }
        b.add("diagnoses", Diagnosis, item, ref)
        return
    status = None
    for c in _codings(res.get("clinicalStatus")):
        status = codes["condition_status"].get(str(c.get("code")))
    b.add(
        "conditions",
        Condition,
        {
            "name": _clean(disp or "condition"),
            "codes": _code_strings(code),
            "status": status,
            "date": _effective(res),
        },
        ref,
    )


def _loinc(res: dict[str, Any]) -> list[str]:
    return [
        str(c["code"])
        for c in _codings(res.get("code"))
        if _system(c.get("system")) in ("loinc", "snomed") and c.get("code")
    ]


def _observation(
    b: _Builder,
    ref: str,
    res: dict[str, Any],
    stages: list[tuple[dt.date, int, dict[str, Any], str]],
    tnm: dict[str, dict[str, str]],
) -> None:
    codes = _codes()
    loincs = _loinc(res)
    profiles = _profiles(res)
    when = _effective(res)
    value = res.get("valueCodeableConcept")
    # performance status
    for lc in loincs:
        if lc in codes["performance_loinc"]:
            scale = codes["performance_loinc"][lc]
            v = res.get("valueInteger")
            if v is None and isinstance(res.get("valueQuantity"), dict):
                v = res["valueQuantity"].get("value")
            if v is None:
                b.warn(
                    ref, f"{scale} observation without a value (left unknown)", field="valueInteger"
                )
                return
            b.add("performance", Performance, {"scale": scale, "value": v, "date": when}, ref)
            return
    # stage group and TNM categories
    basis = None
    for lc in loincs:
        basis = basis or codes["stage_group_loinc"].get(lc)
    for p in profiles:
        basis = basis or codes["stage_group_profiles"].get(p)
    if basis:
        group = _stage_group(value)
        if group is None:
            b.warn(ref, "stage group not readable (left unknown)", field="valueCodeableConcept")
            return
        stage = {"group": group, "basis": basis, "edition": _edition(res), "date": when}
        stages.append((when or dt.date.min, 1 if basis == "pathological" else 0, stage, ref))
        return
    for lc in loincs:
        if lc in codes["tnm_category"]:
            axis, tbasis = codes["tnm_category"][lc]
            v = _tnm(value, axis)
            if v:
                tnm[tbasis][axis] = v
            return
    # tumour markers and genomic variants
    is_variant = any(p in codes["profiles"]["genetic_variant"] for p in profiles) or any(
        lc in codes["genetic_variant_loinc"] for lc in loincs
    )
    if is_variant:
        _variant(b, ref, res, when)
        return
    marker = next(
        (codes["tumor_marker_loinc"][lc] for lc in loincs if lc in codes["tumor_marker_loinc"]),
        None,
    )
    is_marker = any(p in codes["profiles"]["tumor_marker"] for p in profiles)
    lab_name = next((n for n in (vocab.lab_for_loinc(lc) for lc in loincs) if n), None)
    if marker or (is_marker and not lab_name):
        item: dict[str, Any] = {
            "name": marker or _display(res.get("code")) or "tumor marker",
            "result": _result(value),
            "date": when,
        }
        q = res.get("valueQuantity")
        if isinstance(q, dict) and q.get("value") is not None:
            item["value"] = q["value"]
            item["unit"] = q.get("unit") or q.get("code")
        item.update(_marker_details(res, item["name"]))
        b.add("biomarkers", Biomarker, item, ref)
        if not (lab_name and marker in vocab.tumor_markers()):
            return
    if lab_name:
        _lab(b, ref, res, lab_name, when)


def _variant(b: _Builder, ref: str, res: dict[str, Any], when: dt.date | None) -> None:
    comp_codes = _codes()["variant_component_loinc"]
    item: dict[str, Any] = {
        "kind": "mutation",
        "date": when,
        "result": _result(res.get("valueCodeableConcept")),
    }
    for comp in res.get("component", []) or []:
        role = next(
            (
                comp_codes.get(str(c.get("code")))
                for c in _codings(comp.get("code"))
                if comp_codes.get(str(c.get("code")))
            ),
            None,
        )
        cv = comp.get("valueCodeableConcept")
        if role == "gene":
            cc = _codings(cv)
            disp = cc[0].get("display") if cc else None
            # HGNC displays are often full names; keep a symbol-looking display, else the code
            if disp and re.fullmatch(r"[A-Z0-9-]{2,10}", str(disp)):
                item["gene"] = disp
            elif cc and cc[0].get("code"):
                item["gene"] = str(cc[0]["code"])
        elif role == "alteration":
            item["alteration"] = _display(cv) or comp.get("valueString")
    if "gene" not in item:
        b.warn(ref, "genetic variant without a gene component (left unknown)", field="component")
        return
    kind = _variant_kind(res, str(item["gene"]))
    if kind:
        item["kind"] = kind
    b.add("biomarkers", Biomarker, item, ref)


@lru_cache(maxsize=1)
def _bio_codes() -> dict[str, Any]:
    path = Path(__file__).resolve().parent.parent / "data" / "biomarkers" / "fhir.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _words_in(text: str, table: dict[str, str]) -> str | None:
    low = text.lower()
    for w in sorted(table, key=len, reverse=True):
        if re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", low):
            return table[w]
    return None


def _variant_kind(res: dict[str, Any], gene: str) -> str | None:
    """Variant kind from a DNA-change-type / structural-variant component, or a fusion
    gene pair ("EML4-ALK"); a plain variant stays a mutation (mCODE's default)."""
    codes = _bio_codes()
    for comp in res.get("component", []) or []:
        if any(str(c.get("code")) in codes["kind_components"] for c in _codings(comp.get("code"))):
            cv = comp.get("valueCodeableConcept")
            text = " ".join(filter(None, [_display(cv), comp.get("valueString")]))
            k = _words_in(text, codes["kind_words"])
            if k:
                return k
    if re.fullmatch(r"[A-Z0-9]+-[A-Z0-9]+", gene) or "fusion" in str(_display(res.get("code"))):
        return "fusion"
    return "mutation"


def _marker_details(res: dict[str, Any], name: str) -> dict[str, Any]:
    """PD-L1 score type (TPS / CPS / IC) and assay clone from the code text and method."""
    codes = _bio_codes()
    out: dict[str, Any] = {}
    text = " ".join(filter(None, [_display(res.get("code")), (res.get("code") or {}).get("text")]))
    score = _words_in(text, codes["score_words"])
    unit = ""
    q = res.get("valueQuantity")
    if isinstance(q, dict):
        unit = str(q.get("unit") or q.get("code") or "")
    if score and name == "PD-L1" and score in ("CPS", "TPS", "IC"):
        out["score"] = score
    elif score in ("IHC",) and name == "HER2":
        out["score"] = "IHC"
    elif score == "ISH":
        out["assay"] = "ISH"
    method = " ".join(filter(None, [_display(res.get("method")), text, unit]))
    clone = next((a for a in codes["assays"] if a.lower() in method.lower()), None)
    if clone:
        out["assay"] = clone
    return out


def _lab(b: _Builder, ref: str, res: dict[str, Any], name: str, when: dt.date | None) -> None:
    item: dict[str, Any] = {"test": name, "date": when}
    q = res.get("valueQuantity")
    if isinstance(q, dict) and q.get("value") is not None:
        item["value"] = q["value"]
        unit = q.get("unit") or q.get("code")
        if unit:
            item["unit"] = unit
        for rr in res.get("referenceRange", []) or []:
            hi, lo = rr.get("high") or {}, rr.get("low") or {}
            for key, qq in (("uln", hi), ("lln", lo)):
                if qq.get("value") is None:
                    continue
                rr_unit = qq.get("unit") or qq.get("code")
                if rr_unit and unit and vocab.canonical_unit(rr_unit) != vocab.canonical_unit(unit):
                    b.warn(
                        ref,
                        f"reference range unit {rr_unit!r} differs from {unit!r} ({key} ignored)",
                        field="referenceRange",
                    )
                    continue
                item[key] = qq["value"]
    else:
        result = _result(res.get("valueCodeableConcept")) or _result(
            {"coding": _codings(res.get("interpretation"))}
        )
        if result is None:
            b.warn(ref, "lab observation without a readable value (left unknown)", field="value[x]")
            return
        item["result"] = result
    b.add("labs", Lab, item, ref)


def _medication(b: _Builder, ref: str, res: dict[str, Any]) -> None:
    concept = res.get("medicationCodeableConcept")
    disp = _display(concept)
    if disp is None and isinstance(res.get("medicationReference"), dict):
        disp = res["medicationReference"].get("display")
    if not disp:
        b.warn(ref, "medication with no name (left unknown)", field="medication[x]")
        return
    name = vocab.drug_for_text(disp) or _drug_fallback(disp)
    start, end = _period(res)
    status = str(res.get("status") or "")
    item = {
        "kind": "drug",
        "name": name,
        "codes": _code_strings(concept),
        "start": start,
        "end": end,
        "ongoing": True if status in _CURRENT_MED_STATUS else None,
    }
    b.add("treatments", Treatment, item, ref)
    if status in _CURRENT_MED_STATUS:
        meds = b.data.setdefault("medications", [])
        if name not in meds:
            meds.append(name)


def _drug_fallback(display: str) -> str:
    """'Alpelisib Oral Product' / 'Foo 100 MG Injection' -> 'alpelisib' / 'foo'."""
    text = re.split(r"\s\d", _clean(display), maxsplit=1)[0]
    text = re.sub(
        r"(?i)\b(oral|injectable|injetable|injection|product|tablet|capsule)s?\b", "", text
    )
    return re.sub(r"\s+", " ", text).strip().lower() or display.lower()


def _procedure(b: _Builder, ref: str, res: dict[str, Any]) -> None:
    codes = _codes()
    profiles = _profiles(res)
    code = res.get("code")
    snomed = {str(c.get("code")) for c in _codings(code)}
    if any(p in codes["profiles"]["radiation"] for p in profiles) or snomed & set(
        codes["radiotherapy_snomed"]
    ):
        kind = "radiotherapy"
    elif any(p in codes["profiles"]["surgery"] for p in profiles):
        kind = "surgery"
    else:
        kind = "procedure"
    start, end = _period(res)
    sites = [_clean(s) for s in (_display(x) for x in res.get("bodySite", []) or []) if s]
    item: dict[str, Any] = {
        "kind": kind,
        "name": _clean(_display(code) or kind),
        "codes": _code_strings(code),
        "sites": sites,
    }
    if kind == "radiotherapy":
        item.update(start=start, end=end)
    else:
        item["date"] = start
    b.add("treatments", Treatment, item, ref)
