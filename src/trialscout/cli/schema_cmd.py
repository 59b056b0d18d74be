"""`trialscout schema ...`: the published input formats."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from trialscout.cli.main import app

schema_app = typer.Typer(
    help="Published JSON Schemas of trialscout's inputs.", no_args_is_help=True
)
app.add_typer(schema_app, name="schema")


def patient_schema() -> dict[str, object]:
    """The JSON Schema of the patient profile (draft 2020-12, as pydantic writes it)."""
    from trialscout.patient.profile import PatientProfile

    schema = PatientProfile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


@schema_app.command("patient")
def patient(
    check: Path | None = typer.Option(
        None, "--check", help="Validate this profile / FHIR bundle / note instead of printing."
    ),
    note: Path | None = typer.Option(None, "--note", help="A clinical note to add facts from."),
    as_of: str | None = typer.Option(None, "--as-of", help="Profile date, YYYY-MM-DD."),
) -> None:
    """Print the patient-profile JSON Schema, or check one patient file against it."""
    if check is None:
        typer.echo(json.dumps(patient_schema(), indent=2))
        return
    from trialscout.patient import ProfileError, load_profile

    try:
        when = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        typer.echo(f"--as-of: expected YYYY-MM-DD, found {as_of!r}", err=True)
        raise typer.Exit(2) from None
    try:
        loaded = load_profile(check, as_of=when, note=note)
    except ProfileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    for w in loaded.warnings:
        typer.echo(f"warning: {w}", err=True)
    typer.echo(loaded.profile.model_dump_json(indent=2, exclude_none=True))
