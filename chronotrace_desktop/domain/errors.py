"""Errors split by blame.

``UserFacingError`` and its children are *expected*: bad input, wrong credentials, a missing permission, or an
environment problem (database down, disk full). Front ends show their message as it is, without a traceback.
Anything else that escapes a service is a bug: log it with its traceback and show an error dialog.

Each class names the command line's exit code for it (``exit_code``): the one error -> exit-code map.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """What ``chronotrace`` returns to the shell."""

    OK = 0
    FAILURE = 1  # the command failed, or a check (doctor, db status, verify, rescan, alerts) found a problem
    USAGE = 2  # bad usage or input, wrong credentials, not found, a conflict; verify: no package there
    FORBIDDEN = 3  # the signed-in role may not do that
    ENVIRONMENT = 4  # the environment failed: database down, disk full, keyring missing, bad schema
    INTERRUPTED = 130  # Ctrl+C or a cancel (128 + SIGINT)


class UserFacingError(Exception):
    """An expected failure whose message is written for the person at the keyboard."""

    exit_code: ClassVar[ExitCode] = ExitCode.FAILURE


class InvalidInputError(UserFacingError):
    """The caller gave something malformed or inconsistent (bad e-mail, unknown role, bad query)."""

    exit_code = ExitCode.USAGE


class AuthenticationError(UserFacingError):
    """Wrong credentials, an inactive account or a locked account."""

    exit_code = ExitCode.USAGE


class PermissionDeniedError(UserFacingError):
    """The acting user's role may not perform the action."""

    exit_code = ExitCode.FORBIDDEN


class NotFoundError(UserFacingError):
    """A referenced record does not exist (or is soft-deleted)."""

    exit_code = ExitCode.USAGE


class ConflictError(UserFacingError):
    """The action clashes with stored state (duplicate e-mail, already initialised installation)."""

    exit_code = ExitCode.USAGE


class RateLimitedError(UserFacingError):
    """Too many requests in a window (an API key's hourly or daily limit): try again after ``retry_after_s``."""

    exit_code = ExitCode.FAILURE

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class EnvironmentProblemError(UserFacingError):
    """Something outside the program failed: database unreachable, disk full, keyring missing."""

    exit_code = ExitCode.ENVIRONMENT


class EvidenceIntegrityError(EnvironmentProblemError):
    """Stored evidence differs from what was recorded when it was made (a cut or rendition changed in the media
    store): nothing is exported from it."""


class OperationCancelledError(Exception):
    """A cooperative cancel was honoured. Not an error for the user, so not a ``UserFacingError``."""
