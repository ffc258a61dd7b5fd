"""Roles and the permission table: which role may do which action.

Services call :func:`is_allowed` (through the authorisation helper in ``services``) on every public call;
the UI may hide buttons with it too, but hiding is never the enforcement.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"
    API_USER = "api_user"


class Action(StrEnum):
    """Everything a user can ask of the services that needs a permission."""

    VIEW_LIBRARY = "view_library"
    SEARCH = "search"
    VIEW_REDACTED_MEDIA = "view_redacted_media"
    REVEAL_PII = "reveal_pii"
    INGEST_VIDEO = "ingest_video"
    DELETE_VIDEO = "delete_video"
    CORRECT_VIDEO_TIME = "correct_video_time"  # a video's recording start or clock offset
    VIEW_ANOMALIES = "view_anomalies"
    TRIAGE_ANOMALY = "triage_anomaly"
    CONFIGURE_CAMERAS = "configure_cameras"
    EXPORT_REDACTED = "export_redacted"
    EXPORT_UNREDACTED = "export_unredacted"
    VIEW_AUDIT_LOG = "view_audit_log"  # everyone's audit rows
    VIEW_OWN_AUDIT = "view_own_audit"  # one's own audit rows only (the service and row-level security narrow)
    MANAGE_USERS = "manage_users"
    MANAGE_API_KEYS = "manage_api_keys"
    MANAGE_DATABASE = "manage_database"
    CHANGE_OWN_PASSWORD = "change_own_password"
    VIEW_CASES = "view_cases"  # cases, their videos and bookmarks
    MANAGE_CASES = "manage_cases"  # open, edit, close cases, add videos, set an evidence hold
    BOOKMARK = "bookmark"  # mark moments with notes; edit and delete bookmarks
    RELEASE_EVIDENCE_HOLD = "release_evidence_hold"
    VIEW_SEARCH_ANALYTICS = "view_search_analytics"  # everyone's search volumes, latencies and queries


_VIEWER = frozenset(
    {
        Action.VIEW_LIBRARY,
        Action.SEARCH,
        Action.VIEW_REDACTED_MEDIA,
        Action.VIEW_ANOMALIES,
        Action.CHANGE_OWN_PASSWORD,
        Action.VIEW_CASES,
    }
)
_ANALYST = _VIEWER | {
    Action.REVEAL_PII,
    Action.INGEST_VIDEO,
    Action.DELETE_VIDEO,
    Action.CORRECT_VIDEO_TIME,
    Action.TRIAGE_ANOMALY,
    Action.EXPORT_REDACTED,
    Action.EXPORT_UNREDACTED,
    Action.MANAGE_CASES,
    Action.BOOKMARK,
    Action.VIEW_OWN_AUDIT,
}
_ADMIN = frozenset(Action)
# An integration account: reads and searches through the API, never sees faces, never administers.
_API_USER = frozenset(
    {
        Action.VIEW_LIBRARY,
        Action.SEARCH,
        Action.VIEW_REDACTED_MEDIA,
        Action.VIEW_ANOMALIES,
        Action.INGEST_VIDEO,
        Action.VIEW_CASES,
    }
)

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.VIEWER: _VIEWER,
    Role.ANALYST: frozenset(_ANALYST),
    Role.ADMIN: _ADMIN,
    Role.API_USER: _API_USER,
}


def is_allowed(role: Role, action: Action) -> bool:
    return action in PERMISSIONS[role]


def parse_role(text: str) -> Role:
    """The role named by ``text``; ``ValueError`` with the valid names otherwise."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {text!r}; choose one of: {valid}") from None
