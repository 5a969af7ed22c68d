"""Frozen releases (bot/releases): one row per released month, written once, never updated.
They hold only noisy, post-processed counts, so they may sit beside the other tables."""

from __future__ import annotations

from bot.store.database import Database


class ReleaseStore:
    def __init__(self, database: Database):
        self._database = database

    async def start(self, month: str) -> str:
        """The first month releases cover, fixed the first time this is called (the month Haki was
        first started, or of the earliest report of an older install), so that the first release
        says nothing about when the first report came."""
        async with self._database.transaction() as db:
            await db.execute("INSERT OR IGNORE INTO release_start (id, month) VALUES (1, ?)", (month,))
        (row,) = await self._database.connection.execute_fetchall("SELECT month FROM release_start")
        return row[0]

    async def months(self) -> set[str]:
        rows = await self._database.connection.execute_fetchall("SELECT month FROM releases")
        return {month for (month,) in rows}

    async def save(self, month: str, created: str, data: str) -> None:
        """Store a month's release unless one is stored already: the first one stands."""
        async with self._database.transaction() as db:
            await db.execute(
                "INSERT OR IGNORE INTO releases (month, created_at, data) VALUES (?, ?, ?)", (month, created, data)
            )

    async def all(self) -> list[str]:
        """Every release's data, oldest month first."""
        rows = await self._database.connection.execute_fetchall("SELECT data FROM releases ORDER BY month")
        return [data for (data,) in rows]
