"""`/docs`: the API reference rendered from the OpenAPI schema, with no external fetch
(FastAPI's default Swagger UI loads its scripts from a CDN)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trialscout.web.app import page

router = APIRouter(include_in_schema=False)


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = [
                {
                    "name": p.get("name"),
                    "where": p.get("in"),
                    "required": p.get("required", False),
                    "description": p.get("description") or "",
                }
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "params": params,
                    "body": ref.rsplit("/", 1)[-1] if ref else None,
                }
            )
    return out


@router.get("/docs")
def docs(request: Request) -> Response:
    schema = request.app.openapi()
    models = schema.get("components", {}).get("schemas", {})
    return page(
        request,
        "docs.html",
        {"title": "API", "ops": operations(schema), "models": models, "info": schema["info"]},
    )
