"""Which table privileges each app role's database group holds, derived from ``domain/roles.py``.

A group gets the grants of every action its role may perform (:data:`ACTION_GRANTS`) plus what any signed-in
user needs (:data:`SIGNED_IN`). Nobody but the migration owner may ALTER, TRUNCATE, UPDATE or DELETE
``audit_log``: no grant here names those privileges on it, and the owner is never a group member. Where a
rule depends on the row, row-level security narrows a grant (``storage.db_roles``: a user's own ``users``
row; audit rows only in one's own name).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chronotrace_desktop.domain.roles import PERMISSIONS, Action, Role


class Privilege(StrEnum):
    SELECT = "SELECT"
    INSERT = "INSERT"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


_READ = frozenset({Privilege.SELECT})
_WRITE = frozenset(Privilege)
_APPEND = frozenset({Privilege.SELECT, Privilege.INSERT})


@dataclass(frozen=True, slots=True)
class TableGrant:
    """Privileges on a table; ``columns`` narrows an UPDATE grant to those columns."""

    table: str
    privileges: frozenset[Privilege]
    columns: tuple[str, ...] = ()


# The sign-in bookkeeping columns of one's own users row (row-level security keeps it to one's own row).
_SIGN_IN_COLUMNS = ("failed_login_count", "locked_until", "last_login_at", "updated_at")

SIGNED_IN: tuple[TableGrant, ...] = (
    TableGrant("users", _READ),
    TableGrant("users", frozenset({Privilege.UPDATE}), _SIGN_IN_COLUMNS),
    TableGrant("login_throttle", _WRITE),
    TableGrant("audit_log", _APPEND),
    TableGrant("schema_migrations", _READ),
    # 0014 / issue 17: a user makes and revokes their own API keys, and a login running the API server checks
    # keys and counts their requests; row-level security keeps a non-administrator's login to its own keys
    # (``storage.db_roles``), and a key's scopes are narrowed to its user's role when it is used.
    TableGrant("api_keys", frozenset({Privilege.SELECT, Privilege.INSERT})),
    TableGrant(
        "api_keys",
        frozenset({Privilege.UPDATE}),
        ("request_count", "last_used_at", "revoked_at", "is_active"),
    ),
    TableGrant("api_key_usage", _WRITE),
)

_LIBRARY = (
    TableGrant("videos", _READ),
    TableGrant("video_segments", _READ),
    TableGrant("video_tracks", _READ),
    TableGrant("cameras", _READ),
    # 0018 / issue 19: everyone in the team sees the ingest queue's files, their workers and progress.
    *(TableGrant(table, _READ) for table in ("procrastinate_jobs", "ingest_workers", "ingest_job_progress")),
)
# 0018 / issue 19: who ingests enqueues files, cancels and retries them, and works the queue as a worker
# (procrastinate's functions run as the caller; its id sequences: QUEUE_SEQUENCES, ``storage.db_roles``).
_QUEUE_WRITE = tuple(
    TableGrant(table, _WRITE)
    for table in (
        "procrastinate_jobs",
        "procrastinate_workers",
        "procrastinate_events",
        "procrastinate_periodic_defers",
        "ingest_workers",
        "ingest_job_progress",
    )
)
QUEUE_SEQUENCES = (
    "procrastinate_jobs_id_seq",
    "procrastinate_workers_id_seq",
    "procrastinate_events_id_seq",
    "procrastinate_periodic_defers_id_seq",
)
_FOOTAGE_WRITE = (
    TableGrant("videos", _WRITE),
    TableGrant("video_segments", _WRITE),
    TableGrant("video_tracks", _WRITE),
    TableGrant("anomalies", _WRITE),
    TableGrant("anomaly_scans", _WRITE),
    TableGrant("cameras", frozenset({Privilege.SELECT, Privilege.INSERT})),
)
# 0012's evidence-hold triggers read a video's or an export's cases in the caller's name.
_CASES_READ = (
    TableGrant("cases", _READ),
    TableGrant("case_videos", _READ),
    TableGrant("bookmarks", _READ),
)
_EXPORT = (
    *_CASES_READ,
    TableGrant("exports", frozenset({Privilege.SELECT, Privilege.INSERT, Privilege.UPDATE})),
    # An export renders the redacted clips it packs and records them on their segments.
    TableGrant("video_segments", frozenset({Privilege.UPDATE}), ("redacted_path", "metadata")),
)

ACTION_GRANTS: dict[Action, tuple[TableGrant, ...]] = {
    Action.VIEW_LIBRARY: _LIBRARY,
    Action.SEARCH: (*_LIBRARY, TableGrant("searches", _APPEND)),
    Action.VIEW_REDACTED_MEDIA: (TableGrant("video_segments", _READ),),
    Action.REVEAL_PII: (),  # media, not rows: the reveal's audit row is a signed-in user's append
    Action.INGEST_VIDEO: (*_FOOTAGE_WRITE, *_QUEUE_WRITE),
    Action.DELETE_VIDEO: (*_FOOTAGE_WRITE, *_CASES_READ),
    # A corrected clock moves recorded_at (table UPDATE covers 0011's columns) and rescans the anomalies.
    Action.CORRECT_VIDEO_TIME: _FOOTAGE_WRITE,
    Action.VIEW_ANOMALIES: (
        TableGrant("anomalies", _READ),
        TableGrant("anomaly_scans", _READ),
        TableGrant("cameras", _READ),
    ),
    Action.TRIAGE_ANOMALY: (TableGrant("anomalies", frozenset({Privilege.SELECT, Privilege.UPDATE})),),
    Action.CONFIGURE_CAMERAS: (TableGrant("cameras", _WRITE), TableGrant("anomaly_scans", _WRITE)),
    Action.EXPORT_REDACTED: _EXPORT,
    Action.EXPORT_UNREDACTED: _EXPORT,
    Action.VIEW_AUDIT_LOG: (
        TableGrant("audit_log", _READ),
        TableGrant("audit_chain_head", _READ),
        TableGrant("audit_log_archive", _READ),  # 0015: verification walks archive + live rows
    ),
    # Row-level security (storage.db_roles) keeps a login without VIEW_AUDIT_LOG to its own rows.
    Action.VIEW_OWN_AUDIT: (TableGrant("audit_log", _READ),),
    Action.MANAGE_USERS: (TableGrant("users", _WRITE),),
    Action.MANAGE_API_KEYS: (TableGrant("api_keys", _WRITE),),
    Action.MANAGE_DATABASE: (
        TableGrant("schema_migrations", _READ),
        # 0015 / issue 18: maintenance runs are recorded, and searches past the retention removed; audit rows
        # leave audit_log only through chronotrace_archive_audit() (EXECUTE: MAINTENANCE_FUNCTIONS below).
        TableGrant("maintenance_runs", frozenset({Privilege.SELECT, Privilege.INSERT, Privilege.UPDATE})),
        TableGrant("searches", frozenset({Privilege.SELECT, Privilege.DELETE})),
    ),
    Action.VIEW_CASES: _CASES_READ,
    Action.MANAGE_CASES: (
        TableGrant("cases", frozenset({Privilege.SELECT, Privilege.INSERT, Privilege.UPDATE})),
        TableGrant("case_numbers", frozenset({Privilege.SELECT, Privilege.INSERT, Privilege.UPDATE})),
        TableGrant("case_videos", _WRITE),
    ),
    Action.BOOKMARK: (TableGrant("bookmarks", _WRITE),),
    Action.RELEASE_EVIDENCE_HOLD: (TableGrant("cases", frozenset({Privilege.SELECT, Privilege.UPDATE})),),
    Action.VIEW_SEARCH_ANALYTICS: (TableGrant("searches", _READ),),
    Action.CHANGE_OWN_PASSWORD: (
        TableGrant("users", frozenset({Privilege.UPDATE}), ("password_hash", *_SIGN_IN_COLUMNS)),
    ),
}

# Functions the groups of roles that may MANAGE_DATABASE may execute (SECURITY DEFINER, the owner's; 0015).
MAINTENANCE_FUNCTIONS = ("chronotrace_archive_audit(timestamp without time zone, uuid, text)",)
# Tables VACUUM ANALYZE and REINDEX keep (services.housekeeping): on PostgreSQL 17 and later those groups hold
# MAINTAIN on them, so an administrator's own login may run both; before 17 only the tables' owner may.
MAINTAINED_TABLES = (
    "videos",
    "video_segments",
    "video_tracks",
    "searches",
    "exports",
    "audit_log",
    "anomalies",
)


def works_queue(role: Role) -> bool:
    """Whether ``role``'s group enqueues and works ingest jobs (``QUEUE_SEQUENCES``'s USAGE)."""
    return Action.INGEST_VIDEO in PERMISSIONS[role]


def manages_database(role: Role) -> bool:
    """Whether ``role``'s group runs maintenance (its functions and, on PostgreSQL 17+, MAINTAIN)."""
    return Action.MANAGE_DATABASE in PERMISSIONS[role]


# Tables whose rows only some of a group may see or change; the policies live in ``storage.db_roles``.
ROW_SECURED_TABLES = ("users", "audit_log", "api_keys", "api_key_usage", "searches")


def role_grants(role: Role) -> tuple[TableGrant, ...]:
    """Everything ``role``'s group is granted: the signed-in basics and each permitted action's grants."""
    grants = list(SIGNED_IN)
    for action in sorted(PERMISSIONS[role]):
        grants.extend(ACTION_GRANTS[action])
    return tuple(grants)


def sees_every_user(role: Role) -> bool:
    """Whether the group reads and writes every users row and may write audit rows in anyone's name (the
    administrators, who manage users); other groups see their own row only."""
    return Action.MANAGE_USERS in PERMISSIONS[role]
