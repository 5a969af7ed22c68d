"""The reports and their free texts, in a file of their own beside the main database.

Why apart (issue 13): the adversary is an employer holding a copy of the data folder, and the
key. When reports shared the main file, its write-ahead log held consecutive commits, the
sender's preferences, then the report, then the sender's subscription, and the subscription's
chat id decrypts to the Telegram id. Here a report's commit never meets the sender's rows.

What the file keeps of its writes, and why nothing more:

- **No journal left behind.** journal_mode=DELETE: the rollback journal exists only while a
  write is under way (it holds the pages as they were before it) and is deleted at commit.
  There is no -wal and no -shm. WAL, with a TRUNCATE checkpoint after each write, was not
  chosen: a checkpoint cannot empty the log while a reader (a month's release reads a month of
  reports) still uses an older snapshot, so the commit would stay in the -wal until it ended,
  and the -shm keeps the numbers of the pages each frame wrote. With a rollback journal a long read cannot
  leave a commit behind: the writer waits for the reader to finish before it commits (up to
  WRITE_WAIT_MS), and if it gave up, the write would be rolled back whole.
- **No order of arrival.** After every write that changed a row the file is rebuilt (VACUUM):
  SQLite copies every table and index in key order into a new image and writes it over the
  file, so each page is laid out by key alone (ids are random UUIDs, receipts random HMACs).
  Without it a page's cells show which row came last: SQLite fills a page's content area from
  the end downward, so the newest row sits lowest whatever its key. VACUUM's temporary copy is
  kept in memory (temp_store=MEMORY), never in a temporary file.
- secure_delete=ON: a withdrawn report's bytes are zeroed at once, before the rebuild.

What that costs, measured by bench/reports_file.py (one report saved: insert, commit with its
journal, rebuild; median of 30; SQLite 3.40.1 on the development machine, a virtual disk):
      1,000 reports, file 0.5 MB:   5 ms (1 ms of it without the rebuild)
     10,000 reports, file 4.4 MB:  29 ms
    100,000 reports, file 44 MB:  244 ms, and 70 MB of memory at the peak of the rebuild
  1,000,000 reports, file 435 MB: 2.3 s, and 470 MB of memory (4 saves)
A withdrawal costs the same. The cost grows with the file, about 2.4 ms per 1,000 reports, and
while a rebuild runs, a month's release waits for it. Deleting the reports of months
already released (ReportStore.forget_before) keeps the file small.

Readers (a month's release, backups, the health check) use read-only connections of their own;
/stats and exports read only the stored releases, in the main file.
While one reads, a report waits to be committed; a report never waits in a journal.

What remains: while a write is under way (the times above), its journal and the file not yet
rebuilt are on disk, and a copy taken in that moment can show the order of that write; the
file's modification time is the time of the last write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite

from bot.store.errors import unwritable, unwritable_line
from bot.store.migrations import MIGRATIONS, REPORT_MIGRATIONS, REPORTS_MOVED_OUT, migrate, stored_schema_version

log = logging.getLogger(__name__)

# How long a write waits for readers to finish before it is rolled back: longer than a release
# reads a month of reports (about 14 s for a million, bench/export.py), so a worker's report is
# saved, only later.
WRITE_WAIT_MS = 60_000


def reports_path(database: Path) -> Path:
    """The reports file that belongs with the main database at `database`: beside it, named
    after it (`haki.sqlite3` -> `haki-reports.sqlite3`). Everything that opens it finds it here."""
    return database.with_name(f"{database.stem}-reports{database.suffix}")


def missing_reports_file(path: Path) -> str | None:
    """Why the database at `path` must not be opened: its reports have moved to the reports
    file, which is not there (a restore that brought back one file of the two). None if fine.
    Opening it anyway would start an empty reports file and hide that every report is gone."""
    version = stored_schema_version(path)
    reports = reports_path(path)
    if version is not None and REPORTS_MOVED_OUT <= version <= len(MIGRATIONS) and not reports.exists():
        return (
            f"the reports file {reports} is missing beside {path.name}: restore both files from the same "
            "backup (docs/deploy.md, 'Backups and restore')"
        )
    return None


class ReportsDatabase:
    """The reports file's one connection: writes one at a time, each followed by the rebuild."""

    def __init__(self, connection: aiosqlite.Connection, path: Path):
        self.connection = connection
        self.path = path
        self._writing = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> ReportsDatabase:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path)
        try:
            await db.execute_fetchall("PRAGMA journal_mode = DELETE")
            await db.execute("PRAGMA secure_delete = ON")
            await db.execute("PRAGMA temp_store = MEMORY")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA synchronous = FULL")
            await db.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
            await migrate(db, REPORT_MIGRATIONS, name="the reports file")
            # A write that a crash (or a full disk) left without its rebuild is rebuilt now.
            await db.execute("VACUUM")
        except BaseException:
            await db.close()
            raise
        return cls(db, path)

    async def close(self) -> None:
        await self.connection.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Every write goes through here: one at a time, all or nothing, and, if it changed any
        row, followed by the rebuild before the next write starts."""
        async with self._writing:
            changes = self.connection.total_changes
            try:
                yield self.connection
                await self.connection.commit()
            except BaseException:
                await self.connection.rollback()
                raise
            if self.connection.total_changes != changes:
                await self._rebuild()

    async def _rebuild(self) -> None:
        # The write is committed: a rebuild that fails (no room for its journal, which holds the
        # whole file) does not undo it. Until the next write or start-up rebuilds the file, the
        # order of the last writes can be read from it; the operator is told.
        try:
            await self.connection.execute("VACUUM")
        except sqlite3.Error as error:
            if not unwritable(error):
                raise
            log.error(unwritable_line(error, "the reports file was not rebuilt; the next report or restart retries"))

    async def move_in(self, main: aiosqlite.Connection) -> None:
        """Move the reports and texts of a main database from before they lived apart into this
        file: copied in random order, then the file is rebuilt (the main file's migration then
        deletes them there). Run again after a crash half-way, it adds nothing twice."""
        found = await main.execute_fetchall("PRAGMA database_list")
        main_file = next(row[2] for row in found if row[1] == "main")
        present = {
            name
            for (name,) in await main.execute_fetchall(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('reports', 'report_texts')"
            )
        }
        if not main_file or "reports" not in present:
            return
        async with self._writing:
            db = self.connection
            await db.execute("ATTACH DATABASE ? AS old", (main_file,))
            try:
                await db.execute(
                    "INSERT OR IGNORE INTO reports (id, week, answers, receipt)"
                    " SELECT id, week, answers, receipt FROM old.reports ORDER BY random()"
                )
                if "report_texts" in present:
                    await db.execute(
                        "INSERT OR IGNORE INTO report_texts (report_id, text)"
                        " SELECT report_id, text FROM old.report_texts ORDER BY random()"
                    )
                await db.commit()
            except BaseException:
                await db.rollback()
                raise
            finally:
                await db.execute("DETACH DATABASE old")
            await self._rebuild()
