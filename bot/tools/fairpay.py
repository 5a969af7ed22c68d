"""The fair-pay check: effective hourly pay, once unpaid time is counted, against the
country's statutory minimum turned into an hourly rate with the law's own hours.
Pure arithmetic on what the worker types; nothing is stored.

  unit --(task)--> amount -> task_minutes --\\
       --(hour)--> amount -------------------> unpaid_minutes -> result
       --(month)-> amount -> month_hours ---/
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_percent

from bot.content.model import Country
from bot.ui import callbacks
from bot.ui.forms import Finished, Form, Question
from bot.ui.screens import Button, Screen, sources
from bot.ui.texts import Texts

NAME, PREFIX = "fairpay", callbacks.FAIRPAY
D = Decimal
# Bounds catch typing mistakes without refusing any real situation.
QUESTIONS = (
    Question("unit", "choice", options=("task", "hour", "month")),
    Question("amount", "number", bounds=(D("0.0001"), D("1000000000"))),
    Question("task_minutes", "number", bounds=(D("0.05"), D("1440")), when=lambda a: a.get("unit") == "task"),
    Question("month_hours", "number", bounds=(D("1"), D("744")), when=lambda a: a.get("unit") == "month"),
    # unpaid minutes for each paid hour: up to ten unpaid hours per paid hour
    Question("unpaid_minutes", "number", bounds=(D("0"), D("600"))),
)


def new_form(origin: str) -> Form:
    return Form(NAME, PREFIX, QUESTIONS, origin)


@dataclass(frozen=True)
class Result:
    paid_hourly: Decimal  # before unpaid time
    effective_hourly: Decimal  # counting unpaid time
    minimum_hourly: Decimal | None  # the statutory minimum per hour, when known


def compute(answers: dict[str, object], country: Country | None) -> Result:
    amount = D(str(answers["amount"]))
    if answers["unit"] == "task":
        paid = amount * 60 / D(str(answers["task_minutes"]))
    elif answers["unit"] == "month":
        paid = amount / D(str(answers["month_hours"]))
    else:
        paid = amount
    effective = paid * 60 / (60 + D(str(answers["unpaid_minutes"])))
    return Result(paid, effective, minimum_hourly(country))


def minimum_hourly(country: Country | None) -> Decimal | None:
    if country is None or country.minimum_wage is None or country.wage_hours is None:
        return None
    return D(str(country.minimum_wage.value)) / D(str(country.wage_hours.value))


def question_screen(form: Form, t: Texts, country: Country | None, notice: str | None = None) -> Screen:
    values = {}
    if form.current() and form.current().id == "amount":
        values = {
            "per_unit": t.plain(f"fairpay_per_{form.answers['unit']}"),
            "currency": country.currency if country and country.currency else t.plain("fairpay_local_currency"),
        }
    return form.screen(t, notice, **values)


def finish(form: Form, t: Texts, country: Country | None, today: dt.date) -> Finished:
    return Finished(result_screen(form, t, country))


def result_screen(form: Form, t: Texts, country: Country | None) -> Screen:
    result = compute(form.answers, country)
    currency = country.currency if country and country.currency else None

    def money(value: Decimal) -> str:
        return t.money(value, currency) if currency else t.number(round(value, 2))

    lines = [t.ui("fairpay_result", effective=money(result.effective_hourly), paid=money(result.paid_hourly))]
    if result.minimum_hourly is None:
        lines.append(t.ui("fairpay_no_minimum"))
    else:
        wage, hours = country.minimum_wage, country.wage_hours  # type: ignore[union-attr]
        lines.append(
            t.ui(
                "fairpay_minimum",
                country=t.country_name(country.code),  # type: ignore[union-attr]
                minimum=t.fact(wage),
                period=t.plain(f"fairpay_period_{wage.per}"),
                hourly=money(result.minimum_hourly),
                hours=t.fact(hours),
            )
        )
        gap = (result.minimum_hourly - result.effective_hourly) / result.minimum_hourly
        lines.append(
            t.ui("fairpay_below", percent=format_percent(gap, locale=t.locale)) if gap > 0 else t.ui("fairpay_above")
        )
        lines.append(sources(t, [wage, hours]))
    lines.append(t.ui("fairpay_caveat"))
    rows = (
        (Button(t.plain("fairpay_again"), callbacks.start_form(PREFIX, form.origin)),),
        (Button(t.plain("button_home"), callbacks.HOME),),
    )
    return Screen("\n\n".join(lines), rows)
