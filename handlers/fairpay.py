"""The fair-pay check (bot/fairpay.py) as a Telegram form."""

from __future__ import annotations

from telegram.ext import ContextTypes

from bot import fairpay
from bot.content.model import Country
from bot.forms import Form
from bot.screens import Screen
from bot.texts import Texts

NAME, PREFIX = fairpay.NAME, fairpay.PREFIX
new_form = fairpay.new_form
question_screen = fairpay.question_screen


async def finish(
    form: Form, t: Texts, country: Country | None, context: ContextTypes.DEFAULT_TYPE, chat_id: int
) -> Screen:
    return fairpay.result_screen(form, t, country)
