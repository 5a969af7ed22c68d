"""The working-conditions report: the survey of content/survey.yaml as a form, its review
screen, and what is kept of it. Nothing here knows who is answering.

  country -> employer -> task -> pay_unit (skip?) -> pay_amount -> hours -> unpaid ->
  late_pay -> deactivated -> exposure -> support -> contract -> comment (skip?) ->
  review (change any answer) -> send -> receipt code
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import replace
from decimal import Decimal

from bot.content.model import Content
from bot.content.schema import OTHER_COUNTRY
from bot.reports.scrub import scrub
from bot.ui import callbacks
from bot.ui.forms import Form, Question
from bot.ui.screens import Button, Screen
from bot.ui.texts import Texts, to_html

NAME, PREFIX = "report", callbacks.REPORT
SEND, CHANGE, REVIEW, CLEAR, KEEP = (f"{PREFIX}:{action}" for action in ("send", "chg", "rev", "clear", "keep"))
_EDIT = f"{PREFIX}:e:"
# Receipt codes: no 0/O, 1/I/L, so they survive being written down by hand.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_form(content: Content, origin: str) -> Form:
    return Form(
        NAME, PREFIX, _questions(content), origin, wording=lambda t, key: t.pack.survey[key], exit_data=callbacks.EXIT
    )


def _questions(content: Content) -> tuple[Question, ...]:
    questions = []
    for spec in content.survey.questions:
        options = (*content.countries, OTHER_COUNTRY) if spec.kind == "country" else spec.options
        bounds = (Decimal(str(spec.bounds[0])), Decimal(str(spec.bounds[1]))) if spec.bounds else None
        when = (lambda answers, after=spec.after: after in answers) if spec.after else (lambda answers: True)
        questions.append(Question(spec.id, spec.kind, options, bounds, spec.max_length, spec.optional, when))
    return tuple(questions)


def iso_week(day: dt.date) -> str:
    """The only time kept with a report: its ISO week, e.g. 2026-W48."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def pay_band(amount: Decimal, bands: tuple[float, ...]) -> str:
    """The lower bound of the band the amount falls in: the exact amount is never kept."""
    lower = max((b for b in bands if Decimal(str(b)) <= amount), default=bands[0])
    return f"{lower:g}"


def kept_answers(form: Form, content: Content) -> dict[str, str]:
    """The answers as stored: codes and bands only; the free text is kept apart."""
    kept: dict[str, str] = {}
    for question in form.pending():
        if question.id not in form.answers or question.kind == "text":
            continue
        value = form.answers[question.id]
        if question.kind == "number":
            kept[f"{question.id}_band"] = pay_band(Decimal(str(value)), content.survey.pay_bands)
            kept[f"{question.id}_currency"] = _currency(form, content) or ""
        else:
            kept[question.id] = str(value)
    return kept


def kept_text(form: Form) -> str | None:
    """The free text as stored: scrubbed of whatever could identify its writer."""
    text = next((str(form.answers[q.id]) for q in form.pending() if q.kind == "text" and q.id in form.answers), None)
    return scrub(text, str(form.answers.get("country") or "")) if text else None


def _currency(form: Form, content: Content) -> str | None:
    country = content.countries.get(str(form.answers.get("country", "")))
    return country.currency if country else None


def _values(form: Form, t: Texts, content: Content) -> dict[str, str]:
    """Placeholders the questions may use."""
    return {"currency": _currency(form, content) or t.plain("fairpay_local_currency")}


def question_screen(form: Form, t: Texts, content: Content, notice: str | None = None) -> Screen:
    screen = form.screen(t, notice, **_values(form, t, content))
    if not form.answers and not form.skipped and notice is None:
        screen = screen.with_notice(t.ui("report_intro"))
    return replace(screen, protected=True)


def review_screen(form: Form, t: Texts, content: Content, text_until: dt.date) -> Screen:
    """Every answer as it will be kept (pay as its band, the text as scrubbed), to check; with
    a free text, who may read it and the day it is deleted unless a reviewer releases it."""
    comment = kept_text(form)
    lines = [t.ui("report_review")]
    for number, question in enumerate(form.pending(), start=1):
        shown = _shown(form, t, content, question, comment)
        asked = form.text(t, question.id).format_map(_values(form, t, content))
        lines.append(f"{number}. {_short(asked)}\n    → {shown}")
    if comment:
        lines.append("\n" + t.plain("report_text_notice", date=t.date(text_until)))
    rows = (
        (Button(t.plain("report_send"), SEND),),
        (Button(t.plain("report_change"), CHANGE),),
        (Button(t.plain("button_exit"), callbacks.EXIT),),
    )
    return Screen("\n".join(to_html(line) for line in lines), rows, protected=True)


def change_screen(form: Form, t: Texts) -> Screen:
    numbers = [Button(str(n), _EDIT + q.id) for n, q in enumerate(form.pending(), start=1)]
    rows = [tuple(numbers[i : i + 5]) for i in range(0, len(numbers), 5)]
    nav = (Button(t.plain("button_back"), REVIEW), Button(t.plain("button_exit"), callbacks.EXIT))
    return Screen(t.ui("report_change_which"), (*rows, nav), protected=True)


def edited_question(data: str) -> str | None:
    return data.removeprefix(_EDIT) if data.startswith(_EDIT) else None


def sent_screen(t: Texts, code: str) -> Screen:
    rows = ((Button(t.plain("report_clear"), CLEAR),), (Button(t.plain("report_keep"), KEEP),))
    return Screen(t.ui("report_sent", code=code), rows, protected=True)


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_code(text: str) -> str:
    """What the user typed, as it was issued: case, spaces and dashes do not matter."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}"


def _shown(form: Form, t: Texts, content: Content, question: Question, comment: str | None) -> str:
    if question.id not in form.answers:
        return t.plain("report_skipped")
    if question.kind == "text":
        return comment or ""
    if question.kind == "number":
        band = Decimal(pay_band(Decimal(str(form.answers[question.id])), content.survey.pay_bands))
        bands = [Decimal(str(b)) for b in content.survey.pay_bands]
        higher = [b for b in bands if b > band]
        currency = _currency(form, content)

        def money(value: Decimal) -> str:
            return t.money(value, currency) if currency else t.number(value)

        if higher:
            return t.plain("report_pay_band", low=money(band), high=money(higher[0]))
        return t.plain("report_pay_band_top", low=money(band))
    return form.answer_label(t, question) or ""


def _short(text: str) -> str:
    """A question's first sentence, to name it in the review."""
    for end in ("?", "."):
        if end in text:
            return text[: text.index(end) + 1]
    return text
