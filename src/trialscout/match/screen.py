"""Trial-centric screening: one trial, many patients. Which fit, which might (and what is
missing for each), which do not (and the criteria that rule each out).

Patient sets (`iter_patients`): a folder of profile files (JSON/YAML) and/or FHIR R4 bundles, or
an NDJSON file of profiles (one JSON object a line; a line may also be a FHIR Bundle). A broken
file or line is reported by name (and field) and the rest are screened. Patient data is never
logged; only ids, verdicts and criterion texts reach the output.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from trialscout.criteria.atoms import ParsedCriteria
from trialscout.match.engine import match_trial
from trialscout.match.policy import MatchPolicy
from trialscout.match.result import TrialMatch, Verdict
from trialscout.patient.profile import PatientProfile

PROFILE_SUFFIXES = (".json", ".yaml", ".yml")
NDJSON_SUFFIXES = (".ndjson", ".jsonl")


@dataclass(frozen=True)
class PatientInput:
    """One readable patient: `id` is the profile's id, else the file name (or file:line)."""

    id: str
    source: str
    profile: PatientProfile


@dataclass(frozen=True)
class PatientInputError:
    """One unreadable patient record: `message` names the file (and line) and the field."""

    source: str
    message: str


def _ndjson(path: Path, as_of: dt.date | None) -> Iterator[PatientInput | PatientInputError]:
    from trialscout.patient.errors import ProfileError
    from trialscout.patient.loader import profile_from_data

    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        yield PatientInputError(str(path), f"{path}: cannot read: {exc.strerror or exc}")
        return
    with handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            source = f"{path}:{lineno}"
            try:
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ProfileError(source, f"not valid JSON: {exc.msg}") from exc
                except UnicodeDecodeError as exc:
                    raise ProfileError(source, "not UTF-8 text") from exc
                if isinstance(data, dict) and data.get("resourceType") == "Bundle":
                    from trialscout.patient.fhir import profile_from_bundle

                    profile, _warnings = profile_from_bundle(data, source=source, as_of=as_of)
                else:
                    if as_of is not None and isinstance(data, dict):
                        data = {**data, "as_of": as_of}
                    profile = profile_from_data(data, source)
            except ProfileError as exc:
                yield PatientInputError(source, str(exc))
                continue
            except Exception as exc:  # a loader bug must not stop the batch
                yield PatientInputError(source, f"{source}: {type(exc).__name__}: {exc}")
                continue
            yield PatientInput(profile.id or source, source, profile)


def _file(path: Path, as_of: dt.date | None) -> PatientInput | PatientInputError:
    from trialscout.patient.errors import ProfileError
    from trialscout.patient.loader import load_profile

    try:
        loaded = load_profile(path, as_of=as_of)
    except ProfileError as exc:
        return PatientInputError(str(path), str(exc))
    except Exception as exc:  # a loader bug must not stop the batch
        return PatientInputError(str(path), f"{path}: {type(exc).__name__}: {exc}")
    return PatientInput(loaded.profile.id or path.stem, str(path), loaded.profile)


def iter_patients(
    path: str | Path, *, as_of: dt.date | None = None
) -> Iterator[PatientInput | PatientInputError]:
    """Every patient of a folder (sorted by name; NDJSON files inside are read line by line)
    or of one NDJSON / profile file. Raises `FileNotFoundError` only for a missing `path`."""
    p = Path(path)
    if p.is_dir():
        files = sorted(
            f
            for f in p.iterdir()
            if f.is_file() and f.suffix.lower() in PROFILE_SUFFIXES + NDJSON_SUFFIXES
        )
    elif p.is_file():
        files = [p]
    else:
        raise FileNotFoundError(f"{p}: no such file or folder")
    for f in files:
        if f.suffix.lower() in NDJSON_SUFFIXES:
            yield from _ndjson(f, as_of)
        else:
            yield _file(f, as_of)


