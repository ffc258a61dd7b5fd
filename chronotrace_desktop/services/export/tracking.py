"""The ``exports`` rows and ``export_data`` audit rows of exports: pending -> processing -> completed | failed,
and ``downloaded_at`` when a package is opened from the app; past ``expires_at`` a completed export is listed as
expired and no longer opened, and ``expire`` ends one (status ``expired``, audited) — except while the case it
belongs to is under an evidence hold: then it neither lapses nor can be expired (the store's trigger refuses too,
and its error is turned into the same message). Used by ``services.export.service`` only."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utc_iso, utcnow
from chronotrace_desktop.domain.errors import ConflictError, NotFoundError, PermissionDeniedError
from chronotrace_desktop.domain.export import ExportInfo, ExportStatus, ExportType
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.storage.orm import Export
from chronotrace_desktop.storage.orm_cases import Case

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.export import ExportRequest, ExportResult
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService
    from chronotrace_desktop.services.export.selection import Resolved
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)


class ExportLog:
    def __init__(self, database: Database, audit: AuditService) -> None:
        self._db = database
        self._audit = audit

    def create(self, actor: Actor, request: ExportRequest, resolved: Resolved) -> uuid.UUID:
        if request.zip:
            file_format = "zip"
        elif len(request.types) == 1:
            file_format = next(iter(request.types)).file_format
        else:
            file_format = "folder"
        with self._db.transaction() as session:
            row = Export(
                user_id=actor.user_id,
                export_type=request.export_type,
                segment_ids=[s.id for s in resolved.segments],
                query_id=resolved.query_id,
                format=file_format,
                status=ExportStatus.PENDING.value,
                expires_at=utcnow() + timedelta(days=request.retention_days),
                meta=_row_meta(request, resolved),
                case_id=request.case,
            )
            session.add(row)
            session.flush()
            return row.id

    def set_status(self, export_id: uuid.UUID, status: ExportStatus) -> None:
        with self._db.transaction() as session:
            row = session.get(Export, export_id)
            assert row is not None
            row.status = status.value

    def complete(
        self, actor: Actor, request: ExportRequest, resolved: Resolved, result: ExportResult
    ) -> None:
        with self._db.transaction() as session:
            row = session.get(Export, result.export_id)
            assert row is not None
            row.status = ExportStatus.COMPLETED.value
            row.completed_at = utcnow()
            row.file_path = str(result.path)
            row.file_size_bytes = result.total_bytes
            row.meta = {
                **(row.meta or {}),
                "manifest_sha256": result.manifest_sha256,
                "file_count": result.file_count,
                "elapsed_s": round(result.elapsed_s, 3),
                "warnings": list(result.warnings),
            }
            self._audit.record_in(
                session,
                AuditEvent(
                    AuditAction.EXPORT_DATA,
                    actor=actor,
                    resource_type="export",
                    resource_id=result.export_id,
                    justification=request.reveal_justification,
                    metadata=_audit_meta(request, resolved)
                    | {
                        "path": str(result.path),
                        "manifest_sha256": result.manifest_sha256,
                        "signing_key_fingerprint": result.signer_fingerprint,
                    },
                ),
            )

    def fail(
        self,
        export_id: uuid.UUID,
        actor: Actor,
        request: ExportRequest,
        resolved: Resolved,
        error: str,
        *,
        cancelled: bool = False,
    ) -> None:
        try:
            with self._db.transaction() as session:
                row = session.get(Export, export_id)
                if row is not None:
                    row.status = ExportStatus.FAILED.value
                    row.meta = {**(row.meta or {}), "error": error[:2000], "cancelled": cancelled}
            meta = _audit_meta(request, resolved) | {"cancelled": cancelled}
            self._record_failure(actor, request, export_id, error, meta)
        except Exception:  # the export's own error matters more; keep it, log this one
            logger.exception("Could not record the failure of export %s", export_id)
        logger.info("Export %s failed: %s", export_id, error)

    def refused(self, actor: Actor, request: ExportRequest, error: str) -> None:
        """A failed ``export_data`` row for a request refused before its ``exports`` row was written."""
        try:
            meta = {
                "case_id": request.case_id,
                "export_type": request.export_type,
                "types": sorted(t.value for t in request.types),
                "selection": request.selection.kind.value,
                "redaction": "redacted+original" if request.unredacted else "redacted",
                "refused_before_export_row": True,
            }
            self._record_failure(actor, request, None, error, meta)
        except Exception:  # the refusal's own error matters more; keep it, log this one
            logger.exception("Could not record the refusal of an export for case %s", request.case_id)
        logger.info("Export for case %s refused: %s", request.case_id, error)

    def _record_failure(
        self,
        actor: Actor,
        request: ExportRequest,
        export_id: uuid.UUID | None,
        error: str,
        meta: dict[str, Any],
    ) -> None:
        justification = request.reveal_justification
        event = _event(
            AuditAction.EXPORT_DATA, actor, export_id, meta, error=error, justification=justification
        )
        self._audit.record(event)

    def opened(self, actor: Actor, export_id: uuid.UUID) -> Path:
        """Record an opening by ``actor`` (the owner or an administrator); the package's path. An opening,
        done or refused, is audited (``export_opened``); a refusal to someone else is ``permission_denied``."""
        try:
            with self._db.transaction() as session:
                row = session.get(Export, export_id)
                if row is None:
                    raise NotFoundError(f"No export {export_id}.")
                owner = row.user_id
                if owner == actor.user_id or actor.role is Role.ADMIN:
                    path = _openable(row, held=_hold(session, row) is not None)
                    when = utcnow()
                    if row.downloaded_at is None:
                        row.downloaded_at = when
                    meta = dict(row.meta or {})
                    meta["opened_count"] = int(meta.get("opened_count", 0)) + 1
                    meta["last_opened_at"] = utc_iso(when)
                    row.meta = meta
                    opening = {"owner": str(owner) if owner else None, "path": str(path)}
                    self._audit.record_in(
                        session, _event(AuditAction.EXPORT_OPENED, actor, export_id, opening)
                    )
                    return path
        except NotFoundError as exc:
            self._audit.record(_event(AuditAction.EXPORT_OPENED, actor, export_id, {}, error=str(exc)))
            raise
        message = "Only the examiner who made an export (or an administrator) may open it from here."
        self._audit.record(
            AuditEvent(
                AuditAction.PERMISSION_DENIED,
                actor=actor,
                resource_type="export",
                resource_id=export_id,
                success=False,
                error_message=message,
                metadata={"requested_action": "open_export", "owner": str(owner)},
            )
        )
        raise PermissionDeniedError(message)

    def listing(self, actor: Actor, limit: int) -> list[ExportInfo]:
        """The actor's exports, newest first (an administrator sees everyone's)."""
        query = sa.select(Export).order_by(Export.created_at.desc(), Export.id).limit(limit)
        if actor.role is not Role.ADMIN:
            query = query.where(Export.user_id == actor.user_id)
        with self._db.transaction() as session:
            rows = list(session.scalars(query))
            held = _held_cases(session, {row.case_id for row in rows if row.case_id})
            return [_info(row, row.case_id in held) for row in rows]

    def expire(self, actor: Actor, export_id: uuid.UUID) -> ExportInfo:
        """End an export's retention now (its examiner or an administrator): status ``expired``, no longer
        opened from here, audited. Refused while its case is under an evidence hold."""
        try:
            with self._db.transaction() as session:
                row = session.get(Export, export_id, with_for_update=True)
                if row is None:
                    raise NotFoundError(f"No export {export_id}.")
                if row.user_id != actor.user_id and actor.role is not Role.ADMIN:
                    raise PermissionDeniedError(
                        "Only the examiner who made an export (or an administrator) may expire it."
                    )
                hold = _hold(session, row)
                if hold is not None:
                    raise held_error(export_id, *hold)
                if row.status == ExportStatus.EXPIRED.value:
                    return _info(row, False)
                row.status = ExportStatus.EXPIRED.value
                session.flush()
                self._audit.record_in(
                    session,
                    _event(AuditAction.EXPORT_EXPIRED, actor, export_id, {"case_id": row.case_id}),
                )
                return _info(row, False)
        except DBAPIError as exc:  # the store's trigger: a hold set between the check and the write
            refused = hold_refusal(exc, export_id)
            if refused is None:
                raise
            raise refused from exc

    def due(self) -> list[uuid.UUID]:
        """Completed exports past their retention whose case is not held (what ``expire_due`` ends)."""
        query = (
            sa.select(Export.id)
            .outerjoin(Case, Case.id == Export.case_id)
            .where(
                Export.status == ExportStatus.COMPLETED.value,
                Export.expires_at <= utcnow(),
                sa.or_(Case.id.is_(None), Case.evidence_hold.is_(False)),
            )
            .order_by(Export.expires_at)
        )
        with self._db.transaction() as session:
            return list(session.scalars(query))


def held_error(export_id: uuid.UUID, case_id: str, reason: str | None) -> ConflictError:
    why = f" ({reason})" if reason else ""
    return ConflictError(
        f"Export {export_id} belongs to case {case_id}, which is under an evidence hold{why}: it is kept, "
        "and does not expire until an administrator releases the hold."
    )


def hold_refusal(exc: DBAPIError, export_id: uuid.UUID) -> ConflictError | None:
    """The store's evidence-hold trigger's refusal as the services word it; None for any other error."""
    diag = getattr(exc.orig, "diag", None)
    if getattr(diag, "message_hint", None) != "chronotrace:evidence_hold":
        return None
    text = str(getattr(diag, "message_primary", "") or "")
    case_id = text.rsplit(" ", 1)[-1] if "evidence hold of case" in text else "?"
    return held_error(export_id, case_id, None)


def _hold(session: Session, row: Export) -> tuple[str, str | None] | None:
    """(case id, reason) when the export's case is under an evidence hold."""
    if not row.case_id:
        return None
    found = session.execute(
        sa.select(Case.id, Case.hold_reason).where(Case.id == row.case_id, Case.evidence_hold.is_(True))
    ).first()
    return None if found is None else (found[0], found[1])


