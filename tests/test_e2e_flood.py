"""Replies under Telegram's flood limits, end to end through the sandbox with its limits on: one
send budget for replies and broadcasts (bot/sending/budget.py, handlers/rate_limiter.py), replies
first, and no reply lost to a 429."""

import asyncio

import pytest

from app.offline import OfflineBot
from tests.conftest import ORGANIZER, Chatter, running
from tests.test_e2e_broadcast import all_received, compose, latest_broadcast, received, services, subscribe, texts

MENU_HEALTH = "💚 Mental health & trauma"
MENU_PRIVACY = "🔒 Privacy & safety"
FIRST_OTHER = 850_000


@pytest.fixture
async def haki(navigator, tmp_path):
    async for bot in running(navigator, tmp_path / "data", limits=True):
        yield bot


@pytest.fixture
async def organized(navigator, tmp_path):
    async for bot in running(navigator, tmp_path / "data", frozenset({ORGANIZER}), limits=True):
        yield bot


async def test_workers_tapping_during_a_broadcast_all_get_their_answers(navigator, tmp_path):
    """The moment that matters: a broadcast uses 25 of Telegram's 30 messages a second, and 60
    other workers send /start and press a button while it goes out (200 ms per Bot API call)."""
    organizers = frozenset({ORGANIZER})
    async with OfflineBot(navigator, data_dir=tmp_path, latency=0.2, enforce_limits=True, organizers=organizers) as bot:
        t = texts(bot)
        subscribers = await subscribe(bot, ["en"] * 150)
        organizer = Chatter(bot, ORGANIZER)
        preview = await compose(bot, organizer)
        await organizer.press(t.plain("broadcast_send"), preview)
        header = t.plain("broadcast_header")
        await bot.sandbox.log.wait_until(lambda: any(received(bot, c, t) for c in subscribers), 10)

        async def worker(user_id: int) -> tuple[str, str]:
            chatter = Chatter(bot, user_id)
            menu = await chatter.say("/start")
            welcome = menu.text  # the message itself is edited next
            page = await chatter.press(MENU_PRIVACY, menu)
            return welcome, page.text

        answers = await asyncio.gather(*(worker(FIRST_OTHER + i) for i in range(60)))
        await all_received(bot, subscribers, timeout=60)
        await services(bot).progress.wait_over(await latest_broadcast(bot))
        sandbox = bot.sandbox

        # Every reply arrived: each worker has the menu, then the privacy page in its place.
        assert [(m[:7], p[:16]) for m, p in answers] == [("Hello 👋", "Privacy & safety")] * 60, answers[:2]
        # And while the broadcast was still going out, not after it.
        sends = [
            e
            for e in sandbox.calls("sendMessage")
            if e.ok and e.params["text"].startswith(header) and e.chat_id != ORGANIZER
        ]  # the organizer's preview starts so too
        workers = range(FIRST_OTHER, FIRST_OTHER + 60)
        replies = [e for e in sandbox.calls("editMessageText") if e.ok and e.chat_id in workers]
        assert len(replies) == 60 and min(e.time for e in replies) < max(e.time for e in sends)
        # The broadcast reached everyone exactly once.
        assert sorted(e.chat_id for e in sends) == sorted(subscribers)
        assert all(len(received(bot, chat, t)) == 1 for chat in subscribers)
        # No 429 that Haki did not wait out. (The sandbox counts replies against Telegram's 30 a
        # second too, which Telegram documents for bulk messages only: 60 /start at the same instant
        # draw some, and each is waited out, by every sender.)
        assert sandbox.retry_after_ignored == 0


async def test_a_reply_that_draws_a_429_arrives_once_telegram_allows(haki):
    ann = Chatter(haki, 201)
    flood = "Too Many Requests: retry after 1"
    haki.sandbox.fail_next("sendMessage", 429, flood, retry_after=1, chat_id=201)
    haki.expected_errors.add(flood)
    menu = await ann.say("/start")
    assert menu.text.startswith("Hello 👋")  # the menu itself, not the error screen
    assert len(ann.user.bot_messages) == 1
    refused, sent = haki.sandbox.calls("sendMessage", 201)
    assert refused.status == 429 and sent.ok and sent.time - refused.time >= 1.0
    assert haki.sandbox.retry_after_ignored == 0


async def test_a_429_on_a_broadcast_holds_the_replies_too(organized):
    """Telegram's retry_after is honoured by every sender, not only the one that got it."""
    t = texts(organized)
    subscribers = await subscribe(organized, ["en"] * 3)
    flood = "Too Many Requests: retry after 2"
    organized.sandbox.fail_next("sendMessage", 429, flood, retry_after=2, chat_id=subscribers[0])
    organized.expected_errors.add(flood)
    organizer = Chatter(organized, ORGANIZER)
    preview = await compose(organized, organizer)
    await organizer.press(t.plain("broadcast_send"), preview)
    await organized.sandbox.log.wait_until(lambda: organized.sandbox.answers_by_status[429] == 1, 10)
    (refused,) = [e for e in organized.sandbox.calls("sendMessage") if e.status == 429]

    menu = await Chatter(organized, 202).say("/start")
    assert menu.text.startswith("Hello 👋")
    (reply,) = organized.sandbox.calls("sendMessage", 202)
    assert reply.time - refused.time >= 2.0
    await all_received(organized, subscribers)
    assert organized.sandbox.retry_after_ignored == 0


async def test_five_taps_on_one_button_make_one_edit(haki):
    ann = Chatter(haki, 203)
    menu = await ann.say("/start")
    data = next(b.callback_data for b in menu.button_list if b.text == MENU_PRIVACY)
    taps = [ann.user.press(menu.message_id, data) for _ in range(5)]  # before the phone shows the page
    await asyncio.gather(*(haki.settle(tap) for tap in taps))
    assert ann.message(menu.message_id).text.startswith("Privacy & safety")
    assert len(haki.sandbox.calls("editMessageText", 203)) == 1  # one answer, not five edits
    assert len(haki.sandbox.calls("answerCallbackQuery")) == 5  # every tap's spinner stops


async def test_an_edit_held_by_flood_control_is_dropped_once_the_worker_moved_on(haki):
    ann = Chatter(haki, 204)
    menu = await ann.say("/start")
    flood = "Too Many Requests: retry after 2"
    haki.sandbox.fail_next("editMessageText", 429, flood, retry_after=2, chat_id=204)
    haki.expected_errors.add(flood)
    privacy = next(b.callback_data for b in menu.button_list if b.text == MENU_PRIVACY)
    health = next(b.callback_data for b in menu.button_list if b.text == MENU_HEALTH)
    first = ann.user.press(menu.message_id, privacy)
    await haki.sandbox.log.wait_until(lambda: haki.sandbox.answers_by_status[429] == 1, 10)
    second = ann.user.press(menu.message_id, health)  # the worker taps on while Privacy is held
    await asyncio.gather(haki.settle(first), haki.settle(second))
    edits = haki.sandbox.calls("editMessageText", 204)
    # Privacy's edit was refused once and never made again; Health's is the one that shows.
    assert [e.status for e in edits] == [429, 200]
    assert ann.message(menu.message_id).text.startswith("Mental health")
    assert haki.sandbox.retry_after_ignored == 0
