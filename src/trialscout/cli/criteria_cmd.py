"""`trialscout criteria`: a trial's eligibility criteria as typed, explainable constraints."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from trialscout.cli.common import DbOption, console, err_console, resolve_db
from trialscout.cli.main import app
from trialscout.criteria.atoms import ParsedCriteria, iter_atoms
from trialscout.criteria.parser import parse_criteria
from trialscout.criteria.summary import describe, summarize


def _one_line(s: str) -> str:
    return " ".join(s.split())


def _print(parsed: ParsedCriteria) -> None:
    from rich.markup import escape

    title = parsed.nct_id or "text"
    console.print(f"[bold]{title}[/bold]  (parser {parsed.parser_version})")
    console.print("[bold]Summary[/bold]")
    for line in summarize(parsed).lines:
        console.print(f"  {line.field:<24} {escape(line.value)}", soft_wrap=True)
        console.print(
            f"  {'':<24} [dim]{line.criterion_id}: {escape(_one_line(line.criterion_text))}[/dim]",
            soft_wrap=True,
        )
    for kind in ("inclusion", "exclusion"):
        items = [c for c in parsed.criteria if c.kind == kind]
        if not items:
            continue
        console.print(f"[bold]{kind.capitalize()} criteria[/bold]")
        for c in items:
            mark = "" if c.fully_parsed else " [yellow]\\[partly unparsed][/yellow]"
            indent = "    " * c.id.count(".")
            console.print(f"  {indent}{c.id}: {escape(_one_line(c.text))}{mark}", soft_wrap=True)
            console.print(f"  {indent}    [cyan]{escape(describe(c.expr))}[/cyan]", soft_wrap=True)
    for w in parsed.warnings:
        err_console.print(f"warning: {w}")


@app.command("criteria")
def criteria(
    nct_id: str = typer.Argument(None, help="Trial id (NCT########) to read from the store."),
    db: str = DbOption,
    text: str = typer.Option(
        None, "--text", help="Parse criteria from this file ('-' for stdin) instead of the store."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print ParsedCriteria JSON."),
) -> None:
    """Show a trial's eligibility criteria parsed into typed constraints."""
    if text is not None:
        try:
            raw = sys.stdin.read() if text == "-" else Path(text).read_text(encoding="utf-8")
        except OSError as exc:
            err_console.print(f"error: cannot read {text}: {exc.strerror}")
            raise typer.Exit(2) from exc
        parsed = parse_criteria(raw, nct_id)
    else:
        if not nct_id:
            err_console.print("error: give an NCT id or --text FILE")
            raise typer.Exit(2)
        from trialscout.criteria.cache import get_or_parse
        from trialscout.store import Store

        with Store.open(resolve_db(db)) as store:
            trial = store.get_trial(nct_id)
            if trial is None:
                err_console.print(f"error: {nct_id} is not in the store {resolve_db(db)}")
                raise typer.Exit(1)
            parsed = get_or_parse(store, trial)
    if as_json:
        typer.echo(parsed.model_dump_json(indent=2, exclude_none=True))
        return
    _print(parsed)
    n = len(parsed.criteria)
    ok = sum(1 for c in parsed.criteria if c.fully_parsed)
    unparsed = sum(1 for c in parsed.criteria for a in iter_atoms(c.expr) if a.type == "unparsed")
    console.print(f"[dim]{ok}/{n} criteria fully parsed, {unparsed} unparsed part(s)[/dim]")
