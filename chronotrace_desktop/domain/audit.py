"""Audit actions: the names that appear in ``audit_log.action``."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    USER_LOGIN = "user_login"
    USER_LOGOUT = "user_logout"
    USER_CREATED = "user_created"
    USER_UPDATED = "user_updated"
    PASSWORD_CHANGED = "password_changed"
    USER_REAUTHENTICATED = "user_reauthenticated"  # the password asked again before a reveal (success or not)
    PERMISSION_DENIED = "permission_denied"
    INSTALLATION_INITIALISED = "installation_initialised"
    DATABASE_MIGRATED = "database_migrated"
    VIDEO_UPLOAD = "video_upload"
    VIDEO_DELETED = "video_deleted"
    SEARCH_QUERY = "search_query"
    PII_REVEAL = "pii_reveal"
    ANOMALY_RESOLVED = "anomaly_resolved"
    ANOMALY_UPDATED = "anomaly_updated"
    EXPORT_DATA = "export_data"
    EXPORT_OPENED = "export_opened"
    EXPORT_EXPIRED = "export_expired"  # an export's retention ended (early by its owner, or when due)
    API_CALL = "api_call"  # one request to the integration API (ip, user agent, request id, key prefix)
    API_KEY_CREATED = "api_key_created"
    API_KEY_REVOKED = "api_key_revoked"
    API_KEY_ROTATED = "api_key_rotated"
    ANOMALY_ACKNOWLEDGED = "anomaly_acknowledged"
    ANOMALY_INVESTIGATING = "anomaly_investigating"
    ANOMALY_FALSE_POSITIVE = "anomaly_false_positive"
    ANOMALY_REOPENED = "anomaly_reopened"
    ANOMALIES_DETECTED = "anomalies_detected"
    ANOMALY_ALERT_SENT = "anomaly_alert_sent"
    ANOMALY_ALERT_FAILED = "anomaly_alert_failed"
    CAMERA_CONFIGURED = "camera_configured"
    SETTINGS_CHANGED = "settings_changed"
    SIGNING_KEY_CREATED = "signing_key_created"
    AUDIT_VERIFIED = "audit_verified"
    AUDIT_EXPORTED = "audit_exported"  # the audit trail written to a CSV file (the filter and the row count)
    VIDEO_TIME_CHANGED = "video_time_changed"  # a video's recording start or clock offset (before and after)
    CAMERA_CLOCK_CHANGED = "camera_clock_changed"  # a camera's recorder clock offset (before and after)
    SEGMENTS_EMBEDDED = "segments_embedded"  # a re-embedding run (engine, source, how many, remote calls)
    CASE_CREATED = "case_created"
    CASE_UPDATED = "case_updated"  # title, status or notes (before and after)
    CASE_VIDEOS_CHANGED = "case_videos_changed"  # videos added to or removed from a case
    EVIDENCE_HOLD_SET = "evidence_hold_set"
    EVIDENCE_HOLD_RELEASED = "evidence_hold_released"
    BOOKMARK_CREATED = "bookmark_created"
    BOOKMARK_UPDATED = "bookmark_updated"
    BOOKMARK_DELETED = "bookmark_deleted"
    BACKUP_CREATED = "backup_created"  # an installation backed up (folder, files, bytes, with media or not)
    BACKUP_RESTORED = "backup_restored"  # a backup restored as a new installation (written in the new one)
    MAINTENANCE_RUN = "maintenance_run"  # a maintenance task run (task, trigger, status, rows, cause)
    AUDIT_ARCHIVED = "audit_archived"  # rows moved to audit_log_archive (by the database's function)
    INGEST_QUEUED = "ingest_queued"  # files put on the team's ingest queue (job ids, paths)
    INGEST_JOB_CANCELLED = "ingest_job_cancelled"  # a queued or running ingest job cancelled
    INGEST_JOB_RETRIED = "ingest_job_retried"  # a failed or cancelled ingest job queued again


class AuditChainFault(StrEnum):
    """What the first broken link of the audit log's hash chain shows (``chronotrace audit verify``)."""

    MISSING = "missing"  # a row was removed: a position is skipped, or the newest row is not the chain head
    CHANGED = "changed"  # a row's content no longer matches its hash
    RELINKED = "relinked"  # a row does not follow the row before it (inserted or the chain rewritten)
    BACKDATED = "backdated"  # a row is dated earlier than the row before it
    UNCHAINED = "unchained"  # a row has no place in the chain (written with the chain's trigger disabled)
