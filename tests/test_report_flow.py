"""The report's flow (bot/reports/flow.py) and its saving (bot/reports/saving.py) without
Telegram: what a worker would see after each press or typed text, and what is kept."""

import asyncio
import datetime as dt
import json
import logging
import sqlite3

import pytest

from bot.guide.navigation import Prefs
from bot.privacy.pseudonyms import Pseudonyms
from bot.releases.periods import current_month
from bot.reports import flow, saving, survey
from bot.reports.monthly_limit import MonthlyLimit
from bot.store import Store
from bot.ui import callbacks
from bot.ui.callbacks import start_form

REOPENS = dt.date(2026, 3, 2)  # the Monday the next month's first ISO week starts on
TEXT_UNTIL = dt.date(2026, 4, 6)  # the day a text sent now is deleted unless released
REVIEW = "Please check your answers."
SEND, CHANGE, EXIT, BACK, SKIP = "✅ Send", "✏️ Change an answer", "✖ Exit", "◀ Back", "Skip ▶"
CHOICES = ("An online platform", "Content moderation", "Per month")
LATER = ("49 to 60", "2 to 5", "Often", "No", "Every day", "No", "Contractor or freelancer")


def labels(screen):
    return [b.label for row in screen.rows for b in row]


class Chat:
    """One chat as handlers/reports.py keeps it: the draft and the screen last shown."""

    def __init__(self, navigator, left=1):
        self.content, self.t = navigator.content, navigator.texts_for(Prefs(language="en"), None)
        self.left = left
        self.form = None
        self.screen = None

    def press(self, data):
        step = flow.press(self.form, data, self.t, self.content, left=self.left, reopens=REOPENS, text_until=TEXT_UNTIL)
        self.apply(step)
        return step

    def tap(self, label):
        """Press the button with this label on the screen shown last."""
        found = [b.data for row in self.screen.rows for b in row if b.label == label]
        assert found, f"no {label!r} in {labels(self.screen)}"
        return self.press(found[0])

    def say(self, text):
        self.screen = flow.typed(self.form, text, self.t, self.content, TEXT_UNTIL)
        return self.screen

    def saved(self, outcome):
        """What the handler does once saving took the report (its code) or did not (saving.NotSaved)."""
        step = flow.after_saving(self.form, self.t, self.content, outcome, REOPENS, TEXT_UNTIL)
        self.apply(step)
        return step

    def apply(self, step):
        if step.end:
            self.form = None
        if step.begin is not None:
            self.form = step.begin
        if step.screen is not None:
            self.screen = step.screen

    def start(self, page="main"):
        return self.press(start_form(survey.PREFIX, page))

    def review(self, comment="Call me on 0712 345 678, I am tired."):
        """Answer every question (Kenya, paid per month); returns the review shown."""
        self.start()
        self.tap("Kenya")
        for label in CHOICES:
            self.tap(label)
        self.say("25000")
        for label in LATER:
            self.tap(label)
        if comment:
            self.say(comment)
        else:
            self.tap(SKIP)
        return self.screen


@pytest.fixture
def chat(navigator):
    return Chat(navigator)


def test_a_report_opens_from_its_page_in_a_new_protected_message(chat):
    step = chat.start("grievance")
    assert step.below and step.begin is not None and not step.send and not step.end
    assert step.screen.protected
    assert step.screen.text.startswith("Tell us about your work, anonymously")
    assert "Which country do you work in?" in step.screen.text
    assert "Kenya" in labels(step.screen)
    back = next(b for row in step.screen.rows for b in row if b.label == BACK)
    assert back.data == callbacks.page("grievance")  # Back returns to the page it came from


def test_a_report_opened_from_an_unknown_page_returns_to_the_main_menu(chat):
    chat.start("no_such_page")
    back = next(b for row in chat.screen.rows for b in row if b.label == BACK)
    assert back.data == callbacks.page("main")


LIMIT = (
    "You have already sent your answers this month. Thank you!\n\n"
    "Each person can send answers once a month: this is what keeps everyone anonymous. "
    "You can send again from March 2, 2026.\n\n"
    "If the answers you sent had a mistake, delete them with /withdraw and your code, then send them again."
)


