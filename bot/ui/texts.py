"""The translator handed to each update: one language's wording plus babel formatting.

One immutable Texts per language, chosen per update; nothing here touches global locale
state, so concurrent updates in different languages cannot mix.
"""

from __future__ import annotations

import datetime as dt
import html
from functools import cached_property

from babel import Locale, negotiate_locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, format_decimal

from bot.content.model import Content, Fact, LanguagePack
from bot.content.schema import REFERENCE_LANGUAGE


class Texts:
    def __init__(self, content: Content, pack: LanguagePack):
        self.content = content
        self.pack = pack
        self.code = pack.code
        self.locale = Locale.parse(pack.code)

    def ui(self, key: str, **values: object) -> str:
        """An interface string as HTML; placeholder values are escaped."""
        return to_html(self.pack.ui[key], values)

    def ui_markup(self, key: str, **markup: str) -> str:
        """An interface string as HTML, its placeholders filled with HTML the caller built
        (a link); the caller escapes what it puts in."""
        return html.escape(self.pack.ui[key], quote=False).format_map(markup)

    def plain(self, key: str, **values: object) -> str:
        """An interface string as plain text (button labels, toasts)."""
        return self.pack.ui[key].format_map(values) if values else self.pack.ui[key]

    # babel formatting for this language
    def money(self, amount: float, currency: str) -> str:
        return format_currency(amount, currency, locale=self.locale)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: dt.date) -> str:
        return format_date(value, format="long", locale=self.locale)

    def month(self, month: str) -> str:
        """A "YYYY-MM" month as this language names it ("novemba 2026")."""
        year, number = month.split("-")
        return format_skeleton("yMMMM", dt.date(int(year), int(number), 1), locale=self.locale)

    def short_date(self, value: dt.date) -> str:
        """A date in a list of sources, where two dates share a line of a phone's screen."""
        return format_date(value, format="medium", locale=self.locale)

    def published(self, value: str) -> str:
        """A source's date only as precise as the source gives it: a day, a month or a year."""
        if len(value) == 4:
            return value
        if len(value) == 7:
            return format_skeleton("yMMM", dt.date.fromisoformat(f"{value}-01"), locale=self.locale)
        return self.short_date(dt.date.fromisoformat(value))

    def fact(self, fact: Fact) -> str:
        """A fact as it appears in a page, marked when it is not confirmed."""
        if fact.kind == "money":
            shown = self.money(fact.value, fact.currency)  # type: ignore[arg-type]
        elif fact.kind == "number":
            shown = self.number(fact.value)  # type: ignore[arg-type]
        elif fact.kind == "date":
            shown = self.date(fact.value)  # type: ignore[arg-type]
        else:
            shown = str(fact.value)
        return shown if fact.confirmed else f"{shown} {self.pack.ui['unconfirmed']}"

    def country_name(self, code: str) -> str:
        return self.locale.territories.get(code, code)

    @cached_property
    def language_name(self) -> str:
        return language_autonym(self.code)


def to_html(template: str, values: dict[str, object] | None = None) -> str:
    """Plain-text wording as Telegram HTML, its {placeholders} filled with escaped values."""
    text = html.escape(template, quote=False)
    if values:
        text = text.format_map({k: html.escape(str(v), quote=False) for k, v in values.items()})
    return text


def language_autonym(code: str) -> str:
    """A language's name in itself, as a speaker would look for it ("Kiswahili", "Français")."""
    name = Locale.parse(code).display_name or code
    return name[:1].upper() + name[1:]


def negotiate(language_code: str | None, available: list[str]) -> str:
    """Pick the user's language from Telegram's IETF tag (e.g. "fr", "sw-KE", "es-VE", "es-419", "pt-br")."""
    if language_code:
        tag = language_code.strip().lower().replace("-", "_")
        found = negotiate_locale([tag, tag.split("_")[0]], available)
        if found:
            return found
    return REFERENCE_LANGUAGE
