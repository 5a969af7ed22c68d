"""The letter builder (bot/letter.py) as a Telegram form: the letter comes as a message to
copy and as a .txt file to forward or print. Neither is stored by Haki."""

from __future__ import annotations

import datetime as dt

from telegram.ext import ContextTypes

from bot import letter
from bot.content.model import Country
from bot.forms import Form
from bot.screens import Screen
from bot.texts import Texts

NAME, PREFIX = letter.NAME, letter.PREFIX
new_form = letter.new_form
question_screen = letter.question_screen


async def finish(
    form: Form, t: Texts, country: Country | None, context: ContextTypes.DEFAULT_TYPE, chat_id: int
) -> Screen:
    text = letter.compose(form, t, country, dt.date.today())
    await context.bot.send_document(
        chat_id, document=text.encode("utf-8"), filename=t.plain("letter_filename"), protect_content=False
    )
    return letter.ready_screen(form, t, text)
