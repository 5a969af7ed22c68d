"""`python bot.py webhook`: Telegram posts updates to us instead of being polled.

An aiohttp server (PTB's own webhook server is tornado and cannot serve /healthz) with two routes:
  POST <path>     one update from Telegram; refused with 403 unless the X-Telegram-Bot-Api-Secret-Token
                  header matches, 400 if it is not an update, 413 over MAX_BODY; 200 once queued
  GET  /healthz   200 {"status": "ok", "database": {...}, "content": {...}}, or 503 saying what is wrong

The Application runs with the manual lifecycle of PTB's customwebhookbot example: updates go into
`application.update_queue`, and on stop the server stops accepting first, then the Application
finishes every update it was given. The webhook is left set on stop, so Telegram keeps new
updates (for up to 24 hours) while the bot restarts; `python bot.py run` deletes it again.

Nothing here logs a request's body, headers or sender: only that something was refused.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import signal
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError
from telegram.ext import Application

from bot.config import Config, ConfigError
from bot.guide.navigation import Navigator
from handlers.application import build_application, start_services, stop_services
from handlers.services import SERVICES, Services

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram"
DEFAULT_LISTEN = "127.0.0.1"
DEFAULT_PORT = 8080
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; Telegram's largest stay far below this
TELEGRAM_PORTS = (443, 80, 88, 8443)  # the only ports Telegram posts webhooks to
MIN_SECRET = 32
HEALTH_TIMEOUT = 2.0  # seconds the database has to answer /healthz
REFUSAL_LOG_INTERVAL = 60.0  # at most one warning a minute about refused requests, with a count
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class WebhookConfigError(ConfigError, ValueError):
    """A webhook setting the operator must fix (the CLI prints it as a configuration error)."""


def check_secret(secret: str) -> None:
    """Telegram accepts 1-256 characters of A-Z a-z 0-9 _ -; we require at least MIN_SECRET."""
    if not _SECRET.fullmatch(secret or ""):
        raise WebhookConfigError(
            "HAKI_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, '_' or '-' (Telegram's rule): "
            'generate one with `python -c "import secrets; print(secrets.token_urlsafe(32))"`'
        )
    if len(secret) < MIN_SECRET:
        raise WebhookConfigError(
            f"HAKI_WEBHOOK_SECRET must be at least {MIN_SECRET} characters: generate one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`'
        )


def check_url(url: str) -> str:
    """The public base URL Telegram posts to (HTTPS, on a port Telegram allows); returned without a trailing /."""
    parts = urlsplit(url or "")
    if parts.scheme != "https" or not parts.hostname:
        raise WebhookConfigError(
            f"HAKI_WEBHOOK_URL must be the public https:// address of the reverse proxy, like https://bot.example.org "
            f"(got {url!r}); Telegram posts only to HTTPS"
        )
    try:
        port = parts.port or 443
    except ValueError:
        port = -1
    if port not in TELEGRAM_PORTS:
        raise WebhookConfigError(
            f"HAKI_WEBHOOK_URL's port must be one of {', '.join(map(str, TELEGRAM_PORTS))}, "
            "the only ones Telegram posts to (the proxy may forward to any --port)"
        )
    if parts.query or parts.fragment:
        raise WebhookConfigError("HAKI_WEBHOOK_URL must have no ?query or #fragment")
    return url.rstrip("/")


def check_listen(listen: str, port: int) -> None:
    if not listen:
        raise WebhookConfigError("HAKI_WEBHOOK_LISTEN must be an address to listen on, like 127.0.0.1")
    if not 0 <= port <= 65535:
        raise WebhookConfigError(f"HAKI_WEBHOOK_PORT must be a port number, 1-65535 (got {port})")


def check_path(path: str) -> None:
    if not path.startswith("/") or path == HEALTH_PATH or not re.fullmatch(r"/[A-Za-z0-9_./-]*", path):
        raise WebhookConfigError(f"the webhook path must start with / and not be {HEALTH_PATH} (got {path!r})")


class _Refusals:
    """Counts refused requests and logs them at most once per interval, without their content
    (a flood of forged requests must not flood the log either)."""

    def __init__(self, interval: float = REFUSAL_LOG_INTERVAL):
        self.interval = interval
        self.total = 0
        self._unlogged = 0
        self._logged_at: float | None = None

    def add(self) -> None:
        self.total += 1
        self._unlogged += 1
        now = time.monotonic()
        if self._logged_at is None or now - self._logged_at >= self.interval:
            log.warning(
                "Webhook request refused (403): missing or wrong %s header (%d refused since the last warning)",
                SECRET_HEADER,
                self._unlogged,
            )
            self._logged_at, self._unlogged = now, 0


REFUSALS = web.AppKey("refusals", _Refusals)  # the server's refusal counter (tests read it)


def web_app(app: Application, *, secret: str, path: str = DEFAULT_PATH, max_body: int = MAX_BODY) -> web.Application:
    """The aiohttp application: the webhook route and /healthz (nothing else is served)."""
    expected = secret.encode()
    refusals = _Refusals()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            refusals.add()
            return web.Response(status=403)
        if not app.running:  # stopping: Telegram retries later, and the webhook stays set
            return web.Response(status=503)
        try:
            data = json.loads(await request.read())  # over max_body: aiohttp answers 413
            update = _update(data, app)
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400)
        await app.update_queue.put(update)
        return web.Response(status=200)

    async def health(request: web.Request) -> web.Response:
        report = await health_report(app)
        return web.json_response(report, status=200 if report["status"] == "ok" else 503)

    server = web.Application(client_max_size=max_body)
    server[REFUSALS] = refusals
    server.router.add_post(path, receive)
    server.router.add_get(HEALTH_PATH, health)
    return server


def _update(data: Any, app: Application) -> Update:
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int) or len(data) < 2:
        raise ValueError("not an update")
    update = Update.de_json(data, app.bot)
    if update is None:
        raise ValueError("not an update")
    return update


async def health_report(app: Application) -> dict[str, Any]:
    """What /healthz shows: whether the database answers and the content is loaded. Counts only."""
    services: Services | None = app.bot_data.get(SERVICES)
    database: dict[str, Any]
    if services is None:
        database = {"ok": False, "error": "not started"}
    else:
        try:
            schema = await asyncio.wait_for(services.store.schema_version(), HEALTH_TIMEOUT)
            database = {"ok": True, "schema_version": schema}
        except TimeoutError:
            database = {"ok": False, "error": f"no answer within {HEALTH_TIMEOUT:g} s"}
        except Exception as exc:  # the class name only: a message could carry a path
            database = {"ok": False, "error": type(exc).__name__}
    navigator: Navigator | None = app.bot_data.get("navigator")
    if navigator is None:
        content: dict[str, Any] = {"ok": False, "error": "not loaded"}
    else:
        pages, languages = len(navigator.content.pages), list(navigator.languages)
        content = {"ok": bool(pages and languages), "pages": pages, "languages": languages}
    telegram = {"ok": app.running}
    ok = database["ok"] and content["ok"] and telegram["ok"]
    return {"status": "ok" if ok else "unavailable", "database": database, "content": content, "telegram": telegram}


async def serve(
    app: Application,
    *,
    url: str,
    listen: str,
    port: int,
    secret: str,
    path: str = DEFAULT_PATH,
    stop: asyncio.Event,
    ready: Callable[[str, int], None] | None = None,
) -> None:
    """Run the bot on a webhook until `stop` is set. `ready(host, port)` is called once the server
    listens and Telegram has the webhook (port 0 picks a free port; tests use that)."""
    check_secret(secret)
    url = check_url(url)
    check_listen(listen, port)
    check_path(path)
    runner = web.AppRunner(web_app(app, secret=secret, path=path), access_log=None, shutdown_timeout=10.0)
    await app.initialize()  # getMe: a refused token fails here
    try:
        await start_services(app)  # post_init is not called by the manual lifecycle
        await app.start()
        try:
            await runner.setup()
            try:
                site = web.TCPSite(runner, listen, port)
                try:
                    await site.start()
                except OSError as exc:
                    raise WebhookConfigError(
                        f"cannot listen on {listen}:{port} ({exc.strerror or exc}): "
                        "choose another HAKI_WEBHOOK_LISTEN or HAKI_WEBHOOK_PORT"
                    ) from None
                # Only now that we listen: Telegram posts as soon as the webhook is set.
                await app.bot.set_webhook(
                    url + path, secret_token=secret, allowed_updates=Update.ALL_TYPES, drop_pending_updates=False
                )
                host, bound = runner.addresses[0][:2]
                log.info("Webhook set; listening on %s:%d", host, bound)
                if ready is not None:
                    ready(host, bound)
                await stop.wait()
            finally:
                # Stop accepting; requests in flight finish (their updates are queued).
                await runner.cleanup()
        finally:
            await app.stop()  # handles every queued update, then returns
    finally:
        await stop_services(app)  # post_stop: deliveries in flight recorded, database closed
        await app.shutdown()
    log.info("Webhook server stopped; the webhook stays set, Telegram keeps updates until the next start")


def run_webhook(
    config: Config,
    navigator: Navigator,
    *,
    url: str,
    listen: str = DEFAULT_LISTEN,
    port: int = DEFAULT_PORT,
    secret: str,
    path: str = DEFAULT_PATH,
) -> int:
    """`python bot.py webhook`: serve until SIGINT or SIGTERM; 0 after a clean stop, 1 if the Bot API
    cannot be reached. Settings problems raise WebhookConfigError (a ConfigError: exit 2)."""
    check_secret(secret)
    url = check_url(url)
    check_listen(listen, port)
    check_path(path)
    app = build_application(config, navigator)
    try:
        asyncio.run(_until_signal(app, url=url, listen=listen, port=port, secret=secret, path=path))
    except InvalidToken:
        raise ConfigError(
            f"TELEGRAM_BOT_TOKEN was refused by the Bot API at {config.api_url}: copy the token again from @BotFather"
        ) from None
    except BadRequest as exc:  # setWebhook refused: the URL, usually
        raise WebhookConfigError(f"Telegram refused the webhook ({exc.message}): check HAKI_WEBHOOK_URL") from None
    except NetworkError as exc:
        print(
            f"haki: could not reach the Bot API at {config.api_url} ({exc}); check the network or TELEGRAM_API_URL",
            file=sys.stderr,
        )
        return 1
    return 0


async def _until_signal(app: Application, **settings: Any) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await serve(app, stop=stop, **settings)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
