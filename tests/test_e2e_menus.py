"""The real bot, end to end over HTTP through the sandbox: what a worker sees and taps."""

import logging

import pytest

from app.offline import OfflineBot
from tests.conftest import Chatter


def ui(bot, code: str, key: str) -> str:
    return bot.navigator.content.languages[code].ui[key]


async def test_start_welcomes_with_a_safety_notice_and_the_menu(haki):
    ann = Chatter(haki, 101)
    welcome = await ann.say("/start")
    assert welcome.text.startswith("Hello 👋")
    assert "Telegram itself can see this chat" in welcome.text
    assert ann.labels(welcome)[:3] == ["Español", "Français", "Kiswahili"]  # one tap to switch
    assert "🔒 Privacy & safety" in ann.labels(welcome) and "❓ Help" in ann.labels(welcome)
    assert {"💰 Pay rights", "💚 Mental health & trauma", "📝 File a grievance"} <= set(ann.labels(welcome))
    assert {"📋 Share your work conditions", "📬 Updates"} <= set(ann.labels(welcome))


async def test_first_contact_uses_the_telegram_app_language(haki):
    amina = Chatter(haki, 102, language_code="sw")
    welcome = await amina.say("/start")
    assert welcome.text.startswith(ui(haki, "sw", "welcome")[:10])
    assert ann_labels_are_swahili(amina.labels(welcome))


def ann_labels_are_swahili(labels):
    return labels[:3] == ["English", "Español", "Français"] and any("Msaada" in label for label in labels)


@pytest.mark.parametrize("language_code", ["es", "es-VE", "es-419"])
async def test_a_spanish_telegram_app_gets_the_spanish_menu_with_no_tap(haki, language_code):
    """Telegram sends the app's IETF tag (a phone in Venezuela: "es-VE"; Latin America: "es-419")."""
    es = haki.navigator.content.languages["es"]
    maria = Chatter(haki, 110 + len(language_code), language_code=language_code)
    welcome = await maria.say("/start")
    assert welcome.text.startswith(es.ui["welcome"][:20])
    assert es.ui["safety_notice"][:20] in welcome.text and welcome.text.endswith(es.ui["menu_prompt"])
    labels = maria.labels(welcome)
    assert labels[:3] == ["English", "Français", "Kiswahili"]  # Spanish is on, the others one tap away
    assert {es.ui["button_report"], es.ui["button_updates"], es.pages["pay"].button} <= set(labels)
    page = await maria.press(es.pages["help"].button, welcome)
    assert page.text.startswith(es.pages["help"].title)
    assert len(maria.user.bot_messages) == 1  # no language question, no tap on a language


async def test_navigation_edits_one_message_with_back_and_home(haki):
    ann = Chatter(haki, 103)
    menu = await ann.say("/start")
    page = await ann.press("🔒 Privacy & safety", menu)
    assert page.message_id == menu.message_id and page.edit_count == 1
    assert page.text.startswith("Privacy & safety")
    sub = await ann.press("What Haki keeps", page)
    assert "never saved" in sub.text
    sub = await ann.press("Next ▶", sub)  # the page is two screens; its sources close the last one
    # The source is its site's name, linked to the page, and the date it was checked; no raw URL.
    assert sub.text.endswith("\n\nSources\n• telegram.org (checked on Nov 29, 2026)")
    link = next(e for e in sub.entities if e["type"] == "text_link")  # the last line's link
    assert link["url"] == "https://telegram.org/privacy"
    assert sub.text[link["offset"] : link["offset"] + link["length"]] == "telegram.org"
    first = await ann.press("◀ Back", sub)
    assert "never saved" in first.text
    back = await ann.press("◀ Back", first)
    assert back.text.startswith("Privacy & safety")
    home = await ann.press("🏠 Menu", back)
    assert home.text.startswith("Menu")
    assert len(ann.user.bot_messages) == 1  # everything happened in one message
    assert len(haki.sandbox.calls("answerCallbackQuery")) == 6  # no spinner left turning


async def test_language_switch_is_remembered_across_restarts(navigator, tmp_path):
    secret = b"k" * 32
    async with OfflineBot(navigator, data_dir=tmp_path, secret_key=secret) as bot:
        ann = Chatter(bot, 104, language_code="en")
        welcome = await ann.say("/start")
        menu = await ann.press("Kiswahili", welcome)
        assert "Menyu" in menu.text
        assert any(
            e.method == "answerCallbackQuery" and "Kiswahili" in str(e.params.get("text")) for e in bot.sandbox.events
        )
    async with OfflineBot(navigator, data_dir=tmp_path, secret_key=secret) as bot:
        ann = Chatter(bot, 104, language_code="en")  # the app is still in English
        menu = await ann.say("/menu")
        assert "Menyu" in menu.text


async def test_language_command_works_anywhere(haki):
    ann = Chatter(haki, 105)
    await ann.say("/start")
    await ann.press("❓ Help")
    picker = await ann.say("/language")
    assert picker.text.startswith("Choose your language")
    chosen = await ann.press("Français", picker)
    assert chosen.text.startswith("Menu") and "Choisissez" in chosen.text


