"""The one aiosqlite connection that every feature's tables share, and its single writer.

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

from bot.store.migrations import migrate, user_version

log = logging.getLogger(__name__)


class Database:
    def __init__(self, connection: aiosqlite.Connection):
        self.connection = connection  # for reads; every write goes through transaction()
        self._writing = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path)
        try:
            # secure_delete overwrites deleted rows; WAL lets readers and the writer overlap.
            await db.execute("PRAGMA secure_delete = ON")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA busy_timeout = 5000")
            await migrate(db)
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
        # Its result row is read at once, so the statement is finished, not left open to lock the
        # next checkpoint. Best effort: if another statement holds the table just now, SQLite's
        # own automatic checkpoint (or the next deletion's) does it, and the deletion stands.
        try:
            await self.connection.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as exc:
            log.info("WAL checkpoint after a deletion postponed: %s", exc)

    async def schema_version(self) -> int:
        return await user_version(self.connection)
