"""What the running bot keeps about a chat in memory, and dropping it once there is nothing to keep.

python-telegram-bot's chat_data holds, per chat, the chat's trail of message numbers
(handlers/trail.py) and any open form (handlers/flows.py). Its key is the chat's Telegram id, the
user's own in a private chat: an entry left behind, even an empty one, says that this person used
the bot. So the entry goes as a whole after /forget, once the worker has blocked the bot (Telegram's
my_chat_member update, or a Forbidden answer to a send), and, swept every few minutes, once its
trail has expired and its form was abandoned.

Without a persistence, python-telegram-bot still notes the id of every chat and user it handles
"to be updated (or deleted) in persistence", sets that only a persistence ever empties: nobody reads
them, and HakiApplication keeps none.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from telegram.ext import Application

from handlers import flows, screens, trail

SWEEP_INTERVAL = 10 * 60  # seconds between two sweeps of every chat's memory


class HakiApplication(Application):
    """python-telegram-bot's Application, keeping no chat or user ids for a persistence it lacks."""

    def _mark_for_persistence_update(self, *, update: object | None = None, job: object | None = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)  # type: ignore[arg-type]

    def drop_chat_data(self, chat_id: int) -> None:
        super().drop_chat_data(chat_id)
        if self.persistence is None:
            self._chat_ids_to_be_deleted_in_persistence.discard(chat_id)

    def drop_user_data(self, user_id: int) -> None:
        super().drop_user_data(user_id)
        if self.persistence is None:
            self._user_ids_to_be_deleted_in_persistence.discard(user_id)


def forget_chat(application: Application, chat_id: int, user_id: int | None = None) -> None:
    """Drop everything kept in memory about this chat (and this user): drafts and the trail too."""
    application.drop_chat_data(chat_id)
    if user_id is not None:
        application.drop_user_data(user_id)


class Sweeper:
    """Every `interval` seconds: expired trails, abandoned forms and old edits go, then every empty entry."""

    def __init__(
        self, application: Application, interval: float = SWEEP_INTERVAL, clock: Callable[[], float] = time.monotonic
    ):
        self._application = application
        self.interval = interval
        self.clock = clock  # time.monotonic, as trail and flows count
        self._wake = asyncio.Event()
        self._swept = asyncio.Event()

    def sweep(self) -> None:
        """One pass; synchronous, so no handler runs halfway through it."""
        app, now = self._application, self.clock()
        for chat_id, data in list(app.chat_data.items()):
            trail.prune(data, now)
            flows.expire(data, now)
            screens.expire(data, now)
            if not data:
                app.drop_chat_data(chat_id)
        for user_id, data in list(app.user_data.items()):
            if not data:
                app.drop_user_data(user_id)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            woken = asyncio.create_task(self._wake.wait())
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({woken, stopping}, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED)
            woken.cancel()
            stopping.cancel()
            self._wake.clear()
            if stop.is_set():
                return
            self.sweep()
            swept, self._swept = self._swept, asyncio.Event()
            swept.set()

    async def sweep_now(self, timeout: float = 10.0) -> None:
        """Have the running sweeper sweep at once; returns when it has (the timeout bounds a failure)."""
        swept = self._swept
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(swept.wait(), timeout)
        if not swept.is_set():
            raise TimeoutError(f"the sweeper did not sweep within {timeout} s: is it running?")
