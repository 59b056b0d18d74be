"""`trialscout search QUERY`: full-text search with filters over the local store."""

from __future__ import annotations

import json

import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from trialscout.cli.common import DbOption, console, err_console, resolve_db
from trialscout.cli.main import app


def _fail(message: str) -> typer.Exit:
    err_console.print(Text("error: ", style="red") + Text(message), highlight=False)
    return typer.Exit(2)


def _phase_label(phases: list[str]) -> str:
    return "/".join(p.replace("EARLY_PHASE", "Early ").replace("PHASE", "") for p in phases) or "-"


@app.command()
def search(
    query: str = typer.Argument(
        "", help="Words to look for (titles, conditions, drugs, summary, criteria)."
    ),
    status: list[str] = typer.Option(
        [], "--status", help="Overall status, e.g. recruiting, 'not yet recruiting'. Repeatable."
    ),
    phase: list[str] = typer.Option(
        [], "--phase", help="Phase: 1, 2, 'phase 2', PHASE2. Repeatable."
    ),
    country: list[str] = typer.Option(
        [], "--country", help="Country of the trial or its sites. Repeatable."
    ),
    condition: list[str] = typer.Option(
        [], "--condition", help="Condition words. Repeatable (any)."
    ),
    age: float | None = typer.Option(None, "--age", help="Patient age in years."),
    sex: str | None = typer.Option(None, "--sex", help="female or male."),
    near: str | None = typer.Option(
        None,
        "--near",
        help="LAT,LON or a place ('Guangzhou, China', Chengdu): rank by nearest recruiting "
        "site. Sites without registry coordinates use their city's centre (approximate).",
    ),
    radius: str | None = typer.Option(
        None, "--radius", help="With --near: 500km, 500 (km) or 300mi."
    ),
    any_word: bool = typer.Option(
        False, "--any", help="Match any word (long patient-style queries)."
    ),
    limit: int = typer.Option(20, "--limit", min=1, max=1000),
    offset: int = typer.Option(0, "--offset", min=0),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    db: str | None = DbOption,
) -> None:
    """Search the local store; with no QUERY, list the trials that pass the filters."""
    from trialscout.search import NearPoint, SearchQuery
    from trialscout.search.filters import parse_near_or_place, parse_radius
    from trialscout.store import Store

    try:
        point = parse_near_or_place(near) if near else None
        radius_km = parse_radius(radius) if radius else None
        if radius_km is not None and point is None:
            raise ValueError("--radius needs --near LAT,LON or --near PLACE")
        q = SearchQuery(
            text=query or None,
            match="any" if any_word else "all",
            statuses=status,
            phases=phase,
            countries=country,
            conditions=condition,
            age=age,
            sex=sex,
            near=NearPoint(lat=point[0], lon=point[1], place=point[2]) if point else None,
            radius_km=radius_km,
            limit=limit,
            offset=offset,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        msg = str(err.get("ctx", {}).get("error") or err["msg"]).removeprefix("Value error, ")
        raise _fail(f"{where}: {msg}") from None
    except ValueError as exc:
        raise _fail(str(exc)) from None

    with Store.open(resolve_db(db)) as store:
        page = store.search(q)

    if as_json:
        out = {
            "query": q.model_dump(mode="json", exclude_defaults=True),
            "total": page.total,
            "results": [r.model_dump(mode="json") for r in page.results],
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return

    shown = f"{q.offset + 1}-{q.offset + len(page.results)}" if page.results else "0"
    title = f"{page.total} trials (showing {shown})"
    if q.near and q.near.place:
        title += f", distances from {q.near.place} ({q.near.lat:.2f}, {q.near.lon:.2f})"
    table = Table(title=title, title_justify="left")
    table.add_column("NCT ID", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Phase", no_wrap=True)
    table.add_column("Title")
    table.add_column("Conditions")
    if q.near:
        table.add_column("Nearest open site", justify="right", no_wrap=True)
    for r in page.results:
        row = [
            Text(r.nct_id),
            Text((r.status.value if r.status else "-").replace("_", " ").lower()),
            Text(_phase_label([p.value for p in r.phases])),
            Text(r.title),
            Text("; ".join(r.conditions[:3]) + (" ..." if len(r.conditions) > 3 else "")),
        ]
        if q.near:
            if r.distance_km is None:
                row.append(Text("-"))
            else:
                # '~': the site's point is its city's centre, not the registry's own.
                approx = "~" if r.geo_source == "city" else ""
                row.append(Text(f"{approx}{r.distance_km:,.0f} km"))
        table.add_row(*row)
    console.print(table)
    if q.near and any(r.geo_source == "city" for r in page.results):
        console.print(Text("~ distance to the site's city centre (no registry coordinates)"))
