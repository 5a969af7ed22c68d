"""Run the sandbox as its own process, e.g. for benchmarks:

    python -m sandbox --port 8081 --token 123456:TEST --latency-ms 200 --enforce-limits

Bot API: http://HOST:PORT/bot<TOKEN>/<method>; control: http://HOST:PORT/sandbox/...
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from .emulator import Sandbox


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Emulated Telegram Bot API server with HTTP control endpoints.",
        epilog="Bot API: http://HOST:PORT/bot<TOKEN>/<method>; control: http://HOST:PORT/sandbox/",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every Bot API answer")
    parser.add_argument("--enforce-limits", action="store_true", help="answer 429 beyond flood limits")
    parser.add_argument("--max-events", type=int, default=200_000, help="size of the event log")
    return parser.parse_args()


async def serve(args: argparse.Namespace) -> None:
    sandbox = Sandbox(
        args.token,
        latency=args.latency_ms / 1000,
        enforce_limits=args.enforce_limits,
        max_events=args.max_events,
    )
    await sandbox.start(args.host, args.port)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    # One parseable line, so a parent process can find the port it got.
    print(f"sandbox ready base_url={sandbox.base_url} control={sandbox.url}/sandbox", flush=True)
    try:
        await stop.wait()
    finally:
        await sandbox.stop()


def main() -> None:
    asyncio.run(serve(parse_args()))


if __name__ == "__main__":
    main()