def _held_cases(session: Session, case_ids: set[str]) -> set[str]:
    if not case_ids:
        return set()
    return set(session.scalars(sa.select(Case.id).where(Case.id.in_(case_ids), Case.evidence_hold.is_(True))))


def _row_meta(request: ExportRequest, resolved: Resolved) -> dict[str, Any]:
    return {
        "case_id": request.case_id,
        "types": sorted(t.value for t in request.types),
        "include_metadata": bool(request.types & {ExportType.CSV_DATA, ExportType.JSON_DATA}),
        "include_thumbnails": ExportType.PDF_REPORT in request.types,
        "watermark": request.watermark,
        "redaction": "redacted+original" if request.unredacted else "redacted",
        "recut_originals": request.recut_originals,
        "zip": request.zip,
        "destination": str(request.destination),
        "selection": dict(resolved.details),
    }


def _audit_meta(request: ExportRequest, resolved: Resolved) -> dict[str, Any]:
    return {
        "case_id": request.case_id,
        "export_type": request.export_type,
        "types": sorted(t.value for t in request.types),
        "segment_count": len(resolved.segments),
        "segment_ids": [str(s.id) for s in resolved.segments],
        "query_id": str(resolved.query_id) if resolved.query_id else None,
        "redaction": "redacted+original" if request.unredacted else "redacted",
        "watermark": request.watermark,
    }


