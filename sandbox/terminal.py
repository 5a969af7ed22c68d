"""Chat with the bot in a terminal as one sandbox user, in plain text.

A line is sent as a message; a bare number N presses button N of the newest message with
buttons. After each action the client waits for the bot to settle and prints what changed.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TextIO

from .state import StoredFile, StoredMessage

if TYPE_CHECKING:
    from .emulator import Sandbox
    from .users import SandboxUser

HELP = """\
Type a message and press Enter to send it.
  N            press button N of the newest message that has buttons
               (a number with no such button is sent as a message, e.g. an amount)
  :send TEXT   send TEXT as a message even if it looks like a number or command
  :buttons     show the newest buttons again
  :help        show this help
  :quit        leave (end of input works too)"""

_TEXT_SUFFIXES = (".txt", ".csv", ".tsv", ".json", ".md", ".log", ".xml", ".yaml", ".yml", ".ics")
_PREVIEW_LINES = 5


async def run_terminal(
    sb: Sandbox,
    user: SandboxUser,
    settle: Callable[[int], Awaitable[None]],
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> None:
    """Run until :quit or end of input. settle(update_id) must return once the bot has
    finished handling that update (see sandbox.settle.ptb_settler)."""
    bot = sb.bot_user
    view = _ChatView(user, bot["first_name"])
    lines = _read_lines_in_thread(stdin)
    interactive = stdin.isatty()

    def say(*text: str) -> None:
        stdout.write("".join(f"{line}\n" for line in text))
        stdout.flush()

    say(f"You are {user.first_name}, chatting with {bot['first_name']} (@{bot['username']}).")
    say("Type :help for help.")
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await lines.get()
        if line is None:
            break
        command = line.strip()
        update_id: int | None = None
        if not command:
            continue
        if command == ":quit":
            break
        if command == ":help":
            say(HELP)
        elif command == ":buttons":
            say(*view.newest_buttons())
        elif command.startswith(":send "):
            update_id = user.send_text(command.removeprefix(":send "))
        elif command.startswith(":"):
            say(f"Unknown command {command}; :help lists the commands.")
        elif command.isdigit() and view.has_button(int(command)):
            update_id, problem = view.press(int(command))
            if problem:
                say(problem)
        else:
            update_id = user.send_text(line.rstrip("\r\n"))
        if update_id is None:
            continue
        try:
            await settle(update_id)
        except TimeoutError:
            say("(the bot did not finish handling this in time)")
        say(*view.changes(), *view.press_outcome(update_id))


def _read_lines_in_thread(stdin: TextIO) -> asyncio.Queue[str | None]:
    """Lines from stdin, read in a daemon thread so the event loop never blocks on input.
    A daemon thread (not the default executor) so an abandoned read can't delay exit."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def deliver(line: str | None) -> bool:
        try:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            return False
        return True

    def read() -> None:
        try:
            for line in iter(stdin.readline, ""):
                if not deliver(line):
                    return
        except (OSError, ValueError):  # stdin was closed under us: treat it as end of input
            pass
        deliver(None)

    threading.Thread(target=read, name="sandbox-terminal-stdin", daemon=True).start()
    return lines


class _ChatView:
    """What the person has been shown so far, to print only what changed."""

    def __init__(self, user: SandboxUser, bot_name: str) -> None:
        self.user = user
        self.bot_name = bot_name
        self.seen = {m.message_id: (m.edit_count, m.deleted) for m in user.chat.messages.values()}

    def changes(self) -> list[str]:
        out: list[str] = []
        for message in self.user.chat.messages.values():
            before = self.seen.get(message.message_id)
            now = (message.edit_count, message.deleted)
            if before == now:
                continue
            self.seen[message.message_id] = now
            if message.deleted:
                if before is not None:  # shown before, so say it went away
                    out.append(f"(message #{message.message_id} deleted)")
            elif message.from_bot:  # the person's own messages are already on screen
                out.extend(self._render(message, edited=before is not None))
        return out

    def newest_buttons(self) -> list[str]:
        message = self.user.last_message_with_buttons
        if message is None:
            return ["There are no buttons."]
        return [f"Buttons of message #{message.message_id}:", *self._button_lines(message)]

    def has_button(self, number: int) -> bool:
        message = self.user.last_message_with_buttons
        return message is not None and 1 <= number <= len(message.button_list)

    def press(self, number: int) -> tuple[int | None, str | None]:
        """(update_id, None) after pressing, or (None, why not)."""
        message = self.user.last_message_with_buttons
        if message is None:
            return None, "There are no buttons to press (use :send to send a number)."
        buttons = message.button_list
        if not 1 <= number <= len(buttons):
            return None, f"No button {number}: the newest message has buttons 1-{len(buttons)}."
        button = buttons[number - 1]
        if button.callback_data is None:
            target = f"opens {button.url}" if button.url else "is not a callback button"
            return None, f"Button {number} ({button.text}) {target}; nothing is sent to the bot."
        return self.user.press(message.message_id, button.callback_data), None

    def press_outcome(self, update_id: int) -> list[str]:
        press = next((p for p in reversed(self.user.presses) if p.update_id == update_id), None)
        if press is None:
            return []
        if not press.answered:
            return ["(the bot did not answer the button press; the button keeps spinning)"]
        if press.answer_text:
            return [f"({'alert' if press.show_alert else 'notification'}) {press.answer_text}"]
        return [f"(opens) {press.url}"] if press.url else []

    def _render(self, message: StoredMessage, edited: bool) -> list[str]:
        head = f"{self.bot_name} #{message.message_id}{' (edited)' if edited else ''}: "
        pad = " " * len(head)
        body: list[str] = []
        if message.document is not None:
            body += _document_lines(message.document)
        if message.photo is not None:
            body.append(f"[photo] {len(message.photo.data)} bytes")
        if message.text:
            body += message.text.split("\n")
        body += self._button_lines(message)
        body = body or ["(empty)"]
        return [head + body[0], *(pad + line if line else "" for line in body[1:])]

    @staticmethod
    def _button_lines(message: StoredMessage) -> list[str]:
        lines, number = [], 0
        for row in message.button_rows:
            cells = []
            for button in row:
                number += 1
                cells.append(f"[{number}] {button.text}" + (f" <{button.url}>" if button.url else ""))
            lines.append("  ".join(cells))
        return lines


def _document_lines(document: StoredFile) -> list[str]:
    lines = [f"[document] {document.file_name} ({len(document.data)} bytes)"]
    textual = document.mime_type.startswith("text/") or document.file_name.lower().endswith(_TEXT_SUFFIXES)
    if textual and document.data:
        content = document.data.decode("utf-8", errors="replace").splitlines()
        lines += [f"| {line}" for line in content[:_PREVIEW_LINES]]
        if len(content) > _PREVIEW_LINES:
            lines.append(f"| ... ({len(content) - _PREVIEW_LINES} more lines)")
    return lines
