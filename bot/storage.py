"""All SQL lives here. One aiosqlite connection; schema migrations by PRAGMA user_version.

Privacy rules for every table: no raw Telegram id, username, name or phone number. Rows
about a person are keyed by a keyed pseudonym (see bot/pseudonyms.py).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
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
    # Broadcasts: the organizer's texts per language, and one outbox row per recipient. A row
    # stays 'pending' until Telegram accepted its message, so delivery resumes after a crash.
    # The chat id is AES-GCM encrypted (bot/chat_cipher.py) and wiped once the row is settled;
    # the recipient is the subscription's random id, never a Telegram id.
    """
    CREATE TABLE broadcasts (
        id TEXT PRIMARY KEY,          -- random UUID4
        status TEXT NOT NULL CHECK (status IN ('sending', 'paused', 'cancelled', 'done')),
        texts TEXT NOT NULL,          -- JSON: language -> text
        created_at TEXT NOT NULL      -- ISO minute, UTC
    ) WITHOUT ROWID;
    CREATE TABLE outbox (
        broadcast_id TEXT NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
        recipient TEXT NOT NULL,      -- opaque random id of the subscription
        chat BLOB,                    -- encrypted chat id; NULL once the row is settled
        language TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'blocked')),
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before REAL NOT NULL DEFAULT 0,  -- Unix time before which a retry must wait
        error TEXT,                   -- Telegram's reason for the last failure
        PRIMARY KEY (broadcast_id, recipient)
    ) WITHOUT ROWID;
    -- Only pending rows are ever looked up by time, and they shrink as a broadcast proceeds.
    CREATE INDEX outbox_pending ON outbox (broadcast_id, not_before) WHERE state = 'pending';
    """,
]


@dataclass(frozen=True)
class StoredPrefs:
    language: str | None
    country: str | None


OUTBOX_STATES = ("pending", "sent", "failed", "blocked")
_LANGUAGE = re.compile(r"[A-Za-z0-9_-]{1,35}")  # safe inside a JSON path, see due_outbox


@dataclass(frozen=True)
class Recipient:
    id: str  # the subscription's opaque random id
    chat: bytes  # ChatCipher.encrypt(chat id)
    language: str  # a key of the broadcast's texts


@dataclass(frozen=True)
class Broadcast:
    id: str
    status: str
    texts: dict[str, str]
    created_at: str


@dataclass(frozen=True)
class OutboxRow:
    broadcast_id: str
    recipient: str
    chat: bytes
    text: str  # the broadcast's text in the recipient's language
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What became of one send. `state` 'pending' means try again at `not_before`."""

    broadcast_id: str
    recipient: str
    state: str
    error: str | None = None
    not_before: float = 0.0
    attempted: bool = True  # False when no send was tried for the row (a flood wait, a chat waiting its turn)


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
        # One call reads all rows: a cursor left open could be disturbed by another task's commit.
        rows = await self._db.execute_fetchall(
            "SELECT language, country FROM preferences WHERE user_key = ?", (user_key,)
        )
        row = rows[0] if rows else None
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

    # --- broadcasts (bot/delivery.py sends them) ---

    # The methods below are called by several tasks at once (the deliverer's sends, an organizer's
    # progress message): each reads its rows in the same call that runs the statement, because an
    # open cursor between two calls makes another task's commit fail.

    async def create_broadcast(self, texts: dict[str, str], recipients: Iterable[Recipient]) -> str:
        """A new broadcast in 'sending', with one pending outbox row per recipient; its id."""
        bad = [language for language in texts if not _LANGUAGE.fullmatch(language)]
        if bad or not texts:
            raise ValueError(f"texts need at least one language, with codes like 'en' or 'pt-BR': {bad}")
        broadcast_id = str(uuid.uuid4())
        created_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")
        rows = []
        for recipient in recipients:
            if recipient.language not in texts:
                raise ValueError(f"no text in {recipient.language!r}, a recipient's language")
            rows.append((broadcast_id, recipient.id, recipient.chat, recipient.language))
        # Everything is checked before the first write: on this shared connection a failed insert
        # could not be rolled back without undoing other tasks' work too.
        if not rows or len({row[1] for row in rows}) != len(rows):
            raise ValueError("a broadcast needs recipients, each once")
        # The rows go in with one call after the broadcast; until then it has none, which
        # finish_broadcasts leaves alone.
        await self._db.execute(
            "INSERT INTO broadcasts (id, status, texts, created_at) VALUES (?, 'sending', ?, ?)",
            (broadcast_id, json.dumps(texts, ensure_ascii=False, sort_keys=True), created_at),
        )
        await self._db.executemany(
            "INSERT INTO outbox (broadcast_id, recipient, chat, language) VALUES (?, ?, ?, ?)", rows
        )
        await self._db.commit()
        return broadcast_id

    async def get_broadcast(self, broadcast_id: str) -> Broadcast | None:
        found = await self._db.execute_fetchall(
            "SELECT id, status, texts, created_at FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        row = next(iter(found), None)
        return Broadcast(row[0], row[1], json.loads(row[2]), row[3]) if row else None

    async def due_outbox(self, now: float, limit: int) -> list[OutboxRow]:
        """Up to `limit` pending rows of broadcasts in 'sending' whose time has come (Unix `now`)."""
        # The language code was checked against _LANGUAGE, so it is safe inside the JSON path.
        found = await self._db.execute_fetchall(
            "SELECT o.broadcast_id, o.recipient, o.chat, json_extract(b.texts, '$.\"' || o.language || '\"'),"
            " o.attempts FROM broadcasts b JOIN outbox o ON o.broadcast_id = b.id"
            " WHERE b.status = 'sending' AND o.state = 'pending' AND o.not_before <= ? LIMIT ?",
            (now, limit),
        )
        return [OutboxRow(*row) for row in found]

    async def next_due(self) -> float | None:
        """The earliest not_before among pending rows of broadcasts in 'sending' (None if none)."""
        found = await self._db.execute_fetchall(
            "SELECT min(o.not_before) FROM broadcasts b JOIN outbox o ON o.broadcast_id = b.id"
            " WHERE b.status = 'sending' AND o.state = 'pending'"
        )
        return next(iter(found))[0]

    async def record_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        """Settle rows as sent, failed or blocked (wiping their chat), or put them back to
        pending until not_before; all in one transaction."""
        settled = [
            (o.state, o.error, int(o.attempted), o.broadcast_id, o.recipient) for o in outcomes if o.state != "pending"
        ]
        retried = [
            (int(o.attempted), o.not_before, o.error, o.broadcast_id, o.recipient)
            for o in outcomes
            if o.state == "pending"
        ]
        await self._db.executemany(
            "UPDATE outbox SET state = ?, error = ?, attempts = attempts + ?, chat = NULL"
            " WHERE broadcast_id = ? AND recipient = ?",
            settled,
        )
        await self._db.executemany(
            "UPDATE outbox SET attempts = attempts + ?, not_before = ?, error = ?"
            " WHERE broadcast_id = ? AND recipient = ?",
            retried,
        )
        await self._db.commit()

    async def finish_broadcasts(self) -> list[str]:
        """Mark 'done' every broadcast in 'sending' with no pending row left; their ids."""
        found = await self._db.execute_fetchall(
            "UPDATE broadcasts SET status = 'done' WHERE status = 'sending'"
            " AND EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = broadcasts.id)"
            " AND NOT EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = broadcasts.id AND state = 'pending')"
            " RETURNING id"
        )
        await self._db.commit()
        return [row[0] for row in found]

    async def pause_broadcast(self, broadcast_id: str) -> bool:
        return await self._set_status(broadcast_id, "paused", ("sending",))

    async def resume_broadcast(self, broadcast_id: str) -> bool:
        return await self._set_status(broadcast_id, "sending", ("paused",))

    async def cancel_broadcast(self, broadcast_id: str) -> bool:
        """Stop for good; the unsent rows stay pending (so they are counted) but lose their chat."""
        cancelled = await self._set_status(broadcast_id, "cancelled", ("sending", "paused"), commit=False)
        if cancelled:
            await self._db.execute("UPDATE outbox SET chat = NULL WHERE broadcast_id = ?", (broadcast_id,))
        await self._db.commit()
        return cancelled

    async def outbox_counts(self, broadcast_id: str) -> dict[str, int]:
        """Rows per state (every state present, zero if none), for a progress message."""
        found = dict(
            await self._db.execute_fetchall(
                "SELECT state, count(*) FROM outbox WHERE broadcast_id = ? GROUP BY state", (broadcast_id,)
            )
        )
        return {state: found.get(state, 0) for state in OUTBOX_STATES}

    async def _set_status(
        self, broadcast_id: str, status: str, allowed_from: tuple[str, ...], commit: bool = True
    ) -> bool:
        marks = ", ".join("?" * len(allowed_from))
        cursor = await self._db.execute(
            f"UPDATE broadcasts SET status = ? WHERE id = ? AND status IN ({marks})",
            (status, broadcast_id, *allowed_from),
        )
        if commit:
            await self._db.commit()
        return cursor.rowcount > 0

    # --- statistics (bot/stats.py) ---


async def _user_version(db: aiosqlite.Connection) -> int:
    (row,) = await db.execute_fetchall("PRAGMA user_version")
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
