"""Export benchmark: 1,000,000 reports released, then research exports (bot/exports/run.py) of them.

Generates N reports into a fresh database (the real schema, made by Store.open, so in the
reports file; realistic skew: a few big countries, many small groups, pay bands that follow each
country's currency, some free text, half of it released by a reviewer), spread over the last
MONTHS closed months (later ones more likely), then times, each in a process of its own:
  - the release: the Publisher (bot/releases/publish.py) measures each closed month once with
    OpenDP's noise, stores it and deletes its reports (those with free text stay);
  - the tables tier, by period x country x task (`python bot.py export FOLDER`);
  - the microdata tier: synthetic records of every released month, about N of them
    (`python bot.py export FOLDER --tier microdata`).
For each: wall time and peak RSS of the process (the kernel's ru_maxrss, from wait4); for the
exports, the median of --repeat runs (the machine is shared, times vary). Both export runs start
the interpreter, which is counted. The exports read only the stored releases, so their cost does
not grow with the number of reports, only with the months and (microdata) the records drawn.

Targets (issue 6), for each tier: 1,000,000 reports in <= 20 s, peak RSS <= 256 MB.

Measured on the development machine (2 CPUs, 2026-12-04), 1,000,000 reports over six months
(the largest 341,809), median of 3 for the exports:
  release of every closed month   29.6 s     585 MB peak RSS
  export --tier tables             1.4 s     103 MB   (0.3 MB of files)
  export --tier microdata          2.8 s     118 MB   (1,000,005 records, 359 MB of files)
The release reads each month's reports as they stream (about 14 microseconds a report), then
deletes them; the memory is the reports file's rebuild (VACUUM with temp_store = MEMORY, so no
temporary copy lands on disk), which holds the file, 435 MB at a million reports, while it runs.
It runs once a month: at start-up, the first /stats or /export after the 8th, or within the hour.

Usage: .venv/bin/python bench/export.py [--reports 1000000] [--repeat 3] [--keep DIR]
Generating 1,000,000 reports takes about 30 s; --keep DIR keeps (and reuses) the released database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.releases.periods import closed_months, current_month, weeks_of  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.store.reports_file import reports_path  # noqa: E402

TARGET_SECONDS, TARGET_RSS_MB = 20.0, 256.0
MONTHS = 6  # closed months the reports are spread over

# Shares of reports, roughly as the research expects (a few big countries, a long tail).
COUNTRIES = {"KE": 30, "PH": 22, "IN": 12, "MG": 8, "VE": 6, "UG": 5, "MA": 3, "TZ": 2, "XX": 12}
# Typical pay per hour in each currency (about 1-3 USD), to place the bands realistically.
HOURLY = {"KE": 250, "PH": 110, "IN": 180, "MG": 7000, "VE": 80, "UG": 6000, "MA": 20, "TZ": 4500, "XX": 2}
CURRENCY = {"KE": "KES", "PH": "PHP", "IN": "INR", "MG": "MGA", "VE": "VES", "UG": "UGX", "MA": "MAD", "TZ": "TZS"}
UNIT_HOURS = {"hour": 1, "day": 8, "week": 45, "month": 190, "task": 0.02}
CHOICES = {
    "employer": {"bpo": 45, "platform": 35, "direct": 12, "other": 8},
    "task": {"moderation": 30, "image_video": 30, "text_chat": 20, "transcription": 12, "other": 8},
    "pay_unit": {"hour": 25, "day": 10, "week": 5, "month": 35, "task": 15, None: 10},
    "hours": {"lt20": 10, "h20_39": 20, "h40_48": 40, "h49_60": 20, "gt60": 10},
    "unpaid": {"none": 30, "lt2": 25, "h2_5": 25, "h5_10": 12, "gt10": 8},
    "late_pay": {"never": 40, "sometimes": 35, "often": 18, "unpaid": 7},
    "deactivated": {"no": 70, "yes": 20, "unsure": 10},
    "exposure": {"never": 20, "monthly": 20, "weekly": 30, "daily": 30},
    "support": {"none": 50, "unused": 20, "helpful": 15, "not_helpful": 15},
    "contract": {"employee": 30, "contractor": 45, "none": 20, "unsure": 5},
}
PAY_BANDS = (0, 10, 50, 100, 500, 1000, 5000, 10000, 50000, 100000, 500000)
TEXT_SHARE = 0.08  # reports with a free text still waiting for review


def recent_weeks(today: dt.date, months: int = MONTHS) -> list[str]:
    """The ISO weeks of the last `months` months closed by `today`, oldest first."""
    year, number = map(int, current_month(today).split("-"))
    number -= months + 2  # far enough back that `months` of them are closed
    start = f"{year + (number - 1) // 12}-{(number - 1) % 12 + 1:02d}"
    closed = list(closed_months(start, today))[-months:]
    return [week for month in closed for week in weeks_of(month)]


def _sampler(rng: random.Random, weights: dict) -> Callable[[int], list]:
    values, cumulative = list(weights), []
    total = 0
    for w in weights.values():
        total += w
        cumulative.append(total)
    return lambda n: rng.choices(values, cum_weights=cumulative, k=n)


def generate(database: Path, reports: int, seed: int = 1, weeks: list[str] | None = None) -> None:
    """`reports` reports in a new database (in its reports file), with the real schema; fast: one
    transaction, in key order, so the file is laid out as the bot's rebuild leaves it. Their weeks:
    `weeks`, or those of the last MONTHS closed months."""
    weeks_to_use = weeks or recent_weeks(dt.date.today())
    asyncio.run(_create_schema(database))
    rng = random.Random(seed)
    db = sqlite3.connect(reports_path(database))
    db.execute("PRAGMA synchronous = OFF")
    chunk = 100_000
    with db:
        for start in range(0, reports, chunk):
            n = min(chunk, reports - start)
            columns = {name: _sampler(rng, weights)(n) for name, weights in CHOICES.items()}
            countries = _sampler(rng, COUNTRIES)(n)
            # More reports as the bot becomes known: later weeks are more likely.
            weeks = rng.choices(weeks_to_use, weights=range(1, len(weeks_to_use) + 1), k=n)
            rows, texts = [], []
            for i in range(n):
                country = countries[i]
                answers = {name: values[i] for name, values in columns.items() if values[i] is not None}
                answers["country"] = country
                unit = answers.get("pay_unit")
                if unit:
                    amount = HOURLY[country] * UNIT_HOURS[unit] * rng.lognormvariate(0, 0.6)
                    answers["pay_amount_band"] = f"{max(b for b in PAY_BANDS if b <= amount):g}"
                    answers["pay_amount_currency"] = CURRENCY.get(country, "")
                report_id = str(uuid.uuid4())
                rows.append((report_id, weeks[i], json.dumps(answers, sort_keys=True), rng.randbytes(32)))
                if rng.random() < TEXT_SHARE:
                    texts.append((report_id, f"The shift targets are too high, report {start + i}"))
            rows.sort()  # the table is kept in id order: inserting in that order is much faster
            db.executemany("INSERT INTO reports (id, week, answers, receipt) VALUES (?, ?, ?, ?)", rows)
            db.executemany("INSERT INTO report_texts (report_id, text) VALUES (?, ?)", texts)
    db.close()


async def _create_schema(database: Path) -> None:
    store = await Store.open(database)
    await store.close()


@dataclass
class Run:
    name: str
    seconds: float
    peak_rss_mb: float
    output_mb: float
    detail: str = ""


def timed(name: str, command: list[str], output: Path, *, env=None, cwd=None) -> Run:
    """Run a command to its end; its wall time, and its peak RSS from the kernel (wait4's
    ru_maxrss, exact where polling could miss the peak). Its output is small: read at the end."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd or REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode()
    detail = proc.stdout.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed ({proc.returncode}): {err.strip()}")
    size = sum(f.stat().st_size for f in output.rglob("*")) if output.is_dir() else output.stat().st_size
    return Run(name, seconds, usage.ru_maxrss / 1024, size / 1e6, detail.strip())


