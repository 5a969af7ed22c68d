"""What the reports file's hygiene costs (bot/store/reports_file.py): a rollback journal that is
gone at commit, and a VACUUM after every write so that no page shows which report came last.

For each size (1,000, 10,000 and 100,000 reports by default; bench/export.py's realistic
reports), in a process of its own:
  - save: one report saved as the bot saves it (insert, commit, rebuild), median and slowest
    of --repeat;
  - withdraw: one report withdrawn (delete, commit, rebuild), median;
  - rebuild: the VACUUM alone, median;
  - no rebuild: one report inserted and committed without the rebuild, median: what the
    hygiene adds is save minus this;
  - open: Store.open of the existing files (it rebuilds the reports file once);
  - the file's size, and the process's peak RSS against its RSS before the files were opened
    (the rebuild builds its new image of the file in memory, temp_store=MEMORY).

Usage: .venv/bin/python bench/reports_file.py [--sizes 1000,10000,100000] [--repeat 20] [--dir DIR]
Generating 100,000 reports takes a few seconds. --dir: where the files go (default: the system's
temporary folder); put it on the disk the bot's data folder is on, since each save syncs to it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.export import generate  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.store.reports_file import reports_path  # noqa: E402

ANSWERS = {
    "country": "KE",
    "employer": "bpo",
    "task": "moderation",
    "pay_unit": "month",
    "pay_amount_band": "10000",
    "pay_amount_currency": "KES",
    "hours": "h49_60",
    "unpaid": "h2_5",
    "late_pay": "often",
    "deactivated": "no",
    "exposure": "daily",
    "support": "none",
    "contract": "contractor",
}
TEXT = "Our pay came two weeks late again and nobody answers our emails. " * 3


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


async def measure(database: Path, repeat: int) -> dict:
    rng = random.Random(7)
    before = current_rss_mb()  # the interpreter and the imports, before any file is opened
    started = time.perf_counter()
    store = await Store.open(database)
    opened = time.perf_counter() - started
    reports = store.reports
    connection = store._reports.connection

    def text() -> str | None:
        return TEXT if rng.random() < 0.3 else None

    try:
        saves, withdraws, rebuilds, bare = [], [], [], []
        receipts = []
        for _ in range(repeat):
            receipt = rng.randbytes(32)
            t = time.perf_counter()
            await reports.add_report("2026-W48", ANSWERS, receipt, text())
            saves.append(time.perf_counter() - t)
            receipts.append(receipt)
        for receipt in receipts[: max(3, repeat // 2)]:
            t = time.perf_counter()
            assert await reports.withdraw_report(receipt)
            withdraws.append(time.perf_counter() - t)
        for _ in range(max(3, repeat // 4)):
            t = time.perf_counter()
            await connection.execute("VACUUM")
            rebuilds.append(time.perf_counter() - t)
        for i in range(max(3, repeat // 2)):  # past transaction(): the cost without the rebuild
            t = time.perf_counter()
            await connection.execute(
                "INSERT INTO reports (id, week, answers, receipt) VALUES (?, ?, ?, ?)",
                (f"bench-{i}", "2026-W48", json.dumps(ANSWERS), rng.randbytes(32)),
            )
            await connection.commit()
            bare.append(time.perf_counter() - t)
        await connection.execute("DELETE FROM reports WHERE id LIKE 'bench-%'")
        await connection.commit()
    finally:
        await store.close()
    return {
        "file_mb": reports_path(database).stat().st_size / 2**20,
        "open_s": opened,
        "save_ms": statistics.median(saves) * 1000,
        "save_max_ms": max(saves) * 1000,
        "withdraw_ms": statistics.median(withdraws) * 1000,
        "rebuild_ms": statistics.median(rebuilds) * 1000,
        "bare_ms": statistics.median(bare) * 1000,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child's part
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.measure, args.repeat))))
        return

    print(f"SQLite {__import__('sqlite3').sqlite_version}, Python {sys.version.split()[0]}, repeat {args.repeat}")
    header = (
        f"{'reports':>9} {'file MB':>8} {'save ms':>8} {'(max)':>7} {'withdraw':>9} {'rebuild':>8} "
        f"{'no rebuild':>11} {'open s':>7} {'RSS MB':>7} {'peak':>7}"
    )
    print(header)
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="haki-bench-", dir=args.dir) as folder:
            database = Path(folder) / "haki.sqlite3"
            generate(database, size)
            child = subprocess.run(
                [sys.executable, __file__, "--measure", str(database), "--repeat", str(args.repeat)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(child.stdout)
        print(
            f"{size:>9,} {r['file_mb']:>8.1f} {r['save_ms']:>8.1f} {r['save_max_ms']:>7.1f} {r['withdraw_ms']:>9.1f} "
            f"{r['rebuild_ms']:>8.1f} {r['bare_ms']:>11.1f} {r['open_s']:>7.2f} {r['rss_before_mb']:>7.0f} "
            f"{r['peak_rss_mb']:>7.0f}"
        )


if __name__ == "__main__":
    main()