def test_no_report_opens_once_this_months_is_sent(navigator):
    chat = Chat(navigator, left=0)
    step = chat.start()
    assert step.begin is None and step.below
    assert step.screen.text == LIMIT
    assert labels(step.screen) == []


def test_the_limit_says_when_to_come_back_in_the_workers_language(navigator):
    for code, expected in (
        ("fr", "à partir du 2 mars 2026."),
        ("sw", "kuanzia 2 Machi 2026."),
        ("es", "desde el 2 de marzo de 2026."),
    ):
        t = navigator.texts_for(Prefs(language=code), None)
        step = flow.press(
            None,
            start_form(survey.PREFIX, "main"),
            t,
            navigator.content,
            left=0,
            reopens=REOPENS,
            text_until=TEXT_UNTIL,
        )
        assert expected in step.screen.text and "/withdraw" in step.screen.text, step.screen.text


def test_a_button_of_an_expired_draft_starts_a_new_report(chat):
    step = chat.press(f"{survey.PREFIX}:c:platform")  # nothing in memory: left, restarted or idle
    assert step.begin is not None and step.begin.answers == {}
    assert step.below and "Which country do you work in?" in step.screen.text


def test_the_start_button_again_drops_the_old_draft(chat):
    chat.start()
    chat.tap("Kenya")
    step = chat.start()
    assert step.begin.answers == {} and "Which country do you work in?" in step.screen.text


def test_answers_lead_one_question_at_a_time_to_the_review(chat):
    chat.start()
    step = chat.tap("Kenya")
    assert not step.below  # answers replace the question in the same message
    assert step.screen.text.startswith("Who gives you the work?") and step.screen.protected
    assert "Tell us about your work" not in step.screen.text  # the intro is shown once
    review = chat.review()
    assert review.text.startswith(REVIEW) and review.protected
    assert labels(review) == [SEND, CHANGE, EXIT]
    assert "Kenya" in review.text and "Content moderation" in review.text
    assert "25000" not in review.text and "10,000" in review.text  # pay as its band
    assert "0712" not in review.text and "[phone]" in review.text  # the text as it will be kept
    assert chat.form.answers["comment"] == "Call me on 0712 345 678, I am tired."  # kept as typed until Send


def test_skip_leaves_out_what_follows_from_it_and_back_undoes_one_step(chat):
    chat.start()
    chat.tap("Kenya")
    chat.tap("An online platform")
    chat.tap("Content moderation")
    skipped = chat.tap(SKIP)
    assert skipped.screen.text.startswith("How many hours do you work in a week?")  # no amount asked
    back = chat.tap(BACK)
    assert back.screen.text.startswith("How are you paid?") and "pay_unit" not in chat.form.skipped
    back = chat.tap(BACK)
    assert back.screen.text.startswith("What work do you do most?") and "task" not in chat.form.answers
    assert chat.form.answers == {"country": "KE", "employer": "platform"}


def test_typed_garbage_asks_the_same_question_again_kindly(chat):
    chat.start()
    first = chat.say("hello")
    assert first.text.startswith("Please choose one of the buttons below.")
    assert "Tell us about your work" in first.text and "Kenya" in labels(first)  # nothing lost
    chat.tap("Kenya")
    for label in CHOICES:
        chat.tap(label)
    for garbage, notice in (("lots", "Please type only a number"), ("-5", "too small"), ("9" * 15, "too big")):
        retry = chat.say(garbage)
        assert notice in retry.text and "How much, in KES?" in retry.text
    assert "pay_amount" not in chat.form.answers
    assert chat.say("25 000").text.startswith("How many hours do you work in a week?")


def test_typing_at_the_review_shows_the_review_again(chat):
    chat.review()
    again = chat.say("send it please")
    assert again.text.startswith("Please choose one of the buttons below.") and REVIEW in again.text
    assert labels(again) == [SEND, CHANGE, EXIT]


