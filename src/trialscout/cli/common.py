"""Options and helpers shared by every CLI command."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

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


DEMO_SEEDS = Path(__file__).resolve().parent.parent / "demo" / "seeds"


def load_trial_and_criteria(nct: str, db: str | None) -> tuple[Any, Any]:
    """(trial, parsed criteria) from the store (cached parse), else a bundled seed trial;
    (None, None) when neither has it. The store is closed before returning."""
    from trialscout.store import Store

    target = resolve_db(db)
    if "://" in target or Path(target).exists():
        with Store.open(target) as store:
            trial = store.get_trial(nct)
            if trial is not None:
                from trialscout.criteria.cache import get_or_parse

                return trial, get_or_parse(store, trial)
    seed = DEMO_SEEDS / f"{nct}.json"
    if seed.is_file():
        from trialscout.criteria.parser import parse_criteria
        from trialscout.registry.json_reader import trial_from_api_v2

        trial = trial_from_api_v2(json.loads(seed.read_text(encoding="utf-8")), str(seed))
        text = trial.eligibility.criteria if trial.eligibility else None
        return trial, parse_criteria(text, trial.nct_id)
    return None, None
