"""The broadcast delivery engine: drains the outbox of broadcasts in 'sending' (bot/store/broadcasts.py).

Telegram allows a bot about 30 messages a second overall and about one a second per chat, and
answers each send in 100-300 ms; so sends overlap (up to `concurrency` in flight) while a pacer
starts them no faster than `rate` a second, evenly spaced, with no burst after an idle spell or
a wait. Each send then takes its turn from the bot's one SendBudget (bot/sending/budget.py),
which replies share and go first in: while workers wait for answers, the broadcast yields, and it
catches up (as fast as the budget allows) once they stop. A row whose chat has just had a message
waits in the outbox, not in a slot. Whatever else happens, a row stays 'pending' in the database until Telegram accepted
its message, and a send keeps its concurrency slot until its outcome is committed: after a
crash, delivery resumes where it was, and only the sends in flight at that moment (at most
`concurrency`) can reach their chat a second time.

Outcomes per send: `send` raises one of the SendErrors below (handlers/delivery.py translates
python-telegram-bot's errors, which follow Telegram's HTTP status, into them):
* FloodWait: Telegram's flood control. The budget holds every sender of the bot for its seconds,
  replies included; the row is tried again without counting an attempt.
* Unreachable (a timeout, a network error): retried after 1x, 2x, 4x... `backoff` seconds,
  never more than MAX_BACKOFF apart (so delivery resumes soon after an outage), until
  `max_attempts` (by default about an hour of trying), then 'failed'. A timed-out send may have
  arrived: the retry can duplicate it, which is better than losing it.
* Rejected: 'failed'; repeating it would fail the same way.
* Blocked: the user blocked the bot or left; 'blocked', and on_blocked(recipient) lets the
  caller drop the subscription.
* Any other exception (a refused token, a bug) stops run() with that error instead, leaving
  the row pending for the next start.

An outcome that cannot be written because the disk is full or read-only is kept in memory and
written again every DISK_RETRY seconds, its send keeping its slot: delivery stalls within
`concurrency` sends, nothing is sent twice, and it goes on by itself once the disk is writable.
(Stopped meanwhile, those rows stay pending, like a crash's sends in flight.)

Retry times (not_before) are Unix time, as they must survive a restart; `clock` (monotonic)
only paces the sends within this process.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable

from bot.privacy.chat_cipher import ChatCipher
from bot.sending.budget import Lane, SendBudget
from bot.store.broadcasts import BroadcastStore, OutboxRow, Outcome
from bot.store.errors import unwritable, unwritable_line

log = logging.getLogger(__name__)

MAX_RATE = 30.0  # Telegram's overall limit for ordinary messages
MAX_PAID_RATE = 1000.0  # with allow_paid_broadcast (0.1 Star per message)
TIMER_SLACK = 0.001  # seconds of lateness that pacing does not count (see _pace)
IDLE_POLL = 5.0  # seconds between outbox checks when nobody called wake()
MAX_BACKOFF = 15.0  # seconds: the longest wait between two tries of one send
DISK_RETRY = 10.0  # seconds between two tries to write outcomes to an unwritable database

Send = Callable[..., Awaitable[object]]


class SendError(Exception):
    """Why Telegram did not take a message; `send` raises a subclass, with Telegram's reason.

    The reason's text stays in memory: Telegram's, a proxy's or aiohttp's wording can carry the
    request's URL, hence the bot's token. The outbox keeps only `kind`, the subclass's name."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    @property
    def kind(self) -> str:
        """What the outbox keeps: Blocked, Rejected, Unreachable or FloodWait, never the text."""
        return type(self).__name__


class FloodWait(SendError):
    def __init__(self, message: str, seconds: float):
        super().__init__(message)
        self.seconds = seconds


class Blocked(SendError):
    """The user blocked the bot, or their account is gone."""


class Rejected(SendError):
    """Telegram refused this message; sending it again would fail the same way."""


class Unreachable(SendError):
    """A timeout or a network error: the message may or may not have arrived."""


