"""Workers' free texts on their way out (bot/reviews): waiting in report_texts, claimed by one
reviewer at a time, then released into released_texts without their report, or deleted.

They live in the reports file: every write goes through its transaction(), so the file is
rebuilt afterwards and a deleted text's bytes are gone (secure_delete, then VACUUM). A claim is
one UPDATE, so two reviewers, even in two processes (the bot and `python bot.py review`), never
hold the same text at once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass

from bot.store.reports_file import ReportsDatabase


@dataclass(frozen=True)
class Waiting:
    key: str  # the report's id: kept in the reviewer's process memory, never shown
    text: str


@dataclass(frozen=True)
class Released:
    month: str  # YYYY-MM
    country: str | None
    text: str


class TextStore:
    def __init__(self, database: ReportsDatabase):
        self._database = database

    async def waiting(self) -> int:
        (row,) = await self._database.connection.execute_fetchall("SELECT count(*) FROM report_texts")
        return int(row[0])

    async def claim(self, token: str, now: float, until: float, skip: Collection[str]) -> Waiting | None:
        """Give one waiting text nobody holds (or whose claim lapsed), not in `skip`, picked at
        random so that the order of review says nothing of the order of arrival."""
        skip = list(skip)
        marks = ", ".join("?" * len(skip))
        async with self._database.transaction() as db:
            rows = await db.execute_fetchall(
                "UPDATE report_texts SET claim = ?, claim_until = ? WHERE report_id = ("
                " SELECT report_id FROM report_texts WHERE (claim IS NULL OR claim_until <= ?)"
                f" AND report_id NOT IN ({marks}) ORDER BY random() LIMIT 1"
                ") RETURNING report_id, text",
                (token, until, now, *skip),
            )
        return Waiting(*rows[0]) if rows else None

    async def unclaim(self, key: str, token: str) -> None:
        async with self._database.transaction() as db:
            await db.execute(
                "UPDATE report_texts SET claim = NULL, claim_until = NULL WHERE report_id = ? AND claim = ?",
                (key, token),
            )

    async def release(self, key: str, token: str, text: str, month_of: Callable[[str], str]) -> bool:
        """Move the text, as given, into released_texts with its report's month and country only;
        False if the claim is no longer this token's (another reviewer took it after it lapsed,
        or it expired, or the worker withdrew the report)."""
        async with self._database.transaction() as db:
            rows = await db.execute_fetchall(
                "SELECT r.week, r.answers FROM report_texts t JOIN reports r ON r.id = t.report_id"
                " WHERE t.report_id = ? AND t.claim = ?",
                (key, token),
            )
            if not rows:
                return False
            week, answers = rows[0]
            country = json.loads(answers).get("country") or None
            await db.execute(
                "INSERT INTO released_texts (id, month, country, text) VALUES (?, ?, ?, ?)",
                (str(uuid.uuid4()), month_of(week), country, text),
            )
            await db.execute("DELETE FROM report_texts WHERE report_id = ?", (key,))
        return True

    async def delete(self, key: str, token: str) -> bool:
        async with self._database.transaction() as db:
            cursor = await db.execute("DELETE FROM report_texts WHERE report_id = ? AND claim = ?", (key, token))
        return cursor.rowcount > 0

    async def forget_through(self, week: str) -> int:
        """Delete the texts still waiting of reports of `week` and earlier: they have passed their
        time (bot/retention). Their reports stay until their month is released (ReportStore.forget_before)."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM report_texts WHERE report_id IN (SELECT id FROM reports WHERE week <= ?)", (week,)
            )
        return cursor.rowcount

    async def released(self, months: Collection[str]) -> list[Released]:
        """The released texts of these months, in no meaningful order (by random id)."""
        months = list(months)
        marks = ", ".join("?" * len(months))
        rows = await self._database.connection.execute_fetchall(
            f"SELECT month, country, text FROM released_texts WHERE month IN ({marks})", months
        )
        return [Released(*row) for row in rows]
