"""The one clock the services stamp rows with."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC, as the schema's ``TIMESTAMP`` columns (without time zone) store it."""
    return datetime.now(UTC).replace(tzinfo=None)


def utc_iso(moment: datetime) -> str:
    """A naive UTC time as ISO 8601 with a ``Z`` (``2024-02-09T14:30:00Z``), as JSON and manifests carry it."""
    return moment.isoformat() + "Z"
