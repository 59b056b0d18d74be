"""`trialscout ingest PATH...`: load registry records (XML, API v2 JSON, zips, folders)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.text import Text

from trialscout.cli.common import DbOption, console, err_console, resolve_db
from trialscout.cli.main import app


def _error(message: str) -> None:
    err_console.print(Text(message), highlight=False, markup=False, soft_wrap=True)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(
        None,
        help="Files, folders or zip archives of ClinicalTrials.gov records.",
        show_default=False,
    ),
    db: str | None = DbOption,
    demo: bool = typer.Option(
        False, "--demo", help="Ingest the demo records bundled with trialscout."
    ),
    batch_size: int = typer.Option(500, "--batch-size", min=1, help="Records per transaction."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
) -> None:
    """Load records into the local store. Safe to interrupt: a rerun resumes where it stopped."""
    from trialscout.registry.ingest import demo_paths, ingest_paths
    from trialscout.store import Store

    inputs = list(paths or [])
    if demo:
        try:
            inputs.extend(demo_paths())
        except FileNotFoundError as exc:
            _error(f"error: {exc}")
            raise typer.Exit(2) from None
    if not inputs:
        _error("error: give at least one PATH, or --demo")
        raise typer.Exit(2)
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        _error(f"error: no such file or folder: {', '.join(missing)}")
        raise typer.Exit(2)

    show_progress = not no_progress and sys.stderr.isatty()
    with Store.open(resolve_db(db)) as store:
        summary = ingest_paths(
            inputs,
            store,
            batch_size=batch_size,
            progress=show_progress,
            console=err_console,
            on_error=_error,
        )
        total = store.count()
    console.print(Text(f"{summary.line()}; {total} trials in the store"), highlight=False)
