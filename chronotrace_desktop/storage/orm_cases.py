"""0012_cases_and_bookmarks: cases, their videos and bookmarks (mapped on ``orm.Base``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, UUID
from sqlalchemy.orm import Mapped, mapped_column

from chronotrace_desktop.storage.orm import Base

_NOW = text("CURRENT_TIMESTAMP")


def _user_ref() -> Mapped[uuid.UUID | None]:
    return mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))


def _stamp() -> Mapped[datetime]:
    return mapped_column(TIMESTAMP(timezone=False), server_default=_NOW)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), server_default=text("'open'"))
    notes: Mapped[str] = mapped_column(Text, server_default=text("''"))
    evidence_hold: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    hold_reason: Mapped[str | None] = mapped_column(Text)
    hold_set_by: Mapped[uuid.UUID | None] = _user_ref()
    hold_set_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=False))
    created_by: Mapped[uuid.UUID | None] = _user_ref()
    created_at: Mapped[datetime] = _stamp()
    updated_at: Mapped[datetime] = _stamp()
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default=text("'{}'::jsonb"))


class CaseNumber(Base):
    __tablename__ = "case_numbers"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class CaseVideo(Base):
    __tablename__ = "case_videos"

    case_id: Mapped[str] = mapped_column(
        String(20), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    video_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    added_by: Mapped[uuid.UUID | None] = _user_ref()
    added_at: Mapped[datetime] = _stamp()


class BookmarkRow(Base):
    __tablename__ = "bookmarks"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    case_id: Mapped[str | None] = mapped_column(String(20), ForeignKey("cases.id", ondelete="CASCADE"))
    video_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("videos.id", ondelete="CASCADE")
    )
    segment_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("video_segments.id", ondelete="SET NULL")
    )
    offset_s: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    box: Mapped[dict[str, float] | None] = mapped_column(JSONB)
    note: Mapped[str] = mapped_column(Text, server_default=text("''"))
    created_by: Mapped[uuid.UUID | None] = _user_ref()
    author: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = _stamp()
    updated_by: Mapped[uuid.UUID | None] = _user_ref()
    updated_at: Mapped[datetime] = _stamp()


CASE_MODELS: tuple[type[Base], ...] = (Case, CaseNumber, CaseVideo, BookmarkRow)
