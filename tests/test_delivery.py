"""The broadcast delivery engine against the sandbox, with the real python-telegram-bot Bot over
HTTP and real SQLite files: delivery, Telegram's errors, pause/resume/cancel, pacing, and a
crash in the middle of a broadcast."""

import asyncio
import contextlib
import os
import signal
import sqlite3
import struct
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from telegram import Bot

from bot.broadcasts.delivery import Deliverer
from bot.privacy.chat_cipher import ChatCipher
from bot.sending.budget import CHAT_BURST, SendBudget
from bot.store import Store
from bot.store.broadcasts import Recipient
from handlers.delivery import telegram_send
from handlers.http_client import AiohttpRequest
from sandbox import Sandbox
from tests.processes import Processes, answered, exit_code

TOKEN = "123456789:" + "D" * 35
KEY = b"delivery-test-" + b"k" * 32
REPO = Path(__file__).resolve().parent.parent
FIRST_CHAT = 7_000_000_001


@pytest.fixture
async def sandbox():
    async with Sandbox(token=TOKEN, latency=0.05) as sb:
        yield sb


@pytest.fixture
async def store(tmp_path):
    store = await Store.open(tmp_path / "haki.sqlite3")
    yield store
    await store.close()


@pytest.fixture
def cipher():
    return ChatCipher(KEY)


@pytest.fixture
async def bot(sandbox):
    async with Bot(
        TOKEN, base_url=sandbox.base_url, request=AiohttpRequest(read_timeout=0.4, write_timeout=0.1)
    ) as bot:
        yield bot


def chats(sandbox: Sandbox, count: int, first: int = FIRST_CHAT) -> list[int]:
    """Private chats that wrote to the bot once (the sandbox only knows chats it has seen)."""
    ids = list(range(first, first + count))
    for chat_id in ids:
        sandbox.user(chat_id)
    return ids


async def broadcast(store: Store, cipher: ChatCipher, chat_ids: list[int], text: str = "Union meeting") -> str:
    recipients = [Recipient(f"sub-{chat_id}", cipher.encrypt(chat_id), "en") for chat_id in chat_ids]
    return await store.broadcasts.create_broadcast({"en": text, "sw": "Mkutano"}, recipients)


@contextlib.asynccontextmanager
async def running(deliverer: Deliverer):
    """Runs the deliverer; on exit stops it, which waits for sends in flight to be recorded."""
    stop = asyncio.Event()
    task = asyncio.create_task(deliverer.run(stop))
    try:
        yield
    finally:
        stop.set()
        await task


def received(sandbox: Sandbox, chat_ids: list[int], text: str = "Union meeting") -> Counter[int]:
    """Messages with this text each chat holds."""
    return Counter({chat_id: sum(m.text == text for m in sandbox.user(chat_id).messages) for chat_id in chat_ids})


async def rows(store: Store, broadcast_id: str) -> dict[str, tuple]:
    async with store._database.connection.execute(
        "SELECT recipient, state, attempts, error, chat IS NULL FROM outbox WHERE broadcast_id = ?", (broadcast_id,)
    ) as cursor:
        return {row[0]: row[1:] for row in await cursor.fetchall()}


# --- the cipher and the stored form ---


def test_the_chat_cipher_round_trips_and_refuses_other_keys_and_tampering(cipher):
    blob = cipher.encrypt(FIRST_CHAT)
    assert cipher.decrypt(blob) == FIRST_CHAT and cipher.decrypt(cipher.encrypt(-1001234567890)) == -1001234567890
    assert cipher.encrypt(FIRST_CHAT) != blob  # a fresh nonce each time: rows cannot be matched
    assert len(cipher.encrypt(1)) == len(blob)  # the size says nothing about the id
    with pytest.raises(ValueError):
        ChatCipher(b"another key" * 4).decrypt(blob)
    with pytest.raises(ValueError):
        cipher.decrypt(blob[:-1] + bytes([blob[-1] ^ 1]))


