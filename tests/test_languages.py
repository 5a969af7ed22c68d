"""Language negotiation and locale-aware formatting with babel."""

import datetime as dt

import pytest

from bot.guide.navigation import Prefs
from bot.ui.texts import negotiate

AVAILABLE = ["en", "es", "fr", "sw"]


@pytest.mark.parametrize(
    "telegram_code, expected",
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("FR", "fr"),
        ("sw", "sw"),
        ("sw-KE", "sw"),
        ("es", "es"),
        ("es-VE", "es"),
        ("es-419", "es"),
        ("es_ve", "es"),
        ("ES-ve", "es"),
        ("en-GB", "en"),
        ("pt-br", "en"),
        ("ru", "en"),
        ("", "en"),
        (None, "en"),
        ("x" * 300, "en"),
    ],
)
def test_language_comes_from_telegrams_language_code(telegram_code, expected):
    assert negotiate(telegram_code, AVAILABLE) == expected


def test_a_chosen_language_wins_over_the_telegram_app_language(navigator):
    assert navigator.texts_for(Prefs(language="sw"), "fr").code == "sw"
    assert navigator.texts_for(Prefs(language="de"), "fr").code == "fr"  # a language since removed


CURRENCIES = ["KES", "UGX", "TZS", "MGA", "MAD", "PHP", "INR", "VES", "USD", "EUR"]


@pytest.mark.parametrize("currency", CURRENCIES)
def test_money_is_formatted_for_each_language(navigator, currency):
    en, es, fr, sw = (navigator.texts_for(Prefs(language=code), None) for code in AVAILABLE)
    english, french, swahili = en.money(12345.5, currency), fr.money(12345.5, currency), sw.money(12345.5, currency)
    # English groups thousands with a comma, French with a (narrow) no-break space.
    assert "12,34" in english
    assert "12\u202f34" in french or "12\u00a034" in french
    assert "12,34" in swahili
    assert len({english, french}) == 2
    # Spanish groups thousands with a dot (CLDR "es"), as Venezuelans write them.
    assert "12.34" in es.money(12345.5, currency)


def test_currency_symbols_people_know(navigator):
    sw = navigator.texts_for(Prefs(language="sw"), None)
    en = navigator.texts_for(Prefs(language="en"), None)
    assert sw.money(1500, "KES") == "Ksh\u00a01,500.00"
    assert en.money(1500, "INR") == "₹1,500.00"
    assert en.money(1500, "UGX") == "UGX1,500"  # the Ugandan shilling has no cents


def test_dates_and_numbers_follow_the_language(navigator):
    day = dt.date(2026, 3, 1)
    got = {code: navigator.texts_for(Prefs(language=code), None) for code in AVAILABLE}
    assert got["en"].date(day) == "March 1, 2026"
    assert got["fr"].date(day) == "1 mars 2026"
    assert got["sw"].date(day) == "1 Machi 2026"
    assert got["es"].date(day) == "1 de marzo de 2026"
    assert got["es"].number(0.5) == "0,5"
    assert got["fr"].number(0.5) == "0,5"


def test_country_names_are_translated(navigator):
    fr = navigator.texts_for(Prefs(language="fr"), None)
    assert fr.country_name("MA") == "Maroc"
