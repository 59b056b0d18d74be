"""The search page `/search` and its JSON twin `/search.json` (same as `/api/search`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from trialscout.registry.model import OverallStatus, Phase
from trialscout.search import NearPoint, SearchPage, SearchQuery
from trialscout.web.app import page

router = APIRouter(include_in_schema=False)
PER_PAGE = 20

STATUS_CHOICES = [(s.value, s.value.replace("_", " ").capitalize()) for s in OverallStatus][:8]
PHASE_CHOICES = [
    (p.value, p.value.replace("EARLY_PHASE", "Early phase ").replace("PHASE", "Phase "))
    for p in Phase
]


def query_from_params(params: Any) -> tuple[SearchQuery | None, list[str], dict[str, Any]]:
    """(query, problems, form state) from URL parameters; problems name the field."""
    from trialscout.search.filters import parse_near_or_place, parse_radius

    def one(k: str) -> str:
        return (params.get(k) or "").strip()

    state: dict[str, Any] = {
        "q": one("q"),
        "status": [s for s in params.getlist("status") if s],
        "phase": [p for p in params.getlist("phase") if p],
        "condition": one("condition"),
        "country": one("country"),
        "near": one("near"),
        "radius": one("radius"),
        "age": one("age"),
        "sex": one("sex"),
        "match": one("match") or "all",
    }
    problems: list[str] = []
    try:
        page_no = max(1, int(one("page") or 1))
    except ValueError:
        problems.append(f"page: expected a whole number, found {one('page')!r}")
        page_no = 1
    try:
        per_page = min(100, max(1, int(one("limit") or PER_PAGE)))
    except ValueError:
        problems.append(f"limit: expected a whole number, found {one('limit')!r}")
        per_page = PER_PAGE
    state["page"], state["limit"] = page_no, per_page
    near: NearPoint | None = None
    radius_km: float | None = None
    if state["near"]:
        try:
            lat, lon, place = parse_near_or_place(state["near"])
            near = NearPoint(lat=lat, lon=lon, place=place)
        except ValueError as e:
            problems.append(f"near: {e}")
    if state["radius"]:
        try:
            radius_km = parse_radius(state["radius"])
        except ValueError as e:
            problems.append(f"radius: {e}")
        if not state["near"]:
            problems.append("radius: give a place or LAT,LON in 'near' too")
    age: float | None = None
    if state["age"]:
        try:
            age = float(state["age"])
        except ValueError:
            problems.append(f"age: expected a number of years, found {state['age']!r}")
    if problems:
        return None, problems, state
    try:
        q = SearchQuery(
            text=state["q"] or None,
            match="any" if state["match"] == "any" else "all",
            statuses=state["status"],
            phases=state["phase"],
            conditions=[state["condition"]] if state["condition"] else [],
            countries=[state["country"]] if state["country"] else [],
            age=age,
            sex=state["sex"] or None,
            near=near,
            radius_km=radius_km,
            limit=per_page,
            offset=(page_no - 1) * per_page,
        )
    except ValidationError as e:
        for err in e.errors():
            loc = ".".join(str(x) for x in err["loc"])
            problems.append(f"{loc}: {str(err['msg']).removeprefix('Value error, ')}")
        return None, problems, state
    return q, problems, state


def run(request: Request) -> tuple[SearchPage | None, list[str], dict[str, Any]]:
    q, problems, state = query_from_params(request.query_params)
    if q is None:
        return None, problems, state
    try:
        return request.app.state.store.search(q), [], state
    except ValueError as e:
        return None, [str(e)], state


def search_json(request: Request) -> Response:
    results, problems, state = run(request)
    if results is None:
        return JSONResponse({"detail": problems}, status_code=400)
    body = results.model_dump(mode="json")
    body["page"], body["limit"] = state["page"], state["limit"]
    return JSONResponse(body)


@router.get("/search.json")
async def search_json_twin(request: Request) -> Response:
    return await run_in_threadpool(search_json, request)


@router.get("/search")
async def search_page(request: Request) -> Response:
    results, problems, state = await run_in_threadpool(run, request)
    searched = any(
        state[k] for k in ("q", "status", "phase", "condition", "country", "near", "age", "sex")
    )
    pages = 0
    if results is not None:
        pages = (results.total + state["limit"] - 1) // state["limit"]
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    from urllib.parse import urlencode

    base = urlencode(params)
    ctx = {
        "title": "Search trials",
        "results": results,
        "problems": problems,
        "state": state,
        "searched": searched,
        "pages": pages,
        "base_qs": base,
        "status_choices": STATUS_CHOICES,
        "phase_choices": PHASE_CHOICES,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        return page(request, "_results.html", ctx)
    return page(request, "search.html", ctx)
