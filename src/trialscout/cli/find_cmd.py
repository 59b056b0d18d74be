"""`trialscout find PATIENT_FILE`: the patient's best trials across the whole store.

Retrieval, full criterion evaluation of the candidates, ranking (docs/find.md). The JSON is
`trialscout match --format json` plus `rank`, `rank_reason` and `retrieval_score` per result.
Patient data is never logged.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from trialscout.cli.common import (
    DbOption,
    console,
    err_console,
    parse_as_of,
    resolve_db,
)
from trialscout.cli.main import app


def find_json(result: Any) -> dict[str, Any]:
    """`match_json` of the ranked matches, each with its rank, reason and retrieval score."""
    from trialscout.cli.match_cmd import match_json

    out = match_json(result.patient, [r.match for r in result.results])
    for item, r in zip(out["results"], result.results, strict=True):
        item["rank"] = r.rank
        item["rank_reason"] = r.rank_reason
        item["rank_score"] = r.rank_score
        item["retrieval_score"] = r.retrieval_score
        item["retrieval_rank"] = r.retrieval_rank
        if r.distance_km is not None:
            item["distance_km"] = r.distance_km
    out["query"] = result.query.model_dump()
    out["candidates"] = result.candidates
    out["hidden_ineligible"] = result.hidden_ineligible
    return out


def _print_text(result: Any) -> None:
    from trialscout.cli.match_cmd import VERDICT_STYLE

    q = result.query
    console.print(
        f"[dim]searched for {len(q.concepts)} concepts and {len(q.words)} note words; "
        f"{result.candidates} candidates evaluated[/]"
    )
    if not result.results:
        console.print("No trials found.")
    for r in result.results:
        m = r.match
        word, style = VERDICT_STYLE[m.verdict]
        dist = f"  {r.distance_km:.0f} km" if r.distance_km is not None else ""
        console.print(
            f"{r.rank:>3}. [bold {style}]{word}[/]  {escape(m.nct_id)}  score {m.score:.2f}{dist}"
        )
        if m.title:
            console.print(f"     {escape(m.title[:110])}")
        console.print(f"     [dim]{escape(r.rank_reason)}[/]")
        if m.missing:
            console.print(f"     [yellow]ask:[/] {escape(m.missing[0].question)}")
    if result.hidden_ineligible:
        console.print(
            f"[dim]{result.hidden_ineligible} ineligible trials hidden (--show-ineligible)[/]"
        )


@app.command()
def find(
    patient_file: Path = typer.Argument(
        ..., help="Patient profile (JSON/YAML), FHIR R4 bundle, or a note (.txt)."
    ),
    status: list[str] = typer.Option(
        [], "--status", help="Overall status, e.g. recruiting. Repeatable."
    ),
    near: str | None = typer.Option(None, "--near", help="LAT,LON or a place name."),
    radius: str | None = typer.Option(None, "--radius", help="Distance from --near: 500, 300mi."),
    top: int = typer.Option(20, "--top", min=1, max=1000, help="How many trials to show."),
    candidates: int = typer.Option(
        200, "--candidates", min=1, max=1000, help="Trials retrieved and fully evaluated."
    ),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    db: str | None = DbOption,
    show_ineligible: bool = typer.Option(
        False, "--show-ineligible", help="List ineligible trials last instead of hiding them."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Date the profile describes (YYYY-MM-DD); a note defaults to today."
    ),
    cancer_filter: bool = typer.Option(
        False, "--cancer-filter", help="Only trials whose conditions name the patient's cancer."
    ),
) -> None:
    """Rank the store's trials for one patient: eligible first, each with its reasons."""
    from trialscout.patient.errors import ProfileError
    from trialscout.patient.loader import NOTE_SUFFIXES, load_profile
    from trialscout.search.filters import parse_near_or_place, parse_radius, parse_status
    from trialscout.search.find import find_trials
    from trialscout.store import Store

    if fmt not in ("text", "json"):
        err_console.print(f"--format: expected 'text' or 'json', got {fmt!r}")
        raise typer.Exit(2)
    try:
        statuses = [parse_status(s) for s in status]
        point = parse_near_or_place(near)[:2] if near else None
        radius_km = parse_radius(radius) if radius else None
    except ValueError as e:
        err_console.print(f"error: {e}")
        raise typer.Exit(2) from None
    if radius_km is not None and point is None:
        err_console.print("--radius needs --near")
        raise typer.Exit(2)
    when = parse_as_of(as_of)
    if when is None and patient_file.suffix.lower() in NOTE_SUFFIXES:
        when = dt.date.today()
    try:
        loaded = load_profile(patient_file, as_of=when)
    except ProfileError as e:
        err_console.print(f"patient: {e}")
        raise typer.Exit(2) from None
    target = resolve_db(db)
    if "://" not in target and not Path(target).exists():
        err_console.print(f"no store at {target}: run `trialscout ingest` first")
        raise typer.Exit(1)
    with Store.open(target) as store:
        result = find_trials(
            store,
            loaded.profile,
            statuses=statuses,
            near=(point[0], point[1]) if point else None,
            radius_km=radius_km,
            top=top,
            candidates=max(candidates, top),
            show_ineligible=show_ineligible,
            cancer_filter=cancer_filter,
        )
    if fmt == "json":
        typer.echo(json.dumps(find_json(result), indent=2, ensure_ascii=False))
    else:
        _print_text(result)
