"""Typed access to Bot API parameters, whichever body encoding carried them.

Form bodies carry every value as a string (PTB JSON-encodes non-strings such as
reply_markup), JSON bodies carry real types; the getters accept both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, bad_request

_TRUE = {"true", "1", "True"}


@dataclass(slots=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:  # keeps event logs readable: no raw bytes
        return f"<file {self.filename!r} {len(self.data)} bytes>"


class Params:
    __slots__ = ("values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        return value is True or value in _TRUE

    def json(self, name: str, error: str) -> Any:
        """Decode a JSON-typed parameter; `error` is Telegram's text for a malformed one."""
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(error) from None

    def file(self, name: str) -> UploadedFile | str | None:
        """An uploaded file, or a string (file_id or URL); resolves attach://<part> references."""
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.values.get(value.removeprefix("attach://"))
        return value

    def chat_id(self) -> int | str:
        """Numeric chat id, or '@username' for public chats."""
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value)
        try:
            return int(text)
        except ValueError:
            return text

    def chat_id_or_none(self) -> int | str | None:
        """The chat_id parameter for logs and per-chat rules; None when absent or empty."""
        try:
            return self.chat_id()
        except ApiError:
            return None

    def message_id(self) -> int:
        message_id = self.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        return message_id
