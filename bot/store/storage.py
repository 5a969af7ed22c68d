"""All SQL lives here. One aiosqlite connection; schema migrations by PRAGMA user_version.

Privacy rules for every table: no raw Telegram id, username, name or phone number. Rows
about a person are keyed by a keyed pseudonym (see bot/privacy/pseudonyms.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sqlite3
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

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
    # The chat id is AES-GCM encrypted (bot/privacy/chat_cipher.py) and wiped once the row is settled;
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
    # Subscriptions to updates. Keyed by a keyed pseudonym of the Telegram id (its own key, so
    # it joins no other table); the chat id, needed to send, is AES-GCM encrypted. Topics
    # unlocked by an invite link name it, so revoking the link removes them.
    """
    CREATE TABLE subscriptions (
        id TEXT PRIMARY KEY,          -- random UUID4: the outbox's recipient
        user_key BLOB NOT NULL UNIQUE,  -- HMAC-SHA256(secret, telegram user id)
        chat BLOB NOT NULL,           -- encrypted chat id (bot/privacy/chat_cipher.py)
        language TEXT NOT NULL,
        country TEXT,                 -- news about this country only; NULL: about any country
        quiet_start INTEGER,          -- quiet hours [start, end), hours 0-23 on the worker's clock
        quiet_end INTEGER,
        zone TEXT                     -- a chosen offset such as UTC+05:30; NULL: the country's zone
    ) WITHOUT ROWID;
    CREATE TABLE invites (
        id TEXT PRIMARY KEY,          -- random UUID4
        token BLOB NOT NULL UNIQUE,   -- HMAC of the link's token: the link itself is never kept
        topic TEXT NOT NULL,
        created_at TEXT NOT NULL      -- ISO minute, UTC
    ) WITHOUT ROWID;
    CREATE TABLE subscription_topics (
        subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        invite_id TEXT REFERENCES invites (id) ON DELETE CASCADE,  -- the link that unlocked it
        PRIMARY KEY (subscription_id, topic)
    ) WITHOUT ROWID;
    CREATE INDEX subscription_topics_by_topic ON subscription_topics (topic);
    CREATE INDEX subscription_topics_by_invite ON subscription_topics (invite_id) WHERE invite_id IS NOT NULL;
    """,
    # Research exports, logged without who asked: the tier, when, and how many rows went out.
    """
    CREATE TABLE exports (
        id TEXT PRIMARY KEY,          -- random UUID4
        tier TEXT NOT NULL CHECK (tier IN ('tables', 'microdata')),
        created_at TEXT NOT NULL,     -- ISO second, UTC
        rows_released INTEGER NOT NULL,
        rows_suppressed INTEGER NOT NULL,
        k INTEGER                     -- the achieved k of a microdata export
    ) WITHOUT ROWID;
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
    not_before: float = 0.0  # Unix time: the end of the recipient's quiet hours, if now is in them


@dataclass(frozen=True)
class StoredSubscription:
    id: str
    chat: bytes
    language: str
    country: str | None
    quiet_start: int | None
    quiet_end: int | None
    zone: str | None
    topics: dict[str, str | None]  # topic -> the invite that unlocked it (None: open topic)


