"""The dates of retention, pure: the clock is always passed in, never read here."""

from __future__ import annotations

import datetime as dt

EXPORT_LOG_DAYS = 365  # the export log shows researchers' use over the last year, no more


def text_expiry(week: str, days: int) -> dt.date:
    """The day an unreleased free text of ISO `week` ("2026-W48") is deleted: `days` after the
    week is over (the Monday after it). The report keeps only its week, so the count starts from
    its end: no text is deleted before `days` have passed, whichever day of the week it came."""
    year, number = week.split("-W")
    return dt.date.fromisocalendar(int(year), int(number), 1) + dt.timedelta(weeks=1, days=days)


def last_expired_week(today: dt.date, days: int) -> str:
    """The latest ISO week whose texts have expired by `today`: text_expiry(week) <= today holds
    for it and every earlier week, and for no later one. ISO week strings sort in time order."""
    iso = (today - dt.timedelta(weeks=1, days=days)).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def export_log_cutoff(now: dt.datetime) -> dt.datetime:
    """Export log rows logged before this are deleted."""
    return now - dt.timedelta(days=EXPORT_LOG_DAYS)
