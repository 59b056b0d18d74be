"""Options and helpers shared by every CLI command."""

from __future__ import annotations

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
