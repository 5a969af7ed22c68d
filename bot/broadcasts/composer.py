"""Broadcasts as organizers write them and workers read them. Nothing here knows Telegram.

The composer (/broadcast), one draft per organizer chat, in memory only:

  languages ──next──▶ countries ──next──▶ topics ──next──▶ one text or one per language
      ▲                  │ back              │ back               │
      └──────────────────┘◀──────────────────┘◀─── back ──────────┤
                                                                  ▼
                            preview (as workers see it) + reach ◀── typed text(s)
                               │ send: the outbox is written (bot/broadcasts/delivery.py sends it)
                               │ change the text: back to "one text or one per language"
                               └ cancel (anywhere): the draft is dropped

The reach is rounded to the nearest 10 (bot/privacy/rounding.py) and says nothing of quiet hours.
An organizer sees the reach of a narrowed audience (not every language, country and topic) at
most PREVIEWS times in PREVIEW_WINDOW seconds (PreviewLimit); past that, the preview says when
to ask again (bc:v).

Callback data: bc:l:<lang> bc:c:<CC>|bc:c:* bc:t:<topic> (toggles), bc:m:1|bc:m:n (text mode),
bc:n (next), bc:b (back), bc:ok (send), bc:v (show the reach), bc:x (cancel). A press that does
not fit the step shows the step again.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from babel.dates import format_timedelta

from bot.content.model import Content
from bot.privacy.disclosure import THRESHOLD
from bot.privacy.rounding import rounded
from bot.ui import callbacks
from bot.ui.screens import Button, Screen
from bot.ui.texts import Texts, language_autonym, to_html
from bot.updates.menu import topic_name

NAME, PREFIX = "broadcast", callbacks.BROADCAST
ALL = "*"
SEND, CANCEL, NEXT, BACK, SHOW = (f"{PREFIX}:{action}" for action in ("ok", "x", "n", "b", "v"))
MAX_TEXT = 3500  # the organizer's words; header and footer must still fit Telegram's 4096
PREVIEWS, PREVIEW_WINDOW = 3, 60.0  # reaches of narrowed audiences an organizer sees, per this many seconds
STEPS = ("languages", "countries", "topics", "mode", "text", "preview")


@dataclass
class Draft:
    languages: list[str]
    countries: list[str] | None = None  # None: every country
    topics: list[str] = field(default_factory=list)
    one_text: bool = True
    texts: dict[str, str] = field(default_factory=dict)
    step: str = "languages"

    def missing_text(self) -> str | None:
        """The next language still without a text (with one text: the first language)."""
        wanted = self.languages[:1] if self.one_text else self.languages
        return next((code for code in wanted if code not in self.texts), None)

    def final_texts(self) -> dict[str, str]:
        if self.one_text:
            return {code: self.texts[self.languages[0]] for code in self.languages}
        return {code: self.texts[code] for code in self.languages}


def narrowed(draft: Draft, content: Content) -> bool:
    """Whether the audience leaves out a language, a country or a topic (its reach then says
    something about fewer people than all subscribers)."""
    return (
        draft.countries is not None
        or set(draft.languages) != set(content.offered)
        or set(draft.topics) != set(content.topics)
    )


class PreviewLimit:
    """How often each organizer may see the reach of a narrowed audience: at most `per_window`
    times in any `window` seconds. In memory only, counted per organizer, forgotten on restart."""

    def __init__(
        self, per_window: int = PREVIEWS, window: float = PREVIEW_WINDOW, clock: Callable[[], float] = time.monotonic
    ):
        self._per_window, self._window = per_window, window
        self.clock = clock
        self._seen: dict[Hashable, deque[float]] = {}

    def take(self, organizer: Hashable) -> float:
        """0 when this preview may be shown (and it is counted); otherwise the seconds until one
        may (a refused preview is not counted)."""
        now = self.clock()
        seen = self._seen.setdefault(organizer, deque())
        while seen and now - seen[0] >= self._window:
            seen.popleft()
        if len(seen) >= self._per_window:
            return seen[0] + self._window - now
        seen.append(now)
        return 0.0


def shown_count(t: Texts, count: int) -> str:
    """A number of people as organizers see it: "20", "fewer than 10", "0"."""
    shown = rounded(count)
    return t.plain("broadcast_fewer", limit=t.number(THRESHOLD)) if shown is None else t.number(shown)


def new_draft(content: Content) -> Draft:
    return Draft(languages=list(content.offered))


def press(draft: Draft, data: str, content: Content) -> str | None:
    """Apply a button press to the draft; a notice key when the press cannot be taken."""
    head, _, value = data.removeprefix(f"{PREFIX}:").partition(":")
    if data == BACK:
        order = ["languages", "countries", "topics", "mode"]
        if draft.step in order:
            draft.step = order[max(0, order.index(draft.step) - 1)]
        else:  # from typing the text, or from the preview: choose how to write it again
            draft.step = "mode"
            draft.texts.clear()
        return None
    if data == NEXT:
        if draft.step == "languages" and not draft.languages:
            return "broadcast_choose_one"
        if draft.step == "countries" and draft.countries == []:
            return "broadcast_choose_one"
        if draft.step == "topics" and not draft.topics:
            return "broadcast_choose_one"
        if draft.step in ("languages", "countries", "topics"):
            draft.step = STEPS[STEPS.index(draft.step) + 1]
        return None
    if head == "l" and draft.step == "languages" and value in content.offered:
        draft.languages = _toggle(draft.languages, value, list(content.offered))
    elif head == "c" and draft.step == "countries" and (value == ALL or value in content.countries):
        if value == ALL:
            draft.countries = [] if draft.countries is None else None
        else:
            draft.countries = _toggle(draft.countries or [], value, list(content.countries))
    elif head == "t" and draft.step == "topics" and value in content.topics:
        draft.topics = _toggle(draft.topics, value, list(content.topics))
    elif head == "m" and draft.step == "mode" and value in ("1", "n"):
        draft.one_text = value == "1" or len(draft.languages) == 1
        draft.texts.clear()
        draft.step = "text"
    return None


def type_text(draft: Draft, text: str) -> str | None:
    """The organizer typed a message text; a notice key if it cannot be used."""
    language = draft.missing_text()
    if draft.step != "text" or language is None:
        return "broadcast_use_buttons"
    text = text.strip()
    if not text:
        return "form_empty"
    if len(text) > MAX_TEXT:
        return "broadcast_too_long"
    draft.texts[language] = text
    if draft.missing_text() is None:
        draft.step = "preview"
    return None


def step_screen(draft: Draft, t: Texts, content: Content, notice: str | None = None) -> Screen:
    """The screen of the draft's current step (the preview is built by preview_screen)."""
    if draft.step == "languages":
        rows = [
            _check(code in draft.languages, language_autonym(code), f"{PREFIX}:l:{code}") for code in content.offered
        ]
        screen = Screen(t.ui("broadcast_languages"), (*rows, _nav(t, back=False)))
    elif draft.step == "countries":
        every = _check(draft.countries is None, t.plain("broadcast_all_countries"), f"{PREFIX}:c:{ALL}")
        picked = draft.countries or []
        countries = [_check(cc in picked, t.country_name(cc), f"{PREFIX}:c:{cc}")[0] for cc in content.countries]
        pairs = [tuple(countries[i : i + 2]) for i in range(0, len(countries), 2)]
        screen = Screen(t.ui("broadcast_countries"), (every, *pairs, _nav(t)))
    elif draft.step == "topics":
        rows = [_check(tid in draft.topics, topic_name(t, tid), f"{PREFIX}:t:{tid}") for tid in content.topics]
        screen = Screen(t.ui("broadcast_topics"), (*rows, _nav(t)))
    elif draft.step == "mode":
        rows = [(Button(t.plain("broadcast_mode_one"), f"{PREFIX}:m:1"),)]
        if len(draft.languages) > 1:
            rows.append((Button(t.plain("broadcast_mode_each"), f"{PREFIX}:m:n"),))
        screen = Screen(t.ui("broadcast_mode"), (*rows, _nav(t, next_=False)))
    else:
        language = draft.missing_text() or draft.languages[0]
        key = "broadcast_text_one" if draft.one_text else "broadcast_text_language"
        text = t.ui(key, language=language_autonym(language), max=t.number(MAX_TEXT))
        screen = Screen(text, ((Button(t.plain("button_back"), BACK), Button(t.plain("broadcast_cancel"), CANCEL)),))
    return screen.with_notice(t.ui(notice, max=t.number(MAX_TEXT))) if notice else screen


