"""The employer with a copy of the data folder (issue 13).

Each test plays that adversary. Workers use the real bot through the sandbox (or the store
directly, where hundreds of reports are needed); at chosen moments every file of the data
folder is copied, as `cp` would copy it while the bot runs (databases, -wal, -journal, -shm).
The copies are then read as an attacker reads them: as raw bytes, as SQLite pages with the
write-ahead log laid over them, and as B-tree pages parsed by hand
(https://www.sqlite.org/fileformat2.html), and, with HAKI_SECRET_KEY, decrypted.

The attack this guards against, as it worked when every table shared one file: the WAL held
consecutive commits (the sender's preferences, then the report and its text, then the sender's
subscription), the cell offsets in a reports page showed which report came last, and the
subscription's chat id decrypted to the Telegram id: the reporter was named.
"""

from __future__ import annotations

import contextlib
import random
import re
import shutil
import sqlite3
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path

from bot.privacy.chat_cipher import ChatCipher
from bot.store import Store
from tests.conftest import Chatter
from tests.test_e2e_report import fill_report, ui
from tests.test_e2e_updates import services, topic_button

SIDECARS = ("-wal", "-journal", "-shm")
REPORT_TABLES = {"reports", "report_texts", "released_texts"}
RECEIPT = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")

# --- the adversary's tools -----------------------------------------------------------------------


def snapshot(data: Path, dest: Path) -> Path:
    """Every file of the data folder as it is at this moment, copied as `cp -a` would."""
    dest.mkdir()
    for file in sorted(data.iterdir()):
        if file.is_file():
            with contextlib.suppress(FileNotFoundError):  # a journal deleted while we listed
                shutil.copy2(file, dest / file.name)
    return dest


def databases(folder: Path) -> list[Path]:
    """The SQLite files of a copied folder (not their -wal, -journal or -shm)."""
    return sorted(p for p in folder.iterdir() if p.read_bytes()[:16] == b"SQLite format 3\x00")


def scratch(database: Path, where: Path) -> Path:
    """A copy of one database of a snapshot, with its WAL, that SQLite may open (and so change)
    without touching the snapshot itself."""
    where.mkdir(parents=True, exist_ok=True)
    copy = where / database.name
    shutil.copy(database, copy)
    wal = database.with_name(database.name + "-wal")
    if wal.exists():
        shutil.copy(wal, copy.with_name(copy.name + "-wal"))
    return copy


def query(database: Path, where: Path, sql: str, params=()) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(scratch(database, where))) as db:
        return db.execute(sql, params).fetchall()


def tables(database: Path, where: Path) -> set[str]:
    return {name for (name,) in query(database, where, "SELECT name FROM sqlite_schema WHERE type = 'table'")}


def holding_reports(folder: Path, where: Path) -> Path:
    """The one database of the snapshot with a `reports` table."""
    (found,) = [db for db in databases(folder) if "reports" in tables(db, where / db.name)]
    return found


