"""Callback data: short, language-neutral and stateless, and the one registry of its prefixes.

Everything a button needs is in its data, so an old button still works after a restart,
a language switch or a content change (an unknown page explains itself instead).
Telegram allows 64 bytes; `check-content` verifies the longest data each page can produce.

Every feature's data starts with a prefix claimed here, before a ":" (or is the bare prefix):
handlers/application.py routes presses by these prefixes, so two features must never share
one; claiming a prefix twice fails at import.

The guide's own data (bot/guide/navigation.py):
  home            main menu
  p:<page>[:<n>[:<from>]]  screen n (0-based) of a page; Back leads to <from> when given
                  (a page linked from several places, such as one shared by every country)
  lp[:<page>]     language picker          l:<code>[:<page>]     set language, then show page
  cp[:<page>]     country picker           c:<CC>[:<page>]       set country, then show page
  pp[:<page>]     platform picker          pl:<id>[:<page>]      set platform, then show page
The <page> of a picker is where it returns: after a choice, and on Back.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.schema import OTHER_COUNTRY, PLATFORM_ID_CHARS


class Registry:
    """Callback-data prefixes and the feature that owns each."""

    def __init__(self) -> None:
        self.owners: dict[str, str] = {}

    def claim(self, prefix: str, owner: str) -> str:
        if not prefix or ":" in prefix:
            raise ValueError(f"a callback prefix is a non-empty word without ':', not {prefix!r}")
        if prefix in self.owners:
            raise ValueError(f"callback prefix {prefix!r} is claimed by both {self.owners[prefix]} and {owner}")
        self.owners[prefix] = owner
        return prefix


PREFIXES = Registry()
HOME = PREFIXES.claim("home", "guide: the main menu")
PAGE = PREFIXES.claim("p", "guide: a page")
LANGUAGE_PICKER = PREFIXES.claim("lp", "guide: the language picker")
SET_LANGUAGE = PREFIXES.claim("l", "guide: choosing a language")
COUNTRY_PICKER = PREFIXES.claim("cp", "guide: the country picker")
SET_COUNTRY = PREFIXES.claim("c", "guide: choosing a country")
PLATFORM_PICKER = PREFIXES.claim("pp", "guide: the platform picker")
SET_PLATFORM = PREFIXES.claim("pl", "guide: choosing a platform")
EXIT = PREFIXES.claim("x", "safety: every Exit button (leave and clear the chat)")
FAIRPAY = PREFIXES.claim("fp", "tools: the fair-pay check (bot/tools/fairpay.py)")
LETTER = PREFIXES.claim("lt", "tools: the letter builder (bot/tools/letter.py)")
REPORT = PREFIXES.claim("rp", "reports: the anonymous report (bot/reports/)")
UPDATES = PREFIXES.claim("u", "updates: the worker's Updates menu (bot/updates/menu.py)")
INVITES = PREFIXES.claim("iv", "updates: organizers' invite links (bot/updates/invites.py)")
BROADCAST = PREFIXES.claim("bc", "broadcasts: the organizer's composer (bot/broadcasts/composer.py)")
PROGRESS = PREFIXES.claim("bp", "broadcasts: a broadcast's live progress and controls")
EXPORT = PREFIXES.claim("ex", "exports: the researcher's export choices (bot/exports/)")
REVIEW = PREFIXES.claim("rv", "reviews: a reviewer's buttons on a worker's text (bot/reviews/flow.py)")
TEXTS = PREFIXES.claim("tx", "reviews: organizers' choice of a month of released texts (handlers/texts.py)")

# A page button's `action` (content/pages) -> the prefix of the form it starts with <prefix>:s:<page>.
FORM_ACTIONS = {"fairpay": FAIRPAY, "letter": LETTER, "report": REPORT}
_MAX_SCREENS = 99
_LONGEST_LANGUAGE_CODE = 8  # e.g. "pt_BR"; babel codes are short


@dataclass(frozen=True)
class Action:
    # home | page | language_picker | set_language | country_picker | set_country | platform_picker
    # | set_platform | invalid
    kind: str
    page: str | None = None
    screen: int = 0
    value: str | None = None
    came_from: str | None = None


def page(page_id: str, screen: int = 0, came_from: str | None = None) -> str:
    if came_from:
        return f"{PAGE}:{page_id}:{screen}:{came_from}"
    return f"{PAGE}:{page_id}:{screen}" if screen else f"{PAGE}:{page_id}"


def language_picker(then: str | None = None) -> str:
    return f"{LANGUAGE_PICKER}:{then}" if then else LANGUAGE_PICKER


def set_language(code: str, then: str | None = None) -> str:
    return f"{SET_LANGUAGE}:{code}:{then}" if then else f"{SET_LANGUAGE}:{code}"


def country_picker(then: str | None = None) -> str:
    return f"{COUNTRY_PICKER}:{then}" if then else COUNTRY_PICKER


def set_country(code: str, then: str | None = None) -> str:
    return f"{SET_COUNTRY}:{code}:{then}" if then else f"{SET_COUNTRY}:{code}"


def platform_picker(then: str | None = None) -> str:
    return f"{PLATFORM_PICKER}:{then}" if then else PLATFORM_PICKER


def set_platform(platform_id: str, then: str | None = None) -> str:
    return f"{SET_PLATFORM}:{platform_id}:{then}" if then else f"{SET_PLATFORM}:{platform_id}"


def start_form(prefix: str, origin: str) -> str:
    """The data of a button that starts a form (fair pay, letter, report) from a page."""
    return f"{prefix}:s:{origin}"


def longest_for_page(page_id: str, countries: dict[str, object], longest_page_id: str) -> list[str]:
    """The longest data that can point at a page, for the content check."""
    codes = [*countries, OTHER_COUNTRY]
    return [
        page(page_id, _MAX_SCREENS, longest_page_id),
        country_picker(page_id),
        *(set_country(cc, page_id) for cc in codes),
        set_language("x" * _LONGEST_LANGUAGE_CODE, page_id),
        platform_picker(page_id),
        set_platform("x" * PLATFORM_ID_CHARS, page_id),
        *(start_form(prefix, page_id) for prefix in FORM_ACTIONS.values()),
    ]


def parse(data: object) -> Action:
    """Decode callback data; anything unexpected becomes `invalid`, never an exception."""
    if not isinstance(data, str):
        return Action("invalid")
    head, _, rest = data.partition(":")
    if data == HOME:
        return Action("home")
    if head == LANGUAGE_PICKER:
        return Action("language_picker", page=rest or None)
    if head == PAGE and rest:
        page_id, _, rest = rest.partition(":")
        screen, _, came_from = rest.partition(":")
        if screen and not (screen.isdigit() and int(screen) <= _MAX_SCREENS):
            return Action("invalid")
        return Action("page", page=page_id, screen=int(screen or 0), came_from=came_from or None)
    if head == SET_LANGUAGE and rest:
        code, _, then = rest.partition(":")
        return Action("set_language", value=code, page=then or None)
    if head == COUNTRY_PICKER:
        return Action("country_picker", page=rest or None)
    if head == SET_COUNTRY and rest:
        code, _, then = rest.partition(":")
        return Action("set_country", value=code, page=then or None)
    if head == PLATFORM_PICKER:
        return Action("platform_picker", page=rest or None)
    if head == SET_PLATFORM and rest:
        platform_id, _, then = rest.partition(":")
        return Action("set_platform", value=platform_id, page=then or None)
    return Action("invalid")
