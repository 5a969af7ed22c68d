"""At most a few reports per person per day, without knowing who anyone is.

Each day gets a fresh random key that lives only in memory; a person is counted under
HMAC(today's key, their Telegram id). Yesterday's key and counts are dropped at midnight
(UTC) and on restart, so neither the database nor a later memory dump can link days.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable


class DailyLimit:
    def __init__(self, per_day: int, clock: Callable[[], float] = time.time):
        self.per_day = per_day
        self._clock = clock
        self._day = -1
        self._key = b""
        self._counts: dict[bytes, int] = {}

    def _tag(self, user_id: int) -> bytes:
        day = int(self._clock() // 86400)
        if day != self._day:
            self._day, self._key, self._counts = day, secrets.token_bytes(32), {}
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).digest()[:16]

    def remaining(self, user_id: int) -> int:
        return self.per_day - self._counts.get(self._tag(user_id), 0)

    def take(self, user_id: int) -> bool:
        """Count one report; False (and nothing counted) when today's limit is reached."""
        tag = self._tag(user_id)
        if self._counts.get(tag, 0) >= self.per_day:
            return False
        self._counts[tag] = self._counts.get(tag, 0) + 1
        return True
