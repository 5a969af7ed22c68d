"""The anonymous working-conditions report, end to end through the sandbox."""

import contextlib
import datetime as dt
import json
import re
import sqlite3

import pytest

from app.offline import OfflineBot
from bot.guide.navigation import Prefs
from bot.releases.periods import current_month, month_after, weeks_of
from bot.reports import survey
from tests.conftest import Chatter


def ui(bot, code, key, **values):
    text = bot.navigator.content.languages[code].ui[key]
    return text.format(**values) if values else text


def label(bot, code, key):
    return bot.navigator.content.languages[code].survey[key]


def rows(bot, sql, file="haki-reports.sqlite3"):
    """Rows of the reports file, where the reports live (or of another file of the data folder)."""
    with contextlib.closing(sqlite3.connect(bot.data_dir / file)) as db:
        return db.execute(sql).fetchall()


async def fill_report(bot, person, code, comment="I work nights and I am tired.", pay=("month", "25000")):
    """Answer every question the way a worker would; returns the review message."""
    t = bot.navigator.texts_for(Prefs(language=code), None)
    menu = await person.say("/menu")
    await person.press(ui(bot, code, "button_report"), menu)
    first = person.last  # the report opens in a new message, so it can be protected
    assert first.protect_content, "the report must not be forwardable"
    assert first.text.startswith(ui(bot, code, "report_intro")[:12])
    await person.press(t.country_name("KE"), first)
    await person.press(label(bot, code, "employer_platform"))
    await person.press(label(bot, code, "task_moderation"))
    if pay:
        await person.press(label(bot, code, f"pay_unit_{pay[0]}"))
        await person.say(pay[1])
    else:
        await person.press(ui(bot, code, "form_skip"))
    for answer in (
        "hours_h49_60",
        "unpaid_h2_5",
        "late_pay_often",
        "deactivated_no",
        "exposure_daily",
        "support_none",
        "contract_contractor",
    ):
        await person.press(label(bot, code, answer))
    return await person.say(comment) if comment else await person.press(ui(bot, code, "form_skip"))


@pytest.mark.parametrize("code", ["en", "es", "fr", "sw"])
async def test_a_report_is_saved_anonymously_and_withdrawn_by_its_code(haki, code):
    person = Chatter(haki, 4100 + ["en", "es", "fr", "sw"].index(code), language_code=code)
    review = await fill_report(haki, person, code, comment="Call me on 0712 345 678 or write to amina@example.com")
    assert review.text.startswith(ui(haki, code, "report_review")[:15])
    assert "0712" not in review.text and "amina@" not in review.text  # shown as it will be kept
    assert "{" not in review.text and "KES" in review.text
    sent = await person.press(ui(haki, code, "report_send"), review)
    receipt = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", sent.text).group()

    ((report_id, week, answers),) = rows(haki, "SELECT id, week, answers FROM reports")
    assert re.fullmatch(r"\d{4}-W\d{2}", week)
    assert json.loads(answers) == {
        "country": "KE",
        "employer": "platform",
        "task": "moderation",
        "pay_unit": "month",
        "pay_amount_band": "10000",
        "pay_amount_currency": "KES",
        "hours": "h49_60",
        "unpaid": "h2_5",
        "late_pay": "often",
        "deactivated": "no",
        "exposure": "daily",
        "support": "none",
        "contract": "contractor",
    }
    ((text,),) = rows(haki, "SELECT text FROM report_texts")
    assert "0712" not in text and "amina@example.com" not in text

    done = await person.say(f"/withdraw {receipt.lower().replace('-', ' ')}")  # as typed in a hurry
    assert done.text == ui(haki, code, "withdraw_done")
    assert rows(haki, "SELECT * FROM reports") == [] and rows(haki, "SELECT * FROM report_texts") == []
    assert (await person.say(f"/withdraw {receipt}")).text == ui(haki, code, "withdraw_unknown")


