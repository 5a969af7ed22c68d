"""What the running bot keeps about a chat in memory (python-telegram-bot's chat_data: the chat's
trail of message numbers and any open form) goes, key and all, once there is nothing left to keep:
after /forget, once the worker blocked the bot, and once the trail has expired. A memory dump then
does not list the Telegram ids of people who asked Haki to forget them or who left."""

import time

from handlers import flows, trail
from tests.conftest import ORGANIZER, Chatter
from tests.test_e2e_broadcast import compose, latest_broadcast, received, services, subscribe, texts

# python-telegram-bot's own sets of chat and user ids, kept for a persistence Haki does not have.
PTB_ID_SETS = (
    "_chat_ids_to_be_updated_in_persistence",
    "_chat_ids_to_be_deleted_in_persistence",
    "_user_ids_to_be_updated_in_persistence",
    "_user_ids_to_be_deleted_in_persistence",
)


def held(app, chat_id: int) -> list[str]:
    """Where the application's memory still holds this chat's (= its user's) id."""
    places = [name for name in ("chat_data", "user_data") if chat_id in getattr(app, name)]
    return places + [name for name in PTB_ID_SETS if chat_id in getattr(app, name)]


async def test_forget_drops_the_chats_memory(haki):
    worker = Chatter(haki, 940_001)
    menu = await worker.say("/start")
    await worker.press("💰 Pay rights", menu)
    assert "chat_data" in held(haki.app, worker.user.id)
    reply = await worker.say("/forget")
    assert reply.text.startswith(texts(haki).plain("forget_nothing")[:20])
    assert held(haki.app, worker.user.id) == []
    # Another chat is untouched, and the worker can go on.
    other = Chatter(haki, 940_002)
    await other.say("/start")
    assert "chat_data" in held(haki.app, other.user.id)
    assert (await worker.say("/start")).button_list


async def test_blocking_the_bot_drops_the_chats_memory(haki):
    worker = Chatter(haki, 940_011)
    await worker.press("💰 Pay rights", await worker.say("/start"))
    await haki.settle(worker.user.block())
    assert held(haki.app, worker.user.id) == []


async def test_forbidden_while_answering_drops_the_chats_memory(haki):
    worker = Chatter(haki, 940_021)
    await worker.say("/start")
    blocked = "Forbidden: bot was blocked by the user"
    haki.sandbox.fail_next("sendMessage", 403, blocked, chat_id=worker.user.id)
    haki.expected_errors.add(blocked)
    await haki.settle(worker.user.send_text("/help"))
    assert held(haki.app, worker.user.id) == []


async def test_a_broadcast_refused_with_forbidden_drops_the_chats_memory(organized):
    t = texts(organized)
    (worker,) = await subscribe(organized, ["en"])
    organizer = Chatter(organized, ORGANIZER)
    await organizer.press(t.plain("broadcast_send"), await compose(organized, organizer))
    await services(organized).progress.wait_over(await latest_broadcast(organized))
    assert len(received(organized, worker, t)) == 1
    assert "chat_data" in held(organized.app, worker)  # the message is on the trail, for Exit

    blocked = "Forbidden: bot was blocked by the user"
    organized.sandbox.fail_next("sendMessage", 403, blocked, chat_id=worker)
    organized.expected_errors.add(blocked)
    await organizer.press(t.plain("broadcast_send"), await compose(organized, organizer))
    await services(organized).progress.wait_over(await latest_broadcast(organized))
    assert held(organized.app, worker) == []


async def test_a_chat_is_dropped_once_its_trail_has_expired(haki):
    sweeper = services(haki).sweeper
    worker = Chatter(haki, 940_031)
    await worker.say("/start")
    started = time.monotonic()

    sweeper.clock = lambda: started + trail.DELETABLE_SECONDS - 60
    await sweeper.sweep_now()
    assert "chat_data" in held(haki.app, worker.user.id)  # Exit could still delete those messages

    sweeper.clock = lambda: started + trail.DELETABLE_SECONDS + 1
    await sweeper.sweep_now()
    assert held(haki.app, worker.user.id) == []


async def test_an_abandoned_form_goes_with_the_sweep_not_only_when_the_chat_comes_back(haki):
    sweeper = services(haki).sweeper
    worker = Chatter(haki, 940_041)
    page = await worker.press("💰 Pay rights", await worker.say("/start"))
    await worker.press("🧮 Fair-pay check", await worker.press("Kenya", page))
    # The form's answers so far, and the last edit (for a tap repeated before the phone shows it).
    assert set(haki.app.chat_data[worker.user.id]) == {"trail", "flow", "shown"}
    started = time.monotonic()

    sweeper.clock = lambda: started + flows.IDLE_SECONDS + 1
    await sweeper.sweep_now()
    assert set(haki.app.chat_data[worker.user.id]) == {"trail"}  # the answers are gone; Exit still works
