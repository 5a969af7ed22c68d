"""`python bot.py backup DEST`: a verified copy of the database, taken while the bot runs: two
files, the main database and the reports file beside it (bot/store/reports_file.py).

SQLite's online backup API copies each file page by page through a read-only connection of its
own; the bot keeps reading and writing meanwhile (for the reports file, a report waits while a
step is read), and each copy holds everything committed when its copy began (including what
still sits in the main file's -wal, which a plain file copy would miss or tear). The two copies
are taken one after the other: nothing in one refers to the other, so each only has to be whole.
The reports file's copy keeps its layout, rebuilt in key order, page for page.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.store.reports_file import missing_reports_file, reports_path

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
    path: Path  # the copy of the main database
    reports_path: Path | None  # the copy of the reports file (None: the database had none yet)
    size: int  # bytes, both files
    schema_version: int  # PRAGMA user_version of the main copy
    counts: dict[str, int]  # rows per table of COUNTED present in the copies

    def summary(self) -> str:
        counts = ", ".join(f"{table} {n}" for table, n in self.counts.items())
        files = f"{self.path} and {self.reports_path}" if self.reports_path else str(self.path)
        return f"backup OK: {files} ({self.size} bytes, schema version {self.schema_version}; {counts})"


class _Restarting(Exception):
    pass


def backup(database: Path, dest: Path) -> BackupResult:
    """Copy `database` to `dest` (a new file, or a folder to put a timestamped file in) and its
    reports file to reports_path(dest) beside it, and check both copies; the sources are only ever
    read. ValueError if either destination exists, FileNotFoundError if the database does not (or
    its reports file, once the reports live there); a copy that fails its check is deleted with the
    other and sqlite3.DatabaseError raised."""
    if not database.is_file():
        raise FileNotFoundError(f"no database at {database}: check HAKI_DATA_DIR")
    problem = missing_reports_file(database)
    if problem:
        raise FileNotFoundError(problem)
    if dest.is_dir():
        dest = dest / datetime.now(UTC).strftime("haki-%Y-%m-%dT%H%M%SZ.sqlite3")
    pairs = [(database, dest)]
    if reports_path(database).is_file():
        pairs.append((reports_path(database), reports_path(dest)))
    made: list[Path] = []
    try:
        for _, copy in pairs:
            # Created empty with mode 0600 before any data is in it, and never over an existing file
            # (O_EXCL): a backup must not replace an older one, nor be readable by others even briefly.
            try:
                os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                raise ValueError(f"{copy} already exists: choose a new file name, or a folder") from None
            made.append(copy)
        for source, copy in pairs:
            _copy_file(source, copy)
        return _check(dest, reports_path(dest) if len(pairs) > 1 else None)
    except BaseException:
        for copy in made:
            for leftover in (copy, *(Path(f"{copy}{suffix}") for suffix in ("-journal", "-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
        raise


def _copy_file(source_path: Path, dest: Path) -> None:
    # Read-only: if the bot is not running, SQLite may still leave an empty -wal and a -shm
    # beside the main database (its shared-memory index); they are harmless and the bot reuses them.
    with contextlib.closing(sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)) as source:
        source.execute("PRAGMA busy_timeout = 5000")
        with contextlib.closing(sqlite3.connect(dest)) as copy:
            _copy(source, copy)
            # The main copy inherits WAL mode from the source's header; a backup should be
            # self-contained files (the bot turns WAL back on when it opens a restored copy).
            copy.execute("PRAGMA journal_mode = DELETE")
    dest.chmod(0o600)  # exactly, whatever the umask (which could only have narrowed it)


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


def _check(path: Path, reports: Path | None) -> BackupResult:
    counts: dict[str, int] = {}
    versions = []
    for copy in (path, reports) if reports else (path,):
        with contextlib.closing(sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)) as db:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError(f"the copy failed its integrity check: {'; '.join(problems[:5])}")
            versions.append(db.execute("PRAGMA user_version").fetchone()[0])
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
            counts |= {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED if t in tables}
    if 0 in versions:
        raise sqlite3.DatabaseError("the copy has no Haki schema (user_version 0): is this Haki's database?")
    size = sum(copy.stat().st_size for copy in (path, reports) if copy)
    return BackupResult(path, reports, size, versions[0], {t: counts[t] for t in COUNTED if t in counts})
