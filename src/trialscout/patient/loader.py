"""Read patient input: a JSON or YAML profile, a FHIR R4 Bundle, or a plain-text note.

The format is detected from the content (a `resourceType: Bundle` is FHIR) and the
file suffix (`.txt`/`.md` is a note). Every problem raises `ProfileError` naming the
file, the field path and what was expected vs found. Patient data is never logged.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trialscout.patient.errors import ProfileError, from_validation
from trialscout.patient.profile import ExtractedFact, PatientProfile

Format = Literal["json", "yaml", "fhir", "note"]
NOTE_SUFFIXES = {".txt", ".md", ".note", ".text"}


class LoadedPatient(BaseModel):
    """A validated profile with what the loader noticed on the way."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    profile: PatientProfile
    source: str
    format: Format
    warnings: list[str] = Field(default_factory=list)
    facts: list[ExtractedFact] = Field(default_factory=list, description="facts found in notes")


def profile_from_data(data: Any, source: str = "<profile>") -> PatientProfile:
    """Validate a parsed profile document (dict); errors name the field path."""
    if not isinstance(data, dict):
        raise ProfileError(
            source, f"expected a JSON/YAML object (mapping), found {type(data).__name__}"
        )
    try:
        return PatientProfile.model_validate(data)
    except ValidationError as exc:
        raise from_validation(source, exc) from exc


def _parse_text(text: str, source: str, suffix: str) -> tuple[Any, Format]:
    stripped = text.lstrip()
    if suffix == ".json" or (suffix not in (".yaml", ".yml") and stripped.startswith(("{", "["))):
        try:
            return json.loads(text), "json"
        except json.JSONDecodeError as exc:
            raise ProfileError(
                source, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ProfileError(source, f"not valid YAML{where}: {exc}") from exc
    return data, "yaml"


def load_profile(
    path: str | Path,
    *,
    as_of: dt.date | None = None,
    note: str | Path | None = None,
    extract_note: bool = True,
    strict_fhir: bool = False,
) -> LoadedPatient:
    """Load one patient from `path`; `note` (text or a file) adds facts from a clinical note.

    `as_of` overrides the profile's date (required for a note alone and for FHIR bundles
    without a timestamp). Facts from notes never override structured fields.
    """
    p = Path(path)
    source = str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ProfileError(source, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise ProfileError(source, "not UTF-8 text") from exc
    except OSError as exc:
        raise ProfileError(source, f"cannot read: {exc.strerror}") from exc
    if not text.strip():
        raise ProfileError(source, "file is empty")

    suffix = p.suffix.lower()
    if suffix in NOTE_SUFFIXES:
        loaded = load_note(text, source=source, as_of=as_of)
    else:
        data, fmt = _parse_text(text, source, suffix)
        if isinstance(data, dict) and "resourceType" in data:
            if data.get("resourceType") != "Bundle":
                raise ProfileError(
                    source,
                    f"expected a FHIR Bundle, found resourceType {data.get('resourceType')!r}",
                    field="resourceType",
                )
            from trialscout.patient.fhir import profile_from_bundle

            profile, warnings = profile_from_bundle(
                data, source=source, as_of=as_of, strict=strict_fhir
            )
            loaded = LoadedPatient(profile=profile, source=source, format="fhir", warnings=warnings)
        else:
            if as_of is not None and isinstance(data, dict):
                data = {**data, "as_of": as_of}
            profile = profile_from_data(data, source)
            loaded = LoadedPatient(profile=profile, source=source, format=fmt)
            if extract_note and profile.note:
                loaded = _with_note(loaded, profile.note, f"{source} (note field)")
    if note is not None:
        note_text, note_source = _note_text(note)
        loaded = _with_note(loaded, note_text, note_source)
    return loaded


def _note_text(note: str | Path) -> tuple[str, str]:
    if isinstance(note, Path):
        try:
            return note.read_text(encoding="utf-8"), str(note)
        except OSError as exc:
            raise ProfileError(str(note), f"cannot read note: {exc.strerror or exc}") from exc
    return note, "<note>"


def load_note(text: str, *, source: str = "<note>", as_of: dt.date | None = None) -> LoadedPatient:
    """A profile built from a clinical note alone."""
    from trialscout.patient.note import extract_facts, to_profile

    if as_of is None:
        raise ProfileError(
            source, "a note needs the date it describes: pass --as-of", field="as_of"
        )
    facts = extract_facts(text)
    profile = to_profile(facts, as_of, note=text)
    return LoadedPatient(
        profile=profile, source=source, format="note", warnings=facts.warnings, facts=facts.facts
    )


def _with_note(loaded: LoadedPatient, text: str, source: str) -> LoadedPatient:
    from trialscout.patient.note import extract_facts, merge

    facts = extract_facts(text)
    merged = merge(loaded.profile, facts)
    if not loaded.profile.note:
        merged = merged.model_copy(update={"note": text})
    return loaded.model_copy(
        update={
            "profile": merged,
            "facts": [*loaded.facts, *facts.facts],
            "warnings": [*loaded.warnings, *(f"{source}: {w}" for w in facts.warnings)],
        }
    )
