"""Rotation of dated backups: the newest of each of the last 7 days, 4 ISO weeks and 12 months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chronotrace_desktop.services.backup import backup_name, backup_time, plan_rotation
from chronotrace_desktop.services.backup.rotation import is_stale_partial, partial_name

START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # a Saturday


def daily(days: int, *, at: datetime = START) -> list[str]:
    return [backup_name(at - timedelta(days=n)) for n in range(days)]


def test_names_round_trip_and_others_are_not_backups() -> None:
    assert backup_name(START) == "chronotrace-backup-20261205-020000"
    assert backup_time(backup_name(START)) == START
    for other in ("notes", "chronotrace-backup-2026", ".chronotrace-backup-20261205-020000.partial",
                  "chronotrace-backup-20261399-020000"):  # fmt: skip
        assert backup_time(other) is None


def test_a_week_of_backups_is_all_kept() -> None:
    plan = plan_rotation(daily(7))
    assert plan.remove == ()
    assert len(plan.keep) == 7


def test_a_year_of_daily_backups_keeps_7_days_4_weeks_and_12_months() -> None:
    names = daily(400)
    plan = plan_rotation(names)
    kept = [backup_time(n) for n in plan.keep]
    assert all(k is not None for k in kept)
    assert set(plan.keep) | set(plan.remove) == set(names)
    assert set(plan.keep).isdisjoint(plan.remove)
    assert set(daily(7)) <= set(plan.keep)  # the last 7 days
    # the newest of each of the 4 latest ISO weeks: this week's Saturday, then the three Sundays before it
    weeks = {k.isocalendar()[:2] for k in kept if k is not None}
    assert len(weeks) >= 4
    assert backup_name(datetime(2026, 11, 29, 2, 0, tzinfo=UTC)) in plan.keep
    assert backup_name(datetime(2026, 11, 15, 2, 0, tzinfo=UTC)) in plan.keep
    # the newest of each of 12 months: month ends back to January 2026
    months = {(k.year, k.month) for k in kept if k is not None}
    assert len(months) == 12
    assert backup_name(datetime(2026, 1, 31, 2, 0, tzinfo=UTC)) in plan.keep
    assert backup_name(datetime(2025, 12, 31, 2, 0, tzinfo=UTC)) in plan.remove
    # 7 days + 2 older weeks (the newest two weeks' newest are among the days) + 11 older months, overlapping
    assert len(plan.keep) <= 7 + 4 + 12
    assert len(plan.remove) == 400 - len(plan.keep)


def test_only_the_newest_of_a_day_counts_for_it() -> None:
    morning, evening = START, START + timedelta(hours=18)
    plan = plan_rotation([backup_name(morning), backup_name(evening)], daily=1, weekly=1, monthly=1)
    assert plan.keep == (backup_name(evening),)
    assert plan.remove == (backup_name(morning),)


def test_periods_count_back_from_the_newest_backup_not_from_today() -> None:
    """A machine off for a year keeps its history: nothing is dropped just for being old."""
    old = daily(7, at=datetime(2020, 3, 1, tzinfo=UTC))
    assert plan_rotation(old).remove == ()


def test_folders_that_are_not_backups_are_never_removed() -> None:
    names = [*daily(60), "photos", ".chronotrace-backup-20261205-020000.partial"]
    plan = plan_rotation(names)
    assert "photos" not in plan.remove
    assert all(n.startswith("chronotrace-backup-") for n in plan.remove)
    assert plan.remove  # 60 days are more than 7 days, 4 weeks and 12 months keep


def test_an_unfinished_backup_a_crash_left_goes_once_a_day_old() -> None:
    crashed = partial_name(backup_name(START))
    assert crashed == ".chronotrace-backup-20261205-020000.partial"
    assert not is_stale_partial(crashed, START + timedelta(hours=23))  # may still be running
    assert is_stale_partial(crashed, START + timedelta(hours=25))
    assert not is_stale_partial(backup_name(START), START + timedelta(days=30))  # a finished backup
    assert not is_stale_partial(".photos.partial", START + timedelta(days=30))
