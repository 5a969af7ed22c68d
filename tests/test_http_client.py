"""Haki's aiohttp transport for python-telegram-bot, against the sandbox over real HTTP."""

import contextlib

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut

from handlers.http_client import AiohttpRequest
from sandbox import Sandbox

TOKEN = "123456789:" + "T" * 35


@pytest.fixture
async def sandbox():
    async with Sandbox(token=TOKEN) as sb:
        yield sb


def bot_for(sb, **options) -> Bot:
    return Bot(TOKEN, base_url=sb.base_url, request=AiohttpRequest(**options), get_updates_request=AiohttpRequest(1))


async def test_messages_buttons_and_errors_round_trip(sandbox):
    user = sandbox.user(42, "Ann")
    async with bot_for(sandbox) as bot:
        sent = await bot.send_message(
            42,
            "<b>Hi</b> &amp; welcome",
            parse_mode="HTML",
            reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "p:x"}]]},
        )
        assert sent.text == "Hi & welcome" and sent.reply_markup.inline_keyboard[0][0].callback_data == "p:x"
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(42, "x" * 5000)
        user.block()
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(42, "still there?")
    assert user.messages[0].text == "Hi & welcome"


async def test_documents_go_as_multipart_with_their_name_and_bytes(sandbox):
    sandbox.user(43, "Ben")
    async with bot_for(sandbox) as bot:
        await bot.send_document(43, document=b"line one\nline two\n", filename="letter.txt", caption="Your letter")
    stored = sandbox.user(43).documents[0]
    assert (stored.file_name, stored.data) == ("letter.txt", b"line one\nline two\n")
    assert sandbox.user(43).messages[-1].text == "Your letter"


async def test_a_slow_answer_becomes_timed_out(sandbox):
    sandbox.user(44, "Cy")
    sandbox.hang("sendMessage", 2.0)
    async with bot_for(sandbox, read_timeout=0.2, write_timeout=0.1) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(44, "hello")


async def test_an_unreachable_server_becomes_network_error(sandbox):
    url = sandbox.base_url
    await sandbox.stop()
    requests = AiohttpRequest(), AiohttpRequest(1)
    bot = Bot(TOKEN, base_url=url, request=requests[0], get_updates_request=requests[1])
    try:
        with pytest.raises(NetworkError):
            await bot.initialize()
    finally:
        for request in requests:
            await request.shutdown()


@contextlib.asynccontextmanager
async def http_server(handler):
    """A small aiohttp server on a free local port answering every request with `handler`; its base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_is_never_followed(status):
    """Whatever answers in the Bot API's place (a proxy, a captive portal, a hijacked DNS name)
    cannot send the bot elsewhere, with its token in the path and a worker's chat in the body."""
    reached = []

    async def elsewhere(request: web.Request) -> web.Response:
        reached.append(request.path)
        return web.json_response({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Not Telegram"}})

    async with http_server(elsewhere) as target:

        async def redirecting(request: web.Request) -> web.Response:
            return web.Response(status=status, headers={"Location": f"{target}/collect{request.path}"})

        async with http_server(redirecting) as api:
            bot = Bot(TOKEN, base_url=f"{api}/bot", request=AiohttpRequest(), get_updates_request=AiohttpRequest(1))
            with pytest.raises(NetworkError):
                await bot.initialize()  # getMe
            with pytest.raises(NetworkError):
                await bot.send_message(42, "a worker's words")
            await bot.shutdown()
    assert reached == []
