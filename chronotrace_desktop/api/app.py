"""``create_app``: the FastAPI application over one process's ``AppServices``.

Endpoints are plain ``def`` functions: FastAPI runs them in its thread pool, so a blocking service call (SQL, the
vector store, a render) never blocks the event loop. CORS is off unless origins are configured.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool

from chronotrace_desktop import __version__
from chronotrace_desktop.api.accounting import install_accounting
from chronotrace_desktop.api.jobs import IngestJobs
from chronotrace_desktop.api.problems import Problem, documented, install_problem_handlers
from chronotrace_desktop.api.routers import anomalies, health, ingest, searches, uploads, videos
from chronotrace_desktop.api.settings import MAX_UPLOAD_BYTES

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence
    from pathlib import Path
    from typing import Any

    from chronotrace_desktop.services.app import AppServices

API_PREFIX = "/v1"


def create_app(
    services: AppServices | None,
    *,
    cors_origins: Sequence[str] = (),
    ingest_roots: Sequence[Path] = (),
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
) -> FastAPI:
    """``services`` None builds the app for its OpenAPI document only (every keyed call is then a 401).
    ``ingest_roots``: the folders whose files may be ingested by path (none: ingest by path is off); uploads go
    to ``<data dir>/uploads``, at most ``max_upload_bytes`` each."""
    jobs = IngestJobs(services.ingest) if services is not None else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if jobs is not None:  # running ingests stop between segments and stay resumable
            await run_in_threadpool(jobs.close)

    app = FastAPI(
        lifespan=lifespan,
        title="ChronoTrace integration API",
        version=__version__,
        summary="Videos, redacted media, searches and anomalies for video management systems and case tools.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    app.state.jobs = jobs
    app.state.ingest_roots = tuple(root.resolve() for root in ingest_roots)
    app.state.upload_dir = services.paths.data_dir / "uploads" if services is not None else None
    app.state.max_upload_bytes = max_upload_bytes
    app.state.gate = services.api_keys if services is not None else None
    install_problem_handlers(app)
    install_accounting(app)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST", "PATCH"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Session-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.include_router(health.router, prefix=API_PREFIX)
    keyed = documented(400, 401, 403, 404, 413, 429, 503)
    for router in (videos.router, searches.router, anomalies.router, ingest.router, uploads.router):
        app.include_router(router, prefix=API_PREFIX, responses=keyed)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def render_openapi() -> str:
    """The OpenAPI document as committed in ``docs/openapi.json`` (``chronotrace serve --write-openapi``)."""
    return json.dumps(create_app(None).openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document without its 422 (this API answers bad input with a 400 problem) and with the problem
    body's schema."""
    document = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes, openapi_version="3.1.0"
    )
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    return document
