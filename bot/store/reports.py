"""The reports and their free texts (bot/reports), and what a month's release counts (bot/releases).

They live in the reports file (bot/store/reports_file.py): every write goes through its
transaction(), which rebuilds the file afterwards, so a new method that deletes reports needs
nothing more than its DELETE inside one."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import uuid
from collections.abc import Callable

from bot.store.reports_file import ReportsDatabase


class ReportStore:
    def __init__(self, database: ReportsDatabase):
        self._database = database

    async def add_report(self, week: str, answers: dict[str, str], receipt: bytes, text: str | None) -> None:
        report_id = str(uuid.uuid4())
        async with self._database.transaction() as db:
            await db.execute(
                "INSERT INTO reports (id, week, answers, receipt) VALUES (?, ?, ?, ?)",
                (report_id, week, json.dumps(answers, sort_keys=True), receipt),
            )
            if text:
                await db.execute("INSERT INTO report_texts (report_id, text) VALUES (?, ?)", (report_id, text))

    async def withdraw_report(self, receipt: bytes) -> bool:
        async with self._database.transaction() as db:
            cursor = await db.execute("DELETE FROM reports WHERE receipt = ?", (receipt,))
        return cursor.rowcount > 0

    async def scan_month(self, weeks: list[str], count: Callable[[dict[str, str], int], None]) -> None:
        """Hand each report of these ISO weeks to `count` (its answers, 1), for the month's one
        release (bot/releases): in a thread, from a read-only connection of its own, a batch at a
        time, so a month of a million reports is never in memory at once."""
        await asyncio.to_thread(self._scan, weeks, count)

    def _scan(self, weeks: list[str], count: Callable[[dict[str, str], int], None]) -> None:
        marks = ", ".join("?" * len(weeks))
        uri = f"{self._database.path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            db.execute("PRAGMA busy_timeout = 5000")
            cursor = db.execute(f"SELECT answers FROM reports WHERE week IN ({marks})", weeks)
            while rows := cursor.fetchmany(8192):
                for (answers,) in rows:
                    count(json.loads(answers), 1)

    async def earliest_week(self) -> str | None:
        (row,) = await self._database.connection.execute_fetchall("SELECT min(week) FROM reports")
        return row[0]

    async def forget_before(self, week: str) -> int:
        """Delete the reports of weeks before `week`, once their month is released: the release
        holds all that will ever be published of them. Reports with a free text stay until the
        text is reviewed or expires."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM reports WHERE week < ? AND id NOT IN (SELECT report_id FROM report_texts)", (week,)
            )
        return cursor.rowcount
