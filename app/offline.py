"""Haki running against the local Telegram sandbox: for the demo, the tests and benchmarks.

The real python-telegram-bot Application polls the sandbox over real HTTP; only the
Telegram servers are replaced. `settle(update_id)` returns once the bot has finished
handling that update, so callers never have to guess with sleeps.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from telegram import Update

from bot.config import Config
from bot.guide.navigation import Navigator
from handlers.application import build_application, start_services, stop_services
from handlers.services import SERVICES
from sandbox import Sandbox

DEMO_TOKEN = "123456789:" + "S" * 35  # the sandbox accepts it; Telegram never sees it
# enforce_limits=False is a Telegram without flood limits, for tests of flows rather than of limits
# (a test hammering one chat would otherwise wait a second a message): the bot's send budget is
# opened to match. With enforce_limits=True (the demo, the broadcast and flood tests) both are
# Telegram's, and the budget is the production one.
UNLIMITED = {"send_rate": 1000.0, "chat_send_rate": 1000.0}


class OfflineBot:
    def __init__(
        self,
        navigator: Navigator,
        *,
        data_dir: Path | None = None,
        secret_key: bytes | None = None,
        latency: float = 0.0,
        enforce_limits: bool = False,
        organizers: frozenset[int] = frozenset(),
        researchers: frozenset[int] = frozenset(),
        reviewers: frozenset[int] = frozenset(),
        clock: Callable[[], datetime] | None = None,
    ):
        self.navigator = navigator
        self._tmp = tempfile.TemporaryDirectory(prefix="haki-") if data_dir is None else None
        self.data_dir = data_dir or Path(self._tmp.name)
        self.secret_key = secret_key or secrets.token_bytes(32)  # throwaway unless given
        self.sandbox = Sandbox(token=DEMO_TOKEN, latency=latency, enforce_limits=enforce_limits)
        self._organizers, self._researchers, self._reviewers = organizers, researchers, reviewers
        self._clock = clock  # the retention sweep's, from its first run at start-up
        self.handled: set[int] = set()  # update ids the bot has finished with
        self._waiting: dict[int, asyncio.Future[None]] = {}

    async def __aenter__(self) -> OfflineBot:
        await self.sandbox.start(host="127.0.0.1", port=0)
        config = Config(
            token=DEMO_TOKEN,
            secret_key=self.secret_key,
            api_url=self.sandbox.base_url,
            data_dir=self.data_dir,
            organizers=self._organizers,
            researchers=self._researchers,
            reviewers=self._reviewers,
            **({} if self.sandbox.enforce_limits else UNLIMITED),
        )
        self.app = build_application(config, self.navigator)
        self.app.update_processor.on_processed.append(self._processed)
        # The manual lifecycle of PTB's "run alongside other asyncio code" pattern;
        # post_init is not called by initialize(), so services are started here.
        await self.app.initialize()
        await start_services(self.app)
        if self._clock is not None:
            self.app.bot_data[SERVICES].clock = self._clock
        await self.app.start()
        await self.app.updater.start_polling(poll_interval=0, timeout=5, allowed_updates=Update.ALL_TYPES)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.updater.stop()
        await self.app.stop()
        await stop_services(self.app)
        await self.app.shutdown()
        await self.sandbox.stop()
        if self._tmp:
            self._tmp.cleanup()

    def _processed(self, update: object) -> None:
        if not isinstance(update, Update):
            return
        self.handled.add(update.update_id)
        waiter = self._waiting.pop(update.update_id, None)
        if waiter is not None:
            waiter.set_result(None)

    async def settle(self, update_id: int, timeout: float = 30.0) -> None:
        """Wait until the bot has finished handling the update (the timeout only bounds a failure:
        a busy machine running the whole suite can take seconds for what usually takes milliseconds)."""
        if update_id in self.handled:
            return
        waiter = self._waiting.setdefault(update_id, asyncio.get_running_loop().create_future())
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            raise TimeoutError(f"the bot did not finish update {update_id} within {timeout} s") from None
