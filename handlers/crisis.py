"""Before anything else: a message about suicide or self-harm gets helplines at once.

Runs in an earlier handler group than everything else, on every text and caption the bot
receives in a private chat (edited ones too), and stops further handling of that message.
The message itself is not stored or logged. An organizer typing a broadcast is not checked:
a message about where to find help must be able to name what it is about.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.broadcasts import composer
from handlers import flows, screens
from handlers.services import Services, viewer


async def check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    s: Services = context.bot_data["haki"]
    if not text or not s.navigator.crisis(text) or flows.current_name(context) == composer.NAME:
        return
    _, _, prefs = await viewer(update, context)
    user = update.effective_user
    t = s.navigator.crisis_texts(prefs, user.language_code if user else None, text)
    await screens.send(context, update.effective_chat.id, s.navigator.crisis_help(t, prefs))
    raise ApplicationHandlerStop
