"""Random and malformed updates never crash a handler, and the bot still answers after.

Drawn with hypothesis and pushed through the real bot and the sandbox: button data that
mixes our prefixes with junk, odd and huge texts, edited messages, channel posts, group
messages, blocked and unblocked chats, and presses on screens of another state or language,
as a worker, an organizer or a researcher. At least 10,000 updates a run (HAKI_FUZZ_EXAMPLES
sequences of 13 to 20; about a minute).
"""

import logging
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ORGANIZER, RESEARCHER, Chatter

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
    "u",
    "u:t:",
    "u:c:",
    "u:q:",
    "u:q:8:",
    "u:z:",
    "u:stop",
    "bc:",
    "bc:l:",
    "bc:c:",
    "bc:t:",
    "bc:m:",
    "bc:n",
    "bc:b",
    "bc:ok",
    "bc:x",
    "bp:p:",
    "bp:r:",
    "bp:c:",
    "bp:v:",
    "iv:n:",
    "iv:r:",
    "ex:t:",
    "ex:p:tables:",
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
            "/start i_AAAAAAAAAAAAAAAAAAAA",
            "/subscribe",
            "/unsubscribe",
            "/broadcast",
            "/broadcasts",
            "/invite organizing",
            "/invites",
            "/stats",
            "/export",
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
    st.tuples(st.just("block"), st.booleans()),
)
EXAMPLES = int(os.environ.get("HAKI_FUZZ_EXAMPLES", "770"))  # x at least 13 actions: 10,010 updates
pushed = {"updates": 0}


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
    elif kind == "block":
        update_id = user.block() if value else user.unblock()
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
    pushed["updates"] += 1


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(actions=st.lists(action, min_size=13, max_size=20), role=st.sampled_from([6000, ORGANIZER, RESEARCHER]))
async def test_random_updates_never_crash_the_bot(organized, actions, role, caplog):
    caplog.set_level(logging.ERROR)
    organized.expected_errors.add("Forbidden: bot was blocked by the user")  # sends to a chat it blocked
    person = Chatter(organized, role + len(actions) if role == 6000 else role)
    for kind, value in actions:
        await perform(organized, person, kind, value)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() + "\n" + logging.Formatter().formatException(r.exc_info) for r in errors[:2]]
    if person.user.blocked:
        await organized.settle(person.user.unblock())
    await person.say("/exit")
    welcome = await person.say("/start")  # still answers, in whatever language was chosen
    greetings = [pack.ui["welcome"] for pack in organized.navigator.content.languages.values()]
    assert welcome.text in [w.split("\n")[0] for w in greetings] or any(
        welcome.text.startswith(w[:20]) for w in greetings
    )
    assert welcome.button_list


def test_the_fuzzing_pushed_ten_thousand_updates():
    if pushed["updates"] == 0:
        import pytest

        pytest.skip("run with the fuzz test above")
    assert pushed["updates"] >= 13 * EXAMPLES >= 10_000 or EXAMPLES != 770
