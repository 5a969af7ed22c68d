"""Two chats are served side by side while each chat's updates keep their order."""

from app.offline import OfflineBot
from bot.ui import callbacks
from tests.conftest import Chatter

PRESSES = {
    "A": ["help", "privacy", "privacy_stored", "privacy_phone", "help"],
    "B": ["privacy", "privacy_phone", "help", "privacy_stored", "privacy"],
}
TITLES = {
    "help": "Help",
    "privacy": "Privacy &amp; safety",
    "privacy_stored": "What Haki keeps",
    "privacy_phone": "Keep this chat safe on your phone",
}


def titles(bot, chat_id, after_seq):
    return [
        e.params["text"].split("</b>")[0].removeprefix("<b>")
        for e in bot.sandbox.events
        if e.seq > after_seq and e.method == "editMessageText" and e.chat_id == chat_id
    ]


async def test_updates_interleaved_across_chats_keep_each_chats_order(navigator, tmp_path):
    async with OfflineBot(navigator, data_dir=tmp_path, latency=0.02) as bot:
        people = {name: Chatter(bot, 900 + i) for i, name in enumerate(PRESSES)}
        menus = {name: await person.say("/start") for name, person in people.items()}
        start_seq = bot.sandbox.events[-1].seq
        # Both people tap quickly, without waiting for answers; updates arrive interleaved.
        update_ids = [
            person.user.press(menus[name].message_id, callbacks.page(PRESSES[name][step]))
            for step in range(len(PRESSES["A"]))
            for name, person in people.items()
        ]
        for update_id in update_ids:
            await bot.settle(update_id)
    for name, person in people.items():
        assert titles(bot, person.user.id, start_seq) == [TITLES[p] for p in PRESSES[name]], f"chat {name} out of order"


async def test_a_slow_chat_does_not_hold_up_another(navigator, tmp_path):
    async with OfflineBot(navigator, data_dir=tmp_path) as bot:
        a, b = Chatter(bot, 911), Chatter(bot, 912)
        menu_a, menu_b = await a.say("/start"), await b.say("/start")
        start_seq = bot.sandbox.events[-1].seq
        bot.sandbox.hang("editMessageText", 2.0)  # A's first edit takes 2 s to answer
        a1 = a.user.press(menu_a.message_id, callbacks.page("help"))
        await bot.sandbox.wait_delivered(a1)  # A's edit goes out before B's taps are even fetched
        a2 = a.user.press(menu_a.message_id, callbacks.page("privacy"))
        b_updates = [b.user.press(menu_b.message_id, callbacks.page(p)) for p in ("privacy", "help", "privacy_phone")]
        for update_id in b_updates:
            await bot.settle(update_id)
        # B was fully served while A's first update was still waiting on Telegram...
        assert a1 not in bot.handled and a2 not in bot.handled
        assert titles(bot, b.user.id, start_seq) == [
            "Privacy &amp; safety",
            "Help",
            "Keep this chat safe on your phone",
        ]
        await bot.settle(a2)
        # ...and A's second tap waited for its first.
        assert titles(bot, a.user.id, start_seq) == ["Help", "Privacy &amp; safety"]
