"""Builds the python-telegram-bot Application: handlers in explicit order, services in bot_data.

Handler order matters (the first match in a group wins):
  (group -2) every private message's number is remembered, so Exit can clear the chat
  0. (group -1) words about suicide or self-harm, in any text: helplines first, nothing else
  1. private-chat commands we know        /start /menu /help /language /privacy /exit /forget /withdraw
                                          /subscribe /unsubscribe; organizers', researchers'
                                          and reviewers' (handlers/roles.py)
  2. button presses                       by the prefix of their data (button_routes: Exit, the
                                          report's, the other forms', Updates, organizers', researchers',
                                          reviewers'),
                                          then every other one (the guide's menus and pages)
  3. private-chat leftovers               unknown commands, then text (an answer to an open form,
                                          or unexpected), then anything else
  4. group chats                          commands get a "talk to me privately" note
  5. my_chat_member                       the worker blocked the bot: their updates stop, and
                                          the chat's memory goes (handlers/memory.py)
Apart from the crisis check, edited messages and channel posts match nothing: they are not new requests.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot.broadcasts.delivery import Deliverer
from bot.config import Config
from bot.guide.navigation import Navigator
from bot.guide.preferences import Preferences
from bot.privacy.chat_cipher import ChatCipher
from bot.privacy.disclosure import REPORTS_PER_MONTH
from bot.privacy.pseudonyms import Pseudonyms
from bot.releases.periods import current_month
from bot.releases.publish import Publisher
from bot.reports.monthly_limit import MonthlyLimit
from bot.reviews.queue import ReviewQueue
from bot.sending.budget import SendBudget
from bot.store import Store
from bot.tools import fairpay, letter
from bot.ui import callbacks
from bot.updates.subscriptions import Subscriptions
from handlers import (
    broadcasts,
    crisis,
    errors,
    exports,
    fallback,
    guide,
    reports,
    retention,
    reviews,
    roles,
    safety,
    stats,
    texts,
    tools,
    trail,
    updates,
)
from handlers.broadcast_progress import ProgressBoard
from handlers.delivery import telegram_send
from handlers.http_client import AiohttpRequest
from handlers.memory import HakiApplication, Sweeper, forget_chat
from handlers.per_chat import PerChatUpdateProcessor
from handlers.rate_limiter import BUDGETED, SendLimiter
from handlers.services import SERVICES, Services

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
COMMANDS = {
    "start": guide.start,
    "menu": guide.menu,
    "help": guide.help_page,
    "language": guide.language,
    "privacy": safety.privacy,
    "exit": safety.exit_chat,
    "forget": safety.forget,
    "withdraw": reports.withdraw,
    "subscribe": updates.subscribe,
    "unsubscribe": updates.unsubscribe,
}
# Commands only some people may use (handlers/roles.py refuses everyone else); not in the menu.
ORGANIZER_COMMANDS: dict = {
    "broadcast": broadcasts.compose,
    "broadcasts": broadcasts.recent,
    "invite": updates.invite,
    "invites": updates.invites,
    "stats": stats.stats,
    "texts": texts.start,
}
RESEARCHER_COMMANDS: dict = {"export": exports.start}
REVIEWER_COMMANDS: dict = {"review": reviews.review}
# Closed months are released at start-up, on the first /stats or /export after their day, and
# at the latest within this long of it, so their reports never stay longer than that.
RELEASE_CHECK_SECONDS = 3600
MENU_COMMANDS = ("menu", "language", "help", "privacy", "exit", "forget")  # shown in Telegram's command menu


def button_routes() -> dict:
    """Each feature's callback prefix (bot/ui/callbacks.py) -> the handler of its buttons."""
    return {
        callbacks.EXIT: safety.exit_chat,
        callbacks.REPORT: reports.button,
        callbacks.FAIRPAY: tools.button_handler(fairpay),
        callbacks.LETTER: tools.button_handler(letter),
        callbacks.UPDATES: updates.button,
        callbacks.BROADCAST: roles.organizer(broadcasts.button),
        callbacks.PROGRESS: roles.organizer(broadcasts.control),
        callbacks.INVITES: roles.organizer(updates.invite_button),
        callbacks.EXPORT: roles.researcher(exports.button),
        callbacks.REVIEW: roles.reviewer(reviews.button),
        callbacks.TEXTS: roles.organizer(texts.button),
    }


