"""The timeline's SQL: videos overlapping a window (by the GiST index of 0013), their segments, per-lane
buckets (``date_bin`` over the segments' wall-clock starts), anomalies and bookmarks at their wall times.

Times are the corrected wall clock: ``videos.recorded_at`` plus seconds from the video's start. Every query
starts from ``visible``: the live, dated videos whose span overlaps the window, of one case when asked. The
span's index expression (``sql/0013_timeline_indexes.sql``) is repeated here word for word so PostgreSQL
matches it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.timeline import MOTION_LEVELS, MOTION_WEIGHT, PRESENCE_FULL

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.orm import Session

_SPAN_INDEXED = (
    "tsrange(recorded_at, recorded_at + make_interval(secs => coalesce(duration_seconds, 0) + 1), '[]')"
)
_VIDEO_END = (
    "recorded_at + make_interval(secs => "
    "coalesce((metadata ->> 'duration_exact')::float8, duration_seconds, 0))"
)
_CASE = "AND id IN (SELECT video_id FROM case_videos WHERE case_id = :case_id)"
_SEGMENT_START = "v.recorded_at + make_interval(secs => s.start_time::float8)"
_SEGMENT_END = "v.recorded_at + make_interval(secs => s.end_time::float8)"
_LEVELS = " ".join(f"WHEN '{name}' THEN {value}" for name, value in MOTION_LEVELS.items())
# domain.timeline.activity_score, in SQL
ACTIVITY = (
    f"round(greatest(least(1.0, (coalesce(s.people_count, 0) + coalesce(s.vehicle_count, 0)) / {PRESENCE_FULL:.1f}),"
    f" CASE WHEN s.motion_detected THEN {MOTION_WEIGHT} * (CASE s.activity_level {_LEVELS} ELSE 0.25 END)"
    " ELSE 0 END)::numeric, 3)::float8"
)
_SEVERITY_RANK = "CASE a.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"
_ANOMALY_OFFSET = "coalesce((a.metadata ->> 'video_offset_start')::float8, s.start_time::float8)"


def _visible(case: bool) -> str:
    return f"""WITH v AS (
        SELECT id, camera_id, filename, recorded_at, clock_offset_s, {_VIDEO_END} AS ends
        FROM videos
        WHERE deleted_at IS NULL AND recorded_at IS NOT NULL
          AND {_SPAN_INDEXED} && tsrange(:start, :end, '[]') {_CASE if case else ""}
    )"""


def _segment_rows(columns: str) -> str:
    return f"""SELECT {columns}
        FROM v JOIN video_segments s ON s.video_id = v.id
        WHERE {_SEGMENT_END} >= :start AND {_SEGMENT_START} <= :end"""


def _segments_in(case: bool, columns: str) -> str:
    return f"{_visible(case)}\n{_segment_rows(columns)}"


def _rows(session: Session, sql: str, params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(sa.text(sql), dict(params))]


def extent(session: Session, case: bool, params: Mapping[str, Any]) -> tuple[Any, ...]:
    where = _CASE if case else ""
    return tuple(
        session.execute(
            sa.text(
                f"""SELECT min(recorded_at), max({_VIDEO_END}),
                   count(*) FILTER (WHERE recorded_at IS NOT NULL),
                   count(*) FILTER (WHERE recorded_at IS NULL)
                FROM videos WHERE deleted_at IS NULL {where}"""
            ),
            dict(params),
        ).one()
    )


def lanes(session: Session, case: bool, params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
    where = _CASE.replace("id IN", "v.id IN") if case else ""
    return _rows(
        session,
        f"""SELECT v.camera_id, c.name, c.location, count(*)
            FROM videos v LEFT JOIN cameras c ON c.camera_id = v.camera_id
            WHERE v.deleted_at IS NULL AND v.recorded_at IS NOT NULL {where}
            GROUP BY v.camera_id, c.name, c.location
            ORDER BY v.camera_id NULLS LAST""",
        params,
    )


def segment_count(session: Session, case: bool, params: Mapping[str, Any]) -> int:
    return int(session.execute(sa.text(_segments_in(case, "count(*)")), dict(params)).scalar_one())


def videos(session: Session, case: bool, params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
    return _rows(
        session,
        f"""{_visible(case)}
            SELECT id, camera_id, filename, recorded_at, ends, clock_offset_s FROM v
            ORDER BY camera_id NULLS LAST, recorded_at, id""",
        params,
    )


def segments(session: Session, case: bool, params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
    columns = (
        f"s.id, s.video_id, v.camera_id, {_SEGMENT_START}, {_SEGMENT_END}, s.start_time::float8, {ACTIVITY},"
        " coalesce(s.people_count, 0), coalesce(s.vehicle_count, 0), coalesce(s.motion_detected, false),"
        " v.clock_offset_s"
    )
    return _rows(session, _segments_in(case, columns) + " ORDER BY v.camera_id NULLS LAST, 4, s.id", params)


def buckets(session: Session, case: bool, params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
    columns = (
        f"v.camera_id, v.id AS video_id, {_SEGMENT_START} AS ws, {_SEGMENT_END} AS we, {ACTIVITY} AS act"
    )
    return _rows(
        session,
        f"""{_visible(case)}, seg AS ({_segment_rows(columns)})
            SELECT camera_id, date_bin(make_interval(secs => :step), ws, timestamp '1970-01-01') AS b,
                   max(we), count(*), count(DISTINCT video_id), max(act), round(avg(act)::numeric, 3)::float8
            FROM seg GROUP BY camera_id, b ORDER BY camera_id NULLS LAST, b""",
        params,
    )


def anomalies(session: Session, case: bool, params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
    wall = f"v.recorded_at + make_interval(secs => {_ANOMALY_OFFSET})"
    return _rows(
        session,
        f"""{_visible(case)}
            SELECT a.id, a.segment_id, a.video_id, v.camera_id, {wall} AS t,
                   greatest(0, {_ANOMALY_OFFSET} - s.start_time::float8), a.anomaly_type, a.severity, a.title,
                   v.clock_offset_s
            FROM v JOIN anomalies a ON a.video_id = v.id JOIN video_segments s ON s.id = a.segment_id
            WHERE {wall} BETWEEN :start AND :end AND coalesce(a.status, 'new') <> 'false_positive'
            ORDER BY {_SEVERITY_RANK}, t, a.id
            LIMIT :limit""",
        params,
    )


def bookmarks(session: Session, case: bool, params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
    wall = "v.recorded_at + make_interval(secs => b.offset_s::float8)"
    return _rows(
        session,
        f"""{_visible(case)}
            SELECT b.id, b.video_id, b.segment_id, v.camera_id, {wall} AS t,
                   split_part(btrim(b.note), E'\\n', 1), v.clock_offset_s
            FROM v JOIN bookmarks b ON b.video_id = v.id
            WHERE {wall} BETWEEN :start AND :end {"AND b.case_id = :case_id" if case else ""}
            ORDER BY t, b.id
            LIMIT :limit""",
        params,
    )


def segment_ids(session: Session, case: bool, params: Mapping[str, Any]) -> list[Any]:
    camera = "v.camera_id IS NULL" if params.get("camera_id") is None else "v.camera_id = :camera_id"
    sql = _segments_in(case, f"s.id, {_SEGMENT_START} AS ws") + f" AND {camera} ORDER BY ws, s.id"
    return [row[0] for row in _rows(session, sql, params)]
