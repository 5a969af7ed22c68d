"""The chat's recent messages, both ways, so Exit can clear them from the phone.

Only message numbers are kept, in this chat's memory (never on disk), and only for 48
hours: Telegram lets a bot delete messages of a private chat for that long. They are pruned
when the chat is next used and by handlers/memory.py's sweep.
"""

from __future__ import annotations

import asyncio
import time

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

DELETABLE_SECONDS = 48 * 3600
_KEY = "trail"


def remember(context: ContextTypes.DEFAULT_TYPE, message_id: int) -> None:
    if context.chat_data is not None:
        remember_in(context.chat_data, message_id)


def remember_in(chat_data: dict, message_id: int) -> None:
    """The same, outside an update (a broadcast arriving): the chat's data from the Application."""
    now = time.monotonic()
    prune(chat_data, now)
    chat_data.setdefault(_KEY, []).append((message_id, now))


def prune(chat_data: dict, now: float) -> None:
    """Forget the messages too old to delete; the trail itself once none is left (handlers/memory.py
    then drops a chat with nothing else kept)."""
    trail: list[tuple[int, float]] = chat_data.get(_KEY, [])
    trail[:] = [(m, t) for m, t in trail if now - t < DELETABLE_SECONDS]
    if not trail:
        chat_data.pop(_KEY, None)


async def remember_incoming(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every other handler on private messages."""
    if update.message is not None:
        remember(context, update.message.message_id)


async def clear(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> int:
    """Delete the remembered messages; returns how many were deleted."""
    trail: list[tuple[int, float]] = (context.chat_data or {}).pop(_KEY, [])
    now = time.monotonic()
    ids = [m for m, t in trail if now - t < DELETABLE_SECONDS]

    async def delete(message_id: int) -> bool:
        try:
            return await context.bot.delete_message(chat_id, message_id)
        except TelegramError:
            return False  # already gone, or too old: nothing more we can do

    return sum(await asyncio.gather(*(delete(m) for m in ids)))
