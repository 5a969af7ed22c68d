"""Pending updates and getUpdates long polling, with delivery tracking for tests."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import deque
from typing import Any

from .errors import ApiError

JSON = dict[str, Any]

# Telegram delivers these only when allowed_updates names them explicitly.
_OPT_IN_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"

_Waiters = dict[int, list["asyncio.Future[None]"]]


class UpdateQueue:
    def __init__(self) -> None:
        self._pending: deque[JSON] = deque()
        self._last_id = 0
        self.delivered_upto = 0  # highest update_id ever returned by getUpdates
        self.confirmed_below = 0  # getUpdates offset: the bot acknowledged every id below it
        self.dropped: set[int] = set()  # ids discarded without ever being delivered
        self.allowed: frozenset[str] | None = None  # None: Telegram's default set
        self._arrival = asyncio.Event()
        self._poll_generation = 0
        self._closed = False
        # One future per waiting test/driver call, keyed by update_id: with hundreds of
        # simulated users waiting, an update wakes only its own waiters.
        self._delivery_waiters: _Waiters = {}
        self._confirmation_waiters: _Waiters = {}
        self.waiting_polls = 0  # getUpdates calls now held open for lack of updates
        self._poll_watchers: list[asyncio.Future[None]] = []

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def push(self, update: JSON) -> int:
        """Queue an update (without update_id) and return the id assigned to it."""
        kinds = [key for key in update if key != "update_id"]
        if len(kinds) != 1:
            raise ValueError(f"an update has exactly one field besides update_id, got {kinds}")
        self._last_id += 1
        update_id = self._last_id
        # Like Telegram, allowed_updates filters when an update is created, not when it is fetched.
        if not self._is_allowed(kinds[0]):
            self._drop(update_id)
            return update_id
        self._pending.append({"update_id": update_id, kinds[0]: update[kinds[0]]})
        self._wake()
        return update_id

    def delivered(self, update_id: int) -> asyncio.Future[None]:
        """Resolves once a getUpdates answer has carried the update; LookupError if dropped."""
        # Updates leave in id order, so everything up to the newest delivered id went out.
        return self._watch(self._delivery_waiters, update_id, update_id <= self.delivered_upto)

    def confirmed(self, update_id: int) -> asyncio.Future[None]:
        """Resolves once a later getUpdates offset acknowledged the update."""
        return self._watch(self._confirmation_waiters, update_id, update_id < self.confirmed_below)

    def polling(self) -> asyncio.Future[None]:
        """Resolves once a getUpdates call is held open waiting for updates."""
        future = asyncio.get_running_loop().create_future()
        if self.waiting_polls:
            future.set_result(None)
        else:
            self._poll_watchers.append(future)
        return future

    async def fetch(self, offset: int | None, limit: int, timeout: float, allowed: list[str] | None) -> list[JSON]:
        """getUpdates: confirm up to offset, then wait up to timeout seconds for updates."""
        if allowed is not None:
            self.allowed = frozenset(allowed) or None
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # a still-waiting older poll gives way and answers 409
        if offset is not None:
            self._confirm(offset)
        if not self._pending and not self._closed and timeout > 0:
            await self._hold_open(generation, timeout)
        batch = list(itertools.islice(self._pending, limit))
        if batch and batch[-1]["update_id"] > self.delivered_upto:
            previous, self.delivered_upto = self.delivered_upto, batch[-1]["update_id"]
            self._resolve(self._delivery_waiters, previous + 1, self.delivered_upto)
        return batch

    async def _hold_open(self, generation: int, timeout: float) -> None:
        """The long poll proper: wait for an update, the timeout, shutdown or a newer poll."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self.waiting_polls += 1
        watchers, self._poll_watchers = self._poll_watchers, []
        for future in watchers:
            if not future.done():
                future.set_result(None)
        try:
            while not self._pending and not self._closed:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                arrival = self._arrival
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(arrival.wait(), remaining)
                if generation != self._poll_generation:
                    raise ApiError(409, _POLL_CONFLICT)
        finally:
            self.waiting_polls -= 1

    def take(self) -> list[JSON]:
        """Hand over every pending update at once, as a webhook delivery would (marks them
        delivered and confirmed); getUpdates will not return them."""
        batch = list(self._pending)
        self._pending.clear()
        if batch:
            last = batch[-1]["update_id"]
            if last > self.delivered_upto:
                previous, self.delivered_upto = self.delivered_upto, last
                self._resolve(self._delivery_waiters, previous + 1, last)
            if last + 1 > self.confirmed_below:
                previous, self.confirmed_below = self.confirmed_below, last + 1
                self._resolve(self._confirmation_waiters, previous, last)
        return batch

    def drop_pending(self) -> None:
        while self._pending:
            self._forget(self._pending.popleft())

    def close(self) -> None:
        """Release every waiting long poll (server shutdown)."""
        self._closed = True
        self._wake()

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # keep only the last -offset updates
            while len(self._pending) > -offset:
                self._forget(self._pending.popleft())
            return
        while self._pending and self._pending[0]["update_id"] < offset:
            self._forget(self._pending.popleft())
        if offset > self.confirmed_below:
            previous, self.confirmed_below = self.confirmed_below, offset
            self._resolve(self._confirmation_waiters, previous, offset - 1)

    def _forget(self, update: JSON) -> None:
        if update["update_id"] > self.delivered_upto:
            self._drop(update["update_id"])

    def _drop(self, update_id: int) -> None:
        self.dropped.add(update_id)
        self._resolve(self._delivery_waiters, update_id, update_id)
        self._resolve(self._confirmation_waiters, update_id, update_id)

    def _watch(self, waiters: _Waiters, update_id: int, done: bool) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        waiters.setdefault(update_id, []).append(future)
        if done or update_id in self.dropped:
            self._resolve(waiters, update_id, update_id)
        return future

    def _resolve(self, waiters: _Waiters, first: int, last: int) -> None:
        """Settle the waiters for ids first..last (visiting whichever set is smaller)."""
        if last - first + 1 <= len(waiters):
            ids: list[int] = [i for i in range(first, last + 1) if i in waiters]
        else:
            ids = [i for i in waiters if first <= i <= last]
        for update_id in ids:
            for future in waiters.pop(update_id):
                if future.done():  # the waiter timed out already
                    continue
                if update_id in self.dropped:
                    future.set_exception(LookupError(f"update {update_id} was dropped without being delivered"))
                else:
                    future.set_result(None)

    def _is_allowed(self, kind: str) -> bool:
        return kind not in _OPT_IN_TYPES if self.allowed is None else kind in self.allowed

    def _wake(self) -> None:
        # Replacing the event lets every current waiter run once without a shared reset race.
        self._arrival.set()
        self._arrival = asyncio.Event()
