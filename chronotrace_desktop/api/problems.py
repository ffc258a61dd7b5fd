"""Errors as ``application/problem+json`` (RFC 9457): type, title, status, detail, instance; ``errors`` names the
fields of a 400. Domain errors map by class, the same blame split as the desktop's: their message is written for
the caller; anything else is a bug, logged with its traceback and answered with a bare 500."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from chronotrace_desktop.domain.errors import (
    AuthenticationError,
    ConflictError,
    EnvironmentProblemError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UserFacingError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from fastapi import FastAPI, Request

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://chronotrace.invalid/problems/"

_STATUS_OF: tuple[tuple[type[UserFacingError], int], ...] = (
    (InvalidInputError, 400),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (RateLimitedError, 429),
    (EnvironmentProblemError, 503),
)


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An error body (RFC 9457), for the OpenAPI document."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] | None = None


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem responses an endpoint may give, for its ``responses=``."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


class RequestRefusedError(StarletteHTTPException):
    """A refusal decided in the API layer itself (no key, a scope missing, a limit reached, a body too big).

    An HTTP exception, so FastAPI passes it through while it reads a body (a cap reached mid-stream stays 413)."""

    def __init__(
        self, status: int, detail: str, *, outcome: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status, detail, dict(headers or {}))
        self.outcome = outcome


def status_of(error: UserFacingError) -> int:
    for cls, status in _STATUS_OF:
        if isinstance(error, cls):
            return status
    return 500


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    errors: Sequence[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": TYPE_BASE + phrase.lower().replace(" ", "-").replace("'", ""),
        "title": phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = [dict(e) for e in errors]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


def _field(location: Sequence[Any]) -> str:
    """``("body", "filters", "has_faces")`` → ``filters.has_faces``; a query or path parameter by its name."""
    parts = [str(p) for p in location]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in exc.errors()]
        request.state.outcome = "invalid"
        named = ", ".join(dict.fromkeys(e["field"] for e in errors))
        return problem(request, 400, f"invalid input: {named}", errors=errors)

    @app.exception_handler(RequestRefusedError)
    async def refused(request: Request, exc: RequestRefusedError) -> JSONResponse:
        request.state.outcome = exc.outcome
        return problem(request, exc.status_code, exc.detail, headers=exc.headers)

    @app.exception_handler(UserFacingError)
    async def expected(request: Request, exc: UserFacingError) -> JSONResponse:
        status = status_of(exc)
        request.state.outcome = {401: "unauthenticated", 403: "denied", 429: "rate_limited"}.get(
            status, "failed"
        )
        if status == 500:
            logger.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, RateLimitedError) else None
        return problem(request, status, str(exc), headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        request.state.outcome = "failed"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of the path, not only those of the first route matched
            headers["Allow"] = ", ".join(_methods(request))
        return problem(request, exc.status_code, str(exc.detail), headers=headers)


def _methods(request: Request) -> list[str]:
    path = request.url.path
    return sorted(
        {
            method
            for route in request.app.routes
            if isinstance(route, APIRoute) and route.path_regex.match(path)
            for method in route.methods or ()
        }
    )
