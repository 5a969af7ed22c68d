"""Organizers broadcast, end to end through the sandbox: compose → preview → confirm →
delivery (with Telegram's 403, 429, 400 and a timeout injected), quiet hours, pause, resume and
stop from the progress message, and every organizer and researcher command refusing others.
Organizers see numbers of people rounded to the nearest 10 ("fewer than 10" below 10), never who
is in their quiet hours, and the reach of a narrowed audience only a few times a minute."""

import asyncio
import contextlib
import re
import sqlite3
import time

import pytest

from bot.broadcasts import composer
from bot.guide.navigation import Prefs
from bot.updates.subscriptions import Quiet, Subscription
from handlers.application import ORGANIZER_COMMANDS, RESEARCHER_COMMANDS
from tests.conftest import ORGANIZER, RESEARCHER, Chatter, running

FIRST_WORKER = 810_000


@pytest.fixture
async def organized(navigator, tmp_path, request):
    """Broadcasts go out under Telegram's flood limits, as in production (and the bot's own send
    budget); tests of the organizer's screens alone may say `flood_limits_off`, as they send many
    messages to one chat, which Telegram's limits would pace at one a second."""
    limits = request.node.get_closest_marker("flood_limits_off") is None
    async for bot in running(navigator, tmp_path / "data", frozenset({ORGANIZER}), frozenset({RESEARCHER}), limits):
        yield bot


def texts(bot, code: str = "en"):
    return bot.navigator.texts_for(Prefs(language=code), None)


def services(bot):
    return bot.app.bot_data["haki"]


async def subscribe(bot, languages: list[str], topics=("pay",), quiet: Quiet | None = None, first=FIRST_WORKER):
    """Workers who chose updates (one per language given), each with a chat the sandbox knows."""
    ids = []
    for n, code in enumerate(languages):
        user_id = first + n
        bot.sandbox.user(user_id, language_code=code)
        subscription = Subscription(code, {topic: None for topic in topics}, "KE", quiet)
        await services(bot).subscriptions.save(user_id, user_id, subscription)
        ids.append(user_id)
    return ids


def received(bot, chat_id: int, t) -> list:
    header = t.plain("broadcast_header")
    return [m for m in bot.sandbox.user(chat_id).bot_messages if m.text and m.text.startswith(header)]


async def all_received(bot, ids: list[int], timeout: float = 20) -> None:
    def done() -> bool:
        return all(received(bot, chat, texts(bot, bot.sandbox.user(chat).language_code)) for chat in ids)

    await bot.sandbox.log.wait_until(done, timeout)


def entity_text(text: str, entity: dict) -> str:
    """The text an entity covers; Telegram counts offsets in UTF-16 code units."""
    units = text.encode("utf-16-le")
    return units[2 * entity["offset"] : 2 * (entity["offset"] + entity["length"])].decode("utf-16-le")


def fewer(t) -> str:
    return t.plain("broadcast_fewer", limit="10")


def reach(t, count: str, **by_language: str) -> str:
    """The reach line as the organizer reads it, e.g. reach(t, "20", English="20")."""
    parts = [t.plain("broadcast_reach_language", language=name, count=n) for name, n in by_language.items()]
    return t.plain("broadcast_reach", count=count, by_language=", ".join(parts))


def preview_text(t, count: str, **by_language: str) -> str:
    """The whole last preview screen: its title and the reach line, nothing else."""
    return f"{t.plain('broadcast_preview')}\n\n{reach(t, count, **by_language)}"


def progress_lines(t, **counts: str) -> list[str]:
    """The progress message's lines after its first (which carries the date and the status)."""
    return t.plain("broadcast_progress", created="", status="", **counts).split("\n")[1:]


async def sql(bot, statement: str) -> list[tuple]:
    """Straight to the database file, as another process would. In a thread: blocking the event
    loop here could stop the bot from finishing a transaction this waits for."""

    def run() -> list[tuple]:
        with contextlib.closing(sqlite3.connect(bot.data_dir / "haki.sqlite3")) as db, db:
            return db.execute(statement).fetchall()

    return await asyncio.to_thread(run)


async def latest_broadcast(bot) -> str:
    (summary,) = await services(bot).store.broadcasts.recent_broadcasts(1, time.time())
    return summary.id


