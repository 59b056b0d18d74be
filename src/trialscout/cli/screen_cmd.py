"""`trialscout screen --trial NCT... PATIENTS`: one trial against many patients.

PATIENTS: a folder of profile JSON/YAML files or FHIR bundles, or an NDJSON file of profiles.
A broken record is reported by name on stderr and the rest are screened.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from trialscout.cli.common import (
    AbsentOption,
    DbOption,
    console,
    err_console,
    load_trial_and_criteria,
    parse_as_of,
)
from trialscout.cli.main import app

VERDICT_LABEL = {
    "eligible": "[green]eligible[/]",
    "possibly_eligible": "[yellow]possibly[/]",
    "ineligible": "[red]ineligible[/]",
}


@app.command()
def screen(
    patients: Path = typer.Argument(
        ...,
        help="A folder of patient profiles (JSON/YAML) or FHIR bundles, or an NDJSON file.",
    ),
    trial: str = typer.Option(..., "--trial", help="NCT ID of the trial to screen for."),
    db: str | None = DbOption,
    fmt: str = typer.Option("text", "--format", help="text, json or csv."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Date the profiles describe (YYYY-MM-DD); overrides theirs."
    ),
    absent_unless_documented: bool = AbsentOption,
) -> None:
    """Screen many patients for one trial: who fits, who might (and what is missing), who not."""
    from trialscout.match.policy import MatchPolicy
    from trialscout.match.screen import (
        CSV_COLUMNS,
        iter_patients,
        screen_json,
        screen_rows,
        screen_trial,
    )

    if fmt not in ("text", "json", "csv"):
        raise typer.BadParameter(f"expected text, json or csv, got {fmt!r}", param_hint="--format")
    when = parse_as_of(as_of)
    nct = trial.strip().upper()
    if not patients.exists():
        err_console.print(f"{escape(str(patients))}: no such file or folder")
        raise typer.Exit(2)
    try:
        t, parsed = load_trial_and_criteria(nct, db)
    except Exception as exc:
        err_console.print(f"{nct}: cannot open store: {escape(str(exc))}")
        raise typer.Exit(1) from None
    if t is None:
        err_console.print(f"{nct}: not in the store (run `trialscout ingest`) nor bundled")
        raise typer.Exit(1)

    policy = MatchPolicy(absent_unless_documented=absent_unless_documented)
    report = screen_trial(t, parsed, iter_patients(patients, as_of=when), policy=policy)
    for e in report.errors:
        err_console.print(f"[yellow]skipped[/] {escape(e.error)}", highlight=False, soft_wrap=True)

    if fmt == "json":
        typer.echo(json.dumps(screen_json(report), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        w.writerows(screen_rows(report))
    else:
        counts = report.counts()
        console.print(
            f"[bold]{escape(report.trial)}[/] {escape(report.title or '')}\n"
            f"eligible {counts['eligible']}  possibly {counts['possibly_eligible']}  "
            f"ineligible {counts['ineligible']}  unreadable {len(report.errors)}"
        )
        table = Table("patient", "verdict", "score", "missing / ruled out by")
        for p in report.patients:
            if p.failed:
                why = "; ".join(f"{f.id} {f.text[:70]}" for f in p.failed[:3])
            else:
                why = ", ".join(m.fact for m in p.missing[:5])
            table.add_row(escape(p.id), VERDICT_LABEL[p.verdict], f"{p.score:.2f}", escape(why))
        console.print(table)
    if not report.patients and report.errors:
        raise typer.Exit(1)
