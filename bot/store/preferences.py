"""The preferences table: a worker's remembered language, country and platform (bot/guide/preferences.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.database import Database


@dataclass(frozen=True)
class StoredPrefs:
    language: str | None
    country: str | None
    platform: str | None = None


class PreferenceStore:
    def __init__(self, database: Database):
        self._database = database

    async def get_prefs(self, user_key: bytes) -> StoredPrefs | None:
        # One call reads all rows: a cursor left open could be disturbed by another task's commit.
        rows = await self._database.connection.execute_fetchall(
            "SELECT language, country, platform FROM preferences WHERE user_key = ?", (user_key,)
        )
        row = rows[0] if rows else None
        return StoredPrefs(*row) if row else None

    async def save_prefs(self, user_key: bytes, prefs: StoredPrefs) -> None:
        async with self._database.transaction() as db:
            await db.execute(
                "INSERT INTO preferences (user_key, language, country, platform) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET language = excluded.language, country = excluded.country, "
                "platform = excluded.platform",
                (user_key, prefs.language, prefs.country, prefs.platform),
            )

    async def delete_prefs(self, user_key: bytes) -> bool:
        async with self._database.transaction(forget=True) as db:
            cursor = await db.execute("DELETE FROM preferences WHERE user_key = ?", (user_key,))
        return cursor.rowcount > 0
