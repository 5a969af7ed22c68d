"""Disk drills: the database turns read-only, or the disk fills up, while workers report and a
broadcast goes out. The operator gets a clear line, the worker is told kindly and keeps the
draft, nothing is half-written, nothing is sent twice, and all goes on once the disk is fixed."""

import asyncio
import contextlib
import errno
import logging
import os
import re
import sqlite3
import subprocess
from datetime import UTC, datetime

import pytest

from app.offline import OfflineBot
from bot.broadcasts import composer as broadcasts
from bot.guide.navigation import Prefs
from bot.store import Store
from bot.store.reports_file import reports_path
from bot.updates.subscriptions import Subscription
from tests.conftest import Chatter
from tests.test_e2e_report import fill_report, ui

RECEIPT = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


class Seen(logging.Handler):
    """Set once a log line containing `needle` is written, so a test can wait for it."""

    def __init__(self, needle: str):
        super().__init__()
        self.needle, self.event = needle, asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.needle in record.getMessage():
            self.event.set()


def stored(path) -> dict:
    with contextlib.closing(sqlite3.connect(path)) as db, contextlib.closing(sqlite3.connect(reports_path(path))) as r:
        return {
            "integrity": db.execute("PRAGMA integrity_check").fetchone()[0],
            "reports integrity": r.execute("PRAGMA integrity_check").fetchone()[0],
            "reports": r.execute("SELECT count(*) FROM reports").fetchone()[0],
            "texts": r.execute("SELECT count(*) FROM report_texts").fetchone()[0],
            "orphans": r.execute(
                "SELECT count(*) FROM report_texts WHERE report_id NOT IN (SELECT id FROM reports)"
            ).fetchone()[0],
            "outbox": dict(db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()),
        }


def refused_kindly(bot, code: str, message) -> None:
    """The report's review, still with its Send button, saying it was not saved."""
    t = bot.navigator.texts_for(Prefs(language=code), None)
    assert t.plain("report_not_saved")[:25] in message.text, message.text
    assert ui(bot, code, "report_send") in [b.text for b in message.button_list]
    assert not RECEIPT.search(message.text)


async def test_a_read_only_database_keeps_the_draft_and_holds_the_broadcast_until_writable(navigator, tmp_path):
    seen_report = Seen("a report was not saved")
    seen_delivery = Seen("broadcast delivery waits")
    logging.getLogger("bot.reports.saving").addHandler(seen_report)
    logging.getLogger("bot.broadcasts.delivery").addHandler(seen_delivery)
    path = tmp_path / "data" / "haki.sqlite3"
    try:
        async with OfflineBot(navigator, data_dir=tmp_path / "data") as bot:
            s = bot.app.bot_data["haki"]
            ids = list(range(8_800_100, 8_800_105))
            for chat_id in ids:
                bot.sandbox.user(chat_id)
                await s.subscriptions.save(chat_id, chat_id, Subscription("en", {"pay": None}))
            person = Chatter(bot, 8_800_002, language_code="sw")
            review = await fill_report(bot, person, "sw", comment="Nalipwa kwa kuchelewa.")

            # SQLite refuses every write of the bot from here, as on a disk remounted read-only.
            await s.store._database.connection.execute("PRAGMA query_only = ON")
            await s.store._reports.connection.execute("PRAGMA query_only = ON")
            # A broadcast that was queued just before: written by another connection, which the
            # pragma does not bind.
            recipients = await s.subscriptions.audience(["en"], None, ["pay"], datetime.now(UTC))
            other = await Store.open(path)
            text = broadcasts.worker_message(navigator.texts_for(Prefs(language="en"), None), "Drill disk")
            broadcast_id = await other.broadcasts.create_broadcast({"en": text}, recipients)
            await other.close()
            s.deliverer.wake()

            refused_kindly(bot, "sw", await person.press(ui(bot, "sw", "report_send"), review))
            await asyncio.wait_for(seen_report.event.wait(), 10)

            def everyone_has_it() -> bool:
                return all(bot.sandbox.user(c).bot_messages for c in ids)

            # Telegram took every message, but none could be marked sent: delivery holds them.
            await bot.sandbox.log.wait_until(everyone_has_it, 30)
            await asyncio.wait_for(seen_delivery.event.wait(), 30)

            await s.store._database.connection.execute("PRAGMA query_only = OFF")  # the operator fixed the disk
            await s.store._reports.connection.execute("PRAGMA query_only = OFF")
            sent = await person.press(ui(bot, "sw", "report_send"), person.last)
            assert RECEIPT.search(sent.text), sent.text  # the same draft, sent with one more tap
            await asyncio.wait_for(s.progress.wait_over(broadcast_id), 60)
            received = [sum("Drill disk" in (m.text or "") for m in bot.sandbox.user(c).bot_messages) for c in ids]
    finally:
        logging.getLogger("bot.reports.saving").removeHandler(seen_report)
        logging.getLogger("bot.broadcasts.delivery").removeHandler(seen_delivery)
    assert received == [1] * len(ids)  # each exactly once: recorded late, never sent again
    found = await asyncio.to_thread(stored, path)
    assert found == {
        "integrity": "ok",
        "reports integrity": "ok",
        "reports": 1,
        "texts": 1,
        "orphans": 0,
        "outbox": {"sent": len(ids)},
    }


