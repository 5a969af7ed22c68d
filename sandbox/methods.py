"""The Bot API methods the sandbox implements, with Telegram's validation and error texts."""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from .errors import ApiError, bad_request
from .formatting import render
from .params import Params, UploadedFile
from .state import DELETE_WINDOW, JSON, Chat, SandboxState, StoredFile, StoredMessage

Method = Callable[[SandboxState, Params], Awaitable[Any]]

METHODS: dict[str, Method] = {}
SENDING = frozenset({"sendMessage", "sendDocument", "sendPhoto"})  # counted by flood limits

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes of UTF-8

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_BLOCKED = "Forbidden: bot was blocked by the user"
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # setWebhook's secret_token
_OTHER_BUTTON_ACTIONS = frozenset(
    {
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "callback_game",
        "pay",
        "web_app",
        "copy_text",
    }
)


def method(name: str) -> Callable[[Method], Method]:
    def register(handler: Method) -> Method:
        METHODS[name] = handler
        return handler

    return register


# --- shared checks ---------------------------------------------------------------------------


def _chat(state: SandboxState, p: Params, *, sending: bool) -> Chat:
    chat_id = p.chat_id()
    if isinstance(chat_id, int):
        chat = state.chats.get(chat_id)
    else:
        username = chat_id.removeprefix("@")
        chat = next((c for c in state.chats.values() if c.info.get("username") == username), None)
    if chat is None:
        raise bad_request("chat not found")
    if sending and chat.blocked:
        raise ApiError(403, _BLOCKED)
    return chat


def _existing_message(chat: Chat, p: Params, not_found: str) -> StoredMessage:
    message = chat.messages.get(p.message_id())
    if message is None or message.deleted:
        raise bad_request(not_found)
    return message


def _rendered(p: Params, field: str, limit: int, *, caption: bool) -> tuple[str, list[JSON]]:
    entities_field = "caption_entities" if caption else "entities"
    entities = p.json(entities_field, f"can't parse {entities_field} JSON object")
    text, found = render(p.text(field) or "", p.text("parse_mode"), entities)
    if not caption and not text:
        raise bad_request("message text is empty")
    if len(text) > limit:
        raise bad_request("message caption is too long" if caption else "message is too long")
    return text, found


def _reply_markup(p: Params) -> JSON | None:
    markup = p.json("reply_markup", "can't parse reply keyboard markup JSON object")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup  # a reply keyboard, keyboard removal or force-reply
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse inline keyboard button: Field "inline_keyboard" must be of type Array')
    for row in rows:
        for button in row:
            _check_inline_button(button)
    return markup


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    elif "url" in button:
        url = button["url"]
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https", "tg"):
            raise bad_request("BUTTON_URL_INVALID")
    elif not _OTHER_BUTTON_ACTIONS.intersection(button):
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")


def _inline(markup: JSON | None) -> JSON | None:
    """The part of a markup that stays attached to a message: only inline keyboards."""
    return markup if markup and markup.get("inline_keyboard") else None


def _uploaded(state: SandboxState, p: Params, field: str) -> StoredFile:
    value = p.file(field)
    if value is None or value == "":
        raise bad_request(f"there is no {field} in the request")
    if isinstance(value, UploadedFile):
        if not value.data:
            raise bad_request("file must be non-empty")
        mime = value.content_type or mimetypes.guess_type(value.filename)[0] or "application/octet-stream"
        return state.store_file(value.filename or field, mime, value.data)
    if value in state.files:
        return state.files[value]
    if urlsplit(value).scheme in ("http", "https"):
        # Offline, nothing is downloaded: the file is recorded with its name and no content.
        name = urlsplit(value).path.rsplit("/", 1)[-1] or field
        return state.store_file(name, mimetypes.guess_type(name)[0] or "application/octet-stream", b"")
    raise bad_request("wrong file identifier/HTTP URL specified")


def _send(
    state: SandboxState,
    chat: Chat,
    p: Params,
    text: str,
    entities: list[JSON],
    markup: JSON | None,
    **media: StoredFile,
) -> JSON:
    message = state.add_message(
        chat,
        state.bot_user,
        text=text,
        entities=entities,
        source_text=p.text("caption" if media else "text"),
        parse_mode=p.text("parse_mode"),
        reply_markup=markup,
        protect_content=p.flag("protect_content"),
        **media,
    )
    return message.to_json()


def _mark_edited(state: SandboxState, message: StoredMessage) -> None:
    message.edit_count += 1
    message.edit_date = int(state.now())


# --- updates and webhook -----------------------------------------------------------------------


@method("getMe")
async def get_me(state: SandboxState, p: Params) -> JSON:
    return state.bot_user


@method("getUpdates")
async def get_updates(state: SandboxState, p: Params) -> list[JSON]:
    if state.webhook_url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    limit = min(max(p.integer("limit") or 100, 1), 100)
    timeout = max(p.number("timeout") or 0.0, 0.0)
    allowed = p.json("allowed_updates", "can't parse allowed updates JSON object")
    return await state.updates.fetch(p.integer("offset"), limit, timeout, allowed)


@method("setWebhook")
async def set_webhook(state: SandboxState, p: Params) -> bool:
    url = p.text("url") or ""
    if url and urlsplit(url).scheme != "https":
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.text("secret_token") or ""
    if secret and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    allowed = p.json("allowed_updates", "can't parse allowed updates JSON object")
    if allowed is not None:
        state.updates.allowed = frozenset(allowed) or None
    if p.flag("drop_pending_updates"):
        state.updates.drop_pending()
    state.webhook_url = url  # recorded only: the sandbox never posts to webhooks
    state.webhook_secret = secret if url else ""
    return True