def pages(database: Path) -> dict[int, bytes]:
    """The database's pages as SQLite would read them: the file, with every page that a
    committed frame of the -wal holds laid over it (the frame's salt must match the WAL header's;
    checksums are not checked, an attacker need not)."""
    raw = database.read_bytes()
    size = struct.unpack(">H", raw[16:18])[0]
    size = 65536 if size == 1 else size
    found = {n + 1: raw[n * size : (n + 1) * size] for n in range(len(raw) // size)}
    wal = database.with_name(database.name + "-wal")
    log = wal.read_bytes() if wal.exists() else b""
    pending: dict[int, bytes] = {}
    for at in range(32, len(log) - 24 - size + 1, 24 + size):
        number, commit = struct.unpack(">II", log[at : at + 8])
        if log[at + 8 : at + 16] != log[16:24]:
            break  # a frame of an earlier generation of the log
        pending[number] = log[at + 24 : at + 24 + size]
        if commit:
            found.update(pending)
            pending = {}
    return found


@dataclass(frozen=True)
class Page:
    number: int
    kind: int  # 2 interior index, 5 interior table, 10 leaf index, 13 leaf table
    offsets: list[int]  # each cell's content offset, in the order of the cell pointer array (= key order)


def btree(pages: dict[int, bytes], root: int) -> list[Page]:
    """Every page of the B-tree rooted at `root`, read from its page header and cell pointer array."""
    found, todo = [], [root]
    while todo:
        number = todo.pop()
        page = pages[number]
        head = 100 if number == 1 else 0  # page 1 starts with the file header
        kind = page[head]
        assert kind in (2, 5, 10, 13), f"page {number} is not a B-tree page ({kind})"
        cells = struct.unpack(">H", page[head + 3 : head + 5])[0]
        array = head + (12 if kind in (2, 5) else 8)
        offsets = [struct.unpack(">H", page[array + 2 * i : array + 2 * i + 2])[0] for i in range(cells)]
        found.append(Page(number, kind, offsets))
        if kind in (2, 5):  # interior: each cell starts with its left child; then the right-most child
            todo += [struct.unpack(">I", page[o : o + 4])[0] for o in offsets]
            todo.append(struct.unpack(">I", page[head + 8 : head + 12])[0])
    return found


def report_btrees(database: Path, where: Path) -> dict[str, list[Page]]:
    """The pages of every B-tree of the reports and their texts: the tables and their indexes."""
    roots = query(
        database,
        where,
        "SELECT name, rootpage FROM sqlite_schema"
        " WHERE tbl_name IN ('reports', 'report_texts', 'released_texts') AND rootpage > 0",
    )
    laid = pages(database)
    return {name: btree(laid, root) for name, root in roots}


def layout(trees: dict[str, list[Page]]) -> dict[str, list[tuple[int, list[int]]]]:
    """Where each cell of each page lies, B-tree by B-tree, page by page in tree order. SQLite
    fills a page's content area from its end downward: in a page written row by row the last row
    written lies lowest, whatever its key, so its offset tells which row came last."""
    return {name: [(page.kind, page.offsets) for page in found] for name, found in trees.items()}


def built_again(database: Path, where: Path, rng: random.Random) -> Path:
    """The test's own file of the same reports: the same tables, the same rows inserted in a
    shuffled order, then VACUUM. What a file looks like when nothing of the arrival order is left."""
    source = scratch(database, where / "source")
    built = where / "built.sqlite3"
    with contextlib.closing(sqlite3.connect(source)) as old, contextlib.closing(sqlite3.connect(built)) as new:
        tables_in = ", ".join(f"'{table}'" for table in REPORT_TABLES)
        schema = f"SELECT sql FROM sqlite_schema WHERE type = 'table' AND name IN ({tables_in})"
        for (sql,) in old.execute(schema + " ORDER BY rowid"):
            new.execute(sql)
        for table in REPORT_TABLES:
            columns = len(old.execute(f"PRAGMA table_info({table})").fetchall())
            rows = old.execute(f"SELECT * FROM {table}").fetchall()
            rng.shuffle(rows)
            new.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * columns)})", rows)
        new.commit()
        new.execute("VACUUM")
    return built


def beyond_header(laid: dict[int, bytes]) -> dict[int, bytes]:
    """The pages without the 100-byte file header (its change counter and schema cookie count
    writes; they say nothing about which row is whose)."""
    return {n: page[100:] if n == 1 else page for n, page in laid.items()}


def sidecars(database: Path) -> dict[str, int]:
    """The -wal, -journal and -shm files beside a database in the snapshot, with their sizes."""
    return {f.name: f.stat().st_size for s in SIDECARS if (f := database.with_name(database.name + s)).exists()}


def id_encodings(user_id: int) -> list[bytes]:
    text = str(user_id).encode()
    return [text, struct.pack(">q", user_id), struct.pack("<q", user_id)]


# --- one worker's session, copied at several moments ---------------------------------------------

A = 7_700_001  # the worker the employer suspects
COMMENT = "Malipo huchelewa kila mwezi tangu mwaka jana, hakuna anayejibu barua pepe zetu."


