"""The `trialscout` command: a thin layer; each command group lives in its own module."""

from __future__ import annotations

import typer

from trialscout import __version__

app = typer.Typer(
    name="trialscout",
    help=(
        "Find oncology clinical trials and check eligibility "
        "against a local copy of ClinicalTrials.gov."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"trialscout {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """trialscout: registry ingest, search, criteria, matching."""


def _register() -> None:
    """Import every `*_cmd` module here; each adds its own commands to `app`."""
    import importlib
    import pkgutil

    import trialscout.cli as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.endswith("_cmd"):
            importlib.import_module(f"trialscout.cli.{info.name}")


_register()

if __name__ == "__main__":
    app()