class PageCap:
    """The database files may grow by no page: SQLite's max_page_count, set to the pages each of
    the bot's two files holds, answers every write that needs one more page with SQLITE_FULL,
    the very error a full disk gives. Needs nothing but SQLite, so it runs on every clone."""

    async def fill(self, store) -> None:
        self.connections = [store._database.connection, store._reports.connection]
        self.before = []
        for db in self.connections:
            ((limit,),) = await db.execute_fetchall("PRAGMA max_page_count")
            ((pages,),) = await db.execute_fetchall("PRAGMA page_count")
            ((capped,),) = await db.execute_fetchall(f"PRAGMA max_page_count = {pages}")
            assert capped == pages, (capped, pages)
            self.before.append(limit)

    async def free(self) -> None:
        for db, limit in zip(self.connections, self.before, strict=True):
            await db.execute_fetchall(f"PRAGMA max_page_count = {limit}")


class SmallFileSystem:
    """A real 8 MB file system (a tmpfs) filled to the last byte: beyond the page cap, the
    operating system itself refuses to grow any file, so not even the reports file's journal or
    the main file's write-ahead log can be written. Mounting it needs root."""

    def __init__(self, where):
        self.where = where

    async def fill(self, store) -> None:
        # The write-ahead log is emptied first, so the next write must grow a file: no room.
        await store._database.connection.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        await asyncio.to_thread(fill, self.where)

    async def free(self) -> None:
        (self.where / "filler").unlink()


@pytest.fixture(params=["page-cap", "tmpfs"])
def disk(request, tmp_path):
    """Where the bot keeps its data, and how that fills up."""
    if request.param == "page-cap":
        yield tmp_path / "data", PageCap()
        return
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "haki-drill", str(where)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        why = f"cannot mount a small tmpfs for the full-disk drill (needs root): {mounted.stderr.strip()}"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"{why}; CI must run it as root")
        pytest.skip(f"{why}; the same drill runs on a page cap ([page-cap]) instead")
    try:
        yield where / "data", SmallFileSystem(where)
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def fill(where) -> None:
    """Write a filler file until the disk says there is no space left, to the last byte."""
    with open(where / "filler", "wb", buffering=0) as filler:
        for chunk in (1 << 20, 4096, 1):
            try:
                while True:
                    filler.write(b"\0" * chunk)
            except OSError as err:
                assert err.errno == errno.ENOSPC, err
    assert os.statvfs(where).f_bavail == 0


# Near the 1,000 characters a comment may have: with its report id, more than a page of the
# reports file holds in place, so under the page cap the report's row still fits and its text
# does not. The write fails half-way, after the report row, and no half of it may be kept.
LONG_COMMENT = ("Payé en retard, trois semaines. " * 31).strip()


async def test_a_full_disk_tells_the_operator_keeps_the_draft_and_writes_nothing_in_half(navigator, disk, caplog):
    data, space = disk
    caplog.set_level(logging.ERROR)
    async with OfflineBot(navigator, data_dir=data) as bot:
        s = bot.app.bot_data["haki"]
        person = Chatter(bot, 8_800_003, language_code="fr")
        review = await fill_report(bot, person, "fr", comment=LONG_COMMENT)
        await space.fill(s.store)

        refused = await person.press(ui(bot, "fr", "report_send"), review)
        refused_kindly(bot, "fr", refused)  # in French, the draft still there with its Send button
        assert "Payé en retard" in refused.text, refused.text
        newcomer = Chatter(bot, 8_800_004)
        welcome = await newcomer.say("/start")  # reading still works on a full disk
        assert welcome.text.startswith(ui(bot, "en", "welcome")[:10])
        again = await person.press(ui(bot, "fr", "report_send"), person.last)  # still full: still refused
        refused_kindly(bot, "fr", again)

        await space.free()  # the operator made room
        sent = await person.press(ui(bot, "fr", "report_send"), person.last)
        assert RECEIPT.search(sent.text), sent.text  # the same draft, sent with one more tap
    lines = [r.getMessage() for r in caplog.records]
    full = "The database could not be written (database or disk is full): free space on the disk"  # SQLITE_FULL
    assert any(line.startswith(full) and "a report was not saved" in line for line in lines), lines
    found = await asyncio.to_thread(stored, data / "haki.sqlite3")
    assert found == {"integrity": "ok", "reports integrity": "ok", "reports": 1, "texts": 1, "orphans": 0, "outbox": {}}