def _event(
    action: AuditAction,
    actor: Actor,
    export_id: uuid.UUID | None,
    meta: dict[str, Any],
    *,
    error: str | None = None,
    justification: str | None = None,
) -> AuditEvent:
    """An export's audit row; ``error``: why it failed or was refused (``export_id`` is none before its row)."""
    return AuditEvent(
        action,
        actor=actor,
        resource_type="export",
        resource_id=export_id,
        success=error is None,
        error_message=None if error is None else error[:2000],
        justification=justification,
        metadata=meta,
    )


def _openable(row: Export, *, held: bool) -> Path:
    """The package's path, or ``NotFoundError`` saying why it is not opened (a held case's export is opened
    past its retention)."""
    if row.status == ExportStatus.EXPIRED.value:
        raise NotFoundError(
            "This export was expired; it is not opened from here any more. Export again if needed."
        )
    if row.status != ExportStatus.COMPLETED or not row.file_path:
        raise NotFoundError("This export did not complete; there is nothing to open.")
    if _expired(row) and not held:
        raise NotFoundError(
            f"This export expired on {row.expires_at:%Y-%m-%d %H:%M} UTC (the end of the retention "
            "period chosen for it); it is not opened from here any more. Export again if needed."
        )
    path = Path(row.file_path)
    if not path.exists():
        raise NotFoundError(f"The package is no longer at {path} (moved or deleted).")
    return path


def _expired(row: Export) -> bool:
    """Past ``expires_at`` (now + the request's ``retention_days`` when the export was made)."""
    return row.expires_at is not None and row.expires_at <= utcnow()


def _info(row: Export, held: bool) -> ExportInfo:
    meta = row.meta or {}
    status = ExportStatus(row.status or ExportStatus.PENDING)
    lapsed = status is ExportStatus.COMPLETED and _expired(row) and not held
    return ExportInfo(
        id=row.id,
        export_type=row.export_type,
        status=ExportStatus.EXPIRED if lapsed else status,
        case_id=meta.get("case_id"),
        path=Path(row.file_path) if row.file_path else None,
        format=row.format,
        size_bytes=row.file_size_bytes,
        segment_count=len(row.segment_ids or []),
        created_at=row.created_at,
        completed_at=row.completed_at,
        expires_at=row.expires_at,
        downloaded_at=row.downloaded_at,
        error=meta.get("error"),
        case=row.case_id,
        held=held,
    )
