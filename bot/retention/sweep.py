"""The sweep: everything past its time (rules.py) deleted from both files, for real: the main
file's deletions go through transaction(forget=True) (secure_delete, then the WAL emptied), the
reports file is rebuilt after each write. Run at start-up and every day (handlers/retention.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.releases.periods import first_week_after
from bot.retention.rules import export_log_cutoff, last_expired_week
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Swept:
    """How many rows one sweep deleted, of each kind."""

    texts: int
    reports: int
    outbox: int
    exports: int


async def sweep(store: Store, now: datetime, text_days: int) -> Swept:
    """Delete what `now` (UTC) is past: unreleased free texts `text_days` after their week, then
    the reports of released months that no text holds back any more; finished broadcasts' outbox
    rows; export log rows over a year old."""
    texts = await store.texts.forget_through(last_expired_week(now.astimezone(UTC).date(), text_days))
    released = await store.releases.months()
    # Publisher.releases leaves a released month's reports that have a text; without it they go.
    reports = await store.reports.forget_before(first_week_after(max(released))) if released else 0
    swept = Swept(
        texts=texts,
        reports=reports,
        outbox=await store.broadcasts.forget_finished_outbox(),
        exports=await store.export_log.forget_before(export_log_cutoff(now)),
    )
    log.info(
        "Retention sweep deleted %d free texts, %d reports, %d outbox rows, %d export log rows",
        swept.texts,
        swept.reports,
        swept.outbox,
        swept.exports,
    )
    return swept
