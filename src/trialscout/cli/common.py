"""Options and helpers shared by every CLI command."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import typer
from rich.console import Console

DB_ENV = "TRIALSCOUT_DB"

console = Console()
err_console = Console(stderr=True)


def default_db_path() -> Path:
    """`$TRIALSCOUT_DB`, else the XDG data folder, so every command finds the same store."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "trialscout" / "trialscout.db"


DbOption = typer.Option(
    None,
    "--db",
    help=(
        "Store: a SQLite file path or a database URL. "
        f"Default: ${DB_ENV} or ~/.local/share/trialscout/trialscout.db"
    ),
    show_default=False,
)


def resolve_db(db: str | None) -> str:
    """`--db`, else `$TRIALSCOUT_DB` as given (a URL must not pass through Path), else default."""
    if db:
        return db
    return os.environ.get(DB_ENV) or str(default_db_path())


AbsentOption = typer.Option(
    False,
    "--absent-unless-documented",
    help="Treat history items the record does not mention as absent (off by default).",
)


def parse_as_of(value: str | None) -> dt.date | None:
    """`--as-of` as a date; a bad value is a usage error naming the option."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"expected a date YYYY-MM-DD, got {value!r}", param_hint="--as-of"
        ) from None