RELEASE = (
    "import asyncio, sys, time; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
    "from bot.content import CONTENT_DIR; from bot.guide.check import load_navigator;"
    "from bot.releases.publish import Publisher; from bot.store import Store\n"
    "async def main():\n"
    "    content = load_navigator(CONTENT_DIR).content\n"
    "    store = await Store.open(Path(sys.argv[2]))\n"
    "    try:\n"
    "        started = time.perf_counter()\n"
    "        releases = await Publisher(store.reports, store.releases, content).releases()\n"
    "        print(f'{len(releases)} months released in {time.perf_counter() - started:.1f} s:',"
    " ', '.join(f'{r.month} ({r.total:,})' for r in releases))\n"
    "    finally:\n"
    "        await store.close()\n"
    "asyncio.run(main())"
)


def release(database: Path) -> Run:
    """Release every closed month, in a process of its own, as the bot does at start-up."""
    return timed("release", [sys.executable, "-c", RELEASE, str(REPO), str(database)], database)


def export_command(database: Path, folder: Path, tier: str) -> tuple[list[str], dict]:
    env = {**os.environ, "HAKI_DATA_DIR": str(database.parent)}
    return [sys.executable, str(REPO / "bot.py"), "export", str(folder), "--tier", tier], env


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each export; the median is shown")
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder instead of a temporary one")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="haki-export-"))
    database = folder / "data" / "haki.sqlite3"
    released = None
    try:
        if not database.exists():
            database.parent.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            generate(database, args.reports)
            print(f"generated {args.reports:,} reports in {time.perf_counter() - started:.0f} s ({database})")
            released = release(database)
            print(released.detail)
        tiers = ["tables", "microdata"]
        runs: dict[str, list[Run]] = {tier: [] for tier in tiers}
        for i in range(args.repeat):
            for tier in tiers:
                out = folder / f"{tier}-{i}"
                command, env = export_command(database, out, tier)
                runs[tier].append(timed(tier, command, out, env=env, cwd=folder))
                shutil.rmtree(out)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    print(f"\nmachine: {os.cpu_count()} CPUs; {args.reports:,} reports; exports: median of {args.repeat} runs each")
    print(f"{'':36}{'time (s)':>10}{'peak RSS (MB)':>15}{'output (MB)':>13}")
    rows = [(f"export --tier {t}", median_run(runs[t])) for t in tiers]
    if released:
        rows.insert(0, ("release (every closed month)", released))
    for label, run in rows:
        output = f"{run.output_mb:>13.1f}" if run.name != "release" else f"{'':>13}"
        print(f"{label:36}{run.seconds:>10.2f}{run.peak_rss_mb:>15.1f}{output}")
    for tier in tiers:
        said = [line.strip() for line in runs[tier][0].detail.splitlines() if "records" in line or "counted" in line]
        if said:
            print(f"{tier}: {'; '.join(said)}")
    targets = []
    for tier in tiers:  # the scale targets hold for every export
        run = median_run(runs[tier])
        targets += [
            (f"{tier} of {args.reports:,} reports in <= {TARGET_SECONDS:g} s", run.seconds <= TARGET_SECONDS),
            (f"{tier} peak RSS <= {TARGET_RSS_MB:g} MB", max(r.peak_rss_mb for r in runs[tier]) <= TARGET_RSS_MB),
        ]
    print("\n" + "\n".join(f"{'met ' if ok else 'MISSED'}  {name}" for name, ok in targets))


if __name__ == "__main__":
    main()