async def choose_swahili(bot, user_id: int) -> Chatter:
    worker = Chatter(bot, user_id, language_code="en")
    await worker.press("Kiswahili", await worker.say("/start"))
    return worker


async def subscribe(bot, worker: Chatter) -> None:
    await worker.press(topic_button(bot, "sw", "pay", on=False), await worker.say("/subscribe"))


async def report(bot, user_id: int, code: str = "en", comment: str = "Paid late again this month.") -> str:
    person = Chatter(bot, user_id, language_code=code)
    sent = await person.press(ui(bot, code, "report_send"), await fill_report(bot, person, code, comment=comment))
    return RECEIPT.search(sent.text).group()


async def test_a_copy_of_the_data_folder_does_not_tie_a_report_to_its_sender(haki, tmp_path):
    # Other workers before: choices, reports, a subscription.
    for other in (7_700_101, 7_700_102):
        await subscribe(haki, await choose_swahili(haki, other))
    for other in (7_700_103, 7_700_104, 7_700_105):
        await report(haki, other)

    # A saves a language, sends a report, then subscribes: the three writes in a row.
    worker = await choose_swahili(haki, A)
    receipt = await report(haki, A, "sw", COMMENT)
    moments = {"after the report": snapshot(haki.data_dir, tmp_path / "after-report")}
    await subscribe(haki, worker)
    moments["after the subscription"] = snapshot(haki.data_dir, tmp_path / "after-subscription")
    # And others after.
    await report(haki, 7_700_106)
    await subscribe(haki, await choose_swahili(haki, 7_700_107))
    moments["later"] = snapshot(haki.data_dir, tmp_path / "later")

    pseudonyms = services(haki).pseudonyms
    cipher = ChatCipher(haki.secret_key)
    for moment, folder in moments.items():
        work = tmp_path / "work" / moment.replace(" ", "-")
        reports_file = holding_reports(folder, work / "find")
        ((report_id, answers, text),) = query(
            reports_file,
            work / "row",
            "SELECT r.id, r.answers, t.text FROM reports r JOIN report_texts t ON t.report_id = r.id"
            " WHERE r.receipt = ?",
            (pseudonyms.receipt(receipt),),
        )
        assert "chelewa" in text, text  # the worker's words, as kept
        report_bytes = {
            "the report's id": report_id.encode(),
            "its receipt": pseudonyms.receipt(receipt),
            "its answers": answers.encode(),
            "its text": text.encode(),
        }

        # (a) The report is in the reports file, and in no other file of the folder: not in the
        # main database, not in its write-ahead log, not in any journal or index.
        found = {
            f"{what} in {file.name}": True
            for file in sorted(folder.iterdir())
            for what, needle in report_bytes.items()
            if file != reports_file and needle in file.read_bytes()
        }
        assert not found, f"{moment}: {sorted(found)}"
        assert tables(reports_file, work / "tables") == REPORT_TABLES, moment

        # (b) Nothing of the report's commit waits beside the reports file.
        assert not {name: n for name, n in sidecars(reports_file).items() if n}, f"{moment}: {sidecars(reports_file)}"

        # (c) The layout of the reports file says nothing about which report came last: every
        # cell of every page lies where it lies when the same reports arrive in another order
        # (so in key order: random UUIDs, random HMACs), and the file is byte for byte that file.
        again = built_again(reports_file, work / "again", random.Random(moment))
        assert layout(report_btrees(reports_file, work / "btrees")) == layout(report_btrees(again, work / "b2")), moment
        assert beyond_header(pages(reports_file)) == beyond_header(pages(again)), moment

        # (d) With the key, the employer reads the main database: the subscriber list decrypts,
        # and A's preferences are found by hashing candidate ids. None of it is in the reports
        # file, and nothing of the report is in the main database (a): nothing links them.
        main = next(db for db in databases(folder) if db != reports_file)
        chats = {cipher.decrypt(c) for (c,) in query(main, work / "main", "SELECT chat FROM subscriptions")}
        if moment != "after the report":
            assert A in chats
        keys = {k for (k,) in query(main, work / "main2", "SELECT user_key FROM preferences")}
        assert pseudonyms.preferences(A) in keys
        subscription_rows = query(main, work / "main3", "SELECT id, user_key, chat FROM subscriptions")
        linking = [pseudonyms.preferences(A), pseudonyms.subscriber(A), *id_encodings(A)]
        linking += [value if isinstance(value, bytes) else value.encode() for row in subscription_rows for value in row]
        in_reports = reports_file.read_bytes()
        assert not [needle for needle in linking if needle in in_reports], moment