async def test_change_skip_back_and_bad_input(haki):
    person = Chatter(haki, 4200)
    review = await fill_report(haki, person, "en", comment=None, pay=None)
    assert "(skipped)" in review.text and "{" not in review.text
    assert "How much" not in review.text  # no amount asked when the pay question was skipped
    change = await person.press("✏️ Change an answer", review)
    again = await person.press("3", change)  # the task question
    assert again.text.startswith("What work do you do most?")
    review = await person.press("Transcription", again)
    assert "Transcription" in review.text and "Content moderation" not in review.text
    assert (await person.say("hello")).text.startswith("Please choose one of the buttons")
    await person.press("✅ Send")
    assert json.loads(rows(haki, "SELECT answers FROM reports")[0][0])["task"] == "transcription"


async def test_bad_amounts_ask_again_and_back_goes_one_step(haki):
    person = Chatter(haki, 4300)
    menu = await person.say("/menu")
    await person.press("📋 Share your work conditions", menu)
    await person.press("Uganda", person.last)
    await person.press("An online platform")
    await person.press("Labelling images or video")
    amount = await person.press("Per day")
    assert "UGX" in amount.text
    for bad, retry in (("abc", "Please type only a number"), ("-5", "too small"), ("9" * 15, "too big")):
        assert retry in (await person.say(bad)).text
    back = await person.press("◀ Back")
    assert back.text.startswith("How are you paid?")


async def test_exit_drops_the_draft_and_clears_the_chat(haki):
    person = Chatter(haki, 4400)
    menu = await person.say("/start")
    await person.press("📋 Share your work conditions", menu)
    await person.press("Kenya", person.last)
    await person.say("something typed by mistake")
    await person.press("✖ Exit")
    visible = [m.text for m in person.user.messages]
    assert visible == ["Type /start to open the menu."]  # both sides gone, one neutral line left
    assert (await person.say("An online platform")).text.startswith("I work with buttons")  # no draft
    assert rows(haki, "SELECT * FROM reports") == []


async def test_after_sending_the_chat_can_be_cleared(haki):
    person = Chatter(haki, 4500)
    review = await fill_report(haki, person, "en")
    sent = await person.press("✅ Send", review)
    await person.press("🧹 Yes, clear this chat", sent)
    assert [m.text for m in person.user.messages] == ["Done. Type /start to open the menu."]


def next_month_opens(today: dt.date) -> dt.date:
    """The Monday of the first ISO week of the release month after today's."""
    first_week = weeks_of(month_after(current_month(today)))[0]
    return dt.date.fromisoformat(f"{first_week}-1")


def limit_notice(bot, code):
    t = bot.navigator.texts_for(Prefs(language=code), None)
    return t.ui("report_limit", date=t.date(next_month_opens(dt.date.today())))


async def send_report(bot, person, code) -> str:
    """A whole report, sent: its receipt code."""
    review = await fill_report(bot, person, code, comment=None)
    sent = await person.press(ui(bot, code, "report_send"), review)
    return re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", sent.text).group()


@pytest.mark.parametrize("code", ["en", "fr"])
async def test_one_report_a_month_and_withdrawing_it_allows_another(haki, code):
    person = Chatter(haki, 4600 + ["en", "fr"].index(code), language_code=code)
    receipt = await send_report(haki, person, code)

    menu = await person.say("/menu")
    await person.press(ui(haki, code, "button_report"), menu)
    assert person.last.text == limit_notice(haki, code)  # no draft: no question asked
    assert person.last.button_list == [] and len(rows(haki, "SELECT * FROM reports")) == 1

    done = await person.say(f"/withdraw {receipt}")
    assert done.text == ui(haki, code, "withdraw_done") and rows(haki, "SELECT * FROM reports") == []
    again = await send_report(haki, person, code)  # the corrected report
    assert again != receipt and len(rows(haki, "SELECT * FROM reports")) == 1

    await person.press(ui(haki, code, "button_report"), await person.say("/menu"))
    assert person.last.text == limit_notice(haki, code)  # one withdrawal gave back one report, not more
    assert (await person.say(f"/withdraw {receipt}")).text == ui(haki, code, "withdraw_unknown")
    await person.press(ui(haki, code, "button_report"), await person.say("/menu"))
    assert person.last.text == limit_notice(haki, code)


async def test_someone_elses_limit_is_their_own(haki):
    first, second = Chatter(haki, 4610), Chatter(haki, 4611)
    await send_report(haki, first, "en")
    await send_report(haki, second, "en")
    assert len(rows(haki, "SELECT * FROM reports")) == 2


