"""Press every reachable button in every language, through the real bot and the sandbox.

Fails on an untranslated screen, one over 1,000 visible characters, a leftover {placeholder},
an empty answer, a button the bot itself calls stale, a Bot API error (checked by the `haki`
fixture) or a handler exception.
"""

import logging
import re

import pytest

from bot.content.schema import MAX_SCREEN_CHARS
from bot.ui import callbacks
from tests.conftest import Chatter

LEFTOVER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
LANGUAGES = ["en", "es", "fr", "sw", "ar"]  # every offered language: Arabic is partial (fallback French)
screens_by_language: dict[str, dict[str, str]] = {}


def test_the_crawl_covers_every_offered_language(navigator):
    assert sorted(LANGUAGES) == sorted(navigator.languages)


@pytest.mark.parametrize("code", LANGUAGES)
async def test_every_button_in_every_language(haki, code, caplog):
    caplog.set_level(logging.ERROR)
    ui = haki.navigator.content.languages[code].ui
    user = Chatter(haki, 500 + LANGUAGES.index(code), language_code=code)
    home = await user.say("/start")
    assert home.text.startswith(ui["welcome"][:12])

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
        assert len(haki.sandbox.calls("answerCallbackQuery")) == answers_before + 1, f"{where}: press not answered"
        seen[data] = text
        if data.startswith("l:") and data != f"l:{code}":
            await user.press_data(f"l:{code}", home)  # the crawl stays in its language
            continue
        queue.extend(b.callback_data for b in shown.button_list if b.callback_data not in seen)

    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "a handler raised"
    opened = {callbacks.parse(d).page for d in seen if callbacks.parse(d).kind == "page"}
    opened |= {callbacks.parse(d).page for d in seen if callbacks.parse(d).kind in ("set_country", "set_platform")}
    missed = set(haki.navigator.content.pages) - opened
    assert not missed, f"[{code}] never reached: {sorted(missed)}"
    screens_by_language[code] = seen


def test_no_screen_is_left_in_english():
    if set(screens_by_language) != set(LANGUAGES):
        pytest.skip("needs every crawl above (run the whole file)")
    english = screens_by_language["en"]
    for code in LANGUAGES[1:]:
        for data, text in screens_by_language[code].items():
            if data in english and not data.startswith("l:"):
                assert text != english[data], f"[{code}] {data!r} shows the English screen"
