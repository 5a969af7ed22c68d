"""Commands and buttons of the menus: /start, /menu, /help, /language and every button press."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ContextTypes

from bot.updates.subscriptions import INVITE_PREFIX
from handlers import flows, screens, updates
from handlers.services import viewer


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    flows.end(context)
    payload = (context.args or [""])[0]
    if payload.startswith(INVITE_PREFIX):
        await updates.join(update, context, payload.removeprefix(INVITE_PREFIX))
        return
    # Any other payload (deep link) is ignored: it could carry a code that tracks a person.
    s, t, prefs = await viewer(update, context)
    await screens.send(context, update.effective_chat.id, s.navigator.welcome(t, prefs))


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    flows.end(context)
    s, t, prefs = await viewer(update, context)
    await screens.send(context, update.effective_chat.id, s.navigator.main_menu(t, prefs))


async def help_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    flows.end(context)
    s, t, prefs = await viewer(update, context)
    await screens.send(context, update.effective_chat.id, s.navigator.page(t, prefs, "help"))


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    flows.end(context)
    s, t, _ = await viewer(update, context)
    await screens.send(context, update.effective_chat.id, s.navigator.language_picker(t))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    flows.end(context)  # leaving a form drops its answers
    s, t, prefs = await viewer(update, context)
    outcome = s.navigator.on_button(query.data, t, prefs)
    if outcome.set_language or outcome.set_country or outcome.set_platform:
        await s.preferences.update(
            query.from_user.id,
            language=outcome.set_language,
            country=outcome.set_country,
            platform=outcome.set_platform,
        )
    if outcome.set_language:
        await s.subscriptions.follow_language(query.from_user.id, outcome.set_language)
    # Both calls go out together: the user waits one round trip, not two.
    await asyncio.gather(query.answer(outcome.toast), screens.edit(context, query, outcome.screen))
