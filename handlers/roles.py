"""Commands for organizers (HAKI_ORGANIZERS), researchers (HAKI_RESEARCHERS) and reviewers
(HAKI_REVIEWERS).

Everyone else gets one polite line, the same for every such command, so trying them tells
nobody what exists. The check runs on every update: a button kept from an earlier chat is
refused too once the id leaves the list.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ContextTypes

from handlers.services import SERVICES, Services, viewer

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def _only(role: str) -> Callable[[Callback], Callback]:
    def decorate(callback: Callback) -> Callback:
        @functools.wraps(callback)
        async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            s: Services = context.bot_data[SERVICES]
            user = update.effective_user
            if user is not None and user.id in getattr(s.config, role):
                await callback(update, context)
                return
            _, t, _ = await viewer(update, context)
            if update.callback_query:
                await update.callback_query.answer(t.plain("role_refused"), show_alert=True)
            elif update.effective_chat:
                await context.bot.send_message(update.effective_chat.id, t.ui("role_refused"))

        return guarded

    return decorate


organizer = _only("organizers")
researcher = _only("researchers")
reviewer = _only("reviewers")
