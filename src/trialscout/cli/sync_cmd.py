"""`trialscout sync`: pull studies from the live registry API into the local store."""

from __future__ import annotations

import os
from datetime import date

import typer

from trialscout.cli.common import DB_ENV, DbOption, console, err_console, resolve_db
from trialscout.cli.main import app
from trialscout.registry.api_client import (
    API_URL_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_PAGE_SIZE,
    DEFAULT_RATE_PER_MINUTE,
    MAX_PAGE_SIZE,
)
from trialscout.registry.model import OverallStatus


def _statuses(values: list[str]) -> tuple[OverallStatus, ...]:
    """`--status recruiting --status NOT_YET_RECRUITING` or one comma-separated value."""
    out: list[OverallStatus] = []
    for value in values:
        for part in value.split(","):
            name = part.strip().upper().replace(" ", "_").replace("-", "_")
            if not name:
                continue
            try:
                status = OverallStatus(name)
            except ValueError:
                allowed = ", ".join(s.value for s in OverallStatus)
                raise typer.BadParameter(
                    f"unknown status {part.strip()!r}; one of: {allowed}", param_hint="--status"
                ) from None
            if status not in out:
                out.append(status)
    return tuple(out)


def _db_target(db: str | None) -> str:
    """`--db`, else `$TRIALSCOUT_DB` verbatim (a database URL must not pass through pathlib)."""
    env = os.environ.get(DB_ENV)
    return db or env or resolve_db(None)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD", param_hint="--updated-since"
        ) from None


@app.command()
def sync(
    db: str | None = DbOption,
    condition: str | None = typer.Option(
        None,
        "--condition",
        "-c",
        metavar="TEXT",
        help="Condition search (API query.cond), e.g. 'nasopharyngeal'.",
    ),
    term: str | None = typer.Option(
        None, "--term", metavar="TEXT", help="Free-text search (API query.term)."
    ),
    intervention: str | None = typer.Option(
        None, "--intervention", metavar="TEXT", help="Intervention search (API query.intr)."
    ),
    status: list[str] = typer.Option(
        [],
        "--status",
        "-s",
        metavar="STATUS",
        help="Overall status; repeat or comma-separate (RECRUITING,...).",
    ),
    updated_since: str | None = typer.Option(
        None,
        "--updated-since",
        metavar="DATE",
        help="Only studies whose last update was posted on/after DATE.",
    ),
    since: str | None = typer.Option(
        None,
        "--since",
        metavar="DATE|last",
        help="Incremental refresh: only studies updated on/after DATE, or since the last "
        "completed sync ('last'); their criteria are re-parsed.",
    ),
    parse: bool | None = typer.Option(
        None,
        "--parse-criteria/--no-parse-criteria",
        help="Parse the changed trials' criteria after the sync (default: on with --since).",
    ),
    page_size: int = typer.Option(
        DEFAULT_PAGE_SIZE, "--page-size", min=1, max=MAX_PAGE_SIZE, help="Studies per request."
    ),
    max_pages: int | None = typer.Option(
        None, "--max-pages", min=1, help="Stop after N pages (a rerun continues)."
    ),
    base_url: str = typer.Option(
        DEFAULT_BASE_URL, "--base-url", envvar=API_URL_ENV, metavar="URL", help="API v2 base URL."
    ),
    rate: float = typer.Option(
        DEFAULT_RATE_PER_MINUTE, "--rate", min=0.1, help="Most requests per minute."
    ),
    retries: int = typer.Option(
        5, "--attempts", min=1, help="Attempts per request before giving up."
    ),
    restart: bool = typer.Option(
        False, "--restart", help="Ignore a saved checkpoint and start from the first page."
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
) -> None:
    """Download studies from ClinicalTrials.gov (API v2) into the store; resumes if interrupted."""
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from trialscout.registry.api_client import ApiClient, ApiError
    from trialscout.registry.sync import (
        PageReport,
        SyncQuery,
        refresh_criteria,
        run_sync,
        since_date,
    )
    from trialscout.store import Store

    if since and updated_since:
        raise typer.BadParameter("use --since or --updated-since, not both", param_hint="--since")
    query = SyncQuery(
        condition=condition or None,
        term=term or None,
        intervention=intervention or None,
        statuses=_statuses(status),
        updated_since=_date(updated_since),
        page_size=page_size,
    )
    do_parse = parse if parse is not None else bool(since)
    progress = Progress(
        TextColumn("[bold]sync[/bold] page {task.fields[page]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=no_progress,
        transient=False,
    )
    task = progress.add_task("sync", total=None, page=0)

    def on_page(report: PageReport) -> None:
        progress.update(
            task, completed=report.studies_seen, total=report.total_count, page=report.page
        )

    def on_error(line: str) -> None:
        progress.console.print(
            f"[yellow]skipped[/yellow] {escape(line)}", highlight=False, soft_wrap=True
        )

    def on_retry(problem: str, delay: float) -> None:
        progress.console.print(
            f"[yellow]retrying in {delay:.1f} s[/yellow] after {escape(problem)}",
            highlight=False,
            soft_wrap=True,
        )

    try:
        client = ApiClient(base_url, rate_per_minute=rate, max_attempts=retries, on_retry=on_retry)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--base-url") from None
    with Store.open(_db_target(db)) as store, client:
        if since:
            try:
                query = query.model_copy(update={"updated_since": since_date(store, since)})
            except ValueError as exc:
                err_console.print(f"--since: {escape(str(exc))}", highlight=False)
                raise typer.Exit(2) from None
            err_console.print(f"only studies updated since {query.updated_since}")
        try:
            with progress:
                summary = run_sync(
                    store,
                    client,
                    query,
                    max_pages=max_pages,
                    restart=restart,
                    on_page=on_page,
                    on_error=on_error,
                )
        except KeyboardInterrupt:
            err_console.print("interrupted; run the same command again to resume.")
            raise typer.Exit(130) from None
        except ApiError as exc:
            err_console.print(
                f"[red]sync failed:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            err_console.print(
                "Pages already stored are kept; run the same command again to resume."
            )
            raise typer.Exit(1) from None
        parsed = 0
        if do_parse and summary.changed:
            parsed = refresh_criteria(store, summary.changed, on_error=on_error)

    if summary.resumed_at_page:
        console.print(f"resumed at page {summary.resumed_at_page}")
    console.print(
        f"pages: {summary.pages}  stored: {summary.stored}  unchanged: {summary.unchanged}  "
        f"failed: {summary.failed}"
        + (f"  (registry total: {summary.total_count})" if summary.total_count is not None else "")
    )
    if do_parse:
        console.print(f"criteria parsed: {parsed} changed trial(s)")
    if not summary.complete:
        console.print(f"stopped after {summary.pages} page(s) (--max-pages); rerun to continue")
