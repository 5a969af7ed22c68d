"""Random and malformed updates never crash a handler, every one a person sends gets an answer,
and the bot still answers after.

Drawn with hypothesis and pushed through the real bot and the sandbox: button data that
mixes our prefixes with junk, odd and huge texts, edited messages, channel posts, group
messages, blocked and unblocked chats, and presses on screens of another state or language,
as a worker, an organizer or a researcher. At least 10,000 updates a run (HAKI_FUZZ_EXAMPLES
sequences of 13 to 20; about a minute).

One bot serves the whole module (starting one per example would multiply the run time), but
each example is a person the bot has never seen: a fresh Telegram id, an organizer's or a
researcher's among many configured ones. No example inherits another's language, screen,
form or blocked chat, so hypothesis can replay and shrink a failing one on its own. Errors
logged and updates left unanswered fail the example that caused them; the fixture's finalizer
checks that the run really sent its 10,000 updates and that every one a person sent was answered.
"""

import itertools
import logging
import os

import pytest
import pytest_asyncio
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import Chatter, running

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
ANSWERED = {"text", "press", "language"}  # a person's own message or press in their private chat
# Fresh ids for each example, with room for hypothesis's replays and shrinking beyond EXAMPLES.
POOL = 20 * EXAMPLES + 10_000
FIRST = {"worker": 10_000_000, "organizer": 20_000_000, "researcher": 30_000_000}
ORGANIZERS = frozenset(range(FIRST["organizer"], FIRST["organizer"] + POOL))
RESEARCHERS = frozenset(range(FIRST["researcher"], FIRST["researcher"] + POOL))


class Fuzzing:  # not a dataclass: hypothesis would print every field with a failing example
    def __init__(self, bot):
        self.bot = bot
        self.ids = {role: itertools.count(first) for role, first in FIRST.items()}
        self.examples = 0  # examples that ran to their end
        self.updates = 0  # every update those examples pushed
        self.owed = 0  # updates a person sent in their private chat, which the bot must answer
        self.unanswered: list[str] = []

    def __repr__(self) -> str:
        return f"Fuzzing({self.examples} examples, {self.updates} updates, {len(self.unanswered)} unanswered)"

    def person(self, role: str) -> Chatter:
        user_id = next(self.ids[role])
        assert user_id < FIRST[role] + POOL, f"more than {POOL} {role}s: raise POOL"
        return Chatter(self.bot, user_id)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fuzzing(navigator, tmp_path_factory):
    """The bot for the whole module; afterwards, the run's own count (no test of its own that a
    lone run would have to skip): at least 13 updates for each of at least EXAMPLES examples,
    and an answer to every update a person sent."""
    data = tmp_path_factory.mktemp("fuzz") / "data"
    async for bot in running(navigator, data, ORGANIZERS, RESEARCHERS):
        bot.expected_errors.add("Forbidden: bot was blocked by the user")  # sends to a chat it blocked
        run = Fuzzing(bot)
        yield run
    # Checked once the bot has stopped: raised inside `running`, it would leave the bot running.
    assert not run.unanswered, f"{len(run.unanswered)} of {run.owed} updates unanswered: {run.unanswered[:5]}"
    assert run.examples >= EXAMPLES, f"only {run.examples} of {EXAMPLES} examples ran to their end"
    assert run.updates >= 13 * run.examples, (run.updates, run.examples)
    assert EXAMPLES != 770 or run.updates >= 10_000, run.updates


class Errors(logging.Handler):
    """The errors logged during one example."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)

    def __enter__(self):
        logging.getLogger().addHandler(self)
        return self.records

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self)


async def perform(run: Fuzzing, person: Chatter, kind: str, value) -> str | None:
    """Push one action's update and wait until the bot is done with it; what went unanswered, if anything."""
    bot, user = run.bot, person.user
    before = bot.sandbox.log.last_seq
    press = None
    if kind == "text":
        update_id = user.send_text(value or " ")
    elif kind == "press":
        target = user.last_message_with_buttons or (user.bot_messages[-1] if user.bot_messages else None)
        if target is None:
            update_id = user.send_text("/start")
        else:
            update_id = user.press(target.message_id, value or "x")
            press = user.presses[-1]
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
    if kind not in ANSWERED:
        return None
    run.owed += 1
    if press is not None:  # the spinner on the button stops only when the query itself is answered
        ok = press.answered
    else:  # a reply, an edit, a deletion: any call to the person's chat (a refused send to a chat that blocked it too)
        ok = any(str(e.chat_id) == str(user.id) for e in bot.sandbox.log.after(before))
    if ok:
        return None
    shown = f"{value[:30]!r}, {len(value)} characters" if isinstance(value, str) else repr(value)
    run.unanswered.append(f"{kind} {shown}")
    return f"{kind} {shown} (update {update_id}) got no answer"


@settings(max_examples=EXAMPLES, deadline=None)  # deadline: a shared machine can take seconds for one example
@given(actions=st.lists(action, min_size=13, max_size=20), role=st.sampled_from(sorted(FIRST)))
@pytest.mark.asyncio(loop_scope="module")
async def test_random_updates_never_crash_the_bot(fuzzing, actions, role):
    run, bot = fuzzing, fuzzing.bot
    person = run.person(role)
    with Errors() as errors:
        for kind, value in actions:
            silence = await perform(run, person, kind, value)
            assert not silence, silence
            assert not errors, [logging.Formatter().format(r) for r in errors]  # with the traceback
    if person.user.blocked:
        await bot.settle(person.user.unblock())
    await person.say("/exit")
    welcome = await person.say("/start")  # still answers, in whatever language was chosen
    greetings = [pack.ui["welcome"] for pack in bot.navigator.content.languages.values()]
    assert welcome.text in [w.split("\n")[0] for w in greetings] or any(
        welcome.text.startswith(w[:20]) for w in greetings
    )
    assert welcome.button_list
    run.examples += 1
    run.updates += len(actions)
