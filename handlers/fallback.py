"""Answers for everything the menus do not expect: never silence, never an error."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.broadcasts import composer
from bot.reports import survey
from bot.reviews import flow as review
from bot.tools import fairpay, letter
from handlers import broadcasts, flows, reports, reviews, roles, screens, tools
from handlers.services import viewer

_MAX_SHOWN_COMMAND = 32
FORMS = {kind.NAME: kind for kind in (fairpay, letter)}


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text: the answer to an open form's question, or something we did not ask for."""
    name = flows.current_name(context)
    if name == survey.NAME:
        await reports.typed(update, context)
        return
    if name == composer.NAME:
        await broadcasts.typed(update, context)
        return
    if name == review.NAME:
        await roles.reviewer(reviews.typed)(update, context)
        return
    form = FORMS.get(name or "")
    if form is not None:
        await tools.typed(form, update, context)
        return
    await _menu_with_notice(update, context, "unknown_text")


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    flows.end(context)
    command = (update.effective_message.text or "").split()[0][:_MAX_SHOWN_COMMAND]
    await _menu_with_notice(update, context, "unknown_command", command=command)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, voice notes, files, stickers...: not opened, not stored."""
    await _menu_with_notice(update, context, "not_text")


async def group_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _, t, _ = await viewer(update, context)
    await context.bot.send_message(update.effective_chat.id, t.ui("private_only"))


async def _menu_with_notice(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **values: str) -> None:
    s, t, prefs = await viewer(update, context)
    screen = s.navigator.main_menu(t, prefs).with_notice(t.ui(key, **values))
    await screens.send(context, update.effective_chat.id, screen)
