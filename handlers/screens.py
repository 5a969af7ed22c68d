"""Showing a bot.screens.Screen in Telegram: as a new message, or by editing one in place."""

from __future__ import annotations

import logging
import time

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.ui.screens import Screen
from handlers import trail

log = logging.getLogger(__name__)
# The last edit of the chat, for a worker who taps the same button again before their phone has
# the new screen: in chat memory only, kept this long (handlers/memory.py's sweep drops it).
_SHOWN = "shown"
SHOWN_SECONDS = 60.0


def keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    if not screen.rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in screen.rows]
    )


async def send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, screen: Screen) -> Message:
    message = await context.bot.send_message(
        chat_id, screen.text, reply_markup=keyboard(screen), protect_content=screen.protected
    )
    trail.remember(context, message.message_id)
    return message


async def edit(context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, screen: Screen) -> None:
    """Replace the message that carried the pressed button; if it is gone, send a new one."""
    message = query.message
    if message is None or not isinstance(message, Message):
        # An inline-mode or inaccessible (very old) message cannot be edited.
        if query.from_user:
            await send(context, query.from_user.id, screen)
        return
    markup = keyboard(screen)
    if message.text == screen.plain_text and message.reply_markup == markup:
        return  # a double tap, or a button that leads where we are: nothing to change
    # The same button of the same screen, pressed again: the first press has drawn this already.
    # (Telegram's copy of the message is from the moment of the press, so the check above misses it.)
    edit_key = (message.message_id, hash((message.text, message.reply_markup)), hash(screen))
    chat_data = context.chat_data if context.chat_data is not None else {}
    shown = chat_data.get(_SHOWN)
    if shown is not None and shown[0] == edit_key and time.monotonic() - shown[1] < SHOWN_SECONDS:
        return
    try:
        await message.edit_text(screen.text, reply_markup=markup)
    except BadRequest as exc:
        reason = str(exc).lower()
        if "not modified" in reason:
            return  # two taps raced each other: the screen is already shown
        if "not found" in reason or "can't be edited" in reason:
            await send(context, message.chat_id, screen)
            return
        raise
    chat_data[_SHOWN] = (edit_key, time.monotonic())


def expire(chat_data: dict, now: float) -> None:
    """Forget the last edit once a repeated press of its button can no longer be on its way."""
    shown = chat_data.get(_SHOWN)
    if shown is not None and now - shown[1] >= SHOWN_SECONDS:
        del chat_data[_SHOWN]
