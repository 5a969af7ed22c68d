"""Builds the python-telegram-bot Application: handlers in explicit order, services in bot_data.

Handler order matters (the first match in a group wins):
  (group -2) every private message's number is remembered, so Exit can clear the chat
  0. (group -1) words about suicide or self-harm, in any text: helplines first, nothing else
  1. private-chat commands we know        /start /menu /help /language /privacy /exit /forget /withdraw
  2. button presses                       Exit, the report's buttons (rp:...), the other forms',
                                          then every other one
  3. private-chat leftovers               unknown commands, then text (an answer to an open form,
                                          or unexpected), then anything else
  4. group chats                          commands get a "talk to me privately" note
Apart from the crisis check, edited messages and channel posts match nothing: they are not new requests.
"""

from __future__ import annotations

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot import fairpay, letter, survey
from bot.config import Config
from bot.navigation import Navigator
from bot.preferences import Preferences
from bot.pseudonyms import Pseudonyms
from bot.ratelimit import DailyLimit
from bot.storage import Storage
from handlers import crisis, errors, fallback, forms, menus, report, roles, safety, trail
from handlers.http_client import AiohttpRequest
from handlers.per_chat import PerChatUpdateProcessor
from handlers.services import SERVICES, Services

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
REPORTS_PER_DAY = 3
COMMANDS = {
    "start": menus.start,
    "menu": menus.menu,
    "help": menus.help_page,
    "language": menus.language,
    "privacy": safety.privacy,
    "exit": safety.exit_chat,
    "forget": safety.forget,
    "withdraw": safety.withdraw,
}
# Commands only some people may use (handlers/roles.py refuses everyone else); not in the menu.
ORGANIZER_COMMANDS: dict = {}
RESEARCHER_COMMANDS: dict = {}
MENU_COMMANDS = ("menu", "language", "help", "privacy", "exit", "forget")  # shown in Telegram's command menu


def build_application(config: Config, navigator: Navigator) -> Application:
    app = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.api_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(PerChatUpdateProcessor())
        # PTB's pool size; a burst waits for a free connection rather than failing after 1 s.
        .request(AiohttpRequest(connection_pool_size=256, pool_timeout=30))
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .post_init(start_services)
        .post_shutdown(stop_services)
        .build()
    )
    app.bot_data["config"] = config
    app.bot_data["navigator"] = navigator

    # Group -2: remember every incoming message's number, so Exit can clear the chat.
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE, trail.remember_incoming), group=-2)
    # Group -1: a message about suicide or self-harm is answered before anything else.
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & (filters.TEXT | filters.CAPTION), crisis.check), group=-1)
    for name, callback in COMMANDS.items():
        app.add_handler(CommandHandler(name, callback, filters=PRIVATE))
    for name, callback in ORGANIZER_COMMANDS.items():
        app.add_handler(CommandHandler(name, roles.organizer(callback), filters=PRIVATE))
    for name, callback in RESEARCHER_COMMANDS.items():
        app.add_handler(CommandHandler(name, roles.researcher(callback), filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(safety.exit_chat, pattern=f"^{survey.EXIT}$"))
    app.add_handler(CallbackQueryHandler(report.button, pattern=f"^{survey.PREFIX}:"))
    for form in (fairpay, letter):
        app.add_handler(CallbackQueryHandler(forms.button_handler(form), pattern=f"^{form.PREFIX}:"))
    app.add_handler(CallbackQueryHandler(menus.button))
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, fallback.unknown_command))
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT, fallback.text))
    app.add_handler(MessageHandler(PRIVATE, fallback.not_text))
    app.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & filters.COMMAND, fallback.group_command)
    )
    app.add_error_handler(errors.on_error)
    return app


async def start_services(app: Application) -> None:
    """post_init: open the database and tell Telegram our commands in every language."""
    config: Config = app.bot_data["config"]
    navigator: Navigator = app.bot_data["navigator"]
    storage = await Storage.open(config.database_path)
    pseudonyms = Pseudonyms(config.secret_key)
    app.bot_data[SERVICES] = Services(
        config, navigator, storage, Preferences(storage, pseudonyms), pseudonyms, DailyLimit(REPORTS_PER_DAY)
    )
    for code, texts in navigator.content.languages.items():
        commands = [BotCommand(name, texts.ui[f"command_{name}"]) for name in MENU_COMMANDS]
        # The reference language is also the default for languages we do not have.
        await app.bot.set_my_commands(commands, language_code=None if code == navigator.languages[0] else code)


async def stop_services(app: Application) -> None:
    """post_shutdown: close the database."""
    if SERVICES in app.bot_data:
        await app.bot_data[SERVICES].storage.close()
