"""Fault drills through the sandbox: the Bot API answers 5xx, 429 or nothing in time for 30
seconds (HAKI_DRILL_SECONDS) while a broadcast is going out and people write. Afterwards, with
nobody stepping in, the bot answers again and every subscriber has the broadcast. The disk's
own drills are in tests/test_disk_drills.py."""

import asyncio
import os
import time
from datetime import UTC, datetime

from app.offline import OfflineBot
from bot.broadcasts import composer as broadcasts
from bot.guide.navigation import Prefs
from bot.updates.subscriptions import Subscription
from tests.conftest import Chatter

DRILL_SECONDS = float(os.environ.get("HAKI_DRILL_SECONDS", "30"))
WORKERS = 20
FIRST = 7_700_000


async def drill(navigator, tmp_path, fault: str) -> dict:
    async with OfflineBot(navigator, data_dir=tmp_path / fault) as bot:
        s = bot.app.bot_data["haki"]
        ids = list(range(FIRST, FIRST + WORKERS))
        for chat_id in ids:
            bot.sandbox.user(chat_id)
            await s.subscriptions.save(chat_id, chat_id, Subscription("en", {"pay": None}))
        t = navigator.texts_for(Prefs(language="en"), None)
        text = broadcasts.worker_message(t, f"Drill {fault}")

        if fault == "5xx":
            bot.sandbox.fail_for(DRILL_SECONDS, 502)
        elif fault == "429":
            bot.sandbox.fail_for(DRILL_SECONDS, 429)
        else:  # every answer comes after the client's 5 s read timeout
            bot.sandbox.hang_for(DRILL_SECONDS, 6.0)
        started = time.monotonic()
        recipients = await s.subscriptions.audience(["en"], None, ["pay"], datetime.now(UTC))
        broadcast_id = await s.store.broadcasts.create_broadcast({"en": text}, recipients)
        s.deliverer.wake()
        during = bot.sandbox.user(ids[0]).send_text("/start")  # written in the middle of it

        def everyone_has_it() -> bool:
            return all(any(m.text and "Drill" in m.text for m in bot.sandbox.user(c).bot_messages) for c in ids)

        await bot.sandbox.log.wait_until(everyone_has_it, DRILL_SECONDS + 90)
        recovered_after = time.monotonic() - started - DRILL_SECONDS
        await asyncio.wait_for(s.progress.wait_over(broadcast_id), 60)  # every row settled
        await bot.settle(during, timeout=60)
        # A new person, after the drill. Polling may still be backing off (python-telegram-bot waits
        # up to 30 s between failed getUpdates), so the answer can take that long.
        newcomer = Chatter(bot, FIRST + 500)
        await bot.settle(newcomer.user.send_text("/start"), timeout=60)
        after = newcomer.last
        summary = await s.store.broadcasts.broadcast_summary(broadcast_id, time.time())
        received = [sum(1 for m in bot.sandbox.user(c).bot_messages if m.text and "Drill" in m.text) for c in ids]
        return {
            "fault": fault,
            "answers_after": after.text.startswith(t.plain("welcome")[:10]),
            "polling": bot.app.updater.running,
            "received": received,
            "counts": summary.counts,
            "recovered_after": recovered_after,
        }


async def test_the_bot_rides_out_thirty_seconds_of_bot_api_failures(navigator, tmp_path):
    # Side by side, each bot with its own sandbox; a failing drill cancels the others.
    async with asyncio.TaskGroup() as drills:
        running = [drills.create_task(drill(navigator, tmp_path, fault)) for fault in ("5xx", "429", "timeout")]
    results = [task.result() for task in running]
    for r in results:
        assert r["polling"] and r["answers_after"], r
        assert min(r["received"]) >= 1, r  # nobody lost the broadcast
        # A send that timed out may have arrived and is sent again; nothing else twice.
        assert max(r["received"]) <= (2 if r["fault"] == "timeout" else 1), r
        assert r["counts"]["failed"] == 0 and r["counts"]["pending"] == 0, r
        assert r["recovered_after"] < 60, r  # resumes by itself, soon
