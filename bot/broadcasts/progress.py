"""A broadcast as organizers follow it: its live progress, with Pause, Resume and Stop, and the
list of the latest ones (/broadcasts). handlers/broadcast_progress.py keeps the message live.

Callback data: bp:p:<id> pause, bp:r:<id> resume, bp:c:<id> stop for good, bp:v:<id> view.

Every number of people shows rounded to the nearest 10 ("fewer than 10" below that), and none
says how many are waiting for their quiet hours: a narrowed broadcast's progress would otherwise
single people out (bot/privacy/rounding.py). The time left still counts exactly who is due.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_datetime, format_timedelta

from bot.broadcasts.composer import shown_count
from bot.store.broadcasts import BroadcastSummary
from bot.ui import callbacks
from bot.ui.screens import Button, Screen
from bot.ui.texts import Texts

PREFIX = callbacks.PROGRESS


def progress_screen(t: Texts, summary: BroadcastSummary, rate: float) -> Screen:
    c = summary.counts
    total = sum(c[state] for state in ("pending", "sent", "failed", "blocked"))
    text = t.ui(
        "broadcast_progress",
        created=_created(t, summary.created_at),
        status=t.plain(f"broadcast_status_{summary.status}"),
        sent=shown_count(t, c["sent"]),
        total=shown_count(t, total),
        failed=shown_count(t, c["failed"]),
        blocked=shown_count(t, c["blocked"]),
    )
    due = c["pending"] - c.get("waiting", 0)
    if summary.status == "sending" and due > 0:
        eta = format_timedelta(dt.timedelta(seconds=max(1.0, due / rate)), threshold=1.1, locale=t.locale)
        text += "\n" + t.ui("broadcast_eta", eta=eta)
    buttons = []
    if summary.status == "sending":
        buttons.append(Button(t.plain("broadcast_pause"), f"{PREFIX}:p:{summary.id}"))
    if summary.status == "paused":
        buttons.append(Button(t.plain("broadcast_resume"), f"{PREFIX}:r:{summary.id}"))
    if summary.status in ("sending", "paused"):
        buttons.append(Button(t.plain("broadcast_stop"), f"{PREFIX}:c:{summary.id}"))
    return Screen(text, (tuple(buttons),) if buttons else ())


def list_screen(t: Texts, summaries: list[BroadcastSummary]) -> Screen:
    if not summaries:
        return Screen(t.ui("broadcast_list_none"))
    lines, rows = [t.ui("broadcast_list_title")], []
    for n, summary in enumerate(summaries, start=1):
        c = summary.counts
        total = sum(c[state] for state in ("pending", "sent", "failed", "blocked"))
        status = t.plain(f"broadcast_status_{summary.status}")
        lines.append(
            f"{n}. "
            + t.ui(
                "broadcast_list_line",
                created=_created(t, summary.created_at),
                status=status,
                sent=shown_count(t, c["sent"]),
                total=shown_count(t, total),
            )
        )
        rows.append((Button(f"{n}. {status}", f"{PREFIX}:v:{summary.id}"),))
    return Screen("\n".join(lines), tuple(rows))


def _created(t: Texts, created_at: str) -> str:
    when = dt.datetime.fromisoformat(created_at)  # minutes (older rows) or microseconds, both UTC
    return format_datetime(when, format="short", tzinfo=dt.UTC, locale=t.locale) + " UTC"
