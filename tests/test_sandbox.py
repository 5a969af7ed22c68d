"""The sandbox Bot API emulator, exercised with the real python-telegram-bot over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from sandbox import Event, RemoteSandbox, Sandbox, ptb_settler, run_terminal
from sandbox.params import UploadedFile

pytestmark = [
    pytest.mark.asyncio,
    # PTB 22 warns about RetryAfter.retry_after becoming a timedelta, even inside RetryAfter itself.
    pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"),
]

TOKEN = "123456:TEST"
REPO = Path(__file__).resolve().parents[1]


# --- a tiny bot -----------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes", callback_data="yes"),
                InlineKeyboardButton("No", callback_data="no"),
            ],
            [InlineKeyboardButton("Docs", url="https://example.org/docs")],
        ]
    )
    await update.message.reply_text("Do you agree?", reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("Saved")
    await query.edit_message_text(f"You chose {query.data}")


def build_app(sb: Sandbox) -> Application:
    app = ApplicationBuilder().token(sb.token).base_url(sb.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_button))
    return app


@contextlib.asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@pytest_asyncio.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(TOKEN) as sandbox:
        yield sandbox


@pytest_asyncio.fixture
async def bot(sb: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=sb.base_url) as client:
        yield client


def sent(method: str, chat_id: int | None = None) -> Callable[[Event], bool]:
    """Predicate for wait_for: a successful call of method (to chat_id)."""
    return lambda e: e.method == method and e.ok and (chat_id is None or e.chat_id == chat_id)


# --- the real Application, long polling ---------------------------------------------------------


async def test_start_reply_and_button_press_round_trip(sb: Sandbox) -> None:
    async with polling(build_app(sb)):
        ann = sb.user(42, "Ann")
        await sb.wait_delivered(ann.send_text("/start"))
        reply = await sb.wait_for(sent("sendMessage", 42))

        assert reply.result["from"] == sb.bot_user
        assert reply.result["chat"] == {"id": 42, "type": "private", "first_name": "Ann"}
        menu = ann.last_message_with_buttons
        assert menu is not None and menu.text == "Do you agree?"
        assert menu.buttons == [
            [("Yes", "yes"), ("No", "no")],
            [("Docs", "https://example.org/docs")],
        ]

        update_id = ann.press_button(menu.message_id, 1)
        await sb.wait_for(sent("editMessageText", 42), after=reply.seq)
        answer = await sb.wait_for(sent("answerCallbackQuery"), after=reply.seq)

    assert answer.params["text"] == "Saved"
    assert ann.presses[-1].update_id == update_id and ann.presses[-1].answered
    assert [m.text for m in ann.messages] == ["/start", "You chose no"]
    assert ann.messages[-1].edit_count == 1 and ann.messages[-1].buttons == []


async def test_long_polling_waits_for_updates_instead_of_spinning(sb: Sandbox) -> None:
    async with polling(build_app(sb)):
        bootstrap = await sb.wait_for(sent("deleteWebhook"))
        # Nothing to fetch: the first poll must be held open for its whole 1 s timeout.
        idle = await sb.wait_for(lambda e: e.method == "getUpdates" and e.result == [])
        assert [e.seq for e in sb.calls("getUpdates")] == [idle.seq]
        assert idle.time - bootstrap.time >= 0.9

        # ...and a new update ends a waiting poll at once.
        await sb.wait_polling()
        pushed_at = time.monotonic()
        await sb.wait_delivered(sb.user(7).send_text("/start"))
        assert time.monotonic() - pushed_at < 0.5


async def test_ptb_settler_returns_after_handlers_finished(sb: Sandbox) -> None:
    app = build_app(sb)
    async with polling(app):
        ann = sb.user(42, "Ann")
        await ptb_settler(sb, app)(ann.send_text("/start"))
        assert [m.text for m in ann.bot_messages] == ["Do you agree?"]


# --- errors as PTB sees them --------------------------------------------------------------------


async def test_blocked_user_gives_forbidden(sb: Sandbox, bot: Bot) -> None:
    ann = sb.user(42, "Ann")
    ann.block()
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(42, "hello?")
    assert ann.messages == []

    ann.unblock()
    await bot.send_message(42, "welcome back")
    assert [m.text for m in ann.messages] == ["welcome back"]


async def test_injected_429_raises_retry_after_with_its_seconds(sb: Sandbox, bot: Bot) -> None:
    sb.user(42)
    sb.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(42, "hi")
    assert caught.value.retry_after == 7
    failed = sb.calls("sendMessage")[-1]
    assert (failed.status, failed.description) == (429, "Too Many Requests: retry after 7")

    await bot.send_message(42, "hi")  # only the next call failed
    assert sb.stats()["too_many_requests"] == 1


async def test_fail_for_and_hang(sb: Sandbox, bot: Bot) -> None:
    ann = sb.user(42)
    sb.fail_for(60, 502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(42, "a")
    with pytest.raises(NetworkError):
        await bot.get_me()
    sb.clear_faults()

    # A late answer: the client gives up, but the message was sent, as on a real network.
    sb.hang("sendMessage", 1.0)
    with pytest.raises(TimedOut):
        await bot.send_message(42, "b", read_timeout=0.2)
    assert [m.text for m in ann.messages] == ["b"]


async def test_bad_requests_carry_telegrams_texts(sb: Sandbox, bot: Bot) -> None:
    sb.user(42)
    with pytest.raises(BadRequest, match=r"^Message text is empty$"):
        await bot.send_message(42, "  ")
    with pytest.raises(BadRequest, match=r"^Message is too long$"):
        await bot.send_message(42, "x" * 4097)
    # HTML counts what is shown: tags are dropped and &amp; is one character.
    long_html = await bot.send_message(42, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
    assert long_html.text == "&" * 4096 and long_html.entities[0].type == "bold"
    with pytest.raises(BadRequest, match=r"^Message is too long$"):
        await bot.send_message(42, "<b>" + "&amp;" * 4097 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"^Can't parse entities: unsupported start tag .br. at byte offset 2$"):
        await bot.send_message(42, "a <br> b", parse_mode="HTML")

    too_long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
        await bot.send_message(42, "menu", reply_markup=too_long_data)
    with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
        await bot.send_message(
            42,
            "menu",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="")]]),
        )

    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(999, "who?")
    message = await bot.send_message(42, "same")
    with pytest.raises(BadRequest, match=r"^Message is not modified: specified new message content"):
        await bot.edit_message_text("same", 42, message.message_id)
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("new", 42, 12345)
    with pytest.raises(BadRequest, match=r"^Message to delete not found$"):
        await bot.delete_message(42, 12345)
    with pytest.raises(BadRequest, match=r"^Query is too old and response timeout expired or query id is invalid$"):
        await bot.answer_callback_query("nope")

    sb.advance_clock(49 * 3600)
    with pytest.raises(BadRequest, match=r"^Message can't be deleted$"):
        await bot.delete_message(42, message.message_id)
    # Nothing that failed was stored.
    assert [m.text for m in sb.user(42).messages] == ["&" * 4096, "same"]


async def test_getupdates_conflicts_with_an_active_webhook(sb: Sandbox, bot: Bot) -> None:
    pending = sb.user(42).send_text("hello")
    await bot.set_webhook("https://example.org/hook")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()
    with pytest.raises(LookupError):
        await sb.wait_delivered(pending)


async def test_a_second_poller_terminates_the_first(sb: Sandbox, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await sb.wait_polling()
    async with Bot(TOKEN, base_url=sb.base_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


async def test_wrong_token_and_unknown_method(sb: Sandbox) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("654321:WRONG", base_url=sb.base_url):  # initialising calls getMe
            pass
    async with httpx.AsyncClient() as http:
        unknown = await http.post(f"{sb.base_url}{TOKEN}/sendTelepathy")
        unauthorized = await http.get(f"{sb.base_url}654321:WRONG/getMe")
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    assert (unauthorized.status_code, unauthorized.json()["description"]) == (401, "Unauthorized")


async def test_json_query_and_form_bodies_are_all_understood(sb: Sandbox) -> None:
    sb.user(42)
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    url = f"{sb.base_url}{TOKEN}/sendMessage"
    async with httpx.AsyncClient() as http:
        as_json = await http.post(url, json={"chat_id": 42, "text": "json", "reply_markup": markup})
        as_query = await http.get(url, params={"chat_id": "42", "text": "query"})
        as_form = await http.post(url, data={"chat_id": "42", "text": "form", "protect_content": "true"})
    assert [r.status_code for r in (as_json, as_query, as_form)] == [200, 200, 200]
    assert as_json.json()["result"]["reply_markup"] == markup
    assert as_form.json()["result"]["has_protected_content"] is True
    assert [m.text for m in sb.user(42).messages] == ["json", "query", "form"]


# --- flood limits -------------------------------------------------------------------------------


async def test_more_than_30_messages_per_second_get_429() -> None:
    async with Sandbox(TOKEN, enforce_limits=True) as sb, Bot(TOKEN, base_url=sb.base_url) as bot:
        users = [sb.user(100 + n) for n in range(31)]
        results = await asyncio.gather(*(bot.send_message(u.id, "news") for u in users), return_exceptions=True)
        limited = [r for r in results if isinstance(r, RetryAfter)]
        assert len(limited) == 1
        assert sum(len(u.messages) for u in users) == 30  # the limited call had no effect
        assert sb.stats()["flood_limited"] == 1


async def test_per_chat_limit_allows_a_short_burst_only() -> None:
    async with Sandbox(TOKEN, enforce_limits=True) as sb, Bot(TOKEN, base_url=sb.base_url) as bot:
        sb.user(42)
        for n in range(3):
            await bot.send_message(42, f"burst {n}")
        with pytest.raises(RetryAfter):
            await bot.send_message(42, "one too many")
        event = sb.calls("sendMessage")[-1]
        assert event.status == 429 and event.description == "Too Many Requests: retry after 1"


async def test_latency_delays_calls_concurrently() -> None:
    async with Sandbox(TOKEN, latency=0.2) as sb, Bot(TOKEN, base_url=sb.base_url) as bot:
        await bot.get_me()  # warm the connection pool
        began = time.monotonic()
        await asyncio.gather(bot.get_me(), bot.get_me(), bot.get_me())
        elapsed = time.monotonic() - began
    assert 0.2 <= elapsed < 0.38


# --- files --------------------------------------------------------------------------------------


async def test_multipart_send_document_stores_the_file(sb: Sandbox, bot: Bot) -> None:
    ann = sb.user(42)
    content = b"name,score\nann,3\n"
    message = await bot.send_document(
        42, InputFile(content, filename="report.csv"), caption="<b>Report</b>", parse_mode="HTML"
    )
    assert message.document.file_name == "report.csv" and message.document.file_size == len(content)
    assert message.caption == "Report"
    upload = sb.calls("sendDocument")[-1].params["document"]
    assert isinstance(upload, UploadedFile)  # PTB sent it as a multipart file part
    assert [(d.file_name, d.data) for d in ann.documents] == [("report.csv", content)]
    assert sb.files[message.document.file_id].data == content

    again = await bot.send_document(42, message.document.file_id)  # resend by file_id
    assert again.document.file_id == message.document.file_id
    photo = await bot.send_photo(42, InputFile(b"\x89PNG fake", filename="chart.png"))
    assert sb.files[photo.photo[-1].file_id].data == b"\x89PNG fake"


# --- the user side and update delivery ----------------------------------------------------------


async def test_user_actions_become_updates_ptb_understands(sb: Sandbox, bot: Bot) -> None:
    ann = sb.user(42, "Ann", language_code="de")
    menu = await bot.send_message(
        42,
        "Menu",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]]),
    )
    ids = [ann.send_text("/start@haki_test_bot now")]
    ids.append(ann.press(menu.message_id, "stale-data"))
    ids.append(ann.edit_text(ann.messages[-1].message_id, "edited"))
    group_message = {
        "message_id": 1,
        "date": 0,
        "text": "hi all",
        "chat": {"id": -100, "type": "group", "title": "G"},
    }
    ids.append(sb.push_update({"message": group_message}))
    ids.append(ann.block())
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == ids
    command, press, edit, group, blocked = updates
    assert command.message.text == "/start@haki_test_bot now" and command.message.from_user.language_code == "de"
    assert command.message.entities[0].type == "bot_command" and command.message.entities[0].length == 20
    assert press.callback_query.data == "stale-data" and press.callback_query.message.text == "Menu"
    assert press.callback_query.message.reply_markup.inline_keyboard[0][0].callback_data == "a"
    assert edit.edited_message.text == "edited"
    assert group.message.chat.type == "group"
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    await sb.wait_delivered(ids[-1])
    assert await bot.send_message(-100, "hello group")  # a pushed chat becomes known

    # Confirmation by offset drops them; a long poll then really waits.
    began = time.monotonic()
    assert await bot.get_updates(offset=ids[-1] + 1, timeout=0.3) == ()
    assert time.monotonic() - began >= 0.25
    await sb.wait_confirmed(ids[-1])


async def test_wait_for_times_out_with_the_recent_calls(sb: Sandbox, bot: Bot) -> None:
    await bot.get_me()
    with pytest.raises(TimeoutError, match=r"(?s)no matching Bot API call.*#1 getMe -> ok"):
        await sb.wait_for(lambda e: e.method == "sendMessage", timeout=0.05)


async def test_commands_and_descriptions_are_kept(sb: Sandbox, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Start"), ("help", "Help")], language_code="en")
    await bot.set_my_description("A bot", language_code="en")
    assert [(c.command, c.description) for c in await bot.get_my_commands(language_code="en")] == [
        ("start", "Start"),
        ("help", "Help"),
    ]
    assert sb.commands(language_code="en")[0] == {"command": "start", "description": "Start"}
    assert (await bot.get_my_description(language_code="en")).description == "A bot"
    with pytest.raises(BadRequest, match=r"^Bot_command_invalid$"):
        await bot.set_my_commands([("Start!", "bad")])
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == ()


async def test_descriptions_are_kept_per_language_within_telegrams_limits(sb: Sandbox, bot: Bot) -> None:
    await bot.set_my_description("Default")
    await bot.set_my_description("Kwa Kiswahili", language_code="sw")
    await bot.set_my_short_description("Short")
    await bot.set_my_short_description("Fupi", language_code="sw")
    assert (sb.description(), sb.description("sw"), sb.description("fr")) == ("Default", "Kwa Kiswahili", "")
    assert (sb.short_description(), sb.short_description("sw")) == ("Short", "Fupi")
    assert (await bot.get_my_short_description(language_code="sw")).short_description == "Fupi"
    assert (await bot.get_my_description()).description == "Default"
    await bot.set_my_description("d" * 512, language_code="fr")
    await bot.set_my_short_description("s" * 120, language_code="fr")
    with pytest.raises(BadRequest):
        await bot.set_my_description("d" * 513, language_code="fr")
    with pytest.raises(BadRequest):
        await bot.set_my_short_description("s" * 121, language_code="fr")
    assert (len(sb.description("fr")), len(sb.short_description("fr"))) == (512, 120)
    await bot.set_my_short_description("", language_code="sw")  # empty removes it
    assert sb.short_description("sw") == ""


# --- terminal client ----------------------------------------------------------------------------


async def test_terminal_client_through_a_pipe(sb: Sandbox) -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(write_fd, "w") as typing:
        typing.write("/start\n3\n1\n:quit\n")
    out = io.StringIO()
    app = build_app(sb)
    async with polling(app):
        ann = sb.user(42, "Ann")
        with os.fdopen(read_fd) as stdin:
            await run_terminal(sb, ann, ptb_settler(sb, app), stdin=stdin, stdout=out)
    shown = out.getvalue()
    assert "Haki #2: Do you agree?" in shown
    assert "[1] Yes  [2] No" in shown and "[3] Docs <https://example.org/docs>" in shown
    assert "Button 3 (Docs) opens https://example.org/docs" in shown
    assert "Haki #2 (edited): You chose yes" in shown
    assert "(notification) Saved" in shown
    assert ann.presses[-1].data == "yes"


# --- other processes ----------------------------------------------------------------------------


async def test_remote_client_drives_the_control_api(sb: Sandbox, bot: Bot) -> None:
    async with RemoteSandbox(sb.url) as remote:
        update_id = await remote.send_text(42, "hello", first_name="Ann")
        assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update_id]
        assert await remote.wait_delivered(update_id, timeout=1)

        later = asyncio.create_task(remote.events(after=sb.log.last_seq, timeout=5))
        await bot.send_message(42, "hi Ann")
        events = await later
        assert [e["method"] for e in events] == ["sendMessage"]
        assert [m["text"] for m in await remote.messages(42)] == ["hello", "hi Ann"]
        assert (await remote.stats())["calls"]["sendMessage"] == 1

        await remote.fail_next("sendMessage", 500)
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(42, "x")


async def test_standalone_process_serves_the_bot_api() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--token", TOKEN, "--latency-ms", "10"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = await asyncio.to_thread(process.stdout.readline)
        base_url = line.split("base_url=")[1].split()[0]
        async with Bot(TOKEN, base_url=base_url) as bot:
            assert (await bot.get_me()).username == "haki_test_bot"
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