async def compose(bot, organizer: Chatter, topic: str = "pay", per_language: bool = False, words=None):
    """/broadcast through to the preview, as an organizer would; returns the preview screen."""
    t = texts(bot)
    screen = await organizer.say("/broadcast")
    screen = await organizer.press(t.plain("button_next"), screen)  # every language
    screen = await organizer.press(t.plain("button_next"), screen)  # every country
    screen = await organizer.press(f"▫️ {t.plain(f'topic_{topic}')}", screen)
    screen = await organizer.press(t.plain("button_next"), screen)
    screen = await organizer.press(t.plain("broadcast_mode_each" if per_language else "broadcast_mode_one"), screen)
    for text in words or ["Pay day moves to Friday. <Bring> your ID & payslip."]:
        await organizer.say(text)
    return organizer.last


async def test_compose_preview_confirm_and_deliver_in_each_language(organized):
    t = texts(organized)
    workers = await subscribe(organized, ["en", "es", "fr", "sw", "sw"])
    others = await subscribe(organized, ["en"], topics=("events",), first=FIRST_WORKER + 100)
    organizer = Chatter(organized, ORGANIZER)

    # Next without a topic is refused with a toast; the step stays.
    screen = await organizer.say("/broadcast")
    for _ in range(2):
        screen = await organizer.press(t.plain("button_next"), screen)
    still = await organizer.press(t.plain("button_next"), screen)
    assert still.text == screen.text

    # Typed as plain text: the <b> and & are shown as typed, not taken as formatting.
    words = [
        "Pay day moves to <b>Friday</b> & more.",
        "El día de pago pasa al viernes.",
        "La paie passe au vendredi.",
        "Malipo yamehamishiwa Ijumaa.",
        "يوم الدفع ينتقل إلى الجمعة.",  # Arabic is offered too (partial, with its crisis phrases)
    ]
    preview = await compose(organized, organizer, per_language=True, words=words)
    # The previews: one message per language, exactly as workers get it (protected, neutral first line).
    for code, text in zip(["en", "es", "fr", "sw", "ar"], words, strict=True):
        wt = texts(organized, code)
        shown = [m for m in organizer.user.bot_messages if m.text and text in m.text]
        assert len(shown) == 1 and shown[0].protect_content
        assert shown[0].text.startswith(wt.plain("broadcast_header"))
        assert shown[0].text.endswith(wt.plain("broadcast_footer"))
        # The words themselves are a spoiler: hidden in notifications until tapped.
        spoilers = [e for e in shown[0].entities if e["type"] == "spoiler"]
        assert [entity_text(shown[0].text, e) for e in spoilers] == [text]
    few = fewer(t)
    assert preview.text == preview_text(t, few, English=few, Español=few, Français=few, Kiswahili=few)

    progress = await organizer.press(t.plain("broadcast_send"), preview)
    broadcast_id = await latest_broadcast(organized)
    await services(organized).progress.wait_over(broadcast_id)
    for chat, code, text in zip(workers, ["en", "es", "fr", "sw", "sw"], [*words[:4], words[3]], strict=True):
        (message,) = received(organized, chat, texts(organized, code))
        assert text in message.text and message.protect_content
    assert not received(organized, others[0], t)  # chose another topic
    final = organizer.message(progress.message_id)
    assert t.plain("broadcast_status_done") in final.text
    assert final.text.split("\n")[1:] == progress_lines(t, sent=few, total=few, failed="0", blocked="0")

    # A second tap on Send (the old button) sends nothing again and leaves the progress view.
    await organizer.press_data("bc:ok", preview)
    assert len(await services(organized).store.broadcasts.recent_broadcasts(5, time.time())) == 1
    assert organizer.message(progress.message_id).text == final.text
    alert = organized.sandbox.calls("answerCallbackQuery")[-1]
    assert alert.params["text"] == t.plain("broadcast_expired")


@pytest.mark.parametrize(
    "count, shown",
    [(0, "0"), (1, "fewer"), (9, "fewer"), (10, "10"), (14, "10"), (15, "20"), (104, "100"), (1005, "1,010")],
)
def test_a_number_of_people_as_organizers_see_it(navigator, count, shown):
    t = navigator.texts_for(Prefs(language="en"), None)
    assert composer.shown_count(t, count) == (fewer(t) if shown == "fewer" else shown)


