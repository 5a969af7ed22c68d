"""The database: one aiosqlite connection, one list of migrations, and the SQL of each
feature in a module of its own. Each feature is handed only its own tables: Preferences gets
`store.preferences`, Subscriptions `store.subscriptions`, and so on."""

from __future__ import annotations

from pathlib import Path

from bot.store.broadcasts import BroadcastStore
from bot.store.database import Database
from bot.store.preferences import PreferenceStore
from bot.store.releases import ReleaseStore
from bot.store.reports import ReportStore
from bot.store.subscriptions import SubscriptionStore


class Store:
    def __init__(self, database: Database):
        self._database = database
        self.preferences = PreferenceStore(database)
        self.reports = ReportStore(database)
        self.releases = ReleaseStore(database)
        self.broadcasts = BroadcastStore(database)
        self.subscriptions = SubscriptionStore(database)

    @classmethod
    async def open(cls, path: Path) -> Store:
        """Open (creating and migrating as needed) the database file at `path`."""
        return cls(await Database.open(path))

    async def close(self) -> None:
        await self._database.close()

    async def schema_version(self) -> int:
        return await self._database.schema_version()
