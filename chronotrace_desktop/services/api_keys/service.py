"""API keys: made, listed, revoked and rotated by their users (administrators: anyone's), checked on every
request, counted against their limits, and every request written to the audit log.

A key acts as its user: the user's role is re-read on every request (a demoted or disabled user's key shrinks
or stops at once), narrowed by the key's scopes. A user may hold only scopes their role covers, and only an
administrator an ``admin`` key (``domain.api_keys.role_covers``). The key is shown once; the database keeps its
SHA-256 and its prefix, and no message, log line or audit row ever carries it.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.api_keys import (
    KEY_PREFIX,
    PREFIX_LENGTH,
    ApiKeyInfo,
    CreatedKey,
    KeyActor,
    RateState,
    Scope,
    role_covers,
)
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from chronotrace_desktop.domain.roles import Action, Role, is_allowed
from chronotrace_desktop.domain.users import Actor, normalise_email
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.api_keys.keys import key_hash, key_prefix, new_key, same_hash, well_formed
from chronotrace_desktop.services.api_keys.usage import Refusal, count_request
from chronotrace_desktop.storage.orm import ApiKey, User

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterable
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

NOT_A_KEY = "The API key is not valid."
MAX_NAME = 100
# Anything in a path or a header that looks like a key is cut to its prefix before it is written anywhere.
_KEY_LIKE = re.compile(re.escape(KEY_PREFIX) + r"[A-Za-z0-9_-]*")


def scrub(text: str) -> str:
    return _KEY_LIKE.sub(lambda m: m.group(0)[:PREFIX_LENGTH] + "…", text)


class ApiKeyService:
    def __init__(self, database: Database, authorizer: Authorizer, audit: AuditService) -> None:
        self._db = database
        self._authorizer = authorizer
        self._audit = audit

    # ------------------------------------------------------------------------------------------- managing
    def create(
        self,
        actor: Actor,
        *,
        name: str,
        scopes: Iterable[Scope],
        rate_per_hour: int = 1000,
        rate_per_day: int = 10000,
        expires_at: datetime | None = None,
        for_user: str | None = None,
    ) -> CreatedKey:
        """A new key for ``actor`` (or, for an administrator, for ``for_user``): shown once, audited."""
        fresh = self._authorizer.current(actor)
        wanted = frozenset(scopes)
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            raise InvalidInputError(f"a key needs a name of 1 to {MAX_NAME} characters")
        if not wanted:
            raise InvalidInputError("a key needs at least one scope (e.g. read:videos)")
        if rate_per_hour < 1 or rate_per_day < 1:
            raise InvalidInputError("rate limits are whole numbers of requests, at least 1")
        if expires_at is not None and expires_at <= utcnow():
            raise InvalidInputError("the expiry date is in the past")
        with self._db.transaction() as session:
            owner = self._owner(session, fresh, for_user)
            self._check_scopes(fresh, Role(owner.role), wanted, owner.email)
            key = new_key()
            row = ApiKey(
                user_id=owner.id,
                key_hash=key_hash(key),
                key_prefix=key_prefix(key),
                name=name,
                scopes=sorted(s.value for s in wanted),
                rate_limit_per_hour=rate_per_hour,
                rate_limit_per_day=rate_per_day,
                expires_at=expires_at,
            )
            session.add(row)
            session.flush()
            self._audit.record_in(session, self._event(AuditAction.API_KEY_CREATED, fresh, row, owner.email))
            info = _info(row, owner.email)
        logger.info("API key %s (%s) created for %s", info.key_id, info.prefix, owner.email)
        return CreatedKey(key, info)

    def list_keys(self, actor: Actor, *, all_users: bool = False) -> list[ApiKeyInfo]:
        fresh = (
            self._authorizer.require(actor, Action.MANAGE_API_KEYS, resource_type="api_key")
            if all_users
            else self._authorizer.current(actor)
        )
        with self._db.transaction() as session:
            query = sa.select(ApiKey, User.email).join(User, User.id == ApiKey.user_id)
            if not all_users:
                query = query.where(ApiKey.user_id == fresh.user_id)
            rows = session.execute(query.order_by(ApiKey.created_at, ApiKey.id)).all()
            return [_info(key, email) for key, email in rows]

    def revoke(self, actor: Actor, key_id: uuid.UUID) -> ApiKeyInfo:
        """Revoke a key (one's own; an administrator's: anyone's); audited. Requests with it fail at once."""
        with self._db.transaction() as session:
            fresh, row, email = self._managed(session, actor, key_id)
            if row.revoked_at is not None:
                raise ConflictError(f"key {key_id} was revoked already")
            row.revoked_at = utcnow()
            row.is_active = False
            self._audit.record_in(session, self._event(AuditAction.API_KEY_REVOKED, fresh, row, email))
            info = _info(row, email)
        logger.info("API key %s (%s) revoked", info.key_id, info.prefix)
        return info

    def rotate(self, actor: Actor, key_id: uuid.UUID) -> CreatedKey:
        """A new secret with the key's settings; the old key revoked in the same transaction; audited."""
        with self._db.transaction() as session:
            fresh, old, email = self._managed(session, actor, key_id)
            if old.revoked_at is not None or old.is_active is False:
                raise ConflictError(f"key {key_id} is revoked; make a new one instead")
            owner_role = session.scalar(sa.select(User.role).where(User.id == old.user_id))
            scopes = _scopes(old.scopes)
            self._check_scopes(fresh, Role(str(owner_role)), scopes, email)
            key = new_key()
            row = ApiKey(
                user_id=old.user_id,
                key_hash=key_hash(key),
                key_prefix=key_prefix(key),
                name=old.name,
                description=old.description,
                scopes=sorted(s.value for s in scopes),
                rate_limit_per_hour=old.rate_limit_per_hour,
                rate_limit_per_day=old.rate_limit_per_day,
                expires_at=old.expires_at,
                meta={"rotated_from": str(old.id)},
            )
            old.revoked_at = utcnow()
            old.is_active = False
            session.add(row)
            session.flush()
            event = self._event(AuditAction.API_KEY_ROTATED, fresh, row, email, {"rotated_from": str(old.id)})
            self._audit.record_in(session, event)
            info = _info(row, email)
        logger.info("API key %s rotated into %s (%s)", key_id, info.key_id, info.prefix)
        return CreatedKey(key, info)

    # ------------------------------------------------------------------------------------------- requests
    def authenticate(self, raw_key: str) -> KeyActor:
        """The actor a request with ``raw_key`` acts as; ``AuthenticationError`` (never quoting the key) for a
        malformed, unknown, expired, revoked or inactive key or a disabled user."""
        if not isinstance(raw_key, str) or not well_formed(raw_key.strip()):
            raise AuthenticationError(NOT_A_KEY)
        raw_key = raw_key.strip()
        with self._db.transaction() as session:
            found = session.execute(
                sa.select(ApiKey, User)
                .join(User, User.id == ApiKey.user_id)
                .where(ApiKey.key_hash == key_hash(raw_key))
            ).one_or_none()
            if found is None:
                raise AuthenticationError(NOT_A_KEY)
            key, user = found
            if not same_hash(key.key_hash, raw_key):
                raise AuthenticationError(NOT_A_KEY)
            if key.revoked_at is not None or key.is_active is False:
                raise AuthenticationError("The API key was revoked.")
            if key.expires_at is not None and key.expires_at <= utcnow():
                raise AuthenticationError("The API key has expired.")
            if not user.is_active:
                raise AuthenticationError("The API key's account is disabled.")
            role = Role(user.role)
            actor = Actor(user.id, user.email, role, user.full_name, client="api")
            # A demoted user's key shrinks to what their role now covers.
            scopes = frozenset(s for s in _scopes(key.scopes) if role_covers(role, s))
            return KeyActor(actor, key.id, key.key_prefix, scopes)

    def consume(self, key: KeyActor) -> RateState:
        """Count one request against the key's hourly and daily limits (atomically, whatever the number of
        server processes); ``RateLimitedError`` with the seconds to wait when a window is full."""
        with self._db.transaction() as session:
            limits = session.execute(
                sa.select(ApiKey.rate_limit_per_hour, ApiKey.rate_limit_per_day).where(
                    ApiKey.id == key.key_id
                )
            ).one_or_none()
            if limits is None:
                raise AuthenticationError(NOT_A_KEY)
            per_hour, per_day = (int(limit or 1) for limit in limits)
            counted = count_request(session, key.key_id, per_hour, per_day)
            if isinstance(counted, Refusal):  # raised inside the transaction: nothing of it is kept
                raise RateLimitedError(
                    f"This key's limit of {counted.limit} requests per {counted.window} is reached; "
                    f"try again in {counted.retry_after_s} s.",
                    retry_after_s=counted.retry_after_s,
                )
            return counted

    def record_call(
        self,
        key: KeyActor | None,
        *,
        method: str,
        path: str,
        status: int,
        outcome: str,
        ip_address: str | None,
        user_agent: str | None,
        request_id: str | None,
        key_prefix: str | None = None,
    ) -> None:
        """One ``api_call`` audit row for a request, refused or not; never the key (anything shaped like one is
        cut to its prefix)."""
        prefix = key.prefix if key is not None else _prefix_only(key_prefix)
        metadata: dict[str, Any] = {
            "method": method[:16],
            "path": scrub(path.split("?", 1)[0])[:1024],
            "status": status,
            "outcome": scrub(outcome)[:200],
            "key_prefix": prefix,
        }
        if key is not None:
            metadata["key_id"] = str(key.key_id)
        self._audit.record(
            AuditEvent(
                action=AuditAction.API_CALL,
                actor=key.actor if key is not None else None,
                resource_type="api_key" if key is not None else None,
                resource_id=key.key_id if key is not None else None,
                success=status < 400,
                error_message=None if status < 400 else scrub(outcome)[:500],
                metadata=metadata,
                ip_address=_address(ip_address),
                request_id=scrub(request_id)[:255] if request_id else None,
                user_agent=scrub(user_agent)[:512] if user_agent else None,
            )
        )

    # ------------------------------------------------------------------------------------------- helpers
    def _owner(self, session: Session, actor: Actor, for_user: str | None) -> User:
        email = normalise_email(for_user) if for_user else actor.email
        if email != actor.email:
            self._authorizer.require(actor, Action.MANAGE_API_KEYS, resource_type="api_key")
        owner = session.scalar(sa.select(User).where(User.email == email))
        if owner is None:
            raise NotFoundError(f"no user {email}")
        if not owner.is_active:
            raise ConflictError(f"{email} is disabled; keys are made for active accounts only")
        return owner

    def _check_scopes(self, actor: Actor, owner_role: Role, scopes: frozenset[Scope], owner: str) -> None:
        beyond = sorted(s.value for s in scopes if not role_covers(owner_role, s))
        if not beyond:
            return
        article = "An" if owner_role.value[0] in "aeiou" else "A"
        message = f"{article} {owner_role.value}'s key may not have the scope {', '.join(beyond)}."
        self._audit.record(
            AuditEvent(
                action=AuditAction.PERMISSION_DENIED,
                actor=actor,
                resource_type="api_key",
                success=False,
                error_message=message,
                metadata={"requested_scopes": beyond, "for_user": owner, "role": owner_role.value},
            )
        )
        raise PermissionDeniedError(message)

    def _managed(self, session: Session, actor: Actor, key_id: uuid.UUID) -> tuple[Actor, ApiKey, str]:
        """A key the actor may manage (locked for the change), its owner's e-mail and the fresh actor."""
        fresh = self._authorizer.current(actor)
        row = session.get(ApiKey, key_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no API key {key_id}")
        if row.user_id != fresh.user_id and not is_allowed(fresh.role, Action.MANAGE_API_KEYS):
            fresh = self._authorizer.require(
                actor, Action.MANAGE_API_KEYS, resource_type="api_key", resource_id=key_id
            )
        email = session.scalar(sa.select(User.email).where(User.id == row.user_id))
        return fresh, row, str(email)

    @staticmethod
    def _event(
        action: AuditAction, actor: Actor, row: ApiKey, email: str, extra: dict[str, Any] | None = None
    ) -> AuditEvent:
        return AuditEvent(
            action=action,
            actor=actor,
            resource_type="api_key",
            resource_id=row.id,
            metadata={
                "key_prefix": row.key_prefix,
                "name": row.name,
                "for_user": email,
                "scopes": list(row.scopes or []),
                "rate_limit_per_hour": row.rate_limit_per_hour,
                "rate_limit_per_day": row.rate_limit_per_day,
                "expires_at": row.expires_at.isoformat() + "Z" if row.expires_at else None,
                **(extra or {}),
            },
        )


def _scopes(stored: list[str] | None) -> frozenset[Scope]:
    return frozenset(Scope(s) for s in stored or () if s in Scope._value2member_map_)


def _info(row: ApiKey, email: str) -> ApiKeyInfo:
    now = utcnow()
    active = (
        row.is_active is not False
        and row.revoked_at is None
        and (row.expires_at is None or row.expires_at > now)
    )
    return ApiKeyInfo(
        key_id=row.id,
        user_email=email,
        name=row.name,
        prefix=row.key_prefix,
        scopes=_scopes(row.scopes),
        rate_limit_per_hour=int(row.rate_limit_per_hour or 0),
        rate_limit_per_day=int(row.rate_limit_per_day or 0),
        request_count=int(row.request_count or 0),
        last_used_at=row.last_used_at,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        is_active=active,
    )


def _prefix_only(text: str | None) -> str | None:
    return text[:PREFIX_LENGTH] if text else None


def _address(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
