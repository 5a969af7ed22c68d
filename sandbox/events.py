"""The log of Bot API calls, and waiting on it without polling."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True, frozen=True)
class Event:
    """One Bot API call as the sandbox answered it."""

    seq: int
    time: float  # time.monotonic() when the answer was decided
    method: str
    chat_id: int | str | None  # the call's chat_id parameter, if it had one
    params: dict[str, Any]
    status: int
    description: str | None  # Telegram's error text; None on success
    result: Any  # the "result" of a successful call

    @property
    def ok(self) -> bool:
        return self.status == 200

    def __str__(self) -> str:
        outcome = "ok" if self.ok else f"{self.status} {self.description}"
        chat = f" chat={self.chat_id}" if self.chat_id is not None else ""
        return f"#{self.seq} {self.method}{chat} -> {outcome}"


class EventLog:
    def __init__(self, max_events: int | None = None) -> None:
        # Bounded for long benchmarks; sequence numbers keep counting regardless.
        self._events: deque[Event] = deque(maxlen=max_events)
        self._seq = itertools.count(1)
        self.last_seq = 0
        self._changed = asyncio.Condition()

    def snapshot(self) -> list[Event]:
        return list(self._events)

    def after(self, seq: int, limit: int | None = None) -> list[Event]:
        """Events with seq > `seq` still in the log, oldest first."""
        if not self._events or seq >= self.last_seq:
            return []
        start = max(seq - self._events[0].seq + 1, 0)
        stop = None if limit is None else start + limit
        return list(itertools.islice(self._events, start, stop))

    async def record(self, **fields: Any) -> Event:
        event = Event(seq=next(self._seq), **fields)
        self._events.append(event)
        self.last_seq = event.seq
        async with self._changed:
            self._changed.notify_all()
        return event

    async def wait_until(self, condition: Callable[[], bool], timeout: float) -> None:
        """Wait until condition() holds, re-checking after every change; TimeoutError otherwise."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(condition)

    async def wait_for(self, predicate: Callable[[Event], bool], timeout: float, after: int = 0) -> Event:
        checked = after
        found: list[Event] = []

        def scan() -> bool:
            nonlocal checked
            for event in self.after(checked):
                checked = event.seq
                if predicate(event):
                    found.append(event)
                    return True
            return False

        try:
            await self.wait_until(scan, timeout)
        except TimeoutError:
            recent = "\n  ".join(str(e) for e in self.after(self.last_seq - 15)) or "(none)"
            raise TimeoutError(
                f"no matching Bot API call within {timeout} s; the most recent calls:\n  {recent}"
            ) from None
        return found[0]
