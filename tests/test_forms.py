"""The question-and-answer forms at the domain level: the fair-pay arithmetic, typed
numbers in each language, bad input, back and skip."""

from decimal import Decimal

import pytest

from bot.content.model import Country, Fact, WageReference
from bot.tools import fairpay, letter
from bot.ui.forms import parse_number

D = Decimal


@pytest.mark.parametrize(
    "text, locale, expected",
    [
        ("1500", "en", D("1500")),
        ("1,500", "en", D("1500")),
        ("1 500", "fr", D("1500")),
        ("1\u202f500,50", "fr", D("1500.50")),
        ("12,5", "fr", D("12.5")),
        ("12.5", "fr", D("12.5")),  # a dot is understood in French too
        ("2,000", "sw", D("2000")),
        (" 25 ", "sw", D("25")),
    ],
)
def test_numbers_are_read_as_people_type_them(text, locale, expected):
    assert parse_number(text, locale) == expected


@pytest.mark.parametrize("text", ["", "abc", "twenty", "12.5.3", "nan", "inf", "1" * 40, "1,5,6", "💰"])
def test_what_is_not_a_number_is_refused(text):
    assert parse_number(text, "en") is None


def fill(form, *typed, choices=()):
    for data in choices:
        assert form.press(data)
    for text in typed:
        assert form.type(text, "en") is None, text


def test_per_task_pay_with_unpaid_time():
    form = fairpay.new_form("main")
    assert form.press("fp:c:task")
    fill(form, "25", "3", "10")  # 25 per task, 3 minutes a task, 10 unpaid minutes per paid hour
    assert form.current() is None
    result = fairpay.compute(form.answers, None)
    assert result.paid_hourly == D("500")
    assert round(result.effective_hourly, 2) == D("428.57")  # 500 x 60 / 70
    assert result.minimum_hourly is None


def test_per_month_pay_against_a_monthly_minimum():
    wage = Fact("w", "money", 16000, "https://example.org", None, "KES", "month")
    hours = Fact("h", "number", 200, "https://example.org", None)
    country = Country("KE", "KES", (WageReference("wage_ke", wage, hours),))
    form = fairpay.new_form("main")
    form.press("fp:c:month")
    fill(form, "12000", "160", "0")
    result = fairpay.compute(form.answers, country)
    assert result.paid_hourly == D("75") and result.effective_hourly == D("75")
    assert result.minimum_hourly == D("80")


@pytest.mark.parametrize(
    "answer, problem",
    [("abc", "form_not_number"), ("-5", "form_too_low"), ("0", "form_too_low"), ("1e12", "form_too_high")],
)
def test_bad_amounts_ask_again_and_keep_the_form(answer, problem):
    form = fairpay.new_form("main")
    form.press("fp:c:hour")
    assert form.type(answer, "en") == problem
    assert form.current().id == "amount"


def test_typing_where_a_button_is_expected_asks_for_the_buttons():
    form = fairpay.new_form("main")
    assert form.type("per task please", "en") == "form_use_buttons"


def test_back_returns_to_the_previous_question_and_changes_the_path():
    form = fairpay.new_form("main")
    form.press("fp:c:task")
    fill(form, "25")
    assert form.current().id == "task_minutes"
    form.back()
    form.back()
    assert form.current().id == "unit"
    form.press("fp:c:hour")
    fill(form, "100")
    assert form.current().id == "unpaid_minutes"  # no minutes-per-task question for hourly pay


def test_buttons_of_another_question_are_refused():
    form = fairpay.new_form("main")
    assert not form.press("fp:c:not-a-unit")
    assert not form.press("lt:c:unpaid")
    assert not form.press("fp:k")  # the unit question cannot be skipped


def test_the_letter_can_skip_the_amount_and_keeps_text_short():
    form = letter.new_form("main")
    form.press("lt:c:late")
    assert form.type("x" * 81, "en") == "form_too_long"
    assert form.type("   ", "en") == "form_empty"
    fill(form, "March   2026")
    assert form.answers["since"] == "March 2026"
    assert form.press("lt:k")
    assert form.current().id == "request"