# --- the layout, with many reports and withdrawals -----------------------------------------------


def answers_of(rng: random.Random) -> dict[str, str]:
    return {
        "country": rng.choice(["KE", "UG", "PH", "IN", "MG"]),
        "employer": rng.choice(["bpo", "platform", "direct"]),
        "task": rng.choice(["moderation", "image_video", "text_chat", "transcription"]),
        "hours": rng.choice(["lt20", "h20_39", "h40_48", "h49_60", "gt60"]),
        "late_pay": rng.choice(["never", "sometimes", "often"]),
        "exposure": rng.choice(["never", "monthly", "weekly", "daily"]),
    }


async def test_hundreds_of_reports_and_withdrawals_leave_no_order_on_disk(tmp_path):
    rng = random.Random(13)
    data = tmp_path / "data"
    store = await Store.open(data / "haki.sqlite3")
    receipts = []
    try:
        for i in range(300):
            receipt = uuid.uuid4().bytes + uuid.uuid4().bytes
            text = f"report number {i}: " + "words " * rng.randrange(0, 400) if i % 3 == 0 else None
            await store.reports.add_report("2026-W48", answers_of(rng), receipt, text)
            receipts.append(receipt)
            if i % 10 == 9:
                assert await store.reports.withdraw_report(receipts.pop(rng.randrange(len(receipts))))
        last = uuid.uuid4().bytes * 2
        await store.reports.add_report("2026-W49", {"country": "TZ", "task": "moderation"}, last, "the very last")
        folder = snapshot(data, tmp_path / "copy")
    finally:
        await store.close()

    reports_file = holding_reports(folder, tmp_path / "find")
    assert tables(reports_file, tmp_path / "tables") == REPORT_TABLES
    assert not {name: n for name, n in sidecars(reports_file).items() if n}
    trees = report_btrees(reports_file, tmp_path / "btrees")
    assert len(trees["reports"]) > 10 and any(p.kind == 2 for p in trees["reports"])  # a tree of several levels
    for seed in range(3):
        again = built_again(reports_file, tmp_path / f"again-{seed}", random.Random(seed))
        assert layout(trees) == layout(report_btrees(again, tmp_path / f"b-{seed}"))
        assert beyond_header(pages(reports_file)) == beyond_header(pages(again))
    (count,) = query(reports_file, tmp_path / "count", "SELECT count(*) FROM reports")[0]
    assert count == 300 - 30 + 1


# --- an install from before: its reports move out ------------------------------------------------


def old_install(tmp: Path, count: int) -> tuple[Path, list[tuple]]:
    """A data folder as Haki left it before the reports had a file of their own (schema version
    5, reports in the main file), copied while it ran, so the last reports are still in its WAL
    (as after a crash). Its reports as (id, week, answers, receipt, text)."""
    from bot.store.migrations import MIGRATIONS, REPORTS_MOVED_OUT

    rng = random.Random(5)
    live = tmp / "live"
    live.mkdir()
    db = sqlite3.connect(live / "haki.sqlite3")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA secure_delete = ON")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    for version, script in enumerate(MIGRATIONS[: REPORTS_MOVED_OUT - 1], start=1):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {version}; COMMIT;")
    reports = []
    for i in range(count):
        row = (str(uuid.uuid4()), "2026-W10", f'{{"country": "KE", "n": "{i:05d}"}}', rng.randbytes(32))
        text = f"old report {i}, paid late" if i % 2 else None
        with db:
            db.execute("INSERT INTO reports VALUES (?, ?, ?, ?)", row)
            if text:
                db.execute("INSERT INTO report_texts (report_id, text) VALUES (?, ?)", (row[0], text))
            db.execute("INSERT INTO preferences VALUES (?, 'sw', 'KE')", (rng.randbytes(32),))
        reports.append((*row, text))
        if i == count // 2:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the first half in the file, the rest in the WAL
    folder = snapshot(live, tmp / "data")
    db.close()
    assert (folder / "haki.sqlite3-wal").stat().st_size > 0
    return folder, reports


