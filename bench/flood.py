"""Replies during a broadcast: workers tap while an organizer's broadcast goes out, under Telegram's limits.

Three processes, as in production: the sandbox standing in for Telegram (flood limits enforced:
30 messages a second in all, about one a second per chat, 429 "retry after" beyond; 200 ms per
Bot API answer), the bot (`python bot.py run`, unchanged), and this driver. The driver has N
workers subscribe to pay updates, then an organizer composes and sends a broadcast through the
bot as /broadcast does, at the default rate (25 a second). Once it is going out, W other workers
each send /start and, once the menu is there, press a button, at random moments over the
broadcast's first half. The same broadcast is then sent again without the workers.

Prints: the workers' reply latency (update created -> answer at the sandbox) p50/p95/p99, the
429s the sandbox answered and any it saw ignored, the broadcast's duration and rate with and
without the workers, and the bot's CPU: per broadcast message, and per worker update (the CPU
the run with workers used beyond the one without, over the workers' updates).

Telegram's 30 a second caps broadcast and replies together: with the /start answers of W workers
inside a broadcast of N messages, the broadcast can keep at most N / ((N + W) / 30) of its rate.
Two sizes run: the end-to-end test's (150 subscribers, 60 workers: that cap is 0.86 x 25 a
second) and a longer broadcast (600) over which 60 replies can be absorbed.

Usage: .venv/bin/python bench/flood.py [--sizes 150,600] [--workers 60] [--latency-ms 200]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from menus import Listener, start_bot  # noqa: E402
from process_stats import cpu_seconds, stop  # noqa: E402

from app.cli import CONTENT_DIR  # noqa: E402
from bot.config import SEND_RATE  # noqa: E402
from bot.guide.check import load_navigator  # noqa: E402
from bot.guide.navigation import Prefs  # noqa: E402
from bot.privacy.chat_cipher import ChatCipher  # noqa: E402
from bot.privacy.pseudonyms import Pseudonyms  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.updates.subscriptions import Subscription, Subscriptions  # noqa: E402
from sandbox.remote import RemoteSandbox  # noqa: E402

NAVIGATOR = load_navigator(CONTENT_DIR)
T = NAVIGATOR.texts_for(Prefs(language="en"), None)
TOKEN = "123456789:" + "B" * 35  # bench/menus.py's start_bot uses this token
SECRET = "bench-" + "k" * 40  # and this key
ORGANIZER = 4_000_000_001
FIRST_SUBSCRIBER = 4_100_000_000
FIRST_WORKER = 4_200_000_000
RATE = 25.0  # HAKI_BROADCAST_RATE's default


@dataclass
class Run:
    subscribers: int
    workers: int
    latencies: list[float] = field(default_factory=list)
    duration: float = 0.0  # first to last broadcast message, as the sandbox saw them
    received_twice: int = 0
    lost: int = 0
    replies_lost: int = 0
    too_many_requests: int = 0
    retry_after_ignored: int = 0
    cpu: float = 0.0  # the bot's, from Send to the last broadcast message

    @property
    def rate(self) -> float:
        return (self.subscribers - 1) / self.duration

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def start_sandbox(latency_ms: int, events: int) -> tuple[subprocess.Popen, str, str]:
    command = [sys.executable, "-m", "sandbox", "--port", "0", "--token", TOKEN, "--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(
        command + ["--enforce-limits", "--max-events", str(events)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    line = proc.stdout.readline()
    if "sandbox ready" not in line:
        raise RuntimeError(f"sandbox did not start: {line!r}")
    fields = dict(part.split("=", 1) for part in line.split()[2:])
    return proc, fields["base_url"], fields["control"].removesuffix("/sandbox")


async def act(remote: RemoteSandbox, listener: Listener, chat: int, action) -> dict:
    """Do something as this chat's person; returns the bot's answer event (the one Telegram took:
    an answer refused with 429 is sent again)."""
    reply = listener.expect(chat)
    await action()
    while (event := await asyncio.wait_for(reply, 120))["status"] != 200:
        reply = listener.expect(chat)
    return event


async def press_label(remote: RemoteSandbox, listener: Listener, chat: int, label: str) -> dict:
    for message in reversed(await remote.messages(chat)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == label:
                    return await act(
                        remote,
                        listener,
                        chat,
                        functools.partial(remote.press, chat, message["message_id"], button["callback_data"]),
                    )
    raise RuntimeError(f"no button {label!r} in the organizer's chat")


async def broadcast(remote: RemoteSandbox, listener: Listener) -> None:
    """/broadcast to Send, as an organizer does: every language, every country, pay, one text."""
    await act(remote, listener, ORGANIZER, lambda: remote.send_text(ORGANIZER, "/broadcast"))
    for label in (T.plain("button_next"), T.plain("button_next"), f"▫️ {T.plain('topic_pay')}", T.plain("button_next")):
        await press_label(remote, listener, ORGANIZER, label)
    await press_label(remote, listener, ORGANIZER, T.plain("broadcast_mode_one"))
    await act(remote, listener, ORGANIZER, lambda: remote.send_text(ORGANIZER, "Pay day moves to Friday."))
    while not await has_button(remote, ORGANIZER, T.plain("broadcast_send")):  # the preview comes in parts
        await asyncio.sleep(0.05)
    await press_label(remote, listener, ORGANIZER, T.plain("broadcast_send"))


async def has_button(remote: RemoteSandbox, chat: int, label: str) -> bool:
    return any(
        button["text"] == label
        for message in await remote.messages(chat)
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
    )


async def worker(remote: RemoteSandbox, listener: Listener, run: Run, chat: int, delay: float) -> None:
    await asyncio.sleep(delay)  # the moment this worker picks up the phone
    started = time.monotonic()
    menu = await act(remote, listener, chat, lambda: remote.send_text(chat, "/start"))
    run.latencies.append(menu["time"] - started)
    keyboard = menu["params"]["reply_markup"]
    keyboard = keyboard if isinstance(keyboard, dict) else json.loads(keyboard)
    data = next(b["callback_data"] for row in keyboard["inline_keyboard"] for b in row if "Privacy" in b["text"])
    started = time.monotonic()
    page = await act(remote, listener, chat, lambda: remote.press(chat, menu["result"]["message_id"], data))
    run.latencies.append(page["time"] - started)


async def measure(subscribers: int, workers: int, latency_ms: int, seed: int = 7) -> Run:
    run = Run(subscribers, workers)
    sandbox, base_url, control = start_sandbox(latency_ms, events=20 * (subscribers + workers) + 10_000)
    header = T.plain("broadcast_header")
    with tempfile.TemporaryDirectory(prefix="haki-flood-") as data_dir:
        bot = start_bot("haki", base_url, data_dir)  # with HAKI_ORGANIZERS from main()
        try:
            async with RemoteSandbox(control, max_concurrency=16) as remote:
                listener = Listener(remote)
                await asyncio.wait_for(listener.polling, 60)
                # The subscribers are people who wrote to the bot (the sandbox only knows such chats).
                chats = range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + subscribers)
                await asyncio.gather(
                    *(act(remote, listener, c, lambda c=c: remote.send_text(c, "/start")) for c in chats)
                )
                store = await Store.open(Path(data_dir) / "haki.sqlite3")
                secret = SECRET.encode()
                subs = Subscriptions(store.subscriptions, Pseudonyms(secret), ChatCipher(secret), NAVIGATOR.content)
                for chat in chats:
                    await subs.save(chat, chat, Subscription("en", {"pay": None}, "KE"))
                await store.close()

                bot_ps = psutil.Process(bot.pid)
                before = await remote.stats()  # the subscribers' /start answers are not counted
                mark = before["events"]
                cpu0 = cpu_seconds(bot_ps)
                await broadcast(remote, listener)
                rng = random.Random(seed)
                half = subscribers / RATE / 2
                jobs = [worker(remote, listener, run, FIRST_WORKER + i, rng.uniform(0, half)) for i in range(workers)]
                sends = await asyncio.gather(follow(remote, set(chats), header, mark), *jobs)
                run.cpu = cpu_seconds(bot_ps) - cpu0
                ok = sends[0]
                run.duration = ok[-1]["time"] - ok[0]["time"]
                counts: dict[int, int] = {}
                for event in ok:
                    counts[event["chat_id"]] = counts.get(event["chat_id"], 0) + 1
                run.lost = subscribers - len(counts)
                run.received_twice = sum(n - 1 for n in counts.values())
                run.replies_lost = 2 * workers - len(run.latencies)
                stats = await remote.stats()
                run.too_many_requests = stats["too_many_requests"] - before["too_many_requests"]
                run.retry_after_ignored = stats["retry_after_ignored"] - before["retry_after_ignored"]
                await listener.close()
        finally:
            stop(bot, sandbox)
    return run


async def follow(remote: RemoteSandbox, chats: set[int], header: str, after: int) -> list[dict]:
    """The broadcast's accepted messages, until every subscriber has one."""
    waiting, sends = set(chats), []
    while waiting:
        for event in await remote.events(after=after, timeout=5.0):
            after = event["seq"]
            if event["method"] == "sendMessage" and event["status"] == 200 and event["chat_id"] in chats:
                if str(event["params"].get("text", "")).startswith(header):
                    sends.append(event)
                    waiting.discard(event["chat_id"])
    return sends


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="150,600", help="subscribers of each broadcast measured")
    parser.add_argument("--workers", type=int, default=60)
    parser.add_argument("--latency-ms", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    os.environ["HAKI_ORGANIZERS"] = str(ORGANIZER)  # start_bot passes the environment on

    results = []
    for size in sizes:
        print(f"{size} subscribers, {args.workers} workers tapping, {args.latency_ms} ms Bot API latency ...")
        busy = asyncio.run(measure(size, args.workers, args.latency_ms))
        print(f"{size} subscribers, nobody tapping ...")
        alone = asyncio.run(measure(size, 0, args.latency_ms))
        results.append((size, busy, alone))

    print(
        f"\nmachine: {os.cpu_count()} CPUs shared by the sandbox, the bot and this driver; send budget {SEND_RATE:g}/s"
    )
    for size, busy, alone in results:
        cap = size / ((size + args.workers) / 30) / RATE
        extra_cpu = busy.cpu - alone.cpu
        rows = [
            ("worker replies (answers to /start and a press)", f"{len(busy.latencies)}"),
            ("replies lost", f"{busy.replies_lost}"),
            (
                "reply latency p50 / p95 / p99 (ms)",
                "{:.0f} / {:.0f} / {:.0f}".format(*(busy.pct(q) * 1000 for q in (0.5, 0.95, 0.99))),
            ),
            ("429 answered / ignored by the bot", f"{busy.too_many_requests} / {busy.retry_after_ignored}"),
            ("429 answered without the workers", f"{alone.too_many_requests}"),
            (
                "broadcast lost / received twice",
                f"{busy.lost + alone.lost} / {busy.received_twice + alone.received_twice}",
            ),
            ("broadcast duration with / without workers (s)", f"{busy.duration:.2f} / {alone.duration:.2f}"),
            ("broadcast rate with / without workers (msg/s)", f"{busy.rate:.1f} / {alone.rate:.1f}"),
            ("with workers / configured rate", f"{busy.rate / RATE:.3f} (Telegram's 30/s allows {min(cap, 1):.3f})"),
            ("without workers / configured rate", f"{alone.rate / RATE:.3f}"),
            ("duration with / without", f"{busy.duration / alone.duration:.3f}"),
            ("bot CPU per broadcast message, alone (ms)", f"{alone.cpu * 1000 / size:.2f}"),
            ("bot CPU per worker update (ms)", f"{extra_cpu * 1000 / max(1, 2 * args.workers):.2f}"),
        ]
        print(f"\n{size} subscribers + {args.workers} workers")
        for name, value in rows:
            print(f"  {name:48}{value:>28}")
        targets = [
            ("reply p95 <= 3 s", busy.pct(0.95) <= 3.0),
            (
                "no reply lost, nothing lost or sent twice",
                busy.replies_lost == 0
                and busy.lost + alone.lost == 0
                and busy.received_twice + alone.received_twice == 0,
            ),
            ("no 429 ignored", busy.retry_after_ignored == 0 and alone.retry_after_ignored == 0),
            ("broadcast with workers >= 0.9 x its rate", busy.rate / RATE >= 0.9),
            ("broadcast alone >= 0.97 x its rate", alone.rate / RATE >= 0.97),
        ]
        print("  " + "\n  ".join(f"{'met ' if ok else 'MISSED'}  {name}" for name, ok in targets))


if __name__ == "__main__":
    main()
