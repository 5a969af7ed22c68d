"""Retention: what is not needed any more is deleted, and deleted for real.

Each test plays the adversary holding the server after the sweep ran: every file of the data
folder (both databases, any -wal, -shm or -journal) is read as raw bytes, and what expired must
not be in any of them, while what is still needed is still in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.releases.publish import Publisher
from bot.retention.rules import last_expired_week, text_expiry
from bot.retention.sweep import sweep
from bot.store import Store
from bot.store.broadcasts import Outcome, Recipient
from bot.store.reports_file import reports_path
from handlers.services import SERVICES
from tests.conftest import Chatter, running
from tests.test_e2e_report import fill_report, ui

UTC = dt.UTC
DAYS = 30
EXPIRED, FRESH = "QUIETRIVER-77", "FRESHDAWN-12"  # words of a worker's free text


def on(day: dt.date, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


def raw(data: Path) -> bytes:
    """Every byte of every file of the data folder, as a copy of the server would hold them."""
    files = [f for f in sorted(data.iterdir()) if f.is_file()]
    assert any(f.name.endswith("-reports.sqlite3") for f in files)
    return b"".join(f.read_bytes() for f in files)


def texts(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(f"{reports_path(path).as_uri()}?mode=ro", uri=True)) as db:
        return sorted(text for (text,) in db.execute("SELECT text FROM report_texts"))


def report_weeks(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(f"{reports_path(path).as_uri()}?mode=ro", uri=True)) as db:
        return sorted(week for (week,) in db.execute("SELECT week FROM reports"))


@pytest.fixture
async def store(tmp_path):
    store = await Store.open(tmp_path / "data" / "haki.sqlite3")
    yield store
    await store.close()


def path_of(tmp_path: Path) -> Path:
    return tmp_path / "data" / "haki.sqlite3"


# --- the date rule ---------------------------------------------------------------------------------


def test_a_text_expires_the_given_days_after_the_monday_that_ends_its_week():
    # 2026-W48 runs from Monday 23 to Sunday 29 November; it is over on Monday 30 November.
    assert text_expiry("2026-W48", 30) == dt.date(2026, 12, 30)
    assert text_expiry("2026-W48", 1) == dt.date(2026, 12, 1)
    # A week across the new year: 2026-W53 ends on Sunday 3 January 2027.
    assert text_expiry("2026-W53", 30) == dt.date(2027, 2, 3)
    assert text_expiry("2025-W01", 7) == dt.date(2025, 1, 13)  # the week began on 30 December 2024


@given(st.dates(dt.date(2020, 1, 1), dt.date(2040, 12, 31)), st.integers(1, 400))
def test_the_sweep_deletes_exactly_the_weeks_whose_expiry_has_come(today, days):
    week = last_expired_week(today, days)
    monday = dt.date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    following = (monday + dt.timedelta(weeks=1)).isocalendar()
    assert text_expiry(week, days) <= today < text_expiry(f"{following.year}-W{following.week:02d}", days)


# --- free texts ------------------------------------------------------------------------------------


async def test_an_expired_text_is_gone_from_every_file_and_a_newer_one_stays(store, tmp_path):
    await store.reports.add_report("2026-W10", {"country": "KE"}, b"R" * 32, f"they shout at us {EXPIRED}")
    await store.reports.add_report("2026-W14", {"country": "KE"}, b"S" * 32, f"no breaks {FRESH}")
    swept = await sweep(store, on(text_expiry("2026-W10", DAYS)), DAYS)
    data = raw(tmp_path / "data")
    assert EXPIRED.encode() not in data
    assert texts(path_of(tmp_path)) == [f"no breaks {FRESH}"]
    assert swept.texts == 1
    # Its month (March) is not released yet: the report waits for its release, without the text.
    assert report_weeks(path_of(tmp_path)) == ["2026-W10", "2026-W14"]


async def test_once_its_month_is_released_a_report_whose_text_expired_goes_too(store, tmp_path, navigator):
    await store.reports.add_report("2026-W10", {"country": "KE"}, b"R" * 32, f"they shout at us {EXPIRED}")
    await store.reports.add_report("2026-W14", {"country": "KE"}, b"S" * 32, f"no breaks {FRESH}")
    # March is released on 8 April; its report stays for its text, as the release leaves it.
    await Publisher(store.reports, store.releases, navigator.content, clock=lambda: dt.date(2026, 4, 8)).releases()
    assert report_weeks(path_of(tmp_path)) == ["2026-W10", "2026-W14"]
    swept = await sweep(store, on(text_expiry("2026-W10", DAYS)), DAYS)
    assert (swept.texts, swept.reports) == (1, 1)
    assert report_weeks(path_of(tmp_path)) == ["2026-W14"]
    data = raw(tmp_path / "data")
    assert EXPIRED.encode() not in data and b"R" * 32 not in data  # the text, and the report's receipt
    assert b"S" * 32 in data


async def test_a_text_stays_the_day_before_its_expiry_and_goes_on_that_day(store, tmp_path):
    await store.reports.add_report("2026-W48", {"country": "UG"}, b"R" * 32, f"night shifts {EXPIRED}")
    expiry = text_expiry("2026-W48", DAYS)
    swept = await sweep(store, on(expiry - dt.timedelta(days=1), 23, 59, 59), DAYS)
    assert swept.texts == 0 and texts(path_of(tmp_path)) == [f"night shifts {EXPIRED}"]
    swept = await sweep(store, on(expiry), DAYS)
    assert swept.texts == 1 and texts(path_of(tmp_path)) == []
    assert EXPIRED.encode() not in raw(tmp_path / "data")


async def test_the_retention_days_are_the_ones_configured(store, tmp_path):
    await store.reports.add_report("2026-W48", {"country": "UG"}, b"R" * 32, f"night shifts {EXPIRED}")
    await sweep(store, on(text_expiry("2026-W48", 7)), 30)
    assert texts(path_of(tmp_path)) == [f"night shifts {EXPIRED}"]
    await sweep(store, on(text_expiry("2026-W48", 7)), 7)
    assert texts(path_of(tmp_path)) == []


# --- broadcasts' outbox ----------------------------------------------------------------------------


def recipients(prefix: str, n: int) -> list[Recipient]:
    return [Recipient(f"{prefix}-{i:03d}", f"CHAT{prefix}{i}".encode(), "en") for i in range(n)]


# Both ways: the sweep's later deletions empty the WAL too, so the store's own must be seen alone.
@pytest.mark.parametrize("alone", [False, True], ids=["by the sweep", "by the store alone"])
async def test_a_finished_broadcasts_outbox_rows_are_gone_and_its_counts_stay(store, tmp_path, alone):
    now = dt.datetime(2026, 5, 4, 12, tzinfo=UTC)
    done = await store.broadcasts.create_broadcast({"en": "Meeting on Friday"}, recipients("DONEMARK", 14))
    await store.broadcasts.record_outcomes(
        [Outcome(done, f"DONEMARK-{i:03d}", "sent") for i in range(11)]
        + [Outcome(done, "DONEMARK-011", "failed", "FAILMARK: chat not found")]
        + [Outcome(done, f"DONEMARK-{i:03d}", "blocked", "Forbidden") for i in (12, 13)]
    )
    assert await store.broadcasts.finish_broadcasts() == [done]
    stopped = await store.broadcasts.create_broadcast({"en": "Strike vote"}, recipients("STOPMARK", 5))
    await store.broadcasts.record_outcomes([Outcome(stopped, "STOPMARK-000", "sent")])
    assert await store.broadcasts.cancel_broadcast(stopped)
    going = await store.broadcasts.create_broadcast({"en": "Pay survey"}, recipients("GOINGMARK", 3))
    before = await store.broadcasts.recent_broadcasts(10, now.timestamp())

    deleted = await store.broadcasts.forget_finished_outbox() if alone else (await sweep(store, now, DAYS)).outbox

    assert deleted == 14 + 5
    after = await store.broadcasts.recent_broadcasts(10, now.timestamp())
    assert after == before  # the history screen's sent, failed and of counts, exactly as they were
    counts = {s.id: s.counts for s in after}
    assert counts[done] == {"pending": 0, "sent": 11, "failed": 1, "blocked": 2, "waiting": 0}
    assert counts[stopped] == {"pending": 4, "sent": 1, "failed": 0, "blocked": 0, "waiting": 0}
    assert (await store.broadcasts.broadcast_summary(done, now.timestamp())).counts == counts[done]
    data = raw(tmp_path / "data")
    for marker in (b"DONEMARK", b"STOPMARK", b"FAILMARK"):
        assert marker not in data
    # The broadcast still sending keeps its rows: they are how it resumes after a crash.
    assert counts[going]["pending"] == 3 and len(await store.broadcasts.due_outbox(now.timestamp(), 10)) == 3
    assert b"GOINGMARK" in data


# --- invite links ----------------------------------------------------------------------------------


async def test_a_revoked_invite_link_is_gone_from_every_file_at_once(store, tmp_path):
    token = b"INVITEMARK" + b"\x01" * 22
    invite = await store.subscriptions.add_invite(token, "organizing")
    kept = await store.subscriptions.add_invite(b"KEPTINVITE" + b"\x02" * 22, "organizing")
    assert await store.subscriptions.revoke_invite(invite) == 0
    data = raw(tmp_path / "data")
    assert token not in data and invite.encode() not in data
    assert [row[0] for row in await store.subscriptions.list_invites()] == [kept]


# --- the export log --------------------------------------------------------------------------------


async def test_export_log_rows_over_a_year_old_are_gone_and_younger_ones_stay(tmp_path):
    path = path_of(tmp_path)
    await (await Store.open(path)).close()
    now = dt.datetime(2027, 3, 1, 9, tzinfo=UTC)
    logged = {
        "OLDEXPORT-0001": now - dt.timedelta(days=365, seconds=1),
        "YOUNGEXPORT-01": now - dt.timedelta(days=364, hours=23),
    }
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "INSERT INTO exports (id, tier, created_at, rows_released, rows_suppressed, k)"
            " VALUES (?, 'tables', ?, 9, 0, NULL)",
            [(name, when.strftime("%Y-%m-%dT%H:%M:%SZ")) for name, when in logged.items()],
        )
    store = await Store.open(path)
    try:
        swept = await sweep(store, now, DAYS)
        data = raw(tmp_path / "data")  # while the bot runs: closing would empty the WAL anyway
    finally:
        await store.close()
    assert swept.exports == 1
    assert b"OLDEXPORT-0001" not in data and b"YOUNGEXPORT-01" in data


# --- the running bot -------------------------------------------------------------------------------

SENT, LATER = "quietriver", "freshdawn"  # words the scrubber keeps


def this_week(day: dt.date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


async def test_the_bot_deletes_an_expired_text_at_start_up_and_keeps_a_fresh_one(navigator, tmp_path):
    data = tmp_path / "data"
    # aclosing: a failing assertion still stops the bot, instead of leaving it to the loop's end.
    async with contextlib.aclosing(running(navigator, data)) as bots:
        async for bot in bots:
            worker = Chatter(bot, 5100)
            review = await fill_report(bot, worker, "en", comment=f"They shout at us, {SENT} kept watch")
            await worker.press(ui(bot, "en", "report_send"), review)
    assert SENT.encode() in raw(data)
    # The bot is started again on the day the text expires; meanwhile a report came in that week.
    later = on(text_expiry(this_week(dt.datetime.now(UTC).date()), DAYS), 6)
    store = await Store.open(path_of(tmp_path))
    await store.reports.add_report(this_week(later.date()), {"country": "KE"}, b"S" * 32, f"no breaks, {LATER}")
    await store.close()

    async with contextlib.aclosing(running(navigator, data, clock=lambda: later)) as bots:
        async for bot in bots:
            await asyncio.wait_for(bot.app.bot_data[SERVICES].swept.wait(), 30)  # the start-up sweep
            assert SENT.encode() not in raw(data)
            assert texts(path_of(tmp_path)) == [f"no breaks, {LATER}"]


async def test_a_sweep_the_disk_refuses_leaves_the_bot_answering_and_the_next_one_deletes(navigator, tmp_path, caplog):
    data = tmp_path / "data"
    async with contextlib.aclosing(running(navigator, data)) as bots:
        async for bot in bots:
            s = bot.app.bot_data[SERVICES]
            await asyncio.wait_for(s.swept.wait(), 30)  # the start-up sweep, with nothing to delete yet
            worker = Chatter(bot, 5200)
            review = await fill_report(bot, worker, "en", comment=f"They shout at us, {SENT} kept watch")
            await worker.press(ui(bot, "en", "report_send"), review)
            s.clock = lambda: on(text_expiry(this_week(dt.datetime.now(UTC).date()), DAYS))
            (daily,) = bot.app.job_queue.get_jobs_by_name("retention")

            # SQLite refuses every write from here, as on a disk remounted read-only.
            for connection in (s.store._database.connection, s.store._reports.connection):
                await connection.execute("PRAGMA query_only = ON")
            await daily.run(bot.app)
            assert "The retention sweep failed" in caplog.text
            assert (await worker.say("/start")).text  # the bot still answers
            assert texts(path_of(tmp_path)) == [f"They shout at us, {SENT} kept watch"]

            for connection in (s.store._database.connection, s.store._reports.connection):
                await connection.execute("PRAGMA query_only = OFF")
            await daily.run(bot.app)  # the next day's run
            assert texts(path_of(tmp_path)) == [] and SENT.encode() not in raw(data)
