"""The log of research exports (bot/exports/run.py): what went out and when, never who asked.
Exports themselves read only the stored releases (bot/store/releases.py), never the reports."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bot.store.database import Database

_LOGGED = "%Y-%m-%dT%H:%M:%SZ"  # created_at: ISO second, UTC, so that text order is time order


def record_export(path: Path, tier: str, rows_released: int, rows_suppressed: int, k: int | None) -> None:
    """Log an export in the database: tier, time and row counts, never who asked."""
    with contextlib.closing(sqlite3.connect(path, timeout=5)) as db, db:
        db.execute(
            "INSERT INTO exports (id, tier, created_at, rows_released, rows_suppressed, k) VALUES (?, ?, ?, ?, ?, ?)",
            (
                str(uuid.uuid4()),
                tier,
                datetime.now(UTC).strftime(_LOGGED),
                rows_released,
                rows_suppressed,
                k,
            ),
        )


class ExportLog:
    """The export log as the running bot keeps it: old rows deleted (bot/retention)."""

    def __init__(self, database: Database):
        self._database = database

    async def forget_before(self, logged: datetime) -> int:
        """Delete the rows of exports logged before `logged` (UTC); how many."""
        async with self._database.transaction(forget=True) as db:
            cursor = await db.execute(
                "DELETE FROM exports WHERE created_at < ?", (logged.astimezone(UTC).strftime(_LOGGED),)
            )
        return cursor.rowcount
