"""Release periods: calendar months. A report keeps only its ISO week; its month is the month of
that week's Thursday, so a week belongs to exactly one month. A month is released once no report
can join it any more (its last week is over), plus a lag, so that a release says nothing about the
last days' arrivals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

LAG_DAYS = 7  # after the month's end: its last ISO week ends at most 3 days into the next month


def month_of(week: str) -> str:
    """The month ("YYYY-MM") of an ISO week ("YYYY-Www"): the month its Thursday falls in."""
    year, number = week.split("-W")
    return dt.date.fromisocalendar(int(year), int(number), 4).strftime("%Y-%m")


def weeks_of(month: str) -> list[str]:
    """The ISO weeks whose Thursday falls in `month`."""
    year, number = map(int, month.split("-"))
    day = dt.date(year, number, 1)
    day += dt.timedelta(days=(3 - day.weekday()) % 7)  # the month's first Thursday
    weeks = []
    while day.month == number:
        iso = day.isocalendar()
        weeks.append(f"{iso[0]}-W{iso[1]:02d}")
        day += dt.timedelta(days=7)
    return weeks


def month_after(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def first_week_after(month: str) -> str:
    """The first ISO week of the month after `month`: every earlier week belongs to `month` or before."""
    return weeks_of(month_after(month))[0]


def release_day(month: str) -> dt.date:
    """The first day the month may be released."""
    year, number = map(int, month_after(month).split("-"))
    return dt.date(year, number, 1) + dt.timedelta(days=LAG_DAYS)


def closed_months(first: str, today: dt.date) -> Iterator[str]:
    """Every month from `first` on that may be released by `today`, oldest first."""
    month = first
    while release_day(month) <= today:
        yield month
        month = month_after(month)


def current_month(today: dt.date) -> str:
    iso = today.isocalendar()
    return month_of(f"{iso[0]}-W{iso[1]:02d}")
