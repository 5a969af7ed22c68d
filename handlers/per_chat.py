"""Process updates concurrently across chats, in order within each chat.

PTB's default handles one update at a time, which caps the bot at about 1/latency updates
per second (≈5/s when the Bot API answers in 200 ms). PTB's SimpleUpdateProcessor runs
everything concurrently, which breaks multi-step flows when one chat's updates overtake
each other. This processor chains each chat's updates: an update starts only when the
previous update of the same chat has finished; different chats run side by side.

Order is fixed synchronously when PTB hands the update over (before any await), so it is
exactly the order in which updates were fetched.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's own semaphore must never make an update wait: waiting there could reorder a chat's
# updates. The real limit is `max_running`, applied after the per-chat ordering.
_UNBOUNDED = 1 << 30


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_running: int = 256):
        super().__init__(_UNBOUNDED)
        self._running = asyncio.BoundedSemaphore(max_running)
        self._tails: dict[object, asyncio.Future[None]] = {}  # chat -> its last queued update's completion
        self._queued: Counter[object] = Counter()  # chat -> its updates not yet started
        self.on_processed: list[Callable[[object], None]] = []  # observers (tests, demo, shutdown)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        previous = self._tails.get(key) if key is not None else None
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if key is not None:
            self._tails[key] = done
        started = False
        self._queued[key] += 1
        try:
            try:
                if previous is not None:
                    await asyncio.shield(previous)  # a cancelled waiter must not cancel the chat's chain
            finally:
                self._queued[key] -= 1
                if not self._queued[key]:
                    del self._queued[key]
            async with self._running:
                started = True
                await coroutine
        finally:
            if not started:
                coroutine.close()  # type: ignore[attr-defined]  # cancelled while waiting its turn
            done.set_result(None)
            if key is not None and self._tails.get(key) is done:
                del self._tails[key]  # no one queued behind: forget the chat
            for observer in self.on_processed:
                observer(update)

    def waiting(self, chat_id: int | str) -> bool:
        """An update of this chat is queued behind the one being handled: the person has moved on."""
        return self._queued[("chat", chat_id)] > 0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _chat_key(update: object) -> object:
    """The chat an update belongs to (or its user, for updates without a chat)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None
