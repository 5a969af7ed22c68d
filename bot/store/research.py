"""Read-only, synchronous access to the reports for research exports (bot/exports/run.py),
in the reports file, and the log of exports made, in the main database."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.store.reports_file import reports_path


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
    """Read-only, synchronous access to the reports for exports, given the main database's path:
    a connection of its own to the reports file beside it (reports_path). While it reads, the
    bot's next report waits to be committed (the reports file has a rollback journal, so a write
    never stays behind in a log: bot/store/reports_file.py); the bot's other work goes on.
    Whatever it returns is aggregated or generalized by the caller before it leaves the server."""

    def __init__(self, path: Path):
        if not path.exists():
            raise FileNotFoundError(f"no database at {path}")
        reports = reports_path(path)
        if not reports.exists():
            raise FileNotFoundError(f"no reports file at {reports}: the bot makes it when it starts")
        self._db = sqlite3.connect(f"{reports.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
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
