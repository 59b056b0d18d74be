"""`trialscout match PATIENT_FILE --trial NCT...`: a verdict per trial and per criterion.

Prints only what the evidence needs; patient data is never logged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.panel import Panel

from trialscout.cli.common import (
    AbsentOption,
    DbOption,
    console,
    err_console,
    load_trial_and_criteria,
    parse_as_of,
)
from trialscout.cli.main import app
from trialscout.match.result import TrialMatch

VERDICT_STYLE = {
    "eligible": ("ELIGIBLE", "green"),
    "possibly_eligible": ("POSSIBLY ELIGIBLE", "yellow"),
    "ineligible": ("INELIGIBLE", "red"),
}


def match_json(patient_id: str | None, results: list[TrialMatch]) -> dict[str, Any]:
    """The JSON contract of `trialscout match --format json`."""
    return {
        "patient": patient_id,
        "results": [
            {
                "nct_id": r.nct_id,
                "title": r.title,
                "verdict": r.verdict,
                "score": r.score,
                "needs_review": r.needs_review,
                "criteria": [
                    {
                        "id": c.id,
                        "kind": c.kind,
                        "text": c.text,
                        "status": c.status,
                        "reason": c.reason,
                        "evidence": c.evidence,
                        **({"conflict_with": c.conflict_with} if c.conflict_with else {}),
                        **({"children": c.children} if c.children else {}),
                    }
                    for c in r.criteria
                ],
                "missing": [{"fact": m.fact, "question": m.question} for m in r.missing],
            }
            for r in results
        ],
    }


def print_text(r: TrialMatch) -> None:
    """Verdict first, then what rules the patient out, the open questions, review, met."""
    word, style = VERDICT_STYLE[r.verdict]
    head = f"[bold {style}]{word}[/]  {escape(r.nct_id)}  score {r.score:.2f}"
    if r.title:
        head += f"\n{escape(r.title)}"
    console.print(Panel(head, expand=False))

    def block(title: str, statuses: tuple[str, ...], style: str) -> None:
        items = [c for c in r.criteria if c.status in statuses]
        if not items:
            return
        console.print(f"[bold {style}]{title}[/] ({len(items)})")
        for c in items:
            sub = "  " if c.parent else ""
            console.print(f"{sub}  [{style}]{c.id}[/] {escape(c.text[:110])}")
            console.print(f"{sub}     [dim]→[/] {escape(c.reason)}")
            for e in c.evidence[:4]:
                console.print(f"{sub}       [dim]{escape(e)}[/]")

    block("Rules out", ("not_met", "applies"), "red")
    block("Unknown", ("unknown",), "yellow")
    if r.missing:
        console.print("[bold yellow]To settle the unknowns, ask:[/]")
        for m in r.missing:
            console.print(f"  • {escape(m.question)}")
    block("Needs clinician review", ("review",), "magenta")
    block("Met / does not apply", ("met", "does_not_apply"), "green")
    block("Not applicable", ("not_applicable",), "dim")
    console.print()


@app.command()
def match(
    patient_file: Path = typer.Argument(
        ..., help="Patient profile (JSON/YAML), FHIR R4 bundle, or a note (.txt)."
    ),
    trial: list[str] = typer.Option(..., "--trial", help="NCT ID; repeat for several trials."),
    db: str | None = DbOption,
    fmt: str = typer.Option("text", "--format", help="text or json."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Date the profile describes (YYYY-MM-DD); needed for notes."
    ),
    absent_unless_documented: bool = AbsentOption,
) -> None:
    """Check one patient against trials: a verdict per trial and per criterion."""
    from trialscout.match import MatchPolicy, match_trial
    from trialscout.patient.errors import ProfileError
    from trialscout.patient.loader import load_profile

    if fmt not in ("text", "json"):
        err_console.print(f"--format: expected 'text' or 'json', got {fmt!r}")
        raise typer.Exit(2)
    when = parse_as_of(as_of)
    try:
        loaded = load_profile(patient_file, as_of=when)
    except ProfileError as e:
        err_console.print(f"patient: {e}")
        raise typer.Exit(2) from None
    policy = MatchPolicy(absent_unless_documented=absent_unless_documented)
    results: list[TrialMatch] = []
    failed = 0
    for raw in trial:
        nct = raw.strip().upper()
        try:
            t, parsed = load_trial_and_criteria(nct, db)
        except Exception as e:  # a bad store must not hide the other trials
            err_console.print(f"{nct}: cannot open store: {e}")
            failed += 1
            continue
        if t is None:
            err_console.print(f"{nct}: not in the store (run `trialscout ingest`) nor bundled")
            failed += 1
            continue
        results.append(match_trial(loaded.profile, t, parsed, policy=policy))
    results.sort(key=lambda r: r.rank_key(), reverse=True)
    if fmt == "json":
        typer.echo(json.dumps(match_json(loaded.profile.id, results), indent=2, ensure_ascii=False))
    else:
        for r in results:
            print_text(r)
    if failed and not results:
        raise typer.Exit(1)