async def test_the_database_alone_reveals_no_chat_id(tmp_path, cipher):
    path = tmp_path / "haki.sqlite3"
    store = await Store.open(path)
    canary = 7987654321
    await store.broadcasts.create_broadcast({"en": "hello"}, [Recipient("sub-x", cipher.encrypt(canary), "en")])
    # Copied while the bot runs: the database, its write-ahead log and its shared memory.
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    await store.close()
    for encoding in (str(canary).encode(), struct.pack(">q", canary), struct.pack("<q", canary)):
        assert encoding not in on_disk
    with sqlite3.connect(path) as db:
        (blob,) = db.execute("SELECT chat FROM outbox").fetchone()
    assert cipher.decrypt(blob) == canary


async def test_a_broadcast_is_checked_before_anything_is_written(store, cipher):
    with pytest.raises(ValueError, match="'fr'"):
        await store.broadcasts.create_broadcast({"en": "hi"}, [Recipient("sub-1", cipher.encrypt(1), "fr")])
    with pytest.raises(ValueError, match="language"):
        await store.broadcasts.create_broadcast({"en'); --": "hi"}, [Recipient("sub-1", cipher.encrypt(1), "en")])
    with pytest.raises(ValueError, match="each once"):
        await store.broadcasts.create_broadcast({"en": "hi"}, [Recipient("sub-1", cipher.encrypt(1), "en")] * 2)
    with pytest.raises(ValueError, match="recipients"):
        await store.broadcasts.create_broadcast({"en": "hi"}, [])
    async with store._database.connection.execute("SELECT count(*) FROM broadcasts") as cursor:
        assert (await cursor.fetchone())[0] == 0


async def test_the_rate_is_bounded_by_telegrams_limits(store, cipher):
    async def send(chat_id, text, **options):
        return None

    for rate in (0, -1, 30.5, 1000):
        with pytest.raises(ValueError, match="rate"):
            Deliverer(store.broadcasts, send, cipher, rate)
    with pytest.raises(ValueError, match="rate"):
        Deliverer(store.broadcasts, send, cipher, 1001, paid=True)
    assert Deliverer(store.broadcasts, send, cipher, 1000, paid=True).concurrency == 1000
    assert Deliverer(store.broadcasts, send, cipher, 25).concurrency == 25


# --- delivery ---


async def test_every_recipient_gets_the_message_once_in_their_language(sandbox, store, cipher, bot):
    ids = chats(sandbox, 40)
    swahili = chats(sandbox, 3, first=FIRST_CHAT + 1000)
    recipients = [Recipient(f"sub-{c}", cipher.encrypt(c), "en") for c in ids]
    recipients += [Recipient(f"sub-{c}", cipher.encrypt(c), "sw") for c in swahili]
    broadcast_id = await store.broadcasts.create_broadcast({"en": "Union meeting", "sw": "Mkutano"}, recipients)
    deliverer = Deliverer(store.broadcasts, telegram_send(bot.send_message), cipher, 30)
    async with running(deliverer):
        await answered(sandbox, ids + swahili)
    assert received(sandbox, ids) == Counter(dict.fromkeys(ids, 1))
    assert received(sandbox, swahili, "Mkutano") == Counter(dict.fromkeys(swahili, 1))
    assert await store.broadcasts.outbox_counts(broadcast_id) == {"pending": 0, "sent": 43, "failed": 0, "blocked": 0}
    # A settled row keeps no chat, even encrypted.
    assert all(chat_gone for *_, chat_gone in (await rows(store, broadcast_id)).values())
    await store.broadcasts.finish_broadcasts()
    assert (await store.broadcasts.get_broadcast(broadcast_id)).status == "done"


async def test_blocked_users_are_marked_and_reported_and_bad_requests_fail(sandbox, store, cipher, bot):
    ids = chats(sandbox, 6)
    for chat_id in ids[:2]:
        sandbox.user(chat_id).block()
    sandbox.fail_next("sendMessage", 400, "Bad Request: chat not found", chat_id=ids[2])
    reported = []

    async def on_blocked(recipient: str) -> None:
        reported.append(recipient)

    broadcast_id = await broadcast(store, cipher, ids)
    async with running(Deliverer(store.broadcasts, telegram_send(bot.send_message), cipher, 30, on_blocked=on_blocked)):
        await answered(sandbox, ids, frozenset({200, 400, 403}))
    by_recipient = await rows(store, broadcast_id)
    assert sorted(reported) == [f"sub-{c}" for c in ids[:2]]
    for chat_id in ids[:2]:
        assert by_recipient[f"sub-{chat_id}"][:3] == ("blocked", 1, "Blocked")
    assert by_recipient[f"sub-{ids[2]}"][:3] == ("failed", 1, "Rejected")
    assert received(sandbox, ids[3:]) == Counter(dict.fromkeys(ids[3:], 1))
    assert len(sandbox.calls("sendMessage")) == 6  # neither is tried again