def test_buttons_of_an_earlier_question_change_nothing(chat):
    chat.start()
    first = chat.screen
    chat.tap("Kenya")
    chat.tap("An online platform")
    old = next(b.data for row in first.rows for b in row if b.label == "Uganda")
    step = chat.press(old)  # the country question's button, pressed at the task question
    assert step.screen.text.startswith("What work do you do most?") and not step.send
    send = chat.press(survey.SEND)  # a Send of an earlier review, mid-way through the questions
    assert send.screen.text.startswith("What work do you do most?") and not send.send
    assert chat.form.answers == {"country": "KE", "employer": "platform"}


def test_an_answer_is_changed_from_the_review(chat):
    chat.review(comment=None)
    which = chat.tap(CHANGE)
    assert which.screen.text.startswith("Which answer do you want to change?") and which.screen.protected
    assert labels(which.screen) == [str(n) for n in range(1, 14)] + [BACK, EXIT]
    assert chat.tap(BACK).screen.text.startswith(REVIEW)  # back without changing anything
    chat.tap(CHANGE)
    asked = chat.tap("3")
    assert asked.screen.text.startswith("What work do you do most?")
    review = chat.tap("Transcription")
    assert review.screen.text.startswith(REVIEW)
    assert "Transcription" in review.screen.text and "Content moderation" not in review.screen.text


def test_back_while_changing_an_answer_keeps_it(chat):
    chat.review(comment=None)
    chat.tap(CHANGE)
    chat.tap("3")
    review = chat.tap(BACK)
    assert review.screen.text.startswith(REVIEW) and "Content moderation" in review.screen.text
    assert chat.form.answers["task"] == "moderation"


def test_the_back_of_an_older_change_screen_leaves_the_answer_unchanged(chat):
    chat.review(comment=None)
    which = chat.tap(CHANGE)
    chat.tap("3")  # the task question is being changed...
    chat.screen = which.screen  # ...when Back is pressed on the list of numbers again
    review = chat.tap(BACK)
    assert review.screen.text.startswith(REVIEW) and chat.form.answers["task"] == "moderation"
    assert chat.tap(SEND).send


def test_a_skipped_pay_given_from_the_review_asks_for_the_amount_first(chat):
    chat.start()
    chat.tap("Kenya")
    chat.tap("An online platform")
    chat.tap("Content moderation")
    chat.tap(SKIP)
    for label in LATER:
        chat.tap(label)
    chat.tap(SKIP)
    assert "(skipped)" in chat.screen.text
    chat.tap(CHANGE)
    chat.tap("4")
    amount = chat.tap("Per day")
    assert amount.screen.text.startswith("How much, in KES?")
    assert chat.say("800").text.startswith(REVIEW)


def test_changing_an_unknown_question_shows_the_review_unchanged(chat):
    review = chat.review()
    step = chat.press("rp:e:no_such_question")
    assert step.screen == review and not step.send


def test_send_saves_then_shows_the_receipt_and_drops_the_draft(chat):
    chat.review()
    draft = chat.form
    step = chat.press(survey.SEND)
    assert step.send and not step.end and step.screen is None and chat.form is draft  # nothing decided yet
    sent = chat.saved("ABCD-EFGH")
    assert sent.end and chat.form is None
    assert sent.screen.protected and "Your code: ABCD-EFGH" in sent.screen.text
    assert labels(sent.screen) == ["🧹 Yes, clear this chat", "Keep the messages"]


def test_a_report_the_disk_refused_stays_to_be_sent_again(chat):
    review = chat.review()
    chat.press(survey.SEND)
    refused = chat.saved(saving.NotSaved.DISK)
    assert not refused.end and not refused.below and chat.form is not None
    assert refused.screen.text.startswith("⚠️ Your report could not be saved just now.")
    assert refused.screen.text.endswith(review.text) and labels(refused.screen) == [SEND, CHANGE, EXIT]
    assert chat.press(survey.SEND).send  # one more tap sends the same draft


def test_send_over_this_months_limit_drops_the_draft(chat):
    chat.review()
    chat.left = 0  # this month's report was sent while this one was open
    step = chat.press(survey.SEND)
    assert not step.send and step.end and not step.below and chat.form is None
    assert step.screen.text == LIMIT


