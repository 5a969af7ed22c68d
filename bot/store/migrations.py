"""The schema of both files, the main database (MIGRATIONS) and the reports file beside it
(REPORT_MIGRATIONS), each moved up one version at a time by its own PRAGMA user_version.

Privacy rules for every table: no raw Telegram id, username, name or phone number. Rows
about a person are keyed by a keyed pseudonym (see bot/privacy/pseudonyms.py).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
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
    # (Since version 6 these tables live in the reports file: REPORT_MIGRATIONS below.)
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
    # Frozen releases (bot/releases): each closed month's noisy tables, written once; /stats and
    # both export tiers are worked out from them.
    """
    CREATE TABLE releases (
        month TEXT PRIMARY KEY,       -- YYYY-MM
        created_at TEXT NOT NULL,     -- ISO date
        data TEXT NOT NULL            -- JSON: bot/releases/release.py, Release.to_json
    ) WITHOUT ROWID;
    CREATE TABLE release_start (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        month TEXT NOT NULL           -- the first month releases cover
    );
    """,
    # Reports and their texts leave this file for the reports file (bot/store/reports_file.py):
    # here, their commits sat in the same WAL as the sender's preferences and subscription. The
    # rows are copied there just before this step runs (ReportsDatabase.move_in); secure_delete
    # zeroes what the deletions free, and Database.open then checkpoints and vacuums this file.
    """
    DELETE FROM report_texts;
    DELETE FROM reports;
    DROP TABLE report_texts;
    DROP TABLE reports;
    """,
    # A finished broadcast's outbox rows are deleted (bot/retention): its counts per state are
    # kept here, so /broadcasts and its progress message still show them exactly.
    """
    ALTER TABLE broadcasts ADD COLUMN counts TEXT;  -- JSON: state -> rows, once the outbox rows are gone
    """,
    # "My platform", remembered like the country (bot/guide/preferences.py).
    """
    ALTER TABLE preferences ADD COLUMN platform TEXT;  -- an id of content/platforms.yaml, or "other"
    """,
]

# The version of MIGRATIONS whose step moves the reports out of the main file (7).
REPORTS_MOVED_OUT = next(v for v, script in enumerate(MIGRATIONS, start=1) if "DROP TABLE reports;" in script)

# The reports file's own schema (bot/store/reports_file.py), versioned by its own PRAGMA
# user_version. Append only, as above.
REPORT_MIGRATIONS: list[str] = [
    # Reports carry nothing derived from who sent them: a random id, the ISO week, the answer
    # codes. WITHOUT ROWID keeps rows in id order, and the file is rebuilt in that order after
    # every write, so nothing in it says when a row came. The receipt is HMAC(secret, code):
    # only the person holding the code can find the row again. Free text lives apart,
    # unreviewed until a person releases it.
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
    # Review (bot/reviews): a text waits in report_texts until a reviewer releases it, edited or
    # not, or deletes it, or it expires. Released, it moves to released_texts with only its
    # month and country, and no link to its report, which can then be deleted like any other.
    # A claim keeps one text with one reviewer at a time: a random token, and until when.
    # Nothing ever set `reviewed`, so dropping it loses no release. (The table is rebuilt: SQLite's
    # DROP COLUMN trips over the comment after the column it removes.)
    """
    CREATE TABLE report_texts_v2 (
        report_id TEXT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
        text TEXT NOT NULL,           -- scrubbed of phone numbers, emails, links, ids, names
        claim TEXT,                   -- the reviewer's random token, while one holds it
        claim_until REAL              -- Unix time the claim lapses
    ) WITHOUT ROWID;
    INSERT INTO report_texts_v2 (report_id, text) SELECT report_id, text FROM report_texts;
    DROP TABLE report_texts;
    ALTER TABLE report_texts_v2 RENAME TO report_texts;
    CREATE TABLE released_texts (
        id TEXT PRIMARY KEY,          -- random UUID4, not the report's id
        month TEXT NOT NULL,          -- YYYY-MM of the report's week (bot/releases/periods.py)
        country TEXT,                 -- the report's country answer, if any
        text TEXT NOT NULL            -- as the reviewer released it, scrubbed
    ) WITHOUT ROWID;
    """,
]


def stored_schema_version(path: Path) -> int | None:
    """The schema version of a database file, read-only; None if there is no file yet."""
    if not path.exists():
        return None
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


async def user_version(db: aiosqlite.Connection) -> int:
    (row,) = await db.execute_fetchall("PRAGMA user_version")
    return int(row[0])


# A step run just before the migration to a version, outside its transaction.
Step = Callable[[aiosqlite.Connection], Awaitable[None]]


async def migrate(
    db: aiosqlite.Connection,
    migrations: Sequence[str] = MIGRATIONS,
    *,
    before: Mapping[int, Step] | None = None,
    name: str = "the database",
) -> int:
    """Bring `db` to the last version of `migrations`; the version it was at."""
    version = await user_version(db)
    if version > len(migrations):
        raise RuntimeError(
            f"{name} is at schema version {version}, newer than this Haki ({len(migrations)}): upgrade Haki"
        )
    for target, script in enumerate(migrations[version:], start=version + 1):
        if before and target in before:
            await before[target](db)
        # One transaction per step, so a failed migration leaves the previous version intact.
        await db.executescript(f"BEGIN; {script}; PRAGMA user_version = {target}; COMMIT;")
    return version
