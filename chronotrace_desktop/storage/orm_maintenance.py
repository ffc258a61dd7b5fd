"""0015_maintenance: the audit log's archive and the record of maintenance runs (mapped on ``orm.Base``).

``audit_log_archive`` has ``audit_log``'s columns in the same order; only the database's
``chronotrace_archive_audit()`` writes it (services.housekeeping), the ORM only reads it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, LargeBinary, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, UUID
from sqlalchemy.orm import Mapped, mapped_column

from chronotrace_desktop.storage.orm import Base, Inet


def _user_ref() -> Mapped[uuid.UUID | None]:
    return mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))


class AuditLogArchive(Base):
    """An audit row moved out of ``audit_log`` as it was, hash chain included (append-only too)."""

    __tablename__ = "audit_log_archive"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    user_id: Mapped[uuid.UUID | None] = _user_ref()
    username: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(100))
    resource_type: Mapped[str | None] = mapped_column(String(50))
    resource_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    justification: Mapped[str | None] = mapped_column(Text)
    ip_address: Mapped[str | None] = mapped_column(Inet)
    user_agent: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(255))
    success: Mapped[bool | None] = mapped_column(Boolean)
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=False))
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONB)
    chain_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    row_hash: Mapped[bytes | None] = mapped_column(LargeBinary)


class MaintenanceRun(Base):
    """One run of one maintenance task: ``status`` running -> succeeded | failed | skipped | cancelled."""

    __tablename__ = "maintenance_runs"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    task: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'running'"))
    started_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=False), server_default=text("now()"))
    finished_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=False))
    rows_affected: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str | None] = mapped_column(Text)
    triggered_by: Mapped[uuid.UUID | None] = _user_ref()
    triggered_by_email: Mapped[str | None] = mapped_column(String(255))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default=text("'{}'::jsonb"))


MAINTENANCE_MODELS: tuple[type[Base], ...] = (AuditLogArchive, MaintenanceRun)
