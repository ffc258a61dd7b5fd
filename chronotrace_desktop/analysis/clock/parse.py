"""Read one OCR text line as a recorder's date and time (pure; no OCR, no I/O).

DVR overlays seen in evidence: ``dd/mm/yy hh:mm:ss``, ``dd-mm-yyyy hh:mm:ss``, ``yyyy-mm-dd hh:mm:ss``,
``mm/dd/yyyy hh:mm:ss AM/PM``, with or without a weekday name. OCR of a 10-px overlay confuses separators
(``:`` read as ``/`` or dropped) far more often than digits, so the digits are read by position once the
separators, weekday names and AM/PM are set aside: 12 digits are ``a b yy hh mm ss``, 14 digits are
``yyyy mm dd hh mm ss`` or ``a b yyyy hh mm ss``. Which of ``a``/``b`` is the day is not decided here: a
reading keeps every order under which its fields form a real date, and ``resolve_date_order`` decides over all
readings (a field above 12 is a day) or reports the ambiguity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

DateOrder = Literal["dmy", "mdy", "ymd"]
DATE_ORDERS: tuple[DateOrder, ...] = ("dmy", "mdy", "ymd")

_WEEKDAY = re.compile(
    r"(?i)\b(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day|nesday|sday|urday|rsday)?\.?(?![a-z])"
)
_MERIDIEM = re.compile(r"(?i)(?<![a-z])([ap])\.?\s?m\.?(?![a-z])")
# Letters an OCR model returns for the digits of a dot-matrix or thin overlay font.
_ZERO_LIKE = "8694"  # the highway clip's 0 reads as 8, 4 or 6 at 15 px
_CONFUSABLE = str.maketrans("OoDQIl|!ZzSsBGgq", "0000111122558699")


@dataclass(frozen=True, slots=True)
class ParsedClock:
    """An overlay text read as date and time. ``first, second`` are the two date fields that are not the year,
    in screen order; ``orders`` lists the date orders under which they make a real date."""

    text: str
    year: int
    first: int
    second: int
    hour: int
    minute: int
    sec: int
    year_first: bool
    orders: tuple[DateOrder, ...]
    repaired: bool = False  # a tens digit impossible where it stood (8 for 0) was read as 0
    twelve_hour: bool = False  # the clock shows AM/PM

    def display_digits(self, seconds_of_day: int) -> str:
        """The digits this clock would show, on this reading's date, at ``seconds_of_day``."""
        if self.year_first:
            day = f"{self.year:04d}{self.first:02d}{self.second:02d}"
        elif len(digits_of(self.text)) == 14:
            day = f"{self.first:02d}{self.second:02d}{self.year:04d}"
        else:
            day = f"{self.first:02d}{self.second:02d}{self.year % 100:02d}"
        hour, rest = divmod(seconds_of_day % 86_400, 3600)
        if self.twelve_hour:
            hour = hour % 12 or 12
        return f"{day}{hour:02d}{rest // 60:02d}{rest % 60:02d}"

    @property
    def seconds_of_day(self) -> int:
        return self.hour * 3600 + self.minute * 60 + self.sec

    def date_for(self, order: DateOrder) -> date | None:
        """The calendar date under ``order``, or None when the fields do not make one under it."""
        if order not in self.orders:
            return None
        if order == "dmy":
            return date(self.year, self.second, self.first)
        return date(self.year, self.first, self.second)  # mdy, and ymd (year, month, day on screen)

    def datetime_for(self, order: DateOrder) -> datetime | None:
        day = self.date_for(order)
        if day is None:
            return None
        return datetime(day.year, day.month, day.day) + timedelta(seconds=self.seconds_of_day)


def _expand_year(yy: int) -> int:
    """Two-digit years as POSIX ``strptime`` reads them: 69-99 are 1969-1999, 00-68 are 2000-2068."""
    return 1900 + yy if yy >= 69 else 2000 + yy


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _split_meridiem(text: str) -> tuple[str, str | None]:
    rest = _WEEKDAY.sub(" ", text)
    found = _MERIDIEM.search(rest)
    if found is None:
        return rest, None
    return rest[: found.start()] + " " + rest[found.end() :], found.group(1).lower()


def digits_of(text: str) -> str:
    """The digits of an overlay text as OCR gave them: weekday names and AM/PM set aside, letters that stand
    for digits read as digits, separators dropped."""
    rest, _ = _split_meridiem(text)
    return "".join(ch for ch in rest.translate(_CONFUSABLE) if ch.isdigit() and ch.isascii())


