"""Broadcast benchmark: the delivery engine (bot/broadcasts/delivery.py) sends one broadcast to N recipients.

Three processes, as in production: the sandbox standing in for Telegram, the engine alone
(bench/broadcast_worker.py: the real python-telegram-bot Bot over aiohttp, SQLite, AES-GCM),
and this driver, which subscribes every recipient to pay updates and makes the broadcast as
/broadcast does (bot/updates/subscriptions.py, bot/broadcasts/composer.py) in a fresh database, then follows the
sandbox's event log.

1. Telegram's conditions: flood limits enforced (30 messages/s overall, ~1/s per chat) and
   200 ms per Bot API answer, at the engine's default rate of 25/s. Reports the achieved rate
   (first to last send, as the sandbox saw them) over the configured one, the 429s received,
   and recipients lost (never got the message) or sent twice.
2. The engine's ceiling: no limits, no latency, a paid broadcast at the highest rate allowed
   (1000/s). Reports messages/s, and messages per CPU-second of the engine's process (what one
   core could sustain if nothing else capped it).
For both: CPU seconds and peak RSS of the engine's process.

Usage: .venv/bin/python bench/broadcast.py [--recipients 10000] [--ceiling-recipients 10000]
At 25/s, 10,000 recipients take about 400 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from process_stats import cpu_seconds, peak_rss_mb  # noqa: E402

from app.cli import CONTENT_DIR  # noqa: E402
from bot.broadcasts import composer  # noqa: E402
from bot.guide.check import load_navigator  # noqa: E402
from bot.guide.navigation import Prefs  # noqa: E402
from bot.privacy.chat_cipher import ChatCipher  # noqa: E402
from bot.privacy.pseudonyms import Pseudonyms  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.updates.subscriptions import Subscription, Subscriptions  # noqa: E402
from sandbox.remote import RemoteSandbox  # noqa: E402

NAVIGATOR = load_navigator(CONTENT_DIR)

TOKEN = "123456789:" + "C" * 35
FIRST_CHAT = 5_000_000_000


@dataclass
class Result:
    recipients: int
    rate: float
    achieved: float = 0.0
    too_many_requests: int = 0
    lost: int = 0
    duplicated: int = 0
    failed_rows: int = 0
    cpu: float = 0.0
    peak_rss_mb: float = 0.0
    wall: float = 0.0
    sandbox_cpu: float = 0.0  # the sandbox shares the machine's cores with the engine
    audience_ms: float = 0.0  # finding the subscribers and their quiet hours, as /broadcast does


def start_sandbox(latency_ms: int, limits: bool, recipients: int) -> tuple[subprocess.Popen, str, str]:
    command = [sys.executable, "-m", "sandbox", "--port", "0", "--token", TOKEN, "--latency-ms", str(latency_ms)]
    command += ["--max-events", str(recipients * 2 + 1000)] + (["--enforce-limits"] if limits else [])
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if "sandbox ready" not in line:
        raise RuntimeError(f"sandbox did not start: {line!r}")
    fields = dict(part.split("=", 1) for part in line.split()[2:])
    return proc, fields["base_url"], fields["control"].removesuffix("/sandbox")


async def measure(recipients: int, rate: float, *, paid: bool, latency_ms: int, limits: bool) -> Result:
    result = Result(recipients, rate)
    key = secrets.token_urlsafe(32)
    chats = range(FIRST_CHAT, FIRST_CHAT + recipients)
    sandbox, base_url, control = start_sandbox(latency_ms, limits, recipients)
    with tempfile.TemporaryDirectory(prefix="haki-broadcast-") as folder:
        db = Path(folder) / "haki.sqlite3"
        try:
            async with RemoteSandbox(control, max_concurrency=16) as remote:
                # Subscribers are people who wrote to the bot: the sandbox only knows such chats.
                await asyncio.gather(*(remote.send_text(chat_id, "/start") for chat_id in chats))
                store = await Store.open(db)
                broadcast_id, result.audience_ms = await subscribe_and_broadcast(store, key, chats)
                worker = await start_worker(db, base_url, rate, paid, key)
                try:
                    engine, telegram = psutil.Process(worker.pid), psutil.Process(sandbox.pid)
                    started, cpu_at_start = time.monotonic(), cpu_seconds(engine)  # imports left out
                    sandbox_cpu_at_start = cpu_seconds(telegram)
                    sends = await follow(remote, set(chats))
                    result.wall = time.monotonic() - started
                    result.cpu = cpu_seconds(engine) - cpu_at_start
                    result.sandbox_cpu = cpu_seconds(telegram) - sandbox_cpu_at_start
                    result.peak_rss_mb = peak_rss_mb(engine)
                finally:
                    worker.send_signal(signal.SIGTERM)
                    await worker.wait()
                ok = [event for event in sends if event["status"] == 200]
                result.achieved = (len(ok) - 1) / (ok[-1]["time"] - ok[0]["time"])
                result.too_many_requests = (await remote.stats())["too_many_requests"]
                delivered: dict[int, int] = {}
                for event in ok:
                    delivered[event["chat_id"]] = delivered.get(event["chat_id"], 0) + 1
                result.lost = recipients - len(delivered)
                result.duplicated = sum(n - 1 for n in delivered.values())
                result.failed_rows = recipients - (await store.broadcasts.outbox_counts(broadcast_id))["sent"]
                await store.close()
        finally:
            sandbox.terminate()
            sandbox.wait(30)
    return result


async def subscribe_and_broadcast(store: Store, key: str, chats: range) -> tuple[str, float]:
    """Every chat subscribes to pay updates as the Updates menu stores it; then the broadcast is
    made as /broadcast makes it. Returns its id and the time to compute the audience (ms)."""
    secret = key.encode()
    subscriptions = Subscriptions(store.subscriptions, Pseudonyms(secret), ChatCipher(secret), NAVIGATOR.content)
    for chat_id in chats:
        await subscriptions.save(chat_id, chat_id, Subscription("en", {"pay": None}, "KE"))
    started = time.perf_counter()
    recipients = await subscriptions.audience(["en"], None, ["pay"], datetime.now(UTC))
    audience_ms = (time.perf_counter() - started) * 1000
    t = NAVIGATOR.texts_for(Prefs(language="en"), None)
    text = composer.worker_message(t, "Pay day moves to Friday. Bring your ID.")
    return await store.broadcasts.create_broadcast({"en": text}, recipients), audience_ms


async def start_worker(db: Path, base_url: str, rate: float, paid: bool, key: str) -> asyncio.subprocess.Process:
    command = [sys.executable, str(REPO / "bench" / "broadcast_worker.py"), str(db), base_url, TOKEN, f"--rate={rate}"]
    worker = await asyncio.create_subprocess_exec(
        *command + (["--paid"] if paid else []),
        env=os.environ | {"HAKI_SECRET_KEY": key},
        stdout=asyncio.subprocess.PIPE,
    )
    if await worker.stdout.readline() != b"deliverer running\n":
        raise RuntimeError("the delivery worker did not start")
    return worker


async def follow(remote: RemoteSandbox, chats: set[int]) -> list[dict]:
    """sendMessage events until every chat has had one accepted."""
    waiting, sends, after = set(chats), [], 0
    while waiting:
        for event in await remote.events(after=after, timeout=5.0):
            after = event["seq"]
            if event["method"] == "sendMessage":
                sends.append(event)
                if event["status"] == 200:
                    waiting.discard(event["chat_id"])
    return sends


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--ceiling-recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0)
    args = parser.parse_args()

    print(f"1. {args.recipients} recipients at {args.rate:g}/s, flood limits enforced, 200 ms Bot API latency")
    real = asyncio.run(measure(args.recipients, args.rate, paid=False, latency_ms=200, limits=True))
    print(f"2. ceiling: {args.ceiling_recipients} recipients, paid at 1000/s, no limits, no latency")
    ceiling = asyncio.run(measure(args.ceiling_recipients, 1000, paid=True, latency_ms=0, limits=False))

    print(f"\nmachine: {os.cpu_count()} CPUs shared by the sandbox, the engine and this driver")
    print(f"{'':34}{'telegram-like':>15}{'ceiling':>12}")
    rows = [
        ("recipients", real.recipients, ceiling.recipients, "{:.0f}"),
        ("configured rate (msg/s)", real.rate, ceiling.rate, "{:.0f}"),
        ("achieved rate (msg/s)", real.achieved, ceiling.achieved, "{:.1f}"),
        ("achieved / configured", real.achieved / real.rate, ceiling.achieved / ceiling.rate, "{:.3f}"),
        ("429 Too Many Requests", real.too_many_requests, ceiling.too_many_requests, "{:.0f}"),
        ("lost (never received)", real.lost, ceiling.lost, "{:.0f}"),
        ("received twice", real.duplicated, ceiling.duplicated, "{:.0f}"),
        ("rows not 'sent'", real.failed_rows, ceiling.failed_rows, "{:.0f}"),
        ("wall time (s)", real.wall, ceiling.wall, "{:.1f}"),
        ("engine CPU (s)", real.cpu, ceiling.cpu, "{:.2f}"),
        (
            "engine CPU per message (ms)",
            real.cpu * 1000 / real.recipients,
            ceiling.cpu * 1000 / ceiling.recipients,
            "{:.3f}",
        ),
        ("messages per engine CPU-second", real.recipients / real.cpu, ceiling.recipients / ceiling.cpu, "{:.0f}"),
        ("audience of all subscribers (ms)", real.audience_ms, ceiling.audience_ms, "{:.0f}"),
        ("engine peak RSS (MB)", real.peak_rss_mb, ceiling.peak_rss_mb, "{:.1f}"),
        ("sandbox CPU (s), same machine", real.sandbox_cpu, ceiling.sandbox_cpu, "{:.2f}"),
    ]
    for name, a, b, form in rows:
        print(f"{name:34}{form.format(a):>15}{form.format(b):>12}")
    targets = [
        ("achieved / configured >= 0.97 under Telegram's limits", real.achieved / real.rate >= 0.97),
        ("no 429", real.too_many_requests == 0),
        ("nothing lost", real.lost == 0 and ceiling.lost == 0),
        ("ceiling >= 1000 messages/s", ceiling.achieved >= 1000),
        (
            "one core sustains >= 1000 messages/s (messages per engine CPU-second)",
            ceiling.recipients / ceiling.cpu >= 1000,
        ),
    ]
    print("\n" + "\n".join(f"{'met ' if ok else 'MISSED'}  {name}" for name, ok in targets))


if __name__ == "__main__":
    main()
