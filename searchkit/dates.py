"""Dates as analysts write them: article date lines and filter values.

Whoosh's own DateParserPlugin misreads ISO ranges, so searchkit reads dates
itself (with python-dateutil) and hands the index plain day numbers.
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date, datetime

from .errors import DateParseError
from .lazy import lazy_module

# dateutil loads on first use (about 20 ms): a plain search never parses a date.
dateparser = lazy_module("dateutil.parser")
_relative = lazy_module("dateutil.relativedelta")

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"


# A date line is a line that is *only* a date; a sentence that merely
# contains one ("On October 31, 2013 the talks...") is body text. Compiled
# on first use (~0.5 ms): reading articles needs it, a search does not.
@functools.cache
def _date_line_re() -> re.Pattern[str]:
    return re.compile(
        rf"^{_WEEKDAY}(?:"
        rf"{_MONTH}\s+{_DAY},?\s+\d{{4}}"  # October 31, 2013 / Oct. 31, 2013
        rf"|{_DAY}\s+{_MONTH},?\s+\d{{4}}"  # 31 Oct 2013
        r"|\d{4}-\d{1,2}-\d{1,2}"  # 2013-10-31
        r"|\d{1,2}/\d{1,2}/\d{4}"  # 10/31/2013 (US order, as dateutil reads it)
        r")$",
        re.IGNORECASE,
    )


# Two defaults that differ in every component reveal which components the
# text actually gave: the ones that come out equal under both.
_DEFAULT_A = datetime(2000, 1, 1)
_DEFAULT_B = datetime(2004, 2, 2)


_ISO_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:$|[T ]\d)")


def looks_like_date_line(line: str) -> bool:
    return bool(_date_line_re().match(line.strip()))


def parse_date_line(line: str) -> date | None:
    """The date on a date-only line, or None when it names no real day (Feb 30)."""
    try:
        return dateparser.parse(line.strip()).date()
    except (ValueError, OverflowError):
        return None


def parse_loose(value: str) -> date | None:
    """The one day ``value`` names, or None (see ``read_day``)."""
    return read_day(value)[0]


def read_day(value: str) -> tuple[date | None, str | None]:
    """The one day a metadata date value names, or None and the reason.

    dateutil completes what a value leaves out from today's date ("1987"
    became 1987-12-01, "Tuesday" today): parsing twice with two defaults
    that differ in every component shows which components the value gave,
    and a value that does not give year, month and day is not a day.
    """
    text = " ".join(str(value).split())
    if not text:
        return None, "empty date"
    if len(text) > 64:
        return None, f"unparsable date {text[:40]!r}"
    if _ISO_DAY_RE.match(text):
        # The common case, without dateutil's two full parses.
        try:
            return date.fromisoformat(text[:10]), None
        except ValueError:
            return None, f"unparsable date {text[:40]!r}"
    try:
        a = dateparser.parse(text, default=_DEFAULT_A)
        b = dateparser.parse(text, default=_DEFAULT_B)
    except (ValueError, OverflowError, TypeError):
        return None, f"unparsable date {text[:40]!r}"
    missing = [
        name for name, x, y in (("year", a.year, b.year), ("month", a.month, b.month), ("day", a.day, b.day)) if x != y
    ]
    if missing:
        return None, f"partial date {text[:40]!r} (no {' or '.join(missing)})"
    return a.date(), None


_RELATIVE_RE = re.compile(r"^(\d+)\s*(d|w|m|y)$", re.IGNORECASE)
_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


def period(value: str | date, today: date | None = None) -> tuple[date, date]:
    """The inclusive span of days a date value names.

    "1987" is the whole year, "1987-03" and "March 1987" the whole month,
    "1987-03-05" one day; "7d", "3m", "1y" name the day that long before
    today; "today" and "yesterday" mean what they say.
    """
    if isinstance(value, datetime):
        return value.date(), value.date()
    if isinstance(value, date):
        return value, value
    text = " ".join(str(value).split())
    if not text:
        raise DateParseError("empty date")
    today = today or date.today()
    low = text.lower()
    if low == "today":
        return today, today
    if low == "yesterday":
        day = today - _relative.relativedelta(days=1)
        return day, day
    rel = _RELATIVE_RE.match(low)
    if rel:
        try:
            day = today - _relative.relativedelta(**{_UNITS[rel.group(2).lower()]: int(rel.group(1))})
        except (OverflowError, ValueError) as exc:  # before year 1, or past what a date holds
            raise DateParseError(f"{text!r} reaches back before the year 1") from exc
        return day, day
    try:
        a = dateparser.parse(text, default=_DEFAULT_A)
        b = dateparser.parse(text, default=_DEFAULT_B)
    except (ValueError, OverflowError) as exc:
        raise DateParseError(f"cannot read {text!r} as a date") from exc
    year = a.year if a.year == b.year else today.year
    if a.month != b.month:
        return date(year, 1, 1), date(year, 12, 31)
    if a.day != b.day:
        last = calendar.monthrange(year, a.month)[1]
        return date(year, a.month, 1), date(year, a.month, last)
    try:
        day = date(year, a.month, a.day)
    except ValueError as exc:
        raise DateParseError(f"cannot read {text!r} as a date") from exc
    return day, day
