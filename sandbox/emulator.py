"""Sandbox: the emulated Bot API server, the users that talk to the bot, and test hooks."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

from .errors import ApiError, too_many_requests
from .events import Event, EventLog
from .faults import FaultPlan
from .limits import FloodLimiter
from .methods import METHODS, SENDING
from .params import Params
from .server import build_app
from .state import JSON, Chat, SandboxState, StoredFile
from .users import SandboxUser

_BY_LOWER_NAME = {name.lower(): name for name in METHODS}  # Telegram ignores method-name case
IN_FLIGHT = 0.25  # seconds after a 429 is answered in which sends already on their way may still arrive


@dataclass(slots=True)
class Answer:
    status: int
    body: JSON
    hold: float  # seconds to hold the answer back (an injected hang)


class Sandbox:
    """Emulated Telegram Bot API over HTTP. Point PTB at `base_url` after `start()`."""

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        latency: float = 0.0,
        enforce_limits: bool = False,
        max_events: int | None = None,
        bot_first_name: str = "Haki",
        bot_username: str = "haki_test_bot",
        callback_query_timeout: float = 15.0,
    ) -> None:
        self.log = EventLog(max_events)
        self.state = SandboxState(token, bot_first_name, bot_username)
        self.state.callback_query_timeout = callback_query_timeout
        self.latency = latency  # seconds added to every answer, like a network round trip
        self.enforce_limits = enforce_limits
        self.limiter = FloodLimiter()
        self.faults = FaultPlan()
        self.calls_by_method: Counter[str] = Counter()
        self.answers_by_status: Counter[int] = Counter()
        self.flood_limited = 0  # 429s caused by the flood limits (injected ones not included)
        # Sends that came while a 429's retry_after still ran, bar those already on their way when it
        # was answered: a client that honours retry_after has none.
        self.retry_after_ignored = 0
        self._retry_answered = 0.0  # time.monotonic() the last 429 was answered
        self._retry_until = 0.0  # and when its retry_after ends
        self._users: dict[int, SandboxUser] = {}
        self._runner: web.AppRunner | None = None
        self._root_url: str | None = None

    # --- lifecycle ---

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on host:port; port 0 picks a free port."""
        self._runner = web.AppRunner(
            build_app(self),
            access_log=None,
            handler_cancellation=True,  # a client that gives up ends its long poll too
            shutdown_timeout=1.0,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self._root_url = f"http://{bound_host}:{bound_port}"

    async def stop(self) -> None:
        self.state.updates.close()  # waiting long polls answer now, not at their timeout
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """http://host:port of the running server."""
        if self._root_url is None:
            raise RuntimeError("the sandbox is not started")
        return self._root_url

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder().base_url(...): PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def bot_user(self) -> JSON:
        return self.state.bot_user

    # --- the human side ---

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        language_code: str | None = "en",
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> SandboxUser:
        """The user with this id (created on first use) in a private chat with the bot."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive")
        names = {"first_name": first_name or f"User {user_id}"}
        names |= {k: v for k, v in (("last_name", last_name), ("username", username)) if v}
        info: JSON = {"id": user_id, "is_bot": False, **names}
        if language_code:
            info["language_code"] = language_code
        chat = self.state.ensure_chat({"id": user_id, "type": "private", **names})
        user = self._users[user_id] = SandboxUser(self.state, chat, info)
        return user

    def push_update(self, update: JSON) -> int:
        """Queue any update (group messages, channel posts, ...); update_id is assigned here.
        Chats named in it become known, so the bot can answer there."""
        for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(kind)
            if isinstance(message, dict) and isinstance(message.get("chat"), dict):
                chat = self.state.ensure_chat(message["chat"])
                chat.last_message_id = max(chat.last_message_id, int(message.get("message_id", 0)))
        return self.state.updates.push(update)

    def take_updates(self) -> list[JSON]:
        """Remove and return the pending updates, for a test that posts them to the bot's
        webhook itself (the sandbox never calls webhooks)."""
        return self.state.updates.take()

    @property
    def webhook(self) -> tuple[str, str]:
        """(url, secret_token) of the last setWebhook; ("", "") when none is set."""
        return self.state.webhook_url, self.state.webhook_secret

    def chat(self, chat_id: int) -> Chat:
        return self.state.chats[chat_id]

    @property
    def files(self) -> dict[str, StoredFile]:
        """Every file the bot uploaded, by file_id."""
        return self.state.files

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands set with setMyCommands for a scope (default scope if None)."""
        key = json.dumps(scope or {"type": "default"}, sort_keys=True)
        return self.state.commands.get((key, language_code), [])

    def description(self, language_code: str = "") -> str:
        """The description set with setMyDescription for a language ("" is the default)."""
        return self.state.descriptions.get(language_code, "")

    def short_description(self, language_code: str = "") -> str:
        """The short description set with setMyShortDescription for a language ("" is the default)."""
        return self.state.short_descriptions.get(language_code, "")

    def advance_clock(self, seconds: float) -> None:
        """Move Telegram's clock (message dates, the 48 h delete window, callback expiry)."""
        self.state.clock_offset += seconds

    # --- observing ---

    @property
    def events(self) -> list[Event]:
        return self.log.snapshot()

    def calls(self, method: str | None = None, chat_id: int | str | None = None) -> list[Event]:
        return [
            e
            for e in self.log.snapshot()
            if (method is None or e.method == method) and (chat_id is None or e.chat_id == chat_id)
        ]

    async def wait_for(self, predicate: Callable[[Event], bool], timeout: float = 5.0, *, after: int = 0) -> Event:
        """The first logged call (with seq > after) that satisfies predicate, waiting for it
        up to timeout seconds; TimeoutError lists the recent calls."""
        return await self.log.wait_for(predicate, timeout, after)

    async def wait_delivered(self, update_id: int, timeout: float = 5.0) -> None:
        """Until a getUpdates answer has carried this update to the bot. LookupError if it
        was dropped undelivered (deleteWebhook(drop_pending_updates), allowed_updates)."""
        await self._wait_update(self.state.updates.delivered(update_id), update_id, timeout)

    async def wait_confirmed(self, update_id: int, timeout: float = 5.0) -> None:
        """Until the bot acknowledged the update with a later getUpdates offset. PTB does
        that only after putting the update into its update_queue."""
        await self._wait_update(self.state.updates.confirmed(update_id), update_id, timeout)

    async def wait_polling(self, timeout: float = 5.0) -> None:
        """Until a getUpdates call is held open waiting for updates: the bot is idle."""
        try:
            await asyncio.wait_for(self.state.updates.polling(), timeout)
        except TimeoutError:
            raise TimeoutError(f"no getUpdates call waited for updates within {timeout} s") from None

    async def _wait_update(self, done: asyncio.Future[None], update_id: int, timeout: float) -> None:
        try:
            await asyncio.wait_for(done, timeout)
        except TimeoutError:
            updates = self.state.updates
            raise TimeoutError(
                f"update {update_id} not handed over within {timeout} s (delivered up to "
                f"{updates.delivered_upto}, offset {updates.confirmed_below}, "
                f"{updates.pending_count} pending); is the bot polling?"
            ) from None

    def stats(self) -> JSON:
        updates = self.state.updates
        return {
            "calls": dict(self.calls_by_method),
            "statuses": {str(status): n for status, n in self.answers_by_status.items()},
            "too_many_requests": self.answers_by_status[429],
            "flood_limited": self.flood_limited,
            "retry_after_ignored": self.retry_after_ignored,
            "updates_delivered_upto": updates.delivered_upto,
            "updates_pending": updates.pending_count,
            "events": self.log.last_seq,
        }

    # --- faults ---

    def fail_next(
        self,
        method: str,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """The next `count` calls of method ("*" for any), optionally only for one chat,
        fail with this status. The description defaults to Telegram's wording."""
        self.faults.fail_next(method, status, description, retry_after, count, chat_id)

    def fail_for(
        self,
        seconds: float,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Every call (or every call of `methods`) fails for the next `seconds`. A 429
        without retry_after tells the client to wait until the outage ends."""
        self.faults.fail_for(seconds, status, description, retry_after, methods)

    def hang(self, method: str, seconds: float, count: int = 1, chat_id: int | str | None = None) -> None:
        """The next `count` calls of method (optionally only for one chat) take effect but are
        answered `seconds` late. With a fail_next for the same call, it fails instead, as late."""
        self.faults.hang(method, seconds, count, chat_id)

    def hang_for(self, window: float, seconds: float, methods: Iterable[str] | None = None) -> None:
        """For the next `window` seconds, calls take effect but are answered `seconds` late."""
        self.faults.hang_for(window, seconds, methods)

    def clear_faults(self) -> None:
        self.faults.clear()

    # --- serving one call ---

    async def call(self, token: str, method: str, params: Params) -> Answer:
        """Everything a Bot API call does, minus HTTP: auth, faults, limits, the method, the log."""
        name = _BY_LOWER_NAME.get(method.lower(), method)
        chat_id = params.chat_id_or_none()
        result: Any = None
        arrived = time.monotonic()
        if name in SENDING and self._retry_answered + self.latency + IN_FLIGHT < arrived < self._retry_until:
            self.retry_after_ignored += 1
        try:
            if token != self.state.token:
                raise ApiError(401, "Unauthorized")
            if name not in METHODS:
                raise ApiError(404, "Not Found")
            injected = self.faults.failure(name, chat_id)
            if injected is not None:
                raise injected
            if self.enforce_limits and name in SENDING and chat_id is not None:
                retry_after = self.limiter.acquire(chat_id, paid=params.flag("allow_paid_broadcast"))
                if retry_after is not None:
                    self.flood_limited += 1
                    raise too_many_requests(retry_after)
            result = await METHODS[name](self.state, params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as exc:
            status, body = exc.status, exc.envelope()
        self.calls_by_method[name] += 1
        self.answers_by_status[status] += 1
        hold = self.faults.delay(name, chat_id)
        if status == 429:
            retry_after = body.get("parameters", {}).get("retry_after", 0)
            self._retry_answered = arrived + hold
            self._retry_until = max(self._retry_until, self._retry_answered + retry_after)
        await self.log.record(
            time=time.monotonic(),
            method=name,
            chat_id=chat_id,
            params=params.values,
            status=status,
            description=body.get("description"),
            result=result,
        )
        return Answer(status, body, hold)
