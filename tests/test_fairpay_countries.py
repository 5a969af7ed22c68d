"""The fair-pay check against each country's statutory minimum, with answers worked out by
hand from the sourced figures (content/facts/pay.yaml)."""

from decimal import Decimal

import pytest

from bot.content import CONTENT_DIR
from bot.guide.check import load_navigator
from bot.guide.navigation import Prefs
from bot.tools import fairpay

# country: (minimum as published, legal hours it covers, hourly minimum rounded by hand)
KNOWN = {
    "KE": (Decimal("16113.75"), Decimal("225.33"), Decimal("71.51")),  # per month; 52 h/week x 52 / 12
    "MG": (Decimal("262680"), Decimal("173.33"), Decimal("1515.49")),  # per month
    "MA": (Decimal("3422.72"), Decimal("191"), Decimal("17.92")),  # per month
    "PH": (Decimal("695"), Decimal("8"), Decimal("86.88")),  # per day, Metro Manila
}
WITHOUT_MINIMUM = ("UG", "TZ", "VE")  # no statutory reference at all: the check says so
# references whose figure Haki did not find: the chosen one's page says so and where to ask
WITHOUT_FIGURE = {"KE": "wage_ke_other", "PH": "wage_ph_other", "IN": "wage_in_other"}


@pytest.fixture(scope="module")
def navigator():
    return load_navigator(CONTENT_DIR, ["en"])  # countries and facts do not depend on the language


@pytest.mark.parametrize("code", sorted(KNOWN))
def test_hourly_minimum_per_country(navigator, code):
    country = navigator.content.countries[code]
    published, hours, hourly = KNOWN[code]
    assert Decimal(str(country.minimum_wage.value)) == published
    assert Decimal(str(country.wage_hours.value)) == hours
    assert round(fairpay.minimum_hourly(country), 2) == hourly


@pytest.mark.parametrize("code", sorted(KNOWN))
def test_pay_just_under_and_at_the_minimum(navigator, code):
    country = navigator.content.countries[code]
    t = navigator.texts_for(Prefs(language="en"), None)
    hourly = fairpay.minimum_hourly(country) + Decimal("0.0001")  # just above, after rounding to 4 places
    for unpaid, verdict in (("0", "at or above"), ("6", "9% below")):
        form = fairpay.new_form("main")
        form.press("fp:c:hour")
        assert form.type(str(round(hourly, 4)), "en") is None
        assert form.type(unpaid, "en") is None
        # 6 unpaid minutes per paid hour: 60/66 of the pay, about 9% under the minimum
        screen = fairpay.result_screen(form, t, country)
        assert verdict in screen.text, screen.text
        assert country.minimum_wage.source in screen.text


@pytest.mark.parametrize("code", WITHOUT_MINIMUM)
def test_countries_without_a_usable_minimum_say_so(navigator, code):
    country = navigator.content.countries[code]
    t = navigator.texts_for(Prefs(language="en"), None)
    form = fairpay.new_form("main")
    form.press("fp:c:month")
    for answer in ("30000", "200", "15"):
        assert form.type(answer, "en") is None
    screen = fairpay.result_screen(form, t, country)
    assert "no confirmed minimum wage" in screen.text
    assert "per hour" in screen.text  # the worker still learns their own hourly pay


@pytest.mark.parametrize("code", sorted(WITHOUT_FIGURE))
def test_a_reference_without_a_figure_says_where_to_ask(navigator, code):
    country = navigator.content.countries[code]
    t = navigator.texts_for(Prefs(language="en"), None)
    form = fairpay.new_form("main", country)
    form.press("fp:c:hour")
    for answer in ("150", "15"):
        assert form.type(answer, "en") is None
    assert form.current().id == fairpay.REFERENCE  # more than one minimum: the worker picks
    assert form.press(f"fp:c:{WITHOUT_FIGURE[code]}")
    screen = fairpay.result_screen(form, t, country)
    page = t.pack.pages[WITHOUT_FIGURE[code]]
    assert page.title in screen.text and "Haki did not find" in screen.text
    assert "per hour" in screen.text and "below" not in screen.text  # own hourly pay, no verdict
