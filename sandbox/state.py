"""The emulated Telegram world: chats, their messages, stored files, button presses, bot profile."""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from .updates import UpdateQueue

JSON = dict[str, Any]

DELETE_WINDOW = 48 * 3600  # bots may delete messages younger than 48 hours


@dataclass(slots=True, eq=False)
class StoredFile:
    """A file the bot uploaded; `data` keeps the bytes so tests can inspect them."""

    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    data: bytes

    def document_json(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }

    def photo_json(self) -> list[JSON]:
        # The sandbox does not decode images, so a single size with unknown dimensions.
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": 0,
                "height": 0,
                "file_size": len(self.data),
            }
        ]


@dataclass(slots=True, eq=False)
class Button:
    """One inline keyboard button as a user sees it."""

    text: str
    callback_data: str | None
    url: str | None


@dataclass(slots=True, eq=False)
class StoredMessage:
    chat: Chat
    message_id: int
    date: int
    sender: JSON
    text: str | None = None  # what the user sees: the text, or the caption of a document/photo
    entities: list[JSON] = field(default_factory=list)
    source_text: str | None = None  # as the bot sent it, before parse_mode was applied
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    protect_content: bool = False
    document: StoredFile | None = None
    photo: StoredFile | None = None
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False

    @property
    def from_bot(self) -> bool:
        return bool(self.sender.get("is_bot"))

    @property
    def has_media(self) -> bool:
        return self.document is not None or self.photo is not None

    @property
    def button_rows(self) -> list[list[Button]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[Button(b.get("text", ""), b.get("callback_data"), b.get("url")) for b in row] for row in rows]

    @property
    def button_list(self) -> list[Button]:
        """Inline buttons in reading order (row by row)."""
        return [button for row in self.button_rows for button in row]

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """Rows of (label, callback_data or url)."""
        return [[(b.text, b.callback_data or b.url or "") for b in row] for row in self.button_rows]

    def to_json(self) -> JSON:
        message: JSON = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat.info,
            "date": self.date,
        }
        text_key, entities_key = ("caption", "caption_entities") if self.has_media else ("text", "entities")
        if self.text:
            message[text_key] = self.text
        if self.entities:
            message[entities_key] = self.entities
        if self.document is not None:
            message["document"] = self.document.document_json()
        if self.photo is not None:
            message["photo"] = self.photo.photo_json()
        # Telegram echoes only inline keyboards; reply keyboards are not part of the Message.
        if self.reply_markup and self.reply_markup.get("inline_keyboard"):
            message["reply_markup"] = self.reply_markup
        if self.protect_content:
            message["has_protected_content"] = True
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        return message


@dataclass(slots=True, eq=False)
class Chat:
    id: int
    info: JSON  # the Chat object as Telegram sends it
    chat_instance: str = field(default_factory=lambda: str(uuid.uuid4().int >> 65))
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    last_message_id: int = 0
    blocked: bool = False  # the user blocked the bot

    @property
    def visible_messages(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if not m.deleted]


@dataclass(slots=True, eq=False)
class ButtonPress:
    """A callback query and, once the bot answered it, the answer."""

    query_id: str
    update_id: int
    chat_id: int
    message_id: int
    data: str
    pressed_at: float
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False
    url: str | None = None


class SandboxState:
    def __init__(self, token: str, bot_first_name: str, bot_username: str) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError(f"token must look like '<digits>:<secret>', got {token!r}")
        self.token = token
        self.bot_user: JSON = {
            "id": int(bot_id),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.updates = UpdateQueue()
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.presses: dict[str, ButtonPress] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}  # (scope JSON, language) -> commands
        self.descriptions: dict[str, str] = {}  # language -> description
        self.short_descriptions: dict[str, str] = {}
        self.webhook_url = ""
        self.webhook_secret = ""  # setWebhook's secret_token (getWebhookInfo never shows it)
        self.clock_offset = 0.0
        self.callback_query_timeout = 15.0  # seconds a bot has to answer a button press
        self._ids = itertools.count(1)

    def now(self) -> float:
        """Wall clock as the emulated Telegram sees it; tests move it with clock_offset."""
        return time.time() + self.clock_offset

    def ensure_chat(self, info: JSON) -> Chat:
        chat = self.chats.get(info["id"])
        if chat is None:
            chat = self.chats[info["id"]] = Chat(info["id"], info)
        return chat

    def add_message(self, chat: Chat, sender: JSON, **fields: Any) -> StoredMessage:
        chat.last_message_id += 1
        message = StoredMessage(chat, chat.last_message_id, int(self.now()), sender, **fields)
        chat.messages[message.message_id] = message
        return message

    def store_file(self, file_name: str, mime_type: str, data: bytes) -> StoredFile:
        number = next(self._ids)
        stored = StoredFile(f"SBFILE{number:08d}", f"SBU{number:08d}", file_name, mime_type, data)
        self.files[stored.file_id] = stored
        return stored

    def new_query_id(self) -> str:
        return f"{self.bot_user['id']}{next(self._ids):010d}"