async def test_an_errors_text_never_reaches_the_database_only_its_kind(sandbox, store, cipher, bot, tmp_path):
    """Telegram's, a proxy's or aiohttp's wording can carry the request's URL, and with it the
    bot's token: the outbox keeps only the kind of failure."""
    url = f"{sandbox.base_url}{TOKEN}/sendMessage"
    ids = chats(sandbox, 4)
    sandbox.fail_next("sendMessage", 403, f"Forbidden: blocked, while calling {url}", chat_id=ids[0])
    sandbox.fail_next("sendMessage", 400, f"Bad Request: chat not found ({url})", chat_id=ids[1])
    sandbox.fail_next("sendMessage", 502, f"Bad Gateway: upstream {url} did not answer", chat_id=ids[2], count=2)
    broadcast_id = await broadcast(store, cipher, ids)
    deliverer = Deliverer(store.broadcasts, telegram_send(bot.send_message), cipher, 30, max_attempts=2, backoff=0.01)
    async with running(deliverer):
        await answered(sandbox, ids, frozenset({200, 400, 403, 502}))
        await sandbox.log.wait_until(lambda: len(sandbox.calls("sendMessage", ids[2])) == 2, 5)
    by_recipient = await rows(store, broadcast_id)
    assert [by_recipient[f"sub-{c}"][:3] for c in ids] == [
        ("blocked", 1, "Blocked"),
        ("failed", 1, "Rejected"),
        ("failed", 2, "Unreachable"),
        ("sent", 1, None),
    ]
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())  # the database, WAL and all
    for leak in (TOKEN, TOKEN.split(":")[1], url, "chat not found", "upstream"):
        assert leak.encode() not in on_disk, leak


async def test_timeouts_and_network_errors_are_retried_with_backoff_then_give_up(sandbox, store, cipher, bot):
    ids = chats(sandbox, 4)
    sandbox.hang("sendMessage", 1.0)  # answered after the client's 0.5 s timeout
    sandbox.fail_next("sendMessage", 502, chat_id=ids[1], count=2)
    sandbox.fail_next("sendMessage", 502, chat_id=ids[2], count=10)
    broadcast_id = await broadcast(store, cipher, ids)
    deliverer = Deliverer(store.broadcasts, telegram_send(bot.send_message), cipher, 30, max_attempts=3, backoff=0.05)
    async with running(deliverer):
        await answered(sandbox, [ids[0], ids[1], ids[3]])
        await sandbox.log.wait_until(lambda: len(sandbox.calls("sendMessage", ids[2])) == 3, 5)
    by_recipient = await rows(store, broadcast_id)
    hung = next(c for c in ids if by_recipient[f"sub-{c}"][1] == 2 and c != ids[1])
    # A timed-out send may have arrived: it is sent again rather than risk losing it.
    assert received(sandbox, [hung])[hung] == 2
    assert by_recipient[f"sub-{ids[1]}"][:2] == ("sent", 3)
    assert by_recipient[f"sub-{ids[2]}"][:3] == ("failed", 3, "Unreachable")
    assert received(sandbox, [ids[1]])[ids[1]] == 1


