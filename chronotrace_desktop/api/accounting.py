"""Per request: an id (``X-Request-ID``), a body-size cap, and one ``api_call`` audit row (success or failure).

The audit row is written by the key service (``record_call``) in the thread pool after the response is made,
with the caller's address, user agent, the request id, the key's prefix and the outcome. ``/v1/health`` is not
audited, nor is ``/openapi.json``: load balancers poll the one, tools fetch the other, and neither touches data.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from chronotrace_desktop.api.problems import RequestRefusedError, problem
from chronotrace_desktop.api.routers.uploads import UPLOADS_PATH
from chronotrace_desktop.api.settings import MAX_JSON_BYTES

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from fastapi import FastAPI, Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from chronotrace_desktop.services.api_keys import ApiKeyService

logger = logging.getLogger(__name__)

REQUEST_ID = "X-Request-ID"
UNAUDITED = frozenset({"/v1/health", "/openapi.json"})
MAX_USER_AGENT = 512


def _outcome(request: Request, status: int) -> str:
    explicit: str | None = getattr(request.state, "outcome", None)
    if explicit:
        return explicit
    return "success" if status < 400 else "failed"


def _cap(request: Request) -> int:
    """Uploads have their own (large) cap, checked again while streaming; every other body is small JSON."""
    upload: int = request.app.state.max_upload_bytes
    return upload if request.url.path == UPLOADS_PATH else MAX_JSON_BYTES


def _too_big(request: Request) -> bool:
    length = request.headers.get("content-length")
    try:
        return length is not None and int(length) > _cap(request)
    except ValueError:
        return True


class BodyCap:
    """Counts the bytes of a request body as they arrive: a chunked body (no Content-Length) over the cap is
    refused with a 413 too, before it fills memory or disk."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit: int = scope["app"].state.max_upload_bytes if scope["path"] == UPLOADS_PATH else MAX_JSON_BYTES
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise RequestRefusedError(
                        413, f"the request body is limited to {limit} bytes", outcome="too_large"
                    )
            return message

        await self.app(scope, capped, send)


def install_accounting(app: FastAPI) -> None:
    app.add_middleware(BodyCap)

    @app.middleware("http")
    async def account(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = uuid.uuid4().hex
        request.state.request_id = request_id
        if _too_big(request):
            request.state.outcome = "too_large"
            response: Response = problem(
                request, 413, f"the request body is limited to {MAX_JSON_BYTES} bytes"
            )
        else:
            try:
                response = await call_next(request)
            except Exception:  # a bug: its traceback goes to the log, the caller gets a bare 500
                logger.exception(
                    "unhandled error on %s %s (request %s)", request.method, request.url.path, request_id
                )
                request.state.outcome = "error"
                response = problem(request, 500, f"internal error; quote request {request_id}")
        response.headers[REQUEST_ID] = request_id
        gate: ApiKeyService | None = request.app.state.gate
        if gate is not None and request.url.path not in UNAUDITED:
            await run_in_threadpool(_record, gate, request, response.status_code, request_id)
        return response


def _record(gate: ApiKeyService, request: Request, status: int, request_id: str) -> None:
    key_actor = getattr(request.state, "key_actor", None)
    try:
        gate.record_call(
            key_actor,
            method=request.method,
            path=request.url.path,
            status=status,
            outcome=_outcome(request, status),
            ip_address=request.client.host if request.client else None,
            user_agent=(request.headers.get("user-agent") or "")[:MAX_USER_AGENT] or None,
            request_id=request_id,
            key_prefix=getattr(request.state, "presented_prefix", None),
        )
    except Exception:  # the answer is already made; a lost audit row is logged loudly, not hidden
        logger.exception("could not audit request %s", request_id)
