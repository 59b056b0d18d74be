"""Lab names, LOINC codes and unit spellings, read from `trialscout/data/patient/`.

The knowledge lives in data files so a curator can extend it without touching code.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "patient"


def load_data(name: str) -> Any:
    """A JSON file under `trialscout/data/patient/`."""
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _unit_key(unit: str) -> str:
    return re.sub(r"\s+", "", unit).replace("μ", "µ").lower()


@lru_cache(maxsize=1)
def _unit_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, spellings in load_data("units.json")["units"].items():
        table[_unit_key(canonical)] = canonical
        for s in spellings:
            table[_unit_key(s)] = canonical
    return table


def canonical_unit(unit: str) -> str | None:
    """The canonical spelling of a lab unit (`x10^9/L` -> `10^9/L`), or None when unknown."""
    return _unit_table().get(_unit_key(unit))


def known_units() -> list[str]:
    return sorted(set(_unit_table().values()))


@lru_cache(maxsize=1)
def _lab_tables() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    by_alias: dict[str, str] = {}
    by_loinc: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for entry in load_data("labs.json")["labs"]:
        name = entry["name"]
        kinds[name] = entry["kind"]
        by_alias[name.lower()] = name
        for a in entry["aliases"]:
            by_alias[a.lower()] = name
        for code in entry["loinc"]:
            by_loinc[code] = name
    return by_alias, by_loinc, kinds


def canonical_lab(test: str) -> str | None:
    """The canonical analyte name for a lab name, abbreviation or `LOINC:718-7` code."""
    by_alias, by_loinc, _ = _lab_tables()
    t = test.strip()
    m = re.fullmatch(r"(?i)loinc[:\s]*([0-9]+-[0-9])", t)
    if m:
        return by_loinc.get(m.group(1))
    if re.fullmatch(r"[0-9]+-[0-9]", t):
        return by_loinc.get(t)
    return by_alias.get(re.sub(r"\s+", " ", t.lower()))


def lab_for_loinc(code: str) -> str | None:
    return _lab_tables()[1].get(code)


def lab_kind(name: str) -> str | None:
    """`quantity` or `qualitative` for a canonical analyte name."""
    return _lab_tables()[2].get(name)


@lru_cache(maxsize=1)
def tumor_markers() -> frozenset[str]:
    return frozenset(load_data("labs.json")["tumor_markers"])


@lru_cache(maxsize=1)
def cancers() -> list[dict[str, Any]]:
    return list(load_data("cancers.json")["cancers"])


@lru_cache(maxsize=1)
def histologies() -> list[dict[str, Any]]:
    return list(load_data("cancers.json")["histologies"])


def cancer_for_code(system: str, code: str) -> str | None:
    """Canonical cancer name for an ICD-10 code (prefix match) or SNOMED CT code."""
    code = code.strip().upper()
    for entry in cancers():
        if system == "snomed" and code in entry["snomed"]:
            return str(entry["name"])
        if system == "icd10" and any(code.startswith(p) for p in entry["icd10"]):
            return str(entry["name"])
    return None


def cancer_for_text(text: str) -> str | None:
    """Canonical cancer name whose alias occurs in `text` (longest alias wins)."""
    low = f" {re.sub(r'[^a-z0-9]+', ' ', text.lower())} "
    best: tuple[int, str] | None = None
    for entry in cancers():
        for alias in entry["aliases"]:
            a = f" {re.sub(r'[^a-z0-9]+', ' ', alias.lower()).strip()} "
            if a in low and (best is None or len(a) > best[0]):
                best = (len(a), str(entry["name"]))
    return best[1] if best else None


@lru_cache(maxsize=1)
def drug_synonyms() -> dict[str, str]:
    """Every drug name and synonym (lowercase) -> canonical INN."""
    out: dict[str, str] = {}
    for name, syns in load_data("drugs.json")["drugs"].items():
        out[name] = name
        for s in syns:
            out[s.lower()] = name
    return out


def drug_for_text(text: str) -> str | None:
    """The canonical drug named in a medication display ('Paclitaxel 100 MG Injection')."""
    low = text.lower()
    table = drug_synonyms()
    for token in re.findall(r"[a-z0-9][a-z0-9/\-]*", low):
        if token in table:
            return table[token]
    for syn, name in table.items():
        if len(syn) > 4 and syn in low:
            return name
    return None