# -- screening -------------------------------------------------------------------------------


class FailedCriterion(BaseModel):
    id: str
    kind: Literal["inclusion", "exclusion"]
    text: str
    reason: str


class MissingFactOut(BaseModel):
    fact: str
    question: str


class ScreenedPatient(BaseModel):
    id: str
    verdict: Verdict
    score: float
    missing: list[MissingFactOut] = Field(
        default_factory=list, description="facts that would settle the unknowns"
    )
    failed: list[FailedCriterion] = Field(
        default_factory=list, description="inclusions not met and exclusions that apply"
    )


class ScreenError(BaseModel):
    source: str
    error: str


class ScreenReport(BaseModel):
    trial: str
    title: str | None = None
    parser_version: str | None = None
    patients: list[ScreenedPatient] = Field(default_factory=list)
    errors: list[ScreenError] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"eligible": 0, "possibly_eligible": 0, "ineligible": 0}
        for p in self.patients:
            out[p.verdict] += 1
        return out


def screened(patient_id: str, m: TrialMatch) -> ScreenedPatient:
    """The screening view of one match: verdict, missing facts, ruling-out criteria."""
    return ScreenedPatient(
        id=patient_id,
        verdict=m.verdict,
        score=m.score,
        missing=[MissingFactOut(fact=x.fact, question=x.question) for x in m.missing],
        failed=[
            FailedCriterion(id=c.id, kind=c.kind, text=c.text, reason=c.reason)
            for c in m.criteria
            if c.counted and c.status in ("not_met", "applies")
        ],
    )


_ORDER = {"eligible": 0, "possibly_eligible": 1, "ineligible": 2}


def screen_trial(
    trial: Any,
    parsed: ParsedCriteria,
    patients: Iterable[PatientInput | PatientInputError],
    *,
    policy: MatchPolicy | None = None,
) -> ScreenReport:
    """Match every patient against one trial. Sorted: eligible, possibly, ineligible; then by
    score (descending) and id. Unreadable patients go to `errors`, in input order."""
    nct_id = getattr(trial, "nct_id", None) or parsed.nct_id or ""
    report = ScreenReport(
        trial=nct_id,
        title=getattr(trial, "brief_title", None) or getattr(trial, "official_title", None),
        parser_version=parsed.parser_version,
    )
    for item in patients:
        if isinstance(item, PatientInputError):
            report.errors.append(ScreenError(source=item.source, error=item.message))
            continue
        try:
            m = match_trial(item.profile, trial, parsed, policy=policy)
        except Exception as exc:  # one patient must never stop the screen
            report.errors.append(
                ScreenError(source=item.source, error=f"{item.source}: {type(exc).__name__}")
            )
            continue
        report.patients.append(screened(item.id, m))
    report.patients.sort(key=lambda p: (_ORDER[p.verdict], -p.score, p.id))
    return report


def screen_json(report: ScreenReport) -> dict[str, Any]:
    """The JSON contract of `trialscout screen --format json`."""
    return {
        "trial": report.trial,
        "title": report.title,
        "counts": report.counts(),
        "patients": [
            {
                "id": p.id,
                "verdict": p.verdict,
                "score": p.score,
                "missing": [m.model_dump() for m in p.missing],
                "failed": [f.model_dump() for f in p.failed],
            }
            for p in report.patients
        ],
        "errors": [e.model_dump() for e in report.errors],
    }


CSV_COLUMNS = ("patient_id", "verdict", "score", "missing_facts", "failed_criteria")


def screen_rows(report: ScreenReport) -> Iterator[tuple[str, ...]]:
    """CSV rows (`CSV_COLUMNS`): lists joined with ' | '; failed criteria as `id: text`."""
    for p in report.patients:
        yield (
            p.id,
            p.verdict,
            f"{p.score:.3f}",
            " | ".join(m.fact for m in p.missing),
            " | ".join(f"{f.id}: {f.text}" for f in p.failed),
        )
