"""Every Bot API call of the bot through its one SendBudget (bot/sending/budget.py), with
python-telegram-bot's own hook for it (BaseRateLimiter; AIORateLimiter is PTB's reference).

* A message sent to a chat (COUNTED) takes its turn as a reply: at once unless its chat has just
  had a short burst or a retry_after runs, and ahead of any broadcast, which it pushes back.
* Any other call to a chat (an edit, a deletion) waits out a running retry_after only.
* A 429 on a call to a chat holds every sender for Telegram's retry_after, then the call is made
  again, as often as Telegram asks: no reply is lost to flood control. An edit whose chat has
  pressed or typed something since (the worker moved on, and the next update will draw the
  screen) is dropped instead.
* Calls to no chat (answering a button, the bot's profile) pass as they are: Telegram's limits
  are on messages, and a 429 there (setMyDescription's own, say) is the caller's to handle.
* The broadcast engine takes its turns itself (bot/broadcasts/delivery.py) and handles its own
  429s, which it stores with the outbox row: its sends pass through untouched (BUDGETED).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.sending.budget import Lane, SendBudget

log = logging.getLogger(__name__)

BUDGETED = "budgeted"  # rate_limit_args of a send that has taken its turn already
COUNTED = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendMediaGroup",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "copyMessage",
        "forwardMessage",
    }
)


class SendLimiter(BaseRateLimiter[str]):
    def __init__(self, budget: SendBudget, moved_on: Callable[[int | str], bool]):
        """moved_on(chat_id): an update of this chat is waiting to be handled."""
        self.budget = budget
        self._moved_on = moved_on

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = data.get("chat_id")
        if rate_limit_args == BUDGETED or chat is None:
            return await callback(*args, **kwargs)
        while True:
            if endpoint in COUNTED:
                await self.budget.take(chat, Lane.REPLY)
            else:
                await self.budget.held_out()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as err:
                seconds = retry_after_seconds(err)
                self.budget.hold(seconds)
                log.warning(
                    "Telegram's flood control: every message waits %.0f s, then %s is made again", seconds, endpoint
                )
            await self.budget.held_out()
            if endpoint.startswith("edit") and self._moved_on(chat):
                return True  # what Telegram answers for an edit that returns no message


def retry_after_seconds(err: RetryAfter) -> float:
    # PTB 22 warns on every read of retry_after until PTB_TIMEDELTA is set; either type is handled.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