def test_a_send_the_limit_refused_while_saving_drops_the_draft(chat):
    chat.review()
    assert chat.press(survey.SEND).send
    step = chat.saved(saving.NotSaved.LIMIT)
    assert step.end and not step.below and chat.form is None and step.screen.text == LIMIT


def test_after_sending_the_chat_is_cleared_or_kept(chat):
    clear = chat.press(survey.CLEAR)
    assert clear.clear_chat and clear.below and clear.screen.text == "Done. Type /start to open the menu."
    assert labels(clear.screen) == []
    keep = chat.press(survey.KEEP)
    assert keep.screen is None  # the receipt stays where it is, without its buttons
    assert not (keep.clear_chat or keep.end or keep.send or keep.begin)


@pytest.mark.parametrize(
    "done, text",
    [
        (None, "withdraw_usage"),
        (True, "withdraw_done"),
        (False, "withdraw_unknown"),
    ],
)
def test_the_answer_to_withdraw_is_protected(navigator, done, text):
    t = navigator.texts_for(Prefs(language="en"), None)
    screen = flow.withdrawn(t, done)
    assert screen.text == t.ui(text) and screen.protected


# saving ---------------------------------------------------------------------------------


@pytest.fixture
async def store(tmp_path):
    store = await Store.open(tmp_path / "haki.sqlite3")
    yield store
    await store.close()


async def stored_reports(store) -> list[tuple]:
    rows = await store._reports.connection.execute_fetchall(
        "SELECT r.week, r.answers, r.receipt, t.text FROM reports r LEFT JOIN report_texts t ON t.report_id = r.id"
    )
    return [(week, json.loads(answers), receipt, text) for week, answers, receipt, text in rows]


def failing(error):
    """An add_report that meets the disk (or a bug) as it writes."""

    async def add_report(*args):
        raise error

    return add_report


PSEUDONYMS = Pseudonyms(b"k" * 32)


def disk_full():
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = sqlite3.SQLITE_FULL
    return error


class Clock:
    """Today, as the tests set it."""

    def __init__(self, day=None):
        self.day = day or dt.date.today()

    def __call__(self):
        return self.day


def one_a_month(clock=dt.date.today):
    return MonthlyLimit(1, current_month, clock)


async def test_saving_keeps_codes_bands_and_scrubbed_text_counted_before_written(chat, store):
    chat.review()
    limit = one_a_month()
    left_while_writing = []

    async def add_report(*args):
        left_while_writing.append(limit.remaining(7))
        await store.reports.add_report(*args)

    code = await saving.save(chat.form, chat.content, add_report, PSEUDONYMS, limit, 7)
    ((week, answers, receipt, text),) = await stored_reports(store)
    assert week == survey.iso_week(dt.date.today())
    assert answers["country"] == "KE" and answers["pay_amount_band"] == "10000" and "comment" not in answers
    assert receipt == PSEUDONYMS.receipt(code)  # the code itself is not kept
    assert text == "Call me on [phone], I am tired."
    assert left_while_writing == [0] and limit.remaining(7) == 0  # counted before it was written


async def test_a_second_report_in_the_month_is_not_written(chat, store):
    chat.review()
    limit = one_a_month()
    assert isinstance(await saving.save(chat.form, chat.content, store.reports.add_report, PSEUDONYMS, limit, 7), str)
    second = await saving.save(chat.form, chat.content, store.reports.add_report, PSEUDONYMS, limit, 7)
    assert second is saving.NotSaved.LIMIT and len(await stored_reports(store)) == 1


