"""`python bot.py backup DEST`: an online backup (the main database and the reports file) while
the real bot runs and writes, a restore that brings workers' choices back, what a different
HAKI_SECRET_KEY does to a restored database, and the refusals."""

import asyncio
import re
import shutil
import sqlite3
import stat

import pytest

from app.offline import OfflineBot
from bot.store import Store
from bot.store import backup as backups
from bot.store.backup import backup
from bot.store.reports_file import reports_path
from tests.conftest import Chatter
from tests.test_e2e_report import fill_report, ui
from tests.test_e2e_updates import services, topic_button


def database(bot):
    return bot.data_dir / "haki.sqlite3"


def rows(path, sql, params=()):
    with sqlite3.connect(path) as db:
        return db.execute(sql, params).fetchall()


async def choose_swahili_and_subscribe(bot, user_id):
    worker = Chatter(bot, user_id, language_code="en")
    await worker.press("Kiswahili", await worker.say("/start"))
    await worker.press(topic_button(bot, "sw", "pay", on=False), await worker.say("/subscribe"))
    return worker


async def send_report(bot, user_id):
    """A report sent in English; its receipt code."""
    person = Chatter(bot, user_id)
    sent = await person.press(ui(bot, "en", "report_send"), await fill_report(bot, person, "en"))
    return re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", sent.text).group()


async def test_a_backup_taken_while_the_bot_writes_holds_what_was_committed_before_it(haki, tmp_path, monkeypatch):
    await choose_swahili_and_subscribe(haki, 6001)
    await send_report(haki, 6002)
    # One page per step: the copy takes many steps, and the writes below can land between them
    # (SQLite then starts over, and after a few restarts copies the rest in one step).
    monkeypatch.setattr(backups, "STEP_PAGES", 1)

    async def meanwhile():
        for user_id in range(6100, 6106):
            await choose_swahili_and_subscribe(haki, user_id)

    result, _ = await asyncio.gather(asyncio.to_thread(backup, database(haki), tmp_path), meanwhile())

    assert result.path.parent == tmp_path and re.fullmatch(r"haki-\d{4}-\d\d-\d\dT\d{6}Z\.sqlite3", result.path.name)
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert rows(result.path, "PRAGMA integrity_check") == [("ok",)]
    assert result.schema_version == rows(database(haki), "PRAGMA user_version")[0][0]
    assert result.reports_path == reports_path(result.path)
    assert stat.S_IMODE(result.reports_path.stat().st_mode) == 0o600
    assert rows(result.reports_path, "PRAGMA integrity_check") == [("ok",)]
    assert result.size == result.path.stat().st_size + result.reports_path.stat().st_size
    # Everything committed before the backup began is in it; what came during it may or may not be.
    pseudonyms = services(haki).pseudonyms
    key = pseudonyms.preferences(6001)
    assert rows(result.path, "SELECT language FROM preferences WHERE user_key = ?", (key,)) == [("sw",)]
    subscriber = pseudonyms.subscriber(6001)
    assert rows(result.path, "SELECT language FROM subscriptions WHERE user_key = ?", (subscriber,)) == [("sw",)]
    assert result.counts["reports"] == 1 and result.counts["broadcasts"] == 0
    assert 1 <= result.counts["preferences"] <= 7 and 1 <= result.counts["subscriptions"] <= 7
    assert result.summary() == (
        f"backup OK: {result.path} and {result.reports_path} ({result.size} bytes, schema version "
        f"{result.schema_version}; "
        f"reports 1, preferences {result.counts['preferences']}, subscriptions {result.counts['subscriptions']}, "
        "broadcasts 0)"
    )
    # The reports are in the reports copy only, as they are in the bot's files.
    assert rows(result.reports_path, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name") == [
        ("released_texts",),
        ("report_texts",),
        ("reports",),
    ]
    assert "reports" not in {name for (name,) in rows(result.path, "SELECT name FROM sqlite_schema")}
    # The source is untouched and the bot still works; the copies are two self-contained files.
    assert rows(database(haki), "SELECT count(*) FROM preferences") == [(7,)]
    names = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("haki-"))
    assert names == sorted([result.path.name, result.reports_path.name])


