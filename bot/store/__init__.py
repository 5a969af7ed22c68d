"""The storage, in two files: the main database (bot/store/database.py) with every feature's
tables but the reports, and the reports file beside it (bot/store/reports_file.py), so that a
report's commit never sits next to its sender's rows. One list of migrations each, and the SQL
of each feature in a module of its own. Each feature is handed only its own tables: Preferences
gets `store.preferences`, Subscriptions `store.subscriptions`, and so on."""

from __future__ import annotations

from pathlib import Path

from bot.store.broadcasts import BroadcastStore
from bot.store.database import Database
from bot.store.preferences import PreferenceStore
from bot.store.releases import ReleaseStore
from bot.store.reports import ReportStore
from bot.store.reports_file import ReportsDatabase, missing_reports_file, reports_path
from bot.store.research import ExportLog
from bot.store.subscriptions import SubscriptionStore
from bot.store.texts import TextStore


class Store:
    def __init__(self, database: Database, reports: ReportsDatabase):
        self._database = database
        self._reports = reports
        self.preferences = PreferenceStore(database)
        self.reports = ReportStore(reports)
        self.texts = TextStore(reports)
        self.releases = ReleaseStore(database)
        self.broadcasts = BroadcastStore(database)
        self.subscriptions = SubscriptionStore(database)
        self.export_log = ExportLog(database)

    @classmethod
    async def open(cls, path: Path) -> Store:
        """Open (creating and migrating as needed) the main database file at `path` and the
        reports file beside it (reports_path); reports still in the main file move over."""
        problem = missing_reports_file(path)
        if problem:
            raise RuntimeError(problem)
        reports = await ReportsDatabase.open(reports_path(path))
        try:
            database = await Database.open(path, move_reports=reports.move_in)
        except BaseException:
            await reports.close()
            raise
        return cls(database, reports)

    async def close(self) -> None:
        try:
            await self._database.close()
        finally:
            await self._reports.close()

    async def schema_version(self) -> int:
        return await self._database.schema_version()
