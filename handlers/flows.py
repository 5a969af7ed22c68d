"""Multi-step forms (the fair-pay check, the letter builder) keep their answers here: in
this chat's memory only, never on disk, forgotten after 30 idle minutes (checked when the chat
is next used, and by handlers/memory.py's sweep every few minutes), on a restart, and as soon
as the user goes elsewhere (a menu button or a command)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from telegram.ext import ContextTypes

IDLE_SECONDS = 30 * 60
_KEY = "flow"


@dataclass
class Active:
    name: str
    form: Any
    touched: float


def current(context: ContextTypes.DEFAULT_TYPE, name: str | None = None) -> Any | None:
    """The chat's open form (of this name, if given), or None."""
    active: Active | None = context.chat_data.get(_KEY) if context.chat_data is not None else None
    if active is None or time.monotonic() - active.touched > IDLE_SECONDS:
        end(context)
        return None
    if name is not None and active.name != name:
        return None
    active.touched = time.monotonic()
    return active.form


def current_name(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    active: Active | None = context.chat_data.get(_KEY) if context.chat_data is not None else None
    return active.name if active and current(context) is not None else None


def begin(context: ContextTypes.DEFAULT_TYPE, name: str, form: Any) -> None:
    context.chat_data[_KEY] = Active(name, form, time.monotonic())


def expire(chat_data: dict, now: float) -> None:
    """Drop a form idle for IDLE_SECONDS, outside any update (handlers/memory.py's sweep)."""
    active: Active | None = chat_data.get(_KEY)
    if active is not None and now - active.touched > IDLE_SECONDS:
        del chat_data[_KEY]


def end(context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.chat_data is not None:
        context.chat_data.pop(_KEY, None)
