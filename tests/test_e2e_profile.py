"""The bot's profile (command menu, description, short description) in every language,
set by the real bot at start-up against the sandbox."""

import logging
import shutil

from app.offline import OfflineBot
from bot.guide.check import load_navigator
from handlers.application import MENU_COMMANDS, set_profile
from tests.conftest import Chatter

# Words that must not show in the chat list or on the profile of a shared phone.
SENSITIVE = (
    "complain", "grievance", "union", "report", "organiz", "organis", "strike", "employer", "rights",
    "syndica", "plainte", "réclamation", "grève", "employeur", "droits", "signaler", "dénonc",
    "malalamiko", "lalamika", "chama", "mgomo", "ripoti", "mwajiri", "waajiri", "haki",
    "queja", "denuncia", "reclam", "sindicato", "huelga", "empleador", "derechos",
)  # fmt: skip


def profile(sandbox, code: str | None) -> tuple[str, str, list[tuple[str, str]]]:
    key = code or ""
    commands = [(c["command"], c["description"]) for c in sandbox.commands(language_code=key)]
    return sandbox.description(key), sandbox.short_description(key), commands


def expected(navigator, code: str) -> tuple[str, str, list[tuple[str, str]]]:
    ui = navigator.content.languages[code].ui
    commands = [(name, ui[f"command_{name}"]) for name in MENU_COMMANDS]
    return ui["bot_description"], ui["bot_short_description"], commands


async def test_after_start_the_profile_is_set_in_every_language(haki):
    navigator, sandbox = haki.navigator, haki.sandbox
    assert navigator.languages[0] == "en" and {"fr", "sw"} <= set(navigator.languages)
    assert profile(sandbox, None) == expected(navigator, "en")  # English is the default
    for code in navigator.languages[1:]:
        assert profile(sandbox, code) == expected(navigator, code)
        # each in its own language, not English
        assert sandbox.description(code) != sandbox.description() and sandbox.short_description(code) != ""
    # exactly the languages of the content, no more
    assert set(sandbox.state.descriptions) == set(sandbox.state.short_descriptions) == {"", *navigator.languages[1:]}
    assert all(0 < len(sandbox.description(c)) <= 512 for c in sandbox.state.descriptions)
    assert all(0 < len(sandbox.short_description(c)) <= 120 for c in sandbox.state.short_descriptions)


async def test_descriptions_say_nothing_sensitive(haki):
    shown = [
        text
        for key in haki.sandbox.state.descriptions
        for text in (haki.sandbox.description(key), haki.sandbox.short_description(key))
    ]
    assert len(shown) == 2 * len(haki.navigator.languages)
    for text in shown:
        found = [word for word in SENSITIVE if word in text.lower()]
        assert not found, f"{found} in the bot's profile: {text!r}"


def test_the_sensitive_words_check_would_catch_them():
    assert [w for w in SENSITIVE if w in "Déposez une plainte contre votre employeur".lower()] == [
        "plainte",
        "employeur",
    ]
    assert [w for w in SENSITIVE if w in "Tuma malalamiko kwa chama".lower()] == ["malalamiko", "chama"]


async def test_a_new_language_gets_its_profile_without_code(content_copy, tmp_path):
    # A language is a folder of content: here Portuguese, as a copy of the English.
    shutil.copytree(content_copy / "en", content_copy / "pt")
    shutil.copy(content_copy / "crisis" / "en.yaml", content_copy / "crisis" / "pt.yaml")  # its crisis words
    ui_yaml = content_copy / "pt" / "ui.yaml"
    text = ui_yaml.read_text()
    for key in ("bot_description", "bot_short_description", "command_menu"):
        start = text.index(f"\n{key}: ") + len(f"\n{key}: ")
        text = text[:start] + '"Olá. ' + text[start + 1 :]
    ui_yaml.write_text(text)
    navigator = load_navigator(content_copy)
    assert "pt" in navigator.languages
    async with OfflineBot(navigator, data_dir=tmp_path / "data") as bot:
        assert profile(bot.sandbox, "pt") == expected(navigator, "pt")
        assert bot.sandbox.description("pt").startswith("Olá. ")
        assert bot.sandbox.commands(language_code="pt")[0]["description"].startswith("Olá. ")


async def test_an_unchanged_description_is_not_set_again(haki):
    before = len(haki.sandbox.calls("setMyDescription")) + len(haki.sandbox.calls("setMyShortDescription"))
    assert before == 2 * len(haki.navigator.languages)
    await set_profile(haki.app.bot, haki.navigator)  # as at the next start
    after = len(haki.sandbox.calls("setMyDescription")) + len(haki.sandbox.calls("setMyShortDescription"))
    assert after == before
    assert len(haki.sandbox.calls("setMyCommands")) == 2 * len(haki.navigator.languages)
    assert profile(haki.sandbox, "sw") == expected(haki.navigator, "sw")


async def test_a_refused_description_does_not_stop_the_bot(navigator, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    bot = OfflineBot(navigator, data_dir=tmp_path / "data")
    bot.sandbox.fail_next("setMyDescription", 429, retry_after=3600)
    async with bot:
        assert "Could not set the bot's description in en" in caplog.text
        assert bot.sandbox.description() == ""  # the old one (none here) stays
        for code in navigator.languages[1:]:  # the other languages still get theirs
            assert profile(bot.sandbox, code) == expected(navigator, code)
        reply = await Chatter(bot, 901).say("/start")
        assert reply.text