async def test_country_is_asked_and_remembered(haki):
    ann = Chatter(haki, 106)
    menu = await ann.say("/start")
    picker = await ann.press("📍 Choose your country", menu)
    assert picker.text.startswith("Which country")
    assert {
        "Kenya",
        "Uganda",
        "Tanzania",
        "Madagascar",
        "Morocco",
        "Philippines",
        "India",
        "Venezuela",
        "Another country",
    } <= set(ann.labels(picker))
    after = await ann.press("Madagascar", picker)
    assert "📍 Country: Madagascar" in ann.labels(after)
    assert "📍 Country: Madagascar" in ann.labels(await ann.say("/menu"))


async def test_help_and_menu_commands_send_fresh_messages(haki):
    ann = Chatter(haki, 107)
    help_page = await ann.say("/help")
    assert help_page.text.startswith("Help") and "/language" in help_page.text
    assert (await ann.say("/menu")).text.startswith("Menu")
    assert len(ann.user.bot_messages) == 2


async def test_unexpected_text_gets_a_kind_answer_and_the_menu(haki):
    ann = Chatter(haki, 108)
    for text in ("hello?", "ж" * 4096, "🙂", "/start@other_bot extra", "   "):
        reply = await ann.say(text)
        assert reply.button_list, f"no menu after {text[:20]!r}"
    reply = await ann.say("how do I get paid")
    assert reply.text.startswith("I work with buttons") and "did not save" in reply.text
    reply = await ann.say("/pay")
    assert reply.text.startswith("I don't know the command /pay")


async def test_unexpected_text_is_answered_in_the_users_language(haki):
    amina = Chatter(haki, 109, language_code="fr")
    reply = await amina.say("bonjour")
    assert reply.text.startswith(ui(haki, "fr", "unknown_text")[:15])


async def test_stale_and_foreign_buttons_explain_themselves(haki):
    ann = Chatter(haki, 110)
    menu = await ann.say("/start")
    for data in ("p:page_removed_long_ago", "totally-made-up", "l:xx", "p:help:77"):
        shown = await ann.press_data(data, menu)
        assert shown.button_list
    assert "older menu" in (await ann.press_data("p:gone", menu)).text
    # stale, (same notice twice: not re-sent), help (screen 77 clamps to the last), stale again
    assert len(haki.sandbox.calls("editMessageText")) == 3


async def test_an_old_message_button_still_works(haki):
    ann = Chatter(haki, 111)
    old = await ann.say("/start")
    await ann.say("/menu")
    await ann.say("/help")
    again = await ann.press("🔒 Privacy & safety", old)
    assert again.message_id == old.message_id and again.text.startswith("Privacy & safety")


async def test_a_deleted_menu_message_gets_a_new_one(haki):
    ann = Chatter(haki, 112)
    menu = await ann.say("/start")
    haki.sandbox.fail_next("editMessageText", 400, "Bad Request: message to edit not found")
    await ann.press("❓ Help", menu)
    assert ann.last.message_id != menu.message_id and ann.last.text.startswith("Help")
    haki.expected_errors.add("Bad Request: message to edit not found")


async def test_media_and_group_messages(haki):
    ann = Chatter(haki, 113)
    chat = {"id": 113, "type": "private", "first_name": "Tester"}
    sender = {"id": 113, "is_bot": False, "first_name": "Tester", "language_code": "en"}
    update_id = haki.sandbox.push_update(
        {
            "message": {
                "message_id": 9001,
                "date": 0,
                "chat": chat,
                "from": sender,
                "photo": [{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}],
            }
        }
    )
    await haki.settle(update_id)
    assert ann.last.text.startswith("I can only read text and buttons")

    group = {"id": -500, "type": "group", "title": "Team"}
    update_id = haki.sandbox.push_update(
        {
            "message": {
                "message_id": 9002,
                "date": 0,
                "chat": group,
                "from": sender,
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )
    await haki.settle(update_id)
    group_reply = [e for e in haki.sandbox.calls("sendMessage") if e.chat_id == -500]
    assert "private chat" in group_reply[-1].params["text"]


async def test_commands_are_registered_in_every_language(haki):
    assert [c["command"] for c in haki.sandbox.commands()] == ["menu", "language", "help", "privacy", "exit", "forget"]
    assert haki.sandbox.commands(language_code="sw")[0]["description"] == ui(haki, "sw", "command_menu")
    assert haki.sandbox.commands(language_code="es")[0]["description"] == ui(haki, "es", "command_menu")


async def test_logs_never_hold_the_token_or_the_user(navigator, tmp_path):
    import io

    from app import logs

    stream = io.StringIO()
    logs.setup(logging.DEBUG, stream=stream)
    try:
        async with OfflineBot(navigator, data_dir=tmp_path) as bot:
            canary = Chatter(bot, 7987654321, language_code="fr")
            canary.user.info["username"] = "canary_user_zq"
            canary.user.info["first_name"] = "Zyxwvuq"
            await canary.say("/start")
            await canary.press("Kiswahili")
            await canary.say("my number is +254712999888")
            logging.getLogger("bot").debug("a debug line from the bot")  # the stream really captures
            token = bot.app.bot.token
    finally:
        logs.setup(logging.WARNING)
    text = stream.getvalue()
    assert "a debug line from the bot" in text
    for secret in (token, token.split(":")[1], "7987654321", "canary_user_zq", "254712999888", "Zyxwvuq"):
        assert secret not in text
