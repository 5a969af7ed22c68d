"""Workers' own words, end to end through the sandbox: a worker is told before Send who may read
the text and when it goes; a reviewer releases, edits and deletes; the organizers' document and
a research export carry exactly the released texts, apart from any answers; nobody else can do
any of it, forged buttons included."""

import csv
import io
import re
import sqlite3
import zipfile

import pytest

from bot.guide.navigation import Prefs
from bot.releases.periods import current_month, release_day
from bot.reports import survey
from bot.retention.rules import text_expiry
from handlers.services import SERVICES
from tests.conftest import ORGANIZER, RESEARCHER, Chatter, running
from tests.test_e2e_report import fill_report, rows

REVIEWER, SECOND_REVIEWER, OUTSIDER = 900_003, 900_004, 900_005
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike".split()  # mike: the edit


@pytest.fixture
async def reviewed(navigator, tmp_path):
    async for bot in running(
        navigator,
        tmp_path / "data",
        frozenset({ORGANIZER}),
        frozenset({RESEARCHER}),
        reviewers=frozenset({REVIEWER, SECOND_REVIEWER}),
    ):
        yield bot


def english(bot):
    return bot.navigator.texts_for(Prefs(language="en"), None)


def word_in(text: str) -> str:
    (found,) = [word for word in WORDS if re.search(rf"\b{word}\b", text)]
    return found


async def send_reports(bot, count: int) -> None:
    """`count` workers in Kenya each send a report whose text holds one of WORDS and a phone number."""
    t = english(bot)
    for i, word in enumerate(WORDS[:count]):
        worker = Chatter(bot, 5000 + i)
        review = await fill_report(
            bot, worker, "en", comment=f"Targets doubled, {word} team loses bonus. Call 0712 345 67{i}"
        )
        if i == 0:  # before Send: who may read it, and the day it goes if nobody releases it
            until = t.date(survey_text_until(bot))
            assert t.plain("report_text_notice", date=until) in review.text
        await worker.press(t.plain("report_send"), review)


def survey_text_until(bot):
    services = bot.app.bot_data[SERVICES]
    today = services.clock().date()
    return text_expiry(survey.iso_week(today), services.config.text_retention_days)


