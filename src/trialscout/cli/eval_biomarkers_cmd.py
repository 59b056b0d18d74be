"""`trialscout eval biomarkers`: biomarker atom F1 and matching accuracy vs the gold set."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from trialscout.cli.common import console, err_console
from trialscout.cli.eval_cmd import eval_app


@eval_app.command("biomarkers")
def biomarkers(
    gold: Path | None = typer.Option(
        None,
        "--gold",
        help="Gold folder (criteria.jsonl, patients.json, cases.jsonl); "
        "default tests/fixtures/biomarker_gold.",
    ),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    details: bool = typer.Option(False, "--details", help="Also list every miss."),
) -> None:
    """Parse each gold biomarker criterion, score its atoms, and match it to the profiles."""
    from trialscout.criteria.biomarker_eval import DEFAULT_GOLD, evaluate_biomarkers

    if fmt not in ("text", "json"):
        err_console.print(f"--format: expected 'text' or 'json', got {fmt!r}")
        raise typer.Exit(2)
    folder = gold or DEFAULT_GOLD
    missing = [
        n for n in ("criteria.jsonl", "patients.json", "cases.jsonl") if not (folder / n).is_file()
    ]
    if missing:
        err_console.print(f"{folder}: missing {', '.join(missing)}")
        raise typer.Exit(2)
    r = evaluate_biomarkers(folder)
    if fmt == "json":
        typer.echo(json.dumps(r, indent=2, ensure_ascii=False))
        return
    a, m = r["atoms"], r["matching"]
    t = Table(title=f"Biomarkers vs gold ({r['criteria']} criteria, {r['gold_atoms']} atoms)")
    for col in ("measure", "value", "detail"):
        t.add_column(col)
    t.add_row("atom precision", f"{a['precision']:.3f}", f"tp {a['tp']}, fp {a['fp']}")
    t.add_row("atom recall", f"{a['recall']:.3f}", f"fn {a['fn']}")
    t.add_row("atom F1", f"{a['f1']:.3f}", "", style="bold")
    t.add_row("matching accuracy", f"{m['accuracy']:.3f}", f"{m['correct']}/{m['cases']} cases")
    console.print(t)
    for e in r["errors"]:
        err_console.print(f"gold: {e}")
    if details:
        for e in r["atom_errors"]:
            console.print(f"{e['id']}: missed {e['missed']} extra {e['extra']}")
        for w in r["matching_errors"]:
            console.print(
                f"{w['criterion']} x {w['patient']}: expected {w['expected']}, "
                f"got {w['got']} ({w['reason']})"
            )
