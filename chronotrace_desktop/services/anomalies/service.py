"""The anomaly queue: listing, the review workflow, rescans, alerts and the desktop-notification poll.

Who may do what: every role that may see anomalies (``VIEW_ANOMALIES``: all four) lists them; moving one
through the workflow, rescanning and sending alerts need ``TRIAGE_ANOMALY`` (analysts, administrators).
Reopening a closed anomaly someone else closed is an administrator's call. The workflow itself is
``domain.anomalies.TRANSITIONS``; notes are required to close (resolved, false_positive) and to reopen.
Every transition is audited (``anomaly_acknowledged``, ``anomaly_investigating``, ``anomaly_resolved``,
``anomaly_false_positive``, ``anomaly_reopened``) with the note as the justification.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chronotrace_desktop.domain.anomalies import (
    ALERT_SEVERITIES,
    CLOSED,
    AnomalyStatus,
    AnomalyType,
    Severity,
    transition_problem,
)
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from chronotrace_desktop.domain.ingest import VideoStatus
from chronotrace_desktop.domain.roles import Action, Role
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.anomalies.alerts import AlertReport, AlertService
from chronotrace_desktop.services.anomalies.evaluation import AnomalyEvaluator, EvalReport
from chronotrace_desktop.services.anomalies.records import AnomalyRecord, record
from chronotrace_desktop.services.anomalies.scan import AnomalyScanner, ScanResult
from chronotrace_desktop.services.cases import case_video_ids
from chronotrace_desktop.storage.orm import Anomaly, Video

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from pathlib import Path

    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

_AUDIT_OF = {
    AnomalyStatus.ACKNOWLEDGED: AuditAction.ANOMALY_ACKNOWLEDGED,
    AnomalyStatus.INVESTIGATING: AuditAction.ANOMALY_INVESTIGATING,
    AnomalyStatus.RESOLVED: AuditAction.ANOMALY_RESOLVED,
    AnomalyStatus.FALSE_POSITIVE: AuditAction.ANOMALY_FALSE_POSITIVE,
}
MAX_LIST = 1000


@dataclass(frozen=True, slots=True)
class AnomalyFilter:
    statuses: tuple[AnomalyStatus, ...] = ()
    severities: tuple[Severity, ...] = ()
    types: tuple[AnomalyType, ...] = ()
    camera_id: str | None = None
    video_id: uuid.UUID | None = None
    case_id: str | None = None  # only anomalies of the case's videos
    limit: int = 200


def parse_status(text: str) -> AnomalyStatus:
    try:
        return AnomalyStatus(text.strip().lower().replace("-", "_"))
    except ValueError:
        valid = ", ".join(s.value for s in AnomalyStatus)
        raise InvalidInputError(f"unknown status {text!r}; choose one of: {valid}") from None


def parse_severity(text: str) -> Severity:
    try:
        return Severity(text.strip().lower())
    except ValueError:
        raise InvalidInputError(f"unknown severity {text!r}; choose low, medium, high or critical") from None


class AnomalyService:
    def __init__(
        self, database: Database, settings: Settings, authorizer: Authorizer, audit: AuditService
    ) -> None:
        self._db = database
        self._authorizer = authorizer
        self._audit = audit
        self._scanner = AnomalyScanner(database, audit)
        self._alerts = AlertService(database, settings, audit)
        self._evaluator = AnomalyEvaluator(database, authorizer, audit)

    # ------------------------------------------------------------------ reading
    def list_anomalies(self, actor: Actor, filters: AnomalyFilter | None = None) -> list[AnomalyRecord]:
        """Newest first (by ``detected_at``); anomalies of deleted videos are left out."""
        self._authorizer.require(actor, Action.VIEW_ANOMALIES, resource_type="anomaly")
        f = filters or AnomalyFilter()
        if not 1 <= f.limit <= MAX_LIST:
            raise InvalidInputError(f"the limit is between 1 and {MAX_LIST}")
        query = sa.select(Anomaly).join(Video, Video.id == Anomaly.video_id).where(Video.deleted_at.is_(None))
        if f.statuses:
            query = query.where(Anomaly.status.in_([s.value for s in f.statuses]))
        if f.severities:
            query = query.where(Anomaly.severity.in_([s.value for s in f.severities]))
        if f.types:
            query = query.where(Anomaly.anomaly_type.in_([t.value for t in f.types]))
        if f.camera_id:
            query = query.where(Anomaly.camera_id == f.camera_id)
        if f.video_id:
            query = query.where(Anomaly.video_id == f.video_id)
        query = query.order_by(Anomaly.detected_at.desc(), Anomaly.id).limit(f.limit)
        with self._db.transaction() as session:
            if f.case_id is not None:
                query = query.where(Anomaly.video_id.in_(case_video_ids(session, f.case_id)))
            return [record(row) for row in session.scalars(query)]

    def get(self, actor: Actor, anomaly_id: uuid.UUID | str) -> AnomalyRecord:
        self._authorizer.require(actor, Action.VIEW_ANOMALIES, resource_type="anomaly")
        with self._db.transaction() as session:
            return record(self._row(session, anomaly_id))

    def new_alerts_since(self, actor: Actor, since: datetime | None, limit: int = 50) -> list[AnomalyRecord]:
        """New high/critical anomalies created after ``since`` (all when None), newest first: the GUI polls
        this for desktop notifications and keeps the newest ``created_at`` it saw as the next ``since``."""
        self._authorizer.require(actor, Action.VIEW_ANOMALIES, resource_type="anomaly")
        query = (
            sa.select(Anomaly)
            .join(Video, Video.id == Anomaly.video_id)
            .where(
                Video.deleted_at.is_(None),
                Anomaly.status == AnomalyStatus.NEW.value,
                Anomaly.severity.in_([s.value for s in ALERT_SEVERITIES]),
            )
            .order_by(Anomaly.created_at.desc(), Anomaly.id)
            .limit(max(1, min(limit, MAX_LIST)))
        )
        if since is not None:
            query = query.where(Anomaly.created_at > since)
        with self._db.transaction() as session:
            return [record(row) for row in session.scalars(query)]

    # ------------------------------------------------------------------ the workflow
    def set_status(
        self, actor: Actor, anomaly_id: uuid.UUID | str, status: AnomalyStatus | str, note: str | None = None
    ) -> AnomalyRecord:
        target = status if isinstance(status, AnomalyStatus) else parse_status(status)
        actor = self._authorizer.require(actor, Action.TRIAGE_ANOMALY, resource_type="anomaly")
        note = note.strip() if note and note.strip() else None
        with self._db.transaction() as session:
            row = self._row(session, anomaly_id, lock=True)
            current = AnomalyStatus(row.status or "new")
            problem = transition_problem(current, target, note)
            if problem:
                raise (InvalidInputError if "needs a note" in problem else ConflictError)(problem)
            reopening = current in CLOSED
            if reopening and row.resolved_by not in (None, actor.user_id) and actor.role is not Role.ADMIN:
                self._deny(actor, row.id, "Only an administrator may reopen an anomaly someone else closed.")
            now = utcnow()
            meta = dict(row.meta or {})
            history = [
                *meta.get("workflow", []),
                {
                    "at": now.isoformat(),
                    "by": actor.email,
                    "from": current.value,
                    "to": target.value,
                    "note": note,
                },
            ]
            row.meta = {**meta, "workflow": history, "human_touched": True}
            row.status = target.value
            row.updated_at = now
            if target in CLOSED:
                row.resolved_at, row.resolved_by, row.resolution_notes = now, actor.user_id, note
            elif reopening:
                row.resolved_at, row.resolved_by, row.resolution_notes = None, None, None
            self._audit.record_in(
                session,
                AuditEvent(
                    AuditAction.ANOMALY_REOPENED if reopening else _AUDIT_OF[target],
                    actor=actor,
                    resource_type="anomaly",
                    resource_id=row.id,
                    justification=note,
                    metadata={"from": current.value, "to": target.value, "type": row.anomaly_type},
                ),
            )
            session.flush()
            logger.info("Anomaly %s: %s -> %s by %s", row.id, current.value, target.value, actor.email)
            return record(row)

    def _deny(self, actor: Actor, anomaly_id: uuid.UUID, message: str) -> None:
        self._audit.record(
            AuditEvent(
                AuditAction.PERMISSION_DENIED,
                actor=actor,
                resource_type="anomaly",
                resource_id=anomaly_id,
                success=False,
                error_message=message,
                metadata={"requested_action": "reopen_anomaly", "role": actor.role.value},
            )
        )
        raise PermissionDeniedError(message)

    def _row(self, session: sa.orm.Session, anomaly_id: uuid.UUID | str, *, lock: bool = False) -> Anomaly:
        query = sa.select(Anomaly)
        text = str(anomaly_id).strip().lower()
        try:
            query = query.where(Anomaly.id == uuid.UUID(text))
        except ValueError:
            if len(text) < 6 or not all(c in "0123456789abcdef-" for c in text):
                raise InvalidInputError(
                    f"{anomaly_id!r} is not an anomaly id (a UUID or its first 6+ characters)"
                ) from None
            query = query.where(sa.cast(Anomaly.id, sa.String).like(f"{text}%"))
        rows = list(session.scalars(query.limit(2).with_for_update() if lock else query.limit(2)))
        if not rows:
            raise NotFoundError(f"no anomaly {anomaly_id}")
        if len(rows) > 1:
            raise InvalidInputError(f"{anomaly_id!r} matches more than one anomaly; give more of the id")
        # A soft-deleted video's anomalies are out of the workflow (as out of the lists); FOR SHARE holds the
        # video's deletion back until this transaction ends.
        video = sa.select(Video.deleted_at).where(Video.id == rows[0].video_id)
        if session.scalar(video.with_for_update(read=True) if lock else video) is not None:
            raise NotFoundError(
                f"anomaly {rows[0].id} belongs to a deleted video: it is no longer listed or reviewed"
            )
        return rows[0]

    # ------------------------------------------------------------------ rules and alerts
    def rescan(
        self,
        actor: Actor,
        *,
        camera_id: str | None = None,
        video_id: uuid.UUID | None = None,
        redecode: bool = False,
        task: TaskControl | None = None,
        on_result: Callable[[ScanResult], None] | None = None,
    ) -> list[ScanResult]:
        """Run the rules again over completed videos (of one camera, or one video): human-touched anomalies
        stay; machine-made ones are updated, added or removed. Alerts for new ones are tried once."""
        actor = self._authorizer.require(actor, Action.TRIAGE_ANOMALY, resource_type="video")
        query = sa.select(Video.id).where(
            Video.deleted_at.is_(None), Video.processing_status == VideoStatus.COMPLETED.value
        )
        if camera_id is not None:
            query = query.where(Video.camera_id == camera_id)
        if video_id is not None:
            query = query.where(Video.id == video_id)
        with self._db.transaction() as session:
            ids = list(session.scalars(query.order_by(Video.uploaded_at, Video.id)))
        if video_id is not None and not ids:
            raise NotFoundError(f"no completed video {video_id} in the library")
        results: list[ScanResult] = []
        for number, vid in enumerate(ids, start=1):
            if task is not None:
                task.check_cancelled()
                task.progress(number - 1, len(ids), "anomaly rules")
            result = self._scanner.scan(actor, vid, redecode=redecode, task=task)
            results.append(result)
            if on_result is not None:
                on_result(result)
        if any(r.added or r.updated for r in results):
            self._alerts.send_due(actor, video_ids=ids, immediate_retries=0)
        return results

    def send_alerts(self, actor: Actor, *, retry_failed: bool = False) -> AlertReport:
        actor = self._authorizer.require(actor, Action.TRIAGE_ANOMALY, resource_type="anomaly")
        return self._alerts.send_due(actor, retry_failed=retry_failed)

    def evaluate(self, actor: Actor, path: Path) -> EvalReport:
        """Precision and recall per type on a labelled-events file (see ``services.anomalies.evaluation``)."""
        return self._evaluator.evaluate(actor, path)