@method("deleteWebhook")
async def delete_webhook(state: SandboxState, p: Params) -> bool:
    if p.flag("drop_pending_updates"):
        state.updates.drop_pending()
    state.webhook_url = ""
    state.webhook_secret = ""
    return True


@method("getWebhookInfo")
async def get_webhook_info(state: SandboxState, p: Params) -> JSON:
    info: JSON = {
        "url": state.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": state.updates.pending_count,
    }
    if state.updates.allowed is not None:
        info["allowed_updates"] = sorted(state.updates.allowed)
    return info


@method("close")
async def close(state: SandboxState, p: Params) -> bool:
    return True


@method("logOut")
async def log_out(state: SandboxState, p: Params) -> bool:
    return True


# --- messages -----------------------------------------------------------------------------------


@method("sendMessage")
async def send_message(state: SandboxState, p: Params) -> JSON:
    text, entities = _rendered(p, "text", MAX_TEXT, caption=False)
    markup = _reply_markup(p)
    chat = _chat(state, p, sending=True)
    return _send(state, chat, p, text, entities, markup)


@method("sendDocument")
async def send_document(state: SandboxState, p: Params) -> JSON:
    caption, entities = _rendered(p, "caption", MAX_CAPTION, caption=True)
    markup = _reply_markup(p)
    chat = _chat(state, p, sending=True)
    return _send(state, chat, p, caption, entities, markup, document=_uploaded(state, p, "document"))


@method("sendPhoto")
async def send_photo(state: SandboxState, p: Params) -> JSON:
    caption, entities = _rendered(p, "caption", MAX_CAPTION, caption=True)
    markup = _reply_markup(p)
    chat = _chat(state, p, sending=True)
    return _send(state, chat, p, caption, entities, markup, photo=_uploaded(state, p, "photo"))


@method("sendChatAction")
async def send_chat_action(state: SandboxState, p: Params) -> bool:
    _chat(state, p, sending=True)
    return True


@method("editMessageText")
async def edit_message_text(state: SandboxState, p: Params) -> JSON:
    text, entities = _rendered(p, "text", MAX_TEXT, caption=False)
    markup = _inline(_reply_markup(p))
    chat = _chat(state, p, sending=True)
    message = _existing_message(chat, p, "message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    if message.has_media:
        raise bad_request("there is no text in the message to edit")
    if (text, entities, markup) == (message.text, message.entities, _inline(message.reply_markup)):
        raise bad_request(_NOT_MODIFIED)
    message.text, message.entities, message.reply_markup = text, entities, markup
    message.source_text, message.parse_mode = p.text("text"), p.text("parse_mode")
    _mark_edited(state, message)
    return message.to_json()


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(state: SandboxState, p: Params) -> JSON:
    markup = _inline(_reply_markup(p))
    chat = _chat(state, p, sending=True)
    message = _existing_message(chat, p, "message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    if markup == _inline(message.reply_markup):
        raise bad_request(_NOT_MODIFIED)
    message.reply_markup = markup
    _mark_edited(state, message)
    return message.to_json()


@method("deleteMessage")
async def delete_message(state: SandboxState, p: Params) -> bool:
    chat = _chat(state, p, sending=False)
    message = _existing_message(chat, p, "message to delete not found")
    if state.now() - message.date > DELETE_WINDOW:
        raise bad_request("message can't be deleted")
    message.deleted = True
    return True


@method("answerCallbackQuery")
async def answer_callback_query(state: SandboxState, p: Params) -> bool:
    press = state.presses.get(p.text("callback_query_id") or "")
    if press is None or press.answered or state.now() - press.pressed_at > state.callback_query_timeout:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    press.answered = True
    press.answer_text = p.text("text")
    press.show_alert = p.flag("show_alert")
    press.url = p.text("url")
    return True


# --- bot profile --------------------------------------------------------------------------------


def _commands_key(p: Params) -> tuple[str, str]:
    scope = p.json("scope", "can't parse BotCommandScope JSON object") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.text("language_code") or ""


@method("setMyCommands")
async def set_my_commands(state: SandboxState, p: Params) -> bool:
    commands = p.json("commands", "can't parse commands JSON object")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    state.commands[_commands_key(p)] = commands
    return True


@method("getMyCommands")
async def get_my_commands(state: SandboxState, p: Params) -> list[JSON]:
    return state.commands.get(_commands_key(p), [])


@method("deleteMyCommands")
async def delete_my_commands(state: SandboxState, p: Params) -> bool:
    state.commands.pop(_commands_key(p), None)
    return True


def _set_text(store: dict[str, str], p: Params, field: str, limit: int) -> bool:
    """Keep a profile text per language ("" is the default, for users of other languages)."""
    language = p.text("language_code") or ""
    text = p.text(field) or ""
    if len(text) > limit:  # Telegram: 0-512 characters for the description, 0-120 for the short one
        raise bad_request(f"{field.upper()}_INVALID")
    if text:
        store[language] = text
    else:
        store.pop(language, None)  # an empty text removes it, like Telegram
    return True


@method("setMyDescription")
async def set_my_description(state: SandboxState, p: Params) -> bool:
    return _set_text(state.descriptions, p, "description", 512)


@method("getMyDescription")
async def get_my_description(state: SandboxState, p: Params) -> JSON:
    return {"description": state.descriptions.get(p.text("language_code") or "", "")}


@method("setMyShortDescription")
async def set_my_short_description(state: SandboxState, p: Params) -> bool:
    return _set_text(state.short_descriptions, p, "short_description", 120)


@method("getMyShortDescription")
async def get_my_short_description(state: SandboxState, p: Params) -> JSON:
    return {"short_description": state.short_descriptions.get(p.text("language_code") or "", "")}
