"""Write failures the operator must fix, not bugs: the disk is full, read-only or failing."""

from __future__ import annotations

import sqlite3

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
