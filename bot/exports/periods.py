"""Which releases an export is made of: the released months in the range asked, grouped by month
or by quarter. A quarter is the sum of its three months' releases, so only a quarter whose three
months are all released (and all in the range) is exported; a part of one would be mistaken for
the whole."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_skeleton

from bot.exports.options import ExportOptions, ExportRefused
from bot.releases.periods import month_after, release_day
from bot.releases.release import Release


def quarter_of(month: str) -> str:
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


def months_of(quarter: str) -> list[str]:
    year, number = quarter.split("-Q")
    first = (int(number) - 1) * 3 + 1
    return [f"{year}-{m:02d}" for m in range(first, first + 3)]


def in_range(releases: list[Release], options: ExportOptions) -> list[Release]:
    """The releases of the months asked for, oldest first; ExportRefused when there is none."""
    chosen = [
        r
        for r in releases
        if (not options.first or r.month >= options.first) and (not options.last or r.month <= options.last)
    ]
    if not chosen:
        released = f"{releases[0].month} to {releases[-1].month}" if releases else "none yet"
        raise ExportRefused(
            f"No month from {options.first or 'the first'} to {options.last or 'the last'} is released. "
            f"Released months: {released}."
        )
    return chosen


def grouped(releases: list[Release], period: str) -> dict[str, list[Release]]:
    """Period code -> its releases, in time order: each month alone, or each whole quarter."""
    if period == "month":
        return {r.month: [r] for r in releases}
    by_quarter: dict[str, list[Release]] = {}
    for release in releases:
        by_quarter.setdefault(quarter_of(release.month), []).append(release)
    whole = {q: rs for q, rs in by_quarter.items() if [r.month for r in rs] == months_of(q)}
    if not whole:
        raise ExportRefused(_no_whole_quarter(releases))
    return whole


def _no_whole_quarter(releases: list[Release]) -> str:
    first = releases[0].month
    quarter = quarter_of(first)
    if months_of(quarter)[0] != first:  # started within a quarter: the next one is the first whole one
        quarter = quarter_of(month_after(months_of(quarter)[-1]))
    last = months_of(quarter)[-1]
    return (
        f"No quarter has all three of its months released yet (released: {first} to {releases[-1].month}), and a "
        f"quarter is only exported whole. The first whole one, {quarter_label(quarter)}, is complete once "
        f"{month_label(last)} is released, on {date_label(release_day(last))}. Until then, export by month."
    )


def month_label(month: str) -> str:
    year, number = month.split("-")
    return format_skeleton("yMMMM", dt.date(int(year), int(number), 1), locale="en")


def quarter_label(quarter: str) -> str:
    year, number = quarter.split("-Q")
    return f"quarter {number} of {year}"


def period_label(code: str) -> str:
    return quarter_label(code).capitalize() if "-Q" in code else month_label(code)


def date_label(day: dt.date) -> str:
    return format_date(day, "long", locale="en")
