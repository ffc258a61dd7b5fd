"""API keys (issue 17): scopes, what a key's holder sees of it, and the actor a key signs in as.

A key is ``KEY_PREFIX`` + 32 random bytes (URL-safe base64); only its SHA-256 (hex) and its first
``PREFIX_LENGTH`` characters are stored, so the key is shown once, when it is made, and never again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.roles import Action, Role, is_allowed

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from chronotrace_desktop.domain.users import Actor

KEY_PREFIX = "ct_live_"
PREFIX_LENGTH = 10  # what api_keys.key_prefix holds: "ct_live_" and two characters of the random part
KEY_RANDOM_BYTES = 32


class Scope(StrEnum):
    READ_VIDEOS = "read:videos"
    WRITE_VIDEOS = "write:videos"
    READ_SEARCHES = "read:searches"
    WRITE_SEARCHES = "write:searches"
    ADMIN = "admin"


# The role permissions a scope needs: a user may hold a key only within their own role.
SCOPE_ACTIONS: dict[Scope, frozenset[Action]] = {
    Scope.READ_VIDEOS: frozenset({Action.VIEW_LIBRARY, Action.VIEW_REDACTED_MEDIA}),
    Scope.WRITE_VIDEOS: frozenset({Action.INGEST_VIDEO}),
    Scope.READ_SEARCHES: frozenset({Action.SEARCH}),
    Scope.WRITE_SEARCHES: frozenset({Action.SEARCH}),
    Scope.ADMIN: frozenset({Action.MANAGE_API_KEYS}),
}


def parse_scopes(text: str) -> frozenset[Scope]:
    """``"read:videos, write:searches"`` as scopes; ``InvalidInputError`` naming a scope that is not one."""
    scopes = set()
    for word in (w.strip().lower() for w in text.split(",")):
        if not word:
            continue
        try:
            scopes.add(Scope(word))
        except ValueError:
            valid = ", ".join(s.value for s in Scope)
            raise InvalidInputError(f"unknown scope {word!r}; choose from: {valid}") from None
    if not scopes:
        raise InvalidInputError("a key needs at least one scope (e.g. read:videos)")
    return frozenset(scopes)


def role_covers(role: Role, scope: Scope) -> bool:
    """Whether a user of ``role`` may hold a key with ``scope`` (``admin`` only for administrators)."""
    if scope is Scope.ADMIN:
        return role is Role.ADMIN
    return all(is_allowed(role, action) for action in SCOPE_ACTIONS[scope])


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """One key as listed: never its hash, never the key."""

    key_id: uuid.UUID
    user_email: str
    name: str | None
    prefix: str
    scopes: frozenset[Scope]
    rate_limit_per_hour: int
    rate_limit_per_day: int
    request_count: int
    last_used_at: datetime | None
    created_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    is_active: bool

    def as_json(self) -> dict[str, object]:
        def stamp(value: datetime | None) -> str | None:
            return value.isoformat() + "Z" if value else None

        return {
            "key_id": str(self.key_id),
            "user": self.user_email,
            "name": self.name,
            "prefix": self.prefix,
            "scopes": sorted(s.value for s in self.scopes),
            "rate_limit_per_hour": self.rate_limit_per_hour,
            "rate_limit_per_day": self.rate_limit_per_day,
            "request_count": self.request_count,
            "last_used_at_utc": stamp(self.last_used_at),
            "created_at_utc": stamp(self.created_at),
            "expires_at_utc": stamp(self.expires_at),
            "revoked_at_utc": stamp(self.revoked_at),
            "is_active": self.is_active,
        }


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A key just made (or rotated): ``key`` is shown once and kept nowhere."""

    key: str = field(repr=False)
    info: ApiKeyInfo


@dataclass(frozen=True, slots=True)
class KeyActor:
    """Who a request with a valid key acts as: the key's user (``client="api"``), narrowed by its scopes."""

    actor: Actor
    key_id: uuid.UUID
    prefix: str
    scopes: frozenset[Scope]

    def allows(self, scope: Scope) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes


@dataclass(frozen=True, slots=True)
class RateState:
    """A key's use in its current windows after one more request was counted."""

    hour_count: int
    hour_limit: int
    day_count: int
    day_limit: int
    reset_hour_s: int  # seconds until the hourly window starts again

    @property
    def remaining(self) -> int:
        return max(0, min(self.hour_limit - self.hour_count, self.day_limit - self.day_count))
