"""The JSON API under `/api`: the same data as the pages, for programs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

router = APIRouter(prefix="/api", tags=["api"])


class MatchRequest(BaseModel):
    """A patient profile (design/patient-profile.md), and optionally the trials to check."""

    profile: dict[str, Any] = Field(description="a trialscout patient profile (JSON)")
    trials: list[str] = Field(
        default_factory=list,
        description="NCT IDs to check; empty: rank the store's trials for this patient",
    )
    limit: int = Field(20, ge=1, le=100, description="how many ranked trials (no `trials`)")
    statuses: list[str] = Field(
        default_factory=list,
        description="no `trials`: only these overall statuses (recruiting...); empty: all",
    )
    show_ineligible: bool = Field(
        False, description="no `trials`: list ineligible trials last instead of hiding them"
    )


@router.get("/trials/{nct_id}", summary="One trial: the full record")
def get_trial(request: Request, nct_id: str) -> Response:
    from trialscout.web.trial_view import load_trial

    return JSONResponse(load_trial(request, nct_id).model_dump(mode="json"))


@router.get("/trials/{nct_id}/criteria", summary="Parsed eligibility criteria and the panel")
def get_criteria(request: Request, nct_id: str) -> Response:
    from trialscout.web.present import eligibility_panel
    from trialscout.web.trial_view import load_trial, parsed_for

    trial = load_trial(request, nct_id)
    parsed = parsed_for(request, trial)
    return JSONResponse(
        {
            "nct_id": trial.nct_id,
            "parsed": parsed.model_dump(mode="json", exclude_none=True),
            "summary": [f.model_dump(mode="json") for f in eligibility_panel(trial, parsed)],
        }
    )


@router.get("/trials/{nct_id}/related", summary="The most similar trials in this store")
def get_related(request: Request, nct_id: str, k: int = Query(5, ge=1, le=50)) -> Response:
    from trialscout.web.related import DESCRIPTION
    from trialscout.web.trial_view import load_trial, related_for

    trial = load_trial(request, nct_id)
    return JSONResponse(
        {"nct_id": trial.nct_id, "method": DESCRIPTION, "related": related_for(request, trial, k)}
    )


@router.get("/trials/{nct_id}/faq", summary="Questions answered from the record")
def get_faq(request: Request, nct_id: str) -> Response:
    from trialscout.web.faq import build_faq
    from trialscout.web.trial_view import load_trial, parsed_for

    trial = load_trial(request, nct_id)
    items = build_faq(trial, parsed_for(request, trial))
    return JSONResponse({"nct_id": trial.nct_id, "faq": [i.model_dump() for i in items]})


@router.get("/search", summary="Search trials (same parameters as the /search page)")
def search(
    request: Request,
    q: str | None = Query(None, description="words to look for"),
    status: list[str] = Query([], description="recruiting, completed... repeatable"),
    phase: list[str] = Query([], description="1, 2, 'phase 2'... repeatable"),
    condition: str | None = Query(None),
    country: str | None = Query(None),
    near: str | None = Query(None, description="LAT,LON or a place name"),
    radius: str | None = Query(None, description="500km, 300mi (with near)"),
    age: str | None = Query(None, description="years"),
    sex: str | None = Query(None, description="female or male"),
    match: str | None = Query(None, description="'all' (default) or 'any' word"),
    page: int = Query(1, ge=1),
    limit: int = Query(20, ge=1, le=100),
) -> Response:
    from trialscout.web.search_view import search_json

    return search_json(request)


@router.post(
    "/match",
    summary="Match a patient profile (`trialscout match` JSON; without trials `trialscout find`)",
)
async def match(request: Request, body: MatchRequest = Body(...)) -> Response:
    def work() -> dict[str, Any]:
        from trialscout.cli.match_cmd import match_json
        from trialscout.match import match_trial
        from trialscout.patient.errors import ProfileError
        from trialscout.patient.loader import profile_from_data
        from trialscout.web.ranking import find_for_patient, parse_statuses
        from trialscout.web.trial_view import load_trial, parsed_for

        try:
            statuses = parse_statuses(body.statuses)
        except ValueError as e:
            raise HTTPException(400, {"message": f"statuses: {e}", "field": "statuses"}) from None
        data = dict(body.profile)
        data.setdefault("as_of", dt.date.today().isoformat())
        try:
            profile = profile_from_data(data, "profile")
        except ProfileError as e:
            raise HTTPException(
                422, {"message": str(e), "problems": [list(p) for p in e.problems]}
            ) from None
        if not body.trials:
            from trialscout.cli.find_cmd import find_json

            found = find_for_patient(
                request.app.state.store,
                profile,
                body.limit,
                statuses=statuses,
                show_ineligible=body.show_ineligible,
            )
            return find_json(found)
        results = []
        for nct in body.trials:
            trial = load_trial(request, nct)
            results.append(match_trial(profile, trial, parsed_for(request, trial)))
        results.sort(key=lambda r: r.rank_key(), reverse=True)
        return match_json(profile.id, results)

    return JSONResponse(await run_in_threadpool(work))
