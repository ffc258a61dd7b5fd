"""The integration API: ``chronotrace serve`` (FastAPI on uvicorn) for video management systems and case tools.

Everything goes through the services with the key's actor, so role checks, audit and redaction stay where the
desktop has them. Inside: ``settings`` (how the server is run), ``problems`` (RFC 9457 error bodies), ``gate``
(the API key, its scopes and limits), ``accounting`` (request ids and one ``api_call`` audit row per request),
``routers`` (one module per resource), ``app`` (the factory).
"""

from chronotrace_desktop.api.app import create_app, render_openapi
from chronotrace_desktop.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app", "render_openapi"]
