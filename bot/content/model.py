"""The loaded content: language-neutral structure and facts, wording per language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ButtonSpec:
    kind: str  # "page" or "action"
    target: str


@dataclass(frozen=True)
class PageSpec:
    id: str
    buttons: tuple[ButtonSpec, ...]
    by_country: dict[str, str] | None  # country code or "default" -> page id
    line: int = 1  # in content/pages.yaml, for problem reports
    by_platform: dict[str, str] | None = None  # platform id (content/platforms.yaml) or "default" -> page id

    @property
    def switch(self) -> dict[str, str] | None:
        """The pages this page stands for, one per remembered choice (country or platform)."""
        return self.by_country if self.by_country is not None else self.by_platform


@dataclass(frozen=True)
class Fact:
    id: str
    kind: str
    value: object
    source: str
    checked: dt.date  # the day someone verified the fact against its source
    currency: str | None = None
    per: str | None = None  # for a wage: hour, day, week or month
    confirmed: bool = True  # False: shown as "unconfirmed, please check"
    source_name: str | None = None  # the link's words; None: the site, from the URL's host
    published: str | None = None  # the source's own date, as precise as known: "2025-03-18", "2025-03" or "2025"


@dataclass(frozen=True)
class WageReference:
    """One statutory minimum a worker's pay can be compared with (content/countries.yaml
    `minimum_wages`). Its page names it (title), labels the choice (button) and says how the
    hours were found (body). Without wage and hours Haki knows no figure: the page says where to ask."""

    page: str
    wage: Fact | None = None  # a money fact with `per`
    hours: Fact | None = None  # the legal hours that period covers
    line: int = 1  # in content/countries.yaml, for problem reports

    @property
    def known(self) -> bool:
        return self.wage is not None and self.hours is not None


@dataclass(frozen=True)
class Country:
    code: str
    currency: str | None = None
    # The minimums the fair-pay check offers, in order; with more than one the worker picks theirs.
    minimum_wages: tuple[WageReference, ...] = ()
    timezone: str | None = None  # IANA name, for quiet hours of updates
    emergency: Fact | None = None  # the number to call first in an emergency, from a mobile
    crisis_line: Fact | None = None  # a crisis line verified to answer 24 hours a day
    checklist: str | None = None  # the page whose last screen lists the papers to bring (the letter ends with it)

    @property
    def headline_wage(self) -> WageReference | None:
        """The first minimum with a figure: the one published pay figures (/stats, exports) use."""
        return next((r for r in self.minimum_wages if r.known), None)

    @property
    def minimum_wage(self) -> Fact | None:
        return self.headline_wage.wage if self.headline_wage else None

    @property
    def wage_hours(self) -> Fact | None:
        return self.headline_wage.hours if self.headline_wage else None


@dataclass(frozen=True)
class Platform:
    """A platform workers name (content/platforms.yaml), offered under "My platform"."""

    id: str
    name: str  # as the platform writes it, the same in every language


@dataclass(frozen=True)
class Topic:
    """A kind of update workers can subscribe to (content/topics.yaml); wording: ui key topic_<id>."""

    id: str
    invite_only: bool = False  # reachable only through an organizer's invite link


@dataclass(frozen=True)
class SurveyQuestion:
    id: str
    kind: str  # choice | country | number | text
    options: tuple[str, ...] = ()
    optional: bool = False
    bounds: tuple[float, float] | None = None  # number
    max_length: int = 0  # text
    after: str | None = None  # asked only when this earlier question was answered


@dataclass(frozen=True)
class Survey:
    questions: tuple[SurveyQuestion, ...]
    pay_bands: tuple[float, ...]


@dataclass(frozen=True)
class PageText:
    title: str
    body: str
    button: str  # label on buttons that open the page


@dataclass(frozen=True)
class LanguagePack:
    code: str
    ui: dict[str, str]
    pages: dict[str, PageText]
    survey: dict[str, str] = field(default_factory=dict)  # "<question>" and "<question>_<option>"
    # A partial language (content/<lang>/language.yaml names a fallback): what it does not have
    # yet is taken from the fallback. `borrowed`: page ids, ui keys ("ui.<key>") and survey keys
    # ("survey.<key>") shown in the fallback's words.
    fallback: str | None = None
    borrowed: frozenset[str] = frozenset()

    def borrows_page(self, page_id: str) -> bool:
        return page_id in self.borrowed


@dataclass(frozen=True)
class CrisisList:
    """content/crisis/<code>.yaml: one language's words about suicide or self-harm, whether or
    not the interface exists in that language."""

    code: str
    phrases: tuple[str, ...]  # phrases that signal suicide or self-harm
    not_crisis: tuple[str, ...] = ()  # ordinary phrases that must not (checked by check-content)


@dataclass(frozen=True)
class Content:
    pages: dict[str, PageSpec]
    facts: dict[str, Fact]
    countries: dict[str, Country]  # by ISO code, in menu order
    survey: Survey
    languages: dict[str, LanguagePack]  # the reference language first
    topics: dict[str, Topic] = field(default_factory=dict)  # in menu order
    # The languages workers can choose (a partial language only once its crisis help is its
    # own, bot/content/status.py not_yet_offered); the reference language first.
    offered: tuple[str, ...] = ()
    crisis: dict[str, CrisisList] = field(default_factory=dict)  # by language code, all matched at once
    platforms: dict[str, Platform] = field(default_factory=dict)  # by id, in menu order
