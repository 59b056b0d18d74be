"""`trialscout eval criterion-labels FILE`: criterion-level accuracy vs expert labels."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from trialscout.cli.common import console, err_console
from trialscout.cli.eval_cmd import eval_app


@eval_app.command("criterion-labels")
def criterion_labels(
    path: Path = typer.Argument(..., help="criterion-annotations JSONL (TrialGPT format)."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    absent_unless_documented: bool = typer.Option(
        False, "--absent-unless-documented", help="Treat undocumented history as absent."
    ),
    details: bool = typer.Option(
        False, "--details", help="Also print per-label recall, breakdowns and error buckets."
    ),
) -> None:
    """Extract facts from each note, parse and evaluate the criterion, score vs the expert."""
    from trialscout.match.labels_eval import LABELS, evaluate_labels
    from trialscout.match.policy import MatchPolicy

    if fmt not in ("text", "json"):
        err_console.print(f"--format: expected 'text' or 'json', got {fmt!r}")
        raise typer.Exit(2)
    if not path.is_file():
        err_console.print(f"{path}: file not found")
        raise typer.Exit(2)
    report = evaluate_labels(path, MatchPolicy(absent_unless_documented=absent_unless_documented))
    if fmt == "json":
        typer.echo(json.dumps(report.model_dump(), indent=2))
        return
    short = {
        "included": "incl",
        "not included": "not incl",
        "excluded": "excl",
        "not excluded": "not excl",
        "not enough information": "NEI",
        "not applicable": "N/A",
    }
    t = Table(title="Confusion (rows: expert, columns: trialscout)")
    t.add_column("expert \\ ours")
    for lab in LABELS:
        t.add_column(short[lab], justify="right")
    t.add_column("support", justify="right")
    for g in LABELS:
        row = report.confusion.get(g, {})
        t.add_row(short[g], *(str(row.get(p, 0)) for p in LABELS), str(sum(row.values())))
    console.print(t)
    console.print(
        f"accuracy {report.accuracy:.1%} on {report.scored} rows "
        f"(majority class '{report.majority_label}' alone: {report.majority_accuracy:.1%}); "
        + ", ".join(f"{k} {v:.1%}" for k, v in report.by_type.items())
        + (f"; {report.failed} rows failed" if report.failed else "")
        + (f"; policy: {', '.join(report.policy)}" if report.policy else "")
    )
    for e in report.errors[:5]:
        console.print(f"  {e}")
    if not details:
        return
    console.print(
        "per-label recall: "
        + ", ".join(
            f"{short[k]} {v['recall']:.1%} (n={int(v['support'])})"
            for k, v in report.per_label.items()
        )
    )
    for group, buckets in report.breakdown.items():
        console.print(
            f"{group}: "
            + "; ".join(f"{k} {b.correct}/{b.n} ({b.accuracy:.0%})" for k, b in buckets.items())
        )
    console.print("largest error buckets:")
    for name, n in report.error_buckets[:10]:
        console.print(f"  {n:4d}  {name}")
