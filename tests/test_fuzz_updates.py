"""Random and malformed updates never crash a handler, and the bot still answers after.

Drawn with hypothesis and pushed through the real bot and the sandbox: button data that
mixes our prefixes with junk, odd and huge texts, edited messages, channel posts, group
messages, and presses on screens of another state or language.
"""

import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Chatter

PREFIXES = [
    "p:",
    "p:pay:",
    "p:help:1:",
    "c:",
    "c:KE:",
    "cp:",
    "l:",
    "lp:",
    "fp:",
    "fp:c:",
    "fp:s:",
    "lt:",
    "lt:c:",
    "rp:",
    "rp:c:",
    "rp:e:",
    "rp:s:",
    "x",
    "home",
    "",
]
callback_data = st.builds(lambda p, s: (p + s)[:64], st.sampled_from(PREFIXES), st.text(max_size=40))
texts = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "/start",
            "/menu",
            "/help",
            "/language",
            "/exit",
            "/forget",
            "/privacy",
            "/withdraw",
            "/withdraw ZZZZ-ZZZZ",
            "/unknown",
            "/start deep-link-payload",
            "1500",
            "-3",
            "0",
        ]
    ),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["a", "é", "🙃", "\u202e", "\u0000", " "]), st.integers(1, 5000)),
)
action = st.one_of(
    st.tuples(st.just("text"), texts),
    st.tuples(st.just("press"), callback_data),
    st.tuples(st.just("edit"), texts),
    st.tuples(st.just("group"), texts),
    st.tuples(st.just("channel"), texts),
    st.tuples(st.just("language"), st.sampled_from(["en", "fr", "sw", "pt-br", "", "xx"])),
)


async def perform(bot, person, kind, value):
    user = person.user
    if kind == "text":
        update_id = user.send_text(value or " ")
    elif kind == "press":
        target = user.last_message_with_buttons or (user.bot_messages[-1] if user.bot_messages else None)
        if target is None:
            update_id = user.send_text("/start")
        else:
            update_id = user.press(target.message_id, value or "x")
    elif kind == "edit":
        mine = [m for m in user.messages if not m.from_bot]
        update_id = user.edit_text(mine[-1].message_id, value or "x") if mine else user.send_text("/menu")
    elif kind == "language":
        user.info["language_code"] = value or None
        update_id = user.send_text("/menu")
    else:
        chat = (
            {"id": -1001, "type": "group", "title": "Team"}
            if kind == "group"
            else {"id": -1002, "type": "channel", "title": "News"}
        )
        key = "message" if kind == "group" else "channel_post"
        message = {"message_id": 1, "date": 0, "chat": chat, "text": value or "x"}
        if kind == "group":
            message["from"] = user.info
        update_id = bot.sandbox.push_update({key: message})
    await bot.settle(update_id)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(actions=st.lists(action, min_size=5, max_size=20))
async def test_random_updates_never_crash_the_bot(haki, actions, caplog):
    caplog.set_level(logging.ERROR)
    person = Chatter(haki, 6000 + len(actions))
    for kind, value in actions:
        await perform(haki, person, kind, value)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    await person.say("/exit")
    welcome = await person.say("/start")  # still answers, in whatever language was chosen
    greetings = [pack.ui["welcome"] for pack in haki.navigator.content.languages.values()]
    assert welcome.text in [w.split("\n")[0] for w in greetings] or any(
        welcome.text.startswith(w[:20]) for w in greetings
    )
    assert welcome.button_list
