"""The PII access trail: each ``pii_reveal`` row with the segment it revealed (the schema document's query 4).

The segment's wall-clock start is computed here in SQL, as the clock capability defines it: ``videos.recorded_at``
is the corrected start (recorder clock plus offset, migration 0011), and a segment starts ``start_time`` seconds
into its video. ``access`` is the services' lowest layer and does not import ``services.clock``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.storage.orm import AuditLog, Video, VideoSegment

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class RevealEntry:
    """One reveal: who, when, why and from where, and what it showed (``None`` where the segment is gone)."""

    id: uuid.UUID
    created_at: datetime | None
    user_id: uuid.UUID | None
    username: str | None
    segment_id: uuid.UUID | None
    camera_id: str | None
    segment_start: datetime | None  # wall clock, corrected (videos.recorded_at + start_time)
    video_filename: str | None
    justification: str | None
    ip_address: str | None
    success: bool


_SEGMENT_START = Video.recorded_at + sa.func.make_interval(0, 0, 0, 0, 0, 0, VideoSegment.start_time)

REVEAL_ACTIONS = (AuditAction.PII_REVEAL,)


def reveals_by_ids(
    session: Session, ids: Sequence[uuid.UUID], where: Sequence[sa.ColumnElement[bool]]
) -> list[RevealEntry]:
    """The reveal rows among ``ids`` that also meet ``where``, in the order of ``ids``."""
    if not ids:
        return []
    query = (
        sa.select(
            AuditLog.id,
            AuditLog.created_at,
            AuditLog.user_id,
            AuditLog.username,
            VideoSegment.id.label("segment_id"),
            sa.func.coalesce(VideoSegment.camera_id, Video.camera_id).label("camera_id"),
            _SEGMENT_START.label("segment_start"),
            Video.filename,
            AuditLog.justification,
            AuditLog.ip_address,
            AuditLog.success,
        )
        .select_from(AuditLog)
        .outerjoin(
            VideoSegment,
            sa.and_(AuditLog.resource_type == "segment", VideoSegment.id == AuditLog.resource_id),
        )
        .outerjoin(Video, Video.id == VideoSegment.video_id)
        .where(AuditLog.id.in_(list(ids)), AuditLog.action == AuditAction.PII_REVEAL.value, *where)
    )
    found = {row.id: _reveal(row) for row in session.execute(query)}
    return [found[i] for i in ids if i in found]


def _reveal(row: Any) -> RevealEntry:
    return RevealEntry(
        id=row.id,
        created_at=row.created_at,
        user_id=row.user_id,
        username=row.username,
        segment_id=row.segment_id,
        camera_id=row.camera_id,
        segment_start=row.segment_start,
        video_filename=row.filename,
        justification=row.justification,
        ip_address=None if row.ip_address is None else str(row.ip_address),
        success=row.success is not False,
    )