async def test_organizers_see_numbers_rounded_to_ten_and_delivery_stays_exact(organized):
    t = texts(organized)
    english = await subscribe(organized, ["en"] * 14)
    french = await subscribe(organized, ["fr"] * 4, first=FIRST_WORKER + 100)
    organizer = Chatter(organized, ORGANIZER)
    preview = await compose(organized, organizer)
    # 18 people: 14 reading English (10), 4 French (fewer than 10), nobody Swahili. The whole
    # screen, so no exact 18, 14 or 4 can be there beside the rounded numbers.
    assert preview.text == preview_text(t, "20", English="10", Français=fewer(t))

    progress = await organizer.press(t.plain("broadcast_send"), preview)
    broadcast_id = await latest_broadcast(organized)
    await services(organized).progress.wait_over(broadcast_id)
    for chat in english + french:
        assert len(received(organized, chat, texts(organized, organized.sandbox.user(chat).language_code))) == 1
    counts = (await services(organized).store.broadcasts.broadcast_summary(broadcast_id, time.time())).counts
    assert counts["sent"] == 18  # exact where it counts: every message went
    final = organizer.message(progress.message_id).text
    assert final.split("\n")[1:] == progress_lines(t, sent="20", total="20", failed="0", blocked="0")
    listing = await organizer.say("/broadcasts")
    done = t.plain("broadcast_status_done")
    assert listing.text.split("\n")[1].endswith(
        t.plain("broadcast_list_line", created="", status=done, sent="20", total="20")
    )
    assert not re.search(r"(?<![:\d])18\b", listing.text)  # the exact count, not a time like 2:18 AM


@pytest.mark.flood_limits_off
async def test_previews_of_a_narrowed_audience_are_rate_limited(organized):
    """Counting, again and again, the people of audiences that differ by one topic, country or
    language would single someone out: an organizer sees such a reach 3 times a minute at most."""
    t = texts(organized)
    await subscribe(organized, ["en"] * 12)
    limit = services(organized).preview_limit
    started = time.monotonic()
    limit.clock = lambda: started
    organizer = Chatter(organized, ORGANIZER)
    shown_reach = preview_text(t, "10", English="10")

    async def again(preview):
        """Change the text and type it again: a new preview of the same narrowed audience."""
        mode = await organizer.press(t.plain("broadcast_edit"), preview)
        await organizer.press(t.plain("broadcast_mode_one"), mode)
        return await organizer.say("Pay day moves to Friday.")

    preview = await compose(organized, organizer)  # the topic "pay" only: a narrowed audience
    assert preview.text == shown_reach
    preview = await again(preview)
    assert preview.text == shown_reach
    preview = await again(preview)
    assert preview.text == shown_reach
    # The fourth within a minute: no number, a kind word on when, and a button to ask again.
    waiting = await again(preview)
    assert waiting.text == f"{t.plain('broadcast_preview')}\n\n{t.plain('broadcast_preview_wait', wait='1 minute')}"
    assert t.plain("broadcast_send") not in organizer.labels(waiting)
    # Asking again too soon changes nothing but the time; once the minute is over, the reach shows.
    limit.clock = lambda: started + 30
    waiting = await organizer.press(t.plain("broadcast_show_reach"), waiting)
    assert t.plain("broadcast_preview_wait", wait="30 seconds") in waiting.text
    limit.clock = lambda: started + 61
    shown = await organizer.press(t.plain("broadcast_show_reach"), waiting)
    assert shown.text == shown_reach and t.plain("broadcast_send") in organizer.labels(shown)
    preview = await again(await again(shown))
    assert preview.text == shown_reach  # the third of this minute

    # The whole audience (every language, country and topic) is not a narrowed one: its reach
    # is the number of subscribers, shown however often it is asked for.
    await organizer.press(t.plain("broadcast_cancel"), preview)
    screen = await organizer.say("/broadcast")
    screen = await organizer.press(t.plain("button_next"), screen)
    screen = await organizer.press(t.plain("button_next"), screen)
    for topic in organized.navigator.content.topics:
        screen = await organizer.press(f"▫️ {t.plain(f'topic_{topic}')}", screen)
    screen = await organizer.press(t.plain("button_next"), screen)
    await organizer.press(t.plain("broadcast_mode_one"), screen)
    wide = await organizer.say("To everyone.")
    assert wide.text == shown_reach
    # ...while a narrowed one still waits: one topic fewer.
    screen = await organizer.press(t.plain("broadcast_edit"), wide)  # how to write it
    screen = await organizer.press(t.plain("button_back"), screen)  # the topics
    screen = await organizer.press(f"✅ {t.plain('topic_events')}", screen)
    screen = await organizer.press(t.plain("button_next"), screen)
    await organizer.press(t.plain("broadcast_mode_one"), screen)
    narrowed = await organizer.say("To most.")
    assert t.plain("broadcast_preview_wait", wait="1 minute") in narrowed.text


