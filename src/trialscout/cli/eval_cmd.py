"""`trialscout eval ...`: measurement commands (criteria parser now; TREC and labels later)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from trialscout.cli.common import console, err_console
from trialscout.cli.main import app

eval_app = typer.Typer(
    help="Measure the engine against gold sets and benchmarks.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")


def _fmt(x: float) -> str:
    return f"{x:.3f}"


def _print_text(result: dict[str, Any]) -> None:
    gold = result.get("gold")
    if gold:
        t = Table(title=f"Atoms vs gold ({gold['trials']} trials, {gold['criteria']} criteria)")
        for col in ("atom type", "support", "tp", "fp", "fn", "P", "R", "F1"):
            t.add_column(col, justify="left" if col == "atom type" else "right")
        for kind, c in gold["per_type"].items():
            if c["support"] == 0 and c["fp"] == 0:
                continue
            t.add_row(
                kind,
                str(c["support"]),
                str(c["tp"]),
                str(c["fp"]),
                str(c["fn"]),
                _fmt(c["precision"]),
                _fmt(c["recall"]),
                _fmt(c["f1"]),
            )
        m = gold["micro"]
        t.add_row(
            "micro (all)",
            str(m["support"]),
            str(m["tp"]),
            str(m["fp"]),
            str(m["fn"]),
            _fmt(m["precision"]),
            _fmt(m["recall"]),
            _fmt(m["f1"]),
            style="bold",
        )
        console.print(t)
        ok = "met" if m["f1"] >= gold["target_atom_f1"] else "NOT met"
        console.print(
            f"micro F1 {_fmt(m['f1'])} (target >= {gold['target_atom_f1']}: {ok}); "
            f"criteria aligned {gold['criteria_aligned']:.1%}, kind agreement "
            f"{gold['kind_agreement']:.1%}, fully-parsed agreement "
            f"{gold['fully_parsed_agreement']:.1%}; parser {gold['parser_version']}"
        )
        if gold["parse_failures"]:
            console.print(f"parse failures on gold: {len(gold['parse_failures'])}")
            for line in gold["parse_failures"][:5]:
                console.print(f"  {line}")
    corpus = result.get("corpus")
    if corpus:
        target = corpus["target_oncology_fully_parsed"]
        share = corpus["oncology_fully_parsed_share"]
        console.print(
            f"corpus {corpus['path']}: {corpus['trials']} trials, {corpus['criteria']} criteria, "
            f"fully parsed {corpus['fully_parsed_share']:.1%}"
        )
        console.print(
            f"oncology subset: {corpus['oncology_trials']} trials, "
            f"{corpus['oncology_criteria']} criteria, fully parsed {share:.1%} "
            f"(target >= {target:.0%}: {'met' if share >= target else 'NOT met'})"
        )
        console.print(f"parse failures (exceptions): {corpus['parse_failures']}")
        for line in corpus["failure_examples"][:5]:
            console.print(f"  {line}")
    elif result.get("corpus_skipped"):
        console.print(f"corpus: skipped ({result['corpus_skipped']})")


@eval_app.command("criteria")
def criteria(
    gold: list[Path] = typer.Option(
        [Path("tests/fixtures/criteria_gold")],
        "--gold",
        help="Folder of gold JSON files; repeat to score several folders as one set.",
    ),
    corpus: Path | None = typer.Option(
        None, "--corpus", help="eligibility-texts.csv; skipped when absent."
    ),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    out: Path | None = typer.Option(None, "--out", help="Also write the JSON result here."),
    details: bool = typer.Option(
        False, "--details", help="In JSON, list each missing/extra atom per trial."
    ),
) -> None:
    """Score the criteria parser against the gold set; measure coverage on a corpus."""
    from trialscout.criteria.evaluate import (
        GoldError,
        default_parser,
        evaluate_corpus,
        evaluate_gold,
        load_gold,
    )

    if fmt not in ("text", "json"):
        err_console.print(f"--format: expected 'text' or 'json', got {fmt!r}")
        raise typer.Exit(2)
    try:
        trials = [t for folder in gold for t in load_gold(folder)]
        seen: set[str] = set()
        for t in trials:
            if t.nct_id in seen:
                raise GoldError(f"{t.nct_id}: in more than one --gold folder")
            seen.add(t.nct_id)
    except GoldError as e:
        err_console.print(f"gold set: {e}")
        raise typer.Exit(2) from None
    try:
        parse, version = default_parser()
    except ImportError as e:
        err_console.print(f"criteria parser not available: {e}")
        raise typer.Exit(2) from None
    report, scores = evaluate_gold(trials, parse, version)
    result: dict[str, Any] = {"gold": report.model_dump()}
    if details:
        result["gold"]["trials_detail"] = [
            {"nct_id": s.nct_id, "misses": s.misses} for s in scores if s.misses
        ]
    if corpus is None:
        result["corpus_skipped"] = "no --corpus given"
    elif not corpus.is_file():
        result["corpus_skipped"] = f"{corpus} not found"
    else:
        try:
            result["corpus"] = evaluate_corpus(corpus, parse).model_dump()
        except ValueError as e:
            err_console.print(f"corpus: {e}")
            raise typer.Exit(2) from None
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    if fmt == "json":
        typer.echo(text)
    else:
        _print_text(result)