async def test_two_sends_at_once_write_one_report(chat, store):
    """Whatever the handlers let run side by side, the month's limit is taken before the write."""
    chat.review()
    limit = one_a_month()
    release, both_writing = asyncio.Event(), asyncio.Event()
    writers = []

    async def slow_disk(*args):
        writers.append(args)
        if len(writers) == 2:
            both_writing.set()
        await release.wait()
        await store.reports.add_report(*args)

    saves = [asyncio.create_task(saving.save(chat.form, chat.content, slow_disk, PSEUDONYMS, limit, 7)) for _ in "12"]
    # Stops at whichever comes first: one save is over (the other one waits on the disk), or both write.
    watch = asyncio.create_task(both_writing.wait())
    await asyncio.wait([*saves, watch], return_when=asyncio.FIRST_COMPLETED)
    watch.cancel()
    assert not both_writing.is_set() and len(writers) == 1
    release.set()
    outcomes = [await save for save in saves]
    assert saving.NotSaved.LIMIT in outcomes and len(await stored_reports(store)) == 1


async def test_a_report_is_stamped_in_the_month_it_was_counted_in(chat, store):
    """Sunday 1 March 2026 is in the ISO week of Thursday 26 February: February's report."""
    chat.review()
    clock = Clock(dt.date(2026, 3, 1))
    limit = one_a_month(clock)
    await saving.save(chat.form, chat.content, store.reports.add_report, PSEUDONYMS, limit, 7)
    ((week, *_),) = await stored_reports(store)
    assert week == "2026-W09" and current_month(dt.date(2026, 2, 26)) == "2026-02"
    assert limit.reopens() == dt.date(2026, 3, 2)
    clock.day = dt.date(2026, 3, 2)
    assert limit.remaining(7) == 1


async def test_a_full_disk_saves_nothing_counts_nothing_and_tells_the_operator(chat, store, caplog):
    chat.review()
    limit = one_a_month()
    with caplog.at_level(logging.ERROR, logger="bot.reports.saving"):
        outcome = await saving.save(chat.form, chat.content, failing(disk_full()), PSEUDONYMS, limit, 7)
    assert outcome is saving.NotSaved.DISK and await stored_reports(store) == [] and limit.remaining(7) == 1
    assert any("free space" in r.getMessage() and "a report was not saved" in r.getMessage() for r in caplog.records)
    assert isinstance(await saving.save(chat.form, chat.content, store.reports.add_report, PSEUDONYMS, limit, 7), str)


async def test_any_other_error_while_saving_is_a_bug_and_raised(chat):
    chat.review()
    limit = one_a_month()
    with pytest.raises(sqlite3.IntegrityError):
        await saving.save(
            chat.form, chat.content, failing(sqlite3.IntegrityError("constraint failed")), PSEUDONYMS, limit, 7
        )
    assert limit.remaining(7) == 1


async def test_withdraw_takes_the_code_as_typed_in_a_hurry_and_gives_the_month_back(chat, store):
    chat.review()
    limit = one_a_month()
    code = await saving.save(chat.form, chat.content, store.reports.add_report, PSEUDONYMS, limit, 7)
    withdraw = store.reports.withdraw_report
    assert await saving.withdraw("  ", withdraw, PSEUDONYMS, limit, 7) is None
    assert limit.remaining(7) == 0
    assert await saving.withdraw(code.lower().replace("-", " "), withdraw, PSEUDONYMS, limit, 7) is True
    assert await stored_reports(store) == [] and limit.remaining(7) == 1
    assert await saving.withdraw(code, withdraw, PSEUDONYMS, limit, 7) is False
    assert limit.remaining(7) == 1  # never more than the month's one


async def test_withdrawing_last_months_report_gives_nothing_back(chat, store):
    chat.review()
    clock = Clock(dt.date(2026, 2, 20))
    limit = one_a_month(clock)
    february = await saving.save(chat.form, chat.content, store.reports.add_report, PSEUDONYMS, limit, 7)
    clock.day = dt.date(2026, 3, 10)
    assert isinstance(await saving.save(chat.form, chat.content, store.reports.add_report, PSEUDONYMS, limit, 7), str)
    assert await saving.withdraw(february, store.reports.withdraw_report, PSEUDONYMS, limit, 7) is True
    assert limit.remaining(7) == 0  # else two reports of March
    again = await saving.save(chat.form, chat.content, store.reports.add_report, PSEUDONYMS, limit, 7)
    assert again is saving.NotSaved.LIMIT and [week for week, *_ in await stored_reports(store)] == ["2026-W11"]
