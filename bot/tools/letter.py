"""The letter builder: a few answers become a formal letter in the user's language.
Nothing is stored: the letter exists only in the message and file sent to the user.

  problem -> since -> amount (may be skipped) -> request -> letter
"""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

from bot.content.model import Country
from bot.ui import callbacks
from bot.ui.forms import Finished, Form, Question
from bot.ui.screens import Button, Screen
from bot.ui.texts import Texts

NAME, PREFIX = "letter", callbacks.LETTER
QUESTIONS = (
    Question("problem", "choice", options=("unpaid", "late", "deductions", "deactivated", "other")),
    Question("since", "text", max_length=80),
    Question("amount", "number", bounds=(Decimal("0.01"), Decimal("1000000000")), optional=True),
    Question("request", "choice", options=("pay", "explain", "reinstate", "meeting")),
)


def new_form(origin: str) -> Form:
    return Form(NAME, PREFIX, QUESTIONS, origin)


def question_screen(form: Form, t: Texts, country: Country | None, notice: str | None = None) -> Screen:
    currency = country.currency if country and country.currency else None
    values = {"currency": currency or t.plain("fairpay_local_currency")} if form.current().id == "amount" else {}
    return form.screen(t, notice, **values)


def compose(form: Form, t: Texts, country: Country | None, today: dt.date) -> str:
    """The letter as plain text, with [brackets] for what the user fills in."""
    answers = form.answers
    currency = country.currency if country and country.currency else None
    amount = ""
    if "amount" in answers:
        value = Decimal(str(answers["amount"]))
        owed = t.money(value, currency) if currency else t.number(value)
        amount = " " + t.plain("letter_says_amount", amount=owed)
    return t.plain(
        "letter_body",
        date=t.date(today),
        problem=t.plain(f"letter_says_{answers['problem']}"),
        since=answers["since"],
        amount=amount,
        request=t.plain(f"letter_asks_{answers['request']}"),
    )


def finish(form: Form, t: Texts, country: Country | None, today: dt.date) -> Finished:
    """The letter as a message to copy and as a .txt file to forward or print."""
    letter = compose(form, t, country, today)
    return Finished(ready_screen(form, t, letter), (t.plain("letter_filename"), letter.encode("utf-8")))


def ready_screen(form: Form, t: Texts, letter: str) -> Screen:
    rows = (
        (Button(t.plain("letter_again"), callbacks.start_form(PREFIX, form.origin)),),
        (Button(t.plain("button_home"), callbacks.HOME),),
    )
    return Screen(f"{t.ui('letter_ready')}\n\n<code>{html.escape(letter, quote=False)}</code>", rows)
