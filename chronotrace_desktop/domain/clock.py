"""The one clock the services stamp rows with."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC, as the schema's ``TIMESTAMP`` columns (without time zone) store it."""
    return datetime.now(UTC).replace(tzinfo=None)
