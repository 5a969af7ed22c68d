"""`python bot.py webhook`: the real bot behind its aiohttp webhook server, the sandbox as Telegram.
Updates are taken from the sandbox and POSTed to the server as Telegram would."""

import asyncio
import logging
import os
import signal
import subprocess
import sys
from contextlib import asynccontextmanager

import aiohttp
import pytest
from telegram.error import Conflict

from app.webhook import (
    MIN_SECRET,
    SECRET_HEADER,
    WebhookConfigError,
    check_secret,
    check_url,
    run_webhook,
    serve,
)
from bot.config import Config, ConfigError
from handlers.application import build_application
from handlers.services import SERVICES
from sandbox import Sandbox
from tests.conftest import REPO

TOKEN = "123456789:" + "W" * 35
SECRET = "s3cret-" + "k" * 40
PUBLIC_URL = "https://haki.example.org"


class Running:
    def __init__(self, sandbox: Sandbox, app, root: str):
        self.sandbox, self.app, self.root = sandbox, app, root
        self.handled: set[int] = set()
        app.update_processor.on_processed.append(lambda u: self.handled.add(getattr(u, "update_id", None)))

    async def post(self, session: aiohttp.ClientSession, body, secret: str | None = SECRET, **kwargs) -> int:
        headers = {} if secret is None else {SECRET_HEADER: secret}
        send = {"json": body} if isinstance(body, dict) else {"data": body}
        async with session.post(f"{self.root}/telegram", headers=headers, **send, **kwargs) as response:
            await response.read()
            return response.status

    def update(self, user_id: int, text: str, **user) -> dict:
        self.sandbox.user(user_id, **user).send_text(text)
        (update,) = self.sandbox.take_updates()
        return update

    async def reply(self, chat_id: int, after: int = 0):
        return await self.sandbox.wait_for(
            lambda e: e.method == "sendMessage" and e.chat_id == chat_id, 10, after=after
        )


@asynccontextmanager
async def running(navigator, tmp_path):
    async with Sandbox(token=TOKEN) as sandbox:
        config = Config(token=TOKEN, secret_key=b"k" * 32, api_url=sandbox.base_url, data_dir=tmp_path / "data")
        app = build_application(config, navigator)
        stop = asyncio.Event()
        ready: asyncio.Future[tuple[str, int]] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(
            serve(
                app,
                url=PUBLIC_URL + "/",
                listen="127.0.0.1",
                port=0,
                secret=SECRET,
                stop=stop,
                ready=lambda host, port: ready.set_result((host, port)),
            )
        )
        done, _ = await asyncio.wait([task, ready], timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises what went wrong
        host, port = ready.result()
        try:
            yield Running(sandbox, app, f"http://{host}:{port}")
        finally:
            stop.set()
            await task


def own_logs_at_debug(caplog) -> None:
    """Haki's own loggers at DEBUG (the chatty libraries stay at WARNING in production, app/logs.py)."""
    for name in ("bot", "handlers", "sandbox"):
        caplog.set_level(logging.DEBUG, logger=name)


@pytest.fixture
async def webhook(navigator, tmp_path):
    async with running(navigator, tmp_path) as bot:
        yield bot


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as session:
        yield session


async def test_sets_the_webhook_with_the_secret_and_answers_an_update(webhook, session, caplog):
    own_logs_at_debug(caplog)
    assert webhook.sandbox.webhook == (PUBLIC_URL + "/telegram", SECRET)
    (call,) = webhook.sandbox.calls("setWebhook")
    assert call.params["drop_pending_updates"] in (False, "false")
    assert "message" in call.params["allowed_updates"]

    update = webhook.update(4242, "/start", first_name="Zyxwvuq", language_code="fr")
    assert await webhook.post(session, update) == 200
    reply = await webhook.reply(4242)
    assert reply.params["text"].startswith("Bonjour")
    with pytest.raises(Conflict):  # polling is refused while the webhook is set, as by Telegram
        await webhook.app.bot.get_updates()
    for secret in (SECRET, TOKEN.split(":")[1], "4242", "Zyxwvuq"):
        assert secret not in caplog.text


async def test_a_request_without_the_right_secret_is_refused_and_not_handled(webhook, session, caplog):
    own_logs_at_debug(caplog)
    forged = webhook.update(5151, "/start", first_name="Qwxzyv")
    assert await webhook.post(session, forged, secret="wrong-" + "x" * 40) == 403
    assert await webhook.post(session, forged, secret=None) == 403
    assert await webhook.post(session, forged, secret=SECRET[:-1]) == 403
    assert webhook.app.update_queue.qsize() == 0

    good = webhook.update(6161, "/start")
    assert await webhook.post(session, good) == 200
    await webhook.reply(6161)
    assert forged["update_id"] not in webhook.handled
    assert not webhook.sandbox.calls("sendMessage", chat_id=5151)

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "app.webhook"]
    assert len(warnings) == 1  # one warning, not one per forged request
    assert SECRET_HEADER in warnings[0].getMessage()
    for secret in ("wrong-", "5151", "Qwxzyv", SECRET):
        assert secret not in caplog.text


