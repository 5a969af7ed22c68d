"""The broadcasts and their outbox, one row per recipient (bot/broadcasts/delivery.py sends them)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from bot.store.database import Database

OUTBOX_STATES = ("pending", "sent", "failed", "blocked")
_LANGUAGE = re.compile(r"[A-Za-z0-9_-]{1,35}")  # safe inside a JSON path, see due_outbox


@dataclass(frozen=True)
class Recipient:
    id: str  # the subscription's opaque random id
    chat: bytes  # ChatCipher.encrypt(chat id)
    language: str  # a key of the broadcast's texts
    not_before: float = 0.0  # Unix time: the end of the recipient's quiet hours, if now is in them


@dataclass(frozen=True)
class BroadcastSummary:
    id: str
    status: str
    created_at: str
    counts: dict[str, int]  # outbox rows per state, plus 'waiting' (pending, held by quiet hours)


@dataclass(frozen=True)
class Broadcast:
    id: str
    status: str
    texts: dict[str, str]
    created_at: str


@dataclass(frozen=True)
class OutboxRow:
    broadcast_id: str
    recipient: str
    chat: bytes
    text: str  # the broadcast's text in the recipient's language
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What became of one send. `state` 'pending' means try again at `not_before`."""

    broadcast_id: str
    recipient: str
    state: str
    error: str | None = None
    not_before: float = 0.0
    attempted: bool = True  # False when no send was tried for the row (a flood wait, a chat waiting its turn)


