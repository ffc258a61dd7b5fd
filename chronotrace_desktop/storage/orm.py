"""SQLAlchemy ORM mapping of the relational schema (schema-reference.md plus later migrations).

The SQL files in ``sql/`` create the schema; this module only maps it. Every column is mapped with the type
the database has, and every database default is a ``server_default`` so an ORM insert leaves it to
PostgreSQL (fetched back with RETURNING). Nullability follows the schema: a column with a default but no
``NOT NULL`` is ``Optional`` here too. Timestamps are ``TIMESTAMP`` without time zone holding naive UTC
datetimes.

The ``metadata`` column is mapped as ``meta`` (``metadata`` is reserved by SQLAlchemy's declarative base).
Relationships to rows the database deletes or nulls on its own (``ON DELETE CASCADE / SET NULL``) use
``passive_deletes=True``: the ORM does not load them to delete or null them, PostgreSQL does. There is no
collection from ``User`` to ``AuditLog``: audit rows are append-only, the ORM never touches them on a delete.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    Dialect,
    Double,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INET, JSONB, TIMESTAMP, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

_NOW = text("now()")
_EMPTY_JSON = text("'{}'::jsonb")
_FALSE = text("false")
_TRUE = text("true")
_ZERO = text("0")
# Children with a NOT NULL ... ON DELETE CASCADE foreign key: the ORM deletes loaded ones with the parent and
# leaves unloaded ones to the database (passive_deletes). ON DELETE SET NULL children keep the default.
_OWNED = "all, delete-orphan"


class Inet(TypeDecorator[str]):
    """``INET`` as text both ways, whatever the driver is set to load (``ipaddress`` objects or str)."""

    impl = INET
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        # psycopg loads inet as ipaddress.ip_address / ip_interface objects; their str() is PostgreSQL's text.
        return None if value is None else str(value)


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()"))


def _ts(*, now: bool = False) -> Mapped[datetime | None]:
    return mapped_column(TIMESTAMP(timezone=False), server_default=_NOW if now else None)


def _meta() -> Mapped[dict[str, Any] | None]:
    return mapped_column("metadata", JSONB, server_default=_EMPTY_JSON)


def _flag(default: Any) -> Mapped[bool | None]:
    return mapped_column(Boolean, server_default=default)


class Base(DeclarativeBase):
    """Declarative base of every mapped table."""


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = _uuid_pk()
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(255))
    organization: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(50), server_default=text("'viewer'"))
    is_active: Mapped[bool | None] = _flag(_TRUE)
    is_verified: Mapped[bool | None] = _flag(_FALSE)
    email_verified_at: Mapped[datetime | None] = _ts()
    created_at: Mapped[datetime | None] = _ts(now=True)
    updated_at: Mapped[datetime | None] = _ts(now=True)
    last_login_at: Mapped[datetime | None] = _ts()
    meta: Mapped[dict[str, Any] | None] = _meta()
    # 0002_auth_lockout
    failed_login_count: Mapped[int] = mapped_column(Integer, server_default=_ZERO)
    locked_until: Mapped[datetime | None] = _ts()
    # 0010_database_logins: the team profile's PostgreSQL login of this user
    db_login: Mapped[str | None] = mapped_column(String(63), unique=True)

    videos: Mapped[list[Video]] = relationship(back_populates="uploader", passive_deletes=True)
    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="user", cascade=_OWNED, passive_deletes=True)
    exports: Mapped[list[Export]] = relationship(back_populates="user", cascade=_OWNED, passive_deletes=True)

    def __repr__(self) -> str:
        return f"User(id={self.id!s}, email={self.email!r}, role={self.role!r})"


class Video(Base):
    __tablename__ = "videos"

    id: Mapped[uuid.UUID] = _uuid_pk()
    filename: Mapped[str] = mapped_column(String(255))
    original_path: Mapped[str] = mapped_column(Text)
    s3_key: Mapped[str | None] = mapped_column(Text)
    s3_bucket: Mapped[str | None] = mapped_column(String(255), server_default=text("'chronotrace-videos'"))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    resolution: Mapped[str | None] = mapped_column(String(20))
    fps: Mapped[int | None] = mapped_column(Integer)
    codec: Mapped[str | None] = mapped_column(String(50))
    file_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    processing_status: Mapped[str | None] = mapped_column(String(50), server_default=text("'pending'"))
    error_message: Mapped[str | None] = mapped_column(Text)
    camera_id: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(255))
    recorded_at: Mapped[datetime | None] = _ts()  # the corrected start (0011): recorder's clock + offset
    recorder_recorded_at: Mapped[datetime | None] = _ts()  # 0011: what the recorder's clock said
    clock_offset_s: Mapped[float | None] = mapped_column(Double)  # 0011: NULL = none set on the video
    clock_source: Mapped[str | None] = mapped_column(String(20))  # 0011: container|flag|ocr|manual|camera
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime | None] = _ts(now=True)
    processing_started_at: Mapped[datetime | None] = _ts()
    processing_completed_at: Mapped[datetime | None] = _ts()
    meta: Mapped[dict[str, Any] | None] = _meta()
    deleted_at: Mapped[datetime | None] = _ts()

    uploader: Mapped[User | None] = relationship(back_populates="videos")
    segments: Mapped[list[VideoSegment]] = relationship(
        back_populates="video", order_by="VideoSegment.segment_index", cascade=_OWNED, passive_deletes=True
    )
    anomalies: Mapped[list[Anomaly]] = relationship(
        back_populates="video", cascade=_OWNED, passive_deletes=True
    )
    tracks: Mapped[list[VideoTrack]] = relationship(
        back_populates="video", cascade=_OWNED, passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"Video(id={self.id!s}, filename={self.filename!r}, status={self.processing_status!r})"


class VideoSegment(Base):
    __tablename__ = "video_segments"

    id: Mapped[uuid.UUID] = _uuid_pk()
    video_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("videos.id", ondelete="CASCADE")
    )
    segment_index: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    end_time: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    duration: Mapped[Decimal | None] = mapped_column(
        Numeric(10, 3), Computed("end_time - start_time", persisted=True)
    )
    segment_path: Mapped[str | None] = mapped_column(Text)
    s3_key: Mapped[str | None] = mapped_column(Text)
    thumbnail_path: Mapped[str | None] = mapped_column(Text)
    thumbnail_s3_key: Mapped[str | None] = mapped_column(Text)
    audio_path: Mapped[str | None] = mapped_column(Text)
    embedding_id: Mapped[str | None] = mapped_column(String(255))
    embedding_generated_at: Mapped[datetime | None] = _ts()
    has_faces: Mapped[bool | None] = _flag(_FALSE)
    face_count: Mapped[int | None] = mapped_column(Integer, server_default=_ZERO)
    has_vehicles: Mapped[bool | None] = _flag(_FALSE)
    vehicle_count: Mapped[int | None] = mapped_column(Integer, server_default=_ZERO)
    has_audio: Mapped[bool | None] = _flag(_FALSE)
    privacy_applied: Mapped[bool | None] = _flag(_FALSE)
    camera_id: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(255))
    camera_angle: Mapped[str | None] = mapped_column(String(50))
    scene_type: Mapped[str | None] = mapped_column(String(50))
    lighting_condition: Mapped[str | None] = mapped_column(String(50))
    weather_condition: Mapped[str | None] = mapped_column(String(50))
    motion_detected: Mapped[bool | None] = _flag(_FALSE)
    activity_level: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime | None] = _ts(now=True)
    meta: Mapped[dict[str, Any] | None] = _meta()
    # 0004_ingest
    caption: Mapped[str | None] = mapped_column(Text)
    clip_start_time: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    clip_end_time: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    redacted_thumbnail_path: Mapped[str | None] = mapped_column(Text)
    redacted_path: Mapped[str | None] = mapped_column(Text)
    people_count: Mapped[int | None] = mapped_column(Integer)
    objects_detected: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    # 0005_search: people, vehicles and object counts of ``metadata``, kept by PostgreSQL (read-only here)
    search_attributes: Mapped[dict[str, Any] | None] = mapped_column(
        JSONB, Computed("chronotrace_search_attributes(metadata)", persisted=True)
    )

    video: Mapped[Video] = relationship(back_populates="segments")
    anomalies: Mapped[list[Anomaly]] = relationship(
        back_populates="segment", cascade=_OWNED, passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"VideoSegment(id={self.id!s}, video_id={self.video_id!s}, index={self.segment_index})"


class Search(Base):
    __tablename__ = "searches"

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    query_text: Mapped[str] = mapped_column(Text)
    query_type: Mapped[str | None] = mapped_column(String(50), server_default=text("'text'"))
    filters: Mapped[dict[str, Any] | None] = mapped_column(JSONB, server_default=_EMPTY_JSON)
    result_count: Mapped[int | None] = mapped_column(Integer)
    top_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    execution_time_ms: Mapped[int | None] = mapped_column(Integer)
    nova_time_ms: Mapped[int | None] = mapped_column(Integer)
    qdrant_time_ms: Mapped[int | None] = mapped_column(Integer)
    db_time_ms: Mapped[int | None] = mapped_column(Integer)
    cache_hit: Mapped[bool | None] = _flag(_FALSE)
    session_id: Mapped[str | None] = mapped_column(String(255))
    ip_address: Mapped[str | None] = mapped_column(Inet)
    user_agent: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = _ts(now=True)
    meta: Mapped[dict[str, Any] | None] = _meta()
    case_id: Mapped[str | None] = mapped_column(
        String(20), ForeignKey("cases.id", ondelete="SET NULL")
    )  # 0012

    user: Mapped[User | None] = relationship()


class Anomaly(Base):
    __tablename__ = "anomalies"

    id: Mapped[uuid.UUID] = _uuid_pk()
    segment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("video_segments.id", ondelete="CASCADE")
    )
    video_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("videos.id", ondelete="CASCADE")
    )
    anomaly_type: Mapped[str] = mapped_column(String(50))
    confidence: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    severity: Mapped[str | None] = mapped_column(String(20), server_default=text("'medium'"))
    title: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    camera_id: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(255))
    detected_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=False))
    status: Mapped[str | None] = mapped_column(String(50), server_default=text("'new'"))
    resolved_at: Mapped[datetime | None] = _ts()
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    resolution_notes: Mapped[str | None] = mapped_column(Text)
    alert_sent: Mapped[bool | None] = _flag(_FALSE)
    alert_sent_at: Mapped[datetime | None] = _ts()
    alert_recipients: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    created_at: Mapped[datetime | None] = _ts(now=True)
    updated_at: Mapped[datetime | None] = _ts(now=True)
    meta: Mapped[dict[str, Any] | None] = _meta()

    segment: Mapped[VideoSegment] = relationship(back_populates="anomalies")
    video: Mapped[Video] = relationship(back_populates="anomalies")
    resolver: Mapped[User | None] = relationship()


class AuditLog(Base):
    """One audit record. The table is append-only (0003): rows are inserted, never updated or deleted."""

    __tablename__ = "audit_log"

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    username: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(100))
    resource_type: Mapped[str | None] = mapped_column(String(50))
    resource_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    justification: Mapped[str | None] = mapped_column(Text)
    ip_address: Mapped[str | None] = mapped_column(Inet)
    user_agent: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(255))
    success: Mapped[bool | None] = _flag(_TRUE)
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = _ts(now=True)
    meta: Mapped[dict[str, Any] | None] = _meta()
    # 0009: the hash chain, set by the database's BEFORE INSERT trigger (which also dates the row).
    chain_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    row_hash: Mapped[bytes | None] = mapped_column(LargeBinary)

    user: Mapped[User | None] = relationship()


class AuditChainHead(Base):
    """0009: the newest link of the audit_log hash chain (one row, locked by every insert)."""

    __tablename__ = "audit_chain_head"

    singleton: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=_TRUE)
    last_seq: Mapped[int] = mapped_column(BigInteger, server_default=_ZERO)
    last_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    last_created_at: Mapped[datetime | None] = _ts()


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(255), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(10))
    name: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    scopes: Mapped[list[str] | None] = mapped_column(ARRAY(Text), server_default=text("ARRAY['read:videos']"))
    rate_limit_per_hour: Mapped[int | None] = mapped_column(Integer, server_default=text("1000"))
    rate_limit_per_day: Mapped[int | None] = mapped_column(Integer, server_default=text("10000"))
    last_used_at: Mapped[datetime | None] = _ts()
    request_count: Mapped[int | None] = mapped_column(Integer, server_default=_ZERO)
    is_active: Mapped[bool | None] = _flag(_TRUE)
    created_at: Mapped[datetime | None] = _ts(now=True)
    expires_at: Mapped[datetime | None] = _ts()
    revoked_at: Mapped[datetime | None] = _ts()
    meta: Mapped[dict[str, Any] | None] = _meta()

    user: Mapped[User] = relationship(back_populates="api_keys")


class ApiKeyUsage(Base):
    """0014_api_key_usage: requests counted per key in one hourly or daily window (naive UTC start)."""

    __tablename__ = "api_key_usage"

    key_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True
    )
    window_kind: Mapped[str] = mapped_column(String(4), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=False), primary_key=True)
    request_count: Mapped[int] = mapped_column(Integer)


class Export(Base):
    __tablename__ = "exports"

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"))
    export_type: Mapped[str] = mapped_column(String(50))
    segment_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(UUID(as_uuid=True)))
    query_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    file_path: Mapped[str | None] = mapped_column(Text)
    s3_key: Mapped[str | None] = mapped_column(Text)
    file_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    format: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(50), server_default=text("'pending'"))
    created_at: Mapped[datetime | None] = _ts(now=True)
    completed_at: Mapped[datetime | None] = _ts()
    expires_at: Mapped[datetime | None] = _ts()
    downloaded_at: Mapped[datetime | None] = _ts()
    meta: Mapped[dict[str, Any] | None] = _meta()
    case_id: Mapped[str | None] = mapped_column(
        String(20), ForeignKey("cases.id", ondelete="SET NULL")
    )  # 0012

    user: Mapped[User] = relationship(back_populates="exports")


class VideoTrack(Base):
    """0004_ingest: a person's, vehicle's or carried object's path through one video (for anomaly rules)."""

    __tablename__ = "video_tracks"

    id: Mapped[uuid.UUID] = _uuid_pk()
    video_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("videos.id", ondelete="CASCADE")
    )
    track_key: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(50))
    first_seen: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    last_seen: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    points: Mapped[list[list[float]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    created_at: Mapped[datetime | None] = _ts(now=True)

    video: Mapped[Video] = relationship(back_populates="tracks")


ALL_MODELS: tuple[type[Base], ...] = (
    User,
    Video,
    VideoSegment,
    Search,
    Anomaly,
    AuditLog,
    AuditChainHead,
    ApiKey,
    Export,
    VideoTrack,
)


class Camera(Base):
    """0006_cameras: one camera's anomaly rules (zones, business hours, thresholds, alert recipients)."""

    __tablename__ = "cameras"

    camera_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    location: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), server_default=text("'UTC'"))
    business_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    zones: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=_EMPTY_JSON)
    alert_recipients: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    clock_offset_s: Mapped[float | None] = mapped_column(Double)  # 0011: the camera's recorder clock offset
    created_at: Mapped[datetime | None] = _ts(now=True)
    updated_at: Mapped[datetime | None] = _ts(now=True)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    meta: Mapped[dict[str, Any] | None] = _meta()


