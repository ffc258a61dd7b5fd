"""The acting user and user records as the services hand them out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from chronotrace_desktop.domain.roles import Role

# The same pattern as the schema's CHECK constraint ``check_email_format``.
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking. Every public service call takes one; it is built only by a successful login."""

    user_id: uuid.UUID
    email: str
    role: Role
    full_name: str | None = None
    client: str = "desktop"  # "desktop", "cli" or "api": recorded as the audit row's user agent


class ReauthPurpose(StrEnum):
    """What a user re-entered their password for (``services.access.reauth``); a proof serves that only."""

    REVEAL = "reveal"  # the original media of segments, in the player or a measurement
    EXPORT_UNREDACTED = "export_unredacted"  # an evidence package with the originals in it


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: uuid.UUID
    email: str
    role: Role
    full_name: str | None
    organization: str | None
    is_active: bool
    created_at: datetime | None
    last_login_at: datetime | None
    locked_until: datetime | None
    db_login: str | None = None  # the user's PostgreSQL login (team profile)
    # Set only on the answer to the call that made it: the login's password, to be shown once.
    new_login: NewDatabaseLogin | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class NewDatabaseLogin:
    """A team user's PostgreSQL login and its password, made now; the password is not kept anywhere."""

    login: str
    password: str = field(repr=False)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """Why ``email`` is not acceptable, or ``None``."""
    if not EMAIL_PATTERN.fullmatch(email):  # not match: its "$" also matches before a final line feed
        return f"{email!r} is not a valid e-mail address"
    if len(email) > 255:
        return "e-mail addresses are limited to 255 characters"
    return None


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable as a new password, or ``None``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"passwords need at least {MIN_PASSWORD_LENGTH} characters"
    if password.strip() != password:
        return "passwords may not start or end with spaces"
    if len(password.encode()) > 72:
        return "passwords are limited to 72 bytes (bcrypt)"
    return None