class Deliverer:
    def __init__(
        self,
        broadcasts: BroadcastStore,
        send: Send,
        cipher: ChatCipher,
        rate: float = 25.0,
        clock: Callable[[], float] = time.monotonic,
        on_blocked: Callable[[str], Awaitable[None]] | None = None,
        *,
        on_finished: Callable[[list[str]], Awaitable[None]] | None = None,
        paid: bool = False,
        budget: SendBudget | None = None,
        concurrency: int | None = None,
        max_attempts: int = 250,
        backoff: float = 2.0,
    ):
        """send(chat_id, text) sends one message and raises a SendError when Telegram did not
        take it (handlers/delivery.py wraps bot.send_message); with paid=True it also gets
        allow_paid_broadcast=True. rate is HAKI_BROADCAST_RATE: messages per second overall,
        0 < rate <= 30, or <= 1000 for paid broadcasts. budget is the bot's one SendBudget (by default
        one of its own, for an engine that is the only sender). concurrency defaults to one second of
        sends, enough while Telegram answers within a second. on_blocked(recipient) is awaited
        once a row is marked blocked. max_attempts and backoff govern retries after network
        errors (see the module docstring). on_finished(ids) is awaited when broadcasts are done."""
        limit = MAX_PAID_RATE if paid else MAX_RATE
        if not 0 < rate <= limit:
            raise ValueError(f"the broadcast rate must be above 0 and at most {limit:g} messages/s, not {rate}")
        self._broadcasts = broadcasts
        self._send = send
        self._send_options = {"allow_paid_broadcast": True} if paid else {}
        self._budget = budget or SendBudget()
        self._lane = Lane.PAID if paid else Lane.BROADCAST
        self._cipher = cipher
        self._clock = clock
        self._on_blocked = on_blocked
        self._on_finished = on_finished
        self._interval = 1.0 / rate
        self._concurrency = concurrency or max(1, math.ceil(rate))
        self._batch = max(1, math.ceil(rate))  # about a second of sends: a direct pause in storage bites soon
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._slots = asyncio.Semaphore(self._concurrency)
        self._next_start = 0.0  # clock time before which no send may start (pacing)
        self._behind = False  # the budget held a send past its schedule: catch up (see _pace)
        self._in_flight: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        # Paused or cancelled through this object: their rows already fetched are skipped at once
        # (a pause made directly in storage takes effect with the next fetch, within a second).
        self._halted: set[str] = set()
        self._unwritten: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        self._fatal: BaseException | None = None
        self._stop = asyncio.Event()

    @property
    def concurrency(self) -> int:
        """The most sends in flight at once, hence the most a crash can duplicate."""
        return self._concurrency

    def wake(self) -> None:
        """Look at the outbox now (after creating or resuming a broadcast) instead of within IDLE_POLL s."""
        self._wakeup.set()

    async def pause(self, broadcast_id: str) -> bool:
        self._halted.add(broadcast_id)
        return await self._broadcasts.pause_broadcast(broadcast_id)

    async def resume(self, broadcast_id: str) -> bool:
        resumed = await self._broadcasts.resume_broadcast(broadcast_id)
        if resumed:
            self._halted.discard(broadcast_id)
            self.wake()
        return resumed

    async def cancel(self, broadcast_id: str) -> bool:
        self._halted.add(broadcast_id)
        return await self._broadcasts.cancel_broadcast(broadcast_id)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until stop is set; sends already started finish and are recorded first."""
        self._stop = stop
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                if self._fatal is not None:
                    raise self._fatal
                # Cleared before looking, so a wake() or a finished send from here on is not missed.
                self._wakeup.clear()
                halted = set(self._halted)
                rows = await self._broadcasts.due_outbox(time.time(), self._batch + len(self._in_flight))
                # The database runs calls in order, so a broadcast halted before this query that still
                # comes back as 'sending' was resumed directly in storage since.
                self._halted -= halted & {row.broadcast_id for row in rows}
                rows = [row for row in rows if (row.broadcast_id, row.recipient) not in self._in_flight]
                if not rows:
                    self._behind = False  # time with nothing to send is not made up for
                    await self._finish()
                    await self._idle(stopping)
                    continue
                for row in rows:
                    if stop.is_set() or self._fatal is not None:
                        break
                    await self._dispatch(row, stopping)
        finally:
            stopping.cancel()
            if self._tasks:
                await asyncio.wait(self._tasks)
        if self._fatal is not None:
            raise self._fatal

    async def _finish(self) -> None:
        try:
            finished = await self._broadcasts.finish_broadcasts()
        except Exception as err:
            if not unwritable(err):
                raise
            log.error(unwritable_line(err, "broadcasts that are finished are marked done once it can be"))
            return
        if finished and self._on_finished is not None:
            await self._on_finished(finished)

    async def _idle(self, stopping: asyncio.Task[bool]) -> None:
        # With sends in flight, each one wakes us when it is recorded; otherwise sleep until the
        # first row is due (a retry's not_before) or someone calls wake().
        timeout: float | None = None
        if not self._in_flight:
            due = await self._broadcasts.next_due()
            timeout = IDLE_POLL if due is None else min(IDLE_POLL, max(0.0, due - time.time()))
        woken = asyncio.create_task(self._wakeup.wait())
        await asyncio.wait({woken, stopping}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        woken.cancel()

    async def _dispatch(self, row: OutboxRow, stopping: asyncio.Task[bool]) -> None:
        if row.broadcast_id in self._halted:
            return
        key = (row.broadcast_id, row.recipient)
        try:
            chat_id = self._cipher.decrypt(row.chat)
        except ValueError:  # HAKI_SECRET_KEY changed since the broadcast was made
            self._spawn(self._settle_aside(key, Outcome(*key, "failed", "the chat does not decrypt", attempted=False)))
            return
        wait = self._budget.chat_wait(chat_id)
        if wait > 0:
            # The chat has just had a message (a reply, another broadcast, a retry): this row waits.
            later = time.time() + wait
            self._spawn(self._settle_aside(key, Outcome(*key, "pending", None, later, attempted=False)))
            return
        await self._slots.acquire()
        if not await self._pace(stopping) or not await self._turn(chat_id, stopping):
            self._slots.release()
            return
        if row.broadcast_id in self._halted:
            self._slots.release()
            return
        self._in_flight.add(key)
        self._spawn(self._deliver(row, chat_id))

    async def _settle_aside(self, key: tuple[str, str], outcome: Outcome) -> None:
        """Record an outcome reached without sending; in flight meanwhile so it is not fetched again."""
        self._in_flight.add(key)
        try:
            await self._record(outcome)
        finally:
            self._in_flight.discard(key)

    async def _pace(self, stopping: asyncio.Task[bool]) -> bool:
        """Wait for this send's turn; False if stop came first."""
        while True:
            now = self._clock()
            start = self._next_start
            if start <= now:
                # asyncio wakes up to a millisecond late (epoll counts whole milliseconds): that much
                # is kept on schedule, or 1000/s could not be reached. A longer gap (idle, waiting for
                # a free slot) is not made up afterwards, so there is never a burst.
                # Behind because replies went first (or Telegram said wait), the schedule is kept, so
                # the sends go as fast as the budget lets them until the broadcast is back on it.
                on_time = now - start <= TIMER_SLACK or self._behind
                self._next_start = (start if on_time else now) + self._interval
                return True
            self._behind = False  # on schedule again
            await asyncio.wait({stopping}, timeout=start - now)
            if stopping.done():
                return False

    async def _turn(self, chat_id: int, stopping: asyncio.Task[bool]) -> bool:
        """Wait for the budget's turn (after any reply waiting, and any retry_after); False if stop came first."""
        turn = asyncio.ensure_future(self._budget.take(chat_id, self._lane))
        await asyncio.wait({turn, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if turn.done():
            self._behind = self._behind or self._clock() > self._next_start
            return True
        turn.cancel()
        return False

    def _spawn(self, job: Awaitable[None]) -> None:
        task = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None and self._fatal is None:
            self._fatal = task.exception()
        self._wakeup.set()

    async def _deliver(self, row: OutboxRow, chat_id: int) -> None:
        key = (row.broadcast_id, row.recipient)
        try:
            outcome = await self._attempt(row, chat_id)
            await self._record(outcome)  # the slot is held until then: see the module docstring
        finally:
            self._in_flight.discard(key)
            self._slots.release()
        if outcome.state == "blocked" and self._on_blocked is not None:
            try:
                await self._on_blocked(row.recipient)
            except Exception:
                log.exception("on_blocked failed; the subscription is still there")

    async def _attempt(self, row: OutboxRow, chat_id: int) -> Outcome:
        settle = {"broadcast_id": row.broadcast_id, "recipient": row.recipient}
        try:
            await self._send(chat_id, row.text, **self._send_options)
        except FloodWait as err:
            self._budget.hold(err.seconds)
            log.warning("Telegram flood control: every message waits %.0f s", err.seconds)
            return Outcome(
                **settle, state="pending", error=err.kind, not_before=time.time() + err.seconds, attempted=False
            )
        except Blocked as err:
            return Outcome(**settle, state="blocked", error=err.kind)
        except Rejected as err:
            return Outcome(**settle, state="failed", error=err.kind)
        except Unreachable as err:
            attempts = row.attempts + 1
            if attempts >= self._max_attempts:
                return Outcome(**settle, state="failed", error=err.kind)
            later = time.time() + min(MAX_BACKOFF, self._backoff * 2 ** min(attempts - 1, 30))
            return Outcome(**settle, state="pending", error=err.kind, not_before=later)
        return Outcome(**settle, state="sent")

    async def _record(self, outcome: Outcome) -> None:
        """Returns once the outcome is committed. Outcomes that arrive while a commit runs
        share the next one, so at 1000 sends/s the database is not one commit per send."""
        done = asyncio.get_running_loop().create_future()
        self._unwritten.append((outcome, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        await done

    async def _write(self) -> None:
        while self._unwritten:
            batch, self._unwritten = self._unwritten, []
            try:
                await self._broadcasts.record_outcomes([outcome for outcome, _ in batch])
            except Exception as err:
                if unwritable(err) and not self._stop.is_set():
                    log.error(unwritable_line(err, f"broadcast delivery waits and tries again in {DISK_RETRY:g} s"))
                    self._unwritten = batch + self._unwritten
                    stopped = asyncio.create_task(self._stop.wait())
                    await asyncio.wait({stopped}, timeout=DISK_RETRY)
                    stopped.cancel()
                    continue
                # A bug, or stopping while the disk is unwritable: the rows stay pending for the next start.
                for _, done in batch:
                    done.set_exception(err)
                continue
            for _, done in batch:
                done.set_result(None)