async def test_restore_with_the_same_key_brings_choices_back_and_another_key_finds_nothing(haki, navigator, tmp_path):
    await choose_swahili_and_subscribe(haki, 6201)
    receipt = await send_report(haki, 6202)
    saved = backup(database(haki), tmp_path / "haki-backup.sqlite3")

    def restored(name):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(saved.path, folder / "haki.sqlite3")
        shutil.copy(saved.reports_path, folder / "haki-reports.sqlite3")
        return folder

    # Same HAKI_SECRET_KEY: the worker is greeted in the language they chose, still subscribed,
    # and the receipt code still withdraws the report.
    async with OfflineBot(navigator, data_dir=restored("same"), secret_key=haki.secret_key) as bot:
        worker = Chatter(bot, 6201, language_code="en")
        assert (await worker.say("/start")).text.startswith(ui(bot, "sw", "welcome")[:10])
        subscription = await services(bot).subscriptions.get(6201)
        assert subscription is not None and subscription.topics == {"pay": None}
        done = await Chatter(bot, 6202).say(f"/withdraw {receipt}")
        assert done.text == ui(bot, "en", "withdraw_done")

    # A different key (what rotating HAKI_SECRET_KEY does): the rows are all there, but no
    # keyed pseudonym matches, so the saved language, the subscription and the receipt are
    # not found; the report itself stays.
    other = restored("other")
    async with OfflineBot(navigator, data_dir=other, secret_key=b"another key, at least 32 bytes long") as bot:
        worker = Chatter(bot, 6201, language_code="en")
        assert (await worker.say("/start")).text.startswith(ui(bot, "en", "welcome")[:10])
        assert await services(bot).subscriptions.get(6201) is None
        undone = await Chatter(bot, 6202).say(f"/withdraw {receipt}")
        assert undone.text == ui(bot, "en", "withdraw_unknown")
    assert rows(other / "haki.sqlite3", "SELECT count(*) FROM subscriptions") == [(1,)]
    assert rows(other / "haki-reports.sqlite3", "SELECT count(*) FROM reports") == [(1,)]


async def test_a_restore_of_the_main_file_alone_is_refused_not_started_empty(haki, tmp_path):
    await send_report(haki, 6301)
    saved = backup(database(haki), tmp_path / "haki-backup.sqlite3")
    folder = tmp_path / "restored"
    folder.mkdir()
    shutil.copy(saved.path, folder / "haki.sqlite3")  # the reports file forgotten
    with pytest.raises(RuntimeError, match="reports file .* is missing"):
        await Store.open(folder / "haki.sqlite3")
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm"))) == ["haki.sqlite3"]


async def test_refuses_an_existing_destination_and_a_missing_database(haki, tmp_path):
    first = backup(database(haki), tmp_path / "copy.sqlite3")
    before = first.path.read_bytes()
    with pytest.raises(ValueError, match="already exists"):
        backup(database(haki), first.path)
    assert first.path.read_bytes() == before  # the earlier backup is left as it was
    # A new name whose reports copy would land on an existing file: refused, nothing left.
    reports_path(tmp_path / "second.sqlite3").write_bytes(b"an older file")
    with pytest.raises(ValueError, match="already exists"):
        backup(database(haki), tmp_path / "second.sqlite3")
    assert not (tmp_path / "second.sqlite3").exists()
    assert reports_path(tmp_path / "second.sqlite3").read_bytes() == b"an older file"
    with pytest.raises(FileNotFoundError, match="no database"):
        backup(tmp_path / "missing" / "haki.sqlite3", tmp_path / "new.sqlite3")
    assert not (tmp_path / "new.sqlite3").exists()


def test_a_file_that_is_not_a_database_leaves_no_copy(tmp_path):
    junk = tmp_path / "haki.sqlite3"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        backup(junk, tmp_path / "copy.sqlite3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["haki.sqlite3"]