@dataclass(frozen=True)
class BroadcastSummary:
    id: str
    status: str
    created_at: str
    counts: dict[str, int]  # outbox rows per state, plus 'waiting' (pending, held by quiet hours)


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
        self._writing = asyncio.Lock()

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

    @contextlib.asynccontextmanager
    async def _transaction(self, forget: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """Every write goes through here: one at a time on the shared connection, and all or
        nothing. A write that fails half-way (a full disk after the report row, before its text)
        is rolled back at once; otherwise the next task's commit would save the half. With
        `forget`, deleted rows' old copies also leave the WAL before the next write starts."""
        async with self._writing:
            try:
                yield self._db
                await self._db.commit()
            except BaseException:
                await self._db.rollback()
                raise
            if forget:
                await self._forget_deleted()

    async def get_prefs(self, user_key: bytes) -> StoredPrefs | None:
        # One call reads all rows: a cursor left open could be disturbed by another task's commit.
        rows = await self._db.execute_fetchall(
            "SELECT language, country FROM preferences WHERE user_key = ?", (user_key,)
        )
        row = rows[0] if rows else None
        return StoredPrefs(*row) if row else None

    async def save_prefs(self, user_key: bytes, prefs: StoredPrefs) -> None:
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO preferences (user_key, language, country) VALUES (?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET language = excluded.language, country = excluded.country",
                (user_key, prefs.language, prefs.country),
            )

    async def delete_prefs(self, user_key: bytes) -> bool:
        async with self._transaction(forget=True) as db:
            cursor = await db.execute("DELETE FROM preferences WHERE user_key = ?", (user_key,))
        return cursor.rowcount > 0

    async def add_report(self, week: str, answers: dict[str, str], receipt: bytes, text: str | None) -> None:
        report_id = str(uuid.uuid4())
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO reports (id, week, answers, receipt) VALUES (?, ?, ?, ?)",
                (report_id, week, json.dumps(answers, sort_keys=True), receipt),
            )
            if text:
                await db.execute("INSERT INTO report_texts (report_id, text) VALUES (?, ?)", (report_id, text))

    async def withdraw_report(self, receipt: bytes) -> bool:
        async with self._transaction(forget=True) as db:
            cursor = await db.execute("DELETE FROM reports WHERE receipt = ?", (receipt,))
        return cursor.rowcount > 0

    async def _forget_deleted(self) -> None:
        # secure_delete zeroes the pages, but the WAL still holds old copies until a checkpoint.
        # Its result row is read at once, so the statement is finished, not left open to lock the
        # next checkpoint. Best effort: if another statement holds the table just now, SQLite's
        # own automatic checkpoint (or the next deletion's) does it, and the deletion stands.
        try:
            await self._db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as exc:
            log.info("WAL checkpoint after a deletion postponed: %s", exc)

    async def schema_version(self) -> int:
        return await _user_version(self._db)

    # --- broadcasts (bot/broadcasts/delivery.py sends them) ---

    # The methods below are called by several tasks at once (the deliverer's sends, an organizer's
    # progress message): each reads its rows in the same call that runs the statement, because an
    # open cursor between two calls makes another task's commit fail.

    async def create_broadcast(self, texts: dict[str, str], recipients: Iterable[Recipient]) -> str:
        """A new broadcast in 'sending', with one pending outbox row per recipient; its id."""
        bad = [language for language in texts if not _LANGUAGE.fullmatch(language)]
        if bad or not texts:
            raise ValueError(f"texts need at least one language, with codes like 'en' or 'pt-BR': {bad}")
        broadcast_id = str(uuid.uuid4())
        # To the microsecond, so that /broadcasts lists them in order: this is the organizer's
        # action, not a worker's, so an exact time says nothing about a worker.
        created_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows = []
        for recipient in recipients:
            if recipient.language not in texts:
                raise ValueError(f"no text in {recipient.language!r}, a recipient's language")
            rows.append((broadcast_id, recipient.id, recipient.chat, recipient.language, recipient.not_before))
        if not rows or len({row[1] for row in rows}) != len(rows):
            raise ValueError("a broadcast needs recipients, each once")
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO broadcasts (id, status, texts, created_at) VALUES (?, 'sending', ?, ?)",
                (broadcast_id, json.dumps(texts, ensure_ascii=False, sort_keys=True), created_at),
            )
            await db.executemany(
                "INSERT INTO outbox (broadcast_id, recipient, chat, language, not_before) VALUES (?, ?, ?, ?, ?)", rows
            )
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
        async with self._transaction() as db:
            await db.executemany(
                # not_before goes too: a first try's time says when the recipient's quiet hours ended.
                "UPDATE outbox SET state = ?, error = ?, attempts = attempts + ?, chat = NULL, not_before = 0"
                " WHERE broadcast_id = ? AND recipient = ?",
                settled,
            )
            await db.executemany(
                "UPDATE outbox SET attempts = attempts + ?, not_before = ?, error = ?"
                " WHERE broadcast_id = ? AND recipient = ?",
                retried,
            )

    async def finish_broadcasts(self) -> list[str]:
        """Mark 'done' every broadcast in 'sending' with no pending row left; their ids."""
        # The wiped chat ids' old copies leave the WAL too.
        async with self._transaction(forget=True) as db:
            found = await db.execute_fetchall(
                "UPDATE broadcasts SET status = 'done' WHERE status = 'sending'"
                " AND EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = broadcasts.id)"
                " AND NOT EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = broadcasts.id AND state = 'pending')"
                " RETURNING id"
            )
        return [row[0] for row in found]

    async def pause_broadcast(self, broadcast_id: str) -> bool:
        async with self._transaction() as db:
            return await _set_status(db, broadcast_id, "paused", ("sending",))

    async def resume_broadcast(self, broadcast_id: str) -> bool:
        async with self._transaction() as db:
            return await _set_status(db, broadcast_id, "sending", ("paused",))

    async def cancel_broadcast(self, broadcast_id: str) -> bool:
        """Stop for good; the unsent rows stay pending (so they are counted) but lose their chat."""
        async with self._transaction(forget=True) as db:
            cancelled = await _set_status(db, broadcast_id, "cancelled", ("sending", "paused"))
            if cancelled:
                await db.execute("UPDATE outbox SET chat = NULL WHERE broadcast_id = ?", (broadcast_id,))
        return cancelled

    async def outbox_counts(self, broadcast_id: str, now: float | None = None) -> dict[str, int]:
        """Rows per state (every state present, zero if none), for a progress message; with
        `now`, also 'waiting': pending rows never tried that wait for quiet hours to end."""
        found = dict(
            await self._db.execute_fetchall(
                "SELECT state, count(*) FROM outbox WHERE broadcast_id = ? GROUP BY state", (broadcast_id,)
            )
        )
        counts = {state: found.get(state, 0) for state in OUTBOX_STATES}
        if now is not None:
            ((waiting,),) = await self._db.execute_fetchall(
                "SELECT count(*) FROM outbox WHERE broadcast_id = ? AND state = 'pending' AND attempts = 0"
                " AND error IS NULL AND not_before > ?",
                (broadcast_id, now),
            )
            counts["waiting"] = waiting
        return counts

    async def broadcast_summary(self, broadcast_id: str, now: float) -> BroadcastSummary | None:
        found = await self._db.execute_fetchall(
            "SELECT id, status, created_at FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        return BroadcastSummary(*found[0], await self.outbox_counts(broadcast_id, now)) if found else None

    async def recent_broadcasts(self, limit: int, now: float) -> list[BroadcastSummary]:
        """The latest broadcasts, newest first, with their delivery counts."""
        found = await self._db.execute_fetchall(
            "SELECT id, status, created_at FROM broadcasts ORDER BY created_at DESC, id LIMIT ?", (limit,)
        )
        return [BroadcastSummary(*row, await self.outbox_counts(row[0], now)) for row in found]

    # --- subscriptions and invites (bot/updates/subscriptions.py) ---

    async def get_subscription(self, user_key: bytes) -> StoredSubscription | None:
        found = await self._db.execute_fetchall(
            "SELECT s.id, s.chat, s.language, s.country, s.quiet_start, s.quiet_end, s.zone, t.topic, t.invite_id"
            " FROM subscriptions s LEFT JOIN subscription_topics t ON t.subscription_id = s.id"
            " WHERE s.user_key = ?",
            (user_key,),
        )
        if not found:
            return None
        topics = {row[7]: row[8] for row in found if row[7] is not None}
        return StoredSubscription(*found[0][:7], topics)

    async def save_subscription(
        self,
        user_key: bytes,
        chat: bytes,
        language: str,
        country: str | None,
        quiet: tuple[int, int] | None,
        zone: str | None,
        topics: dict[str, str | None],
    ) -> str:
        """Create or replace the user's subscription with exactly these topics; its id. With no
        topics, the subscription is deleted instead (and '' returned)."""
        if not topics:
            await self.delete_subscription(user_key)
            return ""
        start, end = quiet or (None, None)
        async with self._transaction() as db:
            (row,) = await db.execute_fetchall(
                "INSERT INTO subscriptions (id, user_key, chat, language, country, quiet_start, quiet_end, zone)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_key) DO UPDATE SET chat = excluded.chat,"
                " language = excluded.language, country = excluded.country, quiet_start = excluded.quiet_start,"
                " quiet_end = excluded.quiet_end, zone = excluded.zone RETURNING id",
                (str(uuid.uuid4()), user_key, chat, language, country, start, end, zone),
            )
            subscription_id = row[0]
            await db.execute("DELETE FROM subscription_topics WHERE subscription_id = ?", (subscription_id,))
            await db.executemany(
                "INSERT INTO subscription_topics (subscription_id, topic, invite_id) VALUES (?, ?, ?)",
                [(subscription_id, topic, invite) for topic, invite in topics.items()],
            )
        return subscription_id

    async def delete_subscription(self, user_key: bytes) -> bool:
        """Delete the user's subscription and the messages still waiting for them."""
        async with self._transaction(forget=True) as db:
            found = await db.execute_fetchall("DELETE FROM subscriptions WHERE user_key = ? RETURNING id", (user_key,))
            await _unlink_outbox(db, [row[0] for row in found])
        return bool(found)

    async def delete_subscription_id(self, subscription_id: str) -> bool:
        async with self._transaction(forget=True) as db:
            found = await db.execute_fetchall("DELETE FROM subscriptions WHERE id = ? RETURNING id", (subscription_id,))
            await _unlink_outbox(db, [row[0] for row in found])
        return bool(found)

    async def subscribers(
        self, languages: Iterable[str], countries: Iterable[str] | None, topics: Iterable[str]
    ) -> list[StoredSubscription]:
        """Subscriptions in one of these languages with one of these topics; with countries,
        only those about one of them (None: everyone, whatever their country)."""
        languages, topics = list(languages), list(topics)
        where = [
            f"s.language IN ({', '.join('?' * len(languages))})",
            f"EXISTS (SELECT 1 FROM subscription_topics t WHERE t.subscription_id = s.id"
            f" AND t.topic IN ({', '.join('?' * len(topics))}))",
        ]
        params: list[object] = [*languages, *topics]
        if countries is not None:
            countries = list(countries)
            where.append(f"s.country IN ({', '.join('?' * len(countries))})")
            params.extend(countries)
        found = await self._db.execute_fetchall(
            "SELECT s.id, s.chat, s.language, s.country, s.quiet_start, s.quiet_end, s.zone FROM subscriptions s"
            f" WHERE {' AND '.join(where)}",
            params,
        )
        return [StoredSubscription(*row, {}) for row in found]

    async def add_invite(self, token: bytes, topic: str) -> str:
        invite_id = str(uuid.uuid4())
        created_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO invites (id, token, topic, created_at) VALUES (?, ?, ?, ?)",
                (invite_id, token, topic, created_at),
            )
        return invite_id

    async def find_invite(self, token: bytes) -> tuple[str, str] | None:
        """(invite id, topic) of a live invite link's token."""
        found = await self._db.execute_fetchall("SELECT id, topic FROM invites WHERE token = ?", (token,))
        return (found[0][0], found[0][1]) if found else None

    async def list_invites(self) -> list[tuple[str, str, str]]:
        """Live invites, newest first: (id, topic, created_at)."""
        found = await self._db.execute_fetchall("SELECT id, topic, created_at FROM invites ORDER BY created_at DESC")
        return [tuple(row) for row in found]

    async def revoke_invite(self, invite_id: str) -> int | None:
        """Delete the invite and the topics it unlocked, then subscriptions left with no topic
        (and their waiting messages); how many subscriptions lost a topic, None if no such invite."""
        async with self._transaction(forget=True) as db:
            ((members,),) = await db.execute_fetchall(
                "SELECT count(*) FROM subscription_topics WHERE invite_id = ?", (invite_id,)
            )
            if not await db.execute_fetchall("DELETE FROM invites WHERE id = ? RETURNING id", (invite_id,)):
                return None
            emptied = await db.execute_fetchall(
                "DELETE FROM subscriptions WHERE NOT EXISTS"
                " (SELECT 1 FROM subscription_topics t WHERE t.subscription_id = subscriptions.id) RETURNING id"
            )
            await _unlink_outbox(db, [row[0] for row in emptied])
        return members

    # --- statistics (bot/stats/figures.py) ---

    # The answers the statistics group by, in this order, as one JSON path list: a single
    # json_extract call parses each report's JSON once (SQLite 3.40 has no parse cache).
    REPORT_TALLY_FIELDS = ("country", "task", "pay_unit", "pay_amount_band", "pay_amount_currency", "hours")

    async def report_tallies(self) -> tuple[list[tuple[tuple[str | None, ...], int]], list[tuple[str, int]]]:
        """Report counts, aggregated by SQLite: ((answers of REPORT_TALLY_FIELDS, None when
        unanswered), count) per combination, and (ISO week, count) per week; both read in one
        transaction, so they add up to the same total. Never a single report's row."""
        paths = ", ".join(f"'$.{name}'" for name in self.REPORT_TALLY_FIELDS)
        queries = (
            f"SELECT json_extract(answers, {paths}) AS cell, count(*) FROM reports GROUP BY cell",
            "SELECT week, count(*) FROM reports GROUP BY week",
        )
        # A full scan takes about 2 s per million reports: it runs on a read-only connection of
        # its own (WAL lets it read beside the writer), so the shared one stays free for the users.
        found = await self._db.execute_fetchall("PRAGMA database_list")
        file = next((row[2] for row in found if row[1] == "main"), "")
        if file:
            async with aiosqlite.connect(f"{Path(file).as_uri()}?mode=ro", uri=True) as reader:
                await reader.execute("PRAGMA busy_timeout = 5000")
                await reader.execute("BEGIN")
                cells, weeks = [await reader.execute_fetchall(sql) for sql in queries]
                await reader.rollback()
        else:  # an in-memory database has no file to open twice
            cells, weeks = [await self._db.execute_fetchall(sql) for sql in queries]
        return [(tuple(json.loads(cell)), count) for cell, count in cells], [(week, count) for week, count in weeks]


