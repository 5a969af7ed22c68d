"""Last line of defence: log what broke (never the update itself) and tell the user kindly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError
from telegram.ext import ContextTypes

from bot.store.errors import unwritable, unwritable_line
from handlers import memory, screens
from handlers.services import viewer

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        # The user blocked the bot: nothing to say, nobody to say it to, and nothing to keep.
        if isinstance(update, Update) and update.effective_chat is not None:
            user = update.effective_user
            private = update.effective_chat.type == "private"
            memory.forget_chat(context.application, update.effective_chat.id, user.id if user and private else None)
        return
    # The update is not logged: it carries the user's id, name and words.
    kind = type(update).__name__ if update is not None else "no update"
    if isinstance(error, NetworkError):
        log.warning("Bot API call failed while handling %s: %s", kind, error)
    elif unwritable(error):
        # For the operator, in one line: what to do. The user is told below that nothing was lost.
        log.error(unwritable_line(error, "what this update would have saved was not saved, and the database is intact"))
    else:
        log.error("Error while handling %s", kind, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        s, t, prefs = await viewer(update, context)
        if update.callback_query:
            await update.callback_query.answer()
        screen = s.navigator.main_menu(t, prefs).with_notice(t.ui("error"))
        await screens.send(context, update.effective_chat.id, screen)
    except Exception as exc:  # noqa: BLE001 - the error path must not raise again
        log.warning("Could not tell the user about the error: %s", type(exc).__name__)