def parse_clock_text(text: str) -> ParsedClock | None:
    """The date and time in ``text``, or None when it does not read as one (pure, never raises)."""
    _, meridiem = _split_meridiem(text)
    digits = digits_of(text)
    year_first_shape = len(digits) == 14 and digits[:2] in ("19", "20")
    digits, repaired = _repair_tens(digits, year_first_shape)
    if year_first_shape and 1 <= int(digits[4:6]) <= 12:
        year, first, second = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
        year_first = True
    elif len(digits) == 14:
        first, second, year = int(digits[:2]), int(digits[2:4]), int(digits[4:8])
        year_first = False
    elif len(digits) == 12:
        first, second, year = int(digits[:2]), int(digits[2:4]), _expand_year(int(digits[4:6]))
        year_first = False
    else:
        return None
    hour, minute, sec = int(digits[-6:-4]), int(digits[-4:-2]), int(digits[-2:])
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    if hour > 23 or minute > 59 or sec > 59 or not 1900 <= year <= 2099:
        return None
    if year_first:
        orders: tuple[DateOrder, ...] = ("ymd",) if _valid_date(year, first, second) else ()
    else:
        valid: dict[DateOrder, bool] = {
            "dmy": _valid_date(year, second, first),
            "mdy": _valid_date(year, first, second),
        }
        orders = tuple(order for order, ok in valid.items() if ok)
    if not orders:
        return None
    return ParsedClock(
        text, year, first, second, hour, minute, sec, year_first, orders, repaired, meridiem is not None
    )


def _repair_tens(digits: str, year_first: bool) -> tuple[str, bool]:
    """Read as 0 a tens digit that cannot stand where it is and that OCR often returns for a 0 (8, 6, 9, 4):
    ``17/89/07`` is ``17/09/07``. Only impossible digits are touched; the fit drops any wrong repair."""
    if len(digits) == 14 and year_first:
        limits = {4: 1, 6: 3, 8: 2, 10: 5, 12: 5}  # month, day, hour, minute, second
    elif len(digits) in (12, 14):
        end = len(digits)
        limits = {
            0: 3,
            2: 3,
            end - 6: 2,
            end - 4: 5,
            end - 2: 5,
        }  # day or month (either), hour, minute, second
    else:
        return digits, False
    chars = list(digits)
    repaired = False
    for position, limit in limits.items():
        if int(chars[position]) > limit and chars[position] in _ZERO_LIKE:
            chars[position] = "0"
            repaired = True
    return "".join(chars), repaired


@dataclass(frozen=True, slots=True)
class DateOrderDecision:
    """The date order the readings support: ``order`` is None when they cannot tell (``candidates`` > 1)."""

    order: DateOrder | None
    candidates: tuple[DateOrder, ...]
    reason: str


def resolve_date_order(readings: list[ParsedClock], hint: DateOrder | None = None) -> DateOrderDecision:
    """Decide dd/mm against mm/dd from the readings, never by guessing.

    An order survives when every reading allows it (a first field above 12 rules out ``mdy``, a second field
    above 12 rules out ``dmy``); one survivor is the answer. Two survivors are ambiguous: ``hint`` (the
    camera's setting) decides then, and the decision says so; without a hint ``order`` is None.
    """
    if not readings:
        return DateOrderDecision(None, (), "no readings")
    if all(r.year_first for r in readings):
        return DateOrderDecision("ymd", ("ymd",), "year first")
    allowed = [o for o in ("dmy", "mdy") if all(o in r.orders for r in readings if not r.year_first)]
    candidates: tuple[DateOrder, ...] = tuple(o for o in DATE_ORDERS if o in allowed)
    if len(candidates) == 1:
        field = "first" if candidates[0] == "dmy" else "second"
        return DateOrderDecision(
            candidates[0], candidates, f"the {field} date field exceeds 12: it is the day"
        )
    if not candidates:
        return DateOrderDecision(None, (), "the readings disagree on the date order")
    if hint in candidates:
        return DateOrderDecision(
            hint, candidates, f"ambiguous (both fields <= 12): {hint} from the camera setting"
        )
    return DateOrderDecision(None, candidates, "ambiguous: both date fields are 12 or less (dd/mm or mm/dd)")
