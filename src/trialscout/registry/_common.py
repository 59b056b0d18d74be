"""Pieces both readers share: the vocabulary file, dates, ages, NCT ID checks, model building."""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from pydantic import ValidationError

from trialscout.registry.errors import RecordError
from trialscout.registry.model import NCT_ID_RE, Trial

_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_MONTHS.update({name[:3]: num for name, num in list(_MONTHS.items())})
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_ISO = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$")
_FILE_NCT = re.compile(r"^(NCT\d{8})", re.IGNORECASE)
_NOT_SET = {"", "N/A", "NA", "None"}


@cache
def vocab() -> dict[str, Any]:
    """The registry vocabulary (data/ctgov_vocab.json), loaded once."""
    text = resources.files("trialscout").joinpath("data", "ctgov_vocab.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def api_v2_enum(field: str) -> frozenset[str]:
    values: list[str] = vocab()["api_v2"][field]
    return frozenset(values)


def xml_map(field: str, value: str, source: str, nct_id: str | None, *, vocab_key: str = "") -> Any:
    """Map one classic-XML enum wording onto the API v2 word, or fail naming field and value."""
    table: dict[str, Any] = vocab()["xml"][vocab_key or field]
    try:
        return table[value]
    except KeyError:
        raise RecordError(source, f"unknown value {value!r}", field=field, nct_id=nct_id) from None


def check_api_v2(
    field: str, value: Any, source: str, nct_id: str | None, *, vocab_key: str = ""
) -> str | None:
    """Accept an API v2 enum value only if the registry documents it."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in api_v2_enum(vocab_key or field):
        raise RecordError(source, f"unknown value {value!r}", field=field, nct_id=nct_id)
    return value


def parse_xml_date(text: str | None, field: str, source: str, nct_id: str | None) -> str | None:
    """'August 2015' -> '2015-08', 'August 3, 2015' -> '2015-08-03'; precision is kept."""
    if text is None:
        return None
    iso = _xml_date(text.strip())
    if iso is None:
        raise RecordError(source, f"unreadable date {text.strip()!r}", field=field, nct_id=nct_id)
    return iso or None


@lru_cache(maxsize=8192)
def _xml_date(text: str) -> str | None:
    """Dates repeat across records, so the parse is cached; '' means empty, None unreadable."""
    if not text:
        return ""
    m = _MONTH_DAY_YEAR.match(text)
    if m:
        month = _MONTHS.get(m.group(1).lower())
        day = int(m.group(2))
        if month is not None and 1 <= day <= 31:
            return f"{m.group(3)}-{month:02d}-{day:02d}"
    else:
        m = _MONTH_YEAR.match(text)
        if m:
            month = _MONTHS.get(m.group(1).lower())
            if month is not None:
                return f"{m.group(2)}-{month:02d}"
        elif _ISO.match(text):
            return text
    return None


def parse_age(
    text: str | None, field: str, source: str, nct_id: str | None
) -> tuple[str | None, float | None]:
    """'18 Years' -> ('18 Years', 18.0); '6 Months' -> 0.5 years; 'N/A', absent -> (None, None)."""
    if text is None:
        return None, None
    text = " ".join(text.split())
    if text in _NOT_SET:
        return None, None
    m = _AGE.match(text)
    if m:
        unit = m.group(2).lower().rstrip("s")
        factor = vocab()["xml"]["age_unit_years"].get(unit)
        if isinstance(factor, float | int):
            return text, float(m.group(1)) * factor
    raise RecordError(source, f"unreadable age {text!r}", field=field, nct_id=nct_id)


def std_ages(min_years: float | None, max_years: float | None) -> list[str]:
    """The registry's age groups for an age range (Child <18, Adult 18-64, Older Adult 65+)."""
    bounds = vocab()["std_age_years"]
    adult_from = float(bounds["adult_from"])
    older_from = float(bounds["older_adult_from"])
    lo = 0.0 if min_years is None else min_years
    hi = float("inf") if max_years is None else max_years
    if lo > hi:
        return []
    groups: list[str] = []
    if lo < adult_from:
        groups.append("CHILD")
    if lo < older_from and hi >= adult_from:
        groups.append("ADULT")
    if hi >= older_from:
        groups.append("OLDER_ADULT")
    return groups


def file_name(source: str) -> str | None:
    """The file name a record came from, or None for records split out of a page."""
    if "#" in source:
        return None
    return re.split(r"[/\\:]", source)[-1]


def check_nct_id(nct_id: str | None, source: str) -> str:
    """The record's NCT ID must be well formed and agree with an NCT-named file."""
    if nct_id is None or not nct_id.strip():
        raise RecordError(source, "missing NCT ID", field="nct_id")
    nct_id = nct_id.strip()
    if not NCT_ID_RE.match(nct_id):
        raise RecordError(source, f"invalid NCT ID {nct_id!r}", field="nct_id")
    name = file_name(source)
    if name:
        m = _FILE_NCT.match(name)
        if m and m.group(1).upper() != nct_id:
            raise RecordError(
                source,
                f"nct_id {nct_id} does not match file name {name!r}",
                field="nct_id",
                nct_id=nct_id,
            )
    return nct_id


def build_trial(data: dict[str, Any], source: str) -> Trial:
    """Validate the assembled fields; a model error becomes a RecordError naming the field."""
    try:
        return Trial.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        value = err.get("input")
        shown = repr(value) if isinstance(value, str | int | float | bool) else type(value).__name__
        raise RecordError(
            source,
            f"{err['msg']} (value {shown})",
            field=field,
            nct_id=data.get("nct_id") if isinstance(data.get("nct_id"), str) else None,
        ) from None
