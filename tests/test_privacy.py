"""Nothing on disk or in the logs leads back to a worker, whatever they do in the bot."""

import hashlib
import io
import logging
import re
import sqlite3
import struct
import uuid
from pathlib import Path

from app import logs
from app.offline import OfflineBot
from bot.store import Store
from tests.conftest import REPO, Chatter
from tests.test_e2e_broadcast import compose, latest_broadcast
from tests.test_e2e_report import fill_report

ORGANIZER = 7000001
CANARY_ID = 7987654321
CANARY_USERNAME = "canary_user_zq"
CANARY_NAME = "Zyxwvuq"
CANARY_PHONE = "+254712999888"


def canaries() -> dict[str, bytes]:
    text = str(CANARY_ID).encode()
    found = {
        "decimal id": text,
        "id as int64 big-endian": struct.pack(">q", CANARY_ID),
        "id as int64 little-endian": struct.pack("<q", CANARY_ID),
        "username": CANARY_USERNAME.encode(),
        "first name": CANARY_NAME.encode(),
        "phone digits": b"254712999888",
        "local phone digits": b"712999888",
    }
    for name in ("md5", "sha1", "sha256"):
        digest = hashlib.new(name, text)
        found[f"{name} of id"] = digest.digest()
        found[f"{name} of id, hex"] = digest.hexdigest().encode()
    return found


async def test_canary_leaves_no_trace_on_disk_or_in_logs(navigator, tmp_path):
    stream = io.StringIO()
    logs.setup(logging.DEBUG, stream=stream)  # even at the most talkative level
    data = tmp_path / "data"
    try:
        async with OfflineBot(navigator, data_dir=data, organizers=frozenset({ORGANIZER})) as bot:
            user = bot.sandbox.user(CANARY_ID, first_name=CANARY_NAME, username=CANARY_USERNAME, language_code="sw")
            canary = Chatter.__new__(Chatter)
            canary.bot, canary.user = bot, user
            menu = await canary.say("/start")
            await canary.press("English", menu)  # a remembered choice
            review = await fill_report(
                bot,
                canary,
                "en",
                comment=f"I am {CANARY_NAME}, @{CANARY_USERNAME}, call {CANARY_PHONE}, id {CANARY_ID}",
            )
            await canary.press("✅ Send", review)
            limit = bot.app.bot_data["haki"].report_limit  # this month's count: in memory only
            in_memory = {"the month's key": limit._key} | {f"count tag {i}": t for i, t in enumerate(limit._counts)}
            in_memory |= {f"code tag {i}": t for i, t in enumerate(limit._issued)}
            assert len(in_memory) == 3
            page = await canary.say("/menu")
            picker = await canary.press("💰 Pay rights", page)  # the report did not set a country
            question = await canary.press("Kenya", picker)
            await canary.press("🧮 Fair-pay check", question)
            await canary.press("Per hour")
            await canary.say("100")
            await canary.say("10")
            await canary.say(f"my number is {CANARY_PHONE}")
            await canary.say("/withdraw ABCD-EFGH")
            # Updates: a subscription (its chat id kept, encrypted) and a broadcast delivered to it.
            await canary.press("➕ Pay", await canary.say("/subscribe"))
            organizer = Chatter(bot, ORGANIZER)
            await organizer.press("✅ Send now", await compose(bot, organizer))
            await bot.app.bot_data["haki"].progress.wait_over(await latest_broadcast(bot))
            assert "Pay day" in canary.last.text
    finally:
        logs.setup(logging.WARNING)
    opened = [e.params["text"].split("\n")[0] for e in bot.sandbox.calls("sendMessage")]
    assert not [line for line in opened if NOT_IN_FIRST_LINES.search(line)], "a notification would give it away"
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".sqlite3") for p in files)
    blob = b"".join(p.read_bytes() for p in files) + stream.getvalue().encode()
    leaks = [what for what, needle in (canaries() | in_memory).items() if needle in blob]
    assert not leaks, f"found on disk or in logs: {leaks}"


def test_reports_table_has_no_column_that_could_carry_identity(tmp_path):
    import asyncio

    asyncio.run(_open_and_close(tmp_path / "h.sqlite3"))
    with sqlite3.connect(tmp_path / "h-reports.sqlite3") as db:
        for table in ("reports", "report_texts"):
            columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            identity = re.compile(r"user|chat|message|update|name|phone|lang|telegram|tag|time|date|created")
            assert not [c for c in columns if identity.search(c)], (table, columns)
            sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
            assert "WITHOUT ROWID" in sql
        assert {row[1] for row in db.execute("PRAGMA table_info(reports)")} == {"id", "week", "answers", "receipt"}


async def _open_and_close(path: Path) -> None:
    store = await Store.open(path)
    await store.close()


async def test_row_order_says_nothing_about_submission_order(tmp_path):
    store = await Store.open(tmp_path / "h.sqlite3")
    try:
        for i in range(100):
            await store.reports.add_report("2026-W48", {"n": str(i)}, uuid.uuid4().bytes, None)
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "h-reports.sqlite3") as db:
        stored = [int(row[0]) for row in db.execute("SELECT json_extract(answers, '$.n') FROM reports")]
    assert sorted(stored) == list(range(100)) and stored != list(range(100))


NOT_IN_FIRST_LINES = re.compile(
    r"\b(reports?|complaints?|unions?|plaintes?|syndicats?|signalements?|malalamiko|ripoti|chama|vyama|"
    r"sindicatos?|reclamos?|denuncias?)\b",
    re.IGNORECASE,
)


# Interface strings that can open a message (its first line shows in phone notifications).
MESSAGE_OPENERS = (
    "welcome",
    "report_intro",
    "report_sent",
    "report_limit",
    "report_cleared",
    "crisis_automated",
    "unknown_text",
    "unknown_command",
    "not_text",
    "error",
    "exit_done",
    "forget_done",
    "forget_nothing",
    "withdraw_usage",
    "withdraw_done",
    "withdraw_unknown",
    "letter_ready",
    "letter_problem",
    "fairpay_unit",
    "fairpay_result",
    "private_only",
    "stale_button",
    "language_prompt",
    "country_prompt",
)


def test_first_lines_are_neutral_in_every_language(navigator):
    """Page titles, questions and the strings that open a message, in every language."""
    for code, pack in navigator.content.languages.items():
        firsts = [pack.ui[key].split("\n")[0] for key in MESSAGE_OPENERS]
        firsts += [page.title for page in pack.pages.values()]
        # Every question of the survey (the options are buttons, not a message's first line).
        firsts += [pack.survey[q.id].split("\n")[0] for q in navigator.content.survey.questions]
        flagged = [line for line in firsts if NOT_IN_FIRST_LINES.search(line)]
        assert not flagged, f"{code}: {flagged}"


def test_no_contact_or_location_requests_anywhere():
    code = "".join(p.read_text() for p in [*REPO.glob("bot/**/*.py"), *REPO.glob("handlers/**/*.py")])
    assert "request_contact" not in code and "request_location" not in code


def test_drafts_are_forgotten_after_30_idle_minutes(monkeypatch):
    from types import SimpleNamespace

    from handlers import flows

    now = [1000.0]
    monkeypatch.setattr(flows.time, "monotonic", lambda: now[0])
    context = SimpleNamespace(chat_data={})
    flows.begin(context, "report", object())
    now[0] += 29 * 60
    assert flows.current(context, "report") is not None  # still there, and the clock restarts
    now[0] += 29 * 60
    assert flows.current(context, "report") is not None
    now[0] += 31 * 60
    assert flows.current(context, "report") is None and context.chat_data == {}
