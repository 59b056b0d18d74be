"""The trial page `/trials/{NCT_ID}`, its JSON twin, and 'Check if I qualify'."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from trialscout.criteria.atoms import ParsedCriteria
from trialscout.registry.model import NCT_ID_RE, Trial
from trialscout.registry.render import SECTIONS
from trialscout.web.app import page

router = APIRouter(include_in_schema=False)


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def load_trial(request: Request, nct_id: str) -> Trial:
    """The stored trial, or a 404 that says which ID was not found."""
    nct = nct_id.strip().upper()
    if not NCT_ID_RE.match(nct):
        raise HTTPException(404, f"'{nct_id}' is not an NCT ID (NCT followed by 8 digits).")
    trial: Trial | None = request.app.state.store.get_trial(nct)
    if trial is None:
        raise HTTPException(404, f"Trial {nct} is not in this store.")
    return trial


def parsed_for(request: Request, trial: Trial) -> ParsedCriteria:
    from trialscout.criteria.cache import get_or_parse

    return get_or_parse(request.app.state.store, trial)


def related_for(request: Request, trial: Trial, k: int = 5) -> list[dict[str, Any]]:
    from trialscout.web.related import related_index

    store = request.app.state.store
    out: list[dict[str, Any]] = []
    for r in related_index(store).related(trial.nct_id, k):
        other = store.get_trial(r.nct_id)
        if other is None:
            continue
        out.append(
            {
                "nct_id": r.nct_id,
                "title": other.title,
                "status": other.overall_status.value if other.overall_status else None,
                "phases": [p.value for p in other.phases],
                "score": r.score,
                "shared_terms": r.shared,
            }
        )
    return out


def trial_context(request: Request, nct_id: str) -> dict[str, Any]:
    from trialscout.web.faq import build_faq
    from trialscout.web.present import eligibility_panel
    from trialscout.web.qualify import form_fields
    from trialscout.web.related import DESCRIPTION

    trial = load_trial(request, nct_id)
    parsed = parsed_for(request, trial)
    fields, unasked = form_fields(trial, parsed)
    top = [c for c in parsed.criteria if c.parent is None]
    return {
        "trial": trial,
        "sections": [(s, slug(s)) for s in SECTIONS],
        "parsed": parsed,
        "inclusion": [c for c in parsed.criteria if c.kind == "inclusion"],
        "exclusion": [c for c in parsed.criteria if c.kind == "exclusion"],
        "n_top": len(top),
        "panel": eligibility_panel(trial, parsed),
        "faq": build_faq(trial, parsed),
        "related": related_for(request, trial),
        "related_how": DESCRIPTION,
        "fields": fields,
        "unasked": unasked,
    }


@router.get("/trials/{nct_id}.json")
def trial_json(request: Request, nct_id: str) -> Response:
    trial = load_trial(request, nct_id)
    return JSONResponse(trial.model_dump(mode="json"))


@router.get("/trials/{nct_id}")
async def trial_page(request: Request, nct_id: str) -> Response:
    ctx = await run_in_threadpool(trial_context, request, nct_id)
    return page(request, "trial.html", {"title": ctx["trial"].title, **ctx})


@router.post("/trials/{nct_id}/qualify")
async def qualify(request: Request, nct_id: str) -> Response:
    """Answers -> profile in memory -> verdict. Nothing is stored or logged."""
    form = await request.form()
    answers = {k: v for k, v in form.items() if isinstance(v, str)}

    def work() -> dict[str, Any]:
        import datetime as dt

        from trialscout.match import match_trial
        from trialscout.patient.errors import ProfileError
        from trialscout.web.qualify import form_fields, profile_from_form

        trial = load_trial(request, nct_id)
        parsed = parsed_for(request, trial)
        fields, unasked = form_fields(trial, parsed)
        try:
            profile = profile_from_form(fields, answers, as_of=dt.date.today())
        except ProfileError as e:
            return {"error": "\n".join(m for _, m in e.problems) or e.message, "trial": trial}
        result = match_trial(profile, trial, parsed)
        return {"result": result, "trial": trial, "unasked": unasked}

    ctx = await run_in_threadpool(work)
    status = 400 if "error" in ctx else 200
    if request.headers.get("HX-Request"):
        return page(request, "_match.html", ctx, status_code=status)
    return page(request, "standalone.html", {**ctx, "inner": "_match.html"}, status_code=status)
