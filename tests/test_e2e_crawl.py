"""Press every reachable button in every language, through the real bot and the sandbox.

Fails on English left in another language's screen or button label, a screen over 1,000 visible
characters, a leftover {placeholder}, an empty answer, a button the bot itself calls stale, a Bot
API error (checked by the `haki` fixture) or a handler exception.
"""

import logging
import re
import unicodedata

import pytest

from bot.content.schema import MAX_SCREEN_CHARS
from bot.ui import callbacks
from tests.conftest import Chatter

LEFTOVER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
LANGUAGES = ["en", "es", "fr", "sw", "ar"]  # every offered language: Arabic is partial (fallback French)
MIN_LETTERS = 4  # a shorter English piece ("OK", "20 to 39", an emoji, "{current}/{total}") proves nothing


def _strings(pack) -> dict[str, str]:
    """Every string of a language pack that a screen or a button can show, by where it comes from."""
    strings = {f"ui.{key}": text for key, text in pack.ui.items()}
    strings |= {f"survey.{key}": text for key, text in pack.survey.items()}
    for page_id, page in pack.pages.items():
        strings |= {f"{page_id}.title": page.title, f"{page_id}.body": page.body, f"{page_id}.button": page.button}
    return strings


def _pieces(text: str) -> set[str]:
    """The runs of fixed words of a string, between its {placeholders} and line breaks, long enough to tell."""
    pieces = {piece.strip() for part in LEFTOVER.split(text) for piece in part.splitlines()}
    return {p for p in pieces if sum(unicodedata.category(ch).startswith("L") for ch in p) >= MIN_LETTERS}


def _contains(text: str, piece: str) -> bool:
    """`piece` in `text` as whole words: "Menu" is not found in "Menyu", nor "Help" in "Helpline"."""
    return piece in text and re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", text) is not None


def english_left(content, code: str) -> dict[str, str]:
    """English piece -> where it comes from (content/en), for every piece this language words differently.

    A piece the language's own strings also use (a proper noun such as "Telegram", a word both languages
    share) is left out, and so is one shown in every language alike: a fact (content/facts, such as a
    platform's English status message, quoted), a source's name or address (time.com), a platform's
    name. Arabic shows some pages in French (its fallback): those count as its own strings, and only
    English is looked for."""
    alike = [str(getattr(fact, a) or "") for fact in content.facts.values() for a in ("value", "source", "source_name")]
    alike += [platform.name for platform in content.platforms.values()]
    own = "\n".join([*_strings(content.languages[code]).values(), *alike])
    english: dict[str, str] = {}
    for key, text in _strings(content.languages["en"]).items():
        for piece in _pieces(text):
            english.setdefault(piece, key)
    return {piece: key for piece, key in english.items() if not _contains(own, piece)}


def english_labels(content, code: str) -> dict[str, str]:
    """For button labels, stricter: English piece -> its key, wherever this language's own string for the
    same key lacks it. Arabic's borrowed French pages may say "🏠 Menu", but its Home button is its own."""
    own = _strings(content.languages[code])
    english: dict[str, str] = {}
    for key, text in _strings(content.languages["en"]).items():
        for piece in _pieces(text):
            if key in own and not _contains(own[key], piece):
                english.setdefault(piece, key)
    return english


def _english_in(text: str, english: dict[str, str]) -> list[str]:
    return [f"{piece!r} (en {key})" for piece, key in english.items() if _contains(text, piece)]


def assert_no_english(where: str, message, english: tuple[dict[str, str], dict[str, str]]) -> None:
    in_screens, in_labels = english
    left = _english_in(message.text or "", in_screens)
    assert not left, f"{where}: the screen shows English: {left} in {message.text!r}"
    for label in (b.text for b in message.button_list):
        left = _english_in(label, in_screens | in_labels)
        assert not left, f"{where}: the button {label!r} is in English: {left}"


def test_the_crawl_covers_every_offered_language(navigator):
    assert sorted(LANGUAGES) == sorted(navigator.languages)


@pytest.mark.parametrize("code", LANGUAGES)
async def test_every_button_in_every_language(haki, code, caplog):
    caplog.set_level(logging.ERROR)
    ui = haki.navigator.content.languages[code].ui
    content = haki.navigator.content
    english = (english_left(content, code), english_labels(content, code)) if code != "en" else ({}, {})
    user = Chatter(haki, 500 + LANGUAGES.index(code), language_code=code)
    home = await user.say("/start")
    assert home.text.startswith(ui["welcome"][:12])
    assert_no_english(f"[{code}] after /start", home, english)

    seen: dict[str, str] = {}
    queue = [b.callback_data for b in home.button_list]
    while queue:
        data = queue.pop(0)
        if data in seen:
            continue
        answers_before = len(haki.sandbox.calls("answerCallbackQuery"))
        shown = await user.press_data(data, home)
        text = shown.text or ""
        where = f"[{code}] after pressing {data!r}"
        assert text.strip(), f"{where}: empty screen"
        assert not LEFTOVER.search(shown.source_text or ""), f"{where}: leftover placeholder in {text!r}"
        assert len(text) <= MAX_SCREEN_CHARS, f"{where}: the screen shows {len(text)} characters"
        assert ui["stale_button"] not in text, f"{where}: a button the bot made is called stale"
        assert ui["error"] not in text, f"{where}: the user was told something went wrong"
        assert shown.button_list, f"{where}: a screen without any way onward"
        switched = data.startswith("l:") and data != f"l:{code}"  # this one screen is in the chosen language
        assert_no_english(where, shown, ({}, {}) if switched else english)
        assert len(haki.sandbox.calls("answerCallbackQuery")) == answers_before + 1, f"{where}: press not answered"
        seen[data] = text
        if switched:
            await user.press_data(f"l:{code}", home)  # the crawl stays in its language
            continue
        queue.extend(b.callback_data for b in shown.button_list if b.callback_data not in seen)

    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "a handler raised"
    opened = {callbacks.parse(d).page for d in seen if callbacks.parse(d).kind == "page"}
    opened |= {callbacks.parse(d).page for d in seen if callbacks.parse(d).kind in ("set_country", "set_platform")}
    missed = set(haki.navigator.content.pages) - opened
    assert not missed, f"[{code}] never reached: {sorted(missed)}"
