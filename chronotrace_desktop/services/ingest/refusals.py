"""A file an ingest refuses as bad input: a failed ``videos`` row that says why (retried in place later) and an
audited refusal; nothing already stored is touched, and a row another ingest of the same bytes holds is left
alone."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.domain.ingest import IngestResult, IngestStatus, VideoStatus
from chronotrace_desktop.media.hashing import sha256_file
from chronotrace_desktop.media.probe import check_regular_file
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.ingest import records
from chronotrace_desktop.services.ingest.duplicates import settled_duplicate
from chronotrace_desktop.services.ingest.lease import source_lease

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.domain.ingest import IngestOptions
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)


def record_bad_input(
    database: Database, audit: AuditService, actor: Actor, path: Path, options: IngestOptions, message: str
) -> IngestResult:
    """A failed row that says why; nothing already stored is touched. Retried in place later."""
    logger.info("Refused %s: %s", path, message)
    digest: str | None = None
    size: int | None = None
    try:
        check_regular_file(path)
        size = path.stat().st_size
        digest = sha256_file(path)
    except (UserFacingError, OSError):
        digest = None
    lease = source_lease(database, digest) if digest else nullcontext(True)
    with lease as held:  # not held: the same bytes are being ingested, their row is not ours to mark
        result = (
            _write_bad_input(database, actor, path, options, message, digest, size)
            if held
            else IngestResult(path, IngestStatus.FAILED, error=message)
        )
    if result.status is IngestStatus.FAILED:  # the refusal is audited, whether a row was marked or not
        meta = {"filename": path.name, "path": str(path), "sha256": digest}
        audit.record(
            AuditEvent(
                AuditAction.VIDEO_UPLOAD,
                actor=actor,
                resource_type="video",
                resource_id=result.video_id,
                success=False,
                error_message=message,
                metadata=meta,
            )
        )
    return result


def _write_bad_input(
    database: Database,
    actor: Actor,
    path: Path,
    options: IngestOptions,
    message: str,
    digest: str | None,
    size: int | None,
) -> IngestResult:
    try:
        with database.transaction() as session:
            video = records.live_video_by_sha(session, digest) if digest else None
            video = video or records.failed_video_by_path(session, path)
            if video is not None and video.processing_status == VideoStatus.COMPLETED:
                return settled_duplicate(video, path)
            if video is None:
                video = records.new_video(
                    session,
                    path=path,
                    uploaded_by=actor.user_id,
                    options=options,
                    sha256=digest,
                    size_bytes=size,
                )
            records.set_status(video, VideoStatus.FAILED, error=message)
            video_id = video.id
    except IntegrityError:
        return IngestResult(path, IngestStatus.FAILED, error=message)
    return IngestResult(path, IngestStatus.FAILED, video_id, error=message)
