"""The door: an API key in ``Authorization: Bearer …`` or ``X-API-Key``, its scopes and its limits.

``caller(scope)`` is the dependency every keyed endpoint declares: 401 without a valid key (missing, unknown,
expired, revoked: the key service decides), 429 with ``Retry-After`` once the key's hourly or daily budget is
spent, 403 when the key lacks the endpoint's scope. It returns the key's :class:`Actor`, so the services apply
the user's role as they do on the desktop. Plain ``def`` functions: FastAPI runs them in its thread pool, never on
the event loop. The key itself is never logged; only the key service's prefix is kept (``request.state``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPBearer

from chronotrace_desktop.api.problems import RequestRefusedError
from chronotrace_desktop.domain.api_keys import KEY_PREFIX, PREFIX_LENGTH
from chronotrace_desktop.domain.errors import AuthenticationError, RateLimitedError
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.api_keys import Scope

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.services.api_keys import ApiKeyService, KeyActor

BEARER = "bearer "
UNAUTHENTICATED = {"WWW-Authenticate": 'Bearer realm="chronotrace"'}
# Declared for the OpenAPI document (its security schemes); the key is read by ``presented_key``.
_BEARER = Depends(HTTPBearer(auto_error=False, description="Authorization: Bearer ct_live_…"))
_HEADER = Depends(APIKeyHeader(name="X-API-Key", auto_error=False, description="the key itself: ct_live_…"))


def presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[: len(BEARER)].lower() == BEARER:
        return header[len(BEARER) :].strip() or None
    return request.headers.get("x-api-key", "").strip() or None


def caller(scope: Scope) -> Callable[..., Actor]:
    """The dependency of an endpoint that needs ``scope``: the key's actor, or a 401/403/429 problem."""

    def check(request: Request, bearer: object = _BEARER, header: object = _HEADER) -> Actor:
        gate: ApiKeyService | None = request.app.state.gate
        raw = presented_key(request)
        if raw is None:
            raise RequestRefusedError(
                401, "an API key is required", outcome="unauthenticated", headers=UNAUTHENTICATED
            )
        if raw.startswith(KEY_PREFIX):  # for the audit row of a refused key: the part the database keeps
            request.state.presented_prefix = raw[:PREFIX_LENGTH]
        if gate is None:
            raise RequestRefusedError(
                401, "API keys are not enabled here", outcome="unauthenticated", headers=UNAUTHENTICATED
            )
        try:
            holder: KeyActor = gate.authenticate(raw)
        except AuthenticationError as error:
            raise RequestRefusedError(
                401, str(error), outcome="unauthenticated", headers=UNAUTHENTICATED
            ) from None
        request.state.key_actor = holder
        try:
            gate.consume(holder)
        except RateLimitedError as error:
            seconds = str(max(1, math.ceil(error.retry_after_s)))
            raise RequestRefusedError(
                429, str(error), outcome="rate_limited", headers={"Retry-After": seconds}
            ) from None
        if not holder.allows(scope):
            raise RequestRefusedError(403, f"this key lacks the scope {scope.value}", outcome="denied")
        return holder.actor

    return check


# What an endpoint declares: ``actor: ReadVideos``.
ReadVideos = Annotated[Actor, Depends(caller(Scope.READ_VIDEOS))]
WriteVideos = Annotated[Actor, Depends(caller(Scope.WRITE_VIDEOS))]
ReadSearches = Annotated[Actor, Depends(caller(Scope.READ_SEARCHES))]
WriteSearches = Annotated[Actor, Depends(caller(Scope.WRITE_SEARCHES))]
