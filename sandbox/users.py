"""The human side: a user in a private chat with the bot, who types, presses and blocks."""

from __future__ import annotations

import re

from .formatting import utf16_len
from .state import JSON, ButtonPress, Chat, SandboxState, StoredFile, StoredMessage

_LEADING_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")


class SandboxUser:
    """A Telegram user; the private chat's id is the user's id. Every action returns
    the update_id of the update it created."""

    def __init__(self, state: SandboxState, chat: Chat, info: JSON) -> None:
        self._state = state
        self.chat = chat
        self.info = info  # the User object as it appears in updates
        self.presses: list[ButtonPress] = []

    @property
    def id(self) -> int:
        return int(self.info["id"])

    @property
    def first_name(self) -> str:
        return str(self.info["first_name"])

    @property
    def language_code(self) -> str | None:
        return self.info.get("language_code")

    @property
    def blocked(self) -> bool:
        return self.chat.blocked

    # --- reading the chat ---

    @property
    def messages(self) -> list[StoredMessage]:
        """Messages the user can see, oldest first (the user's own included)."""
        return self.chat.visible_messages

    @property
    def bot_messages(self) -> list[StoredMessage]:
        return [m for m in self.chat.visible_messages if m.from_bot]

    @property
    def last_message_with_buttons(self) -> StoredMessage | None:
        return next((m for m in reversed(self.chat.visible_messages) if m.button_list), None)

    @property
    def documents(self) -> list[StoredFile]:
        return [m.document for m in self.chat.visible_messages if m.document is not None]

    # --- acting ---

    def send_text(self, text: str) -> int:
        message = self._state.add_message(self.chat, self.info, text=text, entities=_entities(text))
        return self._state.updates.push({"message": message.to_json()})

    def edit_text(self, message_id: int, new_text: str) -> int:
        message = self._visible(message_id)
        if message.sender.get("id") != self.id:
            raise ValueError(f"message {message_id} was not sent by user {self.id}")
        message.text = new_text
        message.entities = _entities(new_text)
        message.edit_count += 1
        message.edit_date = int(self._state.now())
        return self._state.updates.push({"edited_message": message.to_json()})

    def press(self, message_id: int, callback_data: str) -> int:
        """Press a callback button. The data is not checked against the current keyboard,
        so a press on a keyboard the bot has since replaced can be simulated."""
        message = self._visible(message_id)
        query_id = self._state.new_query_id()
        query = {
            "id": query_id,
            "from": self.info,
            "message": message.to_json(),
            "chat_instance": self.chat.chat_instance,
            "data": callback_data,
        }
        update_id = self._state.updates.push({"callback_query": query})
        press = ButtonPress(query_id, update_id, self.chat.id, message_id, callback_data, self._state.now())
        self._state.presses[query_id] = press
        self.presses.append(press)
        return update_id

    def press_button(self, message_id: int, index: int) -> int:
        """Press the index-th button (0-based, counted row by row) of a message."""
        buttons = self._visible(message_id).button_list
        if not 0 <= index < len(buttons):
            raise IndexError(f"message {message_id} has {len(buttons)} buttons, no index {index}")
        button = buttons[index]
        if button.callback_data is None:
            raise ValueError(f"button {button.text!r} is not a callback button (url: {button.url})")
        return self.press(message_id, button.callback_data)

    def block(self) -> int:
        """Block the bot: sends to this chat now fail with 403; the bot gets my_chat_member."""
        self.chat.blocked = True
        return self._membership_update("member", "kicked")

    def unblock(self) -> int:
        self.chat.blocked = False
        return self._membership_update("kicked", "member")

    def _visible(self, message_id: int) -> StoredMessage:
        message = self.chat.messages.get(message_id)
        if message is None or message.deleted:
            raise LookupError(f"message {message_id} is not visible in chat {self.chat.id}")
        return message

    def _membership_update(self, old: str, new: str) -> int:
        bot = self._state.bot_user

        def member(status: str) -> JSON:
            return {
                "user": bot,
                "status": status,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        change = {
            "chat": self.chat.info,
            "from": self.info,
            "date": int(self._state.now()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self._state.updates.push({"my_chat_member": change})


def _entities(text: str) -> list[JSON]:
    """A leading /command is marked as one, as Telegram clients do."""
    command = _LEADING_COMMAND.match(text)
    if command is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}]
