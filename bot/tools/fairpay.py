"""The fair-pay check: effective hourly pay, once unpaid time is counted, against the
country's statutory minimum turned into an hourly rate with the law's own hours.
Pure arithmetic on what the worker types; nothing is stored.

  unit --(task)--> amount -> task_minutes --\\
       --(hour)--> amount -------------------> unpaid_minutes -> [reference] -> result
       --(month)-> amount -> month_hours ---/

The minimum compared with is one of the country's references (content/countries.yaml
`minimum_wages`), named in the result; where the law has several (by city or region), the
worker picks theirs, and a reference without a figure says so and where to ask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_percent

from bot.content.model import Country, WageReference
from bot.ui import callbacks
from bot.ui.forms import Finished, Form, Question
from bot.ui.screens import Button, Screen, page_screens, sources
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


REFERENCE = "reference"  # the question "which minimum is yours", its options the references' pages


def new_form(origin: str, country: Country | None = None) -> Form:
    """The questions; the choice of minimum only where the country has more than one."""
    references = country.minimum_wages if country else ()
    questions = QUESTIONS
    if len(references) > 1:
        questions += (Question(REFERENCE, "choice", options=tuple(r.page for r in references)),)
    return Form(NAME, PREFIX, questions, origin, wording=_wording)


def _wording(t: Texts, key: str) -> str:
    """A reference's choice is labelled by its page's button; the rest are interface strings."""
    page = key.removeprefix(f"{REFERENCE}_")
    if key.startswith(f"{REFERENCE}_") and page in t.pack.pages:
        return t.pack.pages[page].button
    return t.plain(f"{NAME}_{key}")


def reference(answers: dict[str, object], country: Country | None) -> WageReference | None:
    """The minimum the worker chose, else the country's first; None when the country has none."""
    if country is None or not country.minimum_wages:
        return None
    chosen = answers.get(REFERENCE)
    return next((r for r in country.minimum_wages if r.page == chosen), country.minimum_wages[0])


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
    return Result(paid, effective, minimum_hourly(country, answers))


def minimum_hourly(country: Country | None, answers: dict[str, object] | None = None) -> Decimal | None:
    """The minimum per hour: the worker's chosen reference, or without answers (published
    figures) the country's headline one; None when Haki knows no figure."""
    ref = reference(answers, country) if answers is not None else (country.headline_wage if country else None)
    if ref is None or not ref.known:
        return None
    return D(str(ref.wage.value)) / D(str(ref.hours.value))  # type: ignore[union-attr]


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
    ref = reference(form.answers, country)
    more: tuple[tuple[Button, ...], ...] = ()
    if ref is None:
        lines.append(t.ui("fairpay_no_minimum"))
    elif not ref.known:
        # No figure for this city or region: the reference's page says so and where to ask.
        lines.extend(page_screens(t.content, t, ref.page))
    else:
        wage, hours = ref.wage, ref.hours
        lines.append(t.ui("fairpay_compared", reference=t.pack.pages[ref.page].title))
        more = ((Button(t.pack.pages[ref.page].button, callbacks.page(ref.page)),),)  # how the hours were found
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
        *more,
        (Button(t.plain("fairpay_again"), callbacks.start_form(PREFIX, form.origin)),),
        (Button(t.plain("button_home"), callbacks.HOME),),
    )
    return Screen("\n\n".join(lines), rows)
