"""Who can export and how, and what an export is made of: `python bot.py export` on the server and
/export in the bot for researchers (end to end through the sandbox), both from the stored releases
only; every export is logged without who asked."""

import datetime as dt
import io
import json
import sqlite3
import subprocess
import sys
import zipfile

import pytest

from bot.exports.options import ExportOptions, ExportRefused
from bot.exports.run import released as exportable
from bot.exports.run import run_export
from bot.guide.navigation import Prefs
from bot.releases.periods import current_month, release_day
from bot.releases.publish import Publisher
from bot.store import Store
from bot.store.reports_file import reports_path
from tests.conftest import ORGANIZER, REPO, RESEARCHER, Chatter, reports_database, running
from tests.export_data import TODAY, data_files, publish, read_csv, realistic, report, week

TIERS = [ExportOptions(), ExportOptions(tier="microdata")]


def cli(data_dir, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HAKI_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "bot.py", "export", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def this_week() -> str:
    iso = dt.date.today().isocalendar()
    return f"{iso[0]}-W{iso[1]:02d}"


# --- made of the releases alone -----------------------------------------------------------------


@pytest.mark.parametrize("options", TIERS, ids=["tables", "microdata"])
async def test_an_export_is_made_of_the_releases_and_nothing_else(navigator, report_template, tmp_path, options):
    """A rare combination of answers and a free text are planted among the reports. The export made
    from a database that holds only the stored releases, and not one report, is the very same: no
    report reaches a file except through the release's noisy counts."""
    rare = report("VE", "transcription", "2026-02", employer="direct", hours="gt60", unpaid="gt10", contract="unsure")
    reports = realistic(4, 600) + [rare]
    (tmp_path / "a").mkdir()
    path = reports_database(report_template, tmp_path / "a", reports, {len(reports) - 1: "PLANTED-TEXT-3141"})
    releases = await publish(path, navigator.content)
    (tmp_path / "b").mkdir()
    bare = reports_database(report_template, tmp_path / "b", [])
    with sqlite3.connect(path) as source, sqlite3.connect(bare) as target:
        target.executemany("INSERT INTO releases VALUES (?, ?, ?)", source.execute("SELECT * FROM releases"))
        target.executemany("INSERT INTO release_start VALUES (?, ?)", source.execute("SELECT * FROM release_start"))
    with sqlite3.connect(reports_path(path)) as source, sqlite3.connect(reports_path(bare)) as target:
        assert source.execute("SELECT count(*) FROM reports").fetchone() == (1,)  # the text's report stays
        assert target.execute("SELECT count(*) FROM reports").fetchone() == (0,)
    from_releases = await publish(bare, navigator.content)
    assert from_releases == releases
    run_export(releases, navigator.content, options, tmp_path / "with")
    run_export(from_releases, navigator.content, options, tmp_path / "without")
    files = data_files(tmp_path / "with")
    assert files == data_files(tmp_path / "without")
    assert not any(b"PLANTED-TEXT-3141" in data for data in files.values())


@pytest.mark.parametrize("options", TIERS, ids=["tables", "microdata"])
async def test_a_report_in_the_open_month_changes_no_export(navigator, report_template, tmp_path, options):
    path = reports_database(report_template, tmp_path, realistic(5, 400))
    run_export(await publish(path, navigator.content), navigator.content, options, tmp_path / "before")
    store = await Store.open(path)
    try:
        new_week, answers = report("UG", "other", current_month(TODAY), employer="direct")
        await store.reports.add_report(new_week, answers, b"r" * 32, None)
        releases = await Publisher(store.reports, store.releases, navigator.content, clock=lambda: TODAY).releases()
    finally:
        await store.close()
    run_export(releases, navigator.content, options, tmp_path / "after")
    assert data_files(tmp_path / "before") == data_files(tmp_path / "after")


async def test_no_released_month_is_refused_saying_when_the_first_will_be(navigator, tmp_path):
    store = await Store.open(tmp_path / "haki.sqlite3")
    try:
        await store.reports.add_report(week("2026-05"), {"country": "KE"}, b"r" * 32, None)
        with pytest.raises(ExportRefused, match=r"the first, May 2026, will be released on June 8, 2026"):
            await exportable(Publisher(store.reports, store.releases, navigator.content, clock=lambda: TODAY))
    finally:
        await store.close()


# --- the command line ---------------------------------------------------------------------------


def closed_months_database(report_template, data) -> None:
    """Reports of January to March 2026: months released by the time these tests run."""
    data.mkdir()
    reports_database(report_template, data, realistic(6, 300, months=("2026-01", "2026-02", "2026-03")))


def test_the_command_line_releases_then_writes_data_codebook_and_notice_and_logs_it(report_template, tmp_path):
    data = tmp_path / "data"
    closed_months_database(report_template, data)
    asked = ("--period", "quarter", "--by", "period,country,exposure", "--to", "2026-03")
    result = cli(data, str(tmp_path / "out"), *asked)
    assert result.returncode == 0, result.stderr
    assert "Haki tables export, by quarter, 2026-01 to 2026-03" in result.stdout
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"tables.csv", "tables.jsonl", "pay_medians.csv", "codebook.json", "codebook.csv", "DATA-USE.txt"} <= names
    assert {r["period"] for r in read_csv(tmp_path / "out" / "tables.csv")} == {"2026-Q1", "ALL"}
    codebook = json.loads((tmp_path / "out" / "codebook.json").read_text())
    assert codebook["tier"] == "tables" and codebook["haki_version"] and codebook["export_date"]
    assert "re-identify" in (tmp_path / "out" / "DATA-USE.txt").read_text()
    with sqlite3.connect(reports_path(data / "haki.sqlite3")) as db:
        left = db.execute("SELECT count(*) FROM reports").fetchone()[0]
    with sqlite3.connect(data / "haki.sqlite3") as db:
        months = [m for (m,) in db.execute("SELECT month FROM releases ORDER BY month")]
        logged = db.execute("SELECT tier, rows_released FROM exports").fetchall()
        columns = {row[1] for row in db.execute("PRAGMA table_info(exports)")}
    assert months[:3] == ["2026-01", "2026-02", "2026-03"] and left == 0  # released, and the reports gone
    assert logged == [("tables", codebook["rows_released"])]
    assert not {"user", "researcher", "chat", "name"} & columns

    again = cli(data, str(tmp_path / "again"), *asked)
    assert again.returncode == 0, again.stderr
    assert data_files(tmp_path / "again") == data_files(tmp_path / "out")
    micro = cli(data, str(tmp_path / "micro"), "--tier", "microdata", "--from", "2026-02", "--to", "2026-02")
    assert micro.returncode == 0, micro.stderr
    assert {r["period"] for r in read_csv(tmp_path / "micro" / "microdata.csv")} == {"2026-02"}