class BroadcastStore:
    def __init__(self, database: Database):
        self._database = database

    async def create_broadcast(self, texts: dict[str, str], recipients: Iterable[Recipient]) -> str:
        """A new broadcast in 'sending', with one pending outbox row per recipient; its id."""
        bad = [language for language in texts if not _LANGUAGE.fullmatch(language)]
        if bad or not texts:
            raise ValueError(f"texts need at least one language, with codes like 'en' or 'pt-BR': {bad}")
        broadcast_id = str(uuid.uuid4())
        # To the microsecond, so that /broadcasts lists them in order: this is the organizer's
        # action, not a worker's, so an exact time says nothing about a worker.
        created_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows = []
        for recipient in recipients:
            if recipient.language not in texts:
                raise ValueError(f"no text in {recipient.language!r}, a recipient's language")
            rows.append((broadcast_id, recipient.id, recipient.chat, recipient.language, recipient.not_before))
        if not rows or len({row[1] for row in rows}) != len(rows):
            raise ValueError("a broadcast needs recipients, each once")
        async with self._database.transaction() as db:
            await db.execute(
                "INSERT INTO broadcasts (id, status, texts, created_at) VALUES (?, 'sending', ?, ?)",
                (broadcast_id, json.dumps(texts, ensure_ascii=False, sort_keys=True), created_at),
            )
            await db.executemany(
                "INSERT INTO outbox (broadcast_id, recipient, chat, language, not_before) VALUES (?, ?, ?, ?, ?)", rows
            )
        return broadcast_id

    async def get_broadcast(self, broadcast_id: str) -> Broadcast | None:
        found = await self._database.connection.execute_fetchall(
            "SELECT id, status, texts, created_at FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        row = next(iter(found), None)
        return Broadcast(row[0], row[1], json.loads(row[2]), row[3]) if row else None

    async def due_outbox(self, now: float, limit: int) -> list[OutboxRow]:
        """Up to `limit` pending rows of broadcasts in 'sending' whose time has come (Unix `now`)."""
        # The language code was checked against _LANGUAGE, so it is safe inside the JSON path.
        found = await self._database.connection.execute_fetchall(
            "SELECT o.broadcast_id, o.recipient, o.chat, json_extract(b.texts, '$.\"' || o.language || '\"'),"
            " o.attempts FROM broadcasts b JOIN outbox o ON o.broadcast_id = b.id"
            " WHERE b.status = 'sending' AND o.state = 'pending' AND o.not_before <= ? LIMIT ?",
            (now, limit),
        )
        return [OutboxRow(*row) for row in found]

    async def next_due(self) -> float | None:
        """The earliest not_before among pending rows of broadcasts in 'sending' (None if none)."""
        found = await self._database.connection.execute_fetchall(
            "SELECT min(o.not_before) FROM broadcasts b JOIN outbox o ON o.broadcast_id = b.id"
            " WHERE b.status = 'sending' AND o.state = 'pending'"
        )
        return next(iter(found))[0]

    async def record_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        """Settle rows as sent, failed or blocked (wiping their chat), or put them back to
        pending until not_before; all in one transaction."""
        settled = [
            (o.state, o.error, int(o.attempted), o.broadcast_id, o.recipient) for o in outcomes if o.state != "pending"
        ]
        retried = [
            (int(o.attempted), o.not_before, o.error, o.broadcast_id, o.recipient)
            for o in outcomes
            if o.state == "pending"
        ]
        async with self._database.transaction() as db:
            await db.executemany(
                # not_before goes too: a first try's time says when the recipient's quiet hours ended.
                "UPDATE outbox SET state = ?, error = ?, attempts = attempts + ?, chat = NULL, not_before = 0"
                " WHERE broadcast_id = ? AND recipient = ?",
                settled,
            )
            await db.executemany(
                "UPDATE outbox SET attempts = attempts + ?, not_before = ?, error = ?"
                " WHERE broadcast_id = ? AND recipient = ?",
                retried,
            )

    async def finish_broadcasts(self) -> list[str]:
        """Mark 'done' every broadcast in 'sending' with no pending row left; their ids."""
        # The wiped chat ids' old copies leave the WAL too.
        async with self._database.transaction(forget=True) as db:
            found = await db.execute_fetchall(
                "UPDATE broadcasts SET status = 'done' WHERE status = 'sending'"
                " AND EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = broadcasts.id)"
                " AND NOT EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = broadcasts.id AND state = 'pending')"
                " RETURNING id"
            )
        return [row[0] for row in found]

    async def pause_broadcast(self, broadcast_id: str) -> bool:
        async with self._database.transaction() as db:
            return await _set_status(db, broadcast_id, "paused", ("sending",))

    async def resume_broadcast(self, broadcast_id: str) -> bool:
        async with self._database.transaction() as db:
            return await _set_status(db, broadcast_id, "sending", ("paused",))

    async def cancel_broadcast(self, broadcast_id: str) -> bool:
        """Stop for good; the unsent rows stay pending (so they are counted) but lose their chat."""
        async with self._database.transaction(forget=True) as db:
            cancelled = await _set_status(db, broadcast_id, "cancelled", ("sending", "paused"))
            if cancelled:
                await db.execute("UPDATE outbox SET chat = NULL WHERE broadcast_id = ?", (broadcast_id,))
        return cancelled

    async def forget_finished_outbox(self) -> int:
        """Delete the outbox rows of broadcasts done or cancelled, keeping their counts per state
        on the broadcast; how many rows went. The rows held who got which broadcast, and nothing
        more is sent from them."""
        sums = ", ".join(f"'{state}', count(*) FILTER (WHERE state = '{state}')" for state in OUTBOX_STATES)
        async with self._database.transaction(forget=True) as db:
            await db.execute(
                f"UPDATE broadcasts SET counts = (SELECT json_object({sums}) FROM outbox"
                " WHERE broadcast_id = broadcasts.id) WHERE status IN ('done', 'cancelled') AND counts IS NULL"
            )
            cursor = await db.execute(
                "DELETE FROM outbox WHERE broadcast_id IN"
                " (SELECT id FROM broadcasts WHERE status IN ('done', 'cancelled'))"
            )
        return cursor.rowcount

    async def outbox_counts(self, broadcast_id: str, now: float | None = None) -> dict[str, int]:
        """Rows per state (every state present, zero if none), for a progress message; with
        `now`, also 'waiting': pending rows never tried that wait for quiet hours to end. Once a
        finished broadcast's rows are deleted, the counts kept on it."""
        kept = await self._database.connection.execute_fetchall(
            "SELECT counts FROM broadcasts WHERE id = ? AND counts IS NOT NULL", (broadcast_id,)
        )
        if kept:
            return json.loads(kept[0][0]) | ({} if now is None else {"waiting": 0})
        found = dict(
            await self._database.connection.execute_fetchall(
                "SELECT state, count(*) FROM outbox WHERE broadcast_id = ? GROUP BY state", (broadcast_id,)
            )
        )
        counts = {state: found.get(state, 0) for state in OUTBOX_STATES}
        if now is not None:
            ((waiting,),) = await self._database.connection.execute_fetchall(
                "SELECT count(*) FROM outbox WHERE broadcast_id = ? AND state = 'pending' AND attempts = 0"
                " AND error IS NULL AND not_before > ?",
                (broadcast_id, now),
            )
            counts["waiting"] = waiting
        return counts

    async def broadcast_summary(self, broadcast_id: str, now: float) -> BroadcastSummary | None:
        found = await self._database.connection.execute_fetchall(
            "SELECT id, status, created_at FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        return BroadcastSummary(*found[0], await self.outbox_counts(broadcast_id, now)) if found else None

    async def recent_broadcasts(self, limit: int, now: float) -> list[BroadcastSummary]:
        """The latest broadcasts, newest first, with their delivery counts."""
        found = await self._database.connection.execute_fetchall(
            "SELECT id, status, created_at FROM broadcasts ORDER BY created_at DESC, id LIMIT ?", (limit,)
        )
        return [BroadcastSummary(*row, await self.outbox_counts(row[0], now)) for row in found]


async def unlink_outbox(db: aiosqlite.Connection, subscription_ids: Sequence[str]) -> None:
    """A subscription is gone: its waiting messages are dropped, and its settled rows get a
    random recipient, so a broadcast's counts stay right but no row says any more which
    broadcasts this person received."""
    ids = [(sid,) for sid in subscription_ids]
    await db.executemany("DELETE FROM outbox WHERE recipient = ? AND state = 'pending'", ids)
    await db.executemany("UPDATE outbox SET recipient = lower(hex(randomblob(16))) WHERE recipient = ?", ids)


async def _set_status(db: aiosqlite.Connection, broadcast_id: str, status: str, allowed_from: tuple[str, ...]) -> bool:
    marks = ", ".join("?" * len(allowed_from))
    found = await db.execute_fetchall(
        f"UPDATE broadcasts SET status = ? WHERE id = ? AND status IN ({marks}) RETURNING id",
        (status, broadcast_id, *allowed_from),
    )
    return bool(found)
