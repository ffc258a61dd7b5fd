"""API keys for the integration API (issue 17): made and managed by their users, checked and counted on every
request, every request audited.

``keys`` makes a key and checks one (SHA-256, constant-time comparison), ``usage`` counts requests per hour and
per day atomically in PostgreSQL, ``service`` holds :class:`ApiKeyService` (roles, scopes, audit).
"""

from chronotrace_desktop.domain.api_keys import (
    KEY_PREFIX,
    ApiKeyInfo,
    CreatedKey,
    KeyActor,
    RateState,
    Scope,
    parse_scopes,
)
from chronotrace_desktop.services.api_keys.service import NOT_A_KEY, ApiKeyService

__all__ = [
    "KEY_PREFIX",
    "NOT_A_KEY",
    "ApiKeyInfo",
    "ApiKeyService",
    "CreatedKey",
    "KeyActor",
    "RateState",
    "Scope",
    "parse_scopes",
]
