"""Counting a key's requests per hour and per day, atomically in PostgreSQL.

One transaction per request: the database's clock gives the windows (so every server process agrees), then
one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE request_count < limit RETURNING`` per window. The row lock
orders concurrent requests of a key; an upsert that returns no row found its window full, and the whole
transaction is rolled back, so a refused request counts in neither window nor in ``api_keys.request_count``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chronotrace_desktop.domain.api_keys import RateState

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.orm import Session

_CLOCK = sa.text(
    "SELECT t, date_trunc('hour', t) AS hour_start, date_trunc('day', t) AS day_start "
    "FROM (SELECT timezone('utc', clock_timestamp()) AS t) AS now_utc"
)
_COUNT = sa.text(
    "INSERT INTO api_key_usage AS u (key_id, window_kind, window_start, request_count) "
    "VALUES (:key, :kind, :start, 1) "
    "ON CONFLICT (key_id, window_kind, window_start) "
    "DO UPDATE SET request_count = u.request_count + 1 WHERE u.request_count < :limit "
    "RETURNING u.request_count"
)
_FORGET = sa.text("DELETE FROM api_key_usage WHERE key_id = :key AND window_start < :before")
_USED = sa.text(
    "UPDATE api_keys SET request_count = coalesce(request_count, 0) + 1, last_used_at = :now WHERE id = :key"
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Which window was full and how long until it starts again."""

    window: str
    limit: int
    retry_after_s: int


def count_request(session: Session, key_id: uuid.UUID, per_hour: int, per_day: int) -> RateState | Refusal:
    """Count one request of ``key_id`` in ``session``'s transaction; a ``Refusal`` when a window is full (the
    caller then rolls back)."""
    now, hour_start, day_start = session.execute(_CLOCK).one()
    assert isinstance(now, datetime)
    hour_reset = _seconds_until(hour_start, 3600, now)
    day_reset = _seconds_until(day_start, 86400, now)
    day = session.execute(
        _COUNT, {"key": key_id, "kind": "day", "start": day_start, "limit": per_day}
    ).scalar()
    if day is None:
        return Refusal("day", per_day, day_reset)
    hour = session.execute(
        _COUNT, {"key": key_id, "kind": "hour", "start": hour_start, "limit": per_hour}
    ).scalar()
    if hour is None:
        return Refusal("hour", per_hour, hour_reset)
    if day == 1:  # a new day for this key: yesterday's windows are done with
        session.execute(_FORGET, {"key": key_id, "before": day_start})
    session.execute(_USED, {"key": key_id, "now": now})
    return RateState(
        hour_count=int(hour),
        hour_limit=per_hour,
        day_count=int(day),
        day_limit=per_day,
        reset_hour_s=hour_reset,
    )


def _seconds_until(start: datetime, length_s: int, now: datetime) -> int:
    left = length_s - (now - start).total_seconds()
    return max(1, int(left + 0.999))
