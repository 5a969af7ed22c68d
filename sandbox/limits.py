"""Telegram's flood limits for sending messages, as documented in the Bot FAQ."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class FloodLimiter:
    """At most `overall_per_second` sends across all chats (sliding one-second window), or
    `paid_per_second` for paid broadcasts (allow_paid_broadcast, a window of their own), and per
    chat a token bucket: private chats about 1 message/s with a short burst, groups 20 messages
    per minute."""

    def __init__(
        self,
        overall_per_second: int = 30,
        chat_burst: int = 3,
        chat_per_second: float = 1.0,
        group_per_minute: int = 20,
        paid_per_second: int = 1000,
    ) -> None:
        self.overall_per_second = overall_per_second
        self.chat_burst = chat_burst
        self.chat_per_second = chat_per_second
        self.group_per_minute = group_per_minute
        self.paid_per_second = paid_per_second
        self._ordinary: deque[float] = deque()
        self._paid: deque[float] = deque()
        self._buckets: dict[int | str, _Bucket] = {}

    def acquire(self, chat_id: int | str, paid: bool = False) -> int | None:
        """Count one send; returns None if allowed, else retry_after (whole seconds, >= 1)
        and the send is not counted."""
        now = time.monotonic()
        recent, limit = (self._paid, self.paid_per_second) if paid else (self._ordinary, self.overall_per_second)
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        capacity, rate = self._bucket_shape(chat_id)
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            bucket = self._buckets[chat_id] = _Bucket(capacity, now)
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now

        waits = []
        if len(recent) >= limit:
            waits.append(1.0 - (now - recent[0]))
        if bucket.tokens < 1.0:
            waits.append((1.0 - bucket.tokens) / rate)
        if waits:
            return max(1, math.ceil(max(waits)))
        bucket.tokens -= 1.0
        recent.append(now)
        return None

    def _bucket_shape(self, chat_id: int | str) -> tuple[float, float]:
        # Negative ids and @usernames are groups/channels.
        if isinstance(chat_id, str) or chat_id < 0:
            return self.group_per_minute, self.group_per_minute / 60.0
        return self.chat_burst, self.chat_per_second
