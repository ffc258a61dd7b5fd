"""0018_job_queue: the ingest workers' heartbeat rows and each job's progress (mapped on ``orm.Base``).

procrastinate's own tables (``procrastinate_jobs`` and the rest) are its own and not mapped: the queue's SQL
(``services.jobs.store``) joins them by name. ``ingest_job_progress.job_id`` references ``procrastinate_jobs`` in
the database; the mapping leaves that foreign key out, since that table has no model here.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Double, ForeignKey, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, TIMESTAMP, UUID
from sqlalchemy.orm import Mapped, mapped_column

from chronotrace_desktop.storage.orm import Base


class IngestWorkerRow(Base):
    """One running ``chronotrace worker`` process, beating every few seconds."""

    __tablename__ = "ingest_workers"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    host: Mapped[str] = mapped_column(String(255), nullable=False)
    pid: Mapped[int] = mapped_column(Integer, nullable=False)
    concurrency: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    login: Mapped[str] = mapped_column(String(128), nullable=False, server_default=text("CURRENT_USER"))
    started_at: Mapped[datetime] = mapped_column(
        TIMESTAMP(timezone=True), nullable=False, server_default=text("now()")
    )
    last_beat_at: Mapped[datetime] = mapped_column(
        TIMESTAMP(timezone=True), nullable=False, server_default=text("now()")
    )
    jobs_done: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    jobs_failed: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    segments_done: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    segments_per_s: Mapped[float] = mapped_column(Double, nullable=False, server_default=text("0"))
    current_job_ids: Mapped[list[int]] = mapped_column(
        ARRAY(BigInteger), nullable=False, server_default=text("'{}'")
    )


class IngestJobProgress(Base):
    """How far a queued file got, and on which worker."""

    __tablename__ = "ingest_job_progress"

    job_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    worker_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ingest_workers.id", ondelete="SET NULL")
    )
    path: Mapped[str] = mapped_column(Text, nullable=False)
    video_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    stage: Mapped[str | None] = mapped_column(String(32))
    done: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    total: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    message: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        TIMESTAMP(timezone=True), nullable=False, server_default=text("now()")
    )


JOB_MODELS: tuple[type[Base], ...] = (IngestWorkerRow, IngestJobProgress)
