"""`trialscout show NCT_ID`: one stored trial, every section, in the terminal or as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.text import Text

from trialscout.cli.common import DbOption, console, err_console, resolve_db
from trialscout.cli.main import app
from trialscout.registry.model import NCT_ID_RE
from trialscout.registry.render import render_trial


def _is_url(db: str) -> bool:
    return "://" in db


def _fail(message: str, code: int) -> typer.Exit:
    """Print one error line (as plain text: IDs and paths are never read as markup)."""
    err_console.print(Text("error: ", style="red") + Text(message), highlight=False)
    return typer.Exit(code)


@app.command()
def show(
    nct_id: str = typer.Argument(..., help="The trial's NCT ID, e.g. NCT07332247."),
    db: str | None = DbOption,
    as_json: bool = typer.Option(
        False, "--json", help="Print the full Trial model as JSON instead of the page."
    ),
) -> None:
    """Show one trial from the local store: every registry section, in page order."""
    nct = nct_id.strip().upper()
    if not NCT_ID_RE.match(nct):
        raise _fail(f"{nct_id!r} is not an NCT ID (expected NCT followed by 8 digits)", 2)
    target = resolve_db(db)
    # Opening a store creates it; a typo in --db should say so, not show an empty store.
    if not _is_url(target) and not Path(target).exists():
        raise _fail(
            f"no store at {target}; load trials first (`trialscout ingest --demo`) or pass --db", 1
        )

    from trialscout.store import Store

    with Store.open(target) as store:
        trial = store.get_trial(nct)
    if trial is None:
        raise _fail(f"trial {nct} is not in the store {target}", 1)
    if as_json:
        typer.echo(json.dumps(trial.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    render_trial(trial, console)
