"""Offline emulator of the Telegram Bot API for running and testing the real PTB bot.

async with Sandbox() as sb:
    app = ApplicationBuilder().token(sb.token).base_url(sb.base_url).build()
    ...
    update_id = sb.user(42, "Ann").send_text("/start")
"""

from .emulator import Sandbox
from .errors import ApiError
from .events import Event
from .remote import RemoteSandbox
from .settle import ptb_settler
from .state import Button, ButtonPress, Chat, StoredFile, StoredMessage
from .terminal import run_terminal
from .users import SandboxUser

__all__ = [
    "ApiError",
    "Button",
    "ButtonPress",
    "Chat",
    "Event",
    "RemoteSandbox",
    "Sandbox",
    "SandboxUser",
    "StoredFile",
    "StoredMessage",
    "ptb_settler",
    "run_terminal",
]
