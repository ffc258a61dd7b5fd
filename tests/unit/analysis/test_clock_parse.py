"""Reading a recorder's overlay text as date and time, the date order, and the start fit (pure: no OCR)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chronotrace_desktop.analysis.clock import fit_start, parse_clock_text, resolve_date_order

# ------------------------------------------------------------------ parse_clock_text


@pytest.mark.parametrize(
    ("text", "expected", "orders"),
    [
        ("17/09/07 12:04:41", (2007, 17, 9, 12, 4, 41), ("dmy",)),
        ("25-03-2024 23:59:59", (2024, 25, 3, 23, 59, 59), ("dmy",)),
        ("2024-03-05 14:02:03", (2024, 3, 5, 14, 2, 3), ("ymd",)),
        ("03/25/2024 02:15:09 PM", (2024, 3, 25, 14, 15, 9), ("mdy",)),
        ("03/25/2024 12:15:09 AM", (2024, 3, 25, 0, 15, 9), ("mdy",)),
        ("Tue 05-03-2024 08:00:00", (2024, 5, 3, 8, 0, 0), ("dmy", "mdy")),
        ("05/03/24 Tuesday 08:00:00", (2024, 5, 3, 8, 0, 0), ("dmy", "mdy")),
        ("MON 2024/03/25 10:11:12", (2024, 3, 25, 10, 11, 12), ("ymd",)),
    ],
)
def test_dvr_formats_are_read(text: str, expected: tuple[int, ...], orders: tuple[str, ...]) -> None:
    parsed = parse_clock_text(text)
    assert parsed is not None
    assert (parsed.year, parsed.first, parsed.second, parsed.hour, parsed.minute, parsed.sec) == expected
    assert parsed.orders == orders


@pytest.mark.parametrize(
    ("text", "expected_time"),
    [
        ("17:09/0712 04 41", (12, 4, 41)),  # separators misread or dropped: digits are read by position
        ("17/O9/O7 12:O4:4l", (12, 4, 41)),  # letters OCR returns for digits
        ("17/89/07 12:84:25", (12, 4, 25)),  # a tens digit that cannot stand there (8 for 0) is read as 0
    ],
)
def test_ocr_noise_of_a_small_overlay_is_tolerated(text: str, expected_time: tuple[int, int, int]) -> None:
    parsed = parse_clock_text(text)
    assert parsed is not None
    assert (parsed.hour, parsed.minute, parsed.sec) == expected_time
    assert parsed.date_for("dmy") == date(2007, 9, 17)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "PEDESTRIAN ALARM",
        "C006 PR01080 52",  # a camera name with digits
        "12:04:41",  # a time without a date: not a recorder clock we can date
        "17/09/07 12:04",  # no seconds
        "32/13/07 12:04:41",  # no order makes a date of it
        "17/09/07 24:04:41",
        "17/09/07 13:04:41 PM",  # 13 PM
        "17/09/07 12:74:41",  # 7 is not read as 0
    ],
)
def test_text_that_is_not_a_clock_is_refused(text: str) -> None:
    assert parse_clock_text(text) is None


def test_a_reading_knows_its_date_under_each_order_it_allows() -> None:
    parsed = parse_clock_text("05/03/24 14:05:07")
    assert parsed is not None
    assert parsed.datetime_for("dmy") == datetime(2024, 3, 5, 14, 5, 7)
    assert parsed.datetime_for("mdy") == datetime(2024, 5, 3, 14, 5, 7)
    assert parsed.datetime_for("ymd") is None
    assert parsed.display_digits(parsed.seconds_of_day + 3) == "050324140510"


def test_display_digits_of_a_twelve_hour_clock() -> None:
    parsed = parse_clock_text("03/25/2024 11:59:59 PM")
    assert parsed is not None
    assert parsed.display_digits(parsed.seconds_of_day + 1) == "03252024120000"  # midnight shows 12


# ------------------------------------------------------------------ resolve_date_order


def _parsed(*texts: str) -> list:
    out = [parse_clock_text(t) for t in texts]
    assert all(p is not None for p in out)
    return out


def test_a_first_field_above_12_makes_it_the_day() -> None:
    decision = resolve_date_order(_parsed("17/09/07 12:04:11", "17/09/07 12:04:21"))
    assert decision.order == "dmy"
    assert decision.candidates == ("dmy",)


def test_a_second_field_above_12_makes_it_the_day() -> None:
    assert resolve_date_order(_parsed("03/25/24 12:04:11")).order == "mdy"


def test_one_disambiguating_reading_decides_for_all() -> None:
    # a recording across midnight: 12/03 is ambiguous, 13/03 is not
    decision = resolve_date_order(_parsed("12/03/24 23:59:58", "13/03/24 00:00:01"))
    assert decision.order == "dmy"


def test_fields_of_12_or_less_are_ambiguous_and_never_guessed() -> None:
    decision = resolve_date_order(_parsed("05/03/24 14:05:07", "05/03/24 14:05:09"))
    assert decision.order is None
    assert decision.candidates == ("dmy", "mdy")
    assert "ambiguous" in decision.reason


def test_the_camera_setting_decides_an_ambiguous_order_and_says_so() -> None:
    decision = resolve_date_order(_parsed("05/03/24 14:05:07"), hint="mdy")
    assert decision.order == "mdy"
    assert "camera setting" in decision.reason


def test_a_hint_never_overrides_what_the_readings_show() -> None:
    assert resolve_date_order(_parsed("17/09/07 12:04:11"), hint="mdy").order == "dmy"


def test_year_first_is_ymd() -> None:
    assert resolve_date_order(_parsed("2024-03-05 14:02:03")).order == "ymd"


# ------------------------------------------------------------------ fit_start


def test_readings_that_advance_with_the_video_give_the_start() -> None:
    # the clock shows floor(12:04:11.0 + t)
    readings = [(0.04, "17/09/07 12:04:11"), (10.0, "17/09/07 12:04:21"), (20.5, "17/09/07 12:04:31")]
    fit = fit_start(readings, tolerance_s=1.5)
    assert fit is not None
    assert fit.consistent == (0, 1, 2)
    assert 12 * 3600 + 4 * 60 + 10.5 <= fit.start_s <= 12 * 3600 + 4 * 60 + 11.5
    assert fit.spread_s <= 1.0


def test_misreadings_are_dropped_as_outliers() -> None:
    readings = [
        (1.0, "17/09/07 12:04:12"),
        (5.0, "17/09/07 12:04:16"),
        (9.0, "17/09/07 12:04:26"),  # misread 20 as 26
        (13.0, "17/09/07 12:04:24"),
        (17.0, "garbage"),
    ]
    fit = fit_start(readings, tolerance_s=1.5)
    assert fit is not None
    assert fit.consistent == (0, 1, 3)
    assert fit.residuals[2] is not None
    assert fit.residuals[2] > 5
    assert fit.residuals[4] is None


def test_two_agreeing_misreads_lose_to_the_digits_of_the_other_readings() -> None:
    # "04" read as "06" twice agrees with itself; the partial readings show "04"
    readings = [
        (3.8, "17/09/07 12:06:14"),
        (30.0, "17/09/07 12:06:40"),
        (11.3, "17/09/07 12:04:22"),
        (17.5, "17/09/07 12:04:28"),
        (20.0, "17/09/07 12 04"),
        (23.0, "1709 12:04:34"),
    ]
    fit = fit_start(readings, tolerance_s=1.5)
    assert fit is not None
    assert set(fit.consistent) == {2, 3}


def test_a_static_date_does_not_fit() -> None:
    readings = [(0.0, "17/09/07 12:04:11"), (10.0, "17/09/07 12:04:11"), (20.0, "17/09/07 12:04:11")]
    assert fit_start(readings, tolerance_s=1.5) is None


def test_a_single_reading_is_not_enough() -> None:
    assert fit_start([(0.0, "17/09/07 12:04:11"), (5.0, "noise")], tolerance_s=1.5) is None


def test_readings_across_midnight_fit() -> None:
    readings = [(0.0, "12/03/24 23:59:58"), (4.0, "13/03/24 00:00:02"), (8.0, "13/03/24 00:00:06")]
    fit = fit_start(readings, tolerance_s=1.5)
    assert fit is not None
    assert len(fit.consistent) == 3


# ------------------------------------------------------------------ the service's sampling plan


def test_bursts_cover_the_video_from_start_to_end() -> None:
    from chronotrace_desktop.services.clock.reading import BURST_S, burst_starts

    starts = burst_starts(30.0, 6)
    assert starts[0] == 0.0
    assert starts[-1] == pytest.approx(30.0 - BURST_S)
    assert starts == sorted(starts)
    assert len(starts) == 6
    assert burst_starts(0.5, 6) == [0.0]  # shorter than a burst: one, from the start