def worker_message(t: Texts, text: str) -> str:
    """The message as a worker receives it. A notification, the chat list or a glance at the
    phone show only the neutral first line: the organizer's words are a spoiler, which Telegram
    hides in notifications and previews until the worker taps them in the chat."""
    return f"{t.ui('broadcast_header')}\n\n<tg-spoiler>{to_html(text)}</tg-spoiler>\n\n{t.ui('broadcast_footer')}"


def preview_screen(t: Texts, reach: dict[str, int]) -> Screen:
    """After the previews: how many it reaches (rounded, by language), and the last confirmation."""
    total = sum(reach.values())
    if total == 0:
        text = t.ui("broadcast_reach_none")
        rows: tuple[tuple[Button, ...], ...] = ()
    else:
        by_language = ", ".join(
            t.plain("broadcast_reach_language", language=language_autonym(code), count=shown_count(t, n))
            for code, n in reach.items()
            if n
        )
        text = t.ui("broadcast_reach", count=shown_count(t, total), by_language=by_language)
        rows = ((Button(t.plain("broadcast_send"), SEND),),)
    rows += (
        (Button(t.plain("broadcast_edit"), BACK),),
        (Button(t.plain("broadcast_cancel"), CANCEL),),
    )
    return Screen(f"{t.ui('broadcast_preview')}\n\n{text}", rows)


def wait_screen(t: Texts, seconds: float) -> Screen:
    """In place of the reach, when the organizer has seen too many lately: when to ask again."""
    wait = format_timedelta(dt.timedelta(seconds=math.ceil(seconds)), locale=t.locale)
    rows = (
        (Button(t.plain("broadcast_show_reach"), SHOW),),
        (Button(t.plain("broadcast_edit"), BACK),),
        (Button(t.plain("broadcast_cancel"), CANCEL),),
    )
    return Screen(f"{t.ui('broadcast_preview')}\n\n{t.ui('broadcast_preview_wait', wait=wait)}", rows)


def _toggle(chosen: list[str], value: str, order: list[str]) -> list[str]:
    picked = set(chosen) ^ {value}
    return [item for item in order if item in picked]


def _check(on: bool, label: str, data: str) -> tuple[Button, ...]:
    return (Button(f"{'✅' if on else '▫️'} {label}", data),)


def _nav(t: Texts, back: bool = True, next_: bool = True) -> tuple[Button, ...]:
    buttons = [Button(t.plain("button_back"), BACK)] if back else []
    if next_:
        buttons.append(Button(t.plain("button_next"), NEXT))
    return (*buttons, Button(t.plain("broadcast_cancel"), CANCEL))
