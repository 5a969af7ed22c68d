"""Callback data: short, language-neutral and stateless.

Everything a button needs is in its data, so an old button still works after a restart,
a language switch or a content change (an unknown page explains itself instead).
Telegram allows 64 bytes; `check-content` verifies the longest data each page can produce.

  home            main menu
  p:<page>[:<n>[:<from>]]  screen n (0-based) of a page; Back leads to <from> when given
                  (a page linked from several places, such as one shared by every country)
  lp[:<page>]     language picker          l:<code>[:<page>]     set language, then show page
  cp[:<page>]     country picker           c:<CC>[:<page>]       set country, then show page
The <page> of a picker is where it returns: after a choice, and on Back.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.schema import OTHER_COUNTRY

HOME = "home"
_MAX_SCREENS = 99
_LONGEST_LANGUAGE_CODE = 8  # e.g. "pt_BR"; babel codes are short


@dataclass(frozen=True)
class Action:
    kind: str  # home | page | language_picker | set_language | country_picker | set_country | invalid
    page: str | None = None
    screen: int = 0
    value: str | None = None
    came_from: str | None = None


def page(page_id: str, screen: int = 0, came_from: str | None = None) -> str:
    if came_from:
        return f"p:{page_id}:{screen}:{came_from}"
    return f"p:{page_id}:{screen}" if screen else f"p:{page_id}"


def language_picker(then: str | None = None) -> str:
    return f"lp:{then}" if then else "lp"


def set_language(code: str, then: str | None = None) -> str:
    return f"l:{code}:{then}" if then else f"l:{code}"


def country_picker(then: str | None = None) -> str:
    return f"cp:{then}" if then else "cp"


def set_country(code: str, then: str | None = None) -> str:
    return f"c:{code}:{then}" if then else f"c:{code}"


def longest_for_page(page_id: str, countries: dict[str, object], longest_page_id: str) -> list[str]:
    """The longest data that can point at a page, for the content check."""
    codes = [*countries, OTHER_COUNTRY]
    return [
        page(page_id, _MAX_SCREENS, longest_page_id),
        country_picker(page_id),
        *(set_country(cc, page_id) for cc in codes),
        set_language("x" * _LONGEST_LANGUAGE_CODE, page_id),
        f"fp:s:{page_id}",  # a tool started from this page (bot/fairpay_form.py, bot/letter_form.py)
    ]


def parse(data: object) -> Action:
    """Decode callback data; anything unexpected becomes `invalid`, never an exception."""
    if not isinstance(data, str):
        return Action("invalid")
    head, _, rest = data.partition(":")
    if data == HOME:
        return Action("home")
    if head == "lp":
        return Action("language_picker", page=rest or None)
    if head == "p" and rest:
        page_id, _, rest = rest.partition(":")
        screen, _, came_from = rest.partition(":")
        if screen and not (screen.isdigit() and int(screen) <= _MAX_SCREENS):
            return Action("invalid")
        return Action("page", page=page_id, screen=int(screen or 0), came_from=came_from or None)
    if head == "l" and rest:
        code, _, then = rest.partition(":")
        return Action("set_language", value=code, page=then or None)
    if head == "cp":
        return Action("country_picker", page=rest or None)
    if head == "c" and rest:
        code, _, then = rest.partition(":")
        return Action("set_country", value=code, page=then or None)
    return Action("invalid")