async def test_released_edited_and_deleted_texts_and_what_goes_out(reviewed):
    bot, t = reviewed, english(reviewed)
    await send_reports(bot, 12)
    reviewer = Chatter(bot, REVIEWER)

    shown = await reviewer.say("/review")
    assert t.plain("review_waiting", count=12) in shown.text and shown.protect_content
    assert "0712" not in shown.text and "Kenya" not in shown.text  # scrubbed, and nothing else of the report
    released, seen = [], []
    for _ in range(9):
        seen.append(word_in(shown.text))
        released.append(word_in(shown.text))
        shown = await reviewer.press(t.plain("review_release"), shown)
        assert shown.text.startswith(t.plain("review_released"))

    # An edit: typed anew, scrubbed again, then released in its new words.
    seen.append(word_in(shown.text))
    prompt = await reviewer.press(t.plain("review_edit"), shown)
    assert prompt.text == t.plain("review_edit_prompt")
    edited = await reviewer.say("Targets doubled and the mike team loses its bonus, ask Dennis on 0722 000 111")
    assert "0722" not in edited.text and "mike team" in edited.text
    shown = await reviewer.press(t.plain("review_release_edited"), edited)
    released.append("mike")

    # A deletion, after a confirmation.
    deleted = word_in(shown.text)
    seen.append(deleted)
    confirm = await reviewer.press(t.plain("review_delete"), shown)
    assert confirm.text == t.plain("review_delete_confirm")
    shown = await reviewer.press(t.plain("review_delete_yes"), confirm)
    assert shown.text.startswith(t.plain("review_deleted"))
    assert t.plain("review_waiting", count=1) in shown.text
    last = word_in(shown.text)
    assert len(set(seen)) == 11 and last not in seen  # never the same text twice

    # Nobody else: not the command, not the buttons, not forged data; a wrong token acts on nothing.
    outsider = Chatter(bot, OUTSIDER)
    refused = await outsider.say("/review")
    assert refused.text == t.plain("role_refused")
    await outsider.press_data(shown.button_list[0].callback_data, refused)  # a reviewer's real button, copied
    await outsider.press_data("rv:r:forged", refused)
    await reviewer.press_data("rv:r:forged", shown)
    answers = [call.params for call in bot.sandbox.calls("answerCallbackQuery")[-3:]]
    assert [a.get("text") for a in answers] == [t.plain("role_refused")] * 2 + [t.plain("review_gone")]
    assert (await outsider.say("/texts")).text == t.plain("role_refused")
    assert len(rows(bot, "SELECT * FROM report_texts")) == 1  # only the one left unreviewed

    # Unlinked: the released rows hold month, country and text; no report id, no other answer.
    stored = rows(bot, "SELECT * FROM released_texts")
    assert len(stored) == 10
    report_ids = {row[0] for row in rows(bot, "SELECT id FROM reports")}
    month = current_month(bot.app.bot_data[SERVICES].publisher.clock())
    assert all(row[1:3] == (month, "KE") and row[0] not in report_ids for row in stored)

    # Once the month is over and released: the organizers' document and the export.
    services = bot.app.bot_data[SERVICES]
    services.publisher.clock = lambda: release_day(month)
    organizer = Chatter(bot, ORGANIZER)
    months = await organizer.say("/texts")
    await organizer.press(t.plain("texts_month", month=t.month(month), count=10), months)
    (document,) = organizer.user.documents
    assert document.file_name == f"haki-texts-{month}.txt"
    document_text = document.data.decode()
    assert sorted(word_in(block) for block in document_text.split("\n— ")[1:]) == sorted(released)
    assert deleted not in document_text and last not in document_text and "0712" not in document_text

    researcher = Chatter(bot, RESEARCHER)
    await researcher.press(t.plain("export_tier_microdata"), await researcher.say("/export"))
    with zipfile.ZipFile(io.BytesIO(researcher.user.documents[-1].data)) as archive:
        texts = list(csv.DictReader(io.StringIO(archive.read("texts.csv").decode())))
        microdata = archive.read("microdata.csv").decode()
    assert sorted(word_in(row["text"]) for row in texts) == sorted(released)
    assert {(row["month"], row["country"]) for row in texts} == {(month, "KE")}
    assert set(texts[0]) == {"month", "country", "text"}  # nothing to join them to the records
    assert not any(word in microdata for word in WORDS)


async def test_two_reviewers_never_hold_the_same_text(reviewed):
    await send_reports(reviewed, 3)
    first, second = Chatter(reviewed, REVIEWER), Chatter(reviewed, SECOND_REVIEWER)
    a, b = await first.say("/review"), await second.say("/review")
    assert word_in(a.text) != word_in(b.text)
    # The first skips: the second may get it later, the first never again.
    skipped = word_in(a.text)
    a = await first.press(english(reviewed).plain("review_skip"), a)
    assert word_in(a.text) not in (skipped, word_in(b.text))


async def test_few_released_texts_stay_in(reviewed):
    """Three texts of a month are fewer than the ten a group needs: none goes out, and /texts says why."""
    bot, t = reviewed, english(reviewed)
    await send_reports(bot, 3)
    reviewer = Chatter(bot, REVIEWER)
    shown = await reviewer.say("/review")
    for _ in range(3):
        shown = await reviewer.press(t.plain("review_release"), shown)
    assert shown.text.startswith(t.plain("review_released")) and t.plain("review_empty") in shown.text
    month = current_month(bot.app.bot_data[SERVICES].publisher.clock())
    bot.app.bot_data[SERVICES].publisher.clock = lambda: release_day(month)
    answer = await Chatter(bot, ORGANIZER).say("/texts")
    assert answer.text == t.plain("texts_none", limit=10) and not answer.button_list
    with sqlite3.connect(bot.data_dir / "haki-reports.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM released_texts").fetchone() == (3,)