def build_application(config: Config, navigator: Navigator) -> Application:
    processor = PerChatUpdateProcessor()
    # One send budget for every message, replies and broadcasts (the Deliverer takes it from here).
    limiter = SendLimiter(SendBudget(config.send_rate, config.chat_send_rate), moved_on=processor.waiting)
    app = (
        ApplicationBuilder()
        .application_class(HakiApplication)  # keeps no chat ids for a persistence it has not got
        .token(config.token)
        .base_url(config.api_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(processor)
        .rate_limiter(limiter)
        # PTB's pool size; a burst waits for a free connection rather than failing after 1 s.
        .request(AiohttpRequest(connection_pool_size=256, pool_timeout=30))
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .post_init(start_services)
        .post_stop(stop_services)  # before shutdown: sends in flight still have a connection
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
    for name, callback in REVIEWER_COMMANDS.items():
        app.add_handler(CommandHandler(name, roles.reviewer(callback), filters=PRIVATE))
    for prefix, callback in button_routes().items():
        app.add_handler(CallbackQueryHandler(callback, pattern=f"^{prefix}(:|$)"))
    app.add_handler(CallbackQueryHandler(guide.button))  # the guide's prefixes, and anything unknown
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, fallback.unknown_command))
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT, fallback.text))
    app.add_handler(MessageHandler(PRIVATE, fallback.not_text))
    app.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & filters.COMMAND, fallback.group_command)
    )
    app.add_handler(ChatMemberHandler(updates.member_changed, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(errors.on_error)
    return app


async def start_services(app: Application) -> None:
    """post_init: open the database, start delivering broadcasts (resuming any a stop or crash
    interrupted) and sweeping the chats' memory, schedule the retention sweep (it runs once the
    Application starts), and tell Telegram our commands in every language."""
    config: Config = app.bot_data["config"]
    navigator: Navigator = app.bot_data["navigator"]
    store = await Store.open(config.database_path)
    pseudonyms = Pseudonyms(config.secret_key)
    cipher = ChatCipher(config.secret_key)
    subscriptions = Subscriptions(store.subscriptions, pseudonyms, cipher, navigator.content)
    progress = ProgressBoard(app.bot, store.broadcasts, config.broadcast_rate)

    async def send(chat_id: int, text: str, **options: object) -> None:
        # Protected like the report: the message cannot be forwarded or saved from the chat; and
        # remembered, so that Exit clears it from the phone with the rest.
        try:
            message = await app.bot.send_message(
                chat_id, text, protect_content=True, rate_limit_args=BUDGETED, **options
            )
        except Forbidden:
            forget_chat(app, chat_id, chat_id)  # blocked: nothing of the chat stays in memory either
            raise
        trail.remember_in(app.chat_data[chat_id], message.message_id)

    deliverer = Deliverer(
        store.broadcasts,
        telegram_send(send),
        cipher,
        config.broadcast_rate,
        on_blocked=subscriptions.remove,
        on_finished=progress.finished,
        paid=config.paid_broadcasts,
        budget=app.bot.rate_limiter.budget,
    )
    services = Services(
        config,
        navigator,
        store,
        Preferences(store.preferences, pseudonyms),
        pseudonyms,
        MonthlyLimit(REPORTS_PER_MONTH, current_month),
        subscriptions,
        deliverer,
        progress,
        Publisher(store.reports, store.releases, navigator.content),
        Sweeper(app),
        ReviewQueue(store.texts),
    )
    app.bot_data[SERVICES] = services
    # The profile before anything runs in the background: a broadcast must not start while
    # post_init still waits on Telegram (a SIGTERM then left the bot hanging, test_broadcast_crash).
    await set_profile(app.bot, navigator)
    # Months that closed while the bot was down are released now, and their reports deleted.
    await services.publisher.releases()
    services.release_task = asyncio.create_task(release_when_due(services.publisher, services.stop_delivery))
    services.delivery_task = asyncio.create_task(_deliver(deliverer, services.stop_delivery))
    services.sweep_task = asyncio.create_task(services.sweeper.run(services.stop_delivery))
    retention.schedule(app)


async def set_profile(bot: Bot, navigator: Navigator) -> None:
    """The command menu, description and short description in every language the bot offers
    (a new content/<code>/ gets them without code), the reference language also being the
    default for languages we do not have. A description is set only when it changed: Telegram
    limits how often it may be set. Failing to set one does not stop the bot: the old one stays."""
    for code in navigator.languages:  # those offered: a partial language waits until it is
        pack = navigator.content.languages[code]
        language = None if code == navigator.languages[0] else code
        commands = [BotCommand(name, pack.ui[f"command_{name}"]) for name in MENU_COMMANDS]
        await bot.set_my_commands(commands, language_code=language)
        try:
            description, short = pack.ui["bot_description"], pack.ui["bot_short_description"]
            if (await bot.get_my_description(language_code=language)).description != description:
                await bot.set_my_description(description, language_code=language)
            if (await bot.get_my_short_description(language_code=language)).short_description != short:
                await bot.set_my_short_description(short, language_code=language)
        except TelegramError as e:
            log.warning("Could not set the bot's description in %s (%s); the one set before stays", code, e.message)


async def release_when_due(publisher: Publisher, stop: asyncio.Event, every: float = RELEASE_CHECK_SECONDS) -> None:
    """Release each month on its day even when nobody asks, so that its reports are deleted then."""
    while True:
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
            return
        except TimeoutError:
            pass
        try:
            await publisher.releases()
        except Exception:  # a full disk, a bug: the next hour tries again; nothing was published
            log.exception("Releasing closed months failed; trying again in an hour")


async def _deliver(deliverer: Deliverer, stop: asyncio.Event) -> None:
    try:
        await deliverer.run(stop)
    except Exception:  # a bug or a revoked token: updates still work, broadcasts wait for a restart
        log.exception("Broadcast delivery stopped; unsent messages stay queued for the next start")


async def stop_services(app: Application) -> None:
    """post_stop: let sends in flight finish and be recorded, then close the database."""
    services: Services | None = app.bot_data.get(SERVICES)
    if services is None:
        return
    services.stop_delivery.set()
    if services.delivery_task is not None:
        await services.delivery_task
    if services.sweep_task is not None:
        await services.sweep_task
    if services.release_task is not None:
        await services.release_task
    await services.progress.close()
    await services.store.close()
