"""One send budget for the whole bot: Telegram's flood limits, kept instead of discovered by 429s.

Telegram lets a bot send about 30 messages a second in all and about one a second to one chat
(short bursts allowed), and answers 429 "retry after N" beyond that (Bot FAQ, "My bot is hitting
limits"). Every message the bot sends, a reply or a broadcast, takes a turn here first:

* Overall: turns are evenly spaced, at most `rate` a second (default SEND_RATE, 28: requests reach
  Telegram with some jitter, and sends spaced at exactly 1/30 s could put a 31st in one of its
  seconds). Paid broadcasts (allow_paid_broadcast) take no turn of it: Telegram gives them up to
  1000 a second of their own, which the delivery engine's rate keeps.
* Per chat: a bucket of CHAT_BURST turns refilled at `chat_rate` a second (groups GROUP_BURST,
  refilled at 20 a minute), one turn below Telegram's burst, for the same jitter.
* Replies first, and never held back by the overall rate: a reply whose chat is ready goes at
  once and takes the next overall turn, even one still to come, so a broadcast send waits while
  replies use the second. Telegram documents its 30 a second for bulk notifications ("If you're
  sending bulk notifications to multiple users, the API will not allow more than 30 messages per
  second or so", Bot FAQ); a developer of its Bot API server says the documentation states no
  such limit for answers (tdlib/telegram-bot-api#309, 2022). If Telegram still answers a burst of
  replies with 429, handlers/rate_limiter.py waits it out and sends again: late, never lost; and
  for CAUTION seconds after, replies take evenly spaced turns too, so that the replies held back
  do not all go at once and draw 429s again (retrying into 429s can get a bot banned). The
  broadcast yields its share while workers wait and catches up when they stop
  (bot/broadcasts/delivery.py paces it at its own rate, below `rate`).
* hold(seconds): Telegram's retry_after, honoured by every sender: no turn is given, and
  held_out() does not return, until it has passed.

Edits and answers to button presses are not messages Telegram counts; they only wait out a hold
(handlers/rate_limiter.py). Chats are kept here only while their bucket refills: a second or two.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from bisect import insort
from dataclasses import dataclass, field
from enum import IntEnum

from bot.config import CHAT_RATE, SEND_RATE

CHAT_BURST = 2  # turns a quiet private chat has in hand (the sandbox, like Telegram, allows 3)
GROUP_BURST = 19  # and a group (Telegram: 20 a minute)
GROUP_RATE = 20 / 60
CAUTION = 60.0  # seconds after a retry_after ends in which replies are paced like broadcasts
TIMER_SLACK = 0.001  # seconds of timer lateness kept on schedule (asyncio wakes up to 1 ms late)


class Lane(IntEnum):
    """Who is sending, in the order turns are given."""

    REPLY = 0  # an answer to a worker, an organizer or a researcher: takes overall turns, waits for none
    BROADCAST = 1  # an organizer's broadcast: waits for an overall turn
    PAID = 2  # a paid broadcast: no overall turn, only the chat's


@dataclass(order=True)
class _Waiter:
    lane: Lane
    seq: int
    chat: int | str | None = field(compare=False)
    granted: asyncio.Future[None] = field(compare=False)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class SendBudget:
    def __init__(self, rate: float = SEND_RATE, chat_rate: float = CHAT_RATE):
        """rate and chat_rate are Telegram's (bot/config.py checks HAKI_SEND_RATE and HAKI_CHAT_SEND_RATE
        against them); higher ones suit only a Telegram without limits, as app/offline.py's can be."""
        if not (rate > 0 and chat_rate > 0):
            raise ValueError(f"send rates must be above 0 messages/s, not {rate} and {chat_rate}")
        self._interval = 1.0 / rate
        self._chat_rate = chat_rate
        self._clock = time.monotonic  # the event loop's clock too, which wakes the queue (_wake_at)
        self._next_turn = 0.0  # clock time of the next overall turn
        self._held_until = 0.0  # clock time until which Telegram asked every sender to wait
        self._careful_until = 0.0  # clock time until which replies wait for overall turns too
        self._chats: dict[int | str, _Bucket] = {}
        self._waiting: list[_Waiter] = []  # in the order turns are given
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._swept = 0.0  # clock time chats with a full bucket were last forgotten

    async def take(self, chat: int | str | None, lane: Lane = Lane.REPLY) -> None:
        """Wait for this message's turn (cancelling the wait gives the place up)."""
        waiter = _Waiter(lane, next(self._seq), chat, asyncio.get_running_loop().create_future())
        insort(self._waiting, waiter)
        self._grant()
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            raise

    def hold(self, seconds: float) -> None:
        """Telegram answered 429 "retry after `seconds`": nobody sends until then."""
        self._held_until = max(self._held_until, self._clock() + seconds)
        self._careful_until = self._held_until + CAUTION
        self._grant()

    def held(self) -> float:
        """Seconds left of Telegram's last retry_after (0 when none runs)."""
        return max(0.0, self._held_until - self._clock())

    async def held_out(self) -> None:
        """Return once no retry_after runs (at once, mostly)."""
        while (left := self.held()) > 0:
            await asyncio.sleep(left)

    def chat_wait(self, chat: int | str) -> float:
        """Seconds until this chat may take a message, counting the turns already given to it."""
        now = self._clock()
        return max(0.0, self._chat_ready(chat, now) - now)

    def _grant(self) -> None:
        """Give every turn due now, in lane order; then wake up when the next one is due."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = self._clock()
        if now < self._held_until:
            self._wake_at(self._held_until, now)
            return
        self._forget_quiet_chats(now)
        paced = {Lane.BROADCAST, Lane.REPLY} if now < self._careful_until else {Lane.BROADCAST}
        due = math.inf
        for waiter in list(self._waiting):
            if waiter.granted.done():  # its taker was cancelled just as the turn came
                self._waiting.remove(waiter)
                continue
            if waiter.lane in paced and self._next_turn > now + TIMER_SLACK:
                due = min(due, self._next_turn)  # no overall turn before then: skipped cheaply
                continue
            ready = self._chat_ready(waiter.chat, now)
            if waiter.lane in paced:
                ready = max(ready, self._next_turn)
            if ready > now + TIMER_SLACK:
                due = min(due, ready)
                continue
            self._waiting.remove(waiter)
            self._use_chat(waiter.chat, now)
            if waiter.lane is not Lane.PAID:
                # A turn taken late (nobody was waiting, or the timer woke late) is not made up for:
                # no burst after a quiet spell. A reply may take a turn early: the next waits longer.
                on_time = now - self._next_turn <= TIMER_SLACK or self._next_turn > now
                self._next_turn = (self._next_turn if on_time else now) + self._interval
            waiter.granted.set_result(None)
        if due < math.inf:
            self._wake_at(due, now)

    def _wake_at(self, when: float, now: float) -> None:
        self._timer = asyncio.get_running_loop().call_later(max(0.0, when - now), self._grant)

    def _shape(self, chat: int | str) -> tuple[float, float]:
        # Negative ids and @usernames are groups and channels.
        if isinstance(chat, str) or chat < 0:
            return GROUP_BURST, GROUP_RATE
        return CHAT_BURST, self._chat_rate

    def _refilled(self, chat: int | str, now: float) -> float:
        bucket = self._chats.get(chat)
        capacity, rate = self._shape(chat)
        if bucket is None:
            return capacity
        return min(capacity, bucket.tokens + (now - bucket.updated) * rate)

    def _chat_ready(self, chat: int | str | None, now: float) -> float:
        if chat is None:
            return now
        tokens = self._refilled(chat, now)
        return now if tokens >= 1.0 else now + (1.0 - tokens) / self._shape(chat)[1]

    def _use_chat(self, chat: int | str | None, now: float) -> None:
        if chat is not None:
            self._chats[chat] = _Bucket(self._refilled(chat, now) - 1.0, now)

    def _forget_quiet_chats(self, now: float) -> None:
        """A chat whose bucket is full again is no different from one never seen: forget it (once a
        second, not on every turn: at 1000 paid sends a second, that many chats are in hand)."""
        if now - self._swept < 1.0:
            return
        self._swept = now
        for chat in [c for c, b in self._chats.items() if self._refilled(c, now) >= self._shape(c)[0]]:
            del self._chats[chat]
