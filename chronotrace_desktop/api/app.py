"""``create_app``: the FastAPI application over one process's ``AppServices``.

Endpoints are plain ``def`` functions: FastAPI runs them in its thread pool, so a blocking service call (SQL, the
vector store, a render) never blocks the event loop. CORS is off unless origins are configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from chronotrace_desktop import __version__
from chronotrace_desktop.api.accounting import install_accounting
from chronotrace_desktop.api.problems import install_problem_handlers
from chronotrace_desktop.api.routers import anomalies, health, searches, videos

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.services.app import AppServices

API_PREFIX = "/v1"


def create_app(services: AppServices | None, *, cors_origins: Sequence[str] = ()) -> FastAPI:
    """``services`` None builds the app for its OpenAPI document only (every keyed call is then a 401)."""
    app = FastAPI(
        title="ChronoTrace integration API",
        version=__version__,
        summary="Videos, redacted media, searches and anomalies for video management systems and case tools.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
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
    for router in (health.router, videos.router, searches.router, anomalies.router):
        app.include_router(router, prefix=API_PREFIX)
    return app