async def test_retry_after_pauses_every_send_then_nothing_is_lost(sandbox, store, cipher, bot):
    ids = chats(sandbox, 30)
    sandbox.fail_next("sendMessage", 429, retry_after=1, chat_id=ids[3])
    await broadcast(store, cipher, ids)
    async with running(Deliverer(store.broadcasts, telegram_send(bot.send_message), cipher, 30)):
        await answered(sandbox, ids)
    flood = next(e for e in sandbox.calls("sendMessage") if e.status == 429)
    later = [e.time - flood.time for e in sandbox.calls("sendMessage") if e.seq > flood.seq]
    # Only sends already on their way when the 429 came back may land within the second.
    in_flight = [t for t in later if t < 1.0]
    assert len(in_flight) <= 3 and all(t < 0.2 for t in in_flight)
    assert received(sandbox, ids) == Counter(dict.fromkeys(ids, 1))


async def test_one_chat_gets_a_short_burst_then_at_most_one_message_a_second(sandbox, store, cipher, bot):
    ids = chats(sandbox, 3)
    words = ["First", "Second", "Third"]
    for text in words:
        await broadcast(store, cipher, ids, text)
    async with running(Deliverer(store.broadcasts, telegram_send(bot.send_message), cipher, 30)):
        await sandbox.log.wait_until(lambda: len([e for e in sandbox.calls("sendMessage") if e.ok]) == 9, 5)
    for chat_id in ids:
        times = [e.time for e in sandbox.calls("sendMessage", chat_id)]
        assert len(times) == 3  # never a 429: the third waits for the chat's bucket to refill
        assert times[CHAT_BURST] - times[0] >= 0.98  # the sandbox's clock, after the network: a little jitter
        assert sorted(m.text for m in sandbox.user(chat_id).messages) == sorted(words)


async def test_paid_broadcasts_say_so_to_telegram(sandbox, store, cipher, bot):
    ids = chats(sandbox, 3)
    await broadcast(store, cipher, ids)
    async with running(Deliverer(store.broadcasts, telegram_send(bot.send_message), cipher, 100, paid=True)):
        await answered(sandbox, ids)
    assert all(e.params.get("allow_paid_broadcast") == "true" for e in sandbox.calls("sendMessage"))


async def test_pause_resume_and_cancel(sandbox, store, cipher, bot):
    paused_ids, cancelled_ids = chats(sandbox, 40), chats(sandbox, 40, first=FIRST_CHAT + 100)
    witness_ids = chats(sandbox, 5, first=FIRST_CHAT + 200)
    deliverer = Deliverer(store.broadcasts, telegram_send(bot.send_message), cipher, 30, concurrency=3)
    async with running(deliverer):
        paused = await broadcast(store, cipher, paused_ids)
        deliverer.wake()
        await sandbox.log.wait_until(lambda: len(sandbox.calls("sendMessage")) >= 5, 5)
        assert await deliverer.pause(paused)
        mark = sandbox.log.last_seq
        cancelled = await broadcast(store, cipher, cancelled_ids, "Cancelled news")
        deliverer.wake()
        await sandbox.log.wait_until(lambda: len(sandbox.calls("sendMessage")) >= mark + 5, 5)
        assert await deliverer.cancel(cancelled)
        # While a third broadcast goes out in full, the other two stay quiet (bar sends in flight).
        mark_cancel = sandbox.log.last_seq
        await broadcast(store, cipher, witness_ids, "Witness")
        deliverer.wake()
        await answered(sandbox, witness_ids)
        after_pause = [e for e in sandbox.calls("sendMessage") if e.seq > mark and e.chat_id in paused_ids]
        after_cancel = [e for e in sandbox.calls("sendMessage") if e.seq > mark_cancel and e.chat_id in cancelled_ids]
        assert len(after_pause) <= deliverer.concurrency and len(after_cancel) <= deliverer.concurrency
        counts = await store.broadcasts.outbox_counts(paused)
        assert counts["pending"] > 0 and (await store.broadcasts.get_broadcast(paused)).status == "paused"

        assert not await deliverer.resume(cancelled)  # cancelled is final
        assert await deliverer.resume(paused)
        await answered(sandbox, paused_ids)
    assert received(sandbox, paused_ids) == Counter(dict.fromkeys(paused_ids, 1))
    assert (await store.broadcasts.get_broadcast(cancelled)).status == "cancelled"
    left = await store.broadcasts.outbox_counts(cancelled)
    assert left["pending"] > 0 and left["sent"] + left["pending"] == 40
    assert sum(received(sandbox, cancelled_ids, "Cancelled news").values()) == left["sent"]
    # A cancelled broadcast's unsent rows keep no chat either.
    assert all(chat_gone for *_, chat_gone in (await rows(store, cancelled)).values())


