"""Who can export and how: `python bot.py export` on the server, and /export in the bot for
researchers, end to end through the sandbox; every export is logged without who asked."""

import io
import json
import random
import sqlite3
import subprocess
import sys
import zipfile

import pytest

from bot.guide.navigation import Prefs
from bot.store import Store
from tests.conftest import REPO, RESEARCHER, Chatter

COUNTRIES = ["KE"] * 6 + ["PH"] * 3 + ["UG"]
TASKS = ["moderation", "moderation", "image_video", "text_chat", "transcription", "other"]


async def add_reports(store: Store, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    for n in range(count):
        answers = {
            "country": rng.choice(COUNTRIES),
            "employer": rng.choice(["bpo", "platform"]),
            "task": rng.choice(TASKS),
            "hours": rng.choice(["h20_39", "h40_48"]),
            "unpaid": "none",
            "late_pay": rng.choice(["never", "often"]),
            "deactivated": "no",
            "exposure": rng.choice(["weekly", "daily", "never"]),
            "support": rng.choice(["none", "unused"]),
            "contract": "contractor",
        }
        await store.reports.add_report(
            rng.choice(["2026-W40", "2026-W44", "2026-W47"]), answers, n.to_bytes(8, "big"), None
        )


def cli(data_dir, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HAKI_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "bot.py", "export", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


async def test_the_command_line_writes_data_codebook_and_notice_and_logs_the_export(tmp_path):
    data = tmp_path / "data"
    store = await Store.open(data / "haki.sqlite3")
    await add_reports(store, 300)
    await store.close()

    result = cli(data, str(tmp_path / "out"), "--period", "quarter")
    assert result.returncode == 0, result.stderr
    assert "reports counted: 300" in result.stdout
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"tables.csv", "tables.jsonl", "codebook.json", "codebook.csv", "DATA-USE.txt"} <= names
    codebook = json.loads((tmp_path / "out" / "codebook.json").read_text())
    assert codebook["tier"] == "tables" and codebook["haki_version"] and codebook["export_date"]
    assert any(v["name"] == "country" and v["codes"].get("KE") == "Kenya" for v in codebook["variables"])
    assert "re-identify" in (tmp_path / "out" / "DATA-USE.txt").read_text()

    with sqlite3.connect(data / "haki.sqlite3") as db:
        logged = db.execute("SELECT tier, rows_released FROM exports").fetchall()
        columns = {row[1] for row in db.execute("PRAGMA table_info(exports)")}
    assert logged == [("tables", 300)]
    assert not {"user", "researcher", "chat", "name"} & columns


async def test_the_command_line_refuses_unsafe_or_wrong_requests_in_one_line(tmp_path):
    data = tmp_path / "data"
    store = await Store.open(data / "haki.sqlite3")
    await add_reports(store, 4)
    await store.close()
    tiny = cli(data, str(tmp_path / "a"), "--tier", "microdata")
    assert tiny.returncode == 3 and tiny.stderr.startswith("haki: nothing was exported: ")
    assert "Traceback" not in tiny.stderr
    low_k = cli(data, str(tmp_path / "b"), "--tier", "microdata", "--k", "2")
    assert low_k.returncode == 2 and "at least 3" in low_k.stderr
    unknown = cli(data, str(tmp_path / "c"), "--by", "country,shoe_size")
    assert unknown.returncode == 2 and "shoe_size" in unknown.stderr and "Traceback" not in unknown.stderr
    with sqlite3.connect(data / "haki.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM exports").fetchone()[0] == 0  # nothing went out


@pytest.mark.parametrize("code, tier", [("en", "tables"), ("sw", "microdata")])
async def test_a_researcher_gets_the_export_as_one_zip(organized, code, tier):
    await add_reports(organized.app.bot_data["haki"].store, 400)
    t = organized.navigator.texts_for(Prefs(language=code), None)
    researcher = Chatter(organized, RESEARCHER, language_code=code)
    choice = await researcher.say("/export")
    assert choice.text.startswith(t.plain("export_choose_tier")[:20])
    period = await researcher.press(t.plain(f"export_tier_{tier}"), choice)
    await researcher.press(t.plain("export_period_quarter"), period)
    (call,) = organized.sandbox.calls("sendDocument", chat_id=RESEARCHER)
    document = researcher.user.documents[-1]
    assert document.file_name.startswith(f"haki-{tier}-quarter-") and document.file_name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(document.data)) as archive:
        names = set(archive.namelist())
        codebook = json.loads(archive.read("codebook.json"))
    assert {"codebook.json", "codebook.csv", "DATA-USE.txt", f"{tier}.csv", f"{tier}.jsonl"} <= names
    assert codebook["tier"] == tier and codebook["options"]["period"] == "quarter"
    assert not call.params.get("protect_content")  # the researcher must be able to save it


async def test_a_researcher_is_told_why_nothing_could_be_exported(organized):
    await add_reports(organized.app.bot_data["haki"].store, 3)
    t = organized.navigator.texts_for(Prefs(language="fr"), None)
    researcher = Chatter(organized, RESEARCHER, language_code="fr")
    period = await researcher.press(t.plain("export_tier_microdata"), await researcher.say("/export"))
    await researcher.press(t.plain("export_period_month"), period)
    assert researcher.last.text.startswith(t.plain("export_refused", reason="")[:25])
    assert not organized.sandbox.calls("sendDocument")
