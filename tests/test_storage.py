"""SQLite: migrations, hygiene pragmas, and no raw Telegram id anywhere on disk."""

import asyncio
import contextlib
import sqlite3
import struct

import pytest

from bot.guide.preferences import Preferences
from bot.privacy.pseudonyms import Pseudonyms
from bot.store import Store
from bot.store.migrations import MIGRATIONS
from bot.store.preferences import StoredPrefs
from bot.store.reports_file import reports_path

CANARY_ID = 7987654321


def id_encodings(user_id: int) -> list[bytes]:
    import hashlib

    text = str(user_id).encode()
    return [
        text,
        struct.pack(">q", user_id),
        struct.pack("<q", user_id),
        hashlib.sha256(text).digest(),
        hashlib.sha256(text).hexdigest().encode(),
        hashlib.md5(text).hexdigest().encode(),
    ]


async def test_fresh_database_is_migrated_with_hygiene_pragmas(tmp_path):
    store = await Store.open(tmp_path / "h.sqlite3")
    try:
        assert await store.schema_version() == len(MIGRATIONS)
        async with store._database.connection.execute("PRAGMA secure_delete") as c:
            assert (await c.fetchone())[0] == 1
        async with store._database.connection.execute("PRAGMA journal_mode") as c:
            assert (await c.fetchone())[0] == "wal"
        async with store._database.connection.execute("PRAGMA foreign_keys") as c:
            assert (await c.fetchone())[0] == 1
    finally:
        await store.close()


async def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "h.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="upgrade Haki"):
        await Store.open(path)


async def test_preferences_survive_reopening_and_hold_no_raw_id(tmp_path):
    path = tmp_path / "h.sqlite3"
    pseudonyms = Pseudonyms(b"k" * 32)
    store = await Store.open(path)
    prefs = Preferences(store.preferences, pseudonyms)
    await prefs.update(CANARY_ID, language="sw")
    await prefs.update(CANARY_ID, country="TZ")
    await store.close()

    store = await Store.open(path)
    try:
        fresh = Preferences(store.preferences, pseudonyms)  # empty cache: read from disk
        got = await fresh.get(CANARY_ID)
        assert (got.language, got.country) == ("sw", "TZ")
        assert (await fresh.get(CANARY_ID + 1)).language is None
        # A different secret sees nothing: the key, not the id, finds the row.
        other = Preferences(store.preferences, Pseudonyms(b"z" * 32))
        assert (await other.get(CANARY_ID)).language is None
    finally:
        await store.close()

    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for encoding in id_encodings(CANARY_ID):
        assert encoding not in blob


def test_pseudonyms_are_keyed_not_plain_hashes():
    import hashlib

    a, b = Pseudonyms(b"a" * 32), Pseudonyms(b"b" * 32)
    assert a.preferences(CANARY_ID) != b.preferences(CANARY_ID)
    assert a.preferences(CANARY_ID) == Pseudonyms(b"a" * 32).preferences(CANARY_ID)
    assert a.preferences(CANARY_ID) != hashlib.sha256(str(CANARY_ID).encode()).digest()


async def fill_to_the_brim(db) -> None:
    """Grow the connection's file to a page limit, as a disk fills: past it SQLite answers
    SQLITE_FULL. The pages already there keep their free room, so a small row still fits and a
    long one does not."""
    await db.execute("CREATE TABLE filler (x BLOB)")
    ((pages,),) = await db.execute_fetchall("PRAGMA page_count")
    await db.execute(f"PRAGMA max_page_count = {pages + 40}")
    await db.commit()
    with pytest.raises(sqlite3.OperationalError, match="full"):
        while True:
            await db.execute("INSERT INTO filler VALUES (zeroblob(2000))")
            await db.commit()
    await db.rollback()


def stored_counts(path) -> tuple:
    with (
        contextlib.closing(sqlite3.connect(reports_path(path))) as reports,
        contextlib.closing(sqlite3.connect(path)) as db,
    ):
        return (
            reports.execute("PRAGMA integrity_check").fetchone()[0],
            db.execute("PRAGMA integrity_check").fetchone()[0],
            reports.execute("SELECT count(*) FROM reports").fetchone()[0],
            reports.execute("SELECT count(*) FROM report_texts").fetchone()[0],
            db.execute("SELECT count(*) FROM preferences").fetchone()[0],
        )


async def test_a_report_that_fills_the_disk_half_way_is_not_saved_in_part(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = await Store.open(path)
    try:
        await store.reports.add_report("2026-W48", {"country": "KE"}, b"a" * 32, "paid late")
        await fill_to_the_brim(store._reports.connection)
        # The report's row fits in its page; its long text needs new pages and finds the disk full.
        # Another worker saves a language at the same moment: that write must neither carry the
        # half report into a file nor vanish with it (when both shared one connection, before each
        # write had its own transaction, SQLite's rollback of the failed one took the language too).
        failed, saved = await asyncio.gather(
            store.reports.add_report("2026-W48", {"country": "UG"}, b"b" * 32, "x" * 20_000),
            store.preferences.save_prefs(b"k" * 32, StoredPrefs("sw", "TZ")),
            return_exceptions=True,
        )
        assert isinstance(failed, sqlite3.OperationalError) and "full" in str(failed), failed
        assert saved is None
        await store.preferences.save_prefs(b"j" * 32, StoredPrefs("fr", "MG"))  # and later writes commit whole
    finally:
        await store.close()
    # The files are whole: the first report with its text, both languages, nothing of the second.
    assert await asyncio.to_thread(stored_counts, path) == ("ok", "ok", 1, 1, 2)
