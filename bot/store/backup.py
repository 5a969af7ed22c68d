"""`python bot.py backup DEST`: a verified copy of the database, taken while the bot runs.

SQLite's online backup API copies the database page by page through a read-only connection of
its own; with WAL the bot keeps reading and writing meanwhile, and the copy holds everything
committed when the copy began (including what still sits in the -wal file, which a plain file
copy would miss or tear).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# Pages per step (4 MB at SQLite's default page size): between steps no lock is held on the
# source, so the bot's checkpoints (after /forget and /withdraw) never wait long for us.
STEP_PAGES = 1024
# A write by the bot between two steps makes SQLite start the copy again. Under steady writes
# (a broadcast records outcomes several times a second) that could go on forever, so after a
# few restarts the rest is copied in one step: one read transaction, a consistent snapshot,
# which in WAL mode still does not block the bot's writes.
MAX_RESTARTS = 3
COUNTED = ("reports", "preferences", "subscriptions", "broadcasts")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int  # bytes
    schema_version: int  # PRAGMA user_version of the copy
    counts: dict[str, int]  # rows per table of COUNTED present in the copy

    def summary(self) -> str:
        counts = ", ".join(f"{table} {n}" for table, n in self.counts.items())
        return f"backup OK: {self.path} ({self.size} bytes, schema version {self.schema_version}; {counts})"


class _Restarting(Exception):
    pass


def backup(database: Path, dest: Path) -> BackupResult:
    """Copy `database` to `dest` (a new file, or a folder to put a timestamped file in) and check
    the copy; the source is only ever read. ValueError if `dest` exists, FileNotFoundError if the
    database does not; a copy that fails its check is deleted and sqlite3.DatabaseError raised."""
    if not database.is_file():
        raise FileNotFoundError(f"no database at {database}: check HAKI_DATA_DIR")
    if dest.is_dir():
        dest = dest / datetime.now(UTC).strftime("haki-%Y-%m-%dT%H%M%SZ.sqlite3")
    try:
        # Created empty with mode 0600 before any data is in it, and never over an existing file
        # (O_EXCL): a backup must not replace an older one, nor be readable by others even briefly.
        os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise ValueError(f"{dest} already exists: choose a new file name, or a folder") from None
    try:
        # Read-only: if the bot is not running, SQLite may still leave an empty -wal and a -shm
        # beside the database (its shared-memory index); they are harmless and the bot reuses them.
        with contextlib.closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)) as source:
            source.execute("PRAGMA busy_timeout = 5000")
            with contextlib.closing(sqlite3.connect(dest)) as copy:
                _copy(source, copy)
                # The copy inherits WAL mode from the source's header; a backup should be one
                # self-contained file (the bot turns WAL back on when it opens a restored copy).
                copy.execute("PRAGMA journal_mode = DELETE")
        dest.chmod(0o600)  # exactly, whatever the umask (which could only have narrowed it)
        return _check(dest)
    except BaseException:
        for leftover in (dest, *(Path(f"{dest}{suffix}") for suffix in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        raise


def _copy(source: sqlite3.Connection, copy: sqlite3.Connection) -> None:
    last = None
    restarts = 0

    def progress(status: int, remaining: int, total: int) -> None:
        nonlocal last, restarts
        if last is not None and remaining > last:  # the bot wrote: SQLite started over
            restarts += 1
            if restarts > MAX_RESTARTS:
                raise _Restarting
        last = remaining

    try:
        source.backup(copy, pages=STEP_PAGES, progress=progress)
    except _Restarting:
        source.backup(copy, pages=-1)


def _check(path: Path) -> BackupResult:
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as copy:
        problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError(f"the copy failed its integrity check: {'; '.join(problems[:5])}")
        (version,) = copy.execute("PRAGMA user_version").fetchone()
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
        counts = {t: copy.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED if t in tables}
    if version == 0:
        raise sqlite3.DatabaseError("the copy has no Haki schema (user_version 0): is this Haki's database?")
    return BackupResult(path, path.stat().st_size, version, counts)
