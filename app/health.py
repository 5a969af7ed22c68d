"""Health check for a container HEALTHCHECK and for operators (`python bot.py health`).

Healthy means: the content loads and passes its checks, and the database file exists, opens
read-only, passes `PRAGMA quick_check`, and is at a schema version this Haki knows; so does the
reports file beside it (bot/store/reports_file.py) once the reports live there. The bot creates
both at start-up, so a missing one means the bot never started (or a restore brought back only
one file of the two): unhealthy.

No data is written: the database is opened with mode=ro, never created or migrated (SQLite
may still create the empty -wal and -shm files beside it that WAL readers share). Nothing
needs TELEGRAM_BOT_TOKEN or HAKI_SECRET_KEY. The message is one line, with no secrets.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from bot.config import Config
from bot.content import CONTENT_DIR
from bot.guide.check import ContentError, load_navigator
from bot.store.migrations import MIGRATIONS, REPORT_MIGRATIONS
from bot.store.reports_file import reports_path

_BUSY_MS = 2000  # a writer mid-checkpoint may hold a lock briefly; the HEALTHCHECK allows 10 s


def check(config: Config, content_dir: Path | None = None) -> tuple[bool, str]:
    """(healthy, one-line message). `content_dir` defaults to the content the bot serves."""
    ok, content = _content(content_dir)
    if not ok:
        return False, f"unhealthy: {content}"
    ok, database = _database(config.database_path)
    if not ok:
        return False, f"unhealthy: {database}"
    return True, f"healthy: {content}; {database}"


def _content(content_dir: Path | None) -> tuple[bool, str]:
    if content_dir is None:
        content_dir = CONTENT_DIR
    try:
        navigator = load_navigator(content_dir)
    except ContentError as exc:
        first = _one_line(str(exc.problems[0])) if exc.problems else "unknown problem"
        return False, f"the content has {len(exc.problems)} problem(s), the first: {first}"
    except Exception as exc:  # a health check reports, it does not crash
        return False, f"the content does not load ({type(exc).__name__}: {_one_line(str(exc))})"
    return True, f"content {len(navigator.content.pages)} pages in {', '.join(navigator.languages)}"


def _database(path: Path) -> tuple[bool, str]:
    if not path.is_file():
        return False, f"no database at {path}: the bot creates it when it starts, so it has not started there"
    problem, version = _sound(path, "the database", len(MIGRATIONS))
    if problem:
        return False, problem
    known = len(MIGRATIONS)
    if version < known:
        # The bot migrates at start-up; an older version is a start-up still under way.
        return True, f"database schema {version} of {known} (the bot migrates it when it starts)"
    # At this version the reports live in a file of their own (since migrations.REPORTS_MOVED_OUT).
    reports = reports_path(path)
    if not reports.is_file():
        return False, f"no reports file at {reports}: restore it with {path.name} from the same backup"
    problem, reports_version = _sound(reports, "the reports file", len(REPORT_MIGRATIONS))
    if problem:
        return False, problem
    return True, f"database schema {version} of {known}, reports file {reports_version} of {len(REPORT_MIGRATIONS)}"


def _sound(path: Path, name: str, known: int) -> tuple[str | None, int]:
    """(None, its schema version) if the file reads, passes quick_check and is not from a newer
    Haki; else (why not, 0)."""
    try:
        # mode=ro: never create, migrate or write. WAL lets this read beside the running bot; the
        # reports file's next write waits for the moment this takes.
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=_BUSY_MS / 1000)
        with contextlib.closing(db):
            db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                return f"{name} {path} is damaged (quick_check: {_one_line(problems[0])})", 0
            (version,) = db.execute("PRAGMA user_version").fetchone()
    except sqlite3.Error as exc:
        return f"{name} {path} cannot be read ({_one_line(str(exc))})", 0
    if version > known:
        return f"{name} is at schema version {version}, newer than this Haki ({known}): upgrade Haki", 0
    return None, int(version)


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
