"""Reports for the export tests, and their releases made as the bot makes them: stored in a real
SQLite database, then released by the Publisher (bot/releases/publish.py) with OpenDP's noise."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from bot.content.model import Content
from bot.releases.periods import weeks_of
from bot.releases.publish import Publisher
from bot.releases.release import Release
from bot.store import Store
from tests.conftest import reports_database

TODAY = dt.date(2026, 5, 20)  # January to April 2026 are released; May is the open month
MONTHS = ("2026-01", "2026-02", "2026-03", "2026-04")
TASKS = ("moderation", "image_video", "text_chat", "transcription", "other")
# Exposure to disturbing content depends on the task, far more than on the country.
EXPOSURE = {
    "moderation": (2, 5, 25, 68),
    "image_video": (30, 35, 25, 10),
    "text_chat": (40, 35, 20, 5),
    "transcription": (75, 15, 8, 2),
    "other": (50, 25, 15, 10),
}


def week(month: str) -> str:
    """An ISO week whose Thursday falls in `month`."""
    return weeks_of(month)[1]


def report(country="KE", task="moderation", month="2026-01", **more) -> tuple[str, dict[str, str]]:
    answers = {"country": country, "task": task, "hours": "h40_48", "unpaid": "lt2", "late_pay": "never"}
    return week(month), {k: v for k, v in (answers | more).items() if v is not None}


def realistic(seed: int, count: int, months=MONTHS) -> list[tuple[str, dict[str, str]]]:
    """Skewed countries, exposure that follows the task, pay in the country's currency."""
    rng = random.Random(seed)
    countries, weights = ("KE", "PH", "UG", "MG", "XX"), (45, 30, 12, 8, 5)
    currency = {"KE": "KES", "PH": "PHP", "UG": "UGX", "MG": "MGA"}
    found = []
    for _ in range(count):
        country = rng.choices(countries, weights)[0]
        task = rng.choices(TASKS, (35, 25, 20, 10, 10))[0]
        answers = {
            "country": country,
            "employer": rng.choices(("bpo", "platform", "direct", "other"), (50, 30, 12, 8))[0],
            "task": task,
            "exposure": rng.choices(("never", "monthly", "weekly", "daily"), EXPOSURE[task])[0],
            "hours": rng.choices(("lt20", "h20_39", "h40_48", "h49_60", "gt60"), (10, 20, 40, 20, 10))[0],
            "late_pay": rng.choices(("never", "sometimes", "often", "unpaid"), (40, 35, 18, 7))[0],
            "support": rng.choices(("none", "unused", "helpful", "not_helpful"), (50, 20, 15, 15))[0],
        }
        if country in currency and rng.random() < 0.8:
            answers |= {
                "pay_unit": rng.choices(("hour", "month"), (1, 2))[0],
                "pay_amount_band": rng.choices(("50", "100", "500", "10000"), (20, 40, 10, 30))[0],
                "pay_amount_currency": currency[country] if rng.random() < 0.9 else "USD",
            }
        found.append((week(rng.choice(months)), answers))
    return found


async def publish(path: Path, content: Content, today: dt.date = TODAY) -> list[Release]:
    """Every released month of the database at `path`, releasing any closed by `today`."""
    store = await Store.open(path)
    try:
        return await Publisher(store.reports, store.releases, content, clock=lambda: today).releases()
    finally:
        await store.close()


async def released(template: Path, folder: Path, content: Content, reports: list, texts=None) -> list[Release]:
    """These reports in a new database in `folder`, released as of TODAY."""
    folder.mkdir(parents=True, exist_ok=True)
    return await publish(reports_database(template, folder, reports, texts), content)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def data_files(folder: Path) -> dict[str, bytes]:
    """Every file of an export but the codebook (which carries the export's date) and the notice."""
    skip = {"codebook.json", "codebook.csv", "DATA-USE.txt"}
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name not in skip}