class AnomalyScan(Base):
    """0006_cameras: the last anomaly-rule run over a video and the evidence it decoded."""

    __tablename__ = "anomaly_scans"

    video_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(20))
    rules_version: Mapped[str] = mapped_column(String(20))
    scanned_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=False), server_default=_NOW)
    anomaly_count: Mapped[int] = mapped_column(Integer, server_default=_ZERO)
    error_message: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=_EMPTY_JSON)


ALL_MODELS += (Camera, AnomalyScan)


class LoginThrottleCounter(Base):
    """0008_login_throttle: a decaying count of failed sign-ins per source, per account or per both."""

    __tablename__ = "login_throttle"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    account: Mapped[str] = mapped_column(String(255), primary_key=True)
    source: Mapped[str] = mapped_column(String(255), primary_key=True)
    score: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=False))
    blocked_until: Mapped[datetime | None] = _ts()


ALL_MODELS += (LoginThrottleCounter, ApiKeyUsage)

# 0012's tables (cases, case numbers, case videos, bookmarks) are mapped in ``orm_cases``; importing it here keeps
# one metadata whatever module a caller imports first.
from chronotrace_desktop.storage import orm_cases as _orm_cases  # noqa: E402

ALL_MODELS += _orm_cases.CASE_MODELS

# 0015's tables (the audit log's archive, maintenance runs) are mapped in ``orm_maintenance``, for the same reason.
from chronotrace_desktop.storage import orm_maintenance as _orm_maintenance  # noqa: E402

ALL_MODELS += _orm_maintenance.MAINTENANCE_MODELS

# 0018's tables (the ingest workers' heartbeats, each queued job's progress) are mapped in ``orm_jobs``.
from chronotrace_desktop.storage import orm_jobs as _orm_jobs  # noqa: E402

ALL_MODELS += _orm_jobs.JOB_MODELS
