"""The organizer's live view of a broadcast: one message, edited every few seconds with
sent/total, failed and blocked (rounded to the nearest 10, bot/broadcasts/progress.py) and the
time left, until the broadcast is done or cancelled. Kept in memory: after a restart,
/broadcasts opens the view again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.broadcasts.progress import progress_screen
from bot.store.broadcasts import BroadcastStore
from bot.ui.screens import Screen
from bot.ui.texts import Texts
from handlers.screens import keyboard

log = logging.getLogger(__name__)

INTERVAL = 3.0  # seconds between two edits of a progress message
_OVER = ("done", "cancelled")


class ProgressBoard:
    def __init__(self, bot: Bot, broadcasts: BroadcastStore, rate: float, interval: float = INTERVAL):
        self._bot, self._broadcasts, self._rate, self._interval = bot, broadcasts, rate, interval
        self._views: dict[str, tuple[int, int, Texts, str | None]] = {}  # broadcast -> (chat, message, t, shown)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._nudges: dict[str, asyncio.Event] = {}
        self._over: dict[str, asyncio.Event] = {}

    def follow(self, broadcast_id: str, chat_id: int, message_id: int, t: Texts, shown: str | None = None) -> None:
        """Keep this message up to date (it replaces any earlier view of the broadcast); `shown`
        is the text it has now, which need not be sent again."""
        self._views[broadcast_id] = (chat_id, message_id, t, shown)
        self._nudges.setdefault(broadcast_id, asyncio.Event()).set()
        self._over.setdefault(broadcast_id, asyncio.Event())
        if broadcast_id not in self._tasks or self._tasks[broadcast_id].done():
            self._tasks[broadcast_id] = asyncio.create_task(self._run(broadcast_id))

    async def screen(self, broadcast_id: str, t: Texts) -> Screen | None:
        summary = await self._broadcasts.broadcast_summary(broadcast_id, time.time())
        return progress_screen(t, summary, self._rate) if summary else None

    def nudge(self, broadcast_ids: list[str]) -> None:
        """Refresh these views now (a status changed) instead of at the next tick."""
        for broadcast_id in broadcast_ids:
            if broadcast_id in self._nudges:
                self._nudges[broadcast_id].set()

    async def finished(self, broadcast_ids: list[str]) -> None:
        """The deliverer's on_finished hook: followed views show it; others are simply over."""
        self.nudge(broadcast_ids)
        for broadcast_id in broadcast_ids:
            if broadcast_id not in self._tasks:
                self._over.setdefault(broadcast_id, asyncio.Event()).set()

    async def wait_over(self, broadcast_id: str) -> None:
        """Until the broadcast is done (or cancelled, when followed) and a view of it shows it."""
        await self._over.setdefault(broadcast_id, asyncio.Event()).wait()

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, broadcast_id: str) -> None:
        nudge = self._nudges[broadcast_id]
        while True:
            nudge.clear()
            chat_id, message_id, t, shown = self._views[broadcast_id]
            summary = await self._broadcasts.broadcast_summary(broadcast_id, time.time())
            if summary is None:
                return
            screen = progress_screen(t, summary, self._rate)
            if screen.plain_text != shown:
                try:
                    await self._bot.edit_message_text(
                        screen.text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard(screen)
                    )
                    self._views[broadcast_id] = (chat_id, message_id, t, screen.plain_text)
                except BadRequest as err:
                    if "not modified" not in str(err).lower():
                        log.warning("The progress message could not be updated: %s", err.message)
                        return  # deleted by the organizer: stop following
                except TelegramError as err:
                    log.warning("The progress message could not be updated: %s", err.message)
            if summary.status in _OVER:
                self._over[broadcast_id].set()
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(nudge.wait(), self._interval)
