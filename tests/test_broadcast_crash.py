"""`python bot.py run` stopped in the middle of a broadcast. Killed (SIGKILL): after a restart
every subscriber has the message, exactly once, except at most the sends that were in flight.
Stopped (SIGTERM, as docker stop does): the sends in flight finish and are recorded, the
broadcast waits in the database, and the next start finishes it with no message sent twice."""

import asyncio
import math
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime

import pytest

from bot.broadcasts import composer as broadcasts
from bot.guide.navigation import Prefs
from bot.privacy.chat_cipher import ChatCipher
from bot.privacy.pseudonyms import Pseudonyms
from bot.store import Store
from bot.updates.subscriptions import Subscription, Subscriptions
from sandbox import Sandbox
from tests.conftest import REPO
from tests.processes import Processes, answered, exit_code

TOKEN = "123456789:" + "K" * 35
KEY = "crash-test-" + "k" * 32
RATE = 20
WORKERS = 60
FIRST = 6_100_000_000


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "terminated"])
async def test_a_stopped_bot_resumes_its_broadcast(navigator, tmp_path, stop):
    data = tmp_path / "data"
    async with Sandbox(token=TOKEN, latency=0.05) as sandbox, Processes() as processes:
        ids = list(range(FIRST, FIRST + WORKERS))
        for chat_id in ids:
            sandbox.user(chat_id)
        # Workers who chose pay updates, and an organizer's broadcast written as /broadcast writes it.
        store = await Store.open(data / "haki.sqlite3")
        secret = KEY.encode()
        subscriptions = Subscriptions(store.subscriptions, Pseudonyms(secret), ChatCipher(secret), navigator.content)
        for chat_id in ids:
            await subscriptions.save(chat_id, chat_id, Subscription("en", {"pay": None}))
        t = navigator.texts_for(Prefs(language="en"), None)
        text = broadcasts.worker_message(t, "Pay day moves to Friday.")
        recipients = await subscriptions.audience(["en"], None, ["pay"], datetime.now(UTC))
        await store.broadcasts.create_broadcast({"en": text}, recipients)
        await store.close()

        env = os.environ | {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": sandbox.base_url,
            "HAKI_DATA_DIR": str(data),
            "HAKI_SECRET_KEY": KEY,
            "HAKI_BROADCAST_RATE": str(RATE),
        }

        def sent() -> Counter[int]:
            return Counter(
                e.chat_id for e in sandbox.log.snapshot() if e.method == "sendMessage" and e.ok and e.chat_id in ids
            )

        async def start() -> asyncio.subprocess.Process:
            return await processes.start(sys.executable, "bot.py", "run", cwd=REPO, env=env)

        bot = await start()
        await sandbox.log.wait_until(lambda: sum(sent().values()) >= 15, 30)
        bot.send_signal(stop)
        assert await exit_code(bot) == (0 if stop == signal.SIGTERM else -signal.SIGKILL)
        assert sum(sent().values()) < WORKERS  # stopped mid-broadcast
        if stop == signal.SIGTERM:  # what went out is recorded; the rest waits, nothing failed
            store = await Store.open(data / "haki.sqlite3")
            (summary,) = await store.broadcasts.recent_broadcasts(1, 0)
            await store.close()
            assert summary.status == "sending" and summary.counts["failed"] == 0
            assert summary.counts["sent"] == sum(sent().values())

        bot = await start()
        await answered(sandbox, ids, timeout=30)
        bot.send_signal(signal.SIGTERM)
        assert await exit_code(bot) == 0

        got = sent()
        assert min(got.values()) == 1
        in_flight = 0 if stop == signal.SIGTERM else math.ceil(RATE)  # the deliverer's concurrency: 1 s of sends
        assert sum(got.values()) - WORKERS <= in_flight
        assert all(m.text.endswith(t.plain("broadcast_footer")) for m in sandbox.user(ids[0]).bot_messages)

    store = await Store.open(data / "haki.sqlite3")
    try:
        (summary,) = await store.broadcasts.recent_broadcasts(1, 0)
        assert summary.status == "done" and summary.counts["sent"] == WORKERS
    finally:
        await store.close()
