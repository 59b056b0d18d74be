"""The patient page `/patient`: a profile JSON/YAML, a FHIR bundle or a note in, ranked
trials out. The upload is read in memory and dropped after the response."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from trialscout.patient.errors import ProfileError
from trialscout.patient.loader import LoadedPatient
from trialscout.web.app import MAX_UPLOAD_BYTES, page

router = APIRouter(include_in_schema=False)
NOTE_SUFFIXES = (".txt", ".md", ".note", ".text")


def profile_from_upload(
    data: bytes, filename: str, *, as_of: dt.date | None = None
) -> LoadedPatient:
    """The profile (with warnings, and a note's facts) from uploaded bytes; ProfileError
    names the file and field."""
    import yaml

    from trialscout.patient.loader import load_note, profile_from_data

    source = filename or "upload"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(source, "not UTF-8 text") from exc
    if not text.strip():
        raise ProfileError(source, "file is empty")
    if source.lower().endswith(NOTE_SUFFIXES):
        return load_note(text, source=source, as_of=as_of or dt.date.today())
    stripped = text.lstrip()
    doc: Any
    if source.lower().endswith(".json") or stripped.startswith(("{", "[")):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProfileError(
                source, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            ) from exc
    else:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ProfileError(source, f"not valid YAML: {exc}") from exc
    if isinstance(doc, dict) and "resourceType" in doc:
        if doc.get("resourceType") != "Bundle":
            raise ProfileError(
                source,
                f"expected a FHIR Bundle, found resourceType {doc.get('resourceType')!r}",
                field="resourceType",
            )
        from trialscout.patient.fhir import profile_from_bundle

        profile, warns = profile_from_bundle(doc, source=source, as_of=as_of)
        return LoadedPatient(profile=profile, source=source, format="fhir", warnings=warns)
    warnings: list[str] = []
    if isinstance(doc, dict) and "as_of" not in doc:
        doc = {**doc, "as_of": (as_of or dt.date.today()).isoformat()}
        warnings.append(f"{source}: no 'as_of' date; using {doc['as_of']}")
    fmt: Any = "json" if stripped.startswith(("{", "[")) else "yaml"
    return LoadedPatient(
        profile=profile_from_data(doc, source), source=source, format=fmt, warnings=warnings
    )


def _as_of(raw: str) -> dt.date | None:
    if not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ProfileError(
            "form", f"expected a date YYYY-MM-DD, found {raw!r}", field="as_of"
        ) from None


def _form_ctx(status: str = "", show_ineligible: bool = False) -> dict[str, Any]:
    from trialscout.web.ranking import STATUS_CHOICES

    return {
        "status_choices": STATUS_CHOICES,
        "status": status,
        "show_ineligible": show_ineligible,
    }


def _fact_rows(loaded: LoadedPatient) -> list[dict[str, Any]]:
    """A note's facts for display: what was read, in which sentence, and how it was qualified."""
    rows = []
    for f in loaded.facts:
        flags = [
            w
            for w, on in (
                ("negated", f.negated),
                ("historical", f.historical),
                ("family", f.family),
                ("hypothetical", f.hypothetical),
                ("uncertain", f.uncertain),
            )
            if on
        ]
        rows.append({"field": f.field, "text": f.text, "sentence": f.sentence, "flags": flags})
    return rows


@router.get("/patient")
def patient_page(request: Request) -> Response:
    return page(request, "patient.html", {"title": "Trials for a patient", **_form_ctx()})


@router.post("/patient")
async def patient_results(request: Request) -> Response:
    form = await request.form()
    upload = form.get("profile")
    note = form.get("note")
    as_of_raw = form.get("as_of")
    status_raw = form.get("status")
    status = status_raw if isinstance(status_raw, str) else ""
    show_ineligible = form.get("show_ineligible") in ("1", "on", "true")
    data: bytes | None = None
    filename = ""
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        filename = upload.filename
        if len(data) > MAX_UPLOAD_BYTES:
            raise HTTPException(413)
    note_text = note if isinstance(note, str) else ""
    if len(note_text.encode("utf-8")) > MAX_UPLOAD_BYTES:
        raise HTTPException(413)

    def work() -> dict[str, Any]:
        from trialscout.web.ranking import find_for_patient, parse_statuses

        try:
            statuses = parse_statuses([status])
        except ValueError as e:
            return {"error": f"status: {e}"}
        try:
            as_of = _as_of(as_of_raw if isinstance(as_of_raw, str) else "")
            if data:
                loaded = profile_from_upload(data, filename, as_of=as_of)
            elif note_text.strip():
                from trialscout.patient.loader import load_note

                loaded = load_note(note_text, source="pasted note", as_of=as_of or dt.date.today())
            else:
                return {"error": "Choose a profile file to upload, or paste a note."}
        except ProfileError as e:
            return {"error": str(e)}
        found = find_for_patient(
            request.app.state.store,
            loaded.profile,
            limit=20,
            statuses=statuses,
            show_ineligible=show_ineligible,
        )
        return {
            "found": found,
            "warnings": loaded.warnings,
            "facts": _fact_rows(loaded),
            "profile_id": loaded.profile.id,
            "status_label": dict(_form_ctx()["status_choices"]).get(status, status)
            if status
            else "all",
            "show_ineligible": show_ineligible,
        }

    ctx = await run_in_threadpool(work)
    code = 400 if "error" in ctx else 200
    if request.headers.get("HX-Request"):
        return page(request, "_ranked.html", ctx, status_code=code)
    return page(request, "standalone.html", {**ctx, "inner": "_ranked.html"}, status_code=code)