async def test_a_restart_forgets_the_counts(navigator, tmp_path):
    """The known limit of the bound (docs/privacy.md): the counts are only in memory."""
    data, key = tmp_path / "data", b"k" * 32
    async with OfflineBot(navigator, data_dir=data, secret_key=key) as bot:
        before = await send_report(bot, Chatter(bot, 4620), "en")
    async with OfflineBot(navigator, data_dir=data, secret_key=key) as bot:
        person = Chatter(bot, 4620)
        await send_report(bot, person, "en")  # a second report this month, after the restart
        assert len(rows(bot, "SELECT * FROM reports")) == 2
        assert (await person.say(f"/withdraw {before}")).text == ui(bot, "en", "withdraw_done")
        await person.press("📋 Share your work conditions", await person.say("/menu"))
        assert person.last.text == limit_notice(bot, "en")  # a code of before the restart gives nothing back


async def test_forget_deletes_the_saved_choices(haki):
    person = Chatter(haki, 4700, language_code="en")
    menu = await person.say("/start")
    await person.press("Kiswahili", menu)
    assert len(rows(haki, "SELECT * FROM preferences", "haki.sqlite3")) == 1
    reply = await person.say("/forget")
    assert reply.text == ui(haki, "sw", "forget_done")
    assert rows(haki, "SELECT * FROM preferences", "haki.sqlite3") == []
    assert (await person.say("/forget")).text == ui(haki, "en", "forget_nothing")  # back to the app's English


async def test_privacy_command_explains_what_is_kept(haki):
    person = Chatter(haki, 4800)
    page = await person.say("/privacy")
    assert page.text.startswith("Privacy & safety")


def test_receipt_codes_are_random_and_forgiving():
    codes = {survey.new_receipt_code() for _ in range(1000)}
    assert len(codes) == 1000
    code = codes.pop()
    assert survey.normalize_code(code.lower().replace("-", " ")) == code


@pytest.mark.parametrize("code", ["en", "es", "fr", "sw"])
async def test_every_step_answers_garbage_and_back_kindly(haki, code):
    """At each question: nonsense typed gets a retry in the user's language, Back returns to
    the question before, and the answer can then be given again."""
    content = haki.navigator.content
    t = haki.navigator.texts_for(Prefs(language=code), None)
    person = Chatter(haki, 4900 + ["en", "es", "fr", "sw"].index(code), language_code=code)
    menu = await person.say("/menu")
    await person.press(ui(haki, code, "button_report"), menu)
    answers = {"country": t.country_name("TZ"), "pay_amount": "300000", "comment": "Tasks are hard."}

    def answer_for(question):
        if question.id in answers:
            return answers[question.id]
        return label(haki, code, f"{question.id}_{question.options[0]}")

    async def give(question):
        value = answer_for(question)
        if question.kind in ("number", "text"):
            return await person.say(value)
        return await person.press(value, person.user.last_message_with_buttons)

    questions = [q for q in content.survey.questions]
    previous = None
    for question in questions:
        shown = person.user.last_message_with_buttons
        assert (
            shown.text.split("\n")[-1].startswith(label(haki, code, question.id)[:12])
            or label(haki, code, question.id)[:12] in shown.text
        ), (question.id, shown.text[:80])
        if question.kind != "text":  # any text is a valid free-text answer
            garbage = await person.say("🙃 zzz" if question.kind != "number" else "lots")
            expected = "form_not_number" if question.kind == "number" else "form_use_buttons"
            assert garbage.text.startswith(ui(haki, code, expected)[:12]), (question.id, garbage.text[:60])
            if previous is not None:
                back = await person.press(ui(haki, code, "button_back"), person.user.last_message_with_buttons)
                assert label(haki, code, previous.id)[:12] in back.text, (question.id, back.text[:60])
                await give(previous)
        await give(question)
        previous = question if question.kind != "text" else previous
    review = person.user.last_message_with_buttons
    assert review.text.startswith(ui(haki, code, "report_review")[:12])
    await person.press(ui(haki, code, "report_send"), review)
    ((answers_json,),) = rows(haki, "SELECT answers FROM reports")
    assert json.loads(answers_json)["country"] == "TZ"
