"""The letter builder: a few answers become a formal letter in the user's language.
Nothing is stored: the letter exists only in the message and file sent to the user.

  problem -> since -> amount (may be skipped) -> request -> letter

The file ends with the papers to take along: the last screen of the country's checklist page
(content/countries.yaml `checklist`; another country: schema.DEFAULT_CHECKLIST), facts filled in.
"""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

from bot.content.model import Country
from bot.content.schema import DEFAULT_CHECKLIST
from bot.content.wording import placeholders
from bot.ui import callbacks
from bot.ui.forms import Finished, Form, Question
from bot.ui.screens import SCREEN_BREAK, Button, Screen, source_line, source_name
from bot.ui.texts import Texts

NAME, PREFIX = "letter", callbacks.LETTER
QUESTIONS = (
    Question("problem", "choice", options=("unpaid", "late", "deductions", "deactivated", "other")),
    Question("since", "text", max_length=80),
    Question("amount", "number", bounds=(Decimal("0.01"), Decimal("1000000000")), optional=True),
    Question("request", "choice", options=("pay", "explain", "reinstate", "meeting")),
)


def new_form(origin: str, country: Country | None = None) -> Form:
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


def checklist(t: Texts, country: Country | None) -> str:
    """The papers to take along, as plain text: the last screen of the country's checklist
    page, its facts filled in and their sources written out (a printed page has no links)."""
    page_id = country.checklist if country and country.checklist else DEFAULT_CHECKLIST
    text = t.pack.pages.get(page_id)
    if text is None:
        return ""
    papers = f"\n{text.body}\n".split(SCREEN_BREAK)[-1].strip()
    used = [t.content.facts[name] for name in sorted(placeholders(papers))]
    lines = [t.plain("letter_checklist_title"), "", papers.format_map({f.id: t.fact(f) for f in used})]
    if used:
        lines += ["", t.plain("sources_title")]
        lines += dict.fromkeys(f"• {source_line(t, f, f'{source_name(f)} {f.source}')}" for f in used)
    return "\n".join(lines)


def finish(form: Form, t: Texts, country: Country | None, today: dt.date) -> Finished:
    """The letter as a message to copy, and as a .txt file to forward or print that ends with
    the worker's papers checklist."""
    letter = compose(form, t, country, today)
    papers = checklist(t, country)
    document = f"{letter}\n\n\n{papers}\n" if papers else letter
    return Finished(ready_screen(form, t, letter, bool(papers)), (t.plain("letter_filename"), document.encode("utf-8")))


def ready_screen(form: Form, t: Texts, letter: str, with_checklist: bool = False) -> Screen:
    rows = (
        (Button(t.plain("letter_again"), callbacks.start_form(PREFIX, form.origin)),),
        (Button(t.plain("button_home"), callbacks.HOME),),
    )
    note = f"\n\n{t.ui('letter_checklist')}" if with_checklist else ""
    return Screen(f"{t.ui('letter_ready')}{note}\n\n<code>{html.escape(letter, quote=False)}</code>", rows)
