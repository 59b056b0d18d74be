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
from trialscout.patient.profile import PatientProfile
from trialscout.web.app import MAX_UPLOAD_BYTES, page

router = APIRouter(include_in_schema=False)
NOTE_SUFFIXES = (".txt", ".md", ".note", ".text")


def profile_from_upload(
    data: bytes, filename: str, *, as_of: dt.date | None = None
) -> tuple[PatientProfile, list[str]]:
    """(profile, warnings) from uploaded bytes; ProfileError names the file and field."""
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
        loaded = load_note(text, source=source, as_of=as_of or dt.date.today())
        return loaded.profile, loaded.warnings
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

        return profile_from_bundle(doc, source=source, as_of=as_of)
    warnings: list[str] = []
    if isinstance(doc, dict) and "as_of" not in doc:
        doc = {**doc, "as_of": (as_of or dt.date.today()).isoformat()}
        warnings.append(f"{source}: no 'as_of' date; using {doc['as_of']}")
    return profile_from_data(doc, source), warnings


def _as_of(raw: str) -> dt.date | None:
    if not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ProfileError(
            "form", f"expected a date YYYY-MM-DD, found {raw!r}", field="as_of"
        ) from None


@router.get("/patient")
def patient_page(request: Request) -> Response:
    return page(request, "patient.html", {"title": "Trials for a patient"})


@router.post("/patient")
async def patient_results(request: Request) -> Response:
    form = await request.form()
    upload = form.get("profile")
    note = form.get("note")
    as_of_raw = form.get("as_of")
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
        from trialscout.web.ranking import rank_trials

        try:
            as_of = _as_of(as_of_raw if isinstance(as_of_raw, str) else "")
            if data:
                profile, warnings = profile_from_upload(data, filename, as_of=as_of)
            elif note_text.strip():
                from trialscout.patient.loader import load_note

                loaded = load_note(note_text, source="pasted note", as_of=as_of or dt.date.today())
                profile, warnings = loaded.profile, loaded.warnings
            else:
                return {"error": "Choose a profile file to upload, or paste a note."}
        except ProfileError as e:
            return {"error": str(e)}
        ranked = rank_trials(request.app.state.store, profile, limit=20)
        return {"ranked": ranked, "warnings": warnings, "profile_id": profile.id}

    ctx = await run_in_threadpool(work)
    status = 400 if "error" in ctx else 200
    if request.headers.get("HX-Request"):
        return page(request, "_ranked.html", ctx, status_code=status)
    return page(request, "standalone.html", {**ctx, "inner": "_ranked.html"}, status_code=status)