def test_the_command_line_refuses_in_one_line(report_template, tmp_path):
    data = tmp_path / "data"
    closed_months_database(report_template, data)
    cases = [
        (("--by", "task,hours"), 3, "never measured"),
        (("--by", "country,shoe_size"), 2, "shoe_size"),
        (("--tier", "microdata", "--period", "quarter"), 2, "microdata is by month"),
        (("--from", "2026-13"), 2, "YYYY-MM"),
        (("--from", "2030-01"), 3, "Released months: 2026-01 to"),
    ]
    for n, (args, code, words) in enumerate(cases):
        result = cli(data, str(tmp_path / f"out{n}"), *args)
        assert result.returncode == code and words in result.stderr, (args, result.stderr)
        assert result.stderr.startswith("haki: ") and "Traceback" not in result.stderr
    missing = cli(tmp_path / "nowhere", str(tmp_path / "x"))
    assert missing.returncode == 2 and "no database" in missing.stderr
    assert not (tmp_path / "nowhere").exists()
    with sqlite3.connect(data / "haki.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM exports").fetchone()[0] == 0  # nothing went out


def test_the_command_line_says_when_the_first_month_will_be_released(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with sqlite3.connect(data / "haki.sqlite3"):
        pass  # an empty file: the store makes its tables
    result = cli(data, str(tmp_path / "out"))
    month = current_month(dt.date.today())
    assert result.returncode == 3, result.stderr
    assert "No month has been released yet" in result.stderr
    assert release_day(month).strftime("%B %-d, %Y") in result.stderr


# --- /export in the bot -------------------------------------------------------------------------


@pytest.fixture
async def researched(navigator, report_template, tmp_path):
    """The bot with a researcher, started on a database of reports from January to March 2026:
    it releases them as it starts."""
    closed_months_database(report_template, tmp_path / "data")
    async for bot in running(navigator, tmp_path / "data", frozenset({ORGANIZER}), frozenset({RESEARCHER})):
        yield bot


@pytest.mark.parametrize("code, tier", [("en", "tables"), ("sw", "microdata")])
async def test_a_researcher_gets_the_export_as_one_zip(researched, code, tier):
    t = researched.navigator.texts_for(Prefs(language=code), None)
    researcher = Chatter(researched, RESEARCHER, language_code=code)
    choice = await researcher.say("/export")
    assert choice.text.startswith(t.plain("export_choose_tier")[:20])
    pressed = await researcher.press(t.plain(f"export_tier_{tier}"), choice)
    if tier == "tables":
        await researcher.press(t.plain("export_period_quarter"), pressed)
    (call,) = researched.sandbox.calls("sendDocument", chat_id=RESEARCHER)
    document = researcher.user.documents[-1]
    period = "quarter" if tier == "tables" else "month"
    assert document.file_name.startswith(f"haki-{tier}-{period}-") and document.file_name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(document.data)) as archive:
        names = set(archive.namelist())
        codebook = json.loads(archive.read("codebook.json"))
    assert {"codebook.json", "codebook.csv", "DATA-USE.txt", f"{tier}.csv", f"{tier}.jsonl"} <= names
    assert codebook["tier"] == tier and codebook["options"]["period"] == period
    assert codebook["months"][:3] == ["2026-01", "2026-02", "2026-03"]
    assert not call.params.get("protect_content")  # the researcher must be able to save it
    assert "no row is a real report" in call.params["caption"] or tier == "tables"


async def test_a_researcher_is_told_when_the_first_month_will_be_released(organized):
    await organized.app.bot_data["haki"].store.reports.add_report(this_week(), {"country": "KE"}, b"r" * 32, None)
    t = organized.navigator.texts_for(Prefs(language="fr"), None)
    researcher = Chatter(organized, RESEARCHER, language_code="fr")
    period = await researcher.press(t.plain("export_tier_tables"), await researcher.say("/export"))
    await researcher.press(t.plain("export_period_month"), period)
    assert researcher.last.text.startswith(t.plain("export_refused", reason="")[:15])
    assert release_day(current_month(dt.date.today())).strftime("%B %-d, %Y") in researcher.last.text
    assert not organized.sandbox.calls("sendDocument")
