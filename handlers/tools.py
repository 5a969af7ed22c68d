"""Forms in Telegram (bot/ui/forms.py): choices are buttons, numbers and short texts are typed.
A form module (bot/tools/fairpay.py, bot/tools/letter.py) provides NAME, PREFIX, new_form(origin, country),
question_screen() and finish(); the file a finished form produces is sent here. Neither the
answers nor the file are stored."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Protocol

from telegram import Update
from telegram.ext import ContextTypes

from bot.content.model import Country
from bot.ui.forms import Finished, Form, origin_of
from bot.ui.screens import Screen
from bot.ui.texts import Texts
from handlers import flows, screens, trail
from handlers.services import viewer


class FormKind(Protocol):
    NAME: str
    PREFIX: str

    def new_form(self, origin: str, country: Country | None) -> Form: ...

    def question_screen(self, form: Form, t: Texts, country: Country | None, notice: str | None = None) -> Screen: ...

    def finish(self, form: Form, t: Texts, country: Country | None, today: dt.date) -> Finished: ...


def button_handler(kind: FormKind):
    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        s, t, prefs = await viewer(update, context)
        country = s.navigator.content.countries.get(prefs.country or "")
        form: Form | None = flows.current(context, kind.NAME)
        origin = origin_of(kind.PREFIX, query.data)
        if origin is not None or form is None:
            # A fresh start, or a button of a form that expired or was left: start again.
            known = origin if origin in s.navigator.content.pages else "main"
            form = kind.new_form(known, country)
            flows.begin(context, kind.NAME, form)
        else:
            form.press(query.data)  # an old button of an earlier question changes nothing: ask again
        screen = await _next(kind, form, t, country, context, update.effective_chat.id)
        await asyncio.gather(query.answer(), screens.edit(context, query, screen))

    return button


async def typed(kind: FormKind, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A typed answer to the open question."""
    s, t, prefs = await viewer(update, context)
    country = s.navigator.content.countries.get(prefs.country or "")
    form: Form = flows.current(context, kind.NAME)
    problem = form.type(update.effective_message.text or "", t.code)
    if problem:
        screen = kind.question_screen(form, t, country, notice=problem)
    else:
        screen = await _next(kind, form, t, country, context, update.effective_chat.id)
    await screens.send(context, update.effective_chat.id, screen)


async def _next(kind: FormKind, form: Form, t: Texts, country, context, chat_id: int) -> Screen:
    if form.current() is not None:
        return kind.question_screen(form, t, country)
    flows.end(context)  # done: the answers are dropped right away
    finished = kind.finish(form, t, country, dt.date.today())
    if finished.document:
        name, data = finished.document
        sent = await context.bot.send_document(chat_id, document=data, filename=name)
        trail.remember(context, sent.message_id)
    return finished.screen
