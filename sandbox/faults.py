"""Injected failures and slow answers, for testing how the bot copes with a bad network."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ApiError, default_description

ANY_METHOD = "*"


@dataclass(slots=True)
class _Failure:
    method: str  # lower-case method name or ANY_METHOD
    status: int
    description: str | None
    retry_after: int | None
    remaining: int
    chat_id: int | str | None


@dataclass(slots=True)
class _Outage:
    until: float  # time.monotonic()
    status: int
    description: str | None
    retry_after: int | None
    methods: frozenset[str] | None


@dataclass(slots=True)
class _SlowSpell:
    until: float  # time.monotonic()
    seconds: float
    methods: frozenset[str] | None


@dataclass(slots=True)
class _Hang:
    method: str
    seconds: float
    remaining: int
    chat_id: int | str | None


class FaultPlan:
    def __init__(self) -> None:
        self._failures: list[_Failure] = []
        self._outage: _Outage | None = None
        self._hangs: list[_Hang] = []
        self._slow: _SlowSpell | None = None

    def fail_next(
        self,
        method: str,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        self._failures.append(_Failure(method.lower(), status, description, retry_after, count, chat_id))

    def fail_for(
        self,
        seconds: float,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        wanted = None if methods is None else frozenset(m.lower() for m in methods)
        self._outage = _Outage(time.monotonic() + seconds, status, description, retry_after, wanted)

    def hang(self, method: str, seconds: float, count: int = 1, chat_id: int | str | None = None) -> None:
        self._hangs.append(_Hang(method.lower(), seconds, count, chat_id))

    def hang_for(self, window: float, seconds: float, methods: Iterable[str] | None = None) -> None:
        """For the next `window` seconds, every call (of `methods`) is answered `seconds` late."""
        wanted = None if methods is None else frozenset(m.lower() for m in methods)
        self._slow = _SlowSpell(time.monotonic() + window, seconds, wanted)

    def clear(self) -> None:
        self._failures.clear()
        self._hangs.clear()
        self._outage = None
        self._slow = None

    def failure(self, method: str, chat_id: int | str | None) -> ApiError | None:
        """The injected error for this call, if any (a fail_next rule is used up by it)."""
        name = method.lower()
        outage = self._outage
        if outage is not None:
            left = outage.until - time.monotonic()
            if left <= 0:
                self._outage = None
            elif outage.methods is None or name in outage.methods:
                retry_after = outage.retry_after
                if outage.status == 429 and retry_after is None:
                    retry_after = max(1, math.ceil(left))
                return _error(outage.status, outage.description, retry_after)
        for rule in self._failures:
            if rule.method in (name, ANY_METHOD) and rule.chat_id in (None, chat_id):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._failures.remove(rule)
                return _error(rule.status, rule.description, rule.retry_after)
        return None

    def delay(self, method: str, chat_id: int | str | None = None) -> float:
        """Extra seconds to hold this call's answer back (a hang rule is used up by it)."""
        name = method.lower()
        slow = self._slow
        if slow is not None:
            if time.monotonic() >= slow.until:
                self._slow = None
            elif slow.methods is None or name in slow.methods:
                return slow.seconds
        for rule in self._hangs:
            if rule.method in (name, ANY_METHOD) and rule.chat_id in (None, chat_id):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._hangs.remove(rule)
                return rule.seconds
        return 0.0


def _error(status: int, description: str | None, retry_after: int | None) -> ApiError:
    if status == 429 and retry_after is None:
        retry_after = 1
    return ApiError(status, description or default_description(status, retry_after), retry_after)
