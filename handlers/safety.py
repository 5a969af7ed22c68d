"""The worker's controls: /exit (leave and clear the chat), /forget and /privacy."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.ui.screens import Screen
from handlers import flows, memory, screens, trail
from handlers.services import viewer


async def exit_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/exit or any Exit button: drop drafts, delete the recent messages, leave a neutral line."""
    _, t, _ = await viewer(update, context)
    flows.end(context)
    if update.callback_query:
        await update.callback_query.answer()
    chat_id = update.effective_chat.id
    await trail.clear(context, chat_id)
    await context.bot.send_message(chat_id, t.ui("exit_done"))


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s, t, _ = await viewer(update, context)
    flows.end(context)
    user_id = update.effective_user.id
    # Both run: `or` would skip the second once the first found something.
    deleted = any([await s.preferences.forget(user_id), await s.subscriptions.stop(user_id)])
    chat_id = update.effective_chat.id
    await screens.send(context, chat_id, Screen(t.ui("forget_done" if deleted else "forget_nothing")))
    # Last, as the reply went on the trail: the chat's memory goes too, key and all.
    memory.forget_chat(context.application, chat_id, user_id)


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s, t, prefs = await viewer(update, context)
    flows.end(context)
    await screens.send(context, update.effective_chat.id, s.navigator.page(t, prefs, "privacy"))