async def test_bodies_that_are_not_updates_are_refused(webhook, session):
    assert await webhook.post(session, b"{not json") == 400
    assert await webhook.post(session, b"[1, 2]") == 400
    assert await webhook.post(session, {"message": {"text": "no update_id"}}) == 400
    assert await webhook.post(session, {"update_id": "7"}) == 400
    assert await webhook.post(session, {"update_id": 7}) == 400
    assert await webhook.post(session, b"x" * (2 * 1024 * 1024)) == 413
    assert webhook.app.update_queue.qsize() == 0
    async with session.get(f"{webhook.root}/telegram") as response:
        assert response.status == 405
    async with session.get(f"{webhook.root}/") as response:
        assert response.status == 404


async def test_healthz_reports_the_database_and_the_content(webhook, session, navigator):
    async with session.get(f"{webhook.root}/healthz") as response:
        assert response.status == 200
        report = await response.json()
    assert report["status"] == "ok"
    assert report["database"]["ok"] is True and report["database"]["schema_version"] >= 1
    assert report["content"] == {"ok": True, "pages": len(navigator.content.pages), "languages": navigator.languages}

    await webhook.app.bot_data[SERVICES].store.close()  # the database stops answering
    async with session.get(f"{webhook.root}/healthz") as response:
        assert response.status == 503
        report = await response.json()
    assert report["status"] == "unavailable"
    assert report["database"]["ok"] is False and report["database"]["error"]
    assert report["content"]["ok"] is True


async def test_stopping_finishes_accepted_updates_and_keeps_the_webhook(navigator, tmp_path, session):
    async with running(navigator, tmp_path) as bot:
        updates = [bot.update(8000 + i, "/start") for i in range(5)]
        for update in updates:
            assert await bot.post(session, update) == 200
        sandbox = bot.sandbox
    # serve() has returned: every accepted update was handled, and the webhook is still set.
    assert {u["update_id"] for u in updates} <= bot.handled
    assert len({e.chat_id for e in sandbox.calls("sendMessage")}) == 5
    assert not sandbox.calls("deleteWebhook")


def test_secret_and_url_are_checked():
    check_secret("a" * MIN_SECRET)
    for weak in ("", "short", "a" * (MIN_SECRET - 1), "has space " + "a" * 40, "é" * 40, "a" * 257):
        with pytest.raises(WebhookConfigError) as refused:
            check_secret(weak)
        assert isinstance(refused.value, ConfigError) and isinstance(refused.value, ValueError)
        assert "HAKI_WEBHOOK_SECRET" in str(refused.value) and (not weak or weak not in str(refused.value))
    assert check_url("https://bot.example.org:8443/haki/") == "https://bot.example.org:8443/haki"
    for bad in ("http://bot.example.org", "https://bot.example.org:8080", "bot.example.org", "https://x.org/?a=1", ""):
        with pytest.raises(WebhookConfigError, match="HAKI_WEBHOOK_URL"):
            check_url(bad)


def test_run_webhook_refuses_a_weak_secret_before_starting(navigator, tmp_path):
    config = Config(token=TOKEN, secret_key=b"k" * 32, api_url="http://127.0.0.1:9/bot", data_dir=tmp_path)
    with pytest.raises(ConfigError, match="HAKI_WEBHOOK_SECRET"):
        run_webhook(config, navigator, url=PUBLIC_URL, listen="127.0.0.1", port=0, secret="password")
    assert not (tmp_path / "haki.sqlite3").exists()


RUN = """
import logging, os, sys
from bot import config
from app import logs
from bot.content import CONTENT_DIR
from bot.guide.check import load_navigator
from app.webhook import run_webhook
logs.setup(logging.INFO)
sys.exit(run_webhook(config.load(), load_navigator(CONTENT_DIR), url=os.environ["URL"], listen="127.0.0.1",
                     port=0, secret=os.environ["SECRET"]))
"""


async def test_run_webhook_serves_until_sigterm(tmp_path, session):
    async with Sandbox(token=TOKEN) as sandbox:
        env = {
            "PATH": os.environ["PATH"],
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": sandbox.base_url,
            "HAKI_DATA_DIR": str(tmp_path / "data"),
            "HAKI_SECRET_KEY": "x" * 40,
            "URL": PUBLIC_URL,
            "SECRET": SECRET,
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", RUN, cwd=REPO, env=env, stderr=subprocess.PIPE
        )
        try:
            lines = []
            while True:
                line = (await asyncio.wait_for(proc.stderr.readline(), 30)).decode()
                assert line, "".join(lines)
                lines.append(line)
                if "listening on" in line:
                    break
            address = line.rsplit("listening on ", 1)[1].split()[0].strip('"')
            sandbox.user(4343, language_code="sw").send_text("/start")
            (update,) = sandbox.take_updates()
            async with session.post(
                f"http://{address}/telegram", json=update, headers={SECRET_HEADER: SECRET}
            ) as response:
                assert response.status == 200
            reply = await sandbox.wait_for(lambda e: e.method == "sendMessage" and e.chat_id == 4343, 20)
            assert reply.params["text"].startswith("Habari")
        finally:
            proc.send_signal(signal.SIGTERM)
            _, rest = await asyncio.wait_for(proc.communicate(), 30)
        logs = "".join(lines) + rest.decode()
        assert proc.returncode == 0, logs
        assert "Traceback" not in logs and SECRET not in logs and "4343" not in logs
        assert sandbox.webhook == (PUBLIC_URL + "/telegram", SECRET)
