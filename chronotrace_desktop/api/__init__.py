"""The integration API: ``chronotrace serve`` (FastAPI on uvicorn) for video management systems and case tools.

Everything goes through the services with the key's actor, so role checks, audit and redaction stay where the
desktop has them. Inside: ``settings`` (how the server is run), ``problems`` (RFC 9457 error bodies), ``gate``
(the API key, its scopes and limits), ``accounting`` (request ids and one ``api_call`` audit row per request),
``routers`` (one module per resource), ``app`` (the factory).

The factory is imported on first use: every other command of the CLI reads ``settings`` for its argument
defaults and should not pay for FastAPI and the routers (about 0.3 s of each command's start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.api.settings import ApiSettings

if TYPE_CHECKING:
    from chronotrace_desktop.api.app import create_app, render_openapi

__all__ = ["ApiSettings", "create_app", "render_openapi"]


def __getattr__(name: str) -> Any:
    if name in {"create_app", "render_openapi"}:
        from chronotrace_desktop.api import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