async def _unlink_outbox(db: aiosqlite.Connection, subscription_ids: Sequence[str]) -> None:
    """A subscription is gone: its waiting messages are dropped, and its settled rows get a
    random recipient, so a broadcast's counts stay right but no row says any more which
    broadcasts this person received."""
    ids = [(sid,) for sid in subscription_ids]
    await db.executemany("DELETE FROM outbox WHERE recipient = ? AND state = 'pending'", ids)
    await db.executemany("UPDATE outbox SET recipient = lower(hex(randomblob(16))) WHERE recipient = ?", ids)


async def _set_status(db: aiosqlite.Connection, broadcast_id: str, status: str, allowed_from: tuple[str, ...]) -> bool:
    marks = ", ".join("?" * len(allowed_from))
    found = await db.execute_fetchall(
        f"UPDATE broadcasts SET status = ? WHERE id = ? AND status IN ({marks}) RETURNING id",
        (status, broadcast_id, *allowed_from),
    )
    return bool(found)


# Write failures the operator must fix, not bugs: the disk is full, read-only or failing.
_UNWRITABLE = {sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN}


def unwritable(error: BaseException) -> bool:
    """True when SQLite could not write because of the disk (full, read-only, failing)."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(error, sqlite3.Error) and code is not None and code & 0xFF in _UNWRITABLE


def unwritable_line(error: BaseException, consequence: str) -> str:
    """The operator's one log line for an unwritable database: what happened, what to do, what followed."""
    return (
        f"The database could not be written ({error}): free space on the disk of HAKI_DATA_DIR or make it "
        f"writable; {consequence}"
    )