async def test_telegram_errors_during_delivery(organized):
    """403 removes the subscription, 400 fails with the reason, 429 waits, a timeout is retried."""
    t = texts(organized)
    workers = await subscribe(organized, ["en"] * 6)
    blocked, bad, flooded, slow = workers[:4]
    sandbox = organized.sandbox
    sandbox.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=blocked)
    sandbox.fail_next("sendMessage", 400, "Bad Request: chat not found", chat_id=bad)
    sandbox.fail_next("sendMessage", 429, retry_after=1, chat_id=flooded)
    organized.expected_errors |= {
        "Forbidden: bot was blocked by the user",
        "Bad Request: chat not found",
        "Too Many Requests: retry after 1",
        "Gateway Timeout",
    }
    organizer = Chatter(organized, ORGANIZER)
    preview = await compose(organized, organizer)
    # Just before Send, and for the slow worker's chat only: the first send to them is lost on the
    # way (a gateway that gives up) and its answer comes past the bot's 5 s read timeout. The bot
    # sees a timeout; only a retry can bring the worker the message.
    sandbox.fail_next("sendMessage", 504, chat_id=slow)
    sandbox.hang("sendMessage", 5.5, chat_id=slow)
    progress = await organizer.press(t.plain("broadcast_send"), preview)
    await services(organized).progress.wait_over(await latest_broadcast(organized))

    counts = (await services(organized).store.broadcasts.recent_broadcasts(1, time.time()))[0].counts
    assert (counts["sent"], counts["failed"], counts["blocked"], counts["pending"]) == (4, 1, 1, 0)
    assert await services(organized).subscriptions.get(blocked) is None
    assert await services(organized).subscriptions.get(bad) is not None
    assert not received(organized, blocked, t) and not received(organized, bad, t)
    # Everyone else has it exactly once: the flooded worker after the wait, the slow one after the retry.
    assert {chat: len(received(organized, chat, t)) for chat in workers if chat not in (blocked, bad)} == {
        chat: 1 for chat in workers if chat not in (blocked, bad)
    }
    assert [e.status for e in sandbox.calls("sendMessage", slow)] == [504, 200]
    # One outbox row took two attempts (the timeout, then the retry); a 429 costs no attempt.
    rows = sorted(await sql(organized, "SELECT state, attempts FROM outbox"))
    assert rows == [("blocked", 1), ("failed", 1), ("sent", 1), ("sent", 1), ("sent", 1), ("sent", 2)]
    final = organizer.message(progress.message_id).text
    few = fewer(t)
    assert t.plain("broadcast_status_done") in final
    assert final.split("\n")[1:] == progress_lines(t, sent=few, total=few, failed=few, blocked=few)


async def test_quiet_hours_hold_a_message_until_they_end(organized):
    t = texts(organized)
    started = time.time()
    hour_now = time.gmtime(started).tm_hour
    # Quiet for the worker from this hour (Nairobi = UTC+3) until two hours later.
    nairobi_hour = (hour_now + 3) % 24
    (free,) = await subscribe(organized, ["en"])
    (resting,) = await subscribe(organized, ["en"], quiet=Quiet(nairobi_hour, (nairobi_hour + 2) % 24), first=820_000)
    organizer = Chatter(organized, ORGANIZER)
    preview = await compose(organized, organizer)
    # Nothing tells the organizer that someone is resting now (and so roughly where they live).
    few = fewer(t)
    assert preview.text == preview_text(t, few, English=few)
    progress = await organizer.press(t.plain("broadcast_send"), preview)
    await all_received(organized, [free])
    broadcast_id = await latest_broadcast(organized)
    assert not received(organized, resting, t)
    counts = (await services(organized).store.broadcasts.broadcast_summary(broadcast_id, time.time())).counts
    assert counts["waiting"] == 1 and counts["pending"] == 1
    await services(organized).progress.screen(broadcast_id, t)  # the view as it is now, one still waiting
    shown = (await services(organized).progress.screen(broadcast_id, t)).plain_text
    assert t.plain("broadcast_status_sending") in shown
    assert shown.split("\n")[1:] == progress_lines(t, sent=few, total=few, failed="0", blocked="0")
    # The row waits until the quiet hours end: the next full hour plus one, on the worker's clock.
    (not_before,) = await sql(organized, "SELECT not_before FROM outbox WHERE state = 'pending'")
    hour_start = started // 3600 * 3600
    assert not_before[0] == hour_start + 2 * 3600
    # Once they end, it goes.
    await sql(organized, "UPDATE outbox SET not_before = 0 WHERE state = 'pending'")
    services(organized).deliverer.wake()
    await services(organized).progress.wait_over(broadcast_id)
    assert len(received(organized, resting, t)) == 1
    assert t.plain("broadcast_status_done") in organizer.message(progress.message_id).text


