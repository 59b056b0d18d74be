"""The web application: one FastAPI app over one store, HTML pages and their JSON twins.

`create_app(db)` owns the app; the `serve` command is a thin layer over it. Pages are
server-rendered Jinja2 with htmx (vendored, no CDN) for the small interactive parts.
Patient input arrives only in POST bodies and is never stored or logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from trialscout import __version__

HERE = Path(__file__).resolve().parent
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# Multipart framing and the other form fields ride on top of the file itself.
MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 256 * 1024

templates = Jinja2Templates(directory=str(HERE / "templates"))


def wants_json(request: Request) -> bool:
    p = request.url.path
    return p.startswith("/api/") or p.endswith(".json") or p == "/openapi.json"


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render a template; htmx requests for a page's fragment get the same template."""
    return templates.TemplateResponse(request, name, context, status_code=status_code)


class BodyLimit:
    """413 before reading a body whose declared length is over the limit (uploads)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST":
            for k, v in scope.get("headers", []):
                if k == b"content-length" and v.isdigit() and int(v) > self.limit:
                    resp = too_large(scope)
                    await resp(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def too_large(scope: Scope) -> Response:
    msg = f"The upload is too large: the limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
    path = scope.get("path", "")
    if path.startswith("/api/"):
        return JSONResponse({"detail": msg}, status_code=413)
    return HTMLResponse(f'<p class="error" role="alert">{msg}</p>', status_code=413)


def create_app(db: str | None = None, *, store: Any | None = None) -> FastAPI:
    """The app over `store` (or the store at `db`); one store per app, shared by requests."""
    from trialscout.store import Store

    if store is None:
        if db is None:
            raise ValueError("create_app needs db or store")
        store = Store.open(db)
    app = FastAPI(
        title="trialscout",
        version=__version__,
        description=(
            "Clinical-trial search and eligibility matching over a local copy of "
            "ClinicalTrials.gov. Every HTML page has a JSON twin under /api."
        ),
        docs_url=None,  # FastAPI's Swagger UI loads from a CDN; /docs is served locally
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.store = store
    app.state.db = db or str(store.engine.url)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(BodyLimit)

    from trialscout.web import api, docs_view, patient_view, search_view, trial_view

    app.include_router(api.router)
    app.include_router(trial_view.router)
    app.include_router(search_view.router)
    app.include_router(patient_view.router)
    app.include_router(docs_view.router)

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/search", status_code=307)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 413:
            return too_large(request.scope)
        if wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        title = "Not found" if exc.status_code == 404 else f"Error {exc.status_code}"
        return page(
            request,
            "error.html",
            {"title": title, "message": str(exc.detail), "status": exc.status_code},
            status_code=exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}: {e.get('msg')}"
            for e in exc.errors()
        ]
        if wants_json(request):
            return JSONResponse({"detail": problems}, status_code=422)
        return page(
            request,
            "error.html",
            {"title": "Bad request", "message": "; ".join(problems), "status": 422},
            status_code=422,
        )

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        # No stack trace to the user; the server log has it (without request bodies).
        msg = "Something went wrong on the server. The problem has been logged."
        if wants_json(request):
            return JSONResponse({"detail": msg}, status_code=500)
        return page(
            request,
            "error.html",
            {"title": "Server error", "message": msg, "status": 500},
            status_code=500,
        )

    return app
