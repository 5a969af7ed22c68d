"""Menus and pages: turns a button press or a command into the next screen.

Stateless: the screen depends only on the button's data and the user's preferences,
so stale buttons, restarts and concurrent updates need no special care.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.content.model import Content, PageSpec
from bot.content.schema import (
    CRISIS_DIRECTORY,
    CRISIS_PAGE,
    DEFAULT_COUNTRY_KEY,
    HOME_PAGE,
    OTHER_COUNTRY,
    OTHER_PLATFORM,
)
from bot.guide.crisis import CrisisDetector
from bot.ui import callbacks
from bot.ui.screens import Button, Screen, page_screens
from bot.ui.texts import Texts, language_autonym, negotiate


@dataclass(frozen=True)
class Prefs:
    language: str | None = None
    country: str | None = None
    platform: str | None = None  # an id of content/platforms.yaml, or OTHER_PLATFORM


@dataclass(frozen=True)
class Outcome:
    screen: Screen
    toast: str | None = None  # a short popup answering the button press
    set_language: str | None = None  # a choice to remember
    set_country: str | None = None
    set_platform: str | None = None


class Navigator:
    def __init__(self, content: Content):
        self.content = content
        self._texts = {code: Texts(content, pack) for code, pack in content.languages.items()}
        self.parents = parent_pages(content)
        # A country's (or platform's) own page -> the page that chose it, so changing the choice
        # there shows the new choice's page rather than the old one again.
        self.router_of = {target: pid for pid, spec in content.pages.items() for target in (spec.switch or {}).values()}
        self.crisis = CrisisDetector({code: words.phrases for code, words in content.crisis.items()})
        # A partial language is offered (menu, Telegram's language) once its crisis help is its own.
        self.languages = list(content.offered)
        # Rendered once at start-up: pages are static, and this also proves every page renders.
        self.screens = {(code, pid): self._rendered(t, pid) for code, t in self._texts.items() for pid in t.pack.pages}

    def _rendered(self, t: Texts, page_id: str) -> list[str]:
        screens = page_screens(self.content, t, page_id)
        if t.pack.borrows_page(page_id):  # not translated yet: say so, in the user's language
            # The fallback's name in the user's own language ("الفرنسية", not "Français").
            name = t.locale.languages.get(t.pack.fallback) or language_autonym(t.pack.fallback)
            note = t.ui("fallback_note", language=name)
            screens = [f"<i>{note}</i>\n\n{screens[0]}", *screens[1:]]
        return screens

    def texts_for(self, prefs: Prefs, language_code: str | None) -> Texts:
        """The user's chosen language, else the one their Telegram app uses, else English."""
        code = prefs.language if prefs.language in self.languages else negotiate(language_code, self.languages)
        return self._texts[code]

    # screens ------------------------------------------------------------------------------

    def welcome(self, t: Texts, prefs: Prefs) -> Screen:
        menu = self.page(t, prefs, HOME_PAGE)
        others = tuple(
            Button(language_autonym(code), callbacks.set_language(code)) for code in self.languages if code != t.code
        )
        text = f"{t.ui('welcome')}\n\n{t.ui('safety_notice')}\n\n{t.ui('menu_prompt')}"
        return Screen(text, (others, *menu.rows))

    def crisis_texts(self, prefs: Prefs, language_code: str | None, message: str) -> Texts:
        """The language of a crisis answer: the user's own when they chose one, otherwise the one
        the message was written in (when Haki speaks it), otherwise their Telegram app's."""
        if prefs.language in self.languages:
            return self._texts[prefs.language]
        written = [code for code in self.crisis.languages(message) if code in self.languages]
        if len(written) == 1:  # mixed languages: the app's language decides
            return self._texts[written[0]]
        return self.texts_for(prefs, language_code)

    def crisis_help(self, t: Texts, prefs: Prefs) -> Screen:
        """The answer to a message about suicide or self-harm, at once, asking nothing first.

        Built on safe-messaging practice: WHO's "Preventing suicide: a resource for media
        professionals" (2023 update; fact intl_who_safe_messaging) asks for where to get help and
        no detail of methods; for automated tools, saying plainly that they are not a person and
        leading to human help (fact intl_ai_crisis_convention, a journal commentary: no crisis-line
        body has written this for chatbots yet). So: first that this is an automatic assistant
        nobody reads, then numbers: the country's 24-hour line, then its emergency
        number; with no country known, every listed country's emergency number at once and the
        country buttons. Short (CRISIS_FIRST_CHARS, held by the content check); everything else
        (every helpline, with hours and sources) is one tap away."""
        countries = self.content.countries
        country = countries.get(prefs.country or "")
        lines = [t.ui("crisis_automated")]
        if country is not None:
            if country.crisis_line:
                lines.append(t.ui("crisis_line", number=t.fact(country.crisis_line)))
            if country.emergency:
                lines.append(t.ui("crisis_emergency", number=t.fact(country.emergency)))
        else:
            lines.append(t.ui("crisis_emergencies"))
            lines += [
                t.ui("crisis_country_line", country=t.country_name(code), number=t.fact(each.emergency))
                for code, each in countries.items()
                if each.emergency
            ]
        lines.append(t.ui("crisis_stay"))
        directory = self.content.facts.get(CRISIS_DIRECTORY)
        if directory is not None:
            lines.append(t.ui("crisis_directory", link=t.fact(directory)))
        spec = self.content.pages[CRISIS_PAGE]
        by_country = spec.by_country or {}
        if country is not None:
            more = by_country.get(country.code, by_country.get(DEFAULT_COUNTRY_KEY, CRISIS_PAGE))
            rows = [(Button(t.plain("crisis_more"), callbacks.page(more)),)]
        else:
            rows = [
                (self._button(t, prefs, "page", by_country[code], CRISIS_PAGE),)
                for code in countries
                if code in by_country
            ]
        rows.append((Button(t.plain("button_home"), callbacks.HOME),))
        # Each number's source and date are on the pages one tap away, where every number of the
        # country is listed with them: here they would push the numbers off a phone's screen.
        lines.append(t.ui("crisis_sources"))
        return Screen("\n".join(lines), tuple(rows))

    def main_menu(self, t: Texts, prefs: Prefs) -> Screen:
        return self.page(t, prefs, HOME_PAGE)

    def page(self, t: Texts, prefs: Prefs, page_id: str, screen: int = 0, came_from: str | None = None) -> Screen:
        spec = self.content.pages[page_id]
        if spec.by_country is not None:
            if prefs.country is None:
                return self.country_picker(t, then=page_id)
            target = spec.by_country.get(prefs.country, spec.by_country[DEFAULT_COUNTRY_KEY])
            return self.page(t, prefs, target, screen, came_from)
        if spec.by_platform is not None:
            if prefs.platform is None:
                return self.platform_picker(t, then=page_id)
            target = spec.by_platform.get(prefs.platform, spec.by_platform[DEFAULT_COUNTRY_KEY])
            return self.page(t, prefs, target, screen, came_from)
        if came_from not in self.content.pages or came_from == self.parents.get(page_id):
            came_from = None  # Back goes to the usual parent anyway
        screens = self.screens[t.code, page_id]
        screen = min(max(screen, 0), len(screens) - 1)
        if page_id == HOME_PAGE:
            text = f"{screens[screen]}\n\n{t.ui('menu_prompt')}"
        else:
            text = screens[screen]
        rows = [(self._button(t, prefs, b.kind, b.target, page_id),) for b in spec.buttons]
        nav = []
        if screen > 0:
            nav.append(Button(t.plain("button_back"), callbacks.page(page_id, screen - 1, came_from)))
        elif came_from:
            nav.append(
                Button(t.plain("button_back"), callbacks.HOME if came_from == HOME_PAGE else callbacks.page(came_from))
            )
        elif page_id != HOME_PAGE:
            nav.append(Button(t.plain("button_back"), self._back(page_id)))
        if page_id != HOME_PAGE:
            nav.append(Button(t.plain("button_home"), callbacks.HOME))
        if screen < len(screens) - 1:
            nav.append(Button(t.plain("button_next"), callbacks.page(page_id, screen + 1, came_from)))
        if nav:
            rows.append(tuple(nav))
        return Screen(text, tuple(rows))

    def language_picker(self, t: Texts, then: str | None = None) -> Screen:
        rows = tuple((Button(language_autonym(code), callbacks.set_language(code, then)),) for code in self.languages)
        return Screen(t.ui("language_prompt", language=t.language_name), (*rows, self._picker_nav(t, then)))

    def country_picker(self, t: Texts, then: str | None = None) -> Screen:
        names = [(t.country_name(cc), callbacks.set_country(cc, then)) for cc in self.content.countries]
        names.append((t.plain("country_other"), callbacks.set_country(OTHER_COUNTRY, then)))
        return self._picker(t, "country_prompt", names, then)

    def platform_picker(self, t: Texts, then: str | None = None) -> Screen:
        names = [(p.name, callbacks.set_platform(pid, then)) for pid, p in self.content.platforms.items()]
        names.append((t.plain("platform_other"), callbacks.set_platform(OTHER_PLATFORM, then)))
        return self._picker(t, "platform_prompt", names, then)

    def _picker(self, t: Texts, prompt: str, names: list[tuple[str, str]], then: str | None) -> Screen:
        """Choices two to a row (short names fit side by side on a phone), then Back and Home."""
        rows = tuple(tuple(Button(label, data) for label, data in names[i : i + 2]) for i in range(0, len(names), 2))
        return Screen(t.ui(prompt), (*rows, self._picker_nav(t, then)))

    # answers ------------------------------------------------------------------------------

    def on_button(self, data: object, t: Texts, prefs: Prefs) -> Outcome:
        action = callbacks.parse(data)
        if action.kind == "home":
            return Outcome(self.main_menu(t, prefs))
        if action.kind == "page" and action.page in self.content.pages:
            return Outcome(self.page(t, prefs, action.page, action.screen, action.came_from))
        if action.kind == "language_picker" and self._known_page(action.page):
            return Outcome(self.language_picker(t, then=action.page))
        if action.kind == "set_language" and action.value in self._texts and self._known_page(action.page):
            new = self._texts[action.value]
            chosen = replace(prefs, language=action.value)
            return Outcome(
                self.page(new, chosen, action.page or HOME_PAGE),
                toast=new.plain("language_changed", language=new.language_name),
                set_language=action.value,
            )
        if action.kind == "country_picker" and self._known_page(action.page):
            return Outcome(self.country_picker(t, then=action.page))
        if action.kind == "set_country" and self._known_country(action.value) and self._known_page(action.page):
            chosen = replace(prefs, country=action.value)
            screen = self.page(t, chosen, action.page or HOME_PAGE)
            return Outcome(
                screen,
                toast=t.plain("country_changed", country=self._country_label(t, action.value)),
                set_country=action.value,
            )
        if action.kind == "platform_picker" and self._known_page(action.page):
            return Outcome(self.platform_picker(t, then=action.page))
        if action.kind == "set_platform" and self._known_platform(action.value) and self._known_page(action.page):
            chosen = replace(prefs, platform=action.value)
            return Outcome(
                self.page(t, chosen, action.page or HOME_PAGE),
                toast=t.plain("platform_changed", platform=self._platform_label(t, action.value)),
                set_platform=action.value,
            )
        return self.stale(t, prefs)

    def stale(self, t: Texts, prefs: Prefs) -> Outcome:
        """A button from an older version of the bot, or data we did not make."""
        return Outcome(self.main_menu(t, prefs).with_notice(t.ui("stale_button")), toast=t.plain("stale_button"))

    # helpers ------------------------------------------------------------------------------

    def _button(self, t: Texts, prefs: Prefs, kind: str, target: str, on_page: str) -> Button:
        if kind == "page":
            # Remember where the user came from when Back would otherwise lead elsewhere.
            came_from = on_page if self.parents.get(target) != on_page else None
            return Button(t.pack.pages[target].button, callbacks.page(target, 0, came_from))
        if target == "language":
            return Button(t.plain("button_language"), callbacks.language_picker(on_page))
        if target in callbacks.FORM_ACTIONS:
            return Button(t.plain(f"button_{target}"), callbacks.start_form(callbacks.FORM_ACTIONS[target], on_page))
        if target == "updates":
            return Button(t.plain("button_updates"), callbacks.UPDATES)
        if target == "platform":
            picker = callbacks.platform_picker(self.router_of.get(on_page, on_page))
            if prefs.platform is None:
                return Button(t.plain("button_platform_unset"), picker)
            return Button(t.plain("button_platform", platform=self._platform_label(t, prefs.platform)), picker)
        picker = callbacks.country_picker(self.router_of.get(on_page, on_page))
        if prefs.country is None:
            return Button(t.plain("button_country_unset"), picker)
        return Button(t.plain("button_country", country=self._country_label(t, prefs.country)), picker)

    def _back(self, page_id: str) -> str:
        parent = self.parents.get(page_id, HOME_PAGE)
        return callbacks.HOME if parent == HOME_PAGE else callbacks.page(parent)

    def _picker_nav(self, t: Texts, then: str | None) -> tuple[Button, ...]:
        """Back returns where the picker was opened; for a country page that asked for the
        country, that is the page before it (the page itself would only ask again)."""
        if then is None or then == HOME_PAGE:
            back = callbacks.HOME
        elif self.content.pages[then].switch is not None:
            back = self._back(then)
        else:
            back = callbacks.page(then)
        return (Button(t.plain("button_back"), back), Button(t.plain("button_home"), callbacks.HOME))

    def _known_page(self, page_id: str | None) -> bool:
        return page_id is None or page_id in self.content.pages

    def _known_country(self, code: str | None) -> bool:
        return code == OTHER_COUNTRY or code in self.content.countries

    def _known_platform(self, platform_id: str | None) -> bool:
        return platform_id == OTHER_PLATFORM or platform_id in self.content.platforms

    def _platform_label(self, t: Texts, platform_id: str) -> str:
        platform = self.content.platforms.get(platform_id)
        return platform.name if platform else t.plain("platform_other")

    def _country_label(self, t: Texts, code: str) -> str:
        return t.plain("country_other") if code == OTHER_COUNTRY else t.country_name(code)


def parent_pages(content: Content) -> dict[str, str]:
    """Each page's parent for Back: the first page that links to it, breadth-first from the
    main menu. Pages reached through a country switch get the switch page's parent."""
    parents: dict[str, str] = {}
    queue = [HOME_PAGE]
    seen = {HOME_PAGE}
    while queue:
        current = queue.pop(0)
        spec: PageSpec = content.pages[current]
        targets = [b.target for b in spec.buttons if b.kind == "page"] + list((spec.switch or {}).values())
        for target in targets:
            if target not in seen:
                seen.add(target)
                parents[target] = parents.get(current, HOME_PAGE) if spec.switch is not None else current
                queue.append(target)
    return parents