async def test_pause_resume_and_stop_from_the_progress_message(organized):
    t = texts(organized)
    workers = await subscribe(organized, ["en"] * 80)
    organizer = Chatter(organized, ORGANIZER)
    preview = await compose(organized, organizer)
    progress = await organizer.press(t.plain("broadcast_send"), preview)
    broadcast_id = await latest_broadcast(organized)
    paused = await organizer.press(t.plain("broadcast_pause"), progress)
    assert t.plain("broadcast_status_paused") in paused.text
    assert t.plain("broadcast_resume") in organizer.labels(paused)
    summary = await services(organized).store.broadcasts.broadcast_summary(broadcast_id, time.time())
    assert summary.status == "paused" and summary.counts["pending"] > 0
    resumed = await organizer.press(t.plain("broadcast_resume"), paused)
    assert t.plain("broadcast_pause") in organizer.labels(resumed)
    await services(organized).progress.wait_over(broadcast_id)
    assert all(len(received(organized, chat, t)) == 1 for chat in workers)

    # /broadcasts lists it; a second broadcast is stopped for good.
    preview = await compose(organized, organizer)
    progress = await organizer.press(t.plain("broadcast_send"), preview)
    second = await latest_broadcast(organized)
    stopped = await organizer.press(t.plain("broadcast_stop"), progress)
    assert t.plain("broadcast_status_cancelled") in stopped.text and not organizer.labels(stopped)
    await services(organized).progress.wait_over(second)
    summary = await services(organized).store.broadcasts.broadcast_summary(second, time.time())
    assert summary.status == "cancelled" and summary.counts["pending"] > 0
    listing = await organizer.say("/broadcasts")
    assert listing.text.count("\n") == 2  # the title and two broadcasts, newest first
    assert t.plain("broadcast_status_cancelled") in listing.text.split("\n")[1]
    view = await organizer.press(listing.button_list[1].text, listing)
    assert t.plain("broadcast_status_done") in view.text


@pytest.mark.flood_limits_off
@pytest.mark.parametrize("code", ["en", "es", "fr", "sw"])
async def test_every_organizer_and_researcher_command_refuses_everyone_else(organized, code):
    t = texts(organized, code)
    assert {"broadcast", "broadcasts", "invite", "invites", "stats"} <= set(ORGANIZER_COMMANDS)
    assert {"export"} <= set(RESEARCHER_COMMANDS)
    worker = Chatter(organized, 830_000 + ord(code[0]), language_code=code)
    organizer = Chatter(organized, ORGANIZER, language_code=code)
    researcher = Chatter(organized, RESEARCHER, language_code=code)
    cases = [(who, name) for name in ORGANIZER_COMMANDS for who in (worker, researcher)] + [
        (who, name) for name in RESEARCHER_COMMANDS for who in (worker, organizer)
    ]
    for who, name in cases:
        before = len(who.user.bot_messages)
        reply = await who.say(f"/{name}")
        assert len(who.user.bot_messages) == before + 1, name
        assert reply.text == t.plain("role_refused"), name
        assert not reply.button_list, name
    # The organizers' buttons refuse too, whatever data they carry.
    menu = await worker.say("/start")
    for data in ("bc:n", "bc:ok", "bp:c:anything", "iv:n:organizing", "iv:r:anything", "ex:p:microdata:month"):
        await worker.press_data(data, menu)
    assert await services(organized).store.broadcasts.recent_broadcasts(5, time.time()) == []
    assert await services(organized).subscriptions.invites() == []
    assert not organized.sandbox.calls("sendDocument")  # no export went out
    answers = [e for e in organized.sandbox.calls("answerCallbackQuery") if e.params.get("show_alert")]
    assert len(answers) == 6 and all(e.params["text"] == t.plain("role_refused") for e in answers)
