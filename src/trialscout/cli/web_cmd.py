"""`trialscout serve`: the web pages and JSON API over the local store (localhost only by
default). Patient input arrives in POST bodies only; the access log shows paths, never
form data."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from trialscout.cli.common import DbOption, console, err_console, resolve_db
from trialscout.cli.main import app


@app.command()
def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind; the default serves this machine only."
    ),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port."),
    db: str | None = DbOption,
) -> None:
    """Serve trial pages, search, 'Check if I qualify' and the JSON API."""
    import uvicorn

    from trialscout.web.app import create_app

    target = resolve_db(db)
    if "://" not in target and not Path(target).exists():
        err_console.print(
            Text(
                f"error: no store at {target}; load trials first "
                "(`trialscout ingest --demo`) or pass --db"
            ),
            highlight=False,
        )
        raise typer.Exit(1)
    web = create_app(target)
    shown = f"[{host}]" if ":" in host else host
    console.print(
        Text(f"trialscout: serving {target} at http://{shown}:{port}/  (Ctrl+C to stop)"),
        highlight=False,
    )
    uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)
