"""The review queue on real database files: one text to one reviewer at a time (across
processes), never twice to the same reviewer, released unlinked from its report; the rule for
what may go out; and `python bot.py review` in a terminal."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.releases.periods import month_of
from bot.reviews.published import MIN_TEXTS, publishable
from bot.reviews.queue import CLAIM_SECONDS, ReviewQueue
from bot.store import Store
from bot.store.reports_file import reports_path
from bot.store.texts import Released

ROOT = Path(__file__).resolve().parents[1]
WEEK = "2026-W10"


async def add(store: Store, texts: list[str], country: str = "KE") -> None:
    for text in texts:
        await store.reports.add_report(WEEK, {"country": country, "task": "moderation"}, os.urandom(32), text)


@pytest.fixture
async def store(tmp_path):
    opened = await Store.open(tmp_path / "haki.sqlite3")
    yield opened
    await opened.close()


async def test_a_reviewer_is_never_given_the_same_text_twice(store):
    await add(store, ["one", "two", "three"])
    queue = ReviewQueue(store.texts)
    given = [(await queue.next("ana")).text for _ in range(3)]  # each next() leaves the last one
    assert sorted(given) == ["one", "three", "two"]
    assert await queue.next("ana") is None  # all three still wait, but ana has seen them
    assert await queue.waiting() == 3
    assert (await queue.next("ben")) is not None  # another reviewer still gets them


async def test_two_reviewers_in_two_processes_never_hold_the_same_text(store, tmp_path):
    """The bot and `python bot.py review` each have a queue of their own on the same files."""
    await add(store, ["one", "two"])
    other = await Store.open(tmp_path / "haki.sqlite3")
    try:
        bot, terminal = ReviewQueue(store.texts), ReviewQueue(other.texts)
        a, b = await bot.next("ana"), await terminal.next("ben")
        assert {a.text, b.text} == {"one", "two"}
        assert await ReviewQueue(other.texts).next("cy") is None  # both are held
    finally:
        await other.close()


async def test_a_lapsed_claim_goes_to_another_reviewer_and_the_first_can_no_longer_act(store):
    await add(store, ["only"])
    now = [1_000_000.0]
    queue = ReviewQueue(store.texts, clock=lambda: now[0])
    first = await queue.next("ana")
    assert await queue.next("ben") is None
    now[0] += CLAIM_SECONDS + 1
    second = await queue.next("ben")
    assert second.text == "only"
    assert not await queue.release("ana", first, first.text)
    assert await queue.release("ben", second, second.text)


async def test_a_released_text_keeps_its_month_and_country_and_nothing_else(store, tmp_path):
    await add(store, ["the targets doubled"], country="UG")
    queue = ReviewQueue(store.texts)
    claim = await queue.next("ana")
    assert queue.held("ana", "forged") is None and queue.held("ben", claim.token) is None
    assert await queue.release("ana", claim, "the targets doubled again")
    with sqlite3.connect(reports_path(tmp_path / "haki.sqlite3")) as db:
        assert db.execute("SELECT count(*) FROM report_texts").fetchone() == (0,)
        ((text_id, month, country, text),) = db.execute("SELECT * FROM released_texts").fetchall()
        (report_id,) = db.execute("SELECT id FROM reports").fetchone()
    assert (month, country, text) == (month_of(WEEK), "UG", "the targets doubled again") and text_id != report_id
    assert await store.texts.released([month_of(WEEK)]) == [Released(month_of(WEEK), "UG", text)]


async def test_a_withdrawn_report_takes_its_waiting_text_with_it(store):
    receipt = os.urandom(32)
    await store.reports.add_report(WEEK, {"country": "KE"}, receipt, "mine")
    queue = ReviewQueue(store.texts)
    claim = await queue.next("ana")
    assert await store.reports.withdraw_report(receipt)
    assert not await queue.release("ana", claim, claim.text)
    assert await store.texts.released([month_of(WEEK)]) == []


def released(n: int, month: str = "2026-03", country: str | None = "KE") -> list[Released]:
    return [Released(month, country, f"{month} {country} {i}") for i in range(n)]


def test_a_country_shows_only_with_enough_texts_and_small_groups_stay_in():
    big = released(MIN_TEXTS)
    found = publishable(big + released(6, country="UG") + released(4, country="MG") + released(2, month="2026-04"))
    assert sorted(t.text for t in found.texts) == sorted(t.text for t in big)
    assert found.withheld == 12


def test_comparing_what_went_out_before_and_after_more_releases_tells_nothing_new():
    """The insider pulls /texts (or an export) once, then again after reviewers released more texts
    of the same closed month. Every text that was out is still out, with the same label: no text
    drops out or changes its country between the two, so the difference says nothing about the
    small groups (with pooling, Uganda reaching 10 dropped Madagascar's 4 texts out of the pool,
    and the pair of documents told that those 4 came from a country with fewer than 10)."""
    before = released(MIN_TEXTS, country="KE") + released(6, country="UG") + released(4, country="MG")
    after = before + [Released("2026-03", "UG", f"later {i}") for i in range(4)]
    first, second = publishable(before), publishable(after)
    assert {(t.text, t.country) for t in first.texts} <= {(t.text, t.country) for t in second.texts}


def test_the_order_says_nothing_of_arrival():
    texts = released(MIN_TEXTS * 4)
    orders = {tuple(t.text for t in publishable(texts).texts) for _ in range(5)}
    assert len(orders) > 1 and all(list(order) != [t.text for t in texts] for order in orders)


async def test_the_terminal_reviews_the_same_queue(tmp_path):
    store = await Store.open(tmp_path / "haki.sqlite3")
    originals = ["first text", "second text", "third text"]
    await add(store, originals)
    await store.close()
    script = "r\ne\nthe team lead Dennis on 0712 345 678 cut our pay\ny\nd\ny\n"
    result = subprocess.run(
        [sys.executable, "bot.py", "review"],
        cwd=ROOT,
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HAKI_DATA_DIR": str(tmp_path), "HAKI_SECRET_KEY": "k" * 40},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Released.") == 2 and "Deleted." in result.stdout
    assert "No texts are waiting for review." in result.stdout and "3 texts handled." in result.stderr
    with sqlite3.connect(reports_path(tmp_path / "haki.sqlite3")) as db:
        kept = sorted(text for (text,) in db.execute("SELECT text FROM released_texts"))
        assert db.execute("SELECT count(*) FROM report_texts").fetchone() == (0,)
    (edit,) = [text for text in kept if text not in originals]  # the other is one original, released as it was
    assert "cut our pay" in edit and "0712" not in edit
