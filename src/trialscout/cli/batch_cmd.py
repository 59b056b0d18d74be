"""`trialscout batch PATIENTS --out DIR`: every patient against every selected trial, on Dask."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from trialscout.cli.common import (
    AbsentOption,
    DbOption,
    console,
    err_console,
    parse_as_of,
    resolve_db,
)
from trialscout.cli.main import app


@app.command()
def batch(
    patients: Path = typer.Argument(
        ...,
        help="A folder of patient profiles (JSON/YAML) or FHIR bundles, or an NDJSON file.",
    ),
    out: Path = typer.Option(..., "--out", help="Folder for one JSON result file per patient."),
    status: list[str] = typer.Option(
        [], "--status", "-s", metavar="STATUS", help="Only trials with this overall status."
    ),
    trial: list[str] = typer.Option([], "--trial", help="Only this NCT ID; repeatable."),
    db: str | None = DbOption,
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler (tcp://host:8786); default: a local cluster.",
    ),
    workers: int = typer.Option(2, "--workers", min=1, help="Local cluster worker processes."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Date the profiles describe (YYYY-MM-DD); overrides theirs."
    ),
    absent_unless_documented: bool = AbsentOption,
) -> None:
    """Match many patients against many trials on Dask distributed; one JSON file per patient."""
    from trialscout.cli.sync_cmd import _statuses  # here: sync_cmd imports cli.main
    from trialscout.match.batch import run_batch, select_trials
    from trialscout.match.policy import MatchPolicy
    from trialscout.store import Store

    when = parse_as_of(as_of)
    if not patients.exists():
        err_console.print(f"{escape(str(patients))}: no such file or folder")
        raise typer.Exit(2)
    target = resolve_db(db)
    if "://" not in target and not Path(target).exists():
        err_console.print(f"no store at {escape(target)} (run `trialscout ingest` or `sync`)")
        raise typer.Exit(1)
    with Store.open(target) as store:
        trials = select_trials(
            store, statuses=_statuses(status), nct_ids=[t.strip().upper() for t in trial]
        )
    if not trials:
        err_console.print("no trials match the filters")
        raise typer.Exit(1)
    policy = MatchPolicy(absent_unless_documented=absent_unless_documented)
    summary = run_batch(
        patients, trials, out, scheduler=scheduler, workers=workers, policy=policy, as_of=when
    )
    for line in summary.errors:
        err_console.print(f"[yellow]skipped[/] {escape(line)}", highlight=False, soft_wrap=True)
    console.print(
        f"patients: {len(summary.written)}  trials: {summary.trials}  "
        f"evaluations: {summary.evaluations}  failed: {len(summary.errors)}  "
        f"({summary.per_second:,.0f} per s on {summary.workers} worker(s))  -> {escape(str(out))}"
    )
    if not summary.written and summary.errors:
        raise typer.Exit(1)
