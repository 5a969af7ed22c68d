"""The working-conditions report (bot/reports/survey.py) in Telegram.

The report opens in a new, protected message; answers stay in this chat's memory until
Send, then only the codes, bands, ISO week and the scrubbed text are written. The Telegram
id is used for one thing: today's in-memory count (bot/reports/daily_limit.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.reports import survey
from bot.store.storage import unwritable, unwritable_line
from bot.ui.forms import Form, origin_of
from bot.ui.screens import Screen
from bot.ui.texts import Texts
from handlers import flows, screens, trail
from handlers.services import Services, viewer

NAME, PREFIX = survey.NAME, survey.PREFIX
log = logging.getLogger(__name__)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    s, t, _ = await viewer(update, context)
    chat_id = update.effective_chat.id
    data = query.data or ""
    form: Form | None = flows.current(context, NAME)
    origin = origin_of(PREFIX, data)

    if data in (survey.CLEAR, survey.KEEP):
        await query.answer()
        if data == survey.CLEAR:
            await trail.clear(context, chat_id)
            await screens.send(context, chat_id, Screen(t.ui("report_cleared")))
        else:
            await query.edit_message_reply_markup(None)  # keep the text, drop the buttons
        return
    if origin is not None or form is None:
        # A start button, or a button of a report that expired or was left: start afresh.
        await query.answer()
        await _start(
            context, s, t, chat_id, origin if origin in s.navigator.content.pages else "main", query.from_user.id
        )
        return

    if data == survey.SEND and form.current() is None:
        screen = await _send(context, s, t, form, query.from_user.id)
    elif data == survey.CHANGE:
        screen = survey.change_screen(form, t)
    elif data == survey.REVIEW:
        form.editing = None
        screen = _next(form, s, t)
    elif (question := survey.edited_question(data)) is not None:
        form.edit(question)
        screen = _next(form, s, t)
    else:
        form.press(data)  # an old button of an earlier question changes nothing: ask again
        screen = _next(form, s, t)
    await asyncio.gather(query.answer(), screens.edit(context, query, screen))


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s, t, _ = await viewer(update, context)
    form: Form = flows.current(context, NAME)
    problem = form.type(update.effective_message.text or "", t.code)
    screen = _next(form, s, t)
    if problem:
        screen = screen.with_notice(t.ui(problem))
    await screens.send(context, update.effective_chat.id, screen)


async def _start(context, s: Services, t: Texts, chat_id: int, origin: str, user_id: int) -> None:
    if s.report_limit.remaining(user_id) <= 0:
        await screens.send(context, chat_id, Screen(t.ui("report_limit", limit=s.report_limit.per_day)))
        return
    form = survey.new_form(s.navigator.content, origin)
    flows.begin(context, NAME, form)
    await screens.send(context, chat_id, survey.question_screen(form, t, s.navigator.content))


def _next(form: Form, s: Services, t: Texts) -> Screen:
    content = s.navigator.content
    if form.current() is not None:
        return survey.question_screen(form, t, content)
    return survey.review_screen(form, t, content)


async def _send(context, s: Services, t: Texts, form: Form, user_id: int) -> Screen:
    if s.report_limit.remaining(user_id) <= 0:
        flows.end(context)
        return Screen(t.ui("report_limit", limit=s.report_limit.per_day))
    code = survey.new_receipt_code()
    content = s.navigator.content
    try:
        await s.storage.add_report(
            survey.iso_week(dt.date.today()),
            survey.kept_answers(form, content),
            s.pseudonyms.receipt(code),
            survey.kept_text(form),
        )
    except Exception as error:
        if not unwritable(error):
            raise
        # A full or read-only disk: nothing was written, so the draft stays for Send to try again.
        log.error(unwritable_line(error, "a report was not saved; its sender was asked to send it again later"))
        return _next(form, s, t).with_notice(t.ui("report_not_saved"))
    s.report_limit.take(user_id)  # counted once saved; a chat's updates are handled one at a time
    flows.end(context)  # the draft is gone the moment it is saved
    return survey.sent_screen(t, code)

