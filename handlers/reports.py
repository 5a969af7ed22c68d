"""The working-conditions report in Telegram: its buttons and typed answers go to
bot/reports/flow.py, whose steps are done here; /withdraw. The draft stays in this chat's
memory until Send (handlers/flows.py); bot/reports/saving.py writes it."""

from __future__ import annotations

import asyncio
import datetime as dt

from telegram import Update
from telegram.ext import ContextTypes

from bot.reports import flow, saving, survey
from bot.retention.rules import text_expiry
from bot.ui.forms import Form
from handlers import flows, screens, trail
from handlers.services import Services, viewer


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    s, t, _ = await viewer(update, context)
    content, limit, user_id = s.navigator.content, s.report_limit, query.from_user.id
    form: Form | None = flows.current(context, survey.NAME)
    until = _text_until(s)
    step = flow.press(
        form, query.data or "", t, content, left=limit.remaining(user_id), reopens=limit.reopens(), text_until=until
    )
    if step.send:
        saved = await saving.save(form, content, s.store.reports.add_report, s.pseudonyms, limit, user_id)
        step = flow.after_saving(form, t, content, saved, limit.reopens(), until)
    if step.end:
        flows.end(context)
    if step.begin is not None:
        flows.begin(context, survey.NAME, step.begin)
    if step.screen is None:  # Keep: the receipt's text stays
        await query.answer()
        await query.edit_message_reply_markup(None)
    elif step.below:
        await query.answer()
        if step.clear_chat:
            await trail.clear(context, update.effective_chat.id)
        await screens.send(context, update.effective_chat.id, step.screen)
    else:
        # Both calls go out together: the user waits one round trip, not two.
        await asyncio.gather(query.answer(), screens.edit(context, query, step.screen))


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s, t, _ = await viewer(update, context)
    form: Form = flows.current(context, survey.NAME)
    screen = flow.typed(form, update.effective_message.text or "", t, s.navigator.content, _text_until(s))
    await screens.send(context, update.effective_chat.id, screen)


async def withdraw(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/withdraw CODE: delete the report this receipt code was given for; if it was this
    month's, its sender may send one again."""
    s, t, _ = await viewer(update, context)
    flows.end(context)
    code, user_id = " ".join(context.args or []), update.effective_user.id
    done = await saving.withdraw(code, s.store.reports.withdraw_report, s.pseudonyms, s.report_limit, user_id)
    await screens.send(context, update.effective_chat.id, flow.withdrawn(t, done))


def _text_until(s: Services) -> dt.date:
    """The day a free text sent now is deleted, unless a reviewer releases it (bot/retention)."""
    return text_expiry(survey.iso_week(s.clock().date()), s.config.text_retention_days)
