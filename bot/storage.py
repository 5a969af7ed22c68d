"""All SQL lives here. One aiosqlite connection; schema migrations by PRAGMA user_version.

Privacy rules for every table: no raw Telegram id, username, name or phone number. Rows
about a person are keyed by a keyed pseudonym (see bot/pseudonyms.py).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

# Each entry moves the schema from version i to i + 1. Append only; never edit a shipped one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE preferences (
        user_key BLOB PRIMARY KEY,  -- HMAC-SHA256(secret, telegram user id), never the id itself
        language TEXT,
        country TEXT
    ) WITHOUT ROWID;
    """,
    # Reports carry nothing derived from who sent them: a random id, the ISO week, the
    # answer codes. WITHOUT ROWID keeps rows in id order, which says nothing about when
    # they came. The receipt is HMAC(secret, code): only the person holding the code can
    # find the row again. Free text lives apart, unreviewed until a person releases it.
    """
    CREATE TABLE reports (
        id TEXT PRIMARY KEY,          -- random UUID4
        week TEXT NOT NULL,           -- ISO week, e.g. 2026-W48; nothing finer
        answers TEXT NOT NULL,        -- JSON: question id -> answer code or band
        receipt BLOB NOT NULL UNIQUE  -- HMAC of the receipt code, for /withdraw
    ) WITHOUT ROWID;
    CREATE TABLE report_texts (
        report_id TEXT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
        text TEXT NOT NULL,           -- scrubbed of phone numbers, emails, links, ids, names
        reviewed INTEGER NOT NULL DEFAULT 0  -- 1 only when a reviewer releases it
    ) WITHOUT ROWID;
    """,
]


@dataclass(frozen=True)
class StoredPrefs:
    language: str | None
    country: str | None


class Storage:
    def __init__(self, db: aiosqlite.Connection):
        self._db = db

    @classmethod
    async def open(cls, path: Path) -> Storage:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path)
        try:
            # secure_delete overwrites deleted rows; WAL lets readers and the writer overlap.
            await db.execute("PRAGMA secure_delete = ON")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA busy_timeout = 5000")
            await _migrate(db)
        except BaseException:
            await db.close()
            raise
        return cls(db)

    async def close(self) -> None:
        await self._db.close()

    async def get_prefs(self, user_key: bytes) -> StoredPrefs | None:
        async with self._db.execute(
            "SELECT language, country FROM preferences WHERE user_key = ?", (user_key,)
        ) as cursor:
            row = await cursor.fetchone()
        return StoredPrefs(*row) if row else None

    async def save_prefs(self, user_key: bytes, prefs: StoredPrefs) -> None:
        await self._db.execute(
            "INSERT INTO preferences (user_key, language, country) VALUES (?, ?, ?) "
            "ON CONFLICT (user_key) DO UPDATE SET language = excluded.language, country = excluded.country",
            (user_key, prefs.language, prefs.country),
        )
        await self._db.commit()

    async def delete_prefs(self, user_key: bytes) -> bool:
        cursor = await self._db.execute("DELETE FROM preferences WHERE user_key = ?", (user_key,))
        await self._db.commit()
        await self._forget_deleted()
        return cursor.rowcount > 0

    async def add_report(self, week: str, answers: dict[str, str], receipt: bytes, text: str | None) -> None:
        report_id = str(uuid.uuid4())
        await self._db.execute(
            "INSERT INTO reports (id, week, answers, receipt) VALUES (?, ?, ?, ?)",
            (report_id, week, json.dumps(answers, sort_keys=True), receipt),
        )
        if text:
            await self._db.execute("INSERT INTO report_texts (report_id, text) VALUES (?, ?)", (report_id, text))
        await self._db.commit()

    async def withdraw_report(self, receipt: bytes) -> bool:
        cursor = await self._db.execute("DELETE FROM reports WHERE receipt = ?", (receipt,))
        await self._db.commit()
        await self._forget_deleted()
        return cursor.rowcount > 0

    async def _forget_deleted(self) -> None:
        # secure_delete zeroes the pages, but the WAL still holds old copies until a checkpoint.
        await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def schema_version(self) -> int:
        return await _user_version(self._db)


async def _user_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0])


async def _migrate(db: aiosqlite.Connection) -> None:
    version = await _user_version(db)
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"the database is at schema version {version}, newer than this Haki ({len(MIGRATIONS)}): upgrade Haki"
        )
    for target, script in enumerate(MIGRATIONS[version:], start=version + 1):
        # One transaction per step, so a failed migration leaves the previous version intact.
        await db.executescript(f"BEGIN; {script}; PRAGMA user_version = {target}; COMMIT;")
