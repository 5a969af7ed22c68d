import asyncio
import contextlib
import json
import os
import select
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.content import CONTENT_DIR
from bot.guide.check import load_navigator

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def navigator():
    """The real content, loaded and checked once."""
    return load_navigator(CONTENT_DIR)


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A writable copy of the real content, for tests that break it on purpose."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


class Chatter:
    """A person using the bot through the sandbox; each action returns once the bot is done."""

    def __init__(self, bot, user_id: int, language_code: str | None = "en"):
        self.bot = bot
        self.user = bot.sandbox.user(user_id, first_name="Tester", language_code=language_code)

    async def say(self, text: str):
        await self.bot.settle(self.user.send_text(text))
        return self.last

    async def press(self, label_or_data: str, message=None):
        """Press the button with this label (or, failing that, this callback data)."""
        message = message or self.user.last_message_with_buttons
        for button in message.button_list:
            if label_or_data in (button.text, button.callback_data):
                await self.bot.settle(self.user.press(message.message_id, button.callback_data))
                return self.message(message.message_id)
        raise AssertionError(f"no button {label_or_data!r} in {[b.text for b in message.button_list]}")

    async def press_data(self, data: str, message=None):
        message = message or self.user.last_message_with_buttons
        await self.bot.settle(self.user.press(message.message_id, data))
        return self.message(message.message_id)

    def message(self, message_id: int):
        return self.user.chat.messages[message_id]

    @property
    def last(self):
        return self.user.bot_messages[-1]

    def labels(self, message=None) -> list[str]:
        return [b.text for b in (message or self.last).button_list]


ORGANIZER = 900_001  # the one organizer of the `organized` bot
RESEARCHER = 900_002  # and its one researcher


async def running(
    navigator,
    data_dir: Path,
    organizers=frozenset(),
    researchers=frozenset(),
    limits=False,
    clock=None,
    reviewers=frozenset(),
):
    """The real bot against the sandbox (with Telegram's flood limits if `limits`; with `clock`, the
    time its retention sweep sees); afterwards, no Bot API call may have failed unless a test
    injected that fault on purpose (its description in bot.expected_errors)."""
    from app.offline import OfflineBot

    async with OfflineBot(
        navigator,
        data_dir=data_dir,
        organizers=organizers,
        researchers=researchers,
        reviewers=reviewers,
        enforce_limits=limits,
        clock=clock,
    ) as bot:
        bot.expected_errors = set()
        yield bot
    failed = [str(e) for e in bot.sandbox.events if not e.ok and e.description not in bot.expected_errors]
    assert not failed, f"Bot API calls failed: {failed}"


@pytest.fixture
async def haki(navigator, tmp_path):
    async for bot in running(navigator, tmp_path / "data"):
        yield bot


@pytest.fixture
async def organized(navigator, tmp_path):
    """The bot with one organizer, ORGANIZER, and one researcher, RESEARCHER."""
    async for bot in running(navigator, tmp_path / "data", frozenset({ORGANIZER}), frozenset({RESEARCHER})):
        yield bot


@pytest.fixture(scope="module")
def report_template(tmp_path_factory) -> Path:
    """An empty database at the current schema, copied for each data set of reports."""
    from bot.store import Store

    path = tmp_path_factory.mktemp("template") / "haki.sqlite3"

    async def create():
        await (await Store.open(path)).close()

    asyncio.run(create())
    return path


def reports_database(template: Path, folder: Path, reports: list, texts: dict | None = None) -> Path:
    """A copy of the template (both files) holding these (week, answers) reports, written in one
    transaction; the main database's path. Their ids follow the list's order, so a table scan
    meets them in insertion order; `texts` maps a report's index to its waiting free text."""
    from bot.store.reports_file import reports_path

    path = folder / "haki.sqlite3"
    shutil.copy(template, path)
    shutil.copy(reports_path(template), reports_path(path))
    rows = [
        (f"{i:08d}", week, json.dumps(answers, sort_keys=True), os.urandom(16))
        for i, (week, answers) in enumerate(reports)
    ]
    with contextlib.closing(sqlite3.connect(reports_path(path))) as db, db:
        db.executemany("INSERT INTO reports (id, week, answers, receipt) VALUES (?, ?, ?, ?)", rows)
        db.executemany(
            "INSERT INTO report_texts (report_id, text) VALUES (?, ?)",
            [(f"{i:08d}", text) for i, text in (texts or {}).items()],
        )
    return path


SANDBOX_TOKEN = "123456789:" + "R" * 35  # the token of `sandbox_process`


SANDBOX_START_TIMEOUT = 30.0  # seconds for `python -m sandbox` to print where it listens


def first_line(proc: subprocess.Popen, name: str, timeout: float) -> str:
    """The process's first line on stdout; a failure saying what it printed if none comes within `timeout` s."""
    out, deadline = b"", time.monotonic() + timeout
    while b"\n" not in out:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
            pytest.fail(f"{name} printed no line within {timeout:g} s (so far {out!r})")
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            pytest.fail(f"{name} exited with code {proc.wait()} before its first line (it printed {out!r})")
        out += chunk
    return out.decode().split("\n", 1)[0]


@pytest.fixture
def sandbox_process():
    """The sandbox as a process of its own, as a real bot process talks to Telegram: (base_url, control)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--token", SANDBOX_TOKEN],
        cwd=REPO,
        stdout=subprocess.PIPE,
    )
    try:
        line = first_line(proc, "python -m sandbox", SANDBOX_START_TIMEOUT)
        assert line.startswith("sandbox ready "), f"python -m sandbox's first line: {line!r}"
        fields = dict(part.split("=", 1) for part in line.split()[2:])
        yield fields["base_url"], fields["control"].removesuffix("/sandbox")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
