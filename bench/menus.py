"""Menu benchmark: N simulated users navigate Haki's menus at once through the sandbox.

Three processes, as in production: the sandbox (standing in for Telegram, with a fixed
latency on every Bot API answer), the bot (`python bot.py run`, unchanged), and this
driver playing the users. Each user waits for the bot's answer before the next tap, like
a person. The same harness then runs a bare python-telegram-bot echo bot (PTB defaults:
one update at a time) for comparison.

Reply latency = from the moment the user's update exists to the moment the bot's answer
reaches the sandbox (what Telegram would then show), so it includes the delivery of the
update to the bot (one Bot API round trip) and the bot's own work.

Two loads: "busy", where every user taps again the instant the answer arrives (the most the
bot can do; latency then only grows with the queue), and "people", where users pause to
read for 2-4 s between taps, like the crowd after a broadcast (about 150 updates/s offered
by 500 users). The echo bot runs the busy load; at one update at a time it cannot serve more.

Usage: ./dev bench [--users 500] [--steps 8] [--latency-ms 200] [--echo-users 50]
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

from process_stats import cpu_seconds, peak_rss_mb, stop  # noqa: E402

from sandbox.remote import RemoteSandbox  # noqa: E402

TOKEN = "123456789:" + "B" * 35
REPLIES = {"sendMessage", "editMessageText"}


@dataclass
class Run:
    name: str
    updates: int = 0
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0  # bot process CPU seconds during the workload
    sandbox_cpu: float = 0.0
    peak_rss_mb: float = 0.0
    errors: int = 0
    driver_cpu: float = 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def summary(self) -> dict[str, float]:
        return {
            "updates": self.updates,
            "updates_per_s": self.updates / self.wall,
            "p50_ms": self.pct(0.50) * 1000,
            "p99_ms": self.pct(0.99) * 1000,
            "cpu_ms_per_update": self.cpu * 1000 / self.updates,
            "bot_peak_rss_mb": self.peak_rss_mb,
            "sandbox_cpu_ms_per_update": self.sandbox_cpu * 1000 / self.updates,
            "driver_cpu_ms_per_update": self.driver_cpu * 1000 / self.updates,
            "api_errors": self.errors,
        }


def start_sandbox(latency_ms: int) -> tuple[subprocess.Popen, str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--token", TOKEN, "--latency-ms", str(latency_ms)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if "sandbox ready" not in line:
        raise RuntimeError(f"sandbox did not start: {line!r}")
    fields = dict(part.split("=", 1) for part in line.split()[2:])
    return proc, fields["base_url"], fields["control"].removesuffix("/sandbox")


def start_bot(kind: str, base_url: str, data_dir: str) -> subprocess.Popen:
    if kind == "haki":
        command = [sys.executable, "bot.py", "run"]
    else:
        command = [sys.executable, "bench/echo_bot.py", base_url, TOKEN]
    env = os.environ | {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": base_url,
        "HAKI_DATA_DIR": data_dir,
        "HAKI_SECRET_KEY": "bench-" + "k" * 40,
        "HAKI_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(command, cwd=REPO, env=env)


class Listener:
    """Follows the sandbox's event log and hands each chat its bot's replies."""

    def __init__(self, remote: RemoteSandbox):
        self.remote = remote
        self.waiting: dict[int, asyncio.Future] = {}
        self.errors = 0
        self.polling = asyncio.get_running_loop().create_future()  # when the bot began to poll
        self._task = asyncio.create_task(self._follow())

    async def _follow(self) -> None:
        after = 0
        while True:
            for event in await self.remote.events(after=after, timeout=1.0):
                after = event["seq"]
                if event["status"] != 200:
                    self.errors += 1
                # deleteWebhook is PTB's last call before it polls (a getUpdates is only
                # logged when answered, up to its long-poll timeout later).
                if event["method"] == "deleteWebhook" and not self.polling.done():
                    self.polling.set_result(event["time"])
                waiter = self.waiting.get(event["chat_id"]) if event["method"] in REPLIES else None
                if waiter is not None and not waiter.done():
                    waiter.set_result(event)

    def expect(self, chat_id: int) -> asyncio.Future:
        future = self.waiting[chat_id] = asyncio.get_running_loop().create_future()
        return future

    async def close(self) -> None:
        self._task.cancel()


async def haki_user(
    remote: RemoteSandbox,
    listener: Listener,
    run: Run,
    user_id: int,
    steps: int,
    rng: random.Random,
    think: tuple[float, float],
) -> None:
    async def act(send) -> dict:
        if think[1]:
            await asyncio.sleep(rng.uniform(*think))  # the person reads the screen
        reply = listener.expect(user_id)
        started = time.monotonic()
        await send()
        event = await asyncio.wait_for(reply, 60)
        run.latencies.append(event["time"] - started)
        run.updates += 1
        return event

    event = await act(functools.partial(remote.send_text, user_id, "/start"))
    for _ in range(steps):
        markup = event["params"].get("reply_markup")
        if markup is None:  # a screen without buttons (e.g. after Exit): back to the menu, as a person would
            event = await act(functools.partial(remote.send_text, user_id, "/menu"))
            continue
        keyboard = json.loads(markup) if isinstance(markup, str) else markup
        choices = [b["callback_data"] for row in keyboard["inline_keyboard"] for b in row if "callback_data" in b]
        message_id = event["result"]["message_id"]
        event = await act(functools.partial(remote.press, user_id, message_id, rng.choice(choices)))


async def echo_user(remote: RemoteSandbox, listener: Listener, run: Run, user_id: int, steps: int) -> None:
    for step in range(steps + 1):
        reply = listener.expect(user_id)
        started = time.monotonic()
        await remote.send_text(user_id, f"hello {step}")
        event = await asyncio.wait_for(reply, 600)
        run.latencies.append(event["time"] - started)
        run.updates += 1


async def measure(
    kind: str, users: int, steps: int, latency_ms: int, think: tuple[float, float] = (0, 0)
) -> tuple[Run, float]:
    sandbox, base_url, control = start_sandbox(latency_ms)
    with tempfile.TemporaryDirectory(prefix="haki-bench-") as data_dir:
        launched = time.monotonic()
        bot = start_bot(kind, base_url, data_dir)
        run = Run(kind)
        try:
            async with RemoteSandbox(control, max_concurrency=16) as remote:
                listener = Listener(remote)
                ready_at = await asyncio.wait_for(listener.polling, 60)
                startup = ready_at - launched
                bot_ps, sandbox_ps = psutil.Process(bot.pid), psutil.Process(sandbox.pid)
                cpu0, sandbox_cpu0, driver_cpu0 = cpu_seconds(bot_ps), cpu_seconds(sandbox_ps), cpu_seconds()
                started = time.monotonic()
                rng = random.Random(7)
                if kind == "haki":
                    jobs = [
                        haki_user(remote, listener, run, 10_000 + i, steps, random.Random(rng.random()), think)
                        for i in range(users)
                    ]
                else:
                    jobs = [echo_user(remote, listener, run, 10_000 + i, steps) for i in range(users)]
                await asyncio.gather(*jobs)
                run.wall = time.monotonic() - started
                run.cpu = cpu_seconds(bot_ps) - cpu0
                run.sandbox_cpu = cpu_seconds(sandbox_ps) - sandbox_cpu0
                run.driver_cpu = cpu_seconds() - driver_cpu0
                run.peak_rss_mb = peak_rss_mb(bot_ps)
                run.errors = listener.errors
                await listener.close()
        finally:
            stop(bot, sandbox)
    return run, startup


def content_load_seconds() -> float:
    from bot.content import CONTENT_DIR
    from bot.guide.check import load_navigator

    started = time.perf_counter()
    load_navigator(CONTENT_DIR)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--steps", type=int, default=8, help="button presses per user after /start")
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--echo-users", type=int, default=50, help="users for the sequential echo bot (it is slow)")
    args = parser.parse_args()

    print(f"content load + validation: {content_load_seconds() * 1000:.0f} ms (in process)")
    _, startup = asyncio.run(measure("haki", 1, 0, 0))
    print(f"start-up, process launch to polling (content check included, no latency): {startup * 1000:.0f} ms")

    print(
        f"\n{args.users} users x (1 + {args.steps}) updates each, {args.latency_ms} ms Bot API latency;"
        f" echo bot: {args.echo_users} users"
    )
    people, _ = asyncio.run(measure("haki", args.users, args.steps, args.latency_ms, think=(2.0, 4.0)))
    busy, _ = asyncio.run(measure("haki", args.users, args.steps, args.latency_ms))
    echo, _ = asyncio.run(measure("echo", args.echo_users, args.steps, args.latency_ms))

    rows = {"people": people.summary(), "busy": busy.summary(), "echo": echo.summary()}
    print(f"\n{'':28}{'haki people':>12}{'haki busy':>12}{'echo busy':>12}{'busy/echo':>10}")
    for key in rows["busy"]:
        p, b, e = rows["people"][key], rows["busy"][key], rows["echo"][key]
        ratio = f"{b / e:.2f}" if e else "-"
        print(f"{key:28}{p:12.1f}{b:12.1f}{e:12.1f}{ratio:>10}")
    targets = [
        ("people: updates/s >= 100", rows["people"]["updates_per_s"] >= 100),
        ("people: p99 <= 1000 ms", rows["people"]["p99_ms"] <= 1000),
        ("CPU per update <= 1.5 x echo", rows["busy"]["cpu_ms_per_update"] <= 1.5 * rows["echo"]["cpu_ms_per_update"]),
        ("start-up <= 1 s", startup <= 1.0),
        ("no Bot API errors", all(r["api_errors"] == 0 for r in rows.values())),
    ]
    print("\n" + "\n".join(f"{'met ' if ok else 'MISSED'}  {name}" for name, ok in targets))


if __name__ == "__main__":
    main()
