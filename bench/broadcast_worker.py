"""The delivery engine alone in a process: drains the outbox of a Haki database through a Bot API.

Used by tests/test_delivery.py (killed with SIGKILL mid-broadcast, then started again) and by
bench/broadcast.py (measured for CPU and memory). Stops cleanly on SIGTERM or SIGINT.

Usage: python bench/broadcast_worker.py DB BASE_URL TOKEN [--rate 25] [--paid] [--concurrency N]
The secret key comes from HAKI_SECRET_KEY, as in the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import sys
from pathlib import Path

from telegram import Bot

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.broadcasts.delivery import Deliverer  # noqa: E402
from bot.privacy.chat_cipher import ChatCipher  # noqa: E402
from bot.store import Store  # noqa: E402
from handlers.delivery import telegram_send  # noqa: E402
from handlers.http_client import AiohttpRequest  # noqa: E402


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("base_url")
    parser.add_argument("token")
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--paid", action="store_true")
    parser.add_argument("--concurrency", type=int)
    args = parser.parse_args()

    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    store = await Store.open(args.db)
    # One connection per send in flight (the deliverer's concurrency defaults to a second of sends).
    request = AiohttpRequest(connection_pool_size=max(256, args.concurrency or math.ceil(args.rate)))
    bot = Bot(args.token, base_url=args.base_url, request=request, get_updates_request=AiohttpRequest(1))
    try:
        async with bot:
            deliverer = Deliverer(
                store.broadcasts,
                telegram_send(bot.send_message),
                ChatCipher(os.environ["HAKI_SECRET_KEY"].encode()),
                args.rate,
                paid=args.paid,
                concurrency=args.concurrency,
            )
            print("deliverer running", flush=True)  # the parent waits for this line
            await deliverer.run(stop)
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
