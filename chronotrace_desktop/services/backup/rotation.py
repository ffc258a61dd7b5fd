"""Which dated backups to keep: the newest of each of the last 7 days, 4 ISO weeks and 12 months that have one.

A pure function over folder names (``chronotrace-backup-YYYYMMDD-HHMMSS``, UTC): names that are not backups
(or not dated so) are never touched; an unfinished backup's hidden folder a crash left behind goes once it is a
day old. The periods count backwards from the newest backup, not from today, so a
machine switched off for a month does not lose its history at the next run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterable

BACKUP_PREFIX = "chronotrace-backup-"
_NAME = re.compile(rf"^{BACKUP_PREFIX}(\d{{8}}-\d{{6}})$")
DAILY, WEEKLY, MONTHLY = 7, 4, 12
STALE_PARTIAL = timedelta(days=1)


def backup_name(moment: datetime) -> str:
    return f"{BACKUP_PREFIX}{moment.astimezone(UTC):%Y%m%d-%H%M%S}"


def partial_name(name: str) -> str:
    """Where the backup ``name`` is written until it is complete."""
    return f".{name}.partial"


def is_stale_partial(name: str, now: datetime, *, older_than: timedelta = STALE_PARTIAL) -> bool:
    """Whether ``name`` is an unfinished backup's folder started more than ``older_than`` before ``now`` (a
    crash left it: a backup that ran on is cancelled or renamed long before)."""
    if not (name.startswith(".") and name.endswith(".partial")):
        return False
    started = backup_time(name[1 : -len(".partial")])
    return started is not None and now - started > older_than


def backup_time(name: str) -> datetime | None:
    """When the backup called ``name`` was taken (UTC), or ``None`` if the name is not a backup's."""
    match = _NAME.match(name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class RotationPlan:
    keep: tuple[str, ...]  # newest first
    remove: tuple[str, ...]  # newest first


def _newest_per_period(
    dated: list[tuple[datetime, str]], period: Callable[[datetime], Hashable], count: int
) -> set[str]:
    kept: dict[Hashable, str] = {}
    for moment, name in dated:  # newest first: the first of each period is its newest
        key = period(moment)
        if key not in kept:
            if len(kept) == count:
                break
            kept[key] = name
    return set(kept.values())


def plan_rotation(
    names: Iterable[str], *, daily: int = DAILY, weekly: int = WEEKLY, monthly: int = MONTHLY
) -> RotationPlan:
    """Split the backups among ``names`` into those to keep and those to remove."""
    dated = sorted(
        ((moment, name) for name in set(names) if (moment := backup_time(name)) is not None), reverse=True
    )
    keep = (
        _newest_per_period(dated, lambda m: m.date(), daily)
        | _newest_per_period(dated, lambda m: m.isocalendar()[:2], weekly)
        | _newest_per_period(dated, lambda m: (m.year, m.month), monthly)
    )
    return RotationPlan(
        keep=tuple(name for _, name in dated if name in keep),
        remove=tuple(name for _, name in dated if name not in keep),
    )
