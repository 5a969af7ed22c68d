"""`python bot.py run` as an operator starts it: real processes, the sandbox as Telegram."""

import asyncio
import os
import signal
import subprocess
import sys

from sandbox.remote import RemoteSandbox
from tests.conftest import REPO
from tests.conftest import SANDBOX_TOKEN as TOKEN
from tests.test_logs import LINE


def bot_env(base_url: str, data_dir, token: str = TOKEN) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_URL": base_url,
        "HAKI_DATA_DIR": str(data_dir),
        "HAKI_SECRET_KEY": "x" * 40,
        "HAKI_LOG_LEVEL": "DEBUG",
    }


def start_run(base_url: str, data_dir) -> subprocess.Popen:
    """`python bot.py run` against the sandbox, its log lines readable from .stderr."""
    return subprocess.Popen(
        [sys.executable, "bot.py", "run"], cwd=REPO, env=bot_env(base_url, data_dir), stderr=subprocess.PIPE, text=True
    )


def run_to_refusal(env: dict[str, str]) -> subprocess.CompletedProcess:
    """`python bot.py run` where it is expected to refuse and exit at once; its output."""
    command = [sys.executable, "bot.py", "run"]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


async def next_call(remote: RemoteSandbox, after: int, method: str, chat_id: int) -> tuple[dict, int]:
    """The next Bot API call of `method` to `chat_id` after event `after`; and the last event seen."""
    while True:
        events = await remote.events(after=after, timeout=20)
        assert events, f"no {method} to {chat_id} within 20 s"
        for event in events:
            if event["method"] == method and event["chat_id"] == chat_id:
                return event, event["seq"]
        after = events[-1]["seq"]


def read_until(stream, needle: str) -> str:
    """Lines of a process's output up to and including the first that contains `needle`."""
    lines = []
    while not lines or needle not in lines[-1]:
        line = stream.readline()
        assert line, f"the output ended before {needle!r}: {lines}"
        lines.append(line)
    return "".join(lines)


async def test_run_serves_users_and_stops_cleanly_on_sigterm(sandbox_process, tmp_path):
    base_url, control = sandbox_process
    bot = start_run(base_url, tmp_path / "data")
    try:
        async with RemoteSandbox(control) as remote:
            await remote.send_text(4242, "/start", language_code="fr", first_name="Zyxwvuq")
            reply, _ = await next_call(remote, 0, "sendMessage", 4242)
            assert reply["params"]["text"].startswith("Bonjour")
    finally:
        bot.send_signal(signal.SIGTERM)
        _, logs = bot.communicate(timeout=30)
    assert bot.returncode == 0, logs
    assert (tmp_path / "data" / "haki.sqlite3").exists()
    # At DEBUG, the most talkative level: every record one key=value line.
    assert logs.strip() and all(LINE.match(line) for line in logs.splitlines()), logs
    for secret in (TOKEN, TOKEN.split(":")[1], "4242", "Zyxwvuq"):
        assert secret not in logs


async def test_sigterm_lets_the_update_in_progress_finish_even_when_repeated(sandbox_process, tmp_path):
    base_url, control = sandbox_process
    bot = start_run(base_url, tmp_path / "data")
    try:
        async with RemoteSandbox(control) as remote:
            await remote.send_text(4343, "/start")
            _, seen = await next_call(remote, 0, "sendMessage", 4343)
            # /exit deletes the welcome, then says how to come back. The deletion takes effect at
            # once but its answer comes 3 s later: SIGTERM lands while the update is half done.
            await remote.hang("deleteMessage", 3.0)
            await remote.send_text(4343, "/exit")
            _, seen = await next_call(remote, seen, "deleteMessage", 4343)
            bot.send_signal(signal.SIGTERM)
            first = await asyncio.to_thread(read_until, bot.stderr, "Received SIGTERM")
            # A second one while it stops (Ctrl-C twice, an impatient supervisor) must not cut the
            # shutdown short: that left the database open and the process hanging on its thread.
            bot.send_signal(signal.SIGTERM)
            farewell, _ = await next_call(remote, seen, "sendMessage", 4343)
        _, rest = bot.communicate(timeout=30)
        logs = first + rest
    finally:
        if bot.poll() is None:
            bot.kill()
    assert farewell["params"]["text"] == "Type /start to open the menu."  # the update ran to its end
    assert bot.returncode == 0, logs
    assert "while stopping" in logs


def test_a_token_the_bot_api_refuses_is_one_clear_line(sandbox_process, tmp_path):
    base_url, _ = sandbox_process
    wrong = "987654321:" + "W" * 35
    result = run_to_refusal(bot_env(base_url, tmp_path, wrong))
    assert result.returncode == 2
    assert (
        result.stderr.strip().splitlines()[-1].startswith("haki: configuration error: TELEGRAM_BOT_TOKEN was refused")
    )
    assert "Traceback" not in result.stderr and wrong.split(":")[1] not in result.stderr


def test_an_unwritable_data_dir_is_one_clear_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_to_refusal(bot_env("http://127.0.0.1:9/bot", blocker / "data"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "HAKI_DATA_DIR" in result.stderr


def test_demo_runs_from_a_pipe():
    result = subprocess.run(
        [sys.executable, "bot.py", "demo", "--language", "sw"],
        cwd=REPO,
        input="/start\n4\n:quit\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Habari" in result.stdout and "[1] English  [2] Español  [3] Français" in result.stdout
    assert "Faragha na usalama" in result.stdout  # button 4 opened the privacy page


def test_a_database_from_a_newer_haki_is_one_clear_line(tmp_path):
    import sqlite3

    (tmp_path / "data").mkdir()
    with sqlite3.connect(tmp_path / "data" / "haki.sqlite3") as db:
        db.execute("PRAGMA user_version = 999")
    result = run_to_refusal(bot_env("http://127.0.0.1:9/bot", tmp_path / "data"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "schema version 999, newer than this Haki" in result.stderr.strip().splitlines()[-1]


def test_a_restore_that_brought_back_only_the_main_file_is_one_clear_line(tmp_path):
    import asyncio

    from bot.store import Store

    async def made() -> None:
        await (await Store.open(tmp_path / "data" / "haki.sqlite3")).close()

    asyncio.run(made())
    (tmp_path / "data" / "haki-reports.sqlite3").unlink()  # the reports file was not restored
    result = run_to_refusal(bot_env("http://127.0.0.1:9/bot", tmp_path / "data"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "haki-reports.sqlite3 is missing" in last and "same backup" in last
    assert not (tmp_path / "data" / "haki-reports.sqlite3").exists()  # not started empty
