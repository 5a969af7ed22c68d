"""Releasing closed months: each is measured once, stored, and its reports deleted; readers get
the stored releases, never the reports.

Called before anything reads releases (/stats, /export, `bot.py export`) and at start-up. Under a
lock, so two organizers asking at once never measure a month twice (a second measurement of the
same reports, published, would spend the budget again).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from bot.content.model import Content
from bot.releases.design import design_for
from bot.releases.periods import closed_months, current_month, first_week_after, month_of, weeks_of
from bot.releases.release import Release, Tally, make_release
from bot.store.releases import ReleaseStore
from bot.store.reports import ReportStore

log = logging.getLogger(__name__)


class Publisher:
    def __init__(
        self,
        reports: ReportStore,
        releases: ReleaseStore,
        content: Content,
        clock: Callable[[], dt.date] = dt.date.today,
    ):
        self._reports = reports
        self._releases = releases
        self._content = content
        self.clock = clock  # today's date; tests move it on to close a month
        self._lock = asyncio.Lock()
        self._first: str | None = None
        self.released = asyncio.Event()  # set once a month has been released by this publisher

    async def first_month(self) -> str:
        """The first month releases cover: fixed the first time it is asked (this month, or the
        earliest report's in an older install)."""
        if self._first is None:  # fixed once stored: no need to scan or write again
            earliest = await self._reports.earliest_week()
            first = min([current_month(self.clock()), *([month_of(earliest)] if earliest else [])])
            self._first = await self._releases.start(first)
        return self._first

    async def releases(self) -> list[Release]:
        """Every released month, oldest first, releasing any that closed since."""
        async with self._lock:
            today = self.clock()
            first = await self.first_month()
            done = await self._releases.months()
            closed = list(closed_months(first, today))
            for month in closed:
                if month in done:
                    continue
                tally = Tally(design_for(self._content), self._content)
                await self._reports.scan_month(weeks_of(month), tally.add)
                release = await asyncio.to_thread(make_release, month, self._content, tally, today)
                await self._releases.save(month, release.created, release.to_json())
                log.info("month %s released", month)
                self.released.set()
            if closed:
                # Their reports are no longer needed: nothing more will ever be published of them.
                await self._reports.forget_before(first_week_after(closed[-1]))
            return [Release.from_json(data) for data in await self._releases.all()]