def stored_schema_version(path: Path) -> int | None:
    """The schema version of the database file, read-only; None if there is no file yet."""
    if not path.exists():
        return None
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


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


# --- research exports (bot/exports/run.py) ---------------------------------------------------------


def period_sql(period: str) -> str:
    """SQL for a report's period from its ISO week (column `week`, "YYYY-Www"): the month its
    Thursday falls in ("YYYY-MM", as bot.stats.month_of), or that month's quarter ("YYYY-Qn")."""
    thursday = (
        "date(substr(week, 1, 4) || '-01-04', '-' || ((CAST(strftime('%w', substr(week, 1, 4) || '-01-04') AS INTEGER)"
        " + 6) % 7) || ' days', '+' || ((CAST(substr(week, 7) AS INTEGER) - 1) * 7 + 3) || ' days')"
    )
    if period == "month":
        return f"strftime('%Y-%m', {thursday})"
    if period == "quarter":
        return f"(strftime('%Y', {thursday}) || '-Q' || ((CAST(strftime('%m', {thursday}) AS INTEGER) + 2) / 3))"
    raise ValueError(f"period must be month or quarter, not {period!r}")


class ReportReader:
    """Read-only, synchronous access to the reports for exports: a connection of its own, so a
    long scan never holds up the bot (WAL lets it read beside the writer). Whatever it returns
    is aggregated or generalized by the caller before it leaves the server."""

    def __init__(self, path: Path):
        if not path.exists():
            raise FileNotFoundError(f"no database at {path}")
        self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 5000")
        # Sorts and groupings of a million rows spill to temporary files, not memory.
        self._db.execute("PRAGMA temp_store = FILE")
        self._db.execute("PRAGMA cache_size = -32768")  # 32 MB

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ReportReader:
        # One read transaction: every query of an export sees the same reports.
        self._db.execute("BEGIN")
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.rollback()
        self.close()

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM reports").fetchone()[0]

    # --- tables tier (bot/exports/tables.py) ---

    def tables_tallies(
        self, requests: Sequence[tuple[Sequence[str], str | None]]
    ) -> list[list[tuple[tuple[str | None, ...], int]]]:
        """For each (fields, period) asked, report counts per combination of answers to `fields`
        (None: not answered), starting with the reports' period (period_sql) when one is given:
        never a single report's row. All from one scan, counted as it streams (no sort): one
        JSON parse per report serves every request. The requests share at most one period."""
        periods = {period for _, period in requests if period is not None}
        if len(periods) > 1 or not all(fields and all(_FIELD.fullmatch(f) for f in fields) for fields, _ in requests):
            raise ValueError(f"not question ids, or more than one period: {requests!r}")
        join = ""
        if periods:
            self._weeks(periods.pop())
            join = " LEFT JOIN export_weeks w ON w.week = r.week"
        columns = []
        for fields, period in requests:
            answers = self._answers("r.answers", fields)
            columns.append(f"coalesce(w.period, 'other') || char(31) || {answers}" if period else answers)
        counters: list[Counter[str]] = [Counter() for _ in requests]
        cursor = self._db.execute(f"SELECT {', '.join(columns)} FROM reports r{join}")
        while rows := cursor.fetchmany(8192):
            for counter, column in zip(counters, zip(*rows, strict=True), strict=True):
                counter.update(column)  # counted in C
        return [
            [(_decoded(key, period is not None), n) for key, n in counter.items()]
            for counter, (_, period) in zip(counters, requests, strict=True)
        ]

    def _weeks(self, period: str) -> None:
        """TEMP table export_weeks: the period of each ISO week Haki could store, worked out once
        per week rather than per report."""
        self._db.execute("DROP TABLE IF EXISTS temp.export_weeks")
        self._db.execute("CREATE TEMP TABLE export_weeks (week TEXT PRIMARY KEY, period TEXT) WITHOUT ROWID")
        self._db.executemany(
            "INSERT INTO export_weeks (week) VALUES (?)",
            ((f"{year}-W{week:02d}",) for year in range(2000, 2200) for week in range(1, 54)),
        )
        self._db.execute(f"UPDATE export_weeks SET period = {period_sql(period)}")

    @staticmethod
    def _answers(answers: str, fields: Sequence[str]) -> str:
        """SQL for the answers to `fields` as one JSON array (null where not answered)."""
        paths = ", ".join(f"'$.{name}'" for name in fields)
        return (
            f"json_extract({answers}, {paths})" if len(fields) > 1 else f"json_array(json_extract({answers}, {paths}))"
        )

    # --- microdata tier (bot/exports/microdata.py) ---

    def microdata_answers(
        self, period: str, quasi: Sequence[str], other: Sequence[str], with_text: bool
    ) -> Iterable[list[tuple[str, str, str | None]]]:
        """In batches, per report: (its period (period_sql) and its answers to `quasi` as a JSON
        array, joined by SEPARATOR into one key; its answers to `other` as a JSON array; the free text only if a
        reviewer released it), null in the arrays where not answered. In storage order: by random
        UUID, which says nothing about when reports came; the caller generalizes, suppresses and
        shuffles before anything leaves."""
        fields = [*quasi, *other]
        if not quasi or not other or not all(_FIELD.fullmatch(name) for name in fields):
            raise ValueError(f"not question ids: {fields!r}")
        self._weeks(period)
        arrays = [self._answers("r.answers", fields) for fields in (quasi, other)]
        text = "t.text" if with_text else "NULL"
        join = " LEFT JOIN report_texts t ON t.report_id = r.id AND t.reviewed = 1" if with_text else ""
        cursor = self._db.execute(
            f"SELECT coalesce(w.period, 'other') || char(31) || {arrays[0]}, {arrays[1]}, {text}"
            f" FROM reports r LEFT JOIN export_weeks w ON w.week = r.week{join}"
        )
        while rows := cursor.fetchmany(8192):
            yield rows


def record_export(path: Path, tier: str, rows_released: int, rows_suppressed: int, k: int | None) -> None:
    """Log an export in the database: tier, time and row counts, never who asked."""
    with contextlib.closing(sqlite3.connect(path, timeout=5)) as db, db:
        db.execute(
            "INSERT INTO exports (id, tier, created_at, rows_released, rows_suppressed, k) VALUES (?, ?, ?, ?, ?, ?)",
            (
                str(uuid.uuid4()),
                tier,
                datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                rows_released,
                rows_suppressed,
                k,
            ),
        )


_FIELD = re.compile(r"[a-z][a-z0-9_]{0,31}")
SEPARATOR = "\x1f"  # ASCII unit separator (SQL char(31)): never in a period or in JSON text


def _decoded(key: str, with_period: bool) -> tuple[str | None, ...]:
    """A tally key back as values: the period first if there is one, then the answers."""
    period, _, answers = key.partition(SEPARATOR) if with_period else (None, None, key)
    values = tuple(None if v is None else str(v) for v in json.loads(answers))
    return (period, *values) if with_period else values
