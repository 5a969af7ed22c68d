"""The main database: one aiosqlite connection that every feature's tables share, and its
single writer. The reports live in a file of their own (bot/store/reports_file.py).

Several tasks use the connection at once (each user's update, the deliverer's sends, an
organizer's progress message): every read fetches its rows in the same call that runs the
statement, because an open cursor between two calls makes another task's commit fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite

from bot.store.migrations import MIGRATIONS, REPORTS_MOVED_OUT, Step, migrate, user_version

log = logging.getLogger(__name__)


class Database:
    def __init__(self, connection: aiosqlite.Connection):
        self.connection = connection  # for reads; every write goes through transaction()
        self._writing = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, move_reports: Step) -> Database:
        """Open (creating and migrating as needed) the main database; `move_reports` copies the
        reports of a file from before they lived apart to the reports file, before the
        migration that deletes them here."""
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path)
        try:
            # secure_delete overwrites deleted rows; WAL lets readers and the writer overlap.
            await db.execute("PRAGMA secure_delete = ON")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA busy_timeout = 5000")
            # Old reports may still sit in the WAL: out of it before they are copied and deleted.
            await _checkpoint(db, "at start-up")
            found = await migrate(db, before={REPORTS_MOVED_OUT: move_reports})
            # The WAL holds the last commits: emptied at every start (above and here), so that
            # whatever a crash left there (deleted rows' old copies) reaches the file and goes.
            await _checkpoint(db, "at start-up")
            if found < REPORTS_MOVED_OUT <= len(MIGRATIONS):
                # The reports just left: the file is rewritten without their pages, not even zeroed
                # ones, and the WAL that the rewrite went through is emptied again.
                await db.execute("VACUUM")
                await _checkpoint(db, "after moving the reports out")
        except BaseException:
            await db.close()
            raise
        return cls(db)

    async def close(self) -> None:
        await self.connection.close()

    @contextlib.asynccontextmanager
    async def transaction(self, forget: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """Every write goes through here: one at a time on the shared connection, and all or
        nothing. A write that fails half-way (a full disk after the report row, before its text)
        is rolled back at once; otherwise the next task's commit would save the half. With
        `forget`, deleted rows' old copies also leave the WAL before the next write starts."""
        async with self._writing:
            try:
                yield self.connection
                await self.connection.commit()
            except BaseException:
                await self.connection.rollback()
                raise
            if forget:
                await self._forget_deleted()

    async def _forget_deleted(self) -> None:
        # secure_delete zeroes the pages, but the WAL still holds old copies until a checkpoint.
        await _checkpoint(self.connection, "after a deletion")

    async def schema_version(self) -> int:
        return await user_version(self.connection)


async def _checkpoint(db: aiosqlite.Connection, when: str) -> None:
    # Its result row is read at once, so the statement is finished, not left open to lock the
    # next checkpoint. Best effort: if another statement (or a backup's reader) holds the log just
    # now, SQLite's own automatic checkpoint (or the next one of ours) does it, and the write stands.
    try:
        await db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError as exc:
        log.info("WAL checkpoint %s postponed: %s", when, exc)
