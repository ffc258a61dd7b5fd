"""Errors split by blame.

``UserFacingError`` and its children are *expected*: bad input, wrong credentials, a missing permission, or an
environment problem (database down, disk full). Front ends show their message as it is, without a traceback.
Anything else that escapes a service is a bug: log it with its traceback and show an error dialog.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An expected failure whose message is written for the person at the keyboard."""

    exit_code = 1


class InvalidInputError(UserFacingError):
    """The caller gave something malformed or inconsistent (bad e-mail, unknown role, bad query)."""

    exit_code = 2


class AuthenticationError(UserFacingError):
    """Wrong credentials, an inactive account or a locked account."""

    exit_code = 2


class PermissionDeniedError(UserFacingError):
    """The acting user's role may not perform the action."""

    exit_code = 3


class NotFoundError(UserFacingError):
    """A referenced record does not exist (or is soft-deleted)."""

    exit_code = 2


class ConflictError(UserFacingError):
    """The action clashes with stored state (duplicate e-mail, already initialised installation)."""

    exit_code = 2


class EnvironmentProblemError(UserFacingError):
    """Something outside the program failed: database unreachable, disk full, keyring missing."""

    exit_code = 4


class OperationCancelledError(Exception):
    """A cooperative cancel was honoured. Not an error for the user, so not a ``UserFacingError``."""