async def test_the_rate_is_kept_and_telegrams_flood_limits_are_never_hit(store, cipher):
    async with Sandbox(token=TOKEN, latency=0.2, enforce_limits=True) as sandbox:
        ids = chats(sandbox, 75)
        await broadcast(store, cipher, ids)
        async with Bot(TOKEN, base_url=sandbox.base_url, request=AiohttpRequest()) as bot:
            async with running(Deliverer(store.broadcasts, telegram_send(bot.send_message), cipher, 25)):
                await answered(sandbox, ids)
        times = [e.time for e in sandbox.calls("sendMessage")]
    assert sandbox.flood_limited == 0 and len(times) == 75
    # Evenly spaced at 1/25 s: no two sends close together, as a burst would put them. (Times are
    # taken by the sandbox, after the network, so each carries jitter: on a busy machine running
    # the whole suite, up to about 15 ms; a burst would show gaps near 0.)
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.5 / 25
    # 26 evenly spaced sends span exactly one second, so a window may just catch a 26th.
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 26
    achieved = (len(times) - 1) / (times[-1] - times[0])
    assert 0.95 * 25 <= achieved <= 1.01 * 25


# --- a crash in the middle ---


async def test_a_killed_deliverer_resumes_and_duplicates_at_most_the_sends_in_flight(tmp_path, cipher):
    async with Sandbox(token=TOKEN, latency=0.1) as sandbox, Processes() as processes:
        ids = chats(sandbox, 60)
        db = tmp_path / "haki.sqlite3"
        store = await Store.open(db)
        broadcast_id = await broadcast(store, cipher, ids)
        await store.close()
        concurrency = 5

        async def start() -> asyncio.subprocess.Process:
            process = await processes.start(
                sys.executable,
                str(REPO / "bench" / "broadcast_worker.py"),
                str(db),
                sandbox.base_url,
                TOKEN,
                "--rate=30",
                f"--concurrency={concurrency}",
                env=os.environ | {"HAKI_SECRET_KEY": KEY.decode()},
                stdout=asyncio.subprocess.PIPE,
            )
            line = b"(nothing)"
            with contextlib.suppress(TimeoutError):
                line = await asyncio.wait_for(process.stdout.readline(), 30)
            assert line == b"deliverer running\n", f"the broadcast worker's first line within 30 s: {line!r}"
            return process

        worker = await start()
        await sandbox.log.wait_until(lambda: len(sandbox.calls("sendMessage")) >= 20, 10)
        worker.send_signal(signal.SIGKILL)
        await exit_code(worker)
        before_restart = len(sandbox.calls("sendMessage"))
        assert before_restart < 60  # killed mid-broadcast

        worker = await start()
        await answered(sandbox, ids)
        worker.send_signal(signal.SIGTERM)
        assert await exit_code(worker) == 0

        got = received(sandbox, ids)
        assert set(got) == set(ids) and min(got.values()) == 1
        assert sum(got.values()) - len(ids) <= concurrency
        store = await Store.open(db)
        try:
            assert (await store.broadcasts.outbox_counts(broadcast_id))["sent"] == 60
        finally:
            await store.close()


async def test_a_broadcast_held_back_catches_up_with_its_schedule(sandbox, store, cipher, bot):
    """Replies go first, or Telegram says wait: the broadcast yields, then makes the time up as fast
    as the send budget allows, instead of ending that much later."""
    ids = chats(sandbox, 30)
    await broadcast(store, cipher, ids)
    budget = SendBudget()
    budget.hold(2.0)
    started = time.monotonic()
    async with running(Deliverer(store.broadcasts, telegram_send(bot.send_message), cipher, 5, budget=budget)):
        await answered(sandbox, ids)
    # At 5 a second the 30 take 5.8 s; 2 s late, that would be 7.8 s. Catching up at the budget's
    # 28 a second, the broadcast is back on its schedule after 12 sends, and ends at about 6 s.
    assert time.monotonic() - started < 6.9