def leftovers(folder: Path, skip: Path, reports: list[tuple]) -> list[str]:
    """Which report bytes are in a file of the folder other than `skip`."""
    needles = {}
    for report_id, _, answers, receipt, text in reports:
        needles |= {f"id {report_id}": report_id.encode(), f"answers {answers}": answers.encode()}
        needles |= {f"receipt of {report_id}": receipt} | ({f"text {text}": text.encode()} if text else {})
    return [
        f"{what} in {file.name}"
        for file in sorted(folder.iterdir())
        if file != skip
        for what, needle in needles.items()
        if needle in file.read_bytes()
    ]


async def test_an_older_install_moves_its_reports_out_and_keeps_no_copy_of_them(tmp_path):
    folder, reports = old_install(tmp_path, 120)
    assert leftovers(folder, Path(), reports)  # the adversary's view before: everything in the main file

    store = await Store.open(folder / "haki.sqlite3")
    try:
        assert await store.reports.withdraw_report(reports[7][3])  # an old receipt still withdraws
        after = snapshot(folder, tmp_path / "after")
    finally:
        await store.close()
    reports.pop(7)

    reports_file = after / "haki-reports.sqlite3"
    assert not leftovers(after, reports_file, reports)
    assert tables(reports_file, tmp_path / "t1") == REPORT_TABLES
    assert not REPORT_TABLES & tables(after / "haki.sqlite3", tmp_path / "t2")
    moved = query(
        reports_file,
        tmp_path / "q",
        "SELECT r.id, r.week, r.answers, r.receipt, t.text"
        " FROM reports r LEFT JOIN report_texts t ON t.report_id = r.id",
    )
    assert sorted(moved) == sorted(reports)
    assert not {name: n for name, n in sidecars(reports_file).items() if n}
    again = built_again(reports_file, tmp_path / "again", random.Random(1))
    assert beyond_header(pages(reports_file)) == beyond_header(pages(again))
    assert query(after / "haki.sqlite3", tmp_path / "v", "SELECT count(*) FROM preferences") == [(120,)]


async def test_a_move_that_stopped_half_way_is_finished_without_doubles(tmp_path):
    from bot.store.migrations import REPORT_MIGRATIONS
    from bot.store.reports_file import reports_path

    folder, reports = old_install(tmp_path, 40)
    # As if the copy had been made and the bot stopped before the main file dropped its reports.
    with contextlib.closing(sqlite3.connect(reports_path(folder / "haki.sqlite3"))) as db:
        db.executescript(f"BEGIN; {REPORT_MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
        with db:
            db.executemany("INSERT INTO reports VALUES (?, ?, ?, ?)", [r[:4] for r in reports[:25]])
    store = await Store.open(folder / "haki.sqlite3")
    await store.close()
    moved = query(
        reports_path(folder / "haki.sqlite3"), tmp_path / "q", "SELECT id, week, answers, receipt FROM reports"
    )
    assert sorted(moved) == sorted(r[:4] for r in reports)
    texts = query(reports_path(folder / "haki.sqlite3"), tmp_path / "q2", "SELECT count(*) FROM report_texts")
    assert texts == [(sum(1 for r in reports if r[4]),)]
    assert not leftovers(folder, reports_path(folder / "haki.sqlite3"), reports)
